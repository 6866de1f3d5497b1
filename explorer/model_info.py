"""Small facts read off a model, each written once: load info, a pipeline's parts, labels, runnability."""

from __future__ import annotations

from typing import Any

from torch import nn

from .adapters import base_model_of
from .placement import dispatched, weightless

__all__ = [
    "LOAD_INFO_ATTR",
    "load_info",
    "new_module_paths",
    "untrained_note",
    "unwrap_model",
    "unwrap",
    "class_labels",
    "is_meta",
    "inner_model",
    "class_names",
    "check_runnable",
    "why_not_runnable",
]

#: Name of the plain attribute :func:`explorer.load` sets on every model it returns.
LOAD_INFO_ATTR = "_explorer_load_info"


def load_info(model: Any) -> dict | None:
    """``model._explorer_load_info`` when the model came from :func:`explorer.load`, else None."""
    info = getattr(model, LOAD_INFO_ATTR, None)
    return info if isinstance(info, dict) else None


def new_module_paths(model: Any) -> list[str]:
    """Module paths :func:`explorer.load` reported as newly initialized (random weights)."""
    return list((load_info(model) or {}).get("newly_initialized_modules") or [])


def untrained_note(model: Any) -> str | None:
    """The "untrained head" warning for a model from :func:`explorer.load`, or None."""
    info = load_info(model)
    if info is None:
        return None
    if info.get("untrained"):
        return "untrained head: random outputs (this model has random weights, not a checkpoint)"
    new = new_module_paths(model) or list(info.get("newly_initialized") or [])
    if new:
        shown = ", ".join(p or "(the whole model)" for p in new[:5])
        more = f" and {len(new) - 5} more" if len(new) > 5 else ""
        return f"untrained head: random outputs (newly initialized: {shown}{more})"
    return None


def unwrap_model(obj: Any) -> nn.Module:
    """Return the ``nn.Module`` inside ``obj``: the module itself, or a pipeline's ``.model``.

    Raises
    ------
    TypeError
        If ``obj`` is neither a module nor something holding one in ``.model``.
    """
    if isinstance(obj, nn.Module):
        return obj
    inner = getattr(obj, "model", None)
    if isinstance(inner, nn.Module):
        return inner
    if isinstance(obj, str):
        raise TypeError(
            f"expected a torch.nn.Module or a transformers pipeline, got the str {obj!r}: "
            f"load it first, e.g. model, tokenizer = explorer.load({obj!r})"
        )
    raise TypeError(
        f"expected a torch.nn.Module or a transformers pipeline, got {type(obj).__name__}"
    )


def unwrap(model: Any, tokenizer: Any = None) -> tuple[Any, Any]:
    """A pipeline's ``.model`` and ``.tokenizer`` (a given tokenizer wins); anything else as given."""
    inner = getattr(model, "model", None)
    if not isinstance(model, nn.Module) and isinstance(inner, nn.Module):
        return inner, tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
    return model, tokenizer


def class_labels(config: Any, n: int | None = None) -> list[str]:
    """Label names in class-index order from ``config.id2label`` (``LABEL_i`` where missing).

    ``n`` defaults to ``config.num_labels`` (else the size of ``id2label``).
    """
    id2label = getattr(config, "id2label", None) or {}
    if n is None:
        n = int(getattr(config, "num_labels", None) or len(id2label))
    return [str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(n)]


def is_meta(model: Any) -> bool:
    """True when ``model`` has a tensor on the meta device: an architecture without weights, or
    weights accelerate offloaded (:func:`explorer.placement.weightless` tells them apart)."""
    if not isinstance(model, nn.Module):
        return False
    # Each module's own tensors, walked with a stack: ~10x faster than model.parameters() (no
    # names, no recursion), and it runs before every forward pass of a head.
    stack, seen = [model], set()
    while stack:
        module = stack.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        for tensor in (*module._parameters.values(), *module._buffers.values()):
            if tensor is not None and tensor.is_meta:
                return True
        stack.extend(m for m in module._modules.values() if m is not None)
    return False


def inner_model(model: Any) -> Any:
    """The model a wrapper runs: a PEFT ``PeftModel``'s adapted model, else ``model`` itself.

    Its class tells the task (``BertForSequenceClassification`` inside a plain ``PeftModel``)
    and holds the head; the wrapper is what runs (its adapters are inside this model).
    """
    return base_model_of(model)


def class_names(model: Any) -> list[str]:
    """Class names that tell what ``model`` does: its own, the wrapped model's (PEFT), then
    ``config.architectures``."""
    names = [type(model).__name__]
    inner = inner_model(model)
    if inner is not model:
        names.append(type(inner).__name__)
    config = getattr(model, "config", None)
    names += [a for a in (getattr(config, "architectures", None) or []) if isinstance(a, str)]
    return names


def check_runnable(model: Any, tokenizer: Any, *, fast: bool = False, weights: bool = True) -> None:
    """Raise when ``model`` cannot run on text here: ValueError (no weights), TypeError (no tokenizer).

    Parameters
    ----------
    model
        An ``nn.Module`` (anything else is not judged here).
    tokenizer
        Its tokenizer, or None.
    fast
        Require a fast (Rust) tokenizer, as question answering does (it maps tokens to characters).
    weights
        Also check that every tensor has values (a walk over the whole model). The run seam
        skips it before a forward pass and calls :func:`check_weights` when the pass fails.
    """
    if not isinstance(model, nn.Module):
        return
    if weights:
        check_weights(model)
    if tokenizer is None or not callable(tokenizer):
        raise TypeError(
            "it needs the model's tokenizer to turn text into token ids: pass it, e.g. "
            "explorer.explore(model, tokenizer) with tokenizer = "
            "transformers.AutoTokenizer.from_pretrained(<the model's directory>)"
        )
    if fast and not getattr(tokenizer, "is_fast", False):
        raise TypeError(
            "it needs the model's fast tokenizer: question answering maps tokens back to "
            "characters of the context, which only a fast (Rust) tokenizer can do"
        )


def check_weights(model: Any) -> None:
    """Raise ValueError naming why ``model`` has no values to run with (on the meta device, or
    placed by accelerate with tensors nothing loads); nothing when it has them."""
    if not isinstance(model, nn.Module) or not is_meta(model):
        return
    missing = weightless(model)
    if missing and not dispatched(model):
        raise ValueError(
            "the weights are not loaded: this model is on the meta device (for example built "
            "with explorer.load(..., weights=False)), so it has shapes but no values and "
            "there is nothing to run; load it with weights=True"
        )
    if missing:
        raise ValueError(
            "some weights are not loaded: accelerate placed this model, but nothing loads "
            f"{', '.join(missing)} (on the meta device, in no offload map), so it cannot "
            "run; place it again so that every tensor has weights (adapters added after "
            "placing land on the meta device in offloaded modules: add them before)"
        )


def why_not_runnable(model: Any, tokenizer: Any, *, fast: bool = False) -> str | None:
    """The message :func:`check_runnable` would raise, or None when the model can run."""
    try:
        check_runnable(model, tokenizer, fast=fast)
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None
