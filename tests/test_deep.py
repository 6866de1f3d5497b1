"""Models nested thousands of levels deep: every view walks them without recursion."""

from __future__ import annotations

import sys

import pytest
import torch
from _wire import Wire
from torch import nn

import explorer
from explorer.model_info import modules, named_modules, tensors
from explorer.tree.pages import TreePages
from explorer.treemap import ROOT_ID, treemap_data

DEPTHS = [3_000, 10_000]
pytestmark = [pytest.mark.slow, pytest.mark.version_free]  # pure torch


class Level(nn.Module):
    """One level of a deep chain: two parameters of its own and the next level as ``n``."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(2))


def deep(depth: int, leaf_out: int = 2) -> nn.Module:
    """``depth`` nested Levels around a ``Linear(2, leaf_out)``, built without recursion.

    The root also holds the leaf's weight (``tied``: counted at the root, first in
    ``named_parameters()`` order) and the leaf module itself (``alias``); the level halfway down
    holds a buffer; the deeper half of the levels and the leaf's bias are frozen.
    """
    leaf = nn.Linear(2, leaf_out)
    leaf.bias.requires_grad_(False)
    cur: nn.Module = leaf
    for k in range(depth - 1, -1, -1):  # k: the level's depth below the root
        level = Level()
        level.n = cur
        if k >= depth // 2:
            level.w.requires_grad_(False)
        if k == depth // 2:
            level.register_buffer("b", torch.zeros(3))
        cur = level
    cur.tied = leaf.weight
    cur.alias = leaf
    return cur


def path_at(k: int) -> str:
    """The path of the module ``k`` levels below the root ("" for the root)."""
    return ".".join(["n"] * k)


@pytest.fixture(scope="module", params=DEPTHS, ids=lambda d: f"{d}-deep")
def model(request):
    depth = request.param
    return depth, deep(depth)


def test_deeper_than_python_recursion_allows(model):
    depth, m = model
    assert depth > 2 * sys.getrecursionlimit()
    with pytest.raises(RecursionError):  # why every walk here avoids torch's own
        sum(1 for _ in m.named_modules())


def test_module_tree_counts_each_tensor_once(model):
    depth, m = model
    root = explorer.module_tree(m)
    leaf = path_at(depth)
    assert root.params == 2 * depth + 4 + 2  # the levels' w, the leaf's weight and bias
    assert root.trainable_params == 2 * (depth // 2) + 4  # the top half's w and the tied weight
    assert root.buffers == 3 and root.bytes == (2 * depth + 6 + 3) * 4
    node = root.find(leaf)
    assert node.type == "Linear" and node.depth == depth and node.params == 2
    weight = next(t for t in node.tensors if t["name"] == "weight")
    assert not weight["counted"] and weight["shared_with"] == ["tied", "alias.weight"]
    assert root.find("alias").alias_of == leaf and root.find("alias").params == 0
    assert root.find(path_at(depth // 2)).frozen and not root.find(path_at(depth // 2 - 1)).frozen
    assert root.dtypes == ["float32"] and root.devices == ["cpu"]
    assert sum(1 for _ in root.walk()) == depth + 2  # the levels, the leaf and its alias
    assert [g.name for g in root.groups()] == ["n", "alias"]


def test_to_dict_nests_all_the_way(model):
    depth, m = model
    d, levels = explorer.module_tree(m).to_dict(fold=True), 0
    while d.get("children"):
        d, levels = d["children"][0], levels + 1
    assert levels == depth and d["type"] == "Linear"


def test_walk_helpers_equal_torch_where_torch_can_walk():
    m = deep(300)
    for dup in (True, False):
        ours = [(p, id(x)) for p, x in named_modules(m, remove_duplicate=dup)]
        assert ours == [(p, id(x)) for p, x in m.named_modules(remove_duplicate=dup)]
    assert [id(x) for x in modules(m)] == [id(x) for x in m.modules()]
    assert [id(t) for t in tensors(m, buffers=True)] == [
        id(t) for t in [*m.parameters(), *m.buffers()]
    ]
    root = explorer.module_tree(m)
    assert [n.path for n in root.walk()] == [p for p, _ in m.named_modules(remove_duplicate=False)]
    assert root.params == sum(p.numel() for p in m.parameters())


def test_tree_pages_children_reveal_search_details(model):
    depth, m = model
    pages = TreePages(m, costs=lambda: explorer.budget(m))
    leaf = path_at(depth)
    first = pages.initial()
    assert first["total"] == 2 * depth + 6 and first["root"]["dt"] == "float32"
    page = pages.children(path_at(depth - 1))
    assert [r["p"] for r in page["items"]] == [leaf]
    # Every row carries its full path, so a reply for a module k levels down grows as k**2:
    # reveal the 3,000th level (the deepest of the smaller model).
    k = min(depth, 3_000)
    shown = pages.reveal(path_at(k))
    assert len(shown["open"]) == k and shown["kids"][-1]["items"][0]["p"] == path_at(k)
    found = pages.search("level")
    assert found["total"] == depth - 1 and len(found["matches"]) == 200  # the root is not listed
    assert found["matches"][-1] == path_at(200) and len(found["rows"]) == 200
    assert pages.search("alias")["matches"] == ["alias"]
    details = pages.details(leaf, cost=True)
    assert details["depth"] == depth and details["params"] == 2
    assert details["cost"]["params"] == 2
    keys = pages.copy(path_at(depth - 1), "state_dict")["text"].split("\n")
    assert keys == [path_at(depth - 1) + ".w", leaf + ".weight", leaf + ".bias"]


def test_tree_widget_answers_the_browser(model):
    from explorer.widgets.tree import ModuleTree

    depth, m = model
    wire = Wire(ModuleTree(m))
    reply = wire.ask(op="children", path=path_at(depth - 1), id=1)
    assert reply["op"] == "children" and reply["items"][0]["t"] == "Linear"
    reply = wire.ask(op="details", path=path_at(depth), id=2)
    assert reply["op"] == "details" and reply["depth"] == depth


def test_treemap_reaches_down_within_its_cap(model):
    depth, m = model
    data = treemap_data(m, max_sectors=500)
    assert len(data["ids"]) <= 500 and data["values"][0] == 2 * depth + 6
    assert data["ids"][0] == ROOT_ID and data["ids"][1] == "n"
    fig = explorer.treemap(m, max_sectors=500)
    assert fig.data[0].ids[-1] == data["ids"][-1]


def test_budget_counts_and_shares(model):
    depth, m = model
    b = explorer.budget(m)
    assert b.params == 2 * depth + 6 and b.trainable == 2 * (depth // 2) + 4
    assert b.module(path_at(depth))["params"] == 2
    assert "parameters" in b.text()


def test_compare_finds_equal_and_the_one_change_at_the_bottom(model):
    depth, m = model
    same = explorer.compare(m, m)
    assert len(same.rows) == depth + 2 and {r.status for r in same.rows} == {"same"}
    other = explorer.compare(m, deep(depth, leaf_out=3))
    changed = [r.path for r in other.by_status("changed")]
    assert path_at(depth) in changed
    # the change is reported on the way up, at every level above it
    assert all(other.row(path_at(k)).differs_below for k in range(depth))


def test_explain_any_depth(model):
    depth, m = model
    for path in ("", path_at(depth // 2), path_at(depth)):
        en, ko = explorer.explain(m, path, lang="en"), explorer.explain(m, path, lang="ko")
        assert en and ko and en != ko
    assert "alias" in explorer.explain(m, path_at(depth))  # the other path of the same module


def test_save_html(model, tmp_path):
    from explorer.export.data import page_data

    depth, m = model
    if depth <= 3_000:  # the same walks as save_html's, with the numbers readable
        data = page_data(m)
        assert data["meta"]["modules"] == depth + 2 and data["meta"]["params"] == 2 * depth + 6
    out = tmp_path / "deep.html"
    explorer.save_html(m, out)
    assert out.stat().st_size > 10_000 and "Level: transformers-explorer" in out.read_text()


def test_explorer_builds_and_selects_the_deepest(model):
    depth, m = model
    w = explorer.explore(m, lang="ko")
    w.selected = path_at(depth)
    assert w.tree_widget.selected == path_at(depth)
    assert "alias" in w.explain_panel.show(path_at(depth))  # 같은 모듈 객체가 alias 경로에도
