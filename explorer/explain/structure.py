"""What describers read from a module's structure: HF models, attention, stacks of blocks, sizes."""

from __future__ import annotations

from torch import nn

from ..model_info import modules, named_modules
from .language import names


def is_hf_model(module: nn.Module) -> bool:
    """True for a Hugging Face ``PreTrainedModel`` (it has a config and a base model prefix)."""
    return hasattr(module, "config") and hasattr(module, "base_model_prefix")


def is_attention(module: nn.Module) -> bool:
    """True when the module's class name says it is an attention (``...Attention...``)."""
    return "Attention" in type(module).__name__


def has_attention(module: nn.Module) -> bool:
    """True when the module or one of its submodules is an attention."""
    return any(is_attention(m) for m in modules(module))


def is_decoder(module: nn.Module) -> bool:
    """True when an attention inside ``module`` is causal or marked as a decoder's."""
    return any(
        is_attention(m) and (getattr(m, "is_causal", False) or getattr(m, "is_decoder", False))
        for m in modules(module)
    )


def linear_size(module: nn.Module):
    """``(in, out)`` of an ``nn.Linear`` or of GPT-2's ``Conv1D``, else None."""
    if isinstance(module, nn.Linear):
        return module.in_features, module.out_features
    if type(module).__name__ == "Conv1D" and hasattr(module, "nf"):
        return module.nx, module.nf
    return None


def find_stack(module: nn.Module):
    """``(relative path, ModuleList, block type, count)`` of the first list of blocks, or None.

    A list of blocks is a non-empty ``nn.ModuleList`` whose every item holds an attention.
    """
    for m in modules(module):  # no paths built on the way: only the one found needs its own
        if isinstance(m, nn.ModuleList) and len(m) and all(has_attention(b) for b in m):
            kinds = {type(b).__name__ for b in m}
            rel = next(p for p, x in named_modules(module) if x is m)
            return rel, m, " / ".join(sorted(kinds)), len(m)
    return None


def hidden_size(ctx):
    """The model's ``config.hidden_size``, or None."""
    return getattr(ctx.config, "hidden_size", None) if ctx.config is not None else None


def parts(ctx) -> str:
    """The module's children as ``"name (Type), ..."`` (at most 8 shown)."""
    return names((f"{n} ({type(c).__name__})" for n, c in ctx.children()), 8)


def parts_sentence(ctx) -> tuple:
    """The sentence listing the module's children, in English and Korean."""
    return (f"Parts: {parts(ctx)}.", f"구성: {parts(ctx)}.")
