"""ModuleTree widget state: what the browser is sent first, and how it answers the browser."""

from __future__ import annotations

import json

import pytest
from _models import full_size, synthetic
from _wire import Wire
from torch import nn
from traitlets import TraitError

from explorer.numbers import short_count
from explorer.tree.pages import MAX_MATCHES, PAGE
from explorer.widgets.tree import ModuleTree, UnknownPathError

ROW_KEYS = {"p", "n", "t", "c", "s", "k", "b", "dt", "dv"}
GROUP_KEYS = {"g", "n", "t", "x", "c", "s"}
EVIL = "<img src=x onerror=alert(1)>"


def initial_bytes(widget: ModuleTree) -> int:
    """The first message's state as the kernel serialises it (every synced trait)."""
    return len(json.dumps(widget.get_state(), separators=(",", ":")).encode())


def child_paths(module: nn.Module, prefix: str = "") -> list[str]:
    return [prefix + name for name, _ in module.named_children()]


def test_initial_state_is_the_root_and_two_levels():
    model = full_size("distilbert-sst2")
    w = ModuleTree(model)
    init = w.initial
    assert init["root"]["p"] == "" and init["root"]["t"] == "DistilBertForSequenceClassification"
    assert init["root"]["c"] == init["total"] == sum(p.numel() for p in model.parameters())
    kids = {k["key"]: k for k in init["kids"]}
    # the root's children and theirs, no deeper
    assert [it["p"] for it in kids[""]["items"]] == child_paths(model)
    assert [it["p"] for it in kids["distilbert"]["items"]] == child_paths(
        model.distilbert, "distilbert."
    )
    assert "distilbert.transformer" not in kids and "distilbert.embeddings" not in kids
    assert initial_bytes(w) < 100_000


def test_children_come_folded_and_groups_open_into_members():
    model = full_size("distilbert-sst2")
    wire = Wire(ModuleTree(model))
    reply = wire.ask(op="children", path="distilbert.transformer.layer", id="v:1")
    assert reply["id"] == "v:1" and reply["total"] == 1
    (group,) = reply["items"]
    assert set(group) == GROUP_KEYS
    assert (group["n"], group["x"], group["t"]) == ("0-5", 6, "TransformerBlock")
    layers = model.distilbert.transformer.layer
    assert group["c"] == sum(p.numel() for p in layers.parameters())
    members = wire.ask(
        op="children", path="distilbert.transformer.layer", group=group["g"], id="v:2"
    )
    assert [m["p"] for m in members["items"]] == [
        f"distilbert.transformer.layer.{i}" for i in range(6)
    ]
    assert all(m["c"] == sum(p.numel() for p in layers[0].parameters()) for m in members["items"])
    assert members["items"][0]["s"] == short_count(members["items"][0]["c"])


def test_long_lists_arrive_page_by_page():
    model = nn.Sequential(*[nn.Linear(1, i + 1) for i in range(PAGE + 50)])  # all different
    wire = Wire(ModuleTree(model))
    first = {k["key"]: k for k in wire.widget.initial["kids"]}[""]
    assert first["total"] == PAGE + 50 and len(first["items"]) == PAGE
    rest = wire.ask(op="children", path="", offset=PAGE, id="x")
    assert [it["p"] for it in rest["items"]] == [str(i) for i in range(PAGE, PAGE + 50)]


def test_selected_from_the_browser_and_from_python():
    model = full_size("distilbert-squad")
    w = ModuleTree(model)
    wire = Wire(w)
    wire.set_from_browser(selected="distilbert.transformer.layer.3.attention")
    assert w.selected == "distilbert.transformer.layer.3.attention"
    w.selected = "qa_outputs"  # Python -> browser: a state update carrying the path
    updates = [d["state"] for d in wire.sent if d.get("method") == "update"]
    assert {"selected": "qa_outputs"} in updates


def test_unknown_path_is_refused_by_name_and_the_widget_keeps_working():
    w = ModuleTree(full_size("distilbert-sst2"), selected="classifier")
    with pytest.raises(ValueError, match="no module at path 'distilbert.nope'"):
        w.selected = "distilbert.nope"
    with pytest.raises(UnknownPathError):
        w.selected = "Classifier"  # paths are case-sensitive, as in named_modules()
    with pytest.raises(TraitError):
        w.selected = 3
    assert w.selected == "classifier"
    wire = Wire(w)
    reply = wire.ask(op="children", path="nope", id="e")
    assert reply["op"] == "error" and reply["id"] == "e" and "'nope'" in reply["message"]
    assert wire.ask(op="details", path="classifier", id="ok")["type"] == "Linear"
    w.selected = "pre_classifier"
    assert w.selected == "pre_classifier"


def test_reveal_sends_only_the_pages_on_the_way():
    model = synthetic(25_000)
    w = ModuleTree(model)
    wire = Wire(w)
    reply = wire.ask(op="reveal", path="0.4321.2", id="r")
    # root -> "0" (a ModuleList) -> the folded run of 5000 identical blocks -> block 4321
    assert reply["open"][:2] == ["", "0"] and reply["open"][-1] == "0.4321"
    group_page = next(k for k in reply["kids"] if k["key"] == reply["open"][2])
    assert group_page["total"] == len(model[0]) and group_page["offset"] <= 4321
    assert "0.4321" in [it["p"] for it in group_page["items"]]
    block = next(k for k in reply["kids"] if k["key"] == "0.4321")
    assert "0.4321.2" in [it["p"] for it in block["items"]]
    assert len(json.dumps(reply)) < 100_000


def test_search_covers_the_whole_tree_capped():
    model = synthetic(25_000)
    wire = Wire(ModuleTree(model))
    reply = wire.ask(op="search", q="layernorm", id="s")
    expected = [p for p, m in model.named_modules() if type(m).__name__ == "LayerNorm"]
    assert reply["total"] == len(expected) > MAX_MATCHES
    assert reply["matches"] == expected[:MAX_MATCHES]
    shown = {r["p"] for r in reply["rows"]}
    for path in reply["matches"]:  # every match can be shown: all its ancestors come along
        parts = path.split(".")
        assert {".".join(parts[:i]) for i in range(1, len(parts) + 1)} <= shown
    assert len(json.dumps(reply)) < 100_000
    # by name, and by dotted path
    model2 = full_size("distilbert-sst2")
    w2 = Wire(ModuleTree(model2))
    assert w2.ask(op="search", q="LIN1", id="a")["total"] == 6
    assert w2.ask(op="search", q="layer.3.ffn", id="b")["matches"] == [
        "distilbert.transformer.layer.3.ffn"
    ]
    assert w2.ask(op="search", q="  ", id="c")["total"] == 0


def test_details_show_repr_shapes_counts_and_sharing():
    model = full_size("gpt2")
    wire = Wire(ModuleTree(model))
    d = wire.ask(op="details", path="lm_head", id="d")
    assert d["repr"] == repr(model.lm_head)
    (weight,) = d["tensors"]
    assert weight["shape"] == list(model.lm_head.weight.shape)
    assert weight["shared_with"] == ["transformer.wte.weight"] and not weight["counted"]
    assert d["params"] == 0  # counted once, at transformer.wte
    row = next(it for it in wire.widget.initial["kids"][0]["items"] if it["p"] == "lm_head")
    assert "shared" in row["b"]


def test_badges_and_dtype_device_where_they_differ():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(4, 4)
            self.frozen = nn.Linear(4, 4)
            self.plain = nn.Linear(4, 4)  # not next to body: identical neighbours would fold
            self.half = nn.Linear(4, 4).half()
            self.lazy = nn.LazyLinear(3)
            self.stats = nn.BatchNorm1d(4, affine=False)
            self.again = self.body

    net = Net()
    for p in net.frozen.parameters():
        p.requires_grad_(False)
    w = ModuleTree(net, new_paths=["half"])
    rows = {it["p"]: it for it in w.initial["kids"][0]["items"]}
    assert "frozen" in rows["frozen"]["b"] and "lazy" in rows["lazy"]["b"]
    assert "buffers" in rows["stats"]["b"] and "alias" in rows["again"]["b"]
    assert rows["half"]["b"] == ["new"] and "b" not in rows["plain"]
    assert rows["body"]["b"] == ["shared"]  # its tensors are also held at "again"
    assert rows["half"]["dt"] == "float16" and rows["body"]["dt"] == "float32"
    assert w.initial["root"]["dt"] == "float16, float32" and w.initial["root"]["dv"] == "cpu"
    assert "dv" not in rows["body"]  # same device as the parent
    plain = ModuleTree(full_size("distilbert-sst2"))
    assert plain.initial["root"]["dt"] == "float32"  # int64 position ids are buffers
    assert all("dt" not in it for k in plain.initial["kids"] for it in k["items"])


def test_what_is_sent_is_data_not_html():
    model = nn.Sequential()
    model.add_module(EVIL, nn.Sequential(nn.Linear(2, 2)))
    wire = Wire(ModuleTree(model))
    (row,) = wire.widget.initial["kids"][0]["items"]
    assert set(row) <= ROW_KEYS and row["p"] == row["n"] == EVIL  # raw text, not escaped
    replies = [
        wire.ask(op="children", path=EVIL, id="1"),
        wire.ask(op="search", q="img", id="2"),
        wire.ask(op="details", path=EVIL + ".0", id="3"),
    ]
    text = json.dumps([wire.widget.initial, *replies])
    assert text.count("<") == text.count(EVIL)  # no tag but the name itself: nothing rendered
    assert "&lt;" not in text


def test_the_model_is_not_changed():
    model = full_size("distilbert-sst2").train()
    before = [(n, p.requires_grad, p.dtype, p.device, p.shape) for n, p in model.named_parameters()]
    wire = Wire(ModuleTree(model))
    for req in [
        dict(op="children", path="distilbert.transformer"),
        dict(op="reveal", path="distilbert.transformer.layer.5.ffn.lin2"),
        dict(op="search", q="linear"),
        dict(op="details", path="distilbert.embeddings"),
    ]:
        wire.ask(id="m", **req)
    after = [(n, p.requires_grad, p.dtype, p.device, p.shape) for n, p in model.named_parameters()]
    assert after == before and model.training


def test_first_message_under_100kb_for_huge_models():
    sizes = {}
    for name, model in [("synthetic-25k", synthetic(25_000)), ("deepseek-v3", None)]:
        if model is None:
            model = full_size("deepseek-v3")
        w = ModuleTree(model)
        sizes[name] = initial_bytes(w)
        assert sizes[name] < 100_000, sizes
    esm = len(ModuleTree(nn.Linear(1, 1)).get_state()["_esm"])
    print(f"first-message bytes: {sizes} (of which the ES module is {esm})")


def test_bad_requests_are_answered_with_errors():
    wire = Wire(ModuleTree(nn.Sequential(nn.Linear(1, 1))))
    assert wire.ask(op="explode", id="1")["op"] == "error"
    assert "offset" in wire.ask(op="children", path="", offset=-1, id="2")["message"]
    with pytest.raises(TypeError):
        wire.widget.pages.search(None)
