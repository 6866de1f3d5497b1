"""Everything an exported view shows, as JSON-safe data: tree shapes, treemap, explanations, panels."""

from __future__ import annotations

from typing import Any

from ..anatomy import ModuleNode, module_tree
from ..facts import TREE_HEIGHT, VIEW_MAX_SECTORS
from ..model_info import new_module_paths, unwrap_model
from ..tree.pages import INITIAL_DEPTH, MAX_MATCHES, PAGE, TreePages
from .encode import encode_tree

__all__ = ["page_data", "result_text", "plotly_figure", "export_part", "panel_part"]

EXPLAIN_WORK = 150_000  # module visits spent on explanations (each one walks the whole model)
_RESULT_ATTRS = ("last_result", "details", "result")  # where a foreign panel keeps its result


def result_text(result: Any, limit: int = 4000) -> str:
    """A plain-text summary of a panel's last result: its own ``summary()`` when it has one
    (every head's details should), else classify/answer details, lists or dicts."""
    if result is None:
        return ""
    own = getattr(result, "summary", None)
    if callable(own):  # a head's details say themselves what they hold
        text = str(own())
        return text if len(text) <= limit else text[: limit - 1] + "…"
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


def export_part(figure: Any, result: Any) -> dict[str, Any] | None:
    """A tab's part of the static view: its figure as JSON and its last result as text, or None
    when it shows neither (a tab's ``export_part()`` returns this)."""
    import json

    fig = plotly_figure(figure) if figure is not None else None  # no plotly import for none
    part = {
        "figure": json.loads(fig.to_json()) if fig is not None else None,
        "text": result_text(result),
    }
    return part if part["figure"] is not None or part["text"] else None


def panel_part(widget: Any) -> dict[str, Any] | None:
    """The static-view part of any tab: its own ``export_part()``, or for a widget added by
    hand its ``figure`` and last result (``last_result``, ``details`` or ``result``)."""
    own = getattr(widget, "export_part", None)
    if callable(own):
        return own()
    result = next(
        (r for r in (getattr(widget, n, None) for n in _RESULT_ATTRS) if r is not None), None
    )
    return export_part(getattr(widget, "figure", None), result)


def _source(obj: Any) -> dict[str, Any]:
    """What to export: an Explorer describes itself (``_export_source()``); a module or a
    pipeline is explored afresh. TypeError naming anything else."""
    describe = getattr(obj, "_export_source", None)
    if callable(describe):
        return dict(describe())
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
        "lang": "en",
        "budget": _budget_of(model),
    }


def _budget_of(model: Any) -> dict | None:
    """``explorer.budget(model).to_dict()``, or None when it cannot be made (no config...)."""
    from ..budget import budget

    try:
        return budget(model).to_dict()
    except Exception:  # the page shows everything else; the budget is a part of it
        return None


def _depth(path: str) -> int:
    return path.count(".") + 1 if path else 0


def _figure_dict(obj: Any) -> dict | None:
    """``{"data", "layout"}`` of a figure, or of a widget holding one (``PlotWidget.to_dict()``
    needs no go.Figure; a ``go.Figure`` has ``to_dict()`` too)."""
    for _ in range(3):
        if obj is None:
            return None
        to_dict = getattr(obj, "to_dict", None)
        if callable(to_dict):
            got = to_dict()
            if isinstance(got, dict) and "data" in got:
                return got
        obj = getattr(obj, "figure", None)
    return None


def _treemap_arrays(src: dict[str, Any], max_depth: int | None) -> tuple[dict, str | None]:
    """The treemap's arrays: the Explorer's own figure (its numbers, its zoom level), else
    :func:`explorer.treemap.treemap_data` of the tree."""
    from ..treemap import treemap_data

    fig = _figure_dict(src.get("figure")) if max_depth is None else None
    t = fig["data"][0] if fig and fig["data"] else {}
    colors = (t.get("marker") or {}).get("colors")
    if t.get("ids") is not None and colors is not None:
        arrays = {
            "ids": list(t["ids"]),
            "parents": list(t["parents"]),
            "values": list(t["values"]),
            "labels": list(t["labels"]),
            "customdata": [list(c) for c in t["customdata"]],
            "colors": list(colors),
        }
        return arrays, t.get("level")
    return treemap_data(src["tree"], max_depth=max_depth, max_sectors=VIEW_MAX_SECTORS), None


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
    model_or_explorer: Any,
    *,
    title: str | None = None,
    max_depth: int | None = None,
    figures: bool = True,
) -> dict[str, Any]:
    """Everything the exported view shows, as JSON-safe data (what the page and the notebook
    fallback embed).

    Parameters
    ----------
    model_or_explorer, title, max_depth
        As for :func:`explorer.save_html`.
    figures
        Keep the panels' Plotly figures (a page that inlines plotly.js draws them); without,
        panels keep their text.
    """
    if max_depth is not None and (
        not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 0
    ):
        raise ValueError(f"max_depth must be a non-negative int or None, got {max_depth!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, not {type(title).__name__}")
    from ..model_info import untrained_note
    from ..version import __version__
    from .svgmap import sectors

    src = _source(model_or_explorer)
    tree: ModuleNode = src["tree"]
    pages: TreePages = src["pages"]
    order = [n.path for n in tree.walk() if max_depth is None or _depth(n.path) <= max_depth]
    selected = src["selected"] if src["selected"] in set(order) else ""
    arrays, level = _treemap_arrays(src, max_depth)
    panels = [
        {**p, "figure": p.get("figure") if figures else None}
        for p in src["panels"]
        if p.get("text") or (figures and p.get("figure"))
    ]
    return {
        "meta": {
            "title": title if title is not None else f"{tree.type}: transformers-explorer",
            "type": tree.type,
            "params": tree.params,
            "trainable": tree.trainable_params,
            "modules": len(order),
            "max_depth": max_depth,
            "version": __version__,
            "untrained": untrained_note(src["model"]),
        },
        "state": {
            "selected": selected,
            "height": src.get("height") or TREE_HEIGHT,
            "lang": src.get("lang") or "en",
        },
        "tree": {
            **encode_tree(pages, max_depth),
            "new": sorted(pages.new_paths),
            "output": {k: v for k, v in pages.output_shapes.items() if k in set(order)},
            "page": PAGE,
            "max_matches": MAX_MATCHES,
            "initial_depth": INITIAL_DEPTH,
        },
        "details": pages.details(selected),
        "explain": _explanations(src["model"], tree, order),
        "treemap": sectors(arrays, level),
        "panels": panels,
        "budget": src.get("budget"),
    }
