"""What the Node tests (js/test/) hold the browser code to, computed by the Python it mirrors.

``tools/build_js.py`` writes these into ``js/test/fixtures/`` (``--check`` fails on a stale one):

- ``tree_pages.json``: an exported tree (the view's "tree" part and its details bodies) and,
  for requests of every kind, what :class:`explorer.tree.pages.TreePages` answers in a kernel;
  ``export/tree_data.js``'s ``makeTree`` must answer the same.
- ``compare_pages.json``: two models' comparison as :class:`explorer.compare.pages.ComparePages`
  sends it (the first message, every page, a reveal); ``compare/state.js`` lays out its lines.
- ``tiling.json``: the shared tiling cases (inputs) with the rectangles
  :func:`explorer.export.svgmap.tile` gives, and treemap layouts of the same model at a few
  levels; ``export/svgmap.js`` must give the same rectangles (tests/test_svgmap.py checks the
  Python side's invariants on the same cases).

The model is plain torch (no transformers): the answers do not change with the transformers
version. JSON is written one record per line, keys sorted: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "js" / "test" / "fixtures" / "tiling_cases.json"
EVIL = "</script><img src=x onerror=alert(1)>"


def fixture_model():
    """Every kind of row the tree shows: folded runs (equal and unequal members, more than a
    page), tied and aliased modules, frozen and buffer-only modules, markup in a name. (No lazy
    module: explain, and so save_html, fails on one.)"""
    import torch
    from torch import nn

    from explorer.tree.pages import PAGE

    class Block(nn.Module):
        def __init__(self, width: int = 8) -> None:
            super().__init__()
            self.attn = nn.ModuleDict({k: nn.Linear(width, width) for k in "qkv"})
            self.mlp = nn.Sequential(
                nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width)
            )
            self.norm = nn.LayerNorm(width)

    torch.manual_seed(0)
    model = nn.Module()
    model.embed = nn.Embedding(50, 8)
    model.blocks = nn.ModuleList(Block() for _ in range(4))
    model.blocks[3].mlp[0].weight.requires_grad_(False)  # same layout, another badge
    model.many = nn.ModuleList(nn.Linear(2, 2) for _ in range(PAGE + 5))
    model.mixed = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 3), nn.ReLU()])
    model.add_module(EVIL, nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    model.frozen = nn.Linear(3, 3).requires_grad_(False)
    model.stats = nn.BatchNorm1d(4, affine=False)  # buffers only
    model.out = nn.Linear(8, 50, bias=False)
    model.out.weight = model.embed.weight  # tied
    model.again = model.blocks[1]  # an alias
    return model


class _Source:
    """What an Explorer tells save_html (``_export_source``), for a model with "new" paths and
    the output shapes of a run."""

    def __init__(self, model: Any, pages: Any) -> None:
        self.model, self.pages = model, pages

    def _export_source(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tree": self.pages.root,
            "pages": self.pages,
            "figure": None,
            "selected": "",
            "height": 560,
            "panels": [],
            "lang": "en",
            "budget": None,
        }


def _requests(pages: Any) -> list[dict[str, Any]]:
    from explorer.tree.pages import PAGE

    reqs: list[dict[str, Any]] = []
    for key, rows in sorted(pages.all_lists().items()):
        path, _, group = key.partition("\x00")
        for offset in range(0, len(rows), PAGE):
            reqs.append({"op": "children", "path": path, "group": group or None, "offset": offset})
    for path in ["", "embed", "blocks.2.attn.k", "many.3", f"many.{PAGE + 2}", "mixed.2",
                 "again.mlp.1", EVIL, f"{EVIL}.0", "out", "stats"]:  # fmt: skip
        reqs.append({"op": "reveal", "path": path})
    for q in ["emb", "LINEAR", "attn.q", "s.2.m", "blocks", "<img", "   ", "zzz", "norm", "."]:
        reqs.append({"op": "search", "q": q})
    for path in ["", "embed", "blocks", "blocks.0", "blocks.3.mlp.0", "blocks.1.attn.v",
                 "many", "many.0", f"many.{PAGE + 4}", "mixed.2", "mixed.3", EVIL,
                 "frozen", "stats", "out", "again", "again.norm"]:  # fmt: skip
        reqs.append({"op": "details", "path": path})
    for i, r in enumerate(reqs):
        r["id"] = f"r{i}"
        if r.get("group") is None:
            r.pop("group", None)
    return reqs


# Requests TreePages refuses, with a text its error message and the JS one both hold.
BAD = [
    ({"op": "children", "path": "no.such"}, "no.such"),
    ({"op": "children", "path": "", "offset": -1}, "offset"),
    ({"op": "children", "path": "many", "group": "nope"}, "nope"),
    ({"op": "reveal", "path": "blocks.9"}, "blocks.9"),
    ({"op": "details", "path": "embed.weight"}, "embed.weight"),
    ({"op": "search", "q": None}, "str"),
    ({"op": "children", "path": None}, "str"),
    ({"op": "details", "path": None}, "str"),
    ({"op": "children", "path": "", "offset": None}, "offset"),
    ({"op": "explode"}, "explode"),
]


def tree_pages_fixture() -> tuple[dict[str, Any], dict[str, Any]]:
    """The fixture, and the view's treemap sectors (for the layouts)."""
    from explorer.export.data import page_data
    from explorer.tree.pages import TreePages

    model = fixture_model()
    pages = TreePages(model, new_paths=["mixed", "many.3"])
    pages.output_shapes = {"": [[1, 5, 50]], "embed": [[1, 5, 8]], "blocks.0": [[1, 5, 8]],
                           "blocks.0.attn.q": [[1, 5, 8]], "out": [[1, 5, 50], [2]]}  # fmt: skip
    data = page_data(_Source(model, pages))
    tree = dict(data["tree"])
    bodies = tree.pop("bodies")
    replies = [[req, pages.answer(req)] for req in _requests(pages)]
    bad = []
    for req, needle in BAD:
        reply = pages.reply({**req, "id": "bad"})
        assert reply["op"] == "error" and needle in reply["message"], (req, reply)
        bad.append([{**req, "id": "bad"}, needle])
    fixture = {
        "tree": tree,
        "bodies": bodies,
        "initial": pages.initial(),
        "replies": replies,
        "errors": bad,
    }
    return fixture, data["treemap"]


def compare_pages_fixture() -> dict[str, Any]:
    from torch import nn

    import explorer
    from explorer.compare.pages import MAIN, PAGE, ComparePages

    a, b = fixture_model(), fixture_model()
    b.blocks[2].mlp[2] = nn.Linear(16, 8, bias=False)  # changed, inside a fold's neighbours
    b.extra = nn.Linear(8, 8)  # only in B
    del a.frozen  # only in B too: A lacks it
    pages = ComparePages(explorer.compare(a, b))
    keys = [MAIN] + sorted({it["fold"] for it in pages.page(MAIN)["items"] if "fold" in it})
    replies = []
    for key in keys:
        total = pages.page(key)["total"]
        replies += [pages.answer({"op": "page", "key": key, "offset": o, "id": f"{key}@{o}"})
                    for o in range(0, total, PAGE)]  # fmt: skip
    reveal = pages.answer({"op": "reveal", "path": f"many.{PAGE + 3}", "id": "reveal"})
    return {"initial": pages.initial(), "replies": replies, "reveal": reveal}


def tiling_cases() -> list[dict[str, Any]]:
    """The shared inputs: ``js/test/fixtures/tiling_cases.json`` plus seeded random cases."""
    cases = json.loads(CASES.read_text("utf-8"))["cases"]
    rng = random.Random(20240518)
    for n in range(16):
        count = rng.choice([1, 2, 3, 5, 8, 13, 40])
        values = [rng.choice([1, 7, 1000, 10**6, 10**9]) * rng.random() + 1e-3
                  for _ in range(count)]  # fmt: skip
        total = sum(values) * rng.choice([1, 1, 1, 1.25, 3])
        w, h = rng.uniform(1, 900), rng.uniform(1, 900)
        x, y = rng.uniform(-50, 50), rng.uniform(0, 300)
        cases.append(
            {"name": f"random {n}", "values": values, "rect": [x, y, w, h], "total": total}
        )
    return cases


def tiling_fixture(treemap: dict[str, Any]) -> dict[str, Any]:
    from explorer.export.svgmap import layout, tile

    cases = [{**c, "rects": tile(c["values"], *c["rect"], c["total"])} for c in tiling_cases()]
    parents = [p for p in dict.fromkeys(treemap["parents"]) if p]
    levels = [treemap["level"], *parents[1:3]]
    layouts = [{"level": lv, "rects": layout(treemap, lv)} for lv in levels]
    return {"cases": cases, "sectors": treemap, "layouts": layouts}


def _lines(obj: dict[str, Any]) -> str:
    """JSON with each top-level list's items on their own line (readable diffs), keys sorted."""

    def dump(v: Any) -> str:
        return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    parts = []
    for key in sorted(obj):
        v = obj[key]
        if isinstance(v, list):
            body = ",\n".join(dump(x) for x in v)
            parts.append(f"{json.dumps(key)}: [\n{body}\n]")
        else:
            parts.append(f"{json.dumps(key)}: {dump(v)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def fixtures() -> dict[str, str]:
    """``{file name: text}`` of every fixture."""
    tree, treemap = tree_pages_fixture()
    return {
        "tree_pages.json": _lines(tree),
        "compare_pages.json": _lines(compare_pages_fixture()),
        "tiling.json": _lines(tiling_fixture(treemap)),
    }
