"""Token classification (named entities), with the results of transformers' token-classification
pipeline."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

import torch

from ..model_info import class_labels
from ..trace.core import build_trace
from ..trace.run import run
from .checks import HEADS, HeadRun, head_advice, output_names
from .tag_groups import aggregate, keep, merge_windows, pieces, softmax_rows
from .tag_inputs import (
    TagInputs,
    TagWindowInputs,
    check_ignore_labels,
    check_strategy,
    tag_inputs,
)
from .tag_result import TagDetails, TagWindow

__all__ = [
    "tag",
    "tag_details",
    "tag_run",
    "regroup",
    "TagDetails",
    "TagWindow",
    "token_logits",
]


def _check_head(model, task: str) -> None:
    """Another head explorer runs, forced on tag(), is named before anything runs."""
    name = type(model).__name__
    if any(e in name for e, _, _ in HEADS if e != "ForTokenClassification"):
        raise TypeError(
            f"{name} is not a token classifier: {task}() needs a ...ForTokenClassification "
            f"model{head_advice(model)}"
        )


def token_logits(model, output, task: str = "tag") -> torch.Tensor:
    """The ``[tokens, labels]`` logits in ``model``'s output, or a clear error naming what is there.

    Raises
    ------
    TypeError
        The output holds no per-token label logits (a sequence classifier, a QA model, a
        language model scoring its vocabulary, a model without a head).
    """
    name = type(model).__name__
    need = f"{task}() needs a ...ForTokenClassification model"
    if isinstance(output, Mapping):
        logits = output.get("logits")
    elif isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        logits = output[0]
    else:
        logits = None
    if not isinstance(logits, torch.Tensor):
        raise TypeError(
            f"{name} returns {output_names(output)}, not logits: {need}{head_advice(model)}"
        )
    if logits.dim() != 3 or logits.shape[0] != 1:
        raise TypeError(
            f"{name} returns logits of shape {list(logits.shape)}, not label scores for each "
            f"token ([1, tokens, labels]): {need}{head_advice(model)}"
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
    task: str = "tag",
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
    task : str
        The function the user called, for error messages (``"trace"``...).

    Returns
    -------
    HeadRun
        ``details`` (:class:`TagDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    _check_head(model, task)
    inputs = tag_inputs(model, tokenizer, text, aggregation_strategy, ignore_labels, stride, task)
    done = run(model, [w.feed for w in inputs.windows], trace=0 if traced else None,
               should_stop=should_stop, on_forward=on_forward)  # fmt: skip
    owns = [token_logits(model, output, task) for output in done.outputs]
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
