"""How token scores become entities, step for step as transformers' token-classification pipeline."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Piece",
    "softmax_rows",
    "pieces",
    "aggregate",
    "group_entities",
    "merge_windows",
    "keep",
    "entity_type",
]


@dataclass
class Piece:
    """One non-special token of a window, ready to be grouped (the pipeline's "pre-entity").

    Attributes
    ----------
    word : str
        The token as the tokenizer spells it (``"##ing"``), or the text it covers when it is the
        unknown token.
    scores : numpy.ndarray
        Its label probabilities (float32, label-index order).
    start, end : int or None
        Its characters in the text (None without offsets).
    index : int
        Its position in the window.
    is_subword : bool
        It continues the word before it.
    """

    word: str
    scores: np.ndarray
    start: int | None
    end: int | None
    index: int
    is_subword: bool


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis in float32, computed as the pipeline computes it."""
    logits = np.asarray(logits, dtype=np.float32)
    shifted = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def pieces(window, words: list[str], scores: np.ndarray, text: str, unk_id, aware: bool,
           strategy: str) -> list[Piece]:  # fmt: skip
    """The window's non-special tokens as :class:`Piece` s.

    Parameters
    ----------
    window : TagWindowInputs
        The window (ids, offsets, special-token flags).
    words : list of str
        Its tokens as ``tokenizer.convert_ids_to_tokens`` spells them.
    scores : numpy.ndarray
        ``[tokens, labels]`` probabilities.
    text : str
        The whole text (offsets point into it).
    unk_id : int or None
        The tokenizer's unknown-token id.
    aware : bool
        The tokenizer marks word pieces: a piece is a token whose spelling is not as long as
        the text it covers. Otherwise a token continues a word when no space borders it on the
        left (transformers' fallback, with its warning for the word strategies).
    strategy : str
        The aggregation strategy (the fallback warns for ``first``, ``average``, ``max``).
    """
    if window.offsets is not None and not aware and strategy in ("first", "average", "max"):
        warnings.warn(
            "Tokenizer does not support real words, using fallback heuristic",
            UserWarning,
            stacklevel=3,
        )
    found = []
    for i, special in enumerate(window.special):
        if special:
            continue
        word, start, end, is_subword = words[i], None, None, False
        if window.offsets is not None:
            start, end = window.offsets[i]
            covered = text[start:end]
            if aware:
                is_subword = len(word) != len(covered)
            else:
                is_subword = start > 0 and " " not in text[start - 1 : start + 1]
            if window.input_ids[i] == unk_id:
                word, is_subword = covered, False
        found.append(Piece(word, scores[i], start, end, i, is_subword))
    return found


def aggregate(found: list[Piece], strategy: str, labels: Sequence[str], join) -> list[dict]:
    """One window's results for ``strategy``: a dict per token (``none``) or per entity.

    ``join`` is ``tokenizer.convert_tokens_to_string``.
    """
    if strategy in ("none", "simple"):
        rows = []
        for piece in found:
            best = int(piece.scores.argmax())
            rows.append({"entity": labels[best], "score": piece.scores[best],
                         "index": piece.index, "word": piece.word,
                         "start": piece.start, "end": piece.end})  # fmt: skip
    else:
        rows = [_word(group, strategy, labels, join) for group in _words(found)]
    return rows if strategy == "none" else group_entities(rows, join)


def _words(found: list[Piece]) -> list[list[Piece]]:
    """Pieces grouped into words: a piece that is a subword joins the word before it."""
    words: list[list[Piece]] = []
    for piece in found:
        if words and piece.is_subword:
            words[-1].append(piece)
        else:
            words.append([piece])
    return words


def _word(group: list[Piece], strategy: str, labels, join) -> dict:
    """One word's label and score: its first piece's, its most confident piece's, or the
    average of its pieces' scores."""
    if strategy == "first":
        scores = group[0].scores
    elif strategy == "max":
        scores = max(group, key=lambda piece: piece.scores.max()).scores
    elif strategy == "average":
        scores = np.nanmean(np.stack([piece.scores for piece in group]), axis=0)
    else:
        raise ValueError(f"not a word strategy: {strategy!r}")
    best = int(scores.argmax())
    return {"entity": labels[best], "score": scores[best],
            "word": join([piece.word for piece in group]),
            "start": group[0].start, "end": group[-1].end}  # fmt: skip


def _bio(label: str) -> tuple[str, str]:
    """``("B" or "I", type)``: a label without a B-/I- prefix continues (``"I"``)."""
    if label.startswith(("B-", "I-")):
        return label[0], label[2:]
    return "I", label


def entity_type(label: str) -> str:
    """The entity type an entity group is named by: the label after its first ``-``."""
    return label.split("-", 1)[-1]


def group_entities(rows: list[dict], join) -> list[dict]:
    """Adjacent results of one type joined into entity groups; a ``B-`` label starts a new one."""
    groups: list[list[dict]] = []
    for row in rows:
        if groups:
            bi, kind = _bio(row["entity"])
            if kind == _bio(groups[-1][-1]["entity"])[1] and bi != "B":
                groups[-1].append(row)
                continue
        groups.append([row])
    out = []
    for group in groups:
        score = np.mean(np.nanmean([row["score"] for row in group]))
        out.append({"entity_group": entity_type(group[0]["entity"]), "score": score,
                    "word": join([row["word"] for row in group]),
                    "start": group[0]["start"], "end": group[-1]["end"]})  # fmt: skip
    return out


def keep(rows: list[dict], ignore_labels: Sequence[str]) -> list[dict]:
    """The results whose label (``entity`` or ``entity_group``) is not ignored."""
    return [
        row
        for row in rows
        if row.get("entity") not in ignore_labels and row.get("entity_group") not in ignore_labels
    ]


def merge_windows(rows: list[dict]) -> list[dict]:
    """Entities of overlapping windows, each span once: of two that overlap, the longer stays
    (on equal length, the higher score); ordered by start."""
    if not rows:
        return rows
    rows = sorted(rows, key=lambda row: row["start"])
    merged, held = [], rows[0]
    for row in rows:
        if held["start"] <= row["start"] < held["end"]:
            length, held_length = row["end"] - row["start"], held["end"] - held["start"]
            if length > held_length or (length == held_length and row["score"] > held["score"]):
                held = row
        else:
            merged.append(held)
            held = row
    merged.append(held)
    return merged
