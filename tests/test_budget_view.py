"""The Budget view and the tree's cost details, driven as the browser drives them."""

from __future__ import annotations

import functools
import math

import pytest
import torch
from _models import full_size
from _tiny_models import build
from _wire import Wire
from traitlets import TraitError

from explorer.budget import budget
from explorer.widgets.app import Explorer, explore
from explorer.widgets.budget import DTYPES, BudgetView

BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "int4": 0.5}
GIB = 2**30


@functools.cache
def model(name: str):
    """Full-size architectures on meta, built once (tests only read them)."""
    return full_size(name)


def experts_of_layer_0(m) -> str:
    """Mixtral's routed experts of layer 0: ``model.layers.0.mlp.experts`` in transformers 5,
    ``model.layers.0.block_sparse_moe.experts`` in transformers 4."""
    return next(
        p for p, _ in m.named_modules() if p.startswith("model.layers.0.") and p.endswith("experts")
    )


def rows_by_key(view: BudgetView, part: str) -> dict:
    return {r["key"]: r for r in view.content[part]}


def test_dtype_switch_shows_the_weights_in_that_dtype():
    m = model("llama-2-7b")
    view = BudgetView(m)
    wire = Wire(view.table)
    b = budget(m)
    n = sum(p.numel() for p in m.parameters())
    for dtype in DTYPES:
        wire.set_from_browser(dtype=dtype)  # a click on the dtype's button
        assert view.dtype == dtype
        weights = rows_by_key(view, "memory")[f"weights_{dtype}"]
        assert weights["value"] == b.weights_bytes(dtype) == math.ceil(n * BYTES[dtype])
        assert f"x {BYTES[dtype]:g}" in weights["formula"] and weights["source"]
        sent = [d["state"]["content"] for d in wire.sent if "content" in d.get("state", {})]
        assert sent[-1]["memory"][0]["value"] == weights["value"]  # what the browser got
    with pytest.raises(TraitError, match="unknown dtype 'float8'"):
        view.dtype = "float8"
    assert view.dtype == "int4"


def test_the_conventions_side_by_side_with_formula_and_source():
    m = model("mixtral-8x7b")
    view, c = BudgetView(m), m.config
    counts = rows_by_key(view, "counts")
    total = sum(p.numel() for p in m.parameters())
    embedding = 2 * c.vocab_size * c.hidden_size  # embed_tokens + lm_head (not tied)
    expert = 3 * c.hidden_size * c.intermediate_size
    skipped = c.num_hidden_layers * (c.num_local_experts - c.num_experts_per_tok) * expert
    assert counts["params"]["value"] == counts["trainable"]["value"] == total
    assert counts["frozen"]["value"] == 0
    assert counts["embedding"]["value"] == embedding
    assert counts["non_embedding"]["value"] == total - embedding
    assert counts["active"]["value"] == total - skipped
    assert view.content["moe"] is True
    sources = view.content["sources"]
    for r in view.content["counts"] + view.content["memory"]:
        assert r["formula"], r["key"]
        assert sources[r["ref"] - 1] == r["source"] != "", r["key"]
    assert "Kaplan" in sources[counts["non_embedding"]["ref"] - 1]
    memory = rows_by_key(view, "memory")
    assert memory["training_mixed"]["value"] == 16 * total  # ZeRO: 2 + 2 + 12 per parameter
    assert memory["training_float32"]["value"] == 16 * total  # 4 + 4 + 8
    assert "activations not included" in memory["training_mixed"]["note"]
    dense = BudgetView(model("llama-2-7b")).content
    assert dense["moe"] is False and "active" not in {r["key"] for r in dense["counts"]}


def test_kv_inputs_as_typed():
    m = model("llama-2-7b")
    view, c = BudgetView(m), m.config
    wire = Wire(view.table)
    head_dim = c.hidden_size // c.num_attention_heads
    per_token = 2 * c.num_hidden_layers * c.num_key_value_heads * head_dim  # K and V values
    wire.set_from_browser(tokens="8,192", batch="2", dtype="float16")
    (kv,) = view.content["kv"]
    assert kv["value"] == per_token * 2 * 8192 * 2
    assert "8,192 tokens x batch 2" in kv["name"] and "kv_heads" in kv["formula"]
    wire.set_from_browser(tokens="0")
    assert view.content["kv"][0]["value"] == 0 and view.message == ""


def test_deepseek_compressed_and_expanded_cache():
    m = model("deepseek-v3")
    view, c = BudgetView(m, tokens=1000), m.config
    compressed, expanded = view.content["kv"]
    assert view.content["mla"] is True
    assert compressed["value"] == c.num_hidden_layers * (c.kv_lora_rank + c.qk_rope_head_dim) * 2000
    per_head = c.qk_nope_head_dim + c.qk_rope_head_dim + c.v_head_dim
    assert expanded["value"] == c.num_hidden_layers * c.num_attention_heads * per_head * 2000
    assert "compressed latent" in compressed["name"] and "expanded" in expanded["name"]
    assert "with the KV cache expanded per head" in view.content["gpu"]["detail"]


def test_gpu_line_and_what_it_leaves_out():
    m = model("llama-2-7b")
    view, c = BudgetView(m), m.config
    wire = Wire(view.table)
    weights = 2 * sum(p.numel() for p in m.parameters())  # bfloat16
    head_dim = c.hidden_size // c.num_attention_heads
    kv = 2 * c.num_hidden_layers * c.num_key_value_heads * head_dim * 2 * 4096
    for gb in ("80", "8", "6.5"):
        wire.set_from_browser(gpu_gb=gb, tokens="4096")
        want = math.ceil((weights + kv) / (float(gb) * GIB))
        gpu = view.content["gpu"]
        assert gpu["count"] == want == budget(m).gpus_needed(float(gb), "bfloat16", 4096)
        assert gpu["line"] == f"fits on {want} x GPU of {float(gb):g} GB"
        assert "activations" in gpu["leaves_out"] and "CUDA context" in gpu["leaves_out"]
        assert gpu["formula"].startswith("ceil((weights + KV cache) / GPU)")
    assert want > 1  # 6.5 GB is less than the weights alone


@pytest.mark.parametrize(
    "field, text, says",
    [
        ("tokens", "-5", "context length must be 0 or more"),
        ("tokens", "", "context length is empty"),
        ("tokens", "4k", "context length must be a whole number, got '4k'"),
        ("batch", "0", "batch must be 1 or more"),
        ("gpu_gb", "0", "GPU memory must be more than 0 GB"),
        ("gpu_gb", "nan", "GPU memory must be more than 0 GB"),
        ("gpu_gb", "lots", "GPU memory must be a number of GB"),
    ],
)
def test_bad_inputs_show_a_message_never_a_crash(field, text, says):
    view = BudgetView(model("llama-2-7b"))
    wire = Wire(view.table)
    wire.set_from_browser(**{field: text})
    assert says in view.message
    assert view.content["gpu"] is None  # needs every input
    assert (view.content["kv"] == []) == (field != "gpu_gb")
    weights = budget(model("llama-2-7b")).weights_bytes("bfloat16")
    assert view.content["memory"][0]["value"] == weights
    wire.set_from_browser(**{field: {"tokens": "128", "batch": "1", "gpu_gb": "24"}[field]})
    assert view.message == "" and view.content["gpu"]["count"] == 1


def test_a_model_without_config_has_weights_but_no_kv_cache():
    m = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10))
    view = BudgetView(m)
    (kv,) = view.content["kv"]
    assert kv["value"] is None and "needs the model's config" in kv["note"]
    assert view.content["gpu"]["count"] == 1 and "(no KV cache)" in view.content["gpu"]["detail"]


def test_tree_details_carry_each_modules_cost_in_the_chosen_dtype():
    m = model("mixtral-8x7b")
    ex = explore(m)
    view, pages = ex.budget_view, ex.tree_widget.pages
    wire = Wire(ex.tree_widget)
    paths = ["", "model.embed_tokens", experts_of_layer_0(m), "model.layers.0.self_attn"]
    # explore() computes no budget: the first display asks only for a ready one
    assert not view.loaded and pages.budget(compute=False) is None
    first = wire.ask(op="details", path="", cost="ready", id="v:1")
    assert "cost" not in first and pages.budget(compute=False) is None
    b = budget(m)
    for path in paths:  # a selection asks for it: computed once, then read
        got = wire.ask(op="details", path=path, cost=True, id="v:2")["cost"]
        assert got == b.module(path, "bfloat16")
    experts = pages.details(experts_of_layer_0(m), cost=True)["cost"]
    expert = 3 * m.config.hidden_size * m.config.intermediate_size
    assert experts["skipped"] == (m.config.num_local_experts - 2) * expert
    # the Budget tab's dtype switch changes the tree's bytes, and the browser asks again
    rev = ex.tree_widget.shapes_rev
    Wire(view.table).set_from_browser(dtype="int4")
    assert ex.tree_widget.shapes_rev > rev
    for path in paths:
        assert pages.details(path, cost="ready")["cost"] == b.module(path, "int4")
    with pytest.raises(ValueError, match="cost must be True, False or"):
        pages.details("", cost="yes")


def test_the_budget_is_computed_when_its_tab_is_first_shown():
    ex = Explorer(model("mixtral-8x7b"))
    ex.add_explain()
    view = ex.add_budget()
    assert ex.budget_view is view and not view.loaded
    assert view.content == {"pending": "computing the budget…"}
    rev = ex.tree_widget.shapes_rev
    ex.panels.selected_index = 1  # the user opens the Budget tab
    assert view.loaded and view.content["counts"][0]["value"] == ex.tree.params
    assert ex.tree_widget.shapes_rev > rev  # the tree's details get their cost
    assert ex.tree_widget.pages.details("", cost="ready")["cost"]["params"] == ex.tree.params
    alone = Explorer(model("llama-2-7b"))
    assert alone.add_budget().loaded  # its only tab: shown at once


def test_active_treemap_for_mixture_of_experts():
    m = model("mixtral-8x7b")
    view = BudgetView(m)
    assert view.active_treemap is None
    Wire(view.table).set_from_browser(show_active=True)
    trace = view.active_treemap.to_dict()["data"][0]
    values = dict(zip(trace["ids"], trace["values"]))
    b = budget(m)
    assert values["."] == b.active
    experts = experts_of_layer_0(m)
    assert values[experts] == b.active_by_path()[experts] == 2 * (b.module(experts)["params"] // 8)
    assert view.children[1].layout.display == "flex"
    view.show_active = False
    assert view.children[1].layout.display == "none"


def test_the_model_is_not_changed_and_to_dict():
    m = build("distilbert_sst2")
    before = {k: v.clone() for k, v in m.state_dict().items()}
    flags = (m.training, [p.requires_grad for p in m.parameters()])
    view = BudgetView(m, dtype="int8", tokens="100", gpu_gb=24.0)
    view.show_active = True  # not mixture of experts: the sizes are the parameters
    out = view.to_dict()
    assert out["inputs"] == {"dtype": "int8", "tokens": 100, "batch": 1, "gpu_gb": 24.0}
    keys = [r["key"] for r in out["rows"]]
    assert "weights_int8" in keys and "kv_cache" in keys and "gpus" in keys
    assert (m.training, [p.requires_grad for p in m.parameters()]) == flags
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())


def test_tree_pages_costs_from_a_budget_or_once_from_a_callable():
    from explorer.tree.pages import TreePages

    m = model("llama-2-7b")
    b = budget(m)
    calls = []

    def make():
        calls.append(1)
        return b

    assert "cost" not in TreePages(m).details("model.layers.0", cost=True)  # no costs given
    given = TreePages(m, costs=b)
    assert given.details("lm_head", cost="ready")["cost"] == b.module("lm_head", "bfloat16")
    lazy = TreePages(m, costs=make)
    assert "cost" not in lazy.details("lm_head", cost="ready") and calls == []
    assert "cost" not in lazy.details("lm_head") and calls == []  # default: no cost
    for path in ("lm_head", "model.layers.0", ""):
        assert lazy.details(path, cost=True)["cost"] == b.module(path, "bfloat16")
    assert calls == [1]
    lazy.cost_dtype = "float32"
    assert lazy.cost("lm_head")["bytes"] == 4 * m.config.vocab_size * m.config.hidden_size

    def broken():
        raise RuntimeError("no budget today")

    shown = TreePages(m, costs=broken).details("lm_head", cost=True)
    assert shown["cost"] == {"error": "RuntimeError: no budget today"}
    assert shown["params"] == m.config.vocab_size * m.config.hidden_size  # the rest is there
