"""The lens: the model's own head applied to every hidden state, to watch a prediction form."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .record import layer_stack

__all__ = [
    "NoLens",
    "head_of",
    "matches",
    "note",
    "lens_values",
    "LOGIT_LENS_TOP",
    "LOGIT_LENS_POSITIONS",
    "top_tokens",
]

Head = Callable[[torch.Tensor], object]


class NoLens(Exception):
    """The lens cannot be built for this model: ``en`` and ``ko`` say what is missing."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.en, self.ko = en, ko


def _classification_head(model: nn.Module) -> Head:
    base = getattr(model, "base_model", None)
    pre = getattr(model, "pre_classifier", None)
    classifier = getattr(model, "classifier", None)
    pooler = getattr(base, "pooler", None)
    if isinstance(pre, nn.Linear) and isinstance(classifier, nn.Linear):
        # DistilBERT: [CLS] vector -> pre_classifier -> ReLU -> (dropout) -> classifier
        return lambda h: classifier(torch.relu(pre(h[:, 0])))
    if isinstance(classifier, nn.Linear) and isinstance(pooler, nn.Module):
        activation = getattr(base, "pooler_activation", None)
        if isinstance(activation, nn.Module):  # ALBERT: Linear pooler + tanh on [CLS]
            return lambda h: classifier(activation(pooler(h[:, 0])))
        return lambda h: classifier(pooler(h))  # BERT: the pooler picks [CLS] itself
    if isinstance(classifier, nn.Module) and not isinstance(classifier, nn.Linear):
        return lambda h: classifier(h)  # RoBERTa, ELECTRA: a head module on the hidden states
    raise NoLens(
        "its classification head is none this trace knows (DistilBERT's pre_classifier, "
        "a pooler + classifier, or a classifier module taking the hidden states)",
        "분류 헤드가 이 추적이 아는 형태(DistilBERT의 pre_classifier, pooler + classifier, "
        "은닉 상태를 받는 classifier 모듈)가 아닙니다",
    )


def _qa_head(model: nn.Module) -> Head:
    qa = getattr(model, "qa_outputs", None)
    if not isinstance(qa, nn.Linear) or qa.out_features != 2:
        raise NoLens(
            "it has no qa_outputs layer giving 2 values per token",
            "토큰마다 값 2개를 내는 qa_outputs 층이 없습니다",
        )

    def head(h):
        start, end = qa(h).split(1, dim=-1)
        return start.squeeze(-1)[0], end.squeeze(-1)[0]

    return head


#: The logit lens keeps this many most likely tokens per position and layer...
LOGIT_LENS_TOP = 5
#: ...at the last this many positions of the input (each layer costs a pass of the LM head).
LOGIT_LENS_POSITIONS = 32


def top_tokens(logits: torch.Tensor, k: int = LOGIT_LENS_TOP) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax probabilities and ids of the ``k`` likeliest tokens at each position:
    ``[positions, vocab]`` logits -> ``([positions, k], [positions, k])``, best first."""
    probs = torch.softmax(logits.float(), dim=-1)
    return probs.topk(min(k, probs.shape[-1]), dim=-1)


def _final_norm(model: nn.Module) -> nn.Module | None:
    """The base model's last norm outside its stack of blocks (GPT-2's ``ln_f``, Llama's
    ``norm``, OPT's ``final_layer_norm``), or None."""
    base = getattr(model, "base_model", None)
    base = base if isinstance(base, nn.Module) else model
    stack = layer_stack(model)
    inside = {id(m) for m in stack[1].modules()} if stack is not None else set()
    found = None
    for _, module in base.named_modules():
        if id(module) not in inside and "norm" in type(module).__name__.lower():
            found = module
    return found


def _logit_lens(model: nn.Module) -> Head:
    """The logit lens of a causal LM: its final norm and LM head on a hidden state, at the last
    :data:`LOGIT_LENS_POSITIONS` positions, reduced to :func:`top_tokens`."""
    get = getattr(model, "get_output_embeddings", None)
    out = get() if callable(get) else None
    if not isinstance(out, nn.Module):
        raise NoLens(
            "it has no output embeddings (the LM head turning hidden states into token scores)",
            "출력 임베딩(은닉 상태를 토큰 점수로 바꾸는 LM 헤드)이 없습니다",
        )
    norm = _final_norm(model)
    config = model.config
    cap = getattr(config, "final_logit_softcapping", None)  # Gemma 2
    scale = getattr(config, "logit_scale", None)  # Cohere multiplies...
    divide = getattr(config, "logits_scaling", None)  # ...Granite divides

    def head(h):
        x = h[0, -LOGIT_LENS_POSITIONS:]
        logits = out(norm(x) if norm is not None else x)
        if isinstance(scale, (int, float)):
            logits = logits * scale
        if isinstance(divide, (int, float)):
            logits = logits / divide
        if isinstance(cap, (int, float)):
            logits = torch.tanh(logits / cap) * cap
        return top_tokens(logits)

    return head


def head_of(model: nn.Module, task: str) -> Head:
    """The model's own head as a function of one hidden state ``[1, tokens, hidden]``.

    Classification returns the ``[labels]`` logits, question answering ``(start, end)``, the
    next token (the logit lens) :func:`top_tokens` of the last positions. Raises
    :class:`NoLens` naming what is missing.
    """
    if task == "next_token":
        return _logit_lens(model)
    if task == "classify":
        head = _classification_head(model)
        return lambda h: head(h)[0]
    return _qa_head(model)


def matches(got, own) -> bool:
    """True when the head's value on the last hidden state is the model's own prediction."""
    pairs = zip(got, own, strict=True) if isinstance(own, tuple) else [(got, own)]
    for a, b in pairs:
        a, b = a.float(), b.float()
        scale = max(1.0, b.abs().max().item())
        if a.shape != b.shape or not torch.allclose(a, b, rtol=1e-3, atol=1e-4 * scale):
            return False
    return True


def lens_values(model: nn.Module, task: str, hidden: list, own) -> list:
    """The head's value on each hidden state; the last entry is ``own``, the model's prediction.

    Raises :class:`NoLens` when there are no hidden states, the head is unknown or fails, or the
    head on the last hidden state does not give ``own`` (a step between them is unknown).
    """
    if not hidden or any(h is None for h in hidden):
        raise NoLens(
            "found no stack of blocks (a ModuleList of layers) whose hidden states it could read",
            "은닉 상태를 읽을 블록 묶음(층들의 ModuleList)을 찾지 못했습니다",
        )
    head = head_of(model, task)
    try:
        values = [head(h) for h in hidden]
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise NoLens(
            f"its head cannot take the hidden states ({type(exc).__name__}: {exc})",
            f"헤드가 은닉 상태를 받지 못합니다({type(exc).__name__}: {exc})",
        ) from None
    if not matches(values[-1], own):
        raise NoLens(
            "its head applied to the last block's output does not give the model's own "
            "prediction (a step between them, such as a final norm, is not reproduced here)",
            "마지막 블록의 출력에 헤드를 적용해도 모델 자신의 예측이 나오지 않습니다"
            "(그 사이의 단계, 예컨대 마지막 정규화를 여기서 재현하지 못합니다)",
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
