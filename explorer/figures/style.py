"""What every figure shares: text escaped for Plotly, and colours legible on light and dark pages.

The colours keep a contrast of at least 3.7:1 on white and on the dark themes' #111/#212121
backgrounds; figure backgrounds are transparent so the notebook's theme shows through.
"""

from __future__ import annotations

import html

__all__ = ["esc", "CLEAR", "GRID", "BLUE", "ORANGE", "GREY", "GREEN", "PURPLE", "SCALE"]

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
