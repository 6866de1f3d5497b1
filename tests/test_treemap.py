"""treemap: a rooted, exact, escaped Plotly treemap that stays usable for huge models."""

from __future__ import annotations

from collections import defaultdict

import pytest
from _models import full_size, synthetic
from torch import nn

import explorer
from explorer.numbers import short_count
from explorer.treemap import ROOT_ID


def check_consistent(trace, total):
    ids, parents, values = list(trace.ids), list(trace.parents), list(trace.values)
    assert len(set(ids)) == len(ids)
    assert parents.count("") == 1 and ids[parents.index("")] == ROOT_ID
    assert values[ids.index(ROOT_ID)] == total
    assert set(parents) - {""} <= set(ids)
    sums = defaultdict(int)
    for p, v in zip(parents, values):
        sums[p] += v
    value_of = dict(zip(ids, values))
    for pid, s in sums.items():
        if pid:
            assert value_of[pid] >= s, pid


def test_distilbert_treemap_is_rooted_and_exact():
    model = full_size("distilbert-sst2")
    fig = explorer.treemap(model)
    (trace,) = fig.data
    assert trace.type == "treemap" and trace.branchvalues == "total"
    check_consistent(trace, 66_955_010)
    ids = list(trace.ids)
    for path in ["distilbert", "distilbert.transformer.layer.0.ffn.lin1", "classifier"]:
        assert path in ids
    i = ids.index("distilbert.transformer.layer.0.ffn.lin1")
    assert trace.values[i] == 768 * 3072 + 3072
    assert "Dropout" not in {c[1] for c in trace.customdata}  # no empty sectors


def test_tied_weights_counted_once_in_treemap():
    fig = explorer.treemap(full_size("gpt2"))
    (trace,) = fig.data
    check_consistent(trace, 124_439_808)
    assert "lm_head" not in list(trace.ids)  # holds only the tied weight: 0 of its own


def test_hover_shows_count_and_shares():
    (trace,) = explorer.treemap(nn.Sequential(nn.Linear(9, 10), nn.Linear(10, 10))).data
    row = dict(zip(trace.ids, trace.customdata))
    assert row["0"][2] == "100" and row["0"][3] == "47.6%" and row["0"][4] == "47.6%"
    assert "%{customdata[3]}" in trace.hovertemplate and "of parent" in trace.hovertemplate


def test_labels_and_hover_are_escaped():
    model = nn.Sequential()
    model.add_module("<img src=x onerror=alert(1)>", nn.Linear(2, 2))
    (trace,) = explorer.treemap(model).data
    text = " ".join(list(trace.labels) + [" ".join(c) for c in trace.customdata])
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_max_depth_limits_levels():
    model = full_size("distilbert-sst2")
    (trace,) = explorer.treemap(model, max_depth=1).data
    assert set(trace.ids) == {ROOT_ID, "distilbert", "pre_classifier", "classifier"}
    with pytest.raises(ValueError, match="max_depth"):
        explorer.treemap(model, max_depth=-1)


def test_sector_cap_aggregates_the_rest_exactly():
    model = synthetic(25_000)
    root = explorer.module_tree(model)
    (trace,) = explorer.treemap(root).data
    assert len(trace.ids) <= 5000
    check_consistent(trace, root.params)
    assert any(label.endswith("more") for label in trace.labels)
    (small,) = explorer.treemap(root, max_sectors=50).data
    assert len(small.ids) <= 50
    check_consistent(small, root.params)
    with pytest.raises(ValueError, match="max_sectors"):
        explorer.treemap(root, max_sectors=1)


@pytest.mark.slow
def test_deepseek_v3_treemap():
    root = explorer.module_tree(full_size("deepseek-v3"))
    (trace,) = explorer.treemap(root).data
    check_consistent(trace, 671_026_404_352)
    assert len(trace.ids) <= 5000


def test_sectors_keep_model_order():
    # Plotly sorted sectors by size (DeepSeek-V3's dense layers 0-2 came last) and its default
    # packing read 0 1 / 2 4 / 3 5: the figure keeps model order and packs it readably.
    (trace,) = explorer.treemap(full_size("deepseek-v3"), max_depth=3).data
    assert trace.sort is False and trace.tiling.packing == "binary"
    layers = [i for i in trace.ids if i.count(".") == 2 and i.startswith("model.layers.")]
    assert layers[:5] == [f"model.layers.{n}" for n in range(5)]
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(50, 50), nn.Linear(9, 9))
    (trace,) = explorer.treemap(model).data
    assert list(trace.ids) == [ROOT_ID, "0", "1", "2"]  # not by size (1 is the largest)
    # the sector cap keeps the largest modules, still drawn in model order ("N more" last)
    (trace,) = explorer.treemap(synthetic(300), max_sectors=40).data
    order = {n.path: i for i, n in enumerate(explorer.module_tree(synthetic(300)).walk())}
    kept = [order[i] for i in trace.ids[1:] if not i.endswith("\x00other")]
    assert kept == sorted(kept) and trace.ids[-1].endswith("\x00other")


def test_subtree_treemap():
    root = explorer.module_tree(full_size("distilbert-squad"))
    sub = root.find("distilbert.transformer")
    (trace,) = explorer.treemap(sub).data
    check_consistent(trace, sub.params)
    assert "distilbert.transformer.layer.0" in list(trace.ids)


def test_short_count():
    assert [short_count(n) for n in (950, 66_955_010, 6_738_415_616, 671_026_404_352)] == [
        "950",
        "67.0M",
        "6.74B",
        "671B",
    ]


def test_sectors_are_coloured_by_module_type():
    (trace,) = explorer.treemap(full_size("distilbert-sst2")).data
    root = explorer.module_tree(full_size("distilbert-sst2"))
    leaves = {n.path for n in root.walk() if n.params and not any(c.params for c in n.children)}
    kind = {i: c[1] for i, c in zip(trace.ids, trace.customdata) if i in leaves}
    colour = dict(zip(trace.ids, trace.marker.colors))
    by_type: dict[str, set] = {}
    for i, t in kind.items():
        by_type.setdefault(t, set()).add(colour[i])
    assert all(len(c) == 1 for c in by_type.values())  # one colour per type
    lin = colour["distilbert.transformer.layer.0.ffn.lin1"]
    assert lin != colour["distilbert.embeddings.word_embeddings"]


def test_size_active_for_mixture_of_experts():
    model = full_size("mixtral-8x7b")
    c = model.config
    expert = 3 * c.hidden_size * c.intermediate_size
    skipped = c.num_hidden_layers * (c.num_local_experts - c.num_experts_per_tok) * expert
    (trace,) = explorer.treemap(model, size="active").data
    check_consistent(trace, 46_702_792_704 - skipped)  # 12.88B: Mixtral's "12.9B active"
    assert "active parameters per token" in trace.hovertemplate
    rows = {i: (v, c5, col) for i, v, c5, col in zip(
        trace.ids, trace.values, [row[5] for row in trace.customdata], trace.marker.colors
    )}  # fmt: skip
    sets = [i for i, (_, text, _) in rows.items() if text.startswith("routed experts")]
    assert sets and all("a token uses 2 of 8" in rows[i][1] for i in sets)
    tops = [i for i in sets if i.endswith(".experts")]  # the layers' expert sets themselves
    assert len(tops) == c.num_hidden_layers
    assert all(rows[i][0] == c.num_experts_per_tok * expert for i in tops)
    assert len({rows[i][2] for i in sets}) == 1  # routed experts in one colour of their own
    assert rows[sets[0]][2] not in {rows[i][2] for i in rows if i not in sets}
    (default,) = explorer.treemap(model).data
    check_consistent(default, 46_702_792_704)  # the default still sizes by parameters


def test_size_active_of_a_dense_model_is_the_default_sizing():
    model = full_size("distilbert-sst2")
    (active,) = explorer.treemap(model, size="active").data
    (default,) = explorer.treemap(model).data
    assert list(active.ids) == list(default.ids) and list(active.values) == list(default.values)
    assert all(row[5] == "" for row in active.customdata)


def test_size_active_needs_the_model():
    root = explorer.module_tree(full_size("distilbert-sst2"))
    with pytest.raises(TypeError, match="needs the model"):
        explorer.treemap(root, size="active")
    with pytest.raises(ValueError, match="size"):
        explorer.treemap(root, size="bytes")
