"""What one token-classification call found: each window's token scores, the entities, as data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TagDetails", "TagWindow"]


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
        What :func:`explorer.tag` returns: with ``aggregation_strategy="none"`` one
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
