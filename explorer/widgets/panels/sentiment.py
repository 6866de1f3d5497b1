"""The live sentiment panel: any sequence classifier (or a text -> {label: score} callable)."""

from __future__ import annotations

from typing import Any

import ipywidgets
import torch

from ...figures.heads import class_bars, update_class_bars
from ...heads import ClassifyDetails, classify_run
from ...model_info import check_runnable, class_labels, untrained_note, unwrap
from ..options import check_options
from ..plot import PlotWidget
from .base import LivePanel
from .text_input import TextInput

__all__ = ["SentimentPanel", "DEFAULT_TEXT"]

DEFAULT_TEXT = "This movie was wonderful, I loved every minute of it."


class SentimentPanel(TextInput, LivePanel):
    """Type a text, see the class probabilities: a bar per label, the logits on hover.

    Parameters
    ----------
    model : sequence-classification model, pipeline or callable
        A ``...ForSequenceClassification`` module (with its ``tokenizer``), a text-classification
        pipeline, or any callable ``text -> {label: score}`` (a local model or one wrapping a
        remote API); a callable's scores are shown as given, in its key order.
    tokenizer : tokenizer, optional
        Required for a module (a pipeline brings its own).
    text : str
        Initial text (run at once).
    top_k, function_to_apply
        Passed to :func:`explorer.classify_details`.

    Attributes
    ----------
    text_box : ipywidgets.Textarea
        The input (``continuous_update``: every keystroke reaches the kernel).
    figure : explorer.widgets.plot.PlotWidget
        One bar chart, updated in place (``figure.data``, ``figure.layout`` as on a Plotly
        figure; the page's one plotly.js draws it).
    details : ClassifyDetails or None
        What the figure shows (None when it shows nothing).
    note : ipywidgets.Label
        The truncation note (empty when the text fits).
    """

    WORDS = {
        "en": {
            "placeholder": "Type a text to classify",
            "hint": "Type a text to classify.",
            "tokens": "{n} tokens",
            "truncated": "Text truncated: it is {n:,} tokens long and the model reads only the first "
            "{max:,}.",
        },
        "ko": {
            "placeholder": "분류할 문장을 입력하세요",
            "hint": "분류할 문장을 입력하세요.",
            "tokens": "토큰 {n}개",
            "truncated": "문장이 잘렸습니다: 토큰 {n:,}개 중 모델은 앞의 {max:,}개만 읽습니다.",
        },
    }

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        text: str = DEFAULT_TEXT,
        top_k: int | None = None,
        function_to_apply: str | None = None,
        **kwargs: Any,
    ) -> None:
        model, tokenizer = unwrap(model, tokenizer)
        if isinstance(model, torch.nn.Module):
            check_runnable(model, tokenizer)
        elif not callable(model):
            raise TypeError(
                "SentimentPanel needs a sequence-classification model, a pipeline or a callable "
                f"text -> {{label: score}}, got {type(model).__name__}"
            )
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        check_options(type(self), kwargs)
        super().__init__(**kwargs)
        self.model, self.tokenizer = model, tokenizer
        self.top_k, self.function_to_apply = top_k, function_to_apply
        self.details: ClassifyDetails | None = None
        self.text_box = ipywidgets.Textarea(
            value=text,
            placeholder=self.words("placeholder"),
            continuous_update=True,
            rows=3,
            layout=ipywidgets.Layout(width="100%"),
        )
        self.text_box.add_class("xp-text")
        self.note = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.note.add_class("xp-note")
        self.figure = PlotWidget(class_bars(self._blank(), title="no result yet"))
        self.set_warning(untrained_note(model))
        self.children = (
            self.warning,
            self.text_box,
            self.status,
            self.note,
            self.figure,
            self.shape_line,
            self.chrome,
        )
        self.add_class("xp-sentiment")
        self.text_box.observe(self._changed, "value")
        self._start()  # the first result is there when the panel is displayed

    def _blank(self) -> ClassifyDetails:
        config = getattr(self.model, "config", None) if hasattr(self, "model") else None
        labels = class_labels(config) if config is not None else []
        zeros = [0.0] * len(labels)
        return ClassifyDetails("", [], labels, zeros, list(zeros), "softmax")

    def _inputs(self) -> str:
        return self.text_box.value

    def _hint(self, text: str) -> str | None:
        return self.words("hint") if not text.strip() else None

    def _compute(self, text: str, stale) -> tuple[ClassifyDetails, Any]:
        """One traced forward pass: the scores and what every module computed."""
        done = classify_run(
            self.model, self.tokenizer, text, self.top_k, self.function_to_apply,
            traced=isinstance(self.model, torch.nn.Module), should_stop=stale,
            on_forward=self._forward_done,
        )  # fmt: skip
        return done.details, done.trace

    def _show(self, details: ClassifyDetails) -> None:
        self.details = details
        update_class_bars(self.figure, details)
        parts = []
        if details.results:
            best = details.results[0]
            parts.append(f"{best['label']}  {best['score']:.3f} ({details.function})")
        if details.tokens:
            parts.append(self.words("tokens", n=len(details.tokens)))
        parts.append(f"{details.elapsed * 1000:.0f} ms")
        self._set_status(" \u00b7 ".join(parts))
        if details.truncated:
            self.note.value = self.words(
                "truncated", n=details.num_tokens, max=details.max_length or 0
            )
        else:
            self.note.value = ""

    def _clear(self, message: str) -> None:
        self.details = None
        self.note.value = ""
        update_class_bars(self.figure, self._blank(), title="no result")
        super()._clear(message)

    def _relabel(self) -> None:
        self.text_box.placeholder = self.words("placeholder")

    def _owned(self):
        return (*super()._owned(), self.text_box, self.note, self.figure)
