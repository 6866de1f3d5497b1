"""A light Plotly widget: figures share one copy of plotly.js per kernel instead of one each.

``plotly.graph_objects.FigureWidget`` ships plotly's whole ~5 MB bundle inside every instance's
state, so an Explorer with a treemap and two task plots would send ~15 MB to the browser. Here
one hidden :class:`PlotlyLib` widget carries the package's own plotly.js build (~1.3 MB, the
traces in :data:`explorer.plotlyjs.TRACES`) once per kernel, as a binary buffer; each
:class:`PlotWidget` sends only its figure's JSON and draws with ``Plotly.react``, in place, when
it changes.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from ipywidgets import widget_serialization

from ..figures.style import plotly_template_text
from ..plotlyjs import TRACES, plotly_js

__all__ = ["PlotWidget", "PlotlyLib", "plotly_lib", "check_traces"]

STATIC = Path(__file__).parents[1] / "static"  # built from js/ (tools/build_js.py)


class PlotlyLib(anywidget.AnyWidget):
    """Hidden widget that defines plotly.js in the page (as ``globalThis.__xpPlotly``).

    ``source`` is the plotly.js text as UTF-8 bytes (sent as a binary buffer, not JSON).
    A page already holding another ``Plotly`` (plotly's own renderer) keeps it.
    """

    _esm = STATIC / "plotly_loader.js"
    source = traitlets.Bytes(b"").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source=plotly_js().encode("utf-8"), **kwargs)


_LIB: PlotlyLib | None = None


def plotly_lib() -> PlotlyLib:
    """The kernel's one :class:`PlotlyLib` (made again if it was closed).

    The first call opens its comm, and the browser starts evaluating plotly.js at once:
    call it early (before building figures) to overlap that with the kernel's own work.
    """
    global _LIB
    if _LIB is None or getattr(_LIB, "comm", None) is None:
        _LIB = PlotlyLib()
    return _LIB


def check_traces(types: Iterable[Any]) -> None:
    """Raise ``ValueError`` naming any trace type the bundled plotly.js does not draw.

    Plotly.js draws an unknown trace type as an empty scatter, without an error: refuse it.
    """
    bad = sorted({str(t) for t in types} - set(TRACES))
    if bad:
        raise ValueError(
            f"trace type(s) {', '.join(map(repr, bad))} are not in explorer's plotly.js bundle"
            f" (it draws {', '.join(TRACES)}); add them to explorer.plotlyjs.TRACES and run"
            " tools/build_plotly.sh"
        )


def _default_template() -> Any:
    """The template ``go.Figure`` would give a figure without one (plotly.io's default)."""
    pio = sys.modules.get("plotly.io")
    if pio is not None and pio.templates.default != "plotly":  # the user chose another
        import plotly.graph_objects as go

        return go.Figure().layout.template.to_plotly_json()
    return json.loads(plotly_template_text())


class PlotWidget(anywidget.AnyWidget):
    """A Plotly figure in a widget, updated in place.

    Parameters
    ----------
    figure
        A ``plotly.graph_objects.Figure`` (or anything ``go.Figure`` accepts). It is copied.
        Its traces must be of a type in :data:`explorer.plotlyjs.TRACES` (else ``ValueError``).
    config
        Plotly config options (``displaylogo`` is off, ``responsive`` on by default).

    Notes
    -----
    Change the figure through :meth:`batch_update` (``with w.batch_update(): w.data[0].y = ...``)
    or :meth:`update_layout` / :meth:`update_traces`; each sends the figure once. For a small
    change to one trace (a treemap's ``level``) :meth:`restyle` sends only that change.
    :meth:`from_spec` makes one from plain JSON data without plotly.py's validation (fast).
    Synced traits: ``spec`` (the figure as JSON), ``patch`` (per-trace overrides), ``config``,
    ``highlight`` (the id of a sector of the first trace to outline: the selected module),
    ``treemap_zoom`` (``True``: a click on a treemap sector zooms there, Plotly's own animation;
    ``False``: the click is only reported, and Python zooms with :meth:`restyle` of ``level``).

    The browser draws the figure in the front-end's theme: transparent backgrounds, and text,
    axes and grid in the page's own text colour (light and dark themes, VS Code, plain pages),
    unless the figure sets them itself.
    """

    _esm = STATIC / "plot.js"
    _css = STATIC / "plot.css"

    lib = traitlets.Instance(PlotlyLib).tag(sync=True, **widget_serialization)
    spec = traitlets.Unicode("{}").tag(sync=True)
    patch = traitlets.Dict({}).tag(sync=True)
    config = traitlets.Dict({}).tag(sync=True)
    highlight = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    treemap_zoom = traitlets.Bool(True).tag(sync=True)

    def __init__(
        self, figure: Any = None, config: dict | None = None, *, _plain: bool = False, **kwargs: Any
    ) -> None:
        lib = plotly_lib()  # first: the browser starts loading plotly.js while we go on
        if _plain:
            self._figure = None  # made from spec + patch on first use (see .figure)
            text = _plain_json(figure)
        else:
            import plotly.graph_objects as go

            self._figure = go.Figure(figure)
            check_traces(t.type for t in self._figure.data)
            text = self._figure.to_json()
        self._clicks: list[Callable[[list[dict]], Any]] = []
        cfg = {"displaylogo": False, "responsive": True, **(config or {})}
        super().__init__(lib=lib, spec=text, config=cfg, **kwargs)
        self.on_msg(self._on_msg)

    @classmethod
    def from_spec(cls, spec: dict, config: dict | None = None, **kwargs: Any) -> PlotWidget:
        """A widget for a figure given as plain data, sent as is: no plotly.py import or check.

        Parameters
        ----------
        spec
            ``{"data": [trace dicts, each with its "type"], "layout": {...}}`` as Plotly.js
            takes it: JSON types only (no NaN, no numpy). Without ``layout.template`` it gets
            plotly.io's default template, as ``go.Figure`` would give it.
        config
            As for :class:`PlotWidget`.

        Notes
        -----
        ``go.Figure`` validation and plotly.py's import cost a few hundred milliseconds on a
        kernel's first figure; here they happen only if ``figure``/``data``/``layout`` is read.
        """
        return cls(spec, config, _plain=True, **kwargs)

    # -- the figure ------------------------------------------------------------------------------
    @property
    def figure(self):
        """The ``go.Figure`` this widget draws (change it inside :meth:`batch_update`)."""
        if self._figure is None:
            import plotly.graph_objects as go

            self._figure = go.Figure(self.to_dict())
        return self._figure

    def to_dict(self) -> dict:
        """The figure as plain data, ``{"data": [...], "layout": {...}}`` (as ``go.Figure.to_dict``).

        A figure from :meth:`from_spec` that was never read as a ``go.Figure`` gives its JSON
        with the :meth:`restyle` changes applied, without importing plotly.py.
        """
        if self._figure is not None:
            return self._figure.to_dict()
        spec = json.loads(self.spec)
        for index, props in self.patch.items():
            spec["data"][int(index)].update(props)
        return spec

    @property
    def data(self):
        return self.figure.data

    @property
    def layout(self):
        return self.figure.layout

    def refresh(self) -> None:
        """Send the figure as it is now (after changing ``figure`` directly)."""
        check_traces(t.type for t in self.figure.data)
        self.patch = {}
        self.spec = self.figure.to_json()

    @contextlib.contextmanager
    def batch_update(self) -> Iterator[PlotWidget]:
        """Change the figure inside the block; the browser redraws once, at the end."""
        with self.figure.batch_update():
            yield self
        self.refresh()

    def update_layout(self, *args: Any, **kwargs: Any) -> PlotWidget:
        self.figure.update_layout(*args, **kwargs)
        self.refresh()
        return self

    def update_traces(self, *args: Any, **kwargs: Any) -> PlotWidget:
        self.figure.update_traces(*args, **kwargs)
        self.refresh()
        return self

    def restyle(self, index: int = 0, **props: Any) -> None:
        """Set properties of trace ``index`` and send only them (e.g. ``level="model.layers"``).

        Meant for small values; ``marker_color=...`` style names send the whole ``marker``.
        """
        merged = {k: dict(v) for k, v in self.patch.items()}
        if self._figure is None and not any("_" in k for k in props):
            # A figure from plain data stays plain: top-level values go straight to the patch.
            if not 0 <= index < len(json.loads(self.spec).get("data", [])):
                raise IndexError(f"no trace {index} in this figure")
            merged.setdefault(str(index), {}).update(json.loads(_json_text(props)))
            self.patch = merged
            return
        trace = self.figure.data[index]
        trace.update(**props)
        full = trace.to_plotly_json()
        tops = {k if k in full else k.split("_")[0] for k in props}
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


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"a plain figure holds only JSON values (no NaN, no numpy): {exc}"
        ) from exc


def _plain_json(spec: Any) -> str:
    """JSON text of a plain figure dict (checked: shape, trace types, JSON-only values)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("data", []), list):
        raise TypeError("a plain figure is a dict with a 'data' list and a 'layout' dict")
    layout = spec.get("layout", {})
    if not isinstance(layout, dict):
        raise TypeError("a plain figure's 'layout' must be a dict")
    traces = spec.get("data", [])
    if not all(isinstance(t, dict) and "type" in t for t in traces):
        raise TypeError("each trace of a plain figure must be a dict with its 'type'")
    check_traces(t["type"] for t in traces)
    if "template" not in layout:
        layout = {**layout, "template": _default_template()}
    return _json_text({**spec, "data": traces, "layout": layout})
