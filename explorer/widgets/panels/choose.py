"""How explore() picks a live panel for a model: the panel registry, detection, and why not."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets
import torch

from ...model_info import class_names, unwrap, why_not_runnable
from .base import LivePanel, text_html
from .chrome import PanelChrome
from .fill_mask import FillMaskPanel
from .qa import QAPanel
from .sentiment import SentimentPanel
from .zero_shot import ZeroShotPanel, is_nli

__all__ = [
    "PanelSpec",
    "PANELS",
    "TASKS",
    "NotePanel",
    "detect_task",
    "make_panel",
    "no_panel_reason",
    "standalone_panel",
    "resolve_source",
]


@dataclass(frozen=True)
class PanelSpec:
    """One live panel: the task it runs, how explore() recognises its head, how it is made.

    Attributes
    ----------
    task : str
        The task's name, as transformers' pipeline calls it (``task=`` accepts it).
    title : str
        The tab's title.
    suffixes : tuple of str
        Class names that mean this head (``"ForSequenceClassification"``), matched in the
        model's class name and its ``config.architectures``.
    make : callable
        ``make(model, tokenizer) -> LivePanel``.
    aliases : tuple of str
        Other ``task=`` names for it (``"sentiment-analysis"``).
    fast_tokenizer : bool
        The head needs a fast (Rust) tokenizer (character offsets).
    detect : callable or None
        ``detect(model) -> bool``: a further test a model matching ``suffixes`` must pass
        (an NLI classifier's entailment label), so an earlier entry can claim some models of a
        head and leave the others to a later one. None: the suffix is enough.
    """

    task: str
    title: str
    suffixes: tuple[str, ...]
    make: Callable[[Any, Any], LivePanel]
    aliases: tuple[str, ...] = ()
    fast_tokenizer: bool = False
    detect: Callable[[Any], bool] | None = None


#: The live panels, in detection order: registering a panel is one entry here.
PANELS: tuple[PanelSpec, ...] = (
    PanelSpec(
        "zero-shot-classification",
        "Zero-shot",
        ("ForSequenceClassification",),
        ZeroShotPanel,
        detect=is_nli,
    ),
    PanelSpec(
        "text-classification",
        "Sentiment",
        ("ForSequenceClassification",),
        SentimentPanel,
        aliases=("sentiment-analysis",),
    ),
    PanelSpec(
        "question-answering",
        "Question answering",
        ("ForQuestionAnswering",),
        QAPanel,
        fast_tokenizer=True,
    ),
    PanelSpec("fill-mask", "Fill-mask", ("ForMaskedLM", "WithLMHeadModel"), FillMaskPanel),
)
_BY_TASK = {spec.task: spec for spec in PANELS}

#: Accepted ``task=`` values and the panel each one means (None: no panel).
TASKS: dict[str, str | None] = {
    **{name: spec.task for spec in PANELS for name in (spec.task, *spec.aliases)},
    "none": None,
}


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


def _names(inner: Any) -> list[str]:
    """The model's class name, a PEFT wrapper's adapted model's, its config's architectures."""
    return class_names(inner)


def detect_task(model: Any, task: Any = "auto") -> str | None:
    """Which task panel fits ``model``: a task of :data:`PANELS`, or None.

    Parameters
    ----------
    model
        A module, a pipeline or a callable.
    task : str or None
        "auto" detects; otherwise a key of :data:`TASKS` (None or "none" mean no panel).

    Notes
    -----
    Detection order: a pipeline's ``.task``; the class name (``...ForSequenceClassification``,
    ``...ForQuestionAnswering``, ``...ForMaskedLM``; an entry's ``detect`` test, e.g. an NLI
    classifier gets the zero-shot panel before the sentiment one), then a PEFT wrapper's adapted
    model's; ``config.architectures``; a plain callable (not a module) is a classifier.
    Anything else gets no panel (:func:`no_panel_reason` says why).
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
    for name in _names(inner):
        for spec in PANELS:
            if any(suffix in name for suffix in spec.suffixes) and (
                spec.detect is None or spec.detect(inner)
            ):
                return spec.task
    if not isinstance(inner, torch.nn.Module) and callable(inner):
        return "text-classification"
    return None


def no_panel_reason(model: Any) -> str:
    """Why ``model`` gets no live panel, in one plain sentence (the rest of the explorer works)."""
    inner, _ = unwrap(model, None)
    name = type(inner).__name__
    config = getattr(inner, "config", None)
    heads = ", ".join(dict.fromkeys(f"...{spec.suffixes[0]}" for spec in PANELS))
    if config is None:
        return (
            f"No live panel: {name} is a plain PyTorch module, and the live panels run the "
            f"text heads of transformers models ({heads}). The tree, treemap, explanations and "
            "budget work as for any model."
        )
    main_input = getattr(inner, "main_input_name", "input_ids")
    if main_input != "input_ids":
        kind = "images" if "pixel" in main_input else "audio or other signals"
        return (
            f"No live panel: {name} reads {kind} ({main_input}), and the live panels take typed "
            "text. The tree, treemap, explanations and budget work as for any model."
        )
    if getattr(config, "is_encoder_decoder", False):
        return (
            f"No live panel for {name} yet: it is an encoder-decoder (sequence-to-sequence) "
            f"model; the live panels run {heads}. The tree, treemap, explanations and budget "
            "work as for any model."
        )
    if "For" not in name:
        return (
            f"No live panel: {name} is a bare backbone without a task head, so it predicts "
            f"nothing to show. Load a model class with a head ({heads}), e.g. with "
            "explorer.load(name, task=...)."
        )
    return (
        f"No live panel for {name}'s head yet; the live panels run {heads}. The tree, "
        "treemap, explanations and budget work as for any model."
    )


def make_panel(model: Any, tokenizer: Any, task: str | None):
    """The panel for a detected ``task``: ``(title, widget)``, or None when there is none.

    A model without weights (meta device) or without a tokenizer gets a :class:`NotePanel`
    explaining why there is nothing to run, never an exception.
    """
    if task is None:
        return None
    spec = _BY_TASK[task]
    model, tokenizer = unwrap(model, tokenizer)
    why = why_not_runnable(model, tokenizer, fast=spec.fast_tokenizer)
    if why is not None:
        return spec.title, NotePanel(f"No live {spec.title.lower()} panel: {why}.")
    try:
        return spec.title, spec.make(model, tokenizer)
    except (TypeError, ValueError) as exc:
        return spec.title, NotePanel(f"No live {spec.title.lower()} panel: {exc}")


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
