"""Live-panel plumbing: the newest input wins (run at once, coalesced while busy), status, shapes."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any, ClassVar

import ipywidgets
import traitlets

from ...export import export_part
from ...latest import LatestRunner
from ...tree.pages import format_shapes
from .chrome import PanelChrome

__all__ = ["LivePanel", "PanelHint", "text_html"]
BUSY_AFTER = 0.25  # seconds a run may take before the panel says it is running


def kernel_loop() -> Any:
    """The running Jupyter kernel's IO loop (thread-safe ``add_callback``), or None outside one.

    Panels run their work in a thread when there is a kernel, so it keeps answering keystrokes
    and clicks while a long input runs; results come back to the kernel's thread through it.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    loop = getattr(kernel, "io_loop", None)
    return loop if callable(getattr(loop, "add_callback", None)) else None


def text_html(text: str, cls: str = "xp-secondary") -> str:
    """Escaped ``text`` in a div of class ``cls``: the only way user or model text reaches HTML."""
    return (
        f'<div class="{cls}" style="white-space:pre-wrap;overflow-wrap:anywhere">'
        f"{html.escape(text, quote=True)}</div>"
    )


# Texts every live panel shows; a panel's own WORDS may override them.
_BASE_WORDS = {
    "en": {
        "copy_json": "Copy as JSON",
        "copied": "copied the last result as JSON",
        "copy_failed": "could not copy: select the text below",
        "nothing_to_copy": "nothing to copy yet: no result is shown",
    },
    "ko": {
        "copy_json": "JSON으로 복사",
        "copied": "마지막 결과를 JSON으로 복사했습니다",
        "copy_failed": "복사하지 못했습니다: 아래 글을 선택해 복사하세요",
        "nothing_to_copy": "복사할 결과가 아직 없습니다",
    },
}


def _plain(value: Any) -> Any:
    """JSON for what ``json`` does not know: numpy scalars and arrays, tuples of them."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    return str(value)


class PanelHint(Exception):
    """Raised by a panel's computation when there is nothing to run: its message is a hint
    (shown as information, not as an error), e.g. a context longer than the panel runs."""


class LivePanel(ipywidgets.VBox):
    """Base of the task panels: runs the head on the newest input, at typing speed.

    Every input change is submitted to a :class:`~explorer.latest.LatestRunner`: it runs at
    once when idle; while a run is in flight, whatever is typed meanwhile becomes one next run
    on the newest text, and the running one stops early where it can. In a Jupyter kernel the
    runs happen in a worker thread (the kernel keeps handling keystrokes and clicks) and results
    come back through the kernel's IO loop; in plain Python they happen at once. A result is
    shown only if its input is still the current one. Errors go to the status line.

    Attributes
    ----------
    runs : int
        Runs started so far (each runs the model once, or once per window for QA).
    forward_passes : int
        Forward passes of the model completed so far (0 for plain callables).
    output_shapes : dict
        ``{module path: [shape, ...]}`` from the last successful run.
    trace : explorer.trace.Trace or None
        What every module computed in the last successful run (None for a plain callable).
    status : ipywidgets.Label
        One line of text: the result summary, a hint, or the error message.
    error : str or None
        The last run's error message, None after a success.
    run_warnings : list of str
        The last run's warnings (NaN or inf and the module they first came from), shown in
        the warning box beside the result.
    lang : {"en", "ko"}
        Language of the panel's own texts (labels, hints, status); the Explorer links it to
        the Explain tab's switch. Changing it relabels the panel and redraws what it shows.

    Notes
    -----
    A subclass writes its texts once per language in ``WORDS`` (``{"en": {...}, "ko":
    {...}}``, the same keys in both), reads them with :meth:`words`, and sets its widgets'
    labels in :meth:`_relabel`.
    """

    WORDS: ClassVar[dict[str, dict[str, str]]] = {"en": {}, "ko": {}}
    lang = traitlets.Unicode("en")

    def __init__(self, **kwargs: Any):
        self.runs = 0
        self.forward_passes = 0
        self.output_shapes: dict[str, list[list[int]]] = {}
        self.error: str | None = None
        self._closed = False
        self._shape_listeners: list = []
        self._trace_listeners: list = []
        self.trace: Any = None
        self.run_warnings: list[str] = []
        self._panel_warning: str | None = None
        self._selected = ""
        self._busy_timer: Any = None
        self._loop = kernel_loop()
        post = self._loop.add_callback if self._loop is not None else None
        self._runner = LatestRunner(self._run, self._deliver, self._deliver_error, post=post)
        self.status = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.status.add_class("xp-status")
        self.warning = ipywidgets.HTML("", layout=ipywidgets.Layout(display="none"))
        self.warning.add_class("xp-warning")
        self.shape_line = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.shape_line.add_class("xp-shape")
        self.chrome = PanelChrome()
        super().__init__(**kwargs)
        self.chrome.offer_copy(self._result_json, self.words("copy_json"))
        self.add_class("xp-panel")
        self.observe(self._relang, "lang")

    # -- language ---------------------------------------------------------------------------------
    def words(self, key: str, **values: Any) -> str:
        """This panel's text ``key`` in its language, filled with ``values`` (str.format)."""
        own = self.WORDS.get(self.lang, self.WORDS["en"])
        text = own.get(key) or _BASE_WORDS[self.lang if self.lang in _BASE_WORDS else "en"].get(key)
        if text is None:
            text = self.WORDS["en"].get(key) or _BASE_WORDS["en"][key]
        return text.format(**values) if values else text

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: dict) -> str:
        if proposal["value"] not in self.WORDS:
            raise traitlets.TraitError(
                f"lang must be one of {', '.join(map(repr, self.WORDS))}, got {proposal['value']!r}"
            )
        return proposal["value"]

    def _relang(self, _change: Any = None) -> None:
        """Relabel the inputs and redraw what is shown in the new language (nothing runs)."""
        self.chrome.copy_label = self.words("copy_json")
        self._relabel()
        details = getattr(self, "details", None)
        if details is not None:
            self._show(details)
        elif self.error is None:
            hint = self._hint(self._inputs())
            if hint is not None:
                self._set_status(hint, "info")

    def _relabel(self) -> None:
        """Set the widgets' labels and placeholders from :meth:`words` (subclasses)."""

    # -- scheduling ------------------------------------------------------------------------------

    @property
    def pending(self) -> bool:
        """True while the newest input's result is not shown yet."""
        return self._runner.pending

    def _changed(self, _change: Any = None) -> None:
        """Observer of every input: run on the newest inputs (see the class docstring)."""
        if self._closed:
            return
        inputs = self._inputs()
        hint = self._hint(inputs)
        if hint is not None:  # nothing to run; a run in flight is now stale
            self._runner.cancel()
            self._not_busy()
            self._clear(hint)
            return
        self._runner.submit(inputs)
        if self._loop is not None and self._busy_timer is None:
            self._busy_timer = self._loop.call_later(BUSY_AFTER, self._show_busy)

    def flush(self, timeout: float | None = 120.0) -> bool:
        """Wait for the newest input's result and show it now; False if it did not come."""
        return self._runner.wait(timeout)

    def _run(self, inputs: Any, stale) -> Any:
        """One run, on the worker thread in a kernel: the head and, for a model, its trace
        of the same forward pass (what every module computed: the views of the inside read it)."""
        self.runs += 1
        result, traced = self._compute(inputs, stale)
        return result, traced, traced.shapes if traced is not None else {}

    def _forward_done(self) -> None:
        """The run seam's ``on_forward``: one more forward pass of the model completed."""
        self.forward_passes += 1

    def _deliver(self, inputs: Any, outcome: Any) -> None:
        self._not_busy()
        result, traced, shapes = outcome
        self.error = None
        self._show(result)
        self._set_trace(traced)
        self._set_shapes(shapes)

    def _set_trace(self, traced: Any) -> None:
        self.trace = traced
        warnings = list(getattr(traced, "warnings", None) or [])
        if warnings != self.run_warnings:
            self.run_warnings = warnings
            self._show_warnings()
        for listener in list(self._trace_listeners):
            listener(traced)

    def on_trace(self, callback) -> None:
        """Call ``callback(trace)`` with each new :class:`~explorer.trace.Trace` (None: none)."""
        self._trace_listeners.append(callback)

    def _deliver_error(self, inputs: Any, exc: BaseException) -> None:
        self._not_busy()
        if isinstance(exc, PanelHint):
            self._clear(str(exc))
        else:
            self._show_error(exc)

    def _start(self) -> None:
        """The first run, at once and on this thread: the first result is there when shown."""
        inputs = self._inputs()
        hint = self._hint(inputs)
        if hint is not None:
            self._clear(hint)
            return
        try:
            outcome = self._run(inputs, lambda: False)
        except Exception as exc:
            self._deliver_error(inputs, exc)
            return
        self._deliver(inputs, outcome)

    def _show_busy(self) -> None:
        self._busy_timer = None
        if self._runner.pending and not self._closed:
            self.add_class("xp-busy")

    def _not_busy(self) -> None:
        if self._busy_timer is not None:
            self._loop.remove_timeout(self._busy_timer)
            self._busy_timer = None
        if not self._runner.pending:
            self.remove_class("xp-busy")

    # -- to implement ----------------------------------------------------------------------------
    def _inputs(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _hint(self, inputs: Any) -> str | None:
        """A message instead of a run (e.g. empty text), or None to run."""
        return None

    def _compute(self, inputs: Any, stale) -> tuple[Any, Any]:  # pragma: no cover - abstract
        """``(result, trace or None)`` for ``inputs``, from the head's run (pass it
        ``should_stop=stale, on_forward=self._forward_done``); raise :class:`PanelHint` when
        there is nothing to run."""
        raise NotImplementedError

    def _show(self, result: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _clear(self, message: str) -> None:
        """Show ``message`` and no result (subclasses also blank their figure)."""
        self._set_status(message, "info")
        self._set_trace(None)
        self._set_shapes({})

    def _set_shapes(self, shapes: dict) -> None:
        self.output_shapes = shapes
        self._show_shape()
        for listener in list(self._shape_listeners):
            listener(shapes)

    # -- display ---------------------------------------------------------------------------------
    def _set_status(self, text: str, kind: str = "result") -> None:
        """Set the status line; ``kind`` is "result" (plain text), "info" or "bad" (error)."""
        self.status.value = text
        for name in ("info", "bad"):
            if name == kind:
                self.status.add_class(f"xp-{name}")
            else:
                self.status.remove_class(f"xp-{name}")

    def _show_error(self, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}"
        self._clear(message)
        self.error = message
        self._set_status(message, "bad")

    def set_warning(self, text: str | None) -> None:
        """Show ``text`` (escaped) in the warning box above the inputs; None hides it. The last
        run's own warnings (:attr:`explorer.trace.Trace.warnings`) show below it."""
        self._panel_warning = text or None
        self._show_warnings()

    def _show_warnings(self) -> None:
        texts = [t for t in (self._panel_warning, *self.run_warnings) if t]
        if not texts:
            self.warning.value = ""
            self.warning.layout.display = "none"
            return
        self.warning.value = "".join(text_html("\u26a0 " + t, "xp-warning-text") for t in texts)
        self.warning.layout.display = None

    def on_shapes(self, callback) -> None:
        """Call ``callback(output_shapes)`` whenever they change (``{}`` when nothing is shown)."""
        self._shape_listeners.append(callback)

    def show_shape(self, path: str, _node: Any = None) -> None:
        """Show the last run's output shape of the module at ``path`` (follows the selection)."""
        self._selected = path if isinstance(path, str) else ""
        self._show_shape()

    def _show_shape(self) -> None:
        if not self.output_shapes:
            self.shape_line.value = ""
            return
        path = self._selected
        where = path or "the model"
        if path in self.output_shapes:
            self.shape_line.value = f"Output of {where} for this input: " + format_shapes(
                self.output_shapes[path]
            )
        else:
            self.shape_line.value = f"{where} did not run for this input"

    def result_json(self) -> str:
        """The last result as JSON text (what "Copy as JSON" copies); ValueError when there is
        none yet. The input is included; every head's details give ``to_dict()``."""
        details = getattr(self, "details", None)
        if details is None:
            raise ValueError(self.words("nothing_to_copy"))
        data = details.to_dict() if callable(getattr(details, "to_dict", None)) else details
        return json.dumps(data, ensure_ascii=False, indent=1, default=_plain)

    def _result_json(self) -> tuple[str, str, str]:
        return self.result_json(), self.words("copied"), self.words("copy_failed")

    def export_part(self) -> dict[str, Any] | None:
        """This panel's part of the static view: its figure and its last result as text."""
        return export_part(getattr(self, "figure", None), getattr(self, "details", None))

    def close(self) -> None:
        """Stop the runs and close the panel and its children."""
        if "_runner" in self.__dict__:  # fully built (Widget.__del__ also closes half-built ones)
            self._closed = True
            self._runner.close()
            for child in self._owned():
                child.close()
        super().close()

    def _owned(self) -> Sequence[ipywidgets.Widget]:
        return (self.status, self.warning, self.shape_line, self.chrome)

    def __repr__(self) -> str:
        model = getattr(self, "model", None)
        name = type(model).__name__ if model is not None else "?"
        return f"{type(self).__name__}({name}, runs={self.runs}, status={self.status.value!r})"
