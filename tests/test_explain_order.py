"""Tests for the ordered list of describers: documented precedence, and each passes on strangers."""

from __future__ import annotations

import pytest
import torch
import transformers
from torch import nn
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    BertConfig,
    DistilBertConfig,
    MixtralConfig,
    Qwen2MoeConfig,
)

from explorer.explain import (
    DESCRIBERS,
    containers,
    describe,
    explain,
    generic,
    layers,
    make_ctx,
    models,
    moe,
    sublayers,
)

V5 = int(transformers.__version__.split(".")[0]) >= 5


class MixtralBlockSparseTop2MLP(nn.Module):
    """One expert as transformers 4.x lays it out (w1, w2, w3 Linears and an activation)."""

    def __init__(self, hidden: int, ffn: int):
        super().__init__()
        self.w1 = nn.Linear(hidden, ffn, bias=False)
        self.w2 = nn.Linear(ffn, hidden, bias=False)
        self.w3 = nn.Linear(hidden, ffn, bias=False)
        self.act_fn = nn.SiLU()


class MixtralSparseMoeBlock(nn.Module):
    """The transformers 4.x MoE block: a plain Linear router `gate` and a ModuleList of experts."""

    def __init__(self, hidden: int = 16, ffn: int = 24, experts: int = 4, top_k: int = 2):
        super().__init__()
        self.hidden_dim, self.ffn_dim, self.num_experts, self.top_k = hidden, ffn, experts, top_k
        self.gate = nn.Linear(hidden, experts, bias=False)
        self.experts = nn.ModuleList(MixtralBlockSparseTop2MLP(hidden, ffn) for _ in range(experts))


class DecoderLayer4x(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(16, 2)
        self.block_sparse_moe = MixtralSparseMoeBlock()


class PredictionHead(nn.Module):
    """A head that holds an attention: a block by content, a head by name."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2)
        self.out = nn.Linear(8, 3)


@pytest.fixture(scope="module")
def order_models():
    moe_cfg = dict(
        hidden_size=16,
        intermediate_size=24,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        num_experts_per_tok=2,
        vocab_size=40,
    )
    with torch.device("meta"):
        distilbert = AutoModelForSequenceClassification.from_config(DistilBertConfig())
        bert = AutoModelForSequenceClassification.from_config(BertConfig(num_hidden_layers=1))
        mixtral = AutoModelForCausalLM.from_config(MixtralConfig(num_local_experts=4, **moe_cfg))
        qwen_moe = AutoModelForCausalLM.from_config(
            Qwen2MoeConfig(
                num_experts=4, moe_intermediate_size=8, shared_expert_intermediate_size=8, **moe_cfg
            )
        )
    plain = nn.Module()
    plain.moe4 = nn.ModuleList([DecoderLayer4x()])
    plain.mlp = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8))
    plain.ffn = nn.Module()
    plain.ffn.attn = nn.MultiheadAttention(8, 2)
    plain.head = PredictionHead()
    return {
        "distilbert": distilbert,
        "bert": bert,
        "mixtral": mixtral,
        "qwen_moe": qwen_moe,
        "plain": plain,
    }


# (earlier describer, later describer, model, path): both describers claim the module, so only
# the order of DESCRIBERS decides; the earlier one must come first and win.
ORDER = [
    (models.describe_model, models.describe_backbone, "distilbert", ""),
    (models.describe_model, moe.describe_moe_block, "qwen_moe", ""),
    (moe.describe_router, layers.describe_linear, "plain", "moe4.0.block_sparse_moe.gate"),
    (
        moe.describe_expert_list,
        containers.describe_module_list,
        "plain",
        "moe4.0.block_sparse_moe.experts",
    ),
    pytest.param(
        moe.describe_experts,
        moe.describe_moe_block,
        "qwen_moe",
        "model.layers.0.mlp.experts",
        marks=pytest.mark.skipif(not V5, reason="fused experts exist from transformers 5 on"),
    ),
    # Mixtral's block is named `mlp` from transformers 5 on (`block_sparse_moe` before, which
    # describe_mlp does not claim); Qwen2-MoE's is `mlp` in both.
    (
        moe.describe_moe_block,
        sublayers.describe_mlp,
        "mixtral" if V5 else "qwen_moe",
        "model.layers.0.mlp",
    ),  # fmt: skip
    (models.describe_backbone, containers.describe_stack, "distilbert", "distilbert"),
    (
        containers.describe_module_list,
        containers.describe_stack,
        "distilbert",
        "distilbert.transformer.layer",
    ),
    (containers.describe_sequential, sublayers.describe_mlp, "plain", "mlp"),
    (
        sublayers.describe_attention,
        containers.describe_block,
        "bert",
        "bert.encoder.layer.0.attention",
    ),
    (sublayers.describe_mlp, containers.describe_block, "plain", "ffn"),
    (containers.describe_block, containers.describe_head, "plain", "head"),
]


@pytest.mark.parametrize("earlier,later,key,path", ORDER)
def test_describers_are_ordered_as_documented(order_models, earlier, later, key, path):
    ctx = make_ctx(order_models[key], path)
    first, second = earlier(ctx), later(ctx)
    assert first and second, "both describers must claim the module for the order to matter"
    assert first != second
    assert DESCRIBERS.index(earlier) < DESCRIBERS.index(later)
    assert describe(ctx)[: len(first)] == first


def test_a_4x_router_is_a_router_not_a_plain_linear(order_models):
    model = order_models["plain"]
    gate = explain(model, "moe4.0.block_sparse_moe.gate")
    assert gate.startswith("The router of a mixture-of-experts layer")
    assert "4 experts" in gate and "top 2" in gate
    assert "A linear (fully connected) layer" not in gate
    experts = explain(model, "moe4.0.block_sparse_moe.experts", "ko")
    assert experts.startswith("전문가 혼합(MoE) 층의 전문가 4개입니다.")
    assert "ModuleList" not in experts


def test_an_mlp_whose_parts_are_unreadable_gets_the_generic_text(order_models):
    # `ffn` holds only an attention: describe_block would claim it, describe_mlp keeps it.
    ctx = make_ctx(order_models["plain"], "ffn")
    assert describe(ctx)[:1] == generic.describe_generic(ctx)[:1]
    assert explain(order_models["plain"], "ffn").startswith("The torch module Module with 1")


def test_every_describer_passes_on_a_module_it_does_not_know():
    class Gadget(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(3))

    class Widget(nn.Module):
        def __init__(self):
            super().__init__()
            self.part = Gadget()

    class Box(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Widget()

    box = Box()
    assert DESCRIBERS[-1] is generic.describe_generic
    assert len(set(DESCRIBERS)) == len(DESCRIBERS)
    for path in ("", "inner", "inner.part"):
        ctx = make_ctx(box, path)
        for describer in DESCRIBERS[:-1]:
            assert describer(ctx) is None, (describer.__name__, path)
        assert explain(box, path).startswith("Custom module ")
