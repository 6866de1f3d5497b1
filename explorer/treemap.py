"""ModuleNode -> a rooted Plotly treemap of exact parameter counts, capped for huge models."""

from __future__ import annotations

import heapq
from html import escape
from typing import Any

from .anatomy import ModuleNode, module_tree
from .numbers import share as _share
from .numbers import short_count

__all__ = ["treemap", "treemap_data", "ROOT_ID"]

ROOT_ID = "."  # Plotly reserves "" for "no parent"; no module path can be "."
DEFAULT_MAX_SECTORS = 5000
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


def _select(root: ModuleNode, max_depth: int | None, max_sectors: int) -> tuple:
    """Pick the largest subtrees first (a parent always before its children) within the cap.

    Returns the chosen nodes in pre-order-by-size and, per chosen parent, its children that
    did not fit (they become one aggregated "other" sector), and each chosen node's parent.
    """
    limit = None if max_depth is None else root.depth + max_depth

    def kids(node: ModuleNode) -> list[ModuleNode]:
        if limit is not None and node.depth >= limit:
            return []
        return [c for c in node.children if c.params > 0]

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
            heapq.heappush(heap, (-c.params, tick, c))
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


def treemap_data(
    model_or_node: Any, max_depth: int | None = None, max_sectors: int = DEFAULT_MAX_SECTORS
) -> dict[str, list]:
    """The treemap's arrays (ids, parents, values, labels, customdata) without building a figure.

    Parameters are as for :func:`treemap`.
    """
    root = model_or_node if isinstance(model_or_node, ModuleNode) else module_tree(model_or_node)
    if max_depth is not None and (not isinstance(max_depth, int) or max_depth < 0):
        raise ValueError(f"max_depth must be a non-negative int or None, got {max_depth!r}")
    if not isinstance(max_sectors, int) or max_sectors < 2:
        raise ValueError(f"max_sectors must be an int >= 2, got {max_sectors!r}")
    chosen, left, parent_of = _select(root, max_depth, max_sectors)
    total = root.params

    def node_id(node: ModuleNode) -> str:
        return ROOT_ID if node is root else node.path

    ids, parents, values, labels, custom, colors = [], [], [], [], [], []
    palette: dict[str, str] = {}

    def color(kind: str) -> str:  # one colour per module type, in order of first appearance
        return palette.setdefault(kind, _PALETTE[len(palette) % len(_PALETTE)])

    parent_params: dict[str, int] = {}
    for node in chosen:
        nid = node_id(node)
        parent_params[nid] = node.params
        ids.append(nid)
        values.append(node.params)
        if node is root:
            parents.append("")
            labels.append(escape(node.name or node.type))
            up = node.params
        else:
            pid = node_id(parent_of[id(node)])
            parents.append(pid)
            labels.append(escape(node.name))
            up = parent_params[pid]
        # Leaves by type (Linear, Embedding, norms read apart); containers in quiet shades by depth.
        leaf = not any(c.params for c in node.children)
        colors.append(
            color(node.type) if leaf else _SHADES[(node.depth - root.depth) % len(_SHADES)]
        )
        custom.append(
            [
                escape(node.path or node.type),
                escape(node.type),
                short_count(node.params),
                _share(node.params, total),
                _share(node.params, up),
            ]
        )
    by_id = {id(n): n for n in chosen}
    for pid_obj, rest in left.items():
        parent = by_id[pid_obj]
        pid = node_id(parent)
        value = sum(c.params for c in rest)
        ids.append(f"{pid}\x00other" if pid != ROOT_ID else "\x00other")
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
                _share(value, parent.params),
            ]
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
    max_sectors: int = DEFAULT_MAX_SECTORS,
    title: str | None = None,
    height: int = 520,
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

    Returns
    -------
    plotly.graph_objects.Figure
        ``ids`` are module paths (the root is ``"."``), ``branchvalues="total"``.
    """
    import plotly.graph_objects as go

    data = treemap_data(model_or_node, max_depth=max_depth, max_sectors=max_sectors)
    fig = go.Figure(
        go.Treemap(
            ids=data["ids"],
            parents=data["parents"],
            values=data["values"],
            labels=data["labels"],
            customdata=data["customdata"],
            branchvalues="total",
            hovertemplate=_HOVER,
            texttemplate="<b>%{label}</b><br>%{customdata[2]}",
            marker=dict(colors=data["colors"], line=dict(width=1, color="rgba(255,255,255,0.6)")),
            root_color="rgba(0,0,0,0)",
            maxdepth=4,
            sort=True,
        )
    )
    fig.update_layout(
        margin=dict(l=4, r=4, t=32 if title else 4, b=4),
        height=height,
        title=escape(title) if title else None,
    )
    return fig
