"""Tests for explorer.explain: every fact of the seed notes, in English and Korean, and any module."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    BertConfig,
    GPT2Config,
    LlamaConfig,
    T5Config,
)

import explorer
from explorer.explain import explain, josa, josa_ro

LAYER0 = "distilbert.transformer.layer.0"


@pytest.fixture(scope="module")
def seed(seed_pair):
    """The seed notes' two models, full size on the meta device (no weights, no memory)."""
    return seed_pair


@pytest.fixture(scope="module")
def gpt2():
    cfg = GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=97, n_positions=64)
    return AutoModelForCausalLM.from_config(cfg)


@pytest.fixture(scope="module")
def llama():
    cfg = LlamaConfig(
        hidden_size=32,
        intermediate_size=80,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=97,
    )
    return AutoModelForCausalLM.from_config(cfg)


@pytest.fixture(scope="module")
def others():
    bert = AutoModelForSequenceClassification.from_config(
        BertConfig(
            hidden_size=32,
            intermediate_size=48,
            num_hidden_layers=2,
            num_attention_heads=2,
            vocab_size=97,
            id2label={0: "NEGATIVE", 1: "POSITIVE"},
        )
    )
    t5 = AutoModelForSeq2SeqLM.from_config(
        T5Config(d_model=16, d_ff=24, num_layers=1, num_heads=2, d_kv=8, vocab_size=50)
    )
    seq = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.LSTM(8, 6, num_layers=2, bidirectional=True, batch_first=True, dropout=0.25),
        nn.Linear(8, 10),
        nn.Dropout(0.3),
        nn.Tanh(),
    )
    return {"bert": bert, "t5": t5, "seq": seq}


# The seed notes' facts: (model, path, English must contain, Korean must contain).
# Numbers follow the notes; 30,522 etc. are written with thousands separators.
SEED_FACTS = [
    ("seq", "distilbert.embeddings.word_embeddings", ["30,522", "768"], ["30,522", "768차원"]),
    ("qa", "distilbert.embeddings.word_embeddings", ["28,996", "768"], ["28,996", "768차원"]),
    ("seq", "distilbert.embeddings.word_embeddings", ["padding_idx=0"], ["padding_idx=0"]),
    ("seq", "distilbert.embeddings.position_embeddings", ["512"], ["최대 시퀀스 길이는 512"]),
    ("seq", "distilbert.embeddings.LayerNorm", ["eps=1e-12"], ["eps=1e-12", "정규화"]),
    ("seq", "distilbert.embeddings.dropout", ["probability 0.1"], ["드롭아웃 확률은 0.1"]),
    ("seq", "distilbert.transformer", ["6 TransformerBlock blocks"], ["6개", "인코더"]),
    ("seq", "distilbert.transformer.layer", ["6 TransformerBlock blocks"], ["블록 6개"]),
    ("seq", "", ["6 TransformerBlock blocks"], ["블록 6개"]),
    (
        "seq",
        f"{LAYER0}.attention",
        ["q_lin", "k_lin", "v_lin", "out_lin"],
        ["q_lin", "k_lin", "v_lin", "out_lin", "쿼리", "키", "값"],
    ),
    (
        "seq",
        f"{LAYER0}.attention.q_lin",
        ["query", "input dimension 768", "output dimension 768"],
        ["쿼리", "입력 차원 768", "출력 차원 768"],
    ),
    (
        "seq",
        f"{LAYER0}.attention.k_lin",
        ["key", "input dimension 768", "output dimension 768"],
        ["키(key)", "입력 차원 768", "출력 차원 768"],
    ),
    (
        "seq",
        f"{LAYER0}.attention.v_lin",
        ["value", "input dimension 768", "output dimension 768"],
        ["값(value)", "입력 차원 768", "출력 차원 768"],
    ),
    (
        "seq",
        f"{LAYER0}.attention.out_lin",
        ["output", "input dimension 768", "output dimension 768"],
        ["출력", "입력 차원 768", "출력 차원 768"],
    ),
    ("seq", f"{LAYER0}.attention.dropout", ["probability 0.1"], ["드롭아웃 확률은 0.1"]),
    ("seq", f"{LAYER0}.sa_layer_norm", ["self-attention", "eps=1e-12"], ["자기 주의", "정규화"]),
    ("seq", f"{LAYER0}.ffn", ["768 to 3,072", "GELU"], ["3,072차원", "GELU"]),
    (
        "seq",
        f"{LAYER0}.ffn.lin1",
        ["input dimension 768", "output dimension 3,072"],
        ["첫 번째 선형 변환층", "입력 차원 768", "출력 차원 3,072"],
    ),
    (
        "seq",
        f"{LAYER0}.ffn.lin2",
        ["input dimension 3,072", "output dimension 768"],
        ["두 번째 선형 변환층", "입력 차원 3,072", "출력 차원 768"],
    ),
    ("seq", f"{LAYER0}.ffn.activation", ["GELU"], ["GELU 활성화 함수"]),
    ("seq", f"{LAYER0}.ffn.dropout", ["probability 0.1"], ["드롭아웃 확률은 0.1"]),
    ("seq", f"{LAYER0}.output_layer_norm", ["feed-forward", "eps=1e-12"], ["FFN", "정규화"]),
    (
        "seq",
        "pre_classifier",
        ["input dimension 768", "output dimension 768", "classifier"],
        ["분류기", "입력 차원 768", "출력 차원 768"],
    ),
    (
        "seq",
        "classifier",
        ["output dimension 2", "per label", "LABEL_0", "LABEL_1"],
        ["출력 차원 2", "레이블", "LABEL_0"],
    ),
    ("seq", "dropout", ["probability 0.2"], ["드롭아웃 확률은 0.2"]),
    (
        "qa",
        "qa_outputs",
        ["2 scores", "start", "end", "input dimension 768"],
        ["점수 2개", "시작 위치", "끝 위치", "입력 차원 768", "출력 차원 2"],
    ),
    ("qa", "dropout", ["probability 0.1", "qa_outputs"], ["드롭아웃 확률은 0.1"]),
    ("qa", "", ["question answering", "6 TransformerBlock blocks"], ["질의 응답", "블록 6개"]),
    ("seq", "", ["sequence classification"], ["시퀀스 분류"]),
]


@pytest.mark.parametrize("key,path,en_terms,ko_terms", SEED_FACTS)
def test_every_seed_fact_in_both_languages(seed, key, path, en_terms, ko_terms):
    en = explain(seed[key], path, "en")
    ko = explain(seed[key], path, "ko")
    for term in en_terms:
        assert term.lower() in en.lower(), (path, term, en)
    for term in ko_terms:
        assert term in ko, (path, term, ko)


def test_parameter_counts_are_exact(seed):
    # 768*768 + 768 for one q_lin; whole models from the sum over unique parameters.
    assert "590,592 parameters" in explain(seed["seq"], f"{LAYER0}.attention.q_lin")
    assert "파라미터는 590,592개" in explain(seed["seq"], f"{LAYER0}.attention.q_lin", "ko")
    for model in seed.values():
        total = sum(p.numel() for p in model.parameters())
        assert f"{total:,} parameters" in explain(model)


def test_gpt2_tied_lm_head(gpt2):
    en = explain(gpt2, "lm_head")
    ko = explain(gpt2, "lm_head", "ko")
    assert "tied" in en and "transformer.wte" in en
    assert "transformer.wte" in ko and "묶여(tied)" in ko
    # counted once: at the embedding, not again at the head
    assert "it adds 0" in en
    assert "lm_head.weight" in explain(gpt2, "transformer.wte")
    assert "Conv1D" in explain(gpt2, "transformer.h.0.attn.c_attn")
    assert "query, key and value" in explain(gpt2, "transformer.h.0.attn.c_attn")
    assert "tanh approximation" in explain(gpt2, "transformer.h.0.mlp.act")
    assert "causal" in explain(gpt2, "transformer.h.0.attn")
    total = sum(p.numel() for p in gpt2.parameters())
    assert f"{total:,} parameters" in explain(gpt2)


def test_llama_rmsnorm_silu_and_gated_mlp(llama):
    norm = explain(llama, "model.layers.0.input_layernorm")
    assert "RMSNorm" in norm and "eps=1e-06" in norm and "32 features" in norm
    assert "RMSNorm" in explain(llama, "model.norm", "ko")
    assert "SiLU" in explain(llama, "model.layers.0.mlp.act_fn")
    mlp = explain(llama, "model.layers.0.mlp")
    assert all(w in mlp for w in ("gate_proj", "up_proj", "down_proj", "SiLU", "32 → 80 → 32"))
    assert "gate" in explain(llama, "model.layers.0.mlp.gate_proj")
    assert "back from 80 to 32" in explain(llama, "model.layers.0.mlp.down_proj")
    assert "grouped-query" in explain(llama, "model.layers.0.self_attn.k_proj")
    assert "share 2 key/value heads" in explain(llama, "model.layers.0.self_attn")
    assert "RoPE" in explain(llama, "model.rotary_emb")
    assert "not tied" in explain(llama, "lm_head")


def test_bert_t5_and_plain_modules(others):
    bert, t5, seq = others["bert"], others["t5"], others["seq"]
    assert "0 = NEGATIVE, 1 = POSITIVE" in explain(bert, "classifier")
    assert "0 = NEGATIVE, 1 = POSITIVE" in explain(bert, "classifier", "ko")
    assert "segment" in explain(bert, "bert.embeddings.token_type_embeddings")
    assert "pooler" in explain(bert, "bert.pooler").lower()
    assert "first layer" in explain(bert, "bert.encoder.layer.0.intermediate.dense")
    assert "second layer" in explain(bert, "bert.encoder.layer.0.output.dense")
    assert "Despite its name" in explain(t5, "encoder.final_layer_norm")
    assert "Cross-attention" in explain(t5, "decoder.block.0.layer.1.EncDecAttention") or (
        "cross-attention" in explain(t5, "decoder.block.0.layer.1.EncDecAttention")
    )
    assert "decoder" in explain(t5, "decoder")
    assert "2D convolution" in explain(seq, "0")
    assert "3×3" in explain(seq, "0", "ko")
    lstm = explain(seq, "6")
    assert "LSTM" in lstm and "bidirectional" in lstm and "dropout 0.25" in lstm
    assert "in order" in explain(seq) and "0 (Conv2d) → 1 (BatchNorm2d)" in explain(seq)
    assert "probability 0.3" in explain(seq, "8")


def test_unknown_module_gets_true_generic_text():
    class Foo(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 4)
            self.b = nn.ReLU()
            self.scale = nn.Parameter(torch.ones(5))

    model = nn.Sequential(Foo())
    en = explain(model, "0")
    assert "Custom module Foo" in en and "2 submodules (a, b)" in en
    assert "scale [5]" in en and "21 parameters" in en
    ko = explain(model, "0", "ko")
    assert "사용자 정의 모듈 Foo" in ko and "하위 모듈 2개(a, b)" in ko and "21개" in ko


def _all_paths(model):
    return [p for p, _ in model.named_modules()]


def test_every_path_explained_in_both_languages(seed, gpt2, llama, others):
    models = [seed["qa"], gpt2, llama, others["bert"], others["t5"], others["seq"]]
    for model in models:
        tree = explorer.module_tree(model)
        texts = {}
        for path in _all_paths(model):
            for lang in ("en", "ko"):
                text = explain(model, path, lang, tree=tree)
                assert isinstance(text, str) and len(text) > 40, (path, lang, text)
                texts.setdefault(lang, []).append(text)
            assert texts["en"][-1] != texts["ko"][-1]
            assert any("가" <= ch <= "힣" for ch in texts["ko"][-1])
        # Not one generic sentence for everything: most paths get their own first sentence.
        for lang, items in texts.items():
            firsts = {t.split(". ")[0] for t in items}
            assert len(firsts) >= min(len(items), 8) * 0.6, (type(model).__name__, lang)
            assert not any("Custom module" in t or "사용자 정의" in t for t in items), lang


def test_pipeline_and_public_export(seed):
    class FakePipeline:  # what explain reads from a pipeline: its .model
        model = seed["qa"]

    assert explain(FakePipeline(), "qa_outputs") == explain(seed["qa"], "qa_outputs")


def test_public_name():
    assert "explain" in explorer.__all__
    assert explorer.explain is explain


def test_bad_input(seed):
    with pytest.raises(KeyError, match="distilbert.nope"):
        explain(seed["seq"], "distilbert.nope")
    with pytest.raises(ValueError, match="'en', 'ko'"):
        explain(seed["seq"], "", lang="fr")
    with pytest.raises(TypeError):
        explain("not a model")
    with pytest.raises(TypeError):
        explain(seed["seq"], 3)


def test_explain_does_not_modify_the_model(gpt2):
    gpt2.eval()
    before = {k: v.clone() for k, v in gpt2.state_dict().items()}
    grads = [p.requires_grad for p in gpt2.parameters()]
    for path in _all_paths(gpt2):
        explain(gpt2, path, "ko")
    assert not gpt2.training
    assert grads == [p.requires_grad for p in gpt2.parameters()]
    after = gpt2.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize(
    "word,eun,ro",
    [
        ("LayerNorm", "은", "으로"),  # ends in m
        ("q_lin", "은", "으로"),
        ("classifier", "는", "로"),
        ("모델", "은", "로"),  # ㄹ batchim takes 로
        ("레이어", "는", "로"),
        ("1e-06", "은", "으로"),  # ...육
        ("1e-12", "는", "로"),  # ...이
        ("0.1", "은", "로"),  # ...일 (ㄹ)
    ],
)
def test_korean_particles(word, eun, ro):
    assert josa(word, "은", "는") == eun
    assert josa_ro(word) == ro


def test_mixture_of_experts_and_offset_positions():
    from transformers import BartConfig, BartModel, MixtralConfig

    moe = AutoModelForCausalLM.from_config(
        MixtralConfig(
            hidden_size=16,
            intermediate_size=24,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            num_local_experts=4,
            num_experts_per_tok=2,
            vocab_size=40,
        )
    )
    names = {p for p, _ in moe.named_modules()}
    # transformers 5: model.layers.0.mlp (fused experts); 4.x: block_sparse_moe (ModuleList)
    mlp = (
        "model.layers.0.mlp" if "model.layers.0.mlp" in names else "model.layers.0.block_sparse_moe"
    )
    block = explain(moe, mlp)
    assert "mixture-of-experts" in block and "top 2" in block
    assert "4 experts" in explain(moe, f"{mlp}.gate")
    assert "top 2" in explain(moe, f"{mlp}.gate")
    assert "전문가 4개" in explain(moe, f"{mlp}.experts", "ko")
    bart = BartModel(
        BartConfig(
            d_model=16,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=24,
            decoder_ffn_dim=24,
            vocab_size=40,
            max_position_embeddings=32,
        )
    )
    # BART keeps 2 extra rows in its learned position table: 34 rows, 32 usable positions
    assert bart.encoder.embed_positions.num_embeddings == 34
    assert "maximum sequence length is 32 positions" in explain(bart, "encoder.embed_positions")
