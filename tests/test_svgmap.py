"""The static treemap's squarified layout (explorer.export.svgmap): the invariants of a tiling,
on the cases js/test/svgmap.test.mjs checks the browser's copy with."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from explorer.export.svgmap import squarify

CASES = Path(__file__).resolve().parents[1] / "js" / "test" / "fixtures" / "squarify_cases.json"


def shared_cases() -> list[dict]:
    return json.loads(CASES.read_text("utf-8"))["cases"]


def random_cases(n: int = 200, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        count = rng.randint(1, 60)
        scale = rng.choice([1, 1e3, 1e9, 1e12])
        values = sorted((rng.random() * scale + 1e-3 for _ in range(count)), reverse=True)
        total = sum(values) * rng.choice([1, 1, 1.5, 4])
        rect = [
            rng.uniform(-100, 100),
            rng.uniform(0, 100),
            rng.uniform(0.5, 1000),
            rng.uniform(0.5, 1000),
        ]
        cases.append({"name": f"random {i}", "values": values, "rect": rect, "total": total})
    return cases


def check_tiling(case: dict, rects: list) -> None:
    """Areas proportional to the values, inside the parent, no overlap, the parent tiled."""
    name, values, (x, y, w, h), total = case["name"], case["values"], case["rect"], case["total"]
    eps = 1e-9 * w * h
    assert len(rects) == len(values), name
    scale = w * h / total
    tol = 1e-9 * max(w, h, abs(x), abs(y))
    for i, (rx, ry, rw, rh) in enumerate(rects):
        assert abs(rw * rh - values[i] * scale) <= eps, (name, i)
        assert rw >= 0 and rh >= 0, (name, i)
        assert rx >= x - tol and ry >= y - tol, (name, i)
        assert rx + rw <= x + w + tol and ry + rh <= y + h + tol, (name, i)
    for i, a in enumerate(rects):
        for j in range(i + 1, len(rects)):
            b = rects[j]
            dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            assert dx <= 0 or dy <= 0 or dx * dy <= eps, (name, i, j)
    covered = sum(rw * rh for _, _, rw, rh in rects)
    assert abs(covered - sum(values) * scale) <= eps * len(values), name
    if sum(values) == total:
        assert abs(covered - w * h) <= eps * len(values), name


@pytest.mark.parametrize("case", shared_cases(), ids=lambda c: c["name"])
def test_shared_cases_tile_their_parent(case):
    check_tiling(case, squarify(case["values"], *case["rect"], case["total"]))


def test_random_cases_tile_their_parent():
    for case in random_cases():
        check_tiling(case, squarify(case["values"], *case["rect"], case["total"]))


def test_the_check_catches_a_wrong_tiling():
    case = shared_cases()[1]
    rects = squarify(case["values"], *case["rect"], case["total"])
    moved = [rects[0], (rects[0][0], rects[0][1], *rects[1][2:]), *rects[2:]]  # on top of 0
    with pytest.raises(AssertionError):
        check_tiling(case, moved)
    with pytest.raises(AssertionError):
        check_tiling({**case, "total": case["total"] * 2}, rects)  # areas not proportional


def test_an_empty_parent_gives_empty_rectangles():
    assert squarify([3, 1], 5, 6, 0, 10, 4) == [(5, 6, 0.0, 0.0)] * 2
    assert squarify([3, 1], 5, 6, 10, 10, 0) == [(5, 6, 0.0, 0.0)] * 2
