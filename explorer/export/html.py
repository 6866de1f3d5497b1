"""The static page: the tree widget's own script, the page script, CSS and data in one HTML text."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from ..plotlyjs import plotly_js

__all__ = ["page_html", "script_json", "STATIC", "TREE_STATIC"]

STATIC = Path(__file__).parent / "static"
TREE_STATIC = Path(__file__).parents[1] / "widgets" / "static"  # tree.js/tree.css, read as files
_MARK = re.compile(r"/\*@(\w+)@\*/")


def script_json(obj: Any) -> str:
    """JSON text safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` escaped.

    The result parses back to ``obj`` and holds no ``</script>``, ``<!--`` or raw tag.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(raw, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _inline_script(source: str) -> str:
    """JavaScript source that can sit between ``<script>`` and ``</script>`` unchanged."""
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _inline_css(source: str, name: str) -> str:
    if re.search(r"</style", source, re.IGNORECASE):
        raise ValueError(f"{name} contains '</style' and cannot be inlined")
    return source


def page_html(data: dict[str, Any]) -> str:
    """The self-contained HTML text for ``data`` (from :func:`explorer.export.page_data`)."""
    parts = {
        "TITLE": html.escape(data["meta"]["title"]),
        "CSS": _inline_css((TREE_STATIC / "tree.css").read_text("utf-8"), "tree.css")
        + "\n"
        + _inline_css((STATIC / "export.css").read_text("utf-8"), "export.css"),
        "DATA": script_json(data),
        "TREE_JS": script_json((TREE_STATIC / "tree.js").read_text("utf-8")),
        "EXPORT_JS": _inline_script((STATIC / "export.js").read_text("utf-8")),
        "PLOTLY_JS": _inline_script(plotly_js()),
    }
    template = (STATIC / "export.html").read_text("utf-8")
    return _MARK.sub(lambda m: parts[m.group(1)], template)  # one pass: inserted text is final
