"""What classification feeds the model: the text's tokens, their offsets, the exact forward feed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..args import check_text
from .checks import check_model, model_feed, model_window

__all__ = ["ClassifyInputs", "classify_inputs", "tokenized"]


@dataclass
class ClassifyInputs:
    """Exactly what :func:`classify` feeds the model for one text.

    Attributes
    ----------
    text : str
        The input text.
    tokens, input_ids : list
        The tokenizer's own tokens and their ids, special tokens included.
    attention_mask : list of int
        The mask fed to the model (all ones when it is fed none).
    offsets : list of (int, int)
        Character offsets of each token into ``text`` (empty for a slow tokenizer).
    feed : dict of str to torch.Tensor
        The keyword arguments of the forward pass: ``[1, n]`` tensors on the model's device
        (and ``use_cache=False`` where the forward takes it).
    truncated : bool
        True when the text was longer than ``max_length`` tokens and was cut.
    num_tokens : int
        Token count of the whole text (before truncation).
    max_length : int or None
        The model's window in tokens.
    """

    text: str
    tokens: list[str]
    input_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int]]
    feed: dict = field(repr=False)
    truncated: bool = False
    num_tokens: int = 0
    max_length: int | None = None


def classify_inputs(model, tokenizer, text) -> ClassifyInputs:
    """Tokenize ``text`` as :func:`classify` does and build the exact forward-pass inputs.

    Parameters
    ----------
    model : transformers sequence-classification model
        Its window (position embeddings) bounds the input; its forward decides which inputs go in.
    tokenizer : tokenizer
        The model's tokenizer.
    text : str
        Non-empty text; longer texts are truncated to the model's window.

    Returns
    -------
    ClassifyInputs
    """
    check_text(text, "text")
    check_model(model, tokenizer, "classify")
    return tokenized(model, tokenizer, text)


def tokenized(model, tokenizer, text: str) -> ClassifyInputs:
    """:func:`classify_inputs` for arguments already checked (a head checks them once)."""
    window = model_window(model, tokenizer)
    fast = bool(getattr(tokenizer, "is_fast", False))
    # A fast tokenizer's encoding holds the offsets: no offset_mapping lists to build as well.
    encoded = tokenizer(text, truncation=window is not None, max_length=window)
    if fast:
        enc = encoded.encodings[0]
        tokens, offsets = list(enc.tokens), list(enc.offsets)
        cut = sum(len(o.ids) - sum(o.special_tokens_mask) for o in enc.overflowing)
        num_tokens = len(enc.ids) + cut
    else:
        tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
        offsets = []
        num_tokens = len(tokenizer(text)["input_ids"]) if window else len(encoded["input_ids"])
    ids = list(encoded["input_ids"])
    feed = model_feed(model, tokenizer, encoded)
    mask = list(encoded["attention_mask"]) if "attention_mask" in feed else [1] * len(ids)
    return ClassifyInputs(
        text=text,
        tokens=tokens,
        input_ids=ids,
        attention_mask=mask,
        offsets=offsets,
        feed=feed,
        truncated=num_tokens > len(ids),
        num_tokens=num_tokens,
        max_length=window,
    )
