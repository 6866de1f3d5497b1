"""What a causal language model is fed for a text: the text-generation pipeline's prompt, exactly."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import torch

from .checks import check_fits, forward_keys, head_advice, model_device

__all__ = [
    "CausalInputs",
    "causal_inputs",
    "check_causal",
    "check_tokenizer",
    "is_causal",
    "pipeline_major",
    "pipeline_prefix",
    "model_positions",
]

#: Class-name endings of the causal language models the causal heads run.
CAUSAL_SUFFIXES = ("ForCausalLM", "LMHeadModel")
_NOT_CAUSAL = ("XLNetLMHeadModel", "TransfoXLLMHeadModel")  # permutation LM, removed model


def is_causal(model) -> bool:
    """True for a decoder-only language model the causal heads run (GPT-2, Llama, Qwen...)."""
    name = type(model).__name__
    if name in _NOT_CAUSAL:
        return False
    if name.endswith(CAUSAL_SUFFIXES):
        return True
    try:
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
    except ImportError:  # pragma: no cover - transformers without its auto tables
        return False
    return name in set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())


def check_causal(model, function: str) -> None:
    """Raise TypeError unless ``model`` is a causal language model, naming the function that fits.

    Parameters
    ----------
    model : torch.nn.Module
        The model (already checked by :func:`~explorer.heads.checks.check_model`).
    function : str
        The caller's name, for the message (``"next_token"``).
    """
    if is_causal(model):
        return
    name = type(model).__name__
    need = f"{function}() needs a causal language model (...ForCausalLM, GPT2LMHeadModel...)"
    if name in _NOT_CAUSAL:
        raise TypeError(
            f"{need}; {name} predicts with permutation masks and a padding prefix, which "
            "the causal heads do not reproduce: use transformers' text-generation pipeline"
        )
    raise TypeError(need + head_advice(model))


def check_tokenizer(tokenizer, function: str) -> None:
    """Raise TypeError unless ``tokenizer`` can also turn ids back into text, as the causal
    heads need (they name the predicted tokens and decode what they generate)."""
    missing = [n for n in ("decode", "batch_decode", "convert_ids_to_tokens")
               if not callable(getattr(tokenizer, n, None))]  # fmt: skip
    if missing:
        raise TypeError(
            f"{function}() needs a transformers tokenizer that turns ids back into text; "
            f"{type(tokenizer).__name__} has no {', '.join(missing)}"
        )


def pipeline_major() -> int:
    """The major version of the installed transformers (its pipeline's behaviour follows it)."""
    import transformers

    return int(transformers.__version__.split(".")[0])


def pipeline_prefix(model) -> str:
    """The text the text-generation pipeline puts before every prompt: ``config.prefix``
    (transformers 4 also reads ``task_specific_params["text-generation"]["prefix"]``)."""
    config = model.config
    prefix = getattr(config, "prefix", None)
    if pipeline_major() < 5:
        params = getattr(config, "task_specific_params", None) or {}
        task = params.get("text-generation") if isinstance(params, dict) else None
        if isinstance(task, dict) and "prefix" in task:
            prefix = task["prefix"]
    return prefix if isinstance(prefix, str) else ""


@functools.lru_cache(maxsize=256)
def _takes_logits_to_keep(cls: type) -> bool:
    """Whether ``cls.forward`` can compute the logits of the last positions only."""
    try:
        return "logits_to_keep" in inspect.signature(cls.forward).parameters
    except (TypeError, ValueError):  # pragma: no cover - a forward without a signature
        return False


def model_positions(model) -> int | None:
    """How many positions the model reads (``max_position_embeddings`` / ``n_positions``)."""
    value = getattr(model.config, "max_position_embeddings", None)
    return value if isinstance(value, int) and value > 0 else None


@dataclass
class CausalInputs:
    """Exactly what a causal head feeds the model for one text.

    Attributes
    ----------
    text : str
        The prompt as given.
    prefix : str
        Text the pipeline puts before it (``config.prefix``; usually empty).
    tokens, input_ids : list
        The tokenizer's own tokens and their ids as fed (the tokenizer's special tokens
        included, as the pipeline tokenizes: a Llama tokenizer adds its BOS).
    attention_mask : list of int
        The tokenizer's mask (all ones for one text; all ones too when it gives none).
    feed : dict of str to torch.Tensor
        The keyword arguments of the forward pass (``[1, n]`` tensors on the model's device;
        ``use_cache=False`` for a single forward pass).
    num_tokens : int
        Tokens of the whole prompt, before any cut.
    dropped : int
        Tokens cut from the start of the prompt to fit (0 when it fits).
    max_length : int or None
        The most tokens read (the model's positions, or a smaller limit asked for).
    """

    text: str
    prefix: str
    tokens: list[str]
    input_ids: list[int]
    attention_mask: list[int]
    feed: dict = field(repr=False)
    num_tokens: int = 0
    dropped: int = 0
    max_length: int | None = None

    @property
    def truncated(self) -> bool:
        """True when the start of the prompt was cut (the model reads the last tokens)."""
        return self.dropped > 0


def causal_inputs(
    model,
    tokenizer,
    text: str,
    *,
    keep: int | None = None,
    add_special_tokens: bool | None = None,
    generation: bool = False,
    logits: int | None = None,
) -> CausalInputs:
    """Tokenize ``text`` as ``pipeline("text-generation")`` does and build the exact feed.

    Parameters
    ----------
    model, tokenizer
        A causal language model and its tokenizer (checked by the caller).
    text : str
        The prompt.
    keep : int or None
        Read at most this many tokens: the last ones (the next token depends on the most
        recent text). None keeps them all.
    add_special_tokens : bool or None
        As the pipeline's option: None tokenizes with the tokenizer's default.
    generation : bool
        A feed for ``generate`` (``input_ids`` and ``attention_mask`` only, as the pipeline
        passes them) instead of one forward pass.
    logits : int or None
        A forward pass that needs the logits of the last ``logits`` positions only asks for
        just those (``logits_to_keep``, where the model takes it: the LM head is a large part
        of a small model's work, and generate's first step does the same). None: all.
    """
    prefix = pipeline_prefix(model)
    kwargs = {} if add_special_tokens is None else {"add_special_tokens": add_special_tokens}
    encoded = tokenizer(prefix + text, **kwargs)
    ids = list(encoded["input_ids"])
    num_tokens = len(ids)
    dropped = max(0, num_tokens - keep) if keep is not None else 0
    ids = ids[dropped:]
    check_fits(model, tokenizer, ids)
    keys, use_cache = forward_keys(model, tokenizer)
    device = model_device(model)
    feed = {"input_ids": torch.tensor([ids], device=device)}
    mask = list(encoded["attention_mask"])[dropped:] if "attention_mask" in encoded else None
    if mask is not None and (generation or "attention_mask" in keys):
        feed["attention_mask"] = torch.tensor([mask], device=device)
    if use_cache and not generation:
        feed["use_cache"] = False
    if logits is not None and not generation and _takes_logits_to_keep(type(model)):
        feed["logits_to_keep"] = logits
    return CausalInputs(
        text=text,
        prefix=prefix,
        tokens=tokenizer.convert_ids_to_tokens(ids),
        input_ids=ids,
        attention_mask=mask if mask is not None else [1] * len(ids),
        feed=feed,
        num_tokens=num_tokens,
        dropped=dropped,
        max_length=keep,
    )
