"""The live extractive-QA panel: question + context in, marked answer and span logits out."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets
import torch

from ...figures.heads import answer_window, span_logits, update_span_logits, window_note
from ...heads.qa import AnswerDetails, QAWindow, TooManyWindows, answer_run
from ...heads.qa_inputs import count_windows
from ...model_info import check_runnable, untrained_note, unwrap
from ..plot import PlotWidget
from .base import LivePanel, PanelHint

__all__ = ["QAPanel", "marked_context", "DEFAULT_QUESTION", "DEFAULT_CONTEXT"]

DEFAULT_QUESTION = "What is his favorite color?"
DEFAULT_CONTEXT = "He looked at the blue sky. Blue is his favorite color."
_SHOWN = 4000  # characters of context shown around the answer (the rest elided)


def marked_context(context: str, start: int | None, end: int | None, limit: int = _SHOWN) -> str:
    """The context as escaped text with ``context[start:end]`` in a ``<mark class="xp-answer">``.

    Parameters
    ----------
    context : str
        The context (user text: every character is escaped).
    start, end : int or None
        Character span of the answer; None or an empty span marks nothing.
    limit : int
        Longer contexts show about ``limit`` characters around the answer, elided with "…".

    Returns
    -------
    str
        HTML whose only tags are the ones added here.
    """
    n = len(context)
    has = start is not None and end is not None and 0 <= start < end <= n
    lo, hi = 0, n
    if n > limit:
        centre = (start + end) // 2 if has else 0
        lo = max(0, min(centre - limit // 2, n - limit))
        hi = min(n, lo + limit)
        if has:
            lo, hi = min(lo, start), max(hi, end)
    esc = html.escape
    if has:
        body = (
            esc(context[lo:start])
            + '<mark class="xp-answer">'
            + esc(context[start:end])
            + "</mark>"
            + esc(context[end:hi])
        )
    else:
        body = esc(context[lo:hi])
    head = "\u2026" if lo > 0 else ""
    tail = "\u2026" if hi < n else ""
    return f'<div class="xp-context" dir="auto">{head}{body}{tail}</div>'


def _answers_html(details: AnswerDetails) -> str:
    if not details.results:
        return '<div class="xp-answers">no answer found</div>'
    rows = []
    for row in details.results:
        shown = html.escape(row["answer"]) if row["answer"] else "<i>(no answer)</i>"
        rows.append(
            f"<li><b>{shown}</b> <span class='xp-secondary'>score {row['score']:.4f} \u00b7 "
            f"characters {row['start']}\u2013{row['end']}</span></li>"
        )
    return f'<ol class="xp-answers">{"".join(rows)}</ol>'


def _blank_details() -> AnswerDetails:
    window = QAWindow(0, [], [], [], [], [], [], [], [], [], [], 0.0, (0, 0))
    return AnswerDetails("", "", [], [window], None, True)


class QAPanel(LivePanel):
    """Ask a question about a context; see the answer marked in it and the start/end logits.

    Parameters
    ----------
    model : question-answering model or pipeline
        A ``...ForQuestionAnswering`` module (or a transformers 4 QA pipeline).
    tokenizer : fast tokenizer
        The model's tokenizer (a pipeline brings its own).
    question, context : str
        Initial inputs (run at once).
    top_k : int
        Initial number of answers listed (the ``top_k`` control).
    max_windows : int
        Longest context the live panel runs, in model windows; longer ones get a message.
    **answer_kwargs
        Passed to :func:`explorer.answer_details` (``doc_stride``, ``max_answer_len``,
        ``handle_impossible_answer``...).

    Attributes
    ----------
    question_box, context_box : ipywidgets.Text, ipywidgets.Textarea
        The inputs (``continuous_update``).
    top_k : ipywidgets.IntSlider
        How many answers to list.
    window : ipywidgets.Dropdown
        Which window of a long context the logits plot shows (hidden for one window); it
        starts at the answer's window.
    window_note : ipywidgets.Label
        Whether the picked window holds the answer (hidden for one window).
    answer_view, answers_view : ipywidgets.HTML
        The context with the best answer in a ``<mark>``, and the top-k list (escaped text).
    figure : explorer.widgets.plot.PlotWidget
        Start and end logits over the window's tokens (see :func:`explorer.figures.span_logits`):
        question and special tokens marked apart, the answer's tokens shaded and named in the
        legend, the view around the answer with a range slider over all the tokens.
    details : AnswerDetails or None
        What is shown (None when nothing is).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        question: str = DEFAULT_QUESTION,
        context: str = DEFAULT_CONTEXT,
        top_k: int = 3,
        max_windows: int = 32,
        **answer_kwargs: Any,
    ) -> None:
        model, tokenizer = unwrap(model, tokenizer)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"QAPanel needs a ...ForQuestionAnswering model, got {type(model).__name__}"
            )
        check_runnable(model, tokenizer, fast=True)
        for name, value in (("question", question), ("context", context)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= 20:
            raise ValueError(f"top_k must be an int from 1 to 20, got {top_k!r}")
        super().__init__()
        self.model, self.tokenizer = model, tokenizer
        self.max_windows = int(max_windows)
        self.answer_kwargs = dict(answer_kwargs)
        self.details: AnswerDetails | None = None
        self._picking = False
        full = ipywidgets.Layout(width="100%")
        self.question_box = ipywidgets.Text(
            value=question,
            placeholder="Ask a question",
            description="Question",
            continuous_update=True,
            layout=full,
        )
        self.question_box.add_class("xp-question")
        self.context_box = ipywidgets.Textarea(
            value=context,
            placeholder="Paste the text holding the answer",
            description="Context",
            continuous_update=True,
            rows=4,
            layout=ipywidgets.Layout(width="100%"),
        )
        self.context_box.add_class("xp-context-box")
        self.top_k = ipywidgets.IntSlider(
            value=top_k, min=1, max=max(10, top_k), description="top k"
        )
        self.window = ipywidgets.Dropdown(
            options=[("window 1", 0)], value=0, description="Window",
            layout=ipywidgets.Layout(display="none", width="auto"),
        )  # fmt: skip
        self.window_note = ipywidgets.Label("", layout=ipywidgets.Layout(display="none"))
        self.window_note.add_class("xp-window-note")
        self.answer_view = ipywidgets.HTML("", layout=ipywidgets.Layout(width="100%"))
        self.answer_view.add_class("xp-answer-view")
        self.answers_view = ipywidgets.HTML("")
        self.figure = PlotWidget(span_logits(_blank_details(), title="no result yet"))
        self.set_warning(untrained_note(model))
        self.children = (
            self.warning,
            self.question_box,
            self.context_box,
            ipywidgets.HBox([self.top_k, self.window, self.window_note]),
            self.status,
            self.answer_view,
            self.answers_view,
            self.figure,
            self.shape_line,
            self.chrome,
        )
        self.add_class("xp-qa")
        for box in (self.question_box, self.context_box, self.top_k):
            box.observe(self._changed, "value")
        self.window.observe(self._window_picked, "value")
        self._start()

    def _inputs(self) -> tuple[str, str, int]:
        return self.question_box.value, self.context_box.value, self.top_k.value

    def _hint(self, inputs: tuple[str, str, int]) -> str | None:
        question, context, _ = inputs
        if not question.strip():
            return "Type a question."
        if not context.strip():
            return "Paste a context: the answer is searched in it."
        return None

    def count_windows(self, question: str, context: str) -> int:
        """How many windows (model runs) ``context`` needs with this question, from token counts."""
        return count_windows(self.model, self.tokenizer, question, context, **self.answer_kwargs)

    def _compute(self, inputs: tuple[str, str, int], stale) -> tuple[AnswerDetails, Any]:
        """One forward pass per window; the first window's pass is traced (no extra pass)."""
        question, context, top_k = inputs
        try:
            done = answer_run(
                self.model, self.tokenizer, question, context, traced=True, should_stop=stale,
                on_forward=self._forward_done, max_windows=self.max_windows,
                **{**self.answer_kwargs, "top_k": top_k},
            )  # fmt: skip
        except TooManyWindows as exc:
            raise PanelHint(
                f"The context needs {exc.windows} windows of the model; the live panel stops at "
                f"{exc.limit}. Shorten it, or call explorer.answer(model, tokenizer, question, "
                "context) directly."
            ) from None
        return done.details, done.trace

    def best_window(self, details: AnswerDetails) -> int:
        """The window the top answer is reported from (see :func:`explorer.figures.answer_window`)."""
        return answer_window(details)

    def _show(self, details: AnswerDetails) -> None:
        self.details = details
        index = self.best_window(details)
        n = len(details.windows)
        options = [
            (f"window {w.index + 1}/{n}: characters {w.context_span[0]}\u2013"
             f"{w.context_span[1]}" + (" \u00b7 the answer" if w.index == index else ""), w.index)
            for w in details.windows
        ]  # fmt: skip
        self._picking = True
        try:
            self.window.options = options
            self.window.value = index
        finally:
            self._picking = False
        self.window.layout.display = None if n > 1 else "none"
        self._show_window(index)
        top = details.results[0] if details.results else None
        if top is not None and top["end"] > top["start"]:
            self.answer_view.value = marked_context(details.context, top["start"], top["end"])
        else:
            self.answer_view.value = marked_context(details.context, None, None)
        self.answers_view.value = _answers_html(details)
        found = "no answer"
        if top is not None:
            text = top["answer"] if len(top["answer"]) <= 40 else top["answer"][:39] + "\u2026"
            found = f"answer {text!r} (score {top['score']:.3f})" if text else "no answer"
        windows = f"from window {index + 1} of {n}" if n > 1 else "1 window"
        self._set_status(f"{found} \u00b7 {windows} \u00b7 {details.elapsed * 1000:.0f} ms")

    def _window_picked(self, change: dict) -> None:
        if self._picking or self.details is None:
            return
        try:
            self._show_window(change["new"])
        except Exception as exc:  # keep the panel alive whatever happens
            self._show_error(exc)

    def _show_window(self, index: int) -> None:
        """Plot window ``index`` and say next to the selector whether the answer is in it."""
        update_span_logits(self.figure, self.details, index)
        note = window_note(self.details, index) if len(self.details.windows) > 1 else ""
        self.window_note.value = note
        self.window_note.layout.display = None if note else "none"

    def _clear(self, message: str) -> None:
        self.details = None
        self.answer_view.value = ""
        self.answers_view.value = ""
        self.window.layout.display = "none"
        self.window_note.value = ""
        self.window_note.layout.display = "none"
        update_span_logits(self.figure, _blank_details(), 0, title="no result")
        super()._clear(message)

    def _owned(self):
        return (
            *super()._owned(), self.question_box, self.context_box, self.top_k, self.window,
            self.window_note, self.answer_view, self.answers_view, self.figure,
        )  # fmt: skip
