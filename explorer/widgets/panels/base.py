"""Live-panel plumbing: debounced runs where the newest input wins, status text, shape capture."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets
import torch

from ...tree_pages import format_shapes

__all__ = ["LivePanel", "record_output_shapes", "text_html"]
_OK, _BAD, _INFO = "#1a7f37", "#b42318", "#57606a"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running in this thread (ipykernel's, inside a comm handler), else None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _shapes_of(value: Any, depth: int = 0) -> list[list[int]]:
    """Shapes of the tensors in a module output: a tensor, a tuple/list or a ModelOutput."""
    if isinstance(value, torch.Tensor):
        return [list(value.shape)]
    if depth > 1:
        return []
    items = value.values() if isinstance(value, Mapping) else value
    if isinstance(value, (Mapping, tuple, list)):
        return [s for item in items for s in _shapes_of(item, depth + 1)]
    return []


@contextlib.contextmanager
def record_output_shapes(model: Any):
    """Record ``{module path: [output shape, ...]}`` of every submodule during the block.

    Forward hooks are registered on entry and removed on exit, also when the block raises.
    Only the first call of each module is kept (a QA context split into windows runs the
    model once per window). Yields ``(shapes, calls)``: ``calls["root"]`` counts root forwards.

    Parameters
    ----------
    model : torch.nn.Module or anything else
        Anything that is not a module records nothing.
    """
    shapes: dict = {}
    calls = {"root": 0}
    handles = []
    if isinstance(model, torch.nn.Module):

        def make(path: str):
            def hook(_module, _inputs, output):
                if path == "":
                    calls["root"] += 1
                if path not in shapes:
                    shapes[path] = _shapes_of(output)

            return hook

        try:
            for path, module in model.named_modules():
                handles.append(module.register_forward_hook(make(path)))
        except BaseException:
            for handle in handles:
                handle.remove()
            raise
    try:
        yield shapes, calls
    finally:
        for handle in handles:
            handle.remove()


def text_html(text: str, color: str = _INFO, *, bold: bool = False) -> str:
    """Escaped ``text`` in a styled div: the only way user or model text reaches an HTML widget."""
    weight = "font-weight:600;" if bold else ""
    return (
        f'<div style="color:{color};{weight}white-space:pre-wrap;overflow-wrap:anywhere">'
        f"{html.escape(text, quote=True)}</div>"
    )


class LivePanel(ipywidgets.VBox):
    """Base of the task panels: runs the head on the newest input, debounced.

    An input change only records a sequence number and (re)arms a timer on the running asyncio
    loop (ipykernel's); when the timer fires the head runs once, on the latest inputs. With no
    running loop (plain Python) the run happens at once. Errors go to the status line.

    Parameters
    ----------
    delay : float
        Seconds of quiet after the last change before running (debounce).
    max_wait : float or None
        Run at the latest this many seconds after the first unhandled change, even while the
        user keeps typing (results follow long typing); None waits for quiet.

    Attributes
    ----------
    runs : int
        Head calls so far (each runs the model once, or once per window for QA).
    forward_passes : int
        Root ``forward`` calls of the model seen so far (0 for plain callables).
    output_shapes : dict
        ``{module path: [shape, ...]}`` from the last successful run.
    status : ipywidgets.Label
        One line of text: the result summary, a hint, or the error message.
    error : str or None
        The last run's error message, None after a success.
    """

    def __init__(self, *, delay: float = 0.2, max_wait: float | None = 1.0, **kwargs: Any):
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise ValueError(f"delay must be a number of seconds >= 0, got {delay!r}")
        if max_wait is not None and (isinstance(max_wait, bool) or not max_wait >= 0):
            raise ValueError(f"max_wait must be None or a number >= 0, got {max_wait!r}")
        self.delay = float(delay)
        self.max_wait = None if max_wait is None else float(max_wait)
        self.runs = 0
        self.forward_passes = 0
        self.output_shapes: dict[str, list[list[int]]] = {}
        self.error: str | None = None
        self._seq = 0
        self._done = -1
        self._timer: asyncio.TimerHandle | None = None
        self._first_pending: float | None = None
        self._closed = False
        self._shape_listeners: list = []
        self._selected = ""
        self.status = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.status.add_class("xp-status")
        self.warning = ipywidgets.HTML("", layout=ipywidgets.Layout(display="none"))
        self.warning.add_class("xp-warning")
        self.shape_line = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.shape_line.add_class("xp-shape")
        self.shape_line.style.text_color = _INFO
        super().__init__(**kwargs)

    # -- scheduling ------------------------------------------------------------------------------
    def _changed(self, _change: Any = None) -> None:
        """Observer of every input: remember that something changed and (re)arm the timer."""
        if self._closed:
            return
        self._seq += 1
        loop = _running_loop()
        if loop is None:
            self._cancel()
            self._run_pending()
            return
        now = loop.time()
        if self._first_pending is None:
            self._first_pending = now
        wait = self.delay
        if self.max_wait is not None:
            wait = min(wait, max(0.0, self._first_pending + self.max_wait - now))
        self._cancel()
        self._timer = loop.call_later(wait, self._fire)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        try:
            self._run_pending()
        except Exception as exc:  # a loop callback must never raise: show it instead
            self._show_error(exc)

    @property
    def pending(self) -> bool:
        """True while an input change waits for its run."""
        return self._seq != self._done

    def flush(self) -> bool:
        """Run the pending work now (cancelling the timer); return True if something ran."""
        self._cancel()
        return self._run_pending()

    def _run_pending(self) -> bool:
        self._first_pending = None
        ran = False
        for _ in range(3):  # a run that itself changed the inputs gets one more, for the newest
            seq = self._seq
            if seq == self._done:
                break
            self._run_once(seq)
            ran = True
        return ran

    def _run_once(self, seq: int) -> None:
        try:
            inputs = self._inputs()
            hint = self._hint(inputs)
            if hint is not None:
                self._done = seq
                self._clear(hint)
                return
            self.runs += 1
            with record_output_shapes(self._hooked_model()) as (shapes, calls):
                try:
                    result = self._compute(inputs)
                finally:
                    self.forward_passes += calls["root"]
        except Exception as exc:
            if seq == self._seq:
                self._done = seq
                self._show_error(exc)
            return
        if seq != self._seq:  # a newer input arrived meanwhile: never show a stale result
            return
        self._done = seq
        self.error = None
        self._show(result)
        self._set_shapes(dict(shapes))

    # -- to implement ----------------------------------------------------------------------------
    def _inputs(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _hint(self, inputs: Any) -> str | None:
        """A message instead of a run (e.g. empty text), or None to run."""
        return None

    def _hooked_model(self) -> Any:
        return None

    def _compute(self, inputs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _show(self, result: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _clear(self, message: str) -> None:
        """Show ``message`` and no result (subclasses also blank their figure)."""
        self._set_status(message, _INFO)
        self._set_shapes({})

    def _set_shapes(self, shapes: dict) -> None:
        self.output_shapes = shapes
        self._show_shape()
        for listener in list(self._shape_listeners):
            listener(shapes)

    # -- display ---------------------------------------------------------------------------------
    def _set_status(self, text: str, color: str = _OK) -> None:
        self.status.value = text
        self.status.style.text_color = color

    def _show_error(self, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}"
        self._clear(message)
        self.error = message
        self._set_status(message, _BAD)

    def set_warning(self, text: str | None) -> None:
        """Show ``text`` (escaped) in the warning box above the inputs; None hides it."""
        if not text:
            self.warning.value = ""
            self.warning.layout.display = "none"
            return
        self.warning.value = text_html("\u26a0 " + text, _BAD, bold=True)
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

    def close(self) -> None:
        """Cancel the pending run and close the panel and its children."""
        if "_seq" in self.__dict__:  # fully built (Widget.__del__ also closes half-built ones)
            self._closed = True
            self._cancel()
            for child in self._owned():
                child.close()
        super().close()

    def _owned(self) -> Sequence[ipywidgets.Widget]:
        return (self.status, self.warning, self.shape_line)

    def __repr__(self) -> str:
        model = getattr(self, "model", None)
        name = type(model).__name__ if model is not None else "?"
        return f"{type(self).__name__}({name}, runs={self.runs}, status={self.status.value!r})"
