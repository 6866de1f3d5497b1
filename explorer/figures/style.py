"""What every figure shares: text escaped for Plotly, and colours legible on light and dark pages.

The colours keep a contrast of at least 3.7:1 on white and on the dark themes' #111/#212121
backgrounds; figure backgrounds are transparent so the notebook's theme shows through.
"""

from __future__ import annotations

import html
import importlib.util
import json
import sys
from functools import lru_cache
from pathlib import Path

from ..plotlyjs import TRACES

__all__ = [
    "esc",
    "figure",
    "template",
    "plotly_template_text",
    "CLEAR",
    "GRID",
    "BLUE",
    "ORANGE",
    "GREY",
    "GREEN",
    "PURPLE",
    "SCALE",
]

CLEAR = "rgba(0, 0, 0, 0)"  # figure and plot backgrounds: the page's own
GRID = "rgba(128, 128, 128, 0.25)"  # grid and axis lines
BLUE = "#2f80ed"  # bars; start logits
ORANGE = "#d9602b"  # the chosen bar; end logits
GREY = "#8a8a8a"  # secondary marks and text
GREEN = "#2c9e4b"  # the answer's outline
PURPLE = "#9b6fd0"  # a window's own best span
SCALE = "Viridis"  # heatmaps; the lowest values are dark violet


def esc(value) -> str:
    """Text as Plotly must show it: HTML-escaped (Plotly renders tags in labels and hovers).

    A double quote becomes ``&#34;``: Plotly decodes numeric entities but shows ``&quot;`` as
    it is. Single quotes need no escaping (no tag can open once ``<`` is escaped).
    """
    return html.escape(str(value), quote=False).replace('"', "&#34;")


# Subplot kinds explorer never draws: their part of a template only costs imports and bytes.
_UNDRAWN = ("geo", "mapbox", "map", "polar", "scene", "smith", "ternary")


@lru_cache(maxsize=1)
def plotly_template_text() -> str:
    """plotly.py's default template ("plotly") as JSON text, read without importing plotly.io."""
    spec = importlib.util.find_spec("plotly")
    root = Path(next(iter(spec.submodule_search_locations)))
    return (root / "package_data" / "templates" / "plotly.json").read_text("utf-8")


@lru_cache(maxsize=1)
def _drawn_part() -> dict:
    spec = json.loads(plotly_template_text())
    layout = {k: v for k, v in spec.get("layout", {}).items() if k not in _UNDRAWN}
    data = {k: v for k, v in spec.get("data", {}).items() if k in TRACES}
    return {"layout": layout, "data": data}


def template() -> dict | None:
    """The template explorer's figures get: plotly's default, only its part for what they draw.

    A figure looks the same with it (the parts left out style subplots and traces explorer
    never draws), but ``go.Figure`` no longer builds the whole default template on a kernel's
    first figure (polar, 3-D and map classes: ~0.3 s) and the figure's JSON is smaller. None
    when the user chose another default template (``plotly.io.templates.default``): theirs.
    """
    pio = sys.modules.get("plotly.io")
    if pio is not None and pio.templates.default != "plotly":
        return None
    return json.loads(json.dumps(_drawn_part()))  # a copy: go.Figure may keep what it is given


def figure(data, layout: dict):
    """``go.Figure(data, layout=layout)`` with :func:`template` unless ``layout`` names one."""
    import plotly.graph_objects as go

    if "template" not in layout:
        chosen = template()
        if chosen is not None:
            layout = {**layout, "template": chosen}
    return go.Figure(data, layout=layout)
