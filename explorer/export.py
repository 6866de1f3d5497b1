"""One self-contained HTML page of a model: module tree, parameter treemap, last predictions."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from .anatomy import ModuleNode, module_tree, unwrap_model

__all__ = ["save_html", "page_data", "page_html", "script_json", "result_text"]

STATIC = Path(__file__).parent / "static"
WIDGET_STATIC = Path(__file__).parent / "widgets" / "static"
DETAILS_BUDGET = 6_000_000  # bytes of distinct details (repr, tensors) before they are left out
EXPLAIN_WORK = 150_000  # module visits spent on explanations (each one walks the whole model)
TREE_HEIGHT = 600
_MARK = re.compile(r"/\*@(\w+)@\*/")
_LOAD_INFO_ATTR = "_explorer_load_info"
_RESULT_ATTRS = ("last_result", "details", "result")  # where a panel keeps its last result


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


def result_text(result: Any, limit: int = 4000) -> str:
    """A plain-text summary of a panel's last result (classify/answer details, lists, dicts)."""
    if result is None:
        return ""
    lines: list[str] = []
    answers = getattr(result, "results", None)
    if hasattr(result, "question") and hasattr(result, "context"):
        ctx = str(result.context)
        lines += [f"Question: {result.question}", f"Context: {ctx[:600]}{'…' * (len(ctx) > 600)}"]
        for i, a in enumerate(answers or [], 1):
            where = f" (characters {a.get('start')}-{a.get('end')})" if "start" in a else ""
            lines.append(f"{i}. {a.get('answer')!r} score {a.get('score', 0):.4f}{where}")
        if not answers:
            lines.append("No answer.")
    elif hasattr(result, "text") and answers is not None:
        lines.append(f"Text: {result.text}")
        lines += [f"{a.get('label')}: {a.get('score', 0):.4f}" for a in answers]
    elif isinstance(result, (list, tuple)):
        for item in result:
            if isinstance(item, dict):
                lines.append(", ".join(f"{k}: {_short(v)}" for k, v in item.items()))
            else:
                lines.append(_short(item))
    elif isinstance(result, dict):
        lines += [f"{k}: {_short(v)}" for k, v in result.items()]
    else:
        lines.append(str(result))
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


# -- data ------------------------------------------------------------------------------------------
def _source(obj: Any) -> dict[str, Any]:
    """What to export from a module, a pipeline or an Explorer (TypeError naming anything else)."""
    from .widgets.app import Explorer

    if isinstance(obj, Explorer):
        return {
            "model": obj.model,
            "tree": obj.tree,
            "widget": obj.tree_widget,
            "figure": obj.figure,
            "selected": obj.selected,
            "panels": _panels(obj),
        }
    try:
        model = unwrap_model(obj)
    except TypeError:
        raise TypeError(
            "save_html needs a torch.nn.Module, a transformers pipeline or an explorer.Explorer, "
            f"not {type(obj).__name__}"
        ) from None
    info = getattr(model, _LOAD_INFO_ATTR, None)
    new = (
        list((info or {}).get("newly_initialized_modules") or []) if isinstance(info, dict) else []
    )
    return {"model": model, "tree": module_tree(model), "new": new, "selected": "", "panels": []}


def _panels(exp: Any) -> list[dict[str, Any]]:
    """Title, figure JSON and last-result text of each Explorer panel that has any of them."""
    tabs = getattr(exp, "panels", None)
    out = []
    for i, panel in enumerate(getattr(tabs, "children", ()) or ()):
        fig = getattr(panel, "figure", None)
        result = next(
            (r for r in (getattr(panel, n, None) for n in _RESULT_ATTRS) if r is not None), None
        )
        entry: dict[str, Any] = {"title": "", "figure": None, "text": result_text(result)}
        try:
            entry["title"] = str(tabs.get_title(i) or "")
        except Exception:  # noqa: BLE001 - a title is a nicety
            pass
        entry["title"] = entry["title"] or getattr(panel, "title", None) or f"Panel {i + 1}"
        entry["title"] = str(entry["title"])
        fig = _plotly_figure(fig)
        if fig is not None:
            entry["figure"] = json.loads(fig.to_json())
        if entry["figure"] is not None or entry["text"]:
            out.append(entry)
    return out


def _plotly_figure(obj: Any) -> Any:
    """The Plotly figure in ``obj``: a Figure/FigureWidget, or a widget holding one as ``.figure``."""
    from plotly.basedatatypes import BaseFigure

    for _ in range(3):
        if obj is None or isinstance(obj, BaseFigure):
            return obj
        obj = getattr(obj, "figure", None)
    return None


def _depth(path: str) -> int:
    return path.count(".") + 1 if path else 0


def _tree_lists(widget: Any, max_depth: int | None) -> dict[str, list]:
    """Every children list the tree can ask for, as the widget itself answers it (all pages)."""
    from .widgets.tree import MAX_MATCHES, PAGE

    lists: dict[str, list] = {}
    todo: list[tuple[str, str | None]] = []
    if max_depth is None or max_depth > 0:
        todo.append(("", None))
    while todo:
        path, group = todo.pop()
        items: list[dict] = []
        while True:
            page = widget.children(path, group, len(items))
            items += page["items"]
            if len(items) >= page["total"] or not page["items"]:
                break
        lists[page["key"]] = items
        for it in items:
            if "g" in it:
                todo.append((path, it["g"]))
            elif it.get("k") and (max_depth is None or _depth(it["p"]) < max_depth):
                todo.append((it["p"], None))
    return {"page": PAGE, "max_matches": MAX_MATCHES, "lists": lists}


def _walk_lists(lists: dict[str, list], root_path: str = "") -> list[str]:
    """Module paths in pre-order through the folded lists (the order export.js walks too)."""
    out = [root_path]
    sep = "\x00"

    def visit(key: str) -> None:
        for it in lists.get(key, ()):
            if "g" in it:
                visit(key + sep + it["g"])
            else:
                out.append(it["p"])
                visit(it["p"])

    visit(root_path)
    return out


def _cut(row: dict, max_depth: int | None) -> dict:
    """A row whose children are left out of the page shows no caret (``k`` 0)."""
    if max_depth is not None and "p" in row and row.get("k") and _depth(row["p"]) >= max_depth:
        return {**row, "k": 0}
    return row


def _details(widget: Any, order: list[str]) -> dict[str, Any]:
    """Details of every module, deduplicated: identical bodies (bar path and name) stored once."""
    bodies: list[dict] = []
    index: dict[str, int] = {}
    of: list[int] = []
    size = 0
    for path in order:
        d = widget.details(path)
        d.pop("path", None)
        d.pop("name", None)
        key = json.dumps(d, sort_keys=True, separators=(",", ":"))
        if key not in index and size + len(key) > DETAILS_BUDGET:
            d["repr"] = "(left out of this exported page to keep it small)"
            d["tensors"] = []
            key = json.dumps(d, sort_keys=True, separators=(",", ":"))
        if key not in index:
            index[key] = len(bodies)
            bodies.append(d)
            size += len(key)
        of.append(index[key])
    return {"bodies": bodies, "of": of}


def _explanations(model: Any, tree: ModuleNode, order: list[str]) -> dict[str, Any]:
    """English and Korean explanations of the top modules (breadth first, within EXPLAIN_WORK)."""
    from .explain import LANGS, describe, make_ctx

    n = max(1, sum(1 for _ in tree.walk()))
    budget = max(1, EXPLAIN_WORK // n)
    depth = {p: _depth(p) for p in order}
    chosen = sorted(order, key=lambda p: depth[p])[:budget]
    texts: list[str] = []
    seen: dict[str, int] = {}
    of: dict[str, list[int]] = {}
    for path in chosen:
        sentences = describe(make_ctx(model, path, tree))  # one context, every language
        ids = []
        for i in range(len(LANGS)):
            text = " ".join(s[i] for s in sentences)
            if text not in seen:
                seen[text] = len(texts)
                texts.append(text)
            ids.append(seen[text])
        of[path] = ids
    return {"langs": list(LANGS), "texts": texts, "of": of, "complete": len(chosen) == len(order)}


def page_data(
    model_or_explorer: Any, *, title: str | None = None, max_depth: int | None = None
) -> dict[str, Any]:
    """Everything the exported page shows, as JSON-safe data (what :func:`save_html` embeds).

    Parameters are as for :func:`save_html`.
    """
    if max_depth is not None and (
        not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 0
    ):
        raise ValueError(f"max_depth must be a non-negative int or None, got {max_depth!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, not {type(title).__name__}")
    import plotly.graph_objects as go

    from . import __version__
    from .treemap import treemap
    from .widgets.tree import ModuleTree

    src = _source(model_or_explorer)
    tree: ModuleNode = src["tree"]
    widget = src.get("widget")
    own = widget is None
    if own:
        widget = ModuleTree(tree, new_paths=src["new"], height=TREE_HEIGHT)
    try:
        state = {
            k: v
            for k, v in widget.get_state().items()
            if not k.startswith("_") and not (isinstance(v, str) and v.startswith("IPY_MODEL_"))
        }
        state["selected"] = src["selected"]
        data = _tree_lists(widget, max_depth)
        data["lists"] = {k: [_cut(r, max_depth) for r in v] for k, v in data["lists"].items()}
        init = dict(state["initial"])
        init["root"] = _cut(init["root"], max_depth)
        init["kids"] = [
            {**p, "items": [_cut(r, max_depth) for r in p["items"]]}
            for p in init.get("kids", [])
            if p["key"] in data["lists"]
        ]
        state["initial"] = init
        order = _walk_lists(data["lists"])
        data["details"] = _details(widget, order)
    finally:
        if own:
            widget.close()
    shown = _plotly_figure(src.get("figure"))
    if shown is not None and max_depth is None:
        fig = go.Figure(shown)  # as the Explorer shows it now, zoom level included
    else:
        fig = treemap(tree, max_depth=max_depth)
    fig.update_layout(autosize=True, width=None, height=state.get("height") or TREE_HEIGHT)
    return {
        "meta": {
            "title": title if title is not None else f"{tree.type}: transformers-explorer",
            "type": tree.type,
            "params": tree.params,
            "trainable": tree.trainable_params,
            "modules": len(order),
            "max_depth": max_depth,
            "version": __version__,
        },
        "state": state,
        "tree": data,
        "explain": _explanations(src["model"], tree, order),
        "treemap": json.loads(fig.to_json()),
        "panels": src["panels"],
    }


# -- page ------------------------------------------------------------------------------------------
def page_html(data: dict[str, Any]) -> str:
    """The self-contained HTML text for ``data`` (from :func:`page_data`)."""
    from plotly.offline import get_plotlyjs

    parts = {
        "TITLE": html.escape(data["meta"]["title"]),
        "CSS": _inline_css((WIDGET_STATIC / "tree.css").read_text("utf-8"), "tree.css")
        + "\n"
        + _inline_css((STATIC / "export.css").read_text("utf-8"), "export.css"),
        "DATA": script_json(data),
        "TREE_JS": script_json((WIDGET_STATIC / "tree.js").read_text("utf-8")),
        "EXPORT_JS": _inline_script((STATIC / "export.js").read_text("utf-8")),
        "PLOTLY_JS": _inline_script(get_plotlyjs()),
    }
    template = (STATIC / "export.html").read_text("utf-8")
    return _MARK.sub(lambda m: parts[m.group(1)], template)  # one pass: inserted text is final


def save_html(
    model_or_explorer: Any,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    max_depth: int | None = None,
) -> Path:
    """Write one self-contained HTML page: module tree, parameter treemap, last predictions.

    The page opens from disk with no network and no kernel: the tree widget's own script, the
    data and plotly.js are all inside it. Model text reaches the page only as text.

    Parameters
    ----------
    model_or_explorer
        A ``torch.nn.Module``, a transformers pipeline, or an :class:`explorer.Explorer` (its
        selection, treemap and panels' last figures and results are included). Never modified.
    path
        The ``.html`` file to write (overwritten if it is a file; its directory must exist).
    title
        Page title (text); default: the model's class name.
    max_depth
        Levels below the root to include in the tree and treemap (None: all).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``model_or_explorer`` is not a module, pipeline or Explorer, or ``path`` not a path.
    FileNotFoundError
        If the directory of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a directory.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
    out = Path(path)
    if out.is_dir():
        raise IsADirectoryError(f"{str(out)!r} is a directory; give a file name like page.html")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(out)!r}: directory {str(out.parent)!r} does "
                                "not exist")  # fmt: skip
    text = page_html(page_data(model_or_explorer, title=title, max_depth=max_depth))
    out.write_text(text, encoding="utf-8")
    return out
