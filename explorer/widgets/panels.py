"""Live task panels: sentiment (any classifier or callable), QA, and how explore() picks one."""

from __future__ import annotations

import os
from typing import Any

import ipywidgets
import torch

from ..figures import class_bars, update_class_bars
from ..heads import ClassifyDetails, classify_details
from .panel_base import LivePanel, is_meta, text_html, untrained_note
from .panels_qa import QAPanel
from .plot import PlotWidget

__all__ = [
    "SentimentPanel",
    "QAPanel",
    "NotePanel",
    "detect_task",
    "make_panel",
    "add_task_panel",
    "standalone_panel",
    "resolve_source",
    "TASKS",
]

#: Accepted ``task=`` values and the panel each one means (None: no panel).
TASKS = {
    "text-classification": "text-classification",
    "sentiment-analysis": "text-classification",
    "question-answering": "question-answering",
    "none": None,
}
_TITLES = {"text-classification": "Sentiment", "question-answering": "Question answering"}
_SUFFIXES = (
    ("ForSequenceClassification", "text-classification"),
    ("ForQuestionAnswering", "question-answering"),
)
DEFAULT_TEXT = "This movie was wonderful, I loved every minute of it."


def _unwrap(model: Any, tokenizer: Any) -> tuple[Any, Any]:
    """A pipeline's ``.model`` and ``.tokenizer`` (the given tokenizer wins); others as given."""
    inner = getattr(model, "model", None)
    if not isinstance(model, torch.nn.Module) and isinstance(inner, torch.nn.Module):
        return inner, tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
    return model, tokenizer


class SentimentPanel(LivePanel):
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
    delay, max_wait : float
        Debounce settings (see :class:`~explorer.widgets.panel_base.LivePanel`).

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

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        text: str = DEFAULT_TEXT,
        top_k: int | None = None,
        function_to_apply: str | None = None,
        delay: float = 0.2,
        max_wait: float | None = 1.0,
        **kwargs: Any,
    ) -> None:
        model, tokenizer = _unwrap(model, tokenizer)
        if isinstance(model, torch.nn.Module):
            if is_meta(model):
                raise ValueError(
                    "the model's weights are not loaded (meta device): load it with weights=True"
                )
            if tokenizer is None:
                raise TypeError(
                    "a PyTorch model needs its tokenizer: SentimentPanel(model, tokenizer)"
                )
        elif not callable(model):
            raise TypeError(
                "SentimentPanel needs a sequence-classification model, a pipeline or a callable "
                f"text -> {{label: score}}, got {type(model).__name__}"
            )
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        super().__init__(delay=delay, max_wait=max_wait, **kwargs)
        self.model, self.tokenizer = model, tokenizer
        self.top_k, self.function_to_apply = top_k, function_to_apply
        self.details: ClassifyDetails | None = None
        self.text_box = ipywidgets.Textarea(
            value=text,
            placeholder="Type a text to classify",
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
        )
        self.add_class("xp-panel")
        self.add_class("xp-sentiment")
        self.text_box.observe(self._changed, "value")
        self._seq += 1
        self._run_pending()  # the first result is there when the panel is displayed

    @property
    def text(self) -> str:
        """The text in the box (setting it is what typing does)."""
        return self.text_box.value

    @text.setter
    def text(self, value: str) -> None:
        self.text_box.value = value

    def _blank(self) -> ClassifyDetails:
        labels: list[str] = []
        config = getattr(self.model, "config", None) if hasattr(self, "model") else None
        if config is not None:
            id2label = getattr(config, "id2label", None) or {}
            n = int(getattr(config, "num_labels", len(id2label)) or 0)
            labels = [str(id2label.get(i, f"LABEL_{i}")) for i in range(n)]
        zeros = [0.0] * len(labels)
        return ClassifyDetails("", [], labels, zeros, list(zeros), "softmax")

    def _inputs(self) -> str:
        return self.text_box.value

    def _hint(self, text: str) -> str | None:
        return "Type a text to classify." if not text.strip() else None

    def _hooked_model(self) -> Any:
        return self.model

    def _compute(self, text: str) -> ClassifyDetails:
        return classify_details(
            self.model, self.tokenizer, text, self.top_k, self.function_to_apply
        )

    def _show(self, details: ClassifyDetails) -> None:
        self.details = details
        update_class_bars(self.figure, details)
        parts = []
        if details.results:
            best = details.results[0]
            parts.append(f"{best['label']}  {best['score']:.3f} ({details.function})")
        if details.tokens:
            parts.append(f"{len(details.tokens)} tokens")
        parts.append(f"{details.elapsed * 1000:.0f} ms")
        self._set_status(" \u00b7 ".join(parts))
        if details.truncated:
            self.note.value = (
                f"Text truncated: it is {details.num_tokens:,} tokens long and the model reads "
                f"only the first {details.max_length:,}."
            )
        else:
            self.note.value = ""

    def _clear(self, message: str) -> None:
        self.details = None
        self.note.value = ""
        update_class_bars(self.figure, self._blank(), title="no result")
        super()._clear(message)

    def _owned(self):
        return (*super()._owned(), self.text_box, self.note, self.figure)


class NotePanel(ipywidgets.VBox):
    """A panel that only explains something (no weights, no tokenizer): text, never HTML input.

    Parameters
    ----------
    message : str
        The explanation (escaped).
    """

    def __init__(self, message: str, **kwargs: Any) -> None:
        self.message = str(message)
        body = ipywidgets.HTML(text_html(self.message, "#57606a"))
        body.add_class("xp-note-panel")
        super().__init__([body], **kwargs)
        self.add_class("xp-panel")


def detect_task(model: Any, task: Any = "auto") -> str | None:
    """Which task panel fits ``model``: "text-classification", "question-answering" or None.

    Parameters
    ----------
    model
        A module, a pipeline or a callable.
    task : str or None
        "auto" detects; otherwise a key of :data:`TASKS` (None or "none" mean no panel).

    Notes
    -----
    Detection order: a pipeline's ``.task``; the class name (``...ForSequenceClassification``,
    ``...ForQuestionAnswering``); ``config.architectures``; a plain callable (not a module) is
    a classifier. Anything else gets no panel.
    """
    if task is None:
        return None
    if not isinstance(task, str):
        raise TypeError(f"task must be a str or None, got {type(task).__name__}")
    if task != "auto":
        if task not in TASKS:
            choices = ", ".join(repr(t) for t in ("auto", *TASKS, None))
            raise ValueError(f"unknown task {task!r}; choose one of {choices}")
        return TASKS[task]
    pipe_task = getattr(model, "task", None)
    if not isinstance(model, torch.nn.Module) and isinstance(pipe_task, str):
        if TASKS.get(pipe_task):
            return TASKS[pipe_task]
    inner, _ = _unwrap(model, None)
    names = [type(inner).__name__]
    config = getattr(inner, "config", None)
    names += [a for a in (getattr(config, "architectures", None) or []) if isinstance(a, str)]
    for name in names:
        for suffix, found in _SUFFIXES:
            if suffix in name:
                return found
    if not isinstance(inner, torch.nn.Module) and callable(inner):
        return "text-classification"
    return None


def make_panel(model: Any, tokenizer: Any, task: str | None):
    """The panel for a detected ``task``: ``(title, widget)``, or None when there is none.

    A model without weights (meta device) or without a tokenizer gets a :class:`NotePanel`
    explaining why there is nothing to run, never an exception.
    """
    if task is None:
        return None
    title = _TITLES[task]
    model, tokenizer = _unwrap(model, tokenizer)
    if isinstance(model, torch.nn.Module):
        if is_meta(model):
            return title, NotePanel(
                "The weights are not loaded: this model is on the meta device (for example "
                "built with explorer.load(..., weights=False)), so it has shapes but no values "
                "and there is nothing to run. Load it with weights=True for a live "
                f"{title.lower()} panel."
            )
        if tokenizer is None:
            return title, NotePanel(
                f"The {title.lower()} panel needs the model's tokenizer to turn text into token "
                "ids. Pass it: explorer.explore(model, tokenizer), for example with "
                "tokenizer = transformers.AutoTokenizer.from_pretrained(<the model's directory>)."
            )
    try:
        if task == "question-answering":
            return title, QAPanel(model, tokenizer)
        return title, SentimentPanel(model, tokenizer)
    except (TypeError, ValueError) as exc:
        return title, NotePanel(f"No live {title.lower()} panel: {exc}")


def add_task_panel(explorer: Any, task: Any = "auto"):
    """Detect the head of ``explorer``'s model and add its panel; return the panel or None.

    The panel follows the Explorer's selection with the selected module's output shape for
    the last input, and keeps ``explorer.output_shapes`` (``{path: [shape, ...]}``) current.
    """
    explorer.output_shapes = {}
    made = make_panel(explorer.model, explorer.tokenizer, detect_task(explorer.source, task))
    explorer.task_panel = None
    if made is None:
        return None
    title, panel = made
    if isinstance(panel, LivePanel):

        def keep(shapes: dict) -> None:
            explorer.output_shapes = shapes
            explorer.tree_widget.set_output_shapes(shapes)  # the tree's details show them

        keep(panel.output_shapes)
        panel.on_shapes(keep)
        explorer.add_panel(panel, title, on_select=panel.show_shape)
    else:
        explorer.add_panel(panel, title)
    explorer.task_panel = panel
    return panel


def standalone_panel(model: Any, task: Any = "auto"):
    """For :func:`explore` of a plain callable (no modules to show): its SentimentPanel.

    Returns None for modules and pipelines (they get a full Explorer).

    Raises
    ------
    TypeError
        A callable with ``task="question-answering"`` or no task: it cannot drive those.
    """
    if isinstance(model, torch.nn.Module) or isinstance(
        getattr(model, "model", None), torch.nn.Module
    ):
        return None
    if not callable(model) or isinstance(model, (str, os.PathLike)):
        return None
    found = detect_task(model, task)
    if found != "text-classification":
        raise TypeError(
            f"a plain callable can only drive the sentiment panel (task={task!r} asks for "
            f"{found or 'no panel'}); question answering needs a ...ForQuestionAnswering model "
            "and its tokenizer"
        )
    return SentimentPanel(model)


def resolve_source(model: Any, tokenizer: Any) -> tuple[Any, Any]:
    """A directory becomes ``explorer.load(path)``'s model and tokenizer; the rest passes as is.

    A hub name is not loaded here (that would download): :func:`explorer.load` it first.
    """
    if isinstance(model, (str, os.PathLike)) and os.path.isdir(os.path.expanduser(model)):
        from ..load import load

        loaded = load(os.path.expanduser(model))
        return loaded.model, tokenizer if tokenizer is not None else loaded.tokenizer
    return model, tokenizer
