"""The live zero-shot panel: an NLI model scores labels typed now, one forward pass per label."""

from __future__ import annotations

from typing import Any, ClassVar

import ipywidgets
import torch

from ...figures.heads import class_bars, update_class_bars
from ...heads.classify import ClassifyDetails
from ...heads.zero_shot import ZeroShotDetails, zero_shot_run
from ...heads.zero_shot_inputs import DEFAULT_TEMPLATE, check_nli, entailment_id
from ...model_info import check_runnable, class_labels, untrained_note, unwrap
from ..options import check_options
from ..plot import PlotWidget
from .base import LivePanel, PanelHint, text_html
from .text_input import TextInput

__all__ = ["ZeroShotPanel", "is_nli", "DEFAULT_TEXT", "DEFAULT_LABELS"]

DEFAULT_TEXT = "I have a problem with my iphone that needs to be resolved asap!"
DEFAULT_LABELS = "urgent, not urgent, phone, tablet, computer"


def is_nli(model: Any) -> bool:
    """True when ``model``'s labels include entailment (``config.label2id``): an NLI model the
    zero-shot panel fits, detected before the sentiment panel."""
    return entailment_id(getattr(model, "config", None)) is not None


def _labels(text: str) -> list[str]:
    return [label.strip() for label in text.split(",") if label.strip()]


class ZeroShotPanel(TextInput, LivePanel):
    """Type a text and candidate labels; see how well each label fits, by an NLI model.

    Each label becomes a hypothesis (the template with the label in it) fed after the text;
    the entailment logit of each pair makes the label's score, as
    :func:`explorer.zero_shot` (and transformers' zero-shot pipeline) computes it.

    Parameters
    ----------
    model : NLI sequence-classification model or pipeline
        A ``...ForSequenceClassification`` whose labels include entailment.
    tokenizer : tokenizer
        The model's tokenizer (a pipeline brings its own).
    text, labels, template : str
        Initial text, comma-separated candidate labels and hypothesis template (run at once).
    multi_label : bool
        Initial state of the multi-label switch.
    max_labels : int
        Most labels the live panel runs (one forward pass each); more get a message.

    Attributes
    ----------
    text_box : ipywidgets.Textarea
        The text (``continuous_update``).
    labels_box, template_box : ipywidgets.Text
        Candidate labels separated by commas, and the hypothesis template (``{}`` is the label).
    multi_label : ipywidgets.Checkbox
        Each label on its own (entailment against contradiction) instead of a softmax over
        the labels.
    choice : ipywidgets.HTML
        Why this model got the zero-shot panel, and how to get the plain classifier instead.
    figure : explorer.widgets.plot.PlotWidget
        A bar per label, best first; the entailment logit in the hover.
    details : ZeroShotDetails or None
        What is shown (None when nothing is).
    note : ipywidgets.Label
        What was cut from a long text (empty when it fits).
    """

    WORDS: ClassVar[dict[str, dict[str, str]]] = {
        "en": {
            "text": "Type a text to classify",
            "labels": "Candidate labels, separated by commas",
            "labels_label": "Labels",
            "template_label": "Template",
            "template": "A sentence with {} where the label goes",
            "multi": "multi-label",
            "multi_tip": "Several labels may be true: each is scored on its own, entailment "
            "against contradiction (off: the entailment logits are softmaxed over the labels)",
            "choice": "Zero-shot panel: this model's labels include {entail}, so it is read as "
            "an NLI model. For its plain classes, explore(model, tokenizer, "
            'task="text-classification").',
            "empty": "Type a text to classify.",
            "no_labels": "Type candidate labels, separated by commas.",
            "too_many": "The live panel runs at most {limit} labels (one forward pass each), and "
            "{n} are typed: remove some, or call explorer.zero_shot(model, tokenizer, text, "
            "labels) directly.",
            "best": "{label} {score:.3f}",
            "passes": "{n} labels, {n} forward passes",
            "title_each": "each label on its own",
            "title_softmax": "softmax over the labels",
            "cut": " (text truncated)",
            "cut_note": "Text truncated: it is {n:,} tokens long and the model reads only what "
            "fits its {limit:,} tokens beside each hypothesis.",
        },
        "ko": {
            "text": "분류할 텍스트를 입력하세요",
            "labels": "후보 레이블을 쉼표로 구분해 입력하세요",
            "labels_label": "레이블",
            "template_label": "템플릿",
            "template": "레이블이 들어갈 자리에 {}가 있는 문장",
            "multi": "다중 레이블",
            "multi_tip": "여러 레이블이 동시에 참일 수 있음: 레이블마다 따로 함의 대 모순으로 "
            "점수를 매깁니다 (끄면 함의 로짓을 레이블에 대해 softmax)",
            "choice": "제로샷 패널: 이 모델의 레이블에 {entail}가 있어 NLI 모델로 읽었습니다. "
            "원래 클래스를 보려면 explore(model, tokenizer, "
            'task="text-classification")를 쓰세요.',
            "empty": "분류할 텍스트를 입력하세요.",
            "no_labels": "후보 레이블을 쉼표로 구분해 입력하세요.",
            "too_many": "라이브 패널은 레이블을 최대 {limit}개까지 실행합니다(레이블마다 순전파 "
            "한 번). 지금 {n}개입니다: 줄이거나 explorer.zero_shot(model, tokenizer, text, "
            "labels)을 직접 호출하세요.",
            "best": "{label} {score:.3f}",
            "passes": "레이블 {n}개, 순전파 {n}번",
            "title_each": "레이블마다 따로",
            "title_softmax": "레이블에 대한 softmax",
            "cut": " (텍스트 잘림)",
            "cut_note": "텍스트가 잘렸습니다: 토큰 {n:,}개 중 모델은 각 가설과 함께 {limit:,}개 "
            "안에 들어가는 만큼만 읽습니다.",
        },
    }

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        text: str = DEFAULT_TEXT,
        labels: str = DEFAULT_LABELS,
        template: str = DEFAULT_TEMPLATE,
        multi_label: bool = False,
        max_labels: int = 16,
        **kwargs: Any,
    ) -> None:
        model, tokenizer = unwrap(model, tokenizer)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"ZeroShotPanel needs an NLI ...ForSequenceClassification model, got "
                f"{type(model).__name__}"
            )
        check_runnable(model, tokenizer)
        entail = check_nli(model)
        for name, value in (("text", text), ("labels", labels), ("template", template)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
        check_options(type(self), kwargs)
        super().__init__(**kwargs)
        self.model, self.tokenizer = model, tokenizer
        self.max_labels = int(max_labels)
        self.details: ZeroShotDetails | None = None
        self._entail = class_labels(model.config)[entail]
        full = ipywidgets.Layout(width="100%")
        self.choice = ipywidgets.HTML("", layout=full)
        self.text_box = ipywidgets.Textarea(
            value=text, continuous_update=True, rows=3, layout=ipywidgets.Layout(width="100%")
        )
        self.text_box.add_class("xp-text")
        self.labels_box = ipywidgets.Text(
            value=labels, continuous_update=True, layout=ipywidgets.Layout(width="100%")
        )
        self.labels_box.add_class("xp-labels")
        self.template_box = ipywidgets.Text(
            value=template, continuous_update=True, layout=ipywidgets.Layout(width="100%")
        )
        self.template_box.add_class("xp-template")
        self.multi_label = ipywidgets.Checkbox(value=bool(multi_label), indent=False)
        self.note = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.note.add_class("xp-note")
        self.figure = PlotWidget(class_bars(self._blank(), title=""))
        self.set_warning(untrained_note(model))
        self.children = (
            self.warning, self.choice, self.text_box, self.labels_box, self.template_box,
            self.multi_label, self.status, self.note, self.figure, self.shape_line, self.chrome,
        )  # fmt: skip
        self.add_class("xp-zero-shot")
        self._relabel()
        for box in (self.text_box, self.labels_box, self.template_box, self.multi_label):
            box.observe(self._changed, "value")
        self._start()

    def _relabel(self) -> None:
        self.choice.value = text_html(self.words("choice", entail=self._entail))
        self.text_box.placeholder = self.words("text")
        self.labels_box.placeholder = self.words("labels")
        self.labels_box.description = self.words("labels_label")
        self.template_box.placeholder = self.words("template")
        self.template_box.description = self.words("template_label")
        self.multi_label.description = self.words("multi")
        self.multi_label.tooltip = self.words("multi_tip")

    @staticmethod
    def _blank() -> ClassifyDetails:
        return ClassifyDetails("", [], [], [], [], "softmax")

    def _inputs(self) -> tuple[str, str, str, bool]:
        return (self.text_box.value, self.labels_box.value, self.template_box.value,
                self.multi_label.value)  # fmt: skip

    def _hint(self, inputs: tuple[str, str, str, bool]) -> str | None:
        text, labels, _, _ = inputs
        if not text.strip():
            return self.words("empty")
        if not _labels(labels):
            return self.words("no_labels")
        return None

    def _compute(self, inputs: tuple[str, str, str, bool], stale) -> tuple[ZeroShotDetails, Any]:
        """One forward pass per label; the first label's pass is traced (no extra pass)."""
        text, labels, template, multi = inputs
        count = len(_labels(labels))
        if count > self.max_labels:
            raise PanelHint(self.words("too_many", limit=self.max_labels, n=count))
        done = zero_shot_run(
            self.model, self.tokenizer, text, labels, template, multi, traced=True,
            should_stop=stale, on_forward=self._forward_done,
        )  # fmt: skip
        return done.details, done.trace

    @staticmethod
    def _bars(details: ZeroShotDetails) -> ClassifyDetails:
        """The labels best first, as the bars of :func:`explorer.figures.class_bars` show them
        (the entailment logit of each label's pass in the hover)."""
        order = details.ranking
        return ClassifyDetails(
            details.text, [], [details.labels[i] for i in order],
            [details.entailment_logits[i] for i in order], [details.scores[i] for i in order],
            "softmax", truncated=details.truncated,
        )  # fmt: skip

    def _show(self, details: ZeroShotDetails) -> None:
        self.details = details
        title = self.words("title_each" if details.multi_label else "title_softmax")
        title += self.words("cut") if details.truncated else ""
        update_class_bars(self.figure, self._bars(details), title=title)
        results = details.results
        parts = [self.words("best", label=results["labels"][0], score=results["scores"][0])]
        parts.append(self.words("passes", n=len(details.labels)))
        parts.append(f"{details.elapsed * 1000:.0f} ms")
        self._set_status(" \u00b7 ".join(parts))
        self.note.value = (
            self.words("cut_note", n=details.num_tokens, limit=details.max_length)
            if details.truncated
            else ""
        )

    def _clear(self, message: str) -> None:
        self.details = None
        self.note.value = ""
        update_class_bars(self.figure, self._blank(), title="")
        super()._clear(message)

    def _owned(self):
        return (
            *super()._owned(), self.choice, self.text_box, self.labels_box, self.template_box,
            self.multi_label, self.note, self.figure,
        )  # fmt: skip
