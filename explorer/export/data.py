"""Everything an exported page shows, as JSON-safe data: tree lists, details, explanations, figures."""

from __future__ import annotations

import json
from typing import Any

from ..anatomy import ModuleNode, module_tree
from ..model_info import new_module_paths, unwrap_model
from ..tree_pages import MAX_MATCHES, PAGE, TreePages

__all__ = ["page_data", "result_text", "plotly_figure", "DETAILS_BUDGET", "TREE_HEIGHT"]

DETAILS_BUDGET = 6_000_000  # bytes of distinct details (repr, tensors) before they are left out
EXPLAIN_WORK = 150_000  # module visits spent on explanations (each one walks the whole model)
TREE_HEIGHT = 600


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


def plotly_figure(obj: Any) -> Any:
    """The Plotly figure in ``obj``: a Figure/FigureWidget, or a widget holding one as ``.figure``."""
    from plotly.basedatatypes import BaseFigure

    for _ in range(3):
        if obj is None or isinstance(obj, BaseFigure):
            return obj
        obj = getattr(obj, "figure", None)
    return None


def _source(obj: Any) -> dict[str, Any]:
    """What to export: an Explorer describes itself (``_export_source()``); a module or a
    pipeline is explored afresh. TypeError naming anything else."""
    describe = getattr(obj, "_export_source", None)
    if callable(describe):
        return describe()
    try:
        model = unwrap_model(obj)
    except TypeError:
        raise TypeError(
            "save_html needs a torch.nn.Module, a transformers pipeline or an explorer.Explorer, "
            f"not {type(obj).__name__}"
        ) from None
    tree = module_tree(model)
    return {
        "model": model,
        "tree": tree,
        "pages": TreePages(tree, new_module_paths(model)),
        "figure": None,
        "selected": "",
        "height": TREE_HEIGHT,
        "panels": [],
    }


def _depth(path: str) -> int:
    return path.count(".") + 1 if path else 0


def _cut(row: dict, max_depth: int | None) -> dict:
    """A row whose children are left out of the page shows no caret (``k`` 0)."""
    if max_depth is not None and "p" in row and row.get("k") and _depth(row["p"]) >= max_depth:
        return {**row, "k": 0}
    return row


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


def _details(pages: TreePages, order: list[str]) -> dict[str, Any]:
    """Details of every module, deduplicated: identical bodies (bar path and name) stored once."""
    bodies: list[dict] = []
    index: dict[str, int] = {}
    of: list[int] = []
    size = 0
    for path in order:
        d = pages.details(path)
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
    from ..explain import LANGS, describe, make_ctx

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

    Parameters are as for :func:`explorer.save_html`.
    """
    if max_depth is not None and (
        not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 0
    ):
        raise ValueError(f"max_depth must be a non-negative int or None, got {max_depth!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, not {type(title).__name__}")
    import plotly.graph_objects as go

    from ..treemap import treemap
    from ..version import __version__

    src = _source(model_or_explorer)
    tree: ModuleNode = src["tree"]
    pages: TreePages = src["pages"]
    initial = pages.initial()
    lists = {k: [_cut(r, max_depth) for r in v] for k, v in pages.all_lists(max_depth).items()}
    initial["root"] = _cut(initial["root"], max_depth)
    initial["kids"] = [
        {**p, "items": [_cut(r, max_depth) for r in p["items"]]}
        for p in initial["kids"]
        if p["key"] in lists
    ]
    state = {
        "selected": src["selected"],
        "initial": initial,
        "height": src.get("height") or TREE_HEIGHT,
        "shapes_rev": 0,
    }
    order = _walk_lists(lists)
    data = {"page": PAGE, "max_matches": MAX_MATCHES, "lists": lists}
    data["details"] = _details(pages, order)
    shown = plotly_figure(src.get("figure"))
    if shown is not None and max_depth is None:
        fig = go.Figure(shown)  # as the Explorer shows it now, zoom level included
    else:
        fig = treemap(tree, max_depth=max_depth)
    fig.update_layout(autosize=True, width=None, height=state["height"])
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
