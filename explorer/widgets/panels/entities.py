"""The live entities panel: type a text, see its entities marked, every token's label scores."""

from __future__ import annotations

import html
from collections import Counter
from typing import Any, ClassVar

import ipywidgets
import torch

from ...figures.entities import token_scores, update_token_scores
from ...heads.tag import TagDetails, regroup, tag_run
from ...heads.tag_groups import entity_type
from ...heads.tag_inputs import AGGREGATIONS, check_strategy
from ...model_info import check_runnable, class_labels, untrained_note, unwrap
from ..plot import PlotWidget
from .base import LivePanel
from .text_input import TextInput

__all__ = ["EntitiesPanel", "marked_entities", "entity_types", "DEFAULT_TEXT", "COLOURS"]

DEFAULT_TEXT = "My name is Wolfgang and I live in Berlin. I work for the United Nations."
COLOURS = 8  # entity types get classes xp-ent-0 .. xp-ent-7 (panels.css), cycling
_SHOWN = 5000  # characters of the text shown marked (the rest elided)
_REST = 200  # characters shown after what the model read


def entity_types(labels) -> list[str]:
    """The entity types of a model's labels, in label order (``B-PER``, ``I-PER`` -> ``PER``):
    the order gives each type its colour, the same in every run of the model."""
    return list(dict.fromkeys(entity_type(str(label)) for label in labels))


def _label(row: dict) -> str:
    return row["entity_group"] if "entity_group" in row else row["entity"]


def marked_entities(text: str, entities: list[dict], types: list[str], tagged: int,
                    limit: int = _SHOWN) -> str:  # fmt: skip
    """The text as escaped HTML, each entity in a ``<mark>`` with its type and score.

    Parameters
    ----------
    text : str
        The text (user text: every character is escaped).
    entities : list of dict
        :func:`explorer.tag` results (``start``/``end`` characters; ones without are skipped).
    types : list of str
        Entity types in colour order (:func:`entity_types`); a type not in it gets the last
        colour class.
    tagged : int
        Characters of the text the model read (the rest is shown dimmed, elided).
    limit : int
        At most this many characters are shown marked.

    Returns
    -------
    str
        HTML whose only tags are the ones added here: ``<mark class="xp-ent xp-ent-K"
        title="TYPE score">text<span class="xp-ent-tag">TYPE 0.99</span></mark>``.
    """
    esc = html.escape
    end = min(tagged, limit, len(text))
    parts, at = [], 0
    for row in entities:
        start, stop = row.get("start"), row.get("end")
        if start is None or stop is None or start < at or stop > end or stop <= start:
            continue
        name = _label(row)
        kind = entity_type(name)
        colour = types.index(kind) % COLOURS if kind in types else COLOURS - 1
        score = float(row["score"])
        parts.append(esc(text[at:start]))
        parts.append(
            f'<mark class="xp-ent xp-ent-{colour}" title="{esc(name)} {score:.4f}">'
            f"{esc(text[start:stop])}"
            f'<span class="xp-ent-tag">{esc(name)} {score:.2f}</span></mark>'
        )
        at = stop
    parts.append(esc(text[at:end]))
    if end < len(text):
        rest = text[end : end + _REST]
        more = "\u2026" if end + _REST < len(text) else ""
        parts.append(f'<span class="xp-ent-rest">{esc(rest)}{more}</span>')
    return f'<div class="xp-context xp-entities" dir="auto">{"".join(parts)}</div>'


class EntitiesPanel(TextInput, LivePanel):
    """Type a text, see its entities (or any token labels) marked in it and every token's scores.

    Parameters
    ----------
    model : token-classification model or pipeline
        A ``...ForTokenClassification`` module (or a token-classification pipeline).
    tokenizer : fast tokenizer
        The model's tokenizer (a pipeline brings its own): marking entities in the text needs
        the character offsets only a fast tokenizer gives.
    text : str
        Initial text (run at once).
    aggregation_strategy : {"simple", "none", "first", "average", "max"}
        Initial aggregation (the switch).
    ignore_labels : list of str or None
        Labels not marked (None: ``["O"]``).

    Attributes
    ----------
    text_box : ipywidgets.Textarea
        The input (``continuous_update``: every keystroke reaches the kernel).
    aggregation : ipywidgets.Dropdown
        How token labels become entities; switching it regroups the last scores (no new run).
    strategy_note : ipywidgets.Label
        What the chosen strategy does, in one sentence.
    entities_view : ipywidgets.HTML
        The text with each entity in a coloured ``<mark>`` (one colour per type), its type and
        score next to it (escaped text).
    note : ipywidgets.Label
        What was cut (a text longer than the model's window), or that words are guessed.
    figure : explorer.widgets.plot.PlotWidget
        The tokens x labels probabilities (:func:`explorer.figures.entities.token_scores`);
        hover a cell for the token and the label's probability.
    details : TagDetails or None
        What is shown (None when nothing is).
    regroups : int
        Aggregation switches served from the last scores without running the model.
    """

    WORDS: ClassVar[dict[str, dict[str, str]]] = {
        "en": {
            "placeholder": "Type a text to find its entities",
            "aggregation": "Aggregation",
            "hint": "Type a text to tag.",
            "none": "none: one result per token (word pieces apart, B-/I- tags as predicted)",
            "simple": "simple: neighbouring tokens of one type join into an entity; B- starts a "
            "new one",
            "first": "first: each word takes its first piece's label, then words group as in "
            "simple",
            "average": "average: each word takes the label of its pieces' averaged scores",
            "max": "max: each word takes the label of its most confident piece",
            "found": "{n} {what} ({kinds})",
            "nothing": "no entities",
            "entities": "entities",
            "tokens": "tokens",
            "count": "{n} tokens",
            "cut": "Text truncated: the model reads {window:,} tokens at a time and the text has "
            "{total:,}, so only characters {a:,}\u2013{b:,} of {chars:,} were tagged. "
            "explorer.tag(model, tokenizer, text, stride=128) tags all of it in overlapping "
            "windows.",
            "shown": "Showing the first {limit:,} characters of the tagged text.",
            "guess": "This tokenizer does not mark word pieces, so words are guessed from spaces "
            "(transformers does the same and warns).",
        },
        "ko": {
            "placeholder": "개체를 찾을 텍스트를 입력하세요",
            "aggregation": "묶는 방식",
            "hint": "태깅할 텍스트를 입력하세요.",
            "none": "none: 토큰마다 결과 하나 (단어 조각도 따로, 예측한 B-/I- 태그 그대로)",
            "simple": "simple: 같은 유형의 이웃 토큰을 한 개체로 묶음; B-는 새 개체를 시작",
            "first": "first: 단어마다 첫 조각의 레이블을 쓰고, 단어들을 simple처럼 묶음",
            "average": "average: 단어마다 조각 점수의 평균에서 레이블을 고름",
            "max": "max: 단어마다 가장 확신하는 조각의 레이블을 씀",
            "found": "{what} {n}개 ({kinds})",
            "nothing": "개체 없음",
            "entities": "개체",
            "tokens": "토큰",
            "count": "토큰 {n}개",
            "cut": "텍스트가 잘렸습니다: 모델은 한 번에 토큰 {window:,}개를 읽는데 텍스트는 "
            "{total:,}개라서, 문자 {chars:,}개 중 {a:,}\u2013{b:,}만 태깅했습니다. "
            "explorer.tag(model, tokenizer, text, stride=128)은 겹치는 창으로 전부 태깅합니다.",
            "shown": "태깅한 텍스트의 앞 {limit:,}자를 보여 줍니다.",
            "guess": "이 토크나이저는 단어 조각을 표시하지 않아서 공백으로 단어를 짐작합니다 "
            "(transformers도 같은 방식이며 경고를 냅니다).",
        },
    }

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        text: str = DEFAULT_TEXT,
        aggregation_strategy: str = "simple",
        ignore_labels: list[str] | None = None,
    ) -> None:
        model, tokenizer = unwrap(model, tokenizer)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"EntitiesPanel needs a ...ForTokenClassification model, got {type(model).__name__}"
            )
        check_runnable(model, tokenizer)
        if not getattr(tokenizer, "is_fast", False):
            raise TypeError(
                "it needs the model's fast tokenizer: entities are marked in the text by the "
                "characters each token covers, which only a fast (Rust) tokenizer gives"
            )
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        strategy = check_strategy(aggregation_strategy, tokenizer)
        super().__init__()
        self.model, self.tokenizer = model, tokenizer
        self.ignore_labels = ignore_labels
        self.details: TagDetails | None = None
        self.regroups = 0
        self._last: tuple[str, TagDetails, Any] | None = None  # (text, details, trace)
        self._types = entity_types(class_labels(model.config))
        self.text_box = ipywidgets.Textarea(
            value=text, continuous_update=True, rows=3, layout=ipywidgets.Layout(width="100%")
        )
        self.text_box.add_class("xp-text")
        self.aggregation = ipywidgets.Dropdown(
            options=list(AGGREGATIONS), value=strategy, layout=ipywidgets.Layout(width="auto")
        )
        self.aggregation.add_class("xp-aggregation")
        self.strategy_note = ipywidgets.Label("")
        self.strategy_note.add_class("xp-window-note")
        self.note = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.note.add_class("xp-note")
        self.entities_view = ipywidgets.HTML("", layout=ipywidgets.Layout(width="100%"))
        self.entities_view.add_class("xp-entities-view")
        self.figure = PlotWidget(token_scores(lang=self.lang))
        self.set_warning(untrained_note(model))
        self.children = (
            self.warning,
            self.text_box,
            ipywidgets.HBox([self.aggregation, self.strategy_note]),
            self.status,
            self.note,
            self.entities_view,
            self.figure,
            self.shape_line,
            self.chrome,
        )
        self.add_class("xp-entities-panel")
        self._relabel()
        self.text_box.observe(self._changed, "value")
        self.aggregation.observe(self._changed, "value")
        self._start()

    def _relabel(self) -> None:
        self.text_box.placeholder = self.words("placeholder")
        self.aggregation.description = self.words("aggregation")
        self.strategy_note.value = self.words(self.aggregation.value)
        if self.details is None and hasattr(self, "figure"):  # the blank figure's texts
            update_token_scores(self.figure, _blank(self.model), 0, self.lang)

    def _inputs(self) -> tuple[str, str]:
        return self.text_box.value, self.aggregation.value

    def _hint(self, inputs: tuple[str, str]) -> str | None:
        self.strategy_note.value = self.words(inputs[1])
        return self.words("hint") if not inputs[0].strip() else None

    def _compute(self, inputs: tuple[str, str], stale) -> tuple[TagDetails, Any]:
        """One traced forward pass; a new aggregation of the same text regroups the last scores."""
        text, strategy = inputs
        last = self._last
        if last is not None and last[0] == text:
            self.regroups += 1
            return regroup(last[1], self.tokenizer, strategy, self.ignore_labels), last[2]
        done = tag_run(
            self.model, self.tokenizer, text, strategy, self.ignore_labels, traced=True,
            should_stop=stale, on_forward=self._forward_done,
        )  # fmt: skip
        self._last = (text, done.details, done.trace)
        return done.details, done.trace

    def _show(self, details: TagDetails) -> None:
        self.details = details
        a, b = details.tagged_span
        self.entities_view.value = marked_entities(details.text, details.entities, self._types, b)
        update_token_scores(self.figure, details, 0, self.lang)
        per_token = details.aggregation_strategy == "none"
        if details.entities:
            kinds = Counter(entity_type(_label(row)) for row in details.entities)
            what = self.words("tokens" if per_token else "entities")
            listed = ", ".join(f"{k} \u00d7{n}" if n > 1 else k for k, n in kinds.items())
            found = self.words("found", n=len(details.entities), what=what, kinds=listed)
        else:
            found = self.words("nothing")
        tokens = self.words("count", n=len(details.windows[0].tokens))
        self._set_status(f"{found} \u00b7 {tokens} \u00b7 {details.elapsed * 1000:.0f} ms")
        notes = []
        if details.truncated:
            notes.append(self.words("cut", window=details.max_length, total=details.num_tokens,
                                    a=a, b=b, chars=len(details.text)))  # fmt: skip
        if min(b, len(details.text)) > _SHOWN:
            notes.append(self.words("shown", limit=_SHOWN))
        if not details.word_aware and details.aggregation_strategy in ("first", "average", "max"):
            notes.append(self.words("guess"))
        self.note.value = " ".join(notes)

    def _clear(self, message: str) -> None:
        self.details = None
        self.entities_view.value = ""
        self.note.value = ""
        update_token_scores(self.figure, _blank(self.model), 0, self.lang)
        super()._clear(message)

    def _owned(self):
        return (
            *super()._owned(), self.text_box, self.aggregation, self.strategy_note, self.note,
            self.entities_view, self.figure,
        )  # fmt: skip


def _blank(model) -> TagDetails:
    return TagDetails("", [], "simple", ["O"], class_labels(model.config), [])
