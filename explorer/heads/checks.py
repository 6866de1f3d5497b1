"""What both heads share: argument checks, the model's window, eval mode, the exact forward feed."""

from __future__ import annotations

import contextlib
import inspect
import numbers
from collections.abc import Mapping

import torch

from ..model_info import check_runnable, inner_model
from ..placement import dispatched, execution_device

_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def check_text(value, name: str, *, allow_blank: bool = False) -> str:
    """Return ``value`` if it is a non-empty str, else raise TypeError/ValueError naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not allow_blank and not value.strip():
        raise ValueError(f"{name} is empty")
    return value


def check_int(value, name: str, *, minimum: int, allow_none: bool = False):
    """Return ``value`` if it is an int >= ``minimum`` (or None when allowed), else raise."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


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
    check_runnable(model, tokenizer)  # weights on the meta device: nothing to run


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


def forward_keys(model, tokenizer) -> tuple[set[str], bool]:
    """Input names to pass to ``model.forward`` and whether it accepts ``use_cache``.

    A name is passed when the tokenizer produces it for the model and the forward accepts it
    (DistilBERT takes no token_type_ids even when a BERT tokenizer emits them). For a PEFT
    wrapper, the forward of the model it adapts decides.
    """
    inner = inner_model(model)  # a PEFT wrapper passes the inputs on to the model it adapts
    params = inspect.signature(inner.forward).parameters
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    wanted = set(getattr(tokenizer, "model_input_names", None) or _MODEL_INPUTS)
    keys = {k for k in wanted if k in params or (var_kw and k in _MODEL_INPUTS)}
    return keys, "use_cache" in params


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module, *, inference: bool = True):
    """Run with every submodule in eval mode, restoring each module's own flag afterwards.

    Gradients are off: ``torch.inference_mode`` by default, ``torch.no_grad`` with
    ``inference=False`` (tensors then keep their version counters, which a trace reads) and for
    a model accelerate placed (its hooks put new parameters in the model on every forward pass;
    made under inference mode they would stay inference tensors, which cannot train).
    """
    flags = [(m, m.training) for m in model.modules()]
    inference = inference and not dispatched(model)
    try:
        for module, _ in flags:
            module.training = False
        with torch.inference_mode() if inference else torch.no_grad():
            yield
    finally:
        for module, flag in flags:
            module.training = flag


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
    keys, use_cache = forward_keys(model, tokenizer)
    device = model_device(model)
    feed = {}
    for key in keys:
        if key in encoded:
            value = encoded[key] if row is None else encoded[key][row]
            feed[key] = torch.as_tensor([value]).to(device)
    if use_cache:
        feed["use_cache"] = False
    return feed


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
