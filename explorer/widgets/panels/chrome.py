"""What every panel carries besides its controls: theme-following styles and key safety."""

from __future__ import annotations

from pathlib import Path

import anywidget

__all__ = ["PanelChrome"]

STATIC = Path(__file__).parents[2] / "static"  # built from js/ (tools/build_js.py)


class PanelChrome(anywidget.AnyWidget):
    """An invisible part of each panel (ipywidgets boxes cannot carry scripts or styles).

    It brings the panels' stylesheet (``panels.css``: colours from the front-end's theme
    variables, legible in light and dark themes) and, once shown, marks its panel so that keys
    typed anywhere in it (text boxes, sliders, dropdowns, buttons) never reach the notebook's
    command-mode shortcuts; it also keeps a marked QA answer scrolled into view.
    """

    _esm = STATIC / "panels.js"
    _css = STATIC / "panels.css"
