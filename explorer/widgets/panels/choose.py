"""How explore() picks a live panel for a model: detect the task, make the panel, or say why not."""

from __future__ import annotations

import os
from typing import Any

import ipywidgets
import torch

from ...model_info import class_names, unwrap, why_not_runnable
from .base import LivePanel, text_html
from .chrome import PanelChrome
from .qa import QAPanel
from .sentiment import SentimentPanel

__all__ = [
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


class NotePanel(ipywidgets.VBox):
    """A panel that only explains something (no weights, no tokenizer): text, never HTML input.

    Parameters
    ----------
    message : str
        The explanation (escaped).
    """

    def __init__(self, message: str, **kwargs: Any) -> None:
        self.message = str(message)
        body = ipywidgets.HTML(text_html(self.message))
        body.add_class("xp-note-panel")
        super().__init__([body, PanelChrome()], **kwargs)
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
    ``...ForQuestionAnswering``), then a PEFT wrapper's adapted model's; ``config.architectures``; a plain callable (not a module) is
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
    inner, _ = unwrap(model, None)
    for name in class_names(inner):
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
    model, tokenizer = unwrap(model, tokenizer)
    why = why_not_runnable(model, tokenizer, fast=task == "question-answering")
    if why is not None:
        return title, NotePanel(f"No live {title.lower()} panel: {why}.")
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
        from ...load import load

        loaded = load(os.path.expanduser(model))
        return loaded.model, tokenizer if tokenizer is not None else loaded.tokenizer
    return model, tokenizer
