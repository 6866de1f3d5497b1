"""The lens: the model's own head applied to every hidden state, to watch a prediction form.

A head is found in :data:`HEADS`, an ordered table with one entry per kind of head (the first
that applies wins). Each entry turns one hidden state ``[1, tokens, hidden]`` into what the
model predicts from it, with the steps transformers applies after the last block: the base
model's final norm when it has one, pooling, the head's own layers. A new head (a causal LM's
logit lens, per-token heads) is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ..adapters import acts_as
from ..model_info import inner_model
from .mlm_lens import masked_lm_head
from .record import layer_stack

__all__ = [
    "NoLens",
    "HeadEntry",
    "HEADS",
    "head_of",
    "final_norm",
    "matches",
    "note",
    "lens_values",
]

#: ``head(hidden, feed)``: one hidden state and the forward's inputs -> the head's value.
Head = Callable[[torch.Tensor, dict], object]


class NoLens(Exception):
    """The lens cannot be built for this model: ``en`` and ``ko`` say what is missing."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.en, self.ko = en, ko


@dataclass(frozen=True)
class HeadEntry:
    """One kind of head: the task it serves, its name in words, and how to build it.

    ``build(model)`` returns the head as a function of ``(hidden, feed)``, or None when this
    entry does not apply to ``model`` (then the next entry is tried).
    """

    task: str
    en: str
    ko: str
    build: Callable[[nn.Module], Head | None]


def final_norm(model: nn.Module) -> nn.Module | None:
    """The norm the base model applies after its last block (``norm``, ``ln_f``, ``final_norm``...).

    It is the base model's direct child registered after the child holding the stack of blocks
    whose class is a norm; None when there is none (BERT-era encoders).
    """
    model = inner_model(model)
    base = getattr(model, "base_model", None)
    stack = layer_stack(model)
    if not isinstance(base, nn.Module) or stack is None:
        return None
    after = False
    for child in base.children():
        if after and ("Norm" in type(child).__name__ or isinstance(child, nn.LayerNorm)):
            return child
        if any(m is stack[1] for m in child.modules()):
            after = True
    return None


def _normed(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    norm = final_norm(model)
    return (lambda h: h) if norm is None else norm


def _linear(module, outputs: int | None = None) -> bool:
    """A Linear layer (or a PEFT wrapper of one), with ``outputs`` outputs when given."""
    return acts_as(module, nn.Linear) and outputs in (None, getattr(module, "out_features", None))


# -- classification ------------------------------------------------------------------------------


def _distilbert(model):
    pre, classifier = getattr(model, "pre_classifier", None), getattr(model, "classifier", None)
    if not (_linear(pre) and _linear(classifier)):
        return None
    return lambda h, feed: classifier(torch.relu(pre(h[:, 0])))


def _modernbert(model):
    head, classifier = getattr(model, "head", None), getattr(model, "classifier", None)
    pooling = getattr(getattr(model, "config", None), "classifier_pooling", None)
    if not (isinstance(head, nn.Module) and _linear(classifier) and pooling in ("cls", "mean")):
        return None
    norm = _normed(model)

    def apply(h, feed):
        h = norm(h)
        if pooling == "cls":
            pooled = h[:, 0]
        else:
            mask = feed.get("attention_mask")
            mask = torch.ones(h.shape[:2], dtype=torch.bool) if mask is None else mask
            pooled = (h * mask.unsqueeze(-1)).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        return classifier(head(pooled))

    return apply


def _model_pooler(model):
    """DeBERTa: a ``pooler`` on the task model itself ([CLS] -> dense -> activation)."""
    pooler, classifier = getattr(model, "pooler", None), getattr(model, "classifier", None)
    if not (isinstance(pooler, nn.Module) and _linear(classifier)):
        return None
    return lambda h, feed: classifier(pooler(h))


def _base_pooler(model):
    base, classifier = getattr(model, "base_model", None), getattr(model, "classifier", None)
    pooler = getattr(base, "pooler", None)
    if not (isinstance(pooler, nn.Module) and _linear(classifier)):
        return None
    activation = getattr(base, "pooler_activation", None)
    if isinstance(activation, nn.Module):  # ALBERT: Linear pooler + tanh on [CLS]
        return lambda h, feed: classifier(activation(pooler(h[:, 0])))
    return lambda h, feed: classifier(pooler(h))  # BERT: the pooler picks [CLS] itself


def _classifier_module(model):
    classifier = getattr(model, "classifier", None)
    if not isinstance(classifier, nn.Module) or _linear(classifier):
        return None
    norm = _normed(model)
    return lambda h, feed: classifier(norm(h))  # RoBERTa, ELECTRA, MPNet: a head module


def last_token(model: nn.Module, input_ids: torch.Tensor | None) -> int:
    """The position a decoder classifier reads: the rightmost token that is not padding, as
    transformers picks it (the last one when the model has no ``pad_token_id``)."""
    config = getattr(model, "config", None)
    config = config.get_text_config() if hasattr(config, "get_text_config") else config
    pad = getattr(config, "pad_token_id", None)
    if pad is None or input_ids is None:
        return -1
    ids = input_ids[0]
    keep = (ids != pad).to(torch.int32)
    return int((torch.arange(ids.shape[-1], dtype=torch.int32, device=ids.device) * keep).argmax())


def _score(model):
    """Decoders: the final norm, ``score`` at every position, the last non-padding token read."""
    score = getattr(model, "score", None)
    if not _linear(score):
        return None
    norm = _normed(model)
    return lambda h, feed: score(norm(h))[:, last_token(model, feed.get("input_ids"))]


# -- question answering --------------------------------------------------------------------------


def _start_end(logits: torch.Tensor):
    start, end = logits.split(1, dim=-1)
    return start.squeeze(-1)[0], end.squeeze(-1)[0]


def _modernbert_qa(model):
    head, classifier = getattr(model, "head", None), getattr(model, "classifier", None)
    if not (isinstance(head, nn.Module) and _linear(classifier, 2)):
        return None
    norm = _normed(model)
    return lambda h, feed: _start_end(classifier(head(norm(h))))


def _qa_outputs(model):
    qa = getattr(model, "qa_outputs", None)
    if not _linear(qa, 2):
        return None
    norm = _normed(model)
    return lambda h, feed: _start_end(qa(norm(h)))


# -- masked language models ----------------------------------------------------------------------


def _masked_lm(model):
    """A masked LM's own head layers on every position, its top tokens kept (``mlm_lens``)."""
    head = masked_lm_head(model)
    return None if head is None else (lambda h, feed: head(h))


#: The heads the lens knows, tried in order for the trace's task.
HEADS: list[HeadEntry] = [
    HeadEntry("classify", "DistilBERT's pre_classifier + ReLU + classifier on [CLS]",
              "DistilBERT의 [CLS] → pre_classifier → ReLU → classifier", _distilbert),
    HeadEntry("classify", "ModernBERT's final norm, pooling, head and classifier",
              "ModernBERT의 마지막 정규화 → 풀링 → head → classifier", _modernbert),
    HeadEntry("classify", "the model's pooler + classifier (DeBERTa)",
              "모델의 pooler + classifier(DeBERTa)", _model_pooler),
    HeadEntry("classify", "the base model's pooler + classifier (BERT, ALBERT)",
              "기반 모델의 pooler + classifier(BERT, ALBERT)", _base_pooler),
    HeadEntry("classify", "a classifier module on the hidden states (RoBERTa, ELECTRA, MPNet)",
              "은닉 상태를 받는 classifier 모듈(RoBERTa, ELECTRA, MPNet)", _classifier_module),
    HeadEntry("classify", "the final norm + score at the last non-padding token (decoders)",
              "마지막 정규화 + 마지막 비패딩 토큰의 score(디코더)", _score),
    HeadEntry("answer", "ModernBERT's final norm, head and classifier per token",
              "ModernBERT의 마지막 정규화 → head → 토큰별 classifier", _modernbert_qa),
    HeadEntry("answer", "the final norm (if any) + qa_outputs per token",
              "마지막 정규화(있으면) + 토큰별 qa_outputs", _qa_outputs),
    HeadEntry("fill_mask", "the masked-LM head's own layers at every token (top tokens kept)",
              "마스크 언어 모델 헤드의 층들을 모든 토큰에 적용(상위 토큰만 보관)", _masked_lm),
]  # fmt: skip


def head_of(model: nn.Module, task: str) -> tuple[HeadEntry, Head]:
    """The first entry of :data:`HEADS` for ``task`` that applies to ``model``, and its head.

    Classification heads return the ``[labels]`` logits, question answering ``(start, end)``,
    a masked LM (``"fill_mask"``) the top tokens per position
    (:func:`explorer.trace.mlm_lens.top_tokens`).
    Raises :class:`NoLens` naming the heads it knows.
    """
    inner = inner_model(model)
    entries = [e for e in HEADS if e.task == task]
    for entry in entries:
        head = entry.build(inner)
        if head is not None:
            if task == "classify":
                return entry, lambda h, feed, head=head: head(h, feed)[0]
            return entry, head
    raise NoLens(
        "its head is none this trace knows (" + "; ".join(e.en for e in entries) + ")",
        "헤드가 이 추적이 아는 형태가 아닙니다(" + "; ".join(e.ko for e in entries) + ")",
    )


def matches(got, own) -> bool:
    """True when the head's value on the last hidden state is the model's own prediction."""
    pairs = zip(got, own, strict=True) if isinstance(own, tuple) else [(got, own)]
    for a, b in pairs:
        a, b = a.float(), b.float()
        scale = max(1.0, b.abs().max().item())
        if a.shape != b.shape or not torch.allclose(a, b, rtol=1e-3, atol=1e-4 * scale):
            return False
    return True


def lens_values(model: nn.Module, task: str, hidden: list, own, feed: dict | None = None) -> list:
    """The head's value on each hidden state; the last entry is ``own``, the model's prediction.

    Raises :class:`NoLens` when there are no hidden states, the head is unknown or fails, or the
    head on the last hidden state does not give ``own`` (then the note names the head as read
    and says a step between the last block and the head is missing).
    """
    if not hidden or any(h is None for h in hidden):
        raise NoLens(
            "found no stack of blocks (a ModuleList of layers) whose hidden states it could read",
            "은닉 상태를 읽을 블록 묶음(층들의 ModuleList)을 찾지 못했습니다",
        )
    entry, head = head_of(model, task)
    feed = feed or {}
    try:
        values = [head(h, feed) for h in hidden]
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise NoLens(
            f"its head cannot take the hidden states ({type(exc).__name__}: {exc})",
            f"헤드가 은닉 상태를 받지 못합니다({type(exc).__name__}: {exc})",
        ) from None
    if not matches(values[-1], own):
        norm = final_norm(model)
        step = (
            ("after its final norm", "마지막 정규화 뒤의")
            if norm is not None
            else ("such as a final norm", "예컨대 마지막 정규화 같은")
        )
        raise NoLens(
            f"its head read as {entry.en}, applied to the last block's output, does not give "
            f"the model's own prediction: a step between them ({step[0]}) is not reproduced here",
            f"헤드를 {entry.ko}(으)로 읽어 마지막 블록의 출력에 적용해도 모델 자신의 예측이 "
            f"나오지 않습니다: 그 사이의 단계({step[1]} 단계)를 여기서 재현하지 못합니다",
        )
    return values[:-1] + [own]


def note(model: nn.Module, why: NoLens | None) -> dict[str, str]:
    """The lens explained in a plain sentence, in English and Korean."""
    if why is not None:
        name = type(model).__name__
        return {
            "en": f"No lens for {name}: {why.en}.",
            "ko": f"{name}에는 렌즈를 쓸 수 없습니다: {why.ko}.",
        }
    return {
        "en": (
            "Each entry applies the model's own head to one hidden state: the embeddings' output, "
            "then each block's. Only the last entry is the model's prediction. The earlier ones "
            'are a probe (a "logit lens"): the head was never trained on those layers, so read '
            "them as hints of how the prediction forms, not as predictions."
        ),
        "ko": (
            "각 항목은 모델 자신의 헤드를 은닉 상태 하나에 적용한 값입니다: 먼저 임베딩의 출력, "
            "그다음 각 블록의 출력입니다. 마지막 항목만이 모델의 예측입니다. 앞의 항목들은 "
            '탐침("로짓 렌즈")입니다. 헤드는 그 층들의 출력으로 학습된 적이 없으니, 예측이 아니라 '
            "예측이 만들어져 가는 모습의 단서로 읽으세요."
        ),
    }
