"""The static treemap's layout (explorer.export.svgmap): the invariants of a tiling in model order,
on the cases js/test/svgmap.test.mjs checks the browser's copy with."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from explorer.export.svgmap import tile

CASES = Path(__file__).resolve().parents[1] / "js" / "test" / "fixtures" / "tiling_cases.json"


def shared_cases() -> list[dict]:
    return json.loads(CASES.read_text("utf-8"))["cases"]


def random_cases(n: int = 200, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        count = rng.randint(1, 60)
        scale = rng.choice([1, 1e3, 1e9, 1e12])
        values = [rng.random() * scale + 1e-3 for _ in range(count)]
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
    """Areas proportional to the values, inside the parent, no overlap, the parent tiled, and
    model order: each rectangle left of or above every later one."""
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
            before = a[0] + a[2] <= b[0] + tol or a[1] + a[3] <= b[1] + tol
            assert before, (name, "order", i, j)
    covered = sum(rw * rh for _, _, rw, rh in rects)
    assert abs(covered - sum(values) * scale) <= eps * len(values), name
    if sum(values) == total:
        assert abs(covered - w * h) <= eps * len(values), name


@pytest.mark.parametrize("case", shared_cases(), ids=lambda c: c["name"])
def test_shared_cases_tile_their_parent(case):
    check_tiling(case, tile(case["values"], *case["rect"], case["total"]))


def test_random_cases_tile_their_parent():
    for case in random_cases():
        check_tiling(case, tile(case["values"], *case["rect"], case["total"]))


def test_the_check_catches_a_wrong_tiling():
    case = shared_cases()[1]
    rects = tile(case["values"], *case["rect"], case["total"])
    moved = [rects[0], (rects[0][0], rects[0][1], *rects[1][2:]), *rects[2:]]  # on top of 0
    with pytest.raises(AssertionError):
        check_tiling(case, moved)
    with pytest.raises(AssertionError):
        check_tiling({**case, "total": case["total"] * 2}, rects)  # areas not proportional
    swapped = {**case, "values": case["values"][::-1]}
    with pytest.raises(AssertionError, match="order"):  # the same rectangles, read backwards
        check_tiling(swapped, rects[::-1])


def test_blocks_read_in_model_order():
    # six equal blocks in a tall box (the Explorer's treemap): 0 1 2 above 3 4 5
    rects = tile([1] * 6, 0, 0, 420, 500, 6)
    rows = sorted(range(6), key=lambda i: (round(rects[i][1]), rects[i][0]))
    assert rows == [0, 1, 2, 3, 4, 5]
    # the room a module's own parameters take stays empty, after its children
    a, b = tile([1, 1], 0, 0, 100, 100, 4)
    assert a[2] * a[3] == b[2] * b[3] == 2500 and max(a[1] + a[3], b[1] + b[3]) <= 50


def test_an_empty_parent_gives_empty_rectangles():
    assert tile([3, 1], 5, 6, 0, 10, 4) == [(5, 6, 0.0, 0.0)] * 2
    assert tile([3, 1], 5, 6, 10, 10, 0) == [(5, 6, 0.0, 0.0)] * 2
