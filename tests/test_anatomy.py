"""module_tree: exact counts on every node, for tied, shared, lazy, frozen and huge models."""

from __future__ import annotations

import json

import pytest
import torch
from _models import full_size, synthetic
from torch import nn

import explorer
from explorer.anatomy import Group


def expected_counts(model: nn.Module) -> dict[str, int]:
    """Independent reference: per path, the numel of named_parameters() entries under it."""
    out: dict[str, int] = {path: 0 for path, _ in model.named_modules(remove_duplicate=False)}
    for name, p in model.named_parameters():
        parts = name.split(".")[:-1]
        out[""] += p.numel()
        for i in range(1, len(parts) + 1):
            out[".".join(parts[:i])] += p.numel()
    return out


def check_exact(model: nn.Module) -> explorer.ModuleNode:
    """Assert the tree's counts equal the reference on every node, and return the tree."""
    root = explorer.module_tree(model)
    assert root.params == sum(p.numel() for p in model.parameters())
    ref = expected_counts(model)
    first_paths = {p for p, _ in model.named_modules()}
    seen = 0
    for node in root.walk():
        seen += 1
        if node.alias_of is None and node.path in first_paths:
            assert node.params == ref[node.path], node.path
        else:  # a second registration of a module holds nothing of its own
            assert node.params == 0, node.path
        assert node.params == node.own_params + sum(c.params for c in node.children)
        assert 0 <= node.trainable_params <= node.params
    assert seen == sum(1 for _ in model.named_modules(remove_duplicate=False))
    return root


# -- published totals (tied weights once) -----------------------------------------------------
@pytest.mark.parametrize(
    "name, total",
    [
        ("gpt2", 124_439_808),
        ("t5-small", 60_506_624),
        ("albert-base-v2", 11_683_584),
        ("distilbert-sst2", 66_955_010),
        ("distilbert-squad", 65_192_450),
    ],
)
def test_published_totals_on_meta(name, total):
    model = full_size(name)
    assert next(model.parameters()).is_meta
    root = check_exact(model)
    assert root.params == total
    assert root.devices == ["meta"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, total",
    [
        ("llama-2-7b", 6_738_415_616),
        ("mixtral-8x7b", 46_702_792_704),
        ("deepseek-v3", 671_026_404_352),
        ("bart-base", None),
    ],
)
def test_big_models_on_meta(name, total):
    model = full_size(name)
    root = check_exact(model)
    if total is not None:
        assert root.params == total
    assert json.loads(json.dumps(root.to_dict(max_depth=2)))["params"] == root.params


def test_gpt2_lm_head_is_tied_and_counted_once():
    root = explorer.module_tree(full_size("gpt2"))
    head, wte = root.find("lm_head"), root.find("transformer.wte")
    assert head.params == 0 and head.shared
    (t,) = head.tensors
    assert t["counted"] is False and t["shared_with"] == ["transformer.wte.weight"]
    assert wte.params == 50257 * 768 and wte.shared
    assert wte.tensors[0]["shared_with"] == ["lm_head.weight"]


def test_module_registered_at_two_paths_appears_at_both():
    shared = nn.Linear(3, 4)
    model = nn.Sequential()
    model.add_module("a", shared)
    model.add_module("mid", nn.ReLU())
    model.add_module("b", shared)
    root = check_exact(model)
    assert [c.path for c in root.children] == ["a", "mid", "b"]
    a, b = root.find("a"), root.find("b")
    assert (a.params, b.params) == (16, 0)
    assert b.alias_of == "a" and a.alias_of is None
    assert b.repr == a.repr == repr(shared)
    assert {t["path"] for t in b.tensors} == {"b.weight", "b.bias"}
    assert all(not t["counted"] for t in b.tensors)
    assert root.params == 16


def test_lstm_and_batchnorm_buffers_are_not_parameters():
    model = nn.Sequential(nn.LSTM(10, 20, num_layers=2), nn.BatchNorm1d(20))
    root = check_exact(model)
    lstm, bn = root.find("0"), root.find("1")
    assert lstm.params == sum(p.numel() for p in model[0].parameters())
    assert len(lstm.tensors) == 8 and lstm.repr == repr(model[0])
    assert bn.params == 40
    assert bn.buffers == 20 + 20 + 1  # running mean, var, num_batches_tracked
    assert {t["kind"] for t in bn.tensors} == {"param", "buffer"}
    assert root.buffers == 41
    assert root.bytes == 4 * root.params + 4 * 40 + 8


def test_weight_norm_parametrization():
    from torch.nn.utils.parametrizations import weight_norm

    model = nn.Sequential(weight_norm(nn.Linear(5, 7)), nn.Linear(7, 2))
    root = check_exact(model)
    wn = root.find("0")
    paths = [n.path for n in wn.walk()]
    assert "0.parametrizations.weight" in paths
    assert wn.params == 7 + 7 * 5 + 7  # original0 (g), original1 (v), bias


def test_lazy_modules_are_flagged_and_count_zero():
    model = nn.Sequential(nn.LazyLinear(4), nn.Linear(4, 2))
    root = explorer.module_tree(model)
    assert root.lazy and root.find("0").lazy and not root.find("1").lazy
    assert root.find("0").params == 0 and root.params == 10
    assert all(t["lazy"] for t in root.find("0").tensors)
    model(torch.zeros(1, 3))  # materialise: now it is an ordinary Linear
    root = check_exact(model)
    assert not root.lazy and root.params == 3 * 4 + 4 + 10


def test_half_frozen_model():
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    model[1].bias.requires_grad_(False)
    root = check_exact(model)
    assert root.find("0").frozen and not root.find("1").frozen
    assert root.find("1").trainable_params == 8
    assert root.trainable_params == 8 and not root.frozen


def test_shared_parameter_across_two_modules():
    a, b = nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False)
    b.weight = a.weight
    model = nn.Sequential(a, b)
    root = check_exact(model)
    assert root.params == 16 and root.find("1").params == 0 and root.find("1").shared


def test_mixed_dtypes_and_reprs():
    model = nn.Sequential(nn.Linear(4, 4).half(), nn.Dropout(0.2), nn.GELU())
    root = explorer.module_tree(model)
    assert root.dtypes == ["float16"]
    assert root.find("1").repr == "Dropout(p=0.2, inplace=False)"
    assert root.find("0").repr == "Linear(in_features=4, out_features=4, bias=True)"
    assert root.repr == "Sequential"
    assert root.find("0").bytes == 2 * 20


def test_distilbert_reprs_match_print_and_blocks_fold():
    model = full_size("distilbert-sst2")
    root = explorer.module_tree(model)
    printed = repr(model)
    for node in root.walk():
        if not node.children:
            assert node.repr in printed, node.path
    assert root.find("distilbert.embeddings.word_embeddings").repr == (
        "Embedding(30522, 768, padding_idx=0)"
    )
    (group,) = root.find("distilbert.transformer.layer").groups()
    assert isinstance(group, Group)
    assert (group.name, group.count, group.type) == ("0-5", 6, "TransformerBlock")
    assert "(0-5): 6 x TransformerBlock" in printed
    assert group.params == root.find("distilbert.transformer").params


def test_folding_keeps_every_node():
    model = full_size("gpt2")
    root = explorer.module_tree(model)

    def count(d):
        if d.get("group"):
            return sum(count(m) for m in d["members"])
        return 1 + sum(count(c) for c in d.get("children", []))

    assert count(root.to_dict(fold=True)) == sum(1 for _ in root.walk())


def test_folding_does_not_merge_different_blocks():
    model = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 3), nn.Linear(2, 2)])
    model[1].weight.requires_grad_(False)
    groups = explorer.module_tree(model).groups()
    assert [g.name for g in groups] == ["0", "1", "2", "3"]
    model = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    groups = explorer.module_tree(model).groups()
    assert [(g.name, isinstance(g, Group)) for g in groups] == [("0-2", True), ("3", False)]


def test_to_dict_is_json_safe_and_depth_limited():
    root = explorer.module_tree(full_size("distilbert-squad"))
    d = json.loads(json.dumps(root.to_dict(max_depth=1)))
    assert [c["name"] for c in d["children"]] == ["distilbert", "qa_outputs", "dropout"]
    assert "children" not in d["children"][0] and d["children"][0]["n_children"] == 2
    full = root.to_dict()
    assert full["children"][0]["children"][0]["name"] == "embeddings"


def test_pipeline_like_object_is_unwrapped_and_bad_input_named():
    class Pipe:
        model = nn.Linear(2, 3)

    assert explorer.module_tree(Pipe()).params == 9
    with pytest.raises(TypeError, match="nn.Module"):
        explorer.module_tree("distilbert-base-uncased")
    with pytest.raises(KeyError, match="nope"):
        explorer.module_tree(nn.Linear(1, 1)).find("nope")


def test_model_is_not_changed():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout())
    model.train()
    model[0].weight.requires_grad_(False)
    before = [(m.training) for m in model.modules()], [p.requires_grad for p in model.parameters()]
    weights = [p.detach().clone() for p in model.parameters()]
    explorer.module_tree(model)
    after = [(m.training) for m in model.modules()], [p.requires_grad for p in model.parameters()]
    assert before == after
    assert all(torch.equal(a, b) for a, b in zip(weights, model.parameters()))


def test_html_in_names_is_kept_as_data():
    model = nn.Sequential()
    model.add_module("<img src=x onerror=alert(1)>", nn.Linear(2, 2))
    root = explorer.module_tree(model)
    assert root.children[0].name == "<img src=x onerror=alert(1)>"  # data is data; views escape


def test_synthetic_25k_modules_is_exact():
    model = synthetic(25_000)
    root = check_exact(model)
    assert sum(1 for _ in root.walk()) >= 25_000
    (group,) = root.find("0").groups()
    assert group.count == len(model[0])


def test_module_containing_itself_does_not_loop():
    model = nn.Sequential(nn.Linear(2, 2))
    model.add_module("me", model)
    root = explorer.module_tree(model)
    assert root.find("me").alias_of == "" and root.params == 6
