"""Token classification (named entities), with the results of transformers' token-classification
pipeline."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from ..model_info import class_labels
from ..trace.core import build_trace
from ..trace.run import run
from .checks import HeadRun, output_names
from .tag_groups import aggregate, keep, merge_windows, pieces, softmax_rows
from .tag_inputs import (
    TagInputs,
    TagWindowInputs,
    check_ignore_labels,
    check_strategy,
    tag_inputs,
)

__all__ = [
    "tag",
    "tag_details",
    "tag_run",
    "regroup",
    "TagDetails",
    "TagWindow",
    "token_logits",
]

# Heads that are not token classifiers, and the function that fits each.
_OTHER_HEADS = {
    "ForSequenceClassification": "classify()",
    "ForQuestionAnswering": "answer()",
}


@dataclass
class TagWindow:
    """One window of the text as the model scored it, token by token.

    Attributes
    ----------
    index : int
        Window number, from 0.
    tokens, input_ids : list
        The tokens fed to the model and their ids (special tokens and padding included).
    offsets : list of (int, int) or None
        Each token's characters in the text (None for a slow tokenizer).
    special : list of bool
        Special tokens and padding (no result is given for them).
    is_subword : list of bool or None
        Whether each token continues the word before it (None for special tokens).
    logits : numpy.ndarray
        ``[tokens, labels]`` raw model outputs (float32).
    probabilities : numpy.ndarray
        ``[tokens, labels]`` softmax of ``logits``: the scores the results are made of.
    """

    index: int
    tokens: list[str]
    input_ids: list[int]
    offsets: list[tuple[int, int]] | None
    special: list[bool]
    is_subword: list[bool | None]
    logits: np.ndarray = field(repr=False)
    probabilities: np.ndarray = field(repr=False)

    @property
    def predicted(self) -> list[int]:
        """Each token's most probable label index."""
        return self.probabilities.argmax(axis=-1).tolist() if len(self.tokens) else []

    @property
    def char_span(self) -> tuple[int, int]:
        """The characters of the text its non-special tokens cover (``(0, 0)``: none)."""
        spans = [o for o, s in zip(self.offsets or [], self.special, strict=False) if not s]
        return (spans[0][0], spans[-1][1]) if spans else (0, 0)


@dataclass
class TagDetails:
    """Everything one token-classification call computed.

    Attributes
    ----------
    text : str
        The input text.
    entities : list of dict
        What :func:`tag` returns: with ``aggregation_strategy="none"`` one
        ``{"entity", "score", "index", "word", "start", "end"}`` per token, otherwise one
        ``{"entity_group", "score", "word", "start", "end"}`` per entity; ``start``/``end`` are
        characters of ``text`` (None for a slow tokenizer).
    aggregation_strategy : str
        ``"none"``, ``"simple"``, ``"first"``, ``"average"`` or ``"max"``.
    ignore_labels : list of str
        Labels left out of ``entities``.
    labels : list of str
        Label names in class-index order (``config.id2label``).
    windows : list of TagWindow
        One per forward pass, with every token's scores.
    stride : int or None
        Tokens shared by consecutive windows (None: one window).
    truncated : bool
        The text was longer than the model's window and was cut (no ``stride``).
    num_tokens : int
        Token count of the whole text.
    max_length : int or None
        The model's window in tokens.
    word_aware : bool
        The tokenizer marks word pieces; otherwise the word strategies guess words from spaces.
    elapsed : float
        Seconds spent in tokenizer, model and post-processing.
    """

    text: str
    entities: list[dict]
    aggregation_strategy: str
    ignore_labels: list[str]
    labels: list[str]
    windows: list[TagWindow]
    stride: int | None = None
    truncated: bool = False
    num_tokens: int = 0
    max_length: int | None = None
    word_aware: bool = True
    elapsed: float = 0.0

    @property
    def tagged_span(self) -> tuple[int, int]:
        """The characters of the text the windows cover (all of it unless ``truncated``)."""
        spans = [w.char_span for w in self.windows if w.char_span != (0, 0)]
        return (spans[0][0], max(b for _, b in spans)) if spans else (0, 0)

    def summary(self) -> str:
        """Plain text for pages and logs: the text, the entities with scores, what was cut."""
        shown = self.text if len(self.text) <= 300 else self.text[:299] + "\u2026"
        group = "entity" if self.aggregation_strategy == "none" else "entity_group"
        lines = [
            f"Text: {shown}",
            f"Aggregation: {self.aggregation_strategy} \u00b7 {len(self.entities)} "
            f"{'tokens' if group == 'entity' else 'entities'}",
        ]
        for row in self.entities:
            where = (
                f", characters {row['start']}\u2013{row['end']}" if row["start"] is not None else ""
            )
            lines.append(f"{row[group]} {row['word']!r} score {row['score']:.4f}{where}")
        if not self.entities:
            lines.append("No entities.")
        if self.truncated:
            a, b = self.tagged_span
            chars = f" (characters {a:,}\u2013{b:,} of {len(self.text):,})" if b else ""
            lines.append(
                f"Truncated: the model read {self.max_length:,} of the text's {self.num_tokens:,} "
                f"tokens{chars}."
            )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-safe data: the entities, the options, and every window's tokens and scores
        (a value that is not finite becomes None)."""
        return {
            "text": self.text,
            "aggregation_strategy": self.aggregation_strategy,
            "ignore_labels": list(self.ignore_labels),
            "entities": [{k: _plain(v) for k, v in row.items()} for row in self.entities],
            "labels": list(self.labels),
            "windows": [
                {
                    "index": w.index,
                    "tokens": list(w.tokens),
                    "input_ids": list(w.input_ids),
                    "offsets": None if w.offsets is None else [list(o) for o in w.offsets],
                    "special": list(w.special),
                    "is_subword": list(w.is_subword),
                    "predicted": [self.labels[i] for i in w.predicted],
                    "probabilities": [[_plain(p) for p in row] for row in w.probabilities.tolist()],
                }
                for w in self.windows
            ],
            "stride": self.stride,
            "truncated": self.truncated,
            "num_tokens": self.num_tokens,
            "max_length": self.max_length,
            "tagged_span": list(self.tagged_span),
            "word_aware": self.word_aware,
            "elapsed": self.elapsed,
        }


def _plain(value):
    """A JSON-safe scalar: Python numbers, None for NaN and infinities."""
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _head_hint(model) -> str:
    name = type(model).__name__
    for suffix, function in _OTHER_HEADS.items():
        if suffix in name:
            return f"; for this model use {function}"
    return ""


def _check_head(model) -> None:
    """A sequence classifier or a QA model forced on tag() is named before anything runs."""
    hint = _head_hint(model)
    if hint:
        raise TypeError(
            f"{type(model).__name__} is not a token classifier: tag() needs a "
            f"...ForTokenClassification model{hint}"
        )


def token_logits(model, output) -> torch.Tensor:
    """The ``[tokens, labels]`` logits in ``model``'s output, or a clear error naming what is there.

    Raises
    ------
    TypeError
        The output holds no per-token label logits (a sequence classifier, a QA model, a
        language model scoring its vocabulary, a model without a head).
    """
    name = type(model).__name__
    need = "tag() needs a ...ForTokenClassification model"
    if isinstance(output, Mapping):
        logits = output.get("logits")
    elif isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        logits = output[0]
    else:
        logits = None
    if not isinstance(logits, torch.Tensor):
        raise TypeError(
            f"{name} returns {output_names(output)}, not logits: {need}{_head_hint(model)}"
        )
    if logits.dim() != 3 or logits.shape[0] != 1:
        raise TypeError(
            f"{name} returns logits of shape {list(logits.shape)}, not label scores for each "
            f"token ([1, tokens, labels]): {need}{_head_hint(model)}"
        )
    id2label = getattr(model.config, "id2label", None) or {}
    if id2label and len(id2label) != logits.shape[-1]:
        raise TypeError(
            f"{name} returns {logits.shape[-1]:,} values per token but its config names "
            f"{len(id2label)} labels (it scores something else, e.g. its vocabulary): {need}"
        )
    return logits[0]


def tag_details(
    model, tokenizer, text, aggregation_strategy="simple", ignore_labels=None, stride=None
) -> TagDetails:
    """Tag ``text`` and keep every window's tokens and label scores.

    Parameters
    ----------
    model : transformers token-classification model
        A ``...ForTokenClassification`` module (never modified: mode, grads, device, dtype kept).
    tokenizer : tokenizer
        The model's tokenizer. A fast one gives character offsets (``start``/``end``), words
        for ``first``/``average``/``max`` and ``stride``; a slow one only ``none``/``simple``.
    text : str
        Non-empty text.
    aggregation_strategy : {"simple", "none", "first", "average", "max"}
        How token results become entities (see :data:`explorer.heads.tag_inputs.AGGREGATIONS`).
        transformers' pipeline defaults to ``"none"``; this function to ``"simple"``.
    ignore_labels : list of str or None
        Labels left out (None: ``["O"]``, "outside any entity").
    stride : int or None
        None cuts the text to the model's window, as the pipeline does by default. An int tags
        the whole text in overlapping windows sharing ``stride`` tokens (the pipeline's
        ``stride``); entities found twice in an overlap are kept once.

    Returns
    -------
    TagDetails
    """
    return tag_run(model, tokenizer, text, aggregation_strategy, ignore_labels, stride).details


def tag_run(
    model,
    tokenizer,
    text,
    aggregation_strategy="simple",
    ignore_labels=None,
    stride=None,
    *,
    traced: bool = False,
    should_stop=None,
    on_forward=None,
) -> HeadRun:
    """Tag ``text``, one forward pass per window; with ``traced``, the first window's pass is
    recorded too (no extra pass).

    Parameters
    ----------
    model, tokenizer, text, aggregation_strategy, ignore_labels, stride
        See :func:`tag_details`.
    traced : bool
        Also return the :class:`~explorer.trace.Trace` of the first window.
    should_stop, on_forward
        See :func:`explorer.trace.run.run`.

    Returns
    -------
    HeadRun
        ``details`` (:class:`TagDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    _check_head(model)
    inputs = tag_inputs(model, tokenizer, text, aggregation_strategy, ignore_labels, stride)
    done = run(model, [w.feed for w in inputs.windows], trace=0 if traced else None,
               should_stop=should_stop, on_forward=on_forward)  # fmt: skip
    owns = [token_logits(model, output) for output in done.outputs]
    labels = class_labels(model.config, owns[0].shape[-1])
    windows, found = [], []
    for win, own in zip(inputs.windows, owns, strict=True):
        window, pieces_ = _score_window(tokenizer, inputs, win, own)
        windows.append(window)
        found.append(pieces_)
    rows = _entities(found, tokenizer, inputs.aggregation_strategy, inputs.ignore_labels, labels)
    details = _details(inputs, rows, labels, windows, began)
    if not traced:
        return HeadRun(details)

    def shown(value):
        return softmax_rows(value.detach().float().cpu().numpy())

    trace = build_trace(
        model, done.recording, task="tag", inputs=inputs.windows[0], own=owns[0], shown=shown,
        raw=windows[0].logits, text=text, windows=len(windows), truncated=inputs.truncated,
        labels=labels, function="softmax", elapsed=details.elapsed,
    )  # fmt: skip
    return HeadRun(details, trace)


def _entities(found: list, tokenizer, strategy: str, ignore: list[str], labels) -> list[dict]:
    """The results of every window's pieces, grouped, filtered and (several windows) merged."""
    rows = []
    for pieces_ in found:
        grouped = aggregate(pieces_, strategy, labels, tokenizer.convert_tokens_to_string)
        rows += keep(grouped, ignore)
    if len(found) > 1:
        rows = merge_windows(rows)
    return [{**row, "score": float(row["score"])} for row in rows]


def regroup(details: TagDetails, tokenizer, aggregation_strategy="simple", ignore_labels=None):
    """``details`` with its entities found again for another aggregation (or ignore list), from
    the same token scores: no forward pass (the strategy only groups the model's scores).

    Parameters
    ----------
    details : TagDetails
        A result of :func:`tag_details` (its windows keep every token's scores).
    tokenizer : tokenizer
        The tokenizer that made it (it spells words and joins pieces).
    aggregation_strategy, ignore_labels
        As in :func:`tag_details`.

    Returns
    -------
    TagDetails
        What :func:`tag_details` returns for the same text with these options.
    """
    began = time.perf_counter()
    strategy = check_strategy(aggregation_strategy, tokenizer)
    ignore = check_ignore_labels(ignore_labels)
    if details.stride is not None and strategy == "none":
        raise ValueError("a result of overlapping windows (stride) cannot be shown per token: "
                         "with aggregation_strategy='none' there are no entities to merge")  # fmt: skip
    found = [
        pieces(w, w.tokens, w.probabilities, details.text, tokenizer.unk_token_id,
               details.word_aware, strategy)
        for w in details.windows
    ]  # fmt: skip
    rows = _entities(found, tokenizer, strategy, ignore, details.labels)
    return replace(details, entities=rows, aggregation_strategy=strategy, ignore_labels=ignore,
                   elapsed=time.perf_counter() - began)  # fmt: skip


def _score_window(tokenizer, inputs: TagInputs, win: TagWindowInputs, own):
    """One window's scores and its pieces (non-special tokens) ready for grouping."""
    logits = own.detach().float().cpu().numpy()
    scores = softmax_rows(logits)
    found = pieces(win, win.tokens, scores, inputs.text, tokenizer.unk_token_id,
                   inputs.word_aware, inputs.aggregation_strategy)  # fmt: skip
    subword: list[bool | None] = [None] * len(win.tokens)
    for piece in found:
        subword[piece.index] = piece.is_subword
    window = TagWindow(
        index=win.index,
        tokens=list(win.tokens),
        input_ids=list(win.input_ids),
        offsets=win.offsets,
        special=list(win.special),
        is_subword=subword,
        logits=logits,
        probabilities=scores,
    )
    return window, found


def _details(inputs: TagInputs, rows, labels, windows, began: float) -> TagDetails:
    return TagDetails(
        text=inputs.text,
        entities=rows,
        aggregation_strategy=inputs.aggregation_strategy,
        ignore_labels=list(inputs.ignore_labels),
        labels=labels,
        windows=windows,
        stride=inputs.stride,
        truncated=inputs.truncated,
        num_tokens=inputs.num_tokens,
        max_length=inputs.max_length,
        word_aware=inputs.word_aware,
        elapsed=time.perf_counter() - began,
    )


def tag(model, tokenizer, text, aggregation_strategy="simple", ignore_labels=None, stride=None):
    """Named entities (or any token labels) in ``text``: the results of transformers'
    ``pipeline("token-classification")`` with the same options.

    Parameters
    ----------
    model, tokenizer, text, aggregation_strategy, ignore_labels, stride
        See :func:`tag_details`.

    Returns
    -------
    list of dict
        ``{"entity_group", "score", "word", "start", "end"}`` per entity in text order
        (``{"entity", "score", "index", "word", "start", "end"}`` per token with
        ``aggregation_strategy="none"``). Scores are Python floats (the pipeline gives numpy
        float32 of the same value). Use :func:`tag_details` to learn whether the text was cut.
    """
    return tag_details(model, tokenizer, text, aggregation_strategy, ignore_labels, stride).entities
