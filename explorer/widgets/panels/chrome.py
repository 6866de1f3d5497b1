"""What every panel carries besides its controls: theme-following styles, key safety, Copy as JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["PanelChrome"]

STATIC = Path(__file__).parents[2] / "static"  # built from js/ (tools/build_js.py)


class PanelChrome(anywidget.AnyWidget):
    """The part of each panel that needs browser code (ipywidgets boxes cannot carry scripts).

    It brings the panels' stylesheet (``panels.css``: colours from the front-end's theme
    variables, legible in light and dark themes) and, once shown, marks its panel so that keys
    typed anywhere in it (text boxes, sliders, dropdowns, buttons) never reach the notebook's
    command-mode shortcuts; it also keeps a marked QA answer scrolled into view. With
    :meth:`offer_copy` it shows a button that copies the panel's last result as JSON: the
    text is asked for at the click (it can be long), never sent per keystroke.

    Attributes
    ----------
    copy_label : str
        The copy button's text; "" shows no button.
    """

    _esm = STATIC / "panels.js"
    _css = STATIC / "panels.css"

    copy_label = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._copy: Callable[[], tuple[str, str, str]] | None = None
        self.on_msg(self._on_msg)

    def offer_copy(self, source: Callable[[], tuple[str, str, str]], label: str) -> None:
        """Show the copy button labelled ``label``; ``source()`` gives ``(text, done, failed)``:
        the JSON and what to say when it was copied or could not be."""
        self._copy = source
        self.copy_label = label

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("op") != "json" or self._copy is None:
            return
        try:
            text, done, failed = self._copy()
        except Exception as exc:  # say it in the panel, never break it
            self.send({"op": "error", "id": content.get("id"), "message": str(exc)})
            return
        self.send({"op": "json", "id": content.get("id"), "text": text, "done": done,
                   "failed": failed})  # fmt: skip
