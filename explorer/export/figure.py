"""``explorer.treemap``'s figure: a Plotly figure that also shows where no Plotly renderer is."""

from __future__ import annotations

import functools
from typing import Any

from ..treemap import treemap as _plain_treemap
from .svgmap import sectors, svg

__all__ = ["treemap", "static_treemap_html"]


def static_treemap_html(figure: Any) -> str | None:
    """The first trace of ``figure`` (a :func:`explorer.treemap`) as script-free SVG, or None
    when it is no longer a treemap of module sectors."""
    try:
        t = figure.data[0]
        data = {
            "ids": list(t.ids),
            "parents": list(t.parents),
            "values": list(t.values),
            "labels": list(t.labels),
            "customdata": [list(c) for c in t.customdata],
            "colors": list(t.marker.colors),
        }
        sec = sectors(data, level=t.level)
        title = f"Parameter treemap of {sec['types'][0]}" if sec["types"] else ""
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    return f'<div class="txe-treemap" style="max-width:760px">{svg(sec, title=title)}</div>'


@functools.cache
def _figure_class() -> type:
    import plotly.graph_objects as go

    class TreemapFigure(go.Figure):
        """A ``go.Figure`` whose display also carries a static SVG of the treemap.

        In a kernel Plotly shows a figure as its own mimetype only, which JupyterLab, Notebook
        7 and VS Code draw; ``nbconvert``, Jupyter Book and GitHub pages have no renderer for it
        and showed nothing. Where Plotly's bundle holds no ``text/html`` this adds the treemap as
        SVG (:mod:`explorer.export.svgmap`: no script, no network); front-ends with Plotly's
        renderer keep drawing the live figure, and a renderer giving HTML (Colab) is left alone.
        """

        def _repr_mimebundle_(self, include=None, exclude=None, validate=True, **kwargs):
            bundle = super()._repr_mimebundle_(include, exclude, validate, **kwargs)
            if bundle and "text/html" not in bundle:
                html = static_treemap_html(self)
                if html is not None:
                    bundle = {**bundle, "text/html": html}
            return bundle

        def _ipython_display_(self) -> None:
            import plotly.io as pio

            plain = None
            if pio.renderers.render_on_display and pio.renderers.default:
                plain = go.Figure._repr_mimebundle_(self)
            if not plain or "text/html" in plain:
                super()._ipython_display_()  # Plotly's own way (its HTML, a browser, a repr)
                return
            from IPython.display import display

            display(self._repr_mimebundle_(), raw=True)

    return TreemapFigure


def treemap(*args: Any, **kwargs: Any) -> Any:
    """:func:`explorer.treemap.treemap`'s figure, also shown as SVG (see ``_figure_class``)."""
    return _figure_class()(_plain_treemap(*args, **kwargs))
