"""The parameter treemap as plain SVG: rectangles in model order from the treemap's own numbers.

No plotly.js: the rectangles come from :func:`explorer.treemap.treemap_data` (or an Explorer's
figure), laid out by the binary algorithm the live Plotly treemap uses (``tile``), which the
page's script (``js/export/svgmap.js``) repeats when the reader zooms. Colours, sizes and text are SVG
attributes, so the drawing survives renderers that strip classes, styles and scripts. No
``<title>`` tooltips here (a sanitizer that drops the SVG would spill their text); the script
redraws with them. All model text is escaped.
"""

from __future__ import annotations

import html
from collections import deque
from typing import Any

__all__ = ["sectors", "layout", "tile", "svg", "WIDTH", "HEIGHT", "BAR"]

WIDTH = 640
HEIGHT = 520
BAR = 20  # the path bar above the rectangles
MAX_DEPTH = 3  # levels drawn below the shown level
MIN_SIZE = 3.0  # rectangles smaller than this (px) are left out, with what they hold
MAX_RECTS = 1500
STATIC_RECTS = 600  # the script-free drawing keeps the first (largest levels); zooming redraws all
HEADER = 14  # label strip of a container large enough to hold one
PAD = 2


def sectors(data: dict[str, list], level: str | None = None) -> dict[str, Any]:
    """Plain sector arrays (names and types unescaped) from treemap arrays or a figure's trace.

    ``data`` holds ``ids, parents, values, labels, customdata, colors`` as
    :func:`explorer.treemap.treemap_data` gives them.
    """
    custom = data.get("customdata") or [[""] * 5 for _ in data["ids"]]
    ids = list(data["ids"])
    return {
        "ids": ids,
        "parents": list(data["parents"]),
        "values": [int(v) for v in data["values"]],
        "names": [html.unescape(str(x)) for x in data["labels"]],
        "types": [html.unescape(str(c[1])) for c in custom],
        "counts": [str(c[2]) for c in custom],
        "shares": [str(c[3]) for c in custom],
        "colors": [str(c) for c in data["colors"]],
        "level": level if level in set(ids) else ids[0] if ids else None,
    }


def tile(
    values: list[float], x: float, y: float, w: float, h: float, total: float
) -> list[tuple[float, float, float, float]]:
    """Rectangles for ``values`` (in model order) in ``(x, y, w, h)``; ``total`` fills it.

    The binary layout (d3's ``treemapBinary``, Plotly's ``tiling.packing="binary"``, which the
    live treemap uses): split the values in two runs of about equal sums, side by side along
    the longer side, and each run again. The order stays readable: a value's rectangle is
    left of or above every later one's. ``total`` may exceed ``sum(values)``: the rest of
    the area (a module's own parameters beside its children's) stays empty, after the last.
    """
    if total <= 0 or w <= 0 or h <= 0:
        return [(x, y, 0.0, 0.0) for _ in values]
    rest = total - sum(values)
    vals = list(values) + ([rest] if rest > 0 else [])  # the empty rest, laid out last
    sums = [0.0]
    for v in vals:
        sums.append(sums[-1] + v)
    out: list[tuple[float, float, float, float]] = [(x, y, 0.0, 0.0)] * len(vals)
    todo = [(0, len(vals), sums[-1], x, y, x + w, y + h)]
    while todo:
        i, j, value, x0, y0, x1, y1 = todo.pop()
        if i >= j - 1:
            if i < j:
                out[i] = (x0, y0, x1 - x0, y1 - y0)
            continue
        target = sums[i] + value / 2
        k, hi = i + 1, j - 1
        while k < hi:  # the first k with sums[k] >= target
            mid = (k + hi) // 2
            if sums[mid] < target:
                k = mid + 1
            else:
                hi = mid
        if target - sums[k - 1] < sums[k] - target and i + 1 < k:
            k -= 1
        left = sums[k] - sums[i]
        right = value - left
        if x1 - x0 > y1 - y0:
            xk = (x0 * right + x1 * left) / value if value else x1
            todo += [(k, j, right, xk, y0, x1, y1), (i, k, left, x0, y0, xk, y1)]
        else:
            yk = (y0 * right + y1 * left) / value if value else y1
            todo += [(k, j, right, x0, yk, x1, y1), (i, k, left, x0, y0, x1, yk)]
    return out[: len(values)]


def layout(sec: dict[str, Any], level: str, width: float = WIDTH, height: float = HEIGHT):
    """``[(index, x, y, w, h, depth, has_header)]`` of the sectors shown at ``level``.

    Breadth first, so a container comes before what it holds (painter's order); children keep
    model order (the arrays' order), as the live treemap does (``sort=False``).
    """
    ids, parents, values = sec["ids"], sec["parents"], sec["values"]
    pos = {sid: i for i, sid in enumerate(ids)}
    kids: dict[str, list[int]] = {}
    for i, p in enumerate(parents):
        if values[i] > 0:
            kids.setdefault(p, []).append(i)
    out: list[tuple] = []
    todo = deque([(level, 0.0, float(BAR), float(width), float(height - BAR), 0)])
    while todo and len(out) < MAX_RECTS:
        pid, x, y, w, h, depth = todo.popleft()
        children = kids.get(pid, [])
        if not children:
            continue
        rects = tile([values[i] for i in children], x, y, w, h, values[pos[pid]])
        for i, (cx, cy, cw, ch) in zip(children, rects):
            if cw < MIN_SIZE or ch < MIN_SIZE or len(out) >= MAX_RECTS:
                continue
            branch = ids[i] in kids and depth + 1 < MAX_DEPTH
            header = branch and cw > 40 and ch > HEADER + 16
            out.append((i, cx, cy, cw, ch, depth + 1, header))
            if branch and cw > 2 * PAD + MIN_SIZE and ch > 2 * PAD + MIN_SIZE:
                top = HEADER if header else PAD
                todo.append((ids[i], cx + PAD, cy + top, cw - 2 * PAD, ch - top - PAD, depth + 1))
    return out


def _text_color(fill: str) -> str:
    try:
        r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#1f1f1f"
    return "#1f1f1f" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def _fit(text: str, width: float) -> str:
    room = int((width - 6) / 6.5)
    if room < 2:
        return ""
    return text if len(text) <= room else text[: room - 1] + "…"


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def svg(sec: dict[str, Any], level: str | None = None, title: str = "") -> str:
    """The treemap at ``level`` (default: the arrays' own level) as one ``<svg>`` element."""
    e = html.escape
    level = level or sec["level"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="txe-svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="100%" preserveAspectRatio="xMinYMin meet" role="img" font-size="11"'
        f' font-family="system-ui, sans-serif" aria-label="{e(title or "Parameter treemap")}">'
    ]
    if level is None:
        parts.append("</svg>")
        return "".join(parts)
    li = sec["ids"].index(level)
    bar = f"{sec['names'][li]} · {sec['counts'][li]} parameters"
    parts.append(
        f'<g class="txe-bar" data-i="{li}"><rect x="0" y="0" width="{WIDTH}" height="{BAR - 2}"'
        f' fill="#eeeeee"/><text x="6" y="13" fill="#1f1f1f">{e(_fit(bar, WIDTH))}</text></g>'
    )
    for i, x, y, w, h, _depth, header in layout(sec, level)[:STATIC_RECTS]:
        fill = sec["colors"][i]
        parts.append(
            f'<g data-i="{i}"><rect x="{_n(x)}" y="{_n(y)}"'
            f' width="{_n(w)}" height="{_n(h)}" fill="{e(fill)}" stroke="#ffffff"'
            ' stroke-width="1"/>'
        )
        label = _fit(sec["names"][i], w)
        if label and h >= 13:
            color = _text_color(fill)
            parts.append(
                f'<text x="{_n(x + 3)}" y="{_n(y + 11)}" fill="{color}"'
                f' pointer-events="none">{e(label)}</text>'
            )
            if not header and h >= 29:
                count = _fit(sec["counts"][i], w)
                parts.append(
                    f'<text x="{_n(x + 3)}" y="{_n(y + 25)}" fill="{color}"'
                    f' pointer-events="none">{e(count)}</text>'
                )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
