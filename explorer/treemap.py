"""ModuleNode -> a rooted Plotly treemap of exact parameter counts, capped for huge models."""

from __future__ import annotations

import heapq
from html import escape
from typing import Any

from .anatomy import ModuleNode, module_tree
from .facts import FIGURE_MAX_SECTORS, OTHER_SUFFIX
from .numbers import share as _share
from .numbers import short_count

__all__ = ["treemap", "treemap_data", "treemap_spec", "ROOT_ID"]

ROOT_ID = "."  # Plotly reserves "" for "no parent"; no module path can be "."
# Leaf colours by module type, so Linear, Embedding and norm layers read apart at a glance.
_PALETTE = [
    "#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2",
    "#EECA3B", "#9D755D", "#FF9DA6", "#79706E", "#5E3C99", "#1B9E77",
]  # fmt: skip
_OTHER_COLOR = "#BAB0AC"
_SHADES = ["#DCE3EC", "#C5D2E2", "#AFC1D8", "#98B0CE", "#C5D2E2", "#AFC1D8"]

_HOVER = (
    "<b>%{customdata[0]}</b> · %{customdata[1]}<br>"
    "%{customdata[2]} parameters (%{value:,})<br>"
    "%{customdata[3]} of total · %{customdata[4]} of parent"
    "<extra></extra>"
)
# size="active": what one token uses; routed experts in their own colour, what a token skips.
_HOVER_ACTIVE = (
    "<b>%{customdata[0]}</b> · %{customdata[1]}<br>"
    "%{customdata[2]} active parameters per token (%{value:,})<br>"
    "%{customdata[3]} of active total · %{customdata[4]} of parent<br>"
    "%{customdata[5]}"
    "<extra></extra>"
)
_ROUTED_COLOR = "#D62728"


def _hover_path(path: str, width: int = 32) -> str:
    """``path`` escaped, broken after a dot where a line would pass ``width`` characters: the
    hover label of a deep module stays narrower than a narrow treemap."""
    lines, line = [], ""
    for part in path.split("."):
        piece = part if not line else "." + part
        if line and len(line) + len(piece) > width:
            lines.append(line + ".")
            piece = part
            line = ""
        line += piece
    lines.append(line)
    return "<br>".join(escape(x) for x in lines)


def _params(node: ModuleNode) -> int:
    return node.params


def _select(root: ModuleNode, max_depth: int | None, max_sectors: int, value=_params) -> tuple:
    """Pick the largest subtrees first (a parent always before its children) within the cap.

    Returns the chosen nodes in pre-order-by-size and, per chosen parent, its children that
    did not fit (they become one aggregated "other" sector), and each chosen node's parent.
    ``value`` sizes a node (its parameter count unless told otherwise).
    """
    limit = None if max_depth is None else root.depth + max_depth

    def kids(node: ModuleNode) -> list[ModuleNode]:
        if limit is not None and node.depth >= limit:
            return []
        return [c for c in node.children if value(c) > 0]

    chosen = [root]
    remaining: dict[int, int] = {}  # id(parent) -> positive children not yet chosen
    kids_of: dict[int, list[ModuleNode]] = {}
    parent_of: dict[int, ModuleNode] = {}
    heap: list[tuple[int, int, ModuleNode]] = []
    pending = 0  # chosen parents with children left out: each needs one "N more" sector
    tick = 0

    def open_node(node: ModuleNode) -> int:
        nonlocal tick
        ks = kids(node)
        if not ks:
            return 0
        kids_of[id(node)] = ks
        remaining[id(node)] = len(ks)
        for c in ks:
            parent_of[id(c)] = node
            heapq.heappush(heap, (-value(c), tick, c))
            tick += 1
        return 1

    pending += open_node(root)
    while heap and len(chosen) + pending + 2 <= max_sectors:
        _, _, node = heapq.heappop(heap)
        pid = id(parent_of[id(node)])
        remaining[pid] -= 1
        if remaining[pid] == 0:
            pending -= 1
        chosen.append(node)
        pending += open_node(node)
    picked = {id(n) for n in chosen}
    left = {
        pid: [c for c in kids_of[pid] if id(c) not in picked]
        for pid, n in remaining.items()
        if n > 0
    }
    return chosen, left, parent_of


def _model_order(root: ModuleNode, chosen: list[ModuleNode]) -> list[ModuleNode]:
    """``chosen`` in model order (pre-order, as ``print(model)``), visiting only chosen nodes."""
    picked = {id(n) for n in chosen}
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(c for c in reversed(node.children) if id(c) in picked)
    return out


def _active_sizes(model_or_node: Any) -> tuple:
    """Root, a node's active count and its hover text / routed flag, for ``size="active"``."""
    from .budget import Budget, budget

    if isinstance(model_or_node, ModuleNode):
        raise TypeError(
            'size="active" needs the model (or an explorer.budget Budget), not a ModuleNode: '
            "which experts a token skips is read from the modules and the config"
        )
    costs = model_or_node if isinstance(model_or_node, Budget) else budget(model_or_node)
    active = costs.active_by_path()
    sets = {s.path: s for s in costs.expert_sets}
    owner: dict[str, Any] = {}  # path at or inside routed experts -> their ExpertSet
    for node in costs.tree.walk():
        s = sets.get(node.path) or owner.get(node.path)
        if s is not None:
            owner[node.path] = s
            for child in node.children:
                owner[child.path] = s

    def value(node: ModuleNode) -> int:
        return active[node.path]

    def detail(node: ModuleNode) -> tuple[str, bool]:
        skipped = node.params - active[node.path]
        s = owner.get(node.path)
        if s is not None:
            return (
                f"routed experts: a token uses {s.per_token} of {s.experts}, "
                f"skips {short_count(skipped)} of {short_count(node.params)}",
                True,
            )
        if skipped:
            return f"a token skips {short_count(skipped)} of {short_count(node.params)}", False
        return "", False

    return costs.tree, value, detail


def treemap_data(
    model_or_node: Any,
    max_depth: int | None = None,
    max_sectors: int = FIGURE_MAX_SECTORS,
    size: str = "params",
) -> dict[str, list]:
    """The treemap's arrays (ids, parents, values, labels, customdata) without building a figure.

    Parameters are as for :func:`treemap`.
    """
    if size not in ("params", "active"):
        raise ValueError(f'size must be "params" or "active", got {size!r}')
    detail = None
    if size == "active":
        root, val, detail = _active_sizes(model_or_node)
    else:
        root = (
            model_or_node if isinstance(model_or_node, ModuleNode) else module_tree(model_or_node)
        )
        val = _params
    if max_depth is not None and (not isinstance(max_depth, int) or max_depth < 0):
        raise ValueError(f"max_depth must be a non-negative int or None, got {max_depth!r}")
    if not isinstance(max_sectors, int) or max_sectors < 2:
        raise ValueError(f"max_sectors must be an int >= 2, got {max_sectors!r}")
    chosen, left, parent_of = _select(root, max_depth, max_sectors, val)
    chosen = _model_order(root, chosen)  # drawn in this order ("sort": False): block 0 first
    total = val(root)

    def node_id(node: ModuleNode) -> str:
        return ROOT_ID if node is root else node.path

    ids, parents, values, labels, custom, colors = [], [], [], [], [], []
    palette: dict[str, str] = {}

    def color(kind: str) -> str:  # one colour per module type, in order of first appearance
        return palette.setdefault(kind, _PALETTE[len(palette) % len(_PALETTE)])

    parent_params: dict[str, int] = {}
    for node in chosen:
        nid = node_id(node)
        size_here = val(node)
        parent_params[nid] = size_here
        ids.append(nid)
        values.append(size_here)
        if node is root:
            parents.append("")
            labels.append(escape(node.name or node.type))
            up = size_here
        else:
            pid = node_id(parent_of[id(node)])
            parents.append(pid)
            labels.append(escape(node.name))
            up = parent_params[pid]
        # Leaves by type (Linear, Embedding, norms read apart); containers in quiet shades by depth.
        leaf = not any(val(c) for c in node.children)
        colors.append(
            color(node.type) if leaf else _SHADES[(node.depth - root.depth) % len(_SHADES)]
        )
        row = [
            _hover_path(node.path) if node.path else escape(node.type),
            escape(node.type),
            short_count(size_here),
            _share(size_here, total),
            _share(size_here, up),
        ]
        if detail is not None:  # size="active": routed experts in their own colour
            text, routed = detail(node)
            row.append(escape(text))
            if routed:
                colors[-1] = _ROUTED_COLOR
        custom.append(row)
    by_id = {id(n): n for n in chosen}
    for pid_obj, rest in left.items():
        parent = by_id[pid_obj]
        pid = node_id(parent)
        value = sum(val(c) for c in rest)
        ids.append((pid if pid != ROOT_ID else "") + OTHER_SUFFIX)
        parents.append(pid)
        values.append(value)
        labels.append(f"{len(rest)} more")
        colors.append(_OTHER_COLOR)
        custom.append(
            [
                escape(f"{parent.path or parent.type}: {len(rest)} smaller modules"),
                "aggregated",
                short_count(value),
                _share(value, total),
                _share(value, val(parent)),
            ]
            + [""] * (detail is not None)
        )
    return {
        "ids": ids,
        "parents": parents,
        "values": values,
        "labels": labels,
        "customdata": custom,
        "colors": colors,
    }


def treemap(
    model_or_node: Any,
    max_depth: int | None = None,
    max_sectors: int = FIGURE_MAX_SECTORS,
    title: str | None = None,
    height: int = 520,
    size: str = "params",
):
    """A Plotly treemap of exact parameter counts, one sector per module.

    Parameters
    ----------
    model_or_node
        An ``nn.Module``, a pipeline, or a :class:`~explorer.anatomy.ModuleNode` (a subtree).
    max_depth
        Levels below the root to draw (None: all).
    max_sectors
        At most this many sectors (default 5,000): the largest modules are kept, and each parent's
        remaining children are summed into one "N more" sector, so totals stay exact.
    title, height
        Figure title (escaped) and height in pixels.
    size
        "params" (default) sizes sectors by parameter count; "active" by the parameters one
        token uses (:func:`explorer.budget.active_params_by_path`: for mixture-of-experts models
        the routed experts count k/E, drawn in their own colour, the hover saying what a token
        skips). "active" needs the model (or a Budget), not a ModuleNode.

    Returns
    -------
    plotly.graph_objects.Figure
        ``ids`` are module paths (the root is ``"."``), ``branchvalues="total"``.
    """
    import plotly.graph_objects as go

    return go.Figure(treemap_spec(model_or_node, max_depth, max_sectors, title, height, size))


def treemap_spec(
    model_or_node: Any,
    max_depth: int | None = None,
    max_sectors: int = FIGURE_MAX_SECTORS,
    title: str | None = None,
    height: int = 520,
    size: str = "params",
) -> dict[str, Any]:
    """The :func:`treemap` figure as plain Plotly.js data: ``{"data": [trace], "layout": {}}``.

    Parameters are as for :func:`treemap`. JSON types only and no plotly.py import: a widget
    sends it as it is (plotly.py's import and validation cost ~0.4 s on a kernel's first figure).
    """
    data = treemap_data(model_or_node, max_depth=max_depth, max_sectors=max_sectors, size=size)
    trace = {
        "type": "treemap",
        "ids": data["ids"],
        "parents": data["parents"],
        "values": data["values"],
        "labels": data["labels"],
        "customdata": data["customdata"],
        "branchvalues": "total",
        "hovertemplate": _HOVER_ACTIVE if size == "active" else _HOVER,
        "hoverlabel": {"align": "left", "font": {"size": 12}},
        "texttemplate": "<b>%{label}</b><br>%{customdata[2]}",
        "marker": {
            "colors": data["colors"],
            "line": {"width": 1, "color": "rgba(255,255,255,0.6)"},
        },
        "root": {"color": "rgba(0,0,0,0)"},
        "maxdepth": 4,
        # Model order: Plotly sorts by size unless told not to (DeepSeek-V3's layers began at
        # 3), and its default squarified packing reads 0 1 / 2 4 / 3 5 even unsorted; the
        # binary packing keeps each sector left of or above the later ones (0 1 2 / 3 4 5).
        "sort": False,
        "tiling": {"packing": "binary"},
    }
    layout: dict[str, Any] = {
        "margin": {"l": 4, "r": 4, "t": 32 if title else 4, "b": 4},
        "height": height,
    }
    if title:
        layout["title"] = {"text": escape(title)}
    return {"data": [trace], "layout": layout}
