"""The lazy-tree protocol without a widget: empty roots, copy texts, error replies."""

from __future__ import annotations

import re

import pytest
import torch
from _models import full_size
from torch import nn

from explorer.tree.pages import TreePages, UnknownPathError
from explorer.tree.snippets import attribute_path, lora_targets, state_dict_keys


def test_a_model_without_submodules_has_its_empty_page_at_once():
    pages = TreePages(nn.Linear(3, 2))
    init = pages.initial()
    assert init["root"]["k"] == 0
    assert init["kids"] == [{"key": "", "offset": 0, "total": 0, "items": []}]
    assert pages.details("")["params"] == 3 * 2 + 2


def test_attribute_paths_evaluate_to_the_module():
    model = nn.Module()
    model.blocks = nn.ModuleList([nn.Sequential(nn.Linear(2, 2), nn.ReLU())])
    model.heads = nn.ModuleDict({"my-head": nn.Linear(2, 1), "class": nn.Linear(2, 3)})
    for path, module in model.named_modules():
        expr = attribute_path(path)
        assert eval(expr, {"model": model}) is module, (path, expr)  # noqa: S307
    assert (
        attribute_path("distilbert.transformer.layer.0") == "model.distilbert.transformer.layer[0]"
    )
    assert attribute_path("heads.my-head") == "model.heads['my-head']"
    assert attribute_path("heads.class") == "model.heads['class']"  # a keyword is no attribute


def test_state_dict_keys_are_the_models_own():
    model = full_size("gpt2")  # tied lm_head, non-persistent buffers in attention
    pages = TreePages(model)
    want = list(model.state_dict().keys())
    assert state_dict_keys(pages.node("")) == want
    block = [k for k in want if k.startswith("transformer.h.3.")]
    assert pages.copy("transformer.h.3", "state_dict")["text"].split("\n") == block
    short = state_dict_keys(pages.node(""), limit=5)
    assert short[:5] == want[:5] and short[5] == f"… {len(want) - 5:,} more"


def test_lora_targets_match_what_peft_would_wrap():
    model = full_size("distilbert-sst2")
    pages = TreePages(model)
    layer = lora_targets(pages.node("distilbert.transformer.layer.0"))
    assert layer["names"] == ["q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2"]
    # PEFT full-matches a str target against module paths: exactly the Linears of layer 0.
    hit = [p for p, _ in model.named_modules() if re.fullmatch(layer["regex"], p)]
    assert hit == [
        p
        for p, m in model.named_modules()
        if p.startswith("distilbert.transformer.layer.0.") and isinstance(m, nn.Linear)
    ]
    leaf = lora_targets(pages.node("distilbert.transformer.layer.2.attention.q_lin"))
    assert leaf["names"] == ["q_lin"]
    assert [p for p, _ in model.named_modules() if re.fullmatch(leaf["regex"], p)] == [
        "distilbert.transformer.layer.2.attention.q_lin"
    ]
    none = lora_targets(pages.node("distilbert.transformer.layer.0.attention.dropout"))
    assert none["names"] == [] and none["regex"] is None and "Linear" in none["note"]
    text = pages.copy("distilbert.transformer.layer.0", "lora")["text"]
    assert "target_modules=['q_lin', 'k_lin', 'v_lin', 'out_lin', 'lin1', 'lin2']" in text


def test_bad_requests_get_error_replies_that_name_the_problem():
    pages = TreePages(nn.Sequential(nn.Linear(1, 1)))
    reply = pages.reply({"op": "copy", "path": "0", "what": "nope", "id": 7})
    assert reply["op"] == "error" and reply["id"] == 7 and "'nope'" in reply["message"]
    reply = pages.reply({"op": "children", "path": "no.such", "id": "x"})
    assert reply["op"] == "error" and "no.such" in reply["message"]
    assert pages.reply("junk")["op"] == "error"
    with pytest.raises(UnknownPathError, match="'zz'"):
        pages.node("zz")
    with pytest.raises(ValueError, match="offset"):
        pages.children("", offset=-1)
    assert torch.is_grad_enabled()
