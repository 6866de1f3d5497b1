"""What token classification feeds the model: checked options, the text's windows, exact inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..args import check_int, check_text
from .checks import check_model, model_feeds, model_window

__all__ = [
    "AGGREGATIONS",
    "TagInputs",
    "TagWindowInputs",
    "tag_inputs",
    "tokenized_windows",
    "check_strategy",
    "check_ignore_labels",
    "word_aware",
]

#: The aggregation strategies of transformers' TokenClassificationPipeline, in its order:
#: ``none`` (one result per token), ``simple`` (adjacent tokens of one entity grouped by their
#: B-/I- tags), and the word strategies ``first``, ``average``, ``max`` (a word's pieces agree
#: on one label: its first piece's, their averaged scores', or its most confident piece's).
AGGREGATIONS = ("none", "simple", "first", "average", "max")
_WORD_STRATEGIES = ("first", "average", "max")


@dataclass
class TagWindowInputs:
    """One window of the text, exactly as the model is fed it.

    Attributes
    ----------
    index : int
        Window number, from 0.
    tokens, input_ids : list
        The tokenizer's own tokens and their ids, special tokens (and padding) included.
    attention_mask : list of int
        The mask fed to the model (all ones when it is fed none).
    offsets : list of (int, int) or None
        Character offsets of each token into the text (None for a slow tokenizer).
    special : list of bool
        Special tokens and padding: the pipeline gives them no result.
    feed : dict of str to torch.Tensor
        The keyword arguments of the forward pass: ``[1, n]`` tensors on the model's device.
    """

    index: int
    tokens: list[str]
    input_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int]] | None
    special: list[bool]
    feed: dict = field(repr=False)


@dataclass
class TagInputs:
    """Everything :func:`explorer.tag` feeds the model for one text.

    Attributes
    ----------
    text : str
        The input text.
    windows : list of TagWindowInputs
        One without ``stride`` (the text cut to the model's window, as the pipeline does), or
        the overlapping windows covering the whole text.
    aggregation_strategy : str
        One of :data:`AGGREGATIONS`.
    ignore_labels : list of str
        Labels left out of the results (``["O"]`` by default).
    stride : int or None
        Tokens shared by consecutive windows (None: one window).
    truncated : bool
        Without ``stride``: the text was longer than the model's window and was cut.
    num_tokens : int
        Token count of the whole text (special tokens of one window included).
    max_length : int or None
        The model's window in tokens.
    word_aware : bool
        The tokenizer marks word pieces (WordPiece's ``##``); otherwise the word strategies
        guess words from spaces, as transformers does (and warns).
    """

    text: str
    windows: list[TagWindowInputs]
    aggregation_strategy: str
    ignore_labels: list[str]
    stride: int | None
    truncated: bool
    num_tokens: int
    max_length: int | None
    word_aware: bool


def check_strategy(value, tokenizer=None) -> str:
    """The aggregation strategy's name (any case, or transformers' ``AggregationStrategy``).

    Raises ValueError for an unknown name, or for a word strategy with a slow tokenizer (it has
    no character offsets to tell word pieces apart), as the pipeline does.
    """
    name = getattr(value, "value", value)
    if not isinstance(name, str) or name.lower() not in AGGREGATIONS:
        raise ValueError(
            f"aggregation_strategy must be one of {', '.join(map(repr, AGGREGATIONS))}, "
            f"got {value!r}"
        )
    name = name.lower()
    if name in _WORD_STRATEGIES and tokenizer is not None and not _is_fast(tokenizer):
        raise ValueError(
            f"aggregation_strategy={name!r} needs a fast tokenizer: a slow one gives no character "
            "offsets, so word pieces cannot be joined into words; use 'simple' or 'none', or the "
            "model's fast tokenizer"
        )
    return name


def check_ignore_labels(value) -> list[str]:
    """``ignore_labels`` as a list of label names (None: ``["O"]``, the pipeline's default)."""
    if value is None:
        return ["O"]
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise TypeError(f"ignore_labels must be a list of label names such as ['O'], got {value!r}")
    for label in value:
        if not isinstance(label, str):
            raise TypeError(f"ignore_labels must hold label names (str), got {label!r}")
    return list(value)


def _is_fast(tokenizer) -> bool:
    return bool(getattr(tokenizer, "is_fast", False))


def word_aware(tokenizer) -> bool:
    """True when the tokenizer's model marks word pieces (a ``continuing_subword_prefix`` such
    as WordPiece's ``##``): transformers then tells a piece from a word by its length."""
    backend = getattr(tokenizer, "_tokenizer", None)
    return bool(backend and getattr(backend.model, "continuing_subword_prefix", None))


def tag_inputs(
    model, tokenizer, text, aggregation_strategy="simple", ignore_labels=None, stride=None,
    task="tag",
) -> TagInputs:  # fmt: skip
    """Check the arguments, tokenize ``text`` once and build each window's exact forward inputs.

    Parameters
    ----------
    model : transformers token-classification model
        Its window (position embeddings) bounds each window; its forward decides which inputs go in.
    tokenizer : tokenizer
        The model's tokenizer (fast for offsets, words and ``stride``).
    text : str
        Non-empty text.
    aggregation_strategy, ignore_labels, stride
        See :func:`explorer.heads.tag.tag`.
    task : str
        The function the user called, for error messages.

    Returns
    -------
    TagInputs
    """
    check_text(text, "text")
    check_model(model, tokenizer, task)
    strategy = check_strategy(aggregation_strategy, tokenizer)
    ignore = check_ignore_labels(ignore_labels)
    window = model_window(model, tokenizer)
    stride = check_int(stride, "stride", minimum=0, allow_none=True)
    if stride is not None:
        _check_stride(tokenizer, strategy, stride, window)
    windows, num_tokens = tokenized_windows(model, tokenizer, text, window, stride)
    return TagInputs(
        text=text,
        windows=windows,
        aggregation_strategy=strategy,
        ignore_labels=ignore,
        stride=stride,
        truncated=stride is None and num_tokens > len(windows[0].input_ids),
        num_tokens=num_tokens,
        max_length=window,
        word_aware=word_aware(tokenizer),
    )


def _check_stride(tokenizer, strategy: str, stride: int, window: int | None) -> None:
    if strategy == "none":
        raise ValueError(
            "stride tags the whole text in overlapping windows, whose entities are then merged; "
            "with aggregation_strategy='none' there are no entities to merge: choose another "
            "strategy (as transformers' pipeline requires)"
        )
    if not _is_fast(tokenizer):
        raise ValueError("stride needs a fast tokenizer (windows are cut by character offsets)")
    if window is None:
        raise ValueError("stride needs a model window (max_position_embeddings) to cut windows")
    room = window - tokenizer.num_special_tokens_to_add()
    if stride >= room:
        raise ValueError(
            f"stride must be less than the window's {room} text tokens ({window} tokens minus "
            f"{window - room} special ones), got {stride}"
        )


def tokenized_windows(
    model, tokenizer, text: str, window: int | None, stride: int | None
) -> tuple[list[TagWindowInputs], int]:
    """The text's windows as the pipeline cuts them, and its token count (see :func:`tag_inputs`).

    Without ``stride`` the text is cut to ``window`` tokens; with it, overlapping windows of
    ``window`` tokens cover it all, the last one padded as the pipeline pads it.
    """
    fast = _is_fast(tokenizer)
    extra = {} if stride is None else {"return_overflowing_tokens": True, "padding": True,
                                       "stride": stride}  # fmt: skip
    encoded = tokenizer(
        text,
        truncation=window is not None,
        max_length=window,
        return_special_tokens_mask=True,
        return_offsets_mapping=fast,
        **extra,
    )
    rows = range(len(encoded["input_ids"])) if stride is not None else [None]
    windows = []
    feeds = model_feeds(model, tokenizer, encoded, rows)
    for i, (row, feed) in enumerate(zip(rows, feeds, strict=True)):
        ids = list(_row(encoded, "input_ids", row))
        mask = list(_row(encoded, "attention_mask", row)) if "attention_mask" in feed else None
        offsets = _row(encoded, "offset_mapping", row) if fast else None
        windows.append(
            TagWindowInputs(
                index=i,
                tokens=tokenizer.convert_ids_to_tokens(ids),
                input_ids=ids,
                attention_mask=mask or [1] * len(ids),
                offsets=None if offsets is None else [tuple(o) for o in offsets],
                special=[bool(s) for s in _row(encoded, "special_tokens_mask", row)],
                feed=feed,
            )
        )
    return windows, _count_tokens(tokenizer, encoded, text, window, stride, fast)


def _row(encoded, key: str, row: int | None):
    """One window's values of ``key``: the only sequence, or sequence ``row`` of several."""
    return encoded[key] if row is None else encoded[key][row]


def _count_tokens(tokenizer, encoded, text, window, stride, fast) -> int:
    """Tokens of the whole text (the special tokens of one window included)."""
    if stride is not None:  # overlapping windows (fast): each repeats ``stride`` text tokens
        texts = [
            sum(
                1
                for s, m in zip(e.special_tokens_mask, e.attention_mask, strict=True)
                if m and not s
            )
            for e in encoded.encodings
        ]
        return sum(texts) - stride * (len(texts) - 1) + tokenizer.num_special_tokens_to_add()
    if window is None:  # nothing was cut
        return len(encoded["input_ids"])
    if fast:
        enc = encoded.encodings[0]
        return len(enc.ids) + sum(len(o.ids) - sum(o.special_tokens_mask) for o in enc.overflowing)
    return len(tokenizer(text)["input_ids"])
