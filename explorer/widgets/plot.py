"""A light Plotly widget: figures share one copy of plotly.js per kernel instead of one each.

``plotly.graph_objects.FigureWidget`` ships plotly's whole ~5 MB bundle inside every instance's
state, so an Explorer with a treemap and two task plots would send ~15 MB to the browser. Here
one hidden :class:`PlotlyLib` widget carries plotly.js once per kernel; each :class:`PlotWidget`
sends only its figure's JSON and draws with ``Plotly.react``, in place, when it changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from ipywidgets import widget_serialization

from ..plotlyjs import plotly_js

__all__ = ["PlotWidget", "PlotlyLib", "plotly_lib"]

STATIC = Path(__file__).parent / "static"


_LOADER = """
export default {
  initialize({ model }) {
    // Evaluate plotly.js once per page, without making anywidget wait for it (anywidget gives a
    // model's initialize 2 s, which parsing ~5 MB can exceed on a busy machine).
    if (!globalThis.__xpPlotlyLoading) {
      const url = URL.createObjectURL(new Blob([model.get("source")], { type: "text/javascript" }));
      globalThis.__xpPlotlyLoading = import(url).finally(() => URL.revokeObjectURL(url));
    }
  },
};
"""


class PlotlyLib(anywidget.AnyWidget):
    """Hidden widget that defines plotly.js in the page (as ``globalThis.__xpPlotly``)."""

    _esm = _LOADER
    source = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        # The UMD bundle sets window.Plotly; keep a private handle and put back any other copy.
        source = (
            "const __prev = globalThis.Plotly;\n"
            + plotly_js()
            + "\n;globalThis.__xpPlotly = globalThis.Plotly;\n"
            + "if (__prev) globalThis.Plotly = __prev;\n"
        )
        super().__init__(source=source, **kwargs)


_LIB: PlotlyLib | None = None


def plotly_lib() -> PlotlyLib:
    """The kernel's one :class:`PlotlyLib` (made again if it was closed)."""
    global _LIB
    if _LIB is None or getattr(_LIB, "comm", None) is None:
        _LIB = PlotlyLib()
    return _LIB


class PlotWidget(anywidget.AnyWidget):
    """A Plotly figure in a widget, updated in place.

    Parameters
    ----------
    figure
        A ``plotly.graph_objects.Figure`` (or anything ``go.Figure`` accepts). It is copied.
    config
        Plotly config options (``displaylogo`` is off, ``responsive`` on by default).

    Notes
    -----
    Change the figure through :meth:`batch_update` (``with w.batch_update(): w.data[0].y = ...``)
    or :meth:`update_layout` / :meth:`update_traces`; each sends the figure once. For a small
    change to one trace (a treemap's ``level``) :meth:`restyle` sends only that change.
    Synced traits: ``spec`` (the figure as JSON), ``patch`` (per-trace overrides), ``config``.
    """

    _esm = STATIC / "plot.js"
    _css = STATIC / "plot.css"

    lib = traitlets.Instance(PlotlyLib).tag(sync=True, **widget_serialization)
    spec = traitlets.Unicode("{}").tag(sync=True)
    patch = traitlets.Dict({}).tag(sync=True)
    config = traitlets.Dict({}).tag(sync=True)

    def __init__(self, figure: Any = None, config: dict | None = None, **kwargs: Any) -> None:
        import plotly.graph_objects as go

        self._figure = go.Figure(figure)
        self._clicks: list[Callable[[list[dict]], Any]] = []
        cfg = {"displaylogo": False, "responsive": True, **(config or {})}
        super().__init__(lib=plotly_lib(), spec=self._figure.to_json(), config=cfg, **kwargs)
        self.on_msg(self._on_msg)

    # -- the figure ------------------------------------------------------------------------------
    @property
    def figure(self):
        """The ``go.Figure`` this widget draws (change it inside :meth:`batch_update`)."""
        return self._figure

    @property
    def data(self):
        return self._figure.data

    @property
    def layout(self):
        return self._figure.layout

    def refresh(self) -> None:
        """Send the figure as it is now (after changing ``figure`` directly)."""
        self.patch = {}
        self.spec = self._figure.to_json()

    @contextlib.contextmanager
    def batch_update(self) -> Iterator[PlotWidget]:
        """Change the figure inside the block; the browser redraws once, at the end."""
        with self._figure.batch_update():
            yield self
        self.refresh()

    def update_layout(self, *args: Any, **kwargs: Any) -> PlotWidget:
        self._figure.update_layout(*args, **kwargs)
        self.refresh()
        return self

    def update_traces(self, *args: Any, **kwargs: Any) -> PlotWidget:
        self._figure.update_traces(*args, **kwargs)
        self.refresh()
        return self

    def restyle(self, index: int = 0, **props: Any) -> None:
        """Set properties of trace ``index`` and send only them (e.g. ``level="model.layers"``).

        Meant for small values; ``marker_color=...`` style names send the whole ``marker``.
        """
        trace = self._figure.data[index]
        trace.update(**props)
        full = trace.to_plotly_json()
        tops = {k if k in full else k.split("_")[0] for k in props}
        merged = {k: dict(v) for k, v in self.patch.items()}
        merged.setdefault(str(index), {}).update({k: full.get(k) for k in tops})
        self.patch = merged

    # -- clicks ---------------------------------------------------------------------------------
    def on_click(self, callback: Callable[[list[dict]], Any], remove: bool = False) -> None:
        """Call ``callback(points)`` on a click in the browser.

        Each point is a dict with ``curveNumber``, ``pointNumber`` and, where the trace has
        them, ``id``, ``label``, ``x``, ``y``.
        """
        if remove:
            self._clicks = [c for c in self._clicks if c != callback]
        elif not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        else:
            self._clicks.append(callback)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "click":
            return
        points = [p for p in content.get("points") or [] if isinstance(p, dict)]
        for callback in list(self._clicks):
            callback(points)
