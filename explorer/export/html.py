"""One renderer: the view as an HTML fragment (the notebook fallback), and the page around it.

The fragment is self-contained and safe to drop into any page: its CSS is scoped under its
own root class, its element ids are unique per render, its data travel compressed (zlib +
base64, decoded by the browser's ``DecompressionStream`` only when a part is opened), and model
text reaches it only escaped (static markup) or as JSON read back through ``textContent``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import zlib
from pathlib import Path
from typing import Any

from .static_html import static_view

__all__ = [
    "view_html",
    "beside_widget",
    "page_html",
    "script_json",
    "scope_css",
    "pack",
    "ROOT_CLASS",
    "STATIC",
]

STATIC = Path(__file__).parents[1] / "static"  # the package's browser files (built from js/)
ROOT_CLASS = "txe-root"
BODIES_PER_CHUNK = 64
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


def scope_css(source: str, root: str = "." + ROOT_CLASS) -> str:
    """``source`` with every selector put under ``root`` (comments dropped; ``@media`` kept).

    A selector that already starts with ``root`` is kept as it is; any other becomes a
    descendant of it, so no rule can reach outside the fragment.
    """
    text = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    out: list[str] = []
    i = 0
    while i < len(text):
        brace = text.find("{", i)
        if brace < 0:
            break
        head = text[i:brace].strip()
        if head.startswith("@"):  # a block of rules: scope what is inside
            depth, j = 1, brace + 1
            while depth and j < len(text):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            out.append(f"{head}{{{scope_css(text[brace + 1 : j - 1], root)}}}")
            i = j
            continue
        end = text.index("}", brace)
        sels = []
        for sel in head.split(","):
            sel = " ".join(sel.split())
            if not sel:
                continue
            sels.append(sel if sel == root or sel.startswith((root + " ", root + ".", root + ":",
                                                                root + ">")) else f"{root} {sel}")  # fmt: skip
        out.append(f"{','.join(sels)}{{{' '.join(text[brace + 1 : end].split())}}}")
        i = end + 1
    return "\n".join(out)


def _z(obj: Any) -> str:
    """``obj`` as compact JSON, zlib-compressed, base64: what ``DecompressionStream("deflate")``
    reads back."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode("ascii")


def pack(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON the fragment embeds: small facts in the clear, the bulk compressed in parts."""
    tree = dict(data["tree"])
    bodies = tree.pop("bodies")
    figures = [p.get("figure") for p in data["panels"]]
    tree_js = (STATIC / "tree.js").read_text("utf-8")
    return {
        "meta": data["meta"],
        "state": data["state"],
        "panels": [{"title": p["title"]} for p in data["panels"]],
        "n_bodies": len(bodies),
        "bodies_per_chunk": BODIES_PER_CHUNK,
        "z": {
            "tree": _z(tree),
            "bodies": [
                _z(bodies[i : i + BODIES_PER_CHUNK])
                for i in range(0, len(bodies), BODIES_PER_CHUNK)
            ],
            "explain": _z(data["explain"]),
            "map": _z(data["treemap"]),
            "figures": _z(figures) if any(figures) else None,
            "tree_js": base64.b64encode(zlib.compress(tree_js.encode("utf-8"), 9)).decode(),
        },
    }


def _css() -> str:
    tree_css = _inline_css((STATIC / "tree.css").read_text("utf-8"), "tree.css")
    view_css = _inline_css((STATIC / "view.css").read_text("utf-8"), "view.css")
    return scope_css(view_css) + "\n" + scope_css(tree_css)


def _runtime(uid: str) -> str:
    # view.js defines txeView (its own scope here, so views on one page never share it).
    body = (STATIC / "view.js").read_text("utf-8")
    return _inline_script(
        f"(async (UID, HOST) => {{\n{body}\nreturn txeView.run(UID, HOST);\n}})"
        f"({script_json(uid)}, document.currentScript)"
        ".catch((err) => console.error('transformers-explorer view:', err));"
    )


def view_html(data: dict[str, Any], uid: str | None = None, beside: str | None = None) -> str:
    """The view of ``data`` (from :func:`explorer.export.page_data`) as one HTML fragment.

    Parameters
    ----------
    data
        The view's data.
    uid
        The fragment's element id (default: a fresh random one, so two views on one page
        never share an id).
    beside
        The ``static_key`` of the live tree this view stands in for (``data-txe-beside``):
        the view stays hidden, and idle, while that tree is on the page.
    """
    uid = uid or f"txe-{secrets.token_hex(8)}"
    if not re.fullmatch(r"[A-Za-z][\w-]*", uid):
        raise ValueError(f"uid must be a plain HTML id, got {uid!r}")
    lang = html.escape(data["state"].get("lang") or "en", quote=True)
    pair = f' data-txe-beside="{html.escape(beside, quote=True)}"' if beside else ""
    return (
        f'<div class="{ROOT_CLASS}" id="{uid}" lang="{lang}"{pair} data-txe-version='
        f'"{html.escape(str(data["meta"]["version"]), quote=True)}">'
        f"<style>{_css()}</style>"
        f"{static_view(data)}"
        f'<script type="application/json" class="txe-data">{script_json(pack(data))}</script>'
        f"<script>{_runtime(uid)}</script>"
        "</div>"
    )


def beside_widget(fragment: str) -> str:
    """``fragment`` (a :func:`view_html`) as the output that follows its widget's output.

    The widget renders where it can; this static view shows where it cannot. JupyterLab and
    Notebook 7 choose one by CSS (``beside.css``: they rank the widget first even when its
    model is gone, e.g. a notebook reopened after its kernel stopped); nbconvert, Jupyter Book,
    nbviewer and GitHub show this view and render the widget output empty.
    """
    css = _inline_css((STATIC / "beside.css").read_text("utf-8"), "beside.css")
    css = " ".join(re.sub(r"/\*.*?\*/", "", css, flags=re.S).split())
    return f"<style>{css}</style>{fragment}"


def page_html(data: dict[str, Any], *, plotly: bool | None = None) -> str:
    """The self-contained HTML page for ``data``: the view in a page shell.

    Parameters
    ----------
    data
        From :func:`explorer.export.page_data`.
    plotly
        Inline plotly.js to draw the panels' figures (default: only when a panel has one).
    """
    if plotly is None:
        plotly = any(p.get("figure") for p in data["panels"])
    script = ""
    if plotly:
        from ..plotlyjs import plotly_js

        script = f"<script>{_inline_script(plotly_js())}</script>"
    parts = {
        "TITLE": html.escape(data["meta"]["title"]),
        "CSS": _inline_css((STATIC / "export.css").read_text("utf-8"), "export.css"),
        "PLOTLY_JS": script,
        "BODY": view_html(data, uid="txe-page"),
    }
    template = (STATIC / "export.html").read_text("utf-8")
    return _MARK.sub(lambda m: parts[m.group(1)], template)  # one pass: inserted text is final
