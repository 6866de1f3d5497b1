"""budget: every figure against closed forms written here from config fields, and published counts."""

from __future__ import annotations

import functools
import json
import math

import pytest
import torch
import transformers as tf
from _models import full_size, meta
from _tiny_models import build, cached_tokenizer, fingerprint
from torch import nn

from explorer.anatomy import module_tree
from explorer.budget import active_params_by_path, budget, module_budget

TF5 = int(tf.__version__.split(".")[0]) >= 5
GIB = 2**30


@functools.cache
def model(name: str) -> nn.Module:
    """A full-size architecture on meta, built once (tests only read it)."""
    return full_size(name)


@functools.cache
def bud(name: str):
    return budget(model(name))


# -- closed forms from config fields (independent of explorer's code) -----------------------------
def gpt2_counts(c):
    d, L, V, P = c.n_embd, c.n_layer, c.vocab_size, c.n_positions
    inner = c.n_inner or 4 * d
    layer = (
        2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * inner + inner) + (inner * d + d)
    )
    embedding = V * d + P * d  # wte + wpe; lm_head is tied to wte
    return embedding + L * layer + 2 * d, embedding


def llama_counts(c):
    d, L, V, H = c.hidden_size, c.num_hidden_layers, c.vocab_size, c.num_attention_heads
    hd, kv, ffn = d // H, c.num_key_value_heads, c.intermediate_size
    layer = (d * H * hd + 2 * d * kv * hd + H * hd * d) + 3 * d * ffn + 2 * d
    return 2 * V * d + L * layer + d, 2 * V * d


def mixtral_counts(c):
    d, L, V, H, kv = (
        c.hidden_size,
        c.num_hidden_layers,
        c.vocab_size,
        c.num_attention_heads,
        c.num_key_value_heads,
    )
    hd = getattr(c, "head_dim", None) or d // H
    E, k, expert = c.num_local_experts, c.num_experts_per_tok, 3 * d * c.intermediate_size
    layer = (d * H * hd + 2 * d * kv * hd + H * hd * d) + 2 * d + E * d + E * expert
    total = 2 * V * d + L * layer + d
    return total, total - L * (E - k) * expert, 2 * V * d


def deepseek_v3_counts(c):
    d, L, V, H = c.hidden_size, c.num_hidden_layers, c.vocab_size, c.num_attention_heads
    qr, kvr = c.q_lora_rank, c.kv_lora_rank
    nope, rope, v = c.qk_nope_head_dim, c.qk_rope_head_dim, c.v_head_dim
    attn = d * qr + qr + qr * H * (nope + rope) + d * (kvr + rope) + kvr + kvr * H * (nope + v)
    attn += H * v * d
    E, k, shared = c.n_routed_experts, c.num_experts_per_tok, c.n_shared_experts
    expert = 3 * d * c.moe_intermediate_size
    dense, moe = c.first_k_dense_replace, L - c.first_k_dense_replace
    total = 2 * V * d + d + L * (attn + 2 * d) + dense * 3 * d * c.intermediate_size
    total += moe * (E * d + E * expert + shared * expert)
    return total, total - moe * (E - k) * expert, 2 * V * d


def qwen2_moe_counts(c):
    d, L, V, H, kv = (
        c.hidden_size,
        c.num_hidden_layers,
        c.vocab_size,
        c.num_attention_heads,
        c.num_key_value_heads,
    )
    hd = d // H
    assert c.decoder_sparse_step == 1 and not c.mlp_only_layers  # every layer is MoE
    attn = (d * H * hd + H * hd) + 2 * (d * kv * hd + kv * hd) + H * hd * d  # q, k, v biases
    E, k, expert = c.num_experts, c.num_experts_per_tok, 3 * d * c.moe_intermediate_size
    moe = E * d + E * expert + 3 * d * c.shared_expert_intermediate_size + d  # + shared gate
    total = 2 * V * d + d + L * (attn + 2 * d + moe)
    return total, total - L * (E - k) * expert, 2 * V * d


# -- counting conventions -------------------------------------------------------------------------
def test_gpt2_counts_and_the_scaling_law_count():
    b, c = bud("gpt2"), model("gpt2").config
    total, embedding = gpt2_counts(c)
    assert (b.params, b.trainable, b.frozen) == (total, total, 0)
    assert b.embedding == embedding  # the tied lm_head once, not twice
    assert b.non_embedding == total - embedding == 85_056_000  # Kaplan et al.'s GPT-2 N
    assert b.active == total  # dense
    assert f"{total:,} - {embedding:,}" in b.non_embedding.formula
    assert "Kaplan" in b.non_embedding.source


def test_llama_2_7b_counts():
    b, c = bud("llama-2-7b"), model("llama-2-7b").config
    total, embedding = llama_counts(c)
    assert (b.params, b.embedding, b.active) == (total, embedding, total)
    assert round(total / 1e9, 2) == 6.74  # published 6.74B (6,738,415,616)


@pytest.mark.parametrize(
    "name, counts, published_total, published_active",
    [
        ("mixtral-8x7b", mixtral_counts, 46.7, 12.9),  # Mixtral paper: 46.7B, 12.9B active
        ("qwen2-moe", qwen2_moe_counts, 14.3, 2.7),  # Qwen1.5-MoE-A2.7B: 14.3B, A2.7B
    ],
)
def test_moe_active_counts(name, counts, published_total, published_active):
    b, c = bud(name), model(name).config
    total, active, embedding = counts(c)
    assert (b.params, b.active, b.embedding) == (total, active, embedding)
    assert round(total / 1e9, 1) == published_total
    assert round(active / 1e9, 1) == published_active
    assert b.non_embedding == total - embedding
    assert {s.layout for s in b.expert_sets} == {"fused" if TF5 else "modules"}
    assert {(s.experts, s.per_token) for s in b.expert_sets} == {
        (getattr(c, "num_local_experts", None) or c.num_experts, c.num_experts_per_tok)
    }
    assert len(b.expert_sets) == c.num_hidden_layers


@pytest.mark.slow
def test_deepseek_v3_active_of_671b():
    b, c = bud("deepseek-v3"), model("deepseek-v3").config
    total, active, embedding = deepseek_v3_counts(c)
    assert (b.params, b.active, b.embedding) == (total, active, embedding)
    assert round(total / 1e9) == 671  # published 671B (main model, without the MTP module)
    assert 37e9 <= active < 38e9  # published "37B activated"; exactly 37.55B here
    assert len(b.expert_sets) == c.num_hidden_layers - c.first_k_dense_replace
    assert {s.layout for s in b.expert_sets} == {"fused" if TF5 else "modules"}
    assert b.expert_sets[0].top_k_from.endswith("gate.top_k")  # read from the router


def test_distilbert_embeddings_and_no_output_projection():
    b, c = bud("distilbert-sst2"), model("distilbert-sst2").config
    assert b.embedding == c.vocab_size * c.dim + c.max_position_embeddings * c.dim
    assert "output projection: none" in b.embedding.note


def test_frozen_and_stored_dtypes():
    m = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 5).to(torch.float16), nn.Linear(5, 10))
    m[0].weight.requires_grad_(False)
    b = budget(m)
    assert (b.params, b.frozen, b.trainable) == (40 + 25 + 60, 40, 85)
    assert b.embedding == 40 and b.non_embedding == 85
    assert b.weights_bytes() == b.stored_bytes == 40 * 4 + 25 * 2 + 60 * 4
    assert b.stored_bytes.note == "stored as float16, float32"
    # ZeRO: frozen weights keep only their weights; trainable ones also gradients and Adam states
    assert b.training_bytes() == 2 * 125 + (2 + 12) * 85
    assert b.training_bytes("float32") == 4 * 125 + (4 + 8) * 85


def test_an_embedding_tied_to_an_earlier_linear_counts_once_where_counted():
    lin, emb = nn.Linear(4, 10, bias=False), nn.Embedding(10, 4)
    emb.weight = lin.weight  # module_tree counts it at "0", the first path holding it
    b = budget(nn.Sequential(lin, emb, nn.Linear(4, 2)))
    assert (b.params, b.embedding, b.non_embedding) == (40 + 10, 40, 10)
    assert (b.module("0")["embedding"], b.module("1")["embedding"]) == (40, 0)
    assert b.module("")["embedding"] == 40


# -- mixture of experts read from the model ------------------------------------------------------
class Block(nn.Module):
    def __init__(self, fused: bool):
        super().__init__()
        self.gate = nn.Linear(4, 3, bias=False)
        if fused:
            self.experts = nn.Module()
            self.experts.w = nn.Parameter(torch.zeros(3, 4, 5))
        else:
            self.experts = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))


@pytest.mark.parametrize("fused, expert", [(True, 20), (False, 20)])
def test_experts_per_token_from_the_block_or_an_error(fused, expert):
    m = nn.Sequential(Block(fused))
    with pytest.raises(ValueError, match="experts-per-token"):
        budget(m).active  # noqa: B018
    m[0].top_k = 2
    b = budget(m)
    assert b.params == 12 + 3 * expert and b.active == 12 + 2 * expert
    by_path = active_params_by_path(b)
    assert by_path["0.experts"] == 2 * expert and by_path[""] == b.active
    if not fused:  # per-expert modules: expected share 2/3 each, parts adding up
        assert [by_path[f"0.experts.{i}"] for i in range(3)] == [14, 13, 13]


def test_shared_experts_are_not_routed():
    m = nn.Sequential(Block(False))
    m[0].shared_experts = nn.ModuleList(nn.Linear(4, 4) for _ in range(2))
    m[0].top_k = 1
    b = budget(m)
    assert b.active == b.params - 2 * 20  # only the routed experts a token skips


def _check_adds_up(b):
    by_path = b.active_by_path()
    for node in b.tree.walk():
        if node.children:
            own = by_path[node.path] - sum(by_path[c.path] for c in node.children)
            assert 0 <= own <= node.own_params, node.path
    assert by_path[""] == b.active


@pytest.mark.parametrize("name", ["mixtral-8x7b", "qwen2-moe"])
def test_active_by_path_adds_up_and_matches_config(name):
    b, c = bud(name), model(name).config
    _check_adds_up(b)
    by_path = b.active_by_path()
    E, k = getattr(c, "num_local_experts", None) or c.num_experts, c.num_experts_per_tok
    per_expert = (
        3 * c.hidden_size * (getattr(c, "moe_intermediate_size", None) or c.intermediate_size)
    )
    for s in b.expert_sets:
        assert by_path[s.path] == k * per_expert and s.params == E * per_expert
        row = b.module(s.path, "int8")
        assert (row["routed"], row["skipped"]) == (E * per_expert, (E - k) * per_expert)
        assert row["bytes"] == E * per_expert
    if not TF5:  # one module per expert: each its share k/E, rounded so the parts add up
        first = b.expert_sets[0].path
        parts = [by_path[f"{first}.{i}"] for i in range(E)]
        assert sum(parts) == k * per_expert
        assert all(abs(p - per_expert * k / E) < 1 for p in parts)
        assert "expected share" in b.module(f"{first}.0")["note"]


def test_dense_active_by_path_is_params_by_path():
    root = module_tree(model("distilbert-sst2"))
    assert active_params_by_path(model("distilbert-sst2")) == {
        n.path: n.params for n in root.walk()
    }


def test_module_shares():
    b, c = bud("gpt2"), model("gpt2").config
    wte = module_budget(b, "transformer.wte", "float16")
    assert wte["embedding"] == wte["params"] == c.vocab_size * c.n_embd
    assert wte["bytes"] == 2 * wte["params"] and wte["share_params"] == wte["params"] / b.params
    assert wte["share_embedding"] == wte["params"] / b.embedding
    lm_head = b.module("lm_head")
    assert lm_head["params"] == 0  # the tied weight is counted at transformer.wte
    block = b.module("transformer.h.0")
    assert block["embedding"] == 0 and block["active"] == block["params"] == block["non_embedding"]
    with pytest.raises(KeyError, match="no module"):
        b.module("transformer.nope")


# -- memory -------------------------------------------------------------------------------------
def test_weights_bytes():
    b = bud("llama-2-7b")
    p = int(b.params)
    assert [b.weights_bytes(d) for d in ("float32", "float16", "bfloat16", "int8", "int4")] == [
        4 * p, 2 * p, 2 * p, p, math.ceil(p / 2)
    ]  # fmt: skip
    assert b.weights_bytes(torch.bfloat16) == 2 * p
    assert b.weights_bytes() == 4 * p  # meta tensors are float32 here
    assert "meta device" in b.weights_bytes().note
    assert b.training_bytes() == b.training_bytes("float32") == 16 * p  # ZeRO: 2+2+12, 4+4+8
    assert "activations not included" in b.training_bytes().note


def test_kv_cache_gqa():
    for name in ("llama-2-7b", "mixtral-8x7b", "qwen2-moe"):
        b, c = bud(name), model(name).config
        head_dim = c.hidden_size // c.num_attention_heads
        per_token = 2 * c.num_hidden_layers * c.num_key_value_heads * head_dim * 2  # bfloat16
        assert b.kv_cache_bytes(1) == per_token, name
        assert b.kv_cache_bytes(1000, batch=3, dtype="float32") == 2 * per_token * 1000 * 3
    assert bud("llama-2-7b").kv_cache_bytes(1, dtype="float16") == 2**19  # 0.5 MiB per token
    assert bud("mixtral-8x7b").kv_cache_bytes(1) == bud("llama-2-7b").kv_cache_bytes(1) // 4  # GQA


def test_kv_cache_gpt2():
    b, c = bud("gpt2"), model("gpt2").config
    assert b.kv_cache_bytes(1) == 2 * c.n_layer * c.n_embd * 2
    assert b.kv_cache_bytes(0) == 0
    assert "more than max_position_embeddings" in b.kv_cache_bytes(4096).note


@pytest.mark.slow
def test_kv_cache_multi_head_latent_attention():
    b, c = bud("deepseek-v3"), model("deepseek-v3").config
    L = c.num_hidden_layers
    assert b.kv_cache_bytes(1) == L * (c.kv_lora_rank + c.qk_rope_head_dim) * 2
    # DeepSeek-V2 paper, Table 1: MLA caches (d_c + d_h^R) l = 4.5 d_h l elements per token
    assert b.kv_cache_bytes(1) == L * 4.5 * c.qk_nope_head_dim * 2
    expanded = L * c.num_attention_heads * (c.qk_nope_head_dim + c.qk_rope_head_dim + c.v_head_dim)
    assert b.kv_cache_bytes(10, expanded=True) == 10 * expanded * 2
    rows = {r["key"]: r for r in b.rows(tokens=10)}
    assert rows["kv_cache_expanded"]["value"] == 10 * expanded * 2
    assert "transformers 4" in rows["kv_cache_per_token"]["note"]


def test_kv_cache_encoders_and_encoder_decoders():
    b = bud("distilbert-sst2")
    assert b.kv_cache_bytes(512) == 0 and "encoder-only" in b.kv_cache_bytes(512).note
    t5, c = bud("t5-small"), model("t5-small").config
    assert t5.kv_cache_bytes(1) == 2 * c.num_decoder_layers * c.num_heads * c.d_kv * 2
    assert "cross-attention" in t5.kv_cache_bytes(1).note


def test_kv_cache_sliding_windows():
    mistral = budget(meta(tf.AutoModelForCausalLM, tf.MistralConfig()))
    c = mistral.config
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
    per_token = 2 * c.num_hidden_layers * c.num_key_value_heads * head_dim * 2
    assert mistral.kv_cache_bytes(100) == 100 * per_token
    assert mistral.kv_cache_bytes(3 * c.sliding_window) == c.sliding_window * per_token
    gemma = budget(meta(tf.AutoModelForCausalLM, tf.Gemma2Config()))
    g = gemma.config
    layer = 2 * g.num_key_value_heads * g.head_dim * 2
    n_sliding = g.layer_types.count("sliding_attention")
    n_full = g.num_hidden_layers - n_sliding
    assert n_sliding and n_full
    tokens = 3 * g.sliding_window
    assert gemma.kv_cache_bytes(tokens) == layer * (n_sliding * g.sliding_window + n_full * tokens)


def test_gpus_needed():
    b = bud("llama-2-7b")
    weights, kv = 2 * int(b.params), b.kv_cache_bytes(4096)
    for gb in (8, 16, 24):
        need = b.gpus_needed(gb, tokens=4096)
        assert need == math.ceil((weights + kv) / (gb * GIB))
        assert need.parts == {"weights": weights, "kv_cache": kv, "total": weights + kv,
                              "per_gpu": gb * GIB}  # fmt: skip
    assert b.gpus_needed(16, tokens=4096) == 1 and b.gpus_needed(8, tokens=4096) == 2
    assert b.gpus_needed(8, "int4") == 1 and "no KV cache" in b.gpus_needed(8, "int4").note
    assert "activations" in b.gpus_needed(80).note


# -- bad input, plain data, the model left alone -------------------------------------------------
def test_errors_name_the_problem():
    b = bud("gpt2")
    with pytest.raises(ValueError, match="unknown dtype 'fp8'"):
        b.weights_bytes("fp8")
    with pytest.raises(ValueError, match="unknown dtype torch.float64"):
        b.weights_bytes(torch.float64)
    with pytest.raises(TypeError, match="dtype"):
        b.kv_cache_bytes(1, dtype=2)
    with pytest.raises(ValueError, match="unknown precision 'bf16'"):
        b.training_bytes("bf16")
    with pytest.raises(ValueError, match="tokens must be 0 or more"):
        b.kv_cache_bytes(-1)
    with pytest.raises(TypeError, match="tokens must be an int"):
        b.kv_cache_bytes(1.5)
    with pytest.raises(ValueError, match="batch must be 1 or more"):
        b.kv_cache_bytes(1, batch=0)
    with pytest.raises(ValueError, match="gpu_gb"):
        b.gpus_needed(0)
    with pytest.raises(TypeError, match="gpu_gb"):
        b.gpus_needed("80")
    with pytest.raises(TypeError, match="torch.nn.Module"):
        budget("gpt2")
    plain = budget(nn.Linear(3, 3))
    with pytest.raises(TypeError, match="config"):
        plain.kv_cache_bytes(10)
    assert plain.gpus_needed(1) == 1  # weights only: needs no config


def test_rows_are_plain_data_with_formula_and_source():
    b = bud("mixtral-8x7b")
    rows = b.rows(tokens=2048, batch=2, dtype="float16", gpu_gb=40)
    json.dumps(rows)
    by_key = {r["key"]: r for r in rows}
    assert set(rows[0]) == {"key", "name", "value", "unit", "text", "formula", "source", "note"}
    assert all(r["formula"] and r["source"] for r in rows)
    assert by_key["active"]["value"] == b.active and by_key["params"]["value"] == b.params
    assert by_key["kv_cache"]["value"] == b.kv_cache_bytes(2048, 2, "float16")
    assert by_key["gpus"]["value"] == b.gpus_needed(40, "float16", 2048, 2)
    assert by_key["weights_int4"]["value"] == b.weights_bytes("int4")
    assert b.table(tokens=2048, batch=2, dtype="float16", gpu_gb=40) == rows
    text = b.text()
    assert "12,879,925,248" in text and "sources:" in text and "ZeRO" in text
    data = b.to_dict()
    json.dumps(data)
    assert (
        data["meta"] and len(data["expert_sets"]) == model("mixtral-8x7b").config.num_hidden_layers
    )


def test_rows_without_a_config_say_why():
    rows = {r["key"]: r for r in budget(nn.Linear(3, 3)).rows()}
    assert rows["kv_cache"]["value"] is None and "config" in rows["kv_cache"]["note"]
    assert rows["gpus"]["value"] == 1 and rows["params"]["value"] == 12
    assert "weights only" in rows["gpus"]["note"]
    for bad, error in [({"tokens": -1}, ValueError), ({"dtype": "fp8"}, ValueError),
                       ({"batch": 0}, ValueError), ({"gpu_gb": "80"}, TypeError)]:  # fmt: skip
        with pytest.raises(error):
            bud("gpt2").rows(**bad)
    assert "unknown" in budget(nn.Linear(3, 3)).text()


def test_figures_are_ints_carrying_their_explanation():
    f = bud("gpt2").weights_bytes("float16")
    assert isinstance(f, int) and f + 0 == 2 * 124_439_808 and str(f) == "248879616"
    assert json.dumps({"v": f}) == '{"v": 248879616}'
    assert f.row()["text"] == "237.35 MiB" and f.unit == "bytes"


def test_pipeline_and_the_model_is_left_alone():
    m = build("distilbert_sst2")
    m.distilbert.embeddings.requires_grad_(False)
    before = fingerprint(m)
    pipe = tf.pipeline("text-classification", model=m, tokenizer=cached_tokenizer(False))
    b = budget(pipe)
    b.rows(), b.text(), b.active_by_path(), b.module("classifier")
    assert fingerprint(m) == before
    assert b.params == sum(p.numel() for p in m.parameters())
    assert b.frozen == sum(p.numel() for p in m.distilbert.embeddings.parameters())
