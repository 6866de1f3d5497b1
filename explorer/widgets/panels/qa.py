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
_PARTS = 4  # spans listed of a merged answer's score (the rest counted)


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


def _answers_html(details: AnswerDetails, words) -> str:
    """The top-k list (escaped text); a merged answer names the spans its score adds up."""
    if not details.results:
        return f'<div class="xp-answers">{html.escape(words("no_answer_found"))}</div>'
    rows = []
    sources = details.sources or [[] for _ in details.results]
    for row, parts in zip(details.results, sources, strict=True):
        shown = html.escape(row["answer"]) if row["answer"] else f"<i>{words('none')}</i>"
        where = words("answer_row", score=row["score"], start=row["start"], end=row["end"])
        if len(parts) > 1:
            spans = " + ".join(
                words("part", score=p["score"], window=p["window"] + 1, start=p["start"],
                      end=p["end"]) for p in parts[:_PARTS]
            )  # fmt: skip
            more = len(parts) - _PARTS
            where += " = " + spans + (" + " + words("more", n=more) if more > 0 else "")
        rows.append(
            f"<li><b>{shown}</b> <span class='xp-secondary'>{html.escape(where)}</span></li>"
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

    WORDS = {
        "en": {
            "question": "Question",
            "question_placeholder": "Ask a question",
            "context": "Context",
            "context_placeholder": "Paste the text holding the answer",
            "top_k": "top k",
            "window": "Window",
            "ask": "Type a question.",
            "paste": "Paste a context: the answer is searched in it.",
            "too_long": "The context needs {windows} windows of the model; the live panel stops at "
            "{limit}. Shorten it, or call explorer.answer(model, tokenizer, question, context) "
            "directly.",
            "option": "window {i}/{n}: characters {a}\u2013{b}",
            "option_answer": " \u00b7 the answer",
            "no_answer": "no answer",
            "no_answer_found": "no answer found",
            "none": "(no answer)",
            "found": "answer {text!r} (score {score:.3f})",
            "summed": ", the sum of {k} spans with this text in window{s} {windows}",
            "from_window": "reported from window {i} of {n}",
            "one_window": "1 window",
            "answer_row": "score {score:.4f} \u00b7 characters {start}\u2013{end}",
            "part": "{score:.4f} (window {window}, characters {start}\u2013{end})",
            "more": "{n} more spans",
        },
        "ko": {
            "question": "질문",
            "question_placeholder": "질문을 입력하세요",
            "context": "본문",
            "context_placeholder": "답이 들어 있는 글을 붙여 넣으세요",
            "top_k": "답 개수",
            "window": "창",
            "ask": "질문을 입력하세요.",
            "paste": "본문을 붙여 넣으세요: 답은 그 안에서 찾습니다.",
            "too_long": "본문을 읽으려면 모델의 창이 {windows}개 필요합니다. 이 패널은 {limit}개까지만 "
            "실행합니다. 본문을 줄이거나 explorer.answer(model, tokenizer, question, context)를 "
            "직접 호출하세요.",
            "option": "창 {i}/{n}: 글자 {a}\u2013{b}",
            "option_answer": " \u00b7 답이 있는 창",
            "no_answer": "답 없음",
            "no_answer_found": "답을 찾지 못했습니다",
            "none": "(답 없음)",
            "found": "답 {text!r} (점수 {score:.3f})",
            "summed": ", 같은 글자의 구간 {k}개 점수의 합 (창 {windows})",
            "from_window": "{n}개 창 중 {i}번 창에서 보고",
            "one_window": "창 1개",
            "answer_row": "점수 {score:.4f} \u00b7 글자 {start}\u2013{end}",
            "part": "{score:.4f} (창 {window}, 글자 {start}\u2013{end})",
            "more": "구간 {n}개 더",
        },
    }

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
            placeholder=self.words("question_placeholder"),
            description=self.words("question"),
            continuous_update=True,
            layout=full,
        )
        self.question_box.add_class("xp-question")
        self.context_box = ipywidgets.Textarea(
            value=context,
            placeholder=self.words("context_placeholder"),
            description=self.words("context"),
            continuous_update=True,
            rows=4,
            layout=ipywidgets.Layout(width="100%"),
        )
        self.context_box.add_class("xp-context-box")
        self.top_k = ipywidgets.IntSlider(
            value=top_k, min=1, max=max(10, top_k), description=self.words("top_k")
        )
        self.window = ipywidgets.Dropdown(
            options=[("window 1", 0)], value=0, description=self.words("window"),
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
            return self.words("ask")
        if not context.strip():
            return self.words("paste")
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
            raise PanelHint(self.words("too_long", windows=exc.windows, limit=exc.limit)) from None
        return done.details, done.trace

    def best_window(self, details: AnswerDetails) -> int:
        """The window the top answer is reported from (see :func:`explorer.figures.answer_window`)."""
        return answer_window(details)

    def _show(self, details: AnswerDetails) -> None:
        self.details = details
        index = self.best_window(details)
        n = len(details.windows)
        options = [
            (self.words("option", i=w.index + 1, n=n, a=w.context_span[0], b=w.context_span[1])
             + (self.words("option_answer") if w.index == index else ""), w.index)
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
        self.answers_view.value = _answers_html(details, self.words)
        found = self.words("no_answer")
        if top is not None and top["answer"]:
            text = top["answer"] if len(top["answer"]) <= 40 else top["answer"][:39] + "\u2026"
            found = self.words("found", text=text, score=top["score"])
            parts = details.sources[0] if details.sources else []
            if len(parts) > 1:  # the pipeline adds the scores of equal texts: say so
                wins = sorted({p["window"] + 1 for p in parts})
                found += self.words("summed", k=len(parts), s="s" if len(wins) > 1 else "",
                                    windows=", ".join(map(str, wins)))  # fmt: skip
        windows = self.words("from_window", i=index + 1, n=n) if n > 1 else self.words("one_window")
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

    def _relabel(self) -> None:
        w = self.words
        self.question_box.placeholder, self.question_box.description = (
            w("question_placeholder"), w("question"))  # fmt: skip
        self.context_box.placeholder, self.context_box.description = (
            w("context_placeholder"), w("context"))  # fmt: skip
        self.top_k.description, self.window.description = w("top_k"), w("window")

    def _owned(self):
        return (
            *super()._owned(), self.question_box, self.context_box, self.top_k, self.window,
            self.window_note, self.answer_view, self.answers_view, self.figure,
        )  # fmt: skip
