"""Which head a model has and which of our functions runs it, for errors that say what fits."""

from __future__ import annotations

from typing import Any

__all__ = ["HEAD_FUNCTIONS", "head_suffix", "fitting_function"]

#: ``(class-name suffix, what to use)``, first match wins: the functions that run each head.
HEAD_FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("ForMaskedLM", "fill_mask()"),
    ("WithLMHeadModel", "fill_mask()"),
    ("ForSequenceClassification", "classify() (or zero_shot() for an NLI model)"),
    ("ForQuestionAnswering", "answer()"),
    ("ForTokenClassification", "a token-classification function (a tag per token)"),
    ("ForCausalLM", "a text-generation function (a causal language model)"),
    ("LMHeadModel", "a text-generation function (a causal language model)"),
    ("ForConditionalGeneration", "a sequence-to-sequence function (encoder-decoder)"),
)


def _class_names(model: Any) -> list[str]:
    """The model's class name and the wrapped model's (PEFT's ``get_base_model()``)."""
    names = [type(model).__name__]
    get = getattr(model, "get_base_model", None)
    try:
        inner = get() if callable(get) else None
    except Exception:  # a wrapper that cannot say: its own name is all we have
        inner = None
    if inner is not None and inner is not model:
        names.append(type(inner).__name__)
    return names


def head_suffix(model: Any) -> str | None:
    """The suffix of :data:`HEAD_FUNCTIONS` the model's class (or the wrapped one) ends with,
    else None. ``config.architectures`` is not read: it names the checkpoint's head, which a
    model built with another Auto class does not have."""
    for name in _class_names(model):
        for suffix, _ in HEAD_FUNCTIONS:
            if name.endswith(suffix):
                return suffix
    return None


def fitting_function(model: Any) -> str:
    """A phrase naming the function that runs ``model``'s head (``"answer()"``), or saying
    it has no head a function here runs."""
    suffix = head_suffix(model)
    if suffix is not None:
        return dict(HEAD_FUNCTIONS)[suffix]
    name = type(model).__name__
    if "For" not in name and not name.endswith("LMHeadModel"):
        return "none: it is a bare backbone without a task head (load a class with one)"
    return "none of the functions here (its head is not one they run)"
