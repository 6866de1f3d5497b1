"""What every head shares: the model check, the model's window and the exact forward feed."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import torch

from ..model_info import check_runnable, inner_model
from ..placement import dispatched, execution_device

__all__ = [
    "HeadRun",
    "check_model",
    "model_device",
    "model_window",
    "forward_keys",
    "model_feed",
    "model_feeds",
    "check_fits",
    "output_names",
    "HEADS",
    "head_advice",
]

_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# (model, tokenizer input names) -> (keys, use_cache): inspect.signature costs ~30 µs a call
_KEYS: WeakKeyDictionary = WeakKeyDictionary()


@dataclass
class HeadRun:
    """A head's result on one input and, when it was traced, the trace of the same run.

    Attributes
    ----------
    details
        The head's details (e.g. :class:`~explorer.heads.ClassifyDetails`).
    trace : explorer.trace.Trace or None
        What every module computed in the same forward pass (None: not traced).
    """

    details: Any
    trace: Any = None


#: The heads explorer runs, by the class-name ending that means them: ``(ending, what it is,
#: the function that runs it)``. The first match names a model's head in error messages.
HEADS = (
    ("ForSequenceClassification", "a sequence-classification head", "classify()"),
    ("ForQuestionAnswering", "an extractive question-answering head", "answer()"),
    ("ForTokenClassification", "a token-classification head", "tag()"),
    ("ForMaskedLM", "a masked-language-model head", "fill_mask()"),
    ("ForCausalLM", "a causal language-model head", "next_token() or generate()"),
    ("LMHeadModel", "a causal language-model head", "next_token() or generate()"),
)


def head_advice(model) -> str:
    """What head ``model`` has and which explorer function runs it, as the end of an error
    message: "; DistilBertForQuestionAnswering has an extractive question-answering head: use
    answer()" (or what it has instead of a head explorer runs)."""
    name = type(model).__name__
    config = getattr(model, "config", None)
    if getattr(config, "is_encoder_decoder", False):
        return (
            f"; {name} is an encoder-decoder (sequence-to-sequence) model, which explorer's heads "
            "do not run yet"
        )
    for ending, what, function in HEADS:
        if ending in name:
            return f"; {name} has {what}: use {function}"
    if "For" not in name and not name.endswith("LMHeadModel"):
        return f"; {name} is a bare backbone without a task head: load a class with one"
    return f"; {name}'s head is none explorer runs yet"


def check_model(model, tokenizer, task: str) -> None:
    """Raise unless ``model`` is a torch module with a config and weights, and ``tokenizer`` is usable.

    TypeError for a wrong model or tokenizer, ValueError for a model without weights (meta).
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{task}: model must be a torch.nn.Module, got {type(model).__name__}")
    if getattr(model, "config", None) is None:
        raise TypeError(f"{task}: model has no .config (a Hugging Face model is expected)")
    if tokenizer is None or not callable(tokenizer):
        raise TypeError(f"{task}: a tokenizer is required for a PyTorch model, got {tokenizer!r}")
    if getattr(model.config, "is_encoder_decoder", False):  # before transformers' own riddles
        raise TypeError(f"{task}: {head_advice(model).removeprefix('; ')}")
    # Weights on the meta device: checked here only for a model accelerate placed (missing
    # weights would run as NaN); any other one fails in its forward pass, where the run seam
    # names the cause (a walk over every tensor before each pass would cost ~1% of it).
    check_runnable(model, tokenizer, weights=dispatched(model))


def model_device(model: torch.nn.Module) -> torch.device:
    """Where the inputs go: the execution device of accelerate's hooks for a model it placed,
    else the device of the model's first parameter (or buffer) off the meta device; CPU when
    it has none."""
    placed = execution_device(model)
    if placed is not None:
        return placed
    for tensor in model.parameters():
        if not tensor.is_meta:
            return tensor.device
    for tensor in model.buffers():
        if not tensor.is_meta:
            return tensor.device
    return torch.device("cpu")


def model_window(model, tokenizer=None) -> int | None:
    """Longest input the model's position embeddings (and a sane tokenizer limit) allow."""
    limits = []
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        limits.append(positions)
    tok_max = getattr(tokenizer, "model_max_length", None) if tokenizer is not None else None
    if isinstance(tok_max, int) and 0 < tok_max < 1_000_000:
        limits.append(tok_max)
    return min(limits) if limits else None


def forward_keys(model, tokenizer) -> tuple[frozenset[str], bool]:
    """Input names to pass to ``model.forward`` and whether it accepts ``use_cache``.

    A name is passed when the tokenizer produces it for the model and the forward accepts it
    (DistilBERT takes no token_type_ids even when a BERT tokenizer emits them). For a PEFT
    wrapper, the forward of the model it adapts decides (the wrapper passes the inputs on).
    Read once per model and tokenizer input names.
    """
    wanted = tuple(getattr(tokenizer, "model_input_names", None) or _MODEL_INPUTS)
    known = _KEYS.setdefault(model, {})
    if wanted not in known:
        params = inspect.signature(inner_model(model).forward).parameters
        var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        keys = frozenset(k for k in wanted if k in params or (var_kw and k in _MODEL_INPUTS))
        known[wanted] = (keys, "use_cache" in params)
    return known[wanted]


def _embedding_table(model) -> Any:
    """The model's input embedding table (an ``nn.Embedding``), or None when it has none."""
    get = getattr(model, "get_input_embeddings", None)
    try:
        table = get() if callable(get) else None
    except (NotImplementedError, AttributeError):
        return None
    return table if isinstance(getattr(table, "num_embeddings", None), int) else None


def check_fits(model, tokenizer, ids) -> None:
    """Raise ValueError when ``ids`` (a tokenizer's output for this model) index past the model's
    embedding table: a tokenizer from another checkpoint, cased with uncased, and so on.

    Checked before the forward pass, where torch would only say "index out of range in self".
    """
    if not ids:
        return
    biggest = max(ids)
    table = _embedding_table(model)
    if table is None or biggest < table.num_embeddings:
        return
    rows = table.num_embeddings
    path = next((p for p, m in model.named_modules() if m is table), "the input embeddings")
    size = len(tokenizer) if hasattr(tokenizer, "__len__") else None
    vocab = f" (its vocabulary has {size:,} tokens)" if isinstance(size, int) else ""
    name = getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__
    model_name = getattr(getattr(model, "config", None), "_name_or_path", "") or ""
    model_name = f" ({model_name})" if model_name else ""
    raise ValueError(
        f"the tokenizer does not fit the model: tokenizer {name!r}{vocab} produced token id "
        f"{biggest:,}, but {type(model).__name__}{model_name} has {rows:,} rows in its embedding "
        f"table ({path}). Use the tokenizer saved with the model "
        "(AutoTokenizer.from_pretrained of the same name or directory)."
    )


def model_feed(model, tokenizer, encoded, row: int | None = None) -> dict:
    """The keyword arguments one forward pass gets: the inputs it accepts, as [1, n] tensors.

    Parameters
    ----------
    model, tokenizer
        The model and its tokenizer (see :func:`forward_keys`).
    encoded : mapping
        The tokenizer's output: one sequence per key, or several when ``row`` picks one.
    row : int or None
        Which sequence of a multi-window encoding to feed.
    """
    return model_feeds(model, tokenizer, encoded, [row])[0]


def model_feeds(model, tokenizer, encoded, rows) -> list[dict]:
    """:func:`model_feed` for several rows of one encoding (a text's windows), in order.

    The model is asked once for what its forward accepts and where its inputs go, and every
    row's ids are checked against its embedding table before any tensor is built.
    """
    rows = list(rows)
    keys, use_cache = forward_keys(model, tokenizer)
    ids = encoded["input_ids"]
    check_fits(model, tokenizer, [i for r in rows for i in (ids if r is None else ids[r])])
    device = model_device(model)
    feeds = []
    for row in rows:
        feed = {}
        for key in keys:
            if key in encoded:
                value = encoded[key] if row is None else encoded[key][row]
                feed[key] = torch.tensor([value], device=device)
        if use_cache:
            feed["use_cache"] = False
        feeds.append(feed)
    return feeds


def output_names(output) -> str:
    """What a model output holds, for error messages: ``"start_logits and end_logits"``."""
    if isinstance(output, Mapping):
        names = [str(k) for k, v in output.items() if v is not None]
    elif isinstance(output, (tuple, list)):
        names = [f"{len(output)} unnamed value{'s' if len(output) != 1 else ''}"]
    else:
        names = [f"a {type(output).__name__}"]
    if not names:
        return "nothing"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
