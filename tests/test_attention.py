"""Attention from a trace = eager ``output_attentions=True``, for every layer of 19 families.

The user's model runs SDPA wherever the family has it; its eager twin is a deep copy switched to
eager attention with ``set_attn_implementation``. Tiny configs, the real bert-base-uncased
tokenizer, each model built once per session.
"""

from __future__ import annotations

import copy
import functools

import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers as tf

from explorer.heads import trace
from explorer.heads.checks import model_feed
from explorer.trace.attention import attention_kind, capture_attention, is_attention, weights

TRANSFORMERS_5 = int(tf.__version__.split(".")[0]) >= 5
TEXT = "The acting is wonderful, the story is not, and the ending drags on."
QUESTION = "Where does Wolfgang live?"
CONTEXT = "My name is Wolfgang and I live in Berlin. My sister lives in Seoul."
DECODERS = ["gpt2", "llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3", "olmo2", "gpt_neox"]
ENCODERS = ["modernbert", "deberta_v2", "deberta_v3", "xlm_roberta", "mpnet"]
BERT_ERA = ["distilbert", "bert", "roberta", "albert", "electra"]
ARCHS = DECODERS + ENCODERS + BERT_ERA
# (family, head): why there is no model to test. Checked below: a class that appears fails.
NO_CLASS = {
    ("gemma2", "qa"): "transformers has no Gemma2ForQuestionAnswering",
    ("phi3", "qa"): "transformers has no Phi3ForQuestionAnswering",
    ("olmo2", "qa"): "transformers has no Olmo2ForQuestionAnswering",
}
if not TRANSFORMERS_5:
    NO_CLASS["olmo2", "cls"] = "transformers 4.57 has no Olmo2ForSequenceClassification"
LABELS = {"num_labels": 3, "id2label": {0: "neg", 1: "<b>mixed</b>", 2: "긍정"}}


def config(arch: str, head: str = "cls"):
    """Tiny configs; windows (4 tokens) shorter than the inputs, grouped-query decoders."""
    extra = dict(LABELS) if head == "cls" else {}
    common = dict(vocab_size=30522, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, max_position_embeddings=512, pad_token_id=0,
                  **extra)  # fmt: skip
    decoder = dict(common, num_key_value_heads=2, bos_token_id=101, eos_token_id=102)
    if arch == "gpt2":
        return tf.GPT2Config(vocab_size=30522, n_embd=32, n_layer=2, n_head=4, n_positions=512,
                             pad_token_id=0, bos_token_id=101, eos_token_id=102,
                             **extra)  # fmt: skip
    if arch == "llama":
        return tf.LlamaConfig(**decoder)
    if arch == "mistral":
        return tf.MistralConfig(**decoder, sliding_window=4)
    if arch == "qwen2":
        return tf.Qwen2Config(**decoder)
    if arch == "qwen3":
        return tf.Qwen3Config(**decoder, head_dim=8)
    if arch == "gemma2":  # layers alternate sliding (window 4) and global; a softcap that bites
        return tf.Gemma2Config(**decoder, head_dim=8, sliding_window=4, query_pre_attn_scalar=8,
                               attn_logit_softcapping=0.5,
                               final_logit_softcapping=None)  # fmt: skip
    if arch == "phi3":
        return tf.Phi3Config(**decoder, partial_rotary_factor=0.5)
    if arch == "olmo2":
        return tf.Olmo2Config(**decoder)
    if arch == "gpt_neox":
        return tf.GPTNeoXConfig(**common, rotary_pct=0.5)
    if arch == "modernbert":  # layers 0 and 2 global, 1 local (2 tokens either side)
        return tf.ModernBertConfig(**{**common, "num_hidden_layers": 3}, local_attention=4,
                                   global_attn_every_n_layers=2, classifier_pooling="mean",
                                   bos_token_id=101, eos_token_id=102, cls_token_id=101,
                                   sep_token_id=102)  # fmt: skip
    if arch == "deberta_v2":
        return tf.DebertaV2Config(**common, relative_attention=True, pos_att_type=["c2p", "p2c"],
                                  type_vocab_size=2)  # fmt: skip
    if arch == "deberta_v3":  # as microsoft/deberta-v3-*: buckets, shared keys, no absolute
        return tf.DebertaV2Config(**common, relative_attention=True, pos_att_type=["p2c", "c2p"],
                                  position_buckets=8, max_relative_positions=-1, share_att_key=True,
                                  norm_rel_ebd="layer_norm", position_biased_input=False,
                                  type_vocab_size=2)  # fmt: skip
    if arch in ("xlm_roberta", "roberta"):  # two token types: the BERT tokenizer's pair ids fit
        cls = tf.XLMRobertaConfig if arch == "xlm_roberta" else tf.RobertaConfig
        return cls(**{**common, "max_position_embeddings": 514}, type_vocab_size=2)
    if arch == "mpnet":
        return tf.MPNetConfig(**{**common, "max_position_embeddings": 514})
    if arch == "distilbert":
        return tf.DistilBertConfig(vocab_size=30522, dim=32, hidden_dim=64, n_layers=2, n_heads=4,
                                   pad_token_id=0, **extra)  # fmt: skip
    if arch == "bert":
        return tf.BertConfig(**common)
    if arch == "albert":  # one shared layer run 3 times
        return tf.AlbertConfig(**{**common, "num_hidden_layers": 3}, embedding_size=16)
    if arch == "electra":
        return tf.ElectraConfig(**common, embedding_size=16)
    raise KeyError(arch)


def auto(head: str):
    return (
        tf.AutoModelForSequenceClassification if head == "cls" else tf.AutoModelForQuestionAnswering
    )


def model_class(arch: str, head: str):
    """The family's class for the head, or a skip saying there is none (checked to be true)."""
    cls = auto(head)._model_mapping.get(type(config(arch, head)), None)
    if (arch, head) in NO_CLASS:
        assert cls is None, f"{cls} exists now: test it"
        pytest.skip(NO_CLASS[arch, head])
    return cls


def build(arch: str, head: str, attn: str | None = None) -> torch.nn.Module:
    """The user's model: SDPA wherever the family has it, seeded weights.

    Gemma 2 runs eager (transformers' advice): transformers 4's SDPA ignores its softcap, so its
    SDPA weights are not eager's (see the softcap test).
    """
    cls = model_class(arch, head)
    if attn is None:
        attn = "sdpa" if cls._supports_sdpa and arch != "gemma2" else "eager"
    return tm.init_weights(auto(head).from_config(config(arch, head), attn_implementation=attn))


@functools.cache
def cached(arch: str, head: str) -> torch.nn.Module:
    return build(arch, head)


def eager_twin(model: torch.nn.Module) -> torch.nn.Module:
    """A deep copy switched to eager attention (the user's model keeps its own); LoRA merged.

    transformers 4 picks BERT-era attention classes when the model is built, so there the copy
    is rebuilt eager from its config and given the same weights.
    """
    twin = copy.deepcopy(model)
    if hasattr(twin, "merge_and_unload"):
        twin = twin.merge_and_unload()
    twin.set_attn_implementation("eager")
    if twin.config._attn_implementation != "eager" or any(
        "Sdpa" in type(m).__name__ for m in twin.modules()
    ):
        cfg = copy.deepcopy(twin.config)
        fresh = type(twin)._from_config(cfg, attn_implementation="eager")
        fresh.load_state_dict(twin.state_dict())
        twin = fresh
    assert twin.config._attn_implementation == "eager"
    return twin.eval()


@functools.cache
def cached_twin(arch: str, head: str) -> torch.nn.Module:
    return eager_twin(cached(arch, head))


def tokenizer(arch: str, padding_side: str = "right"):
    return tm.cached_tokenizer(arch not in ("distilbert", "mpnet"), padding_side)


def run(model, arch: str, head: str):
    if head == "cls":
        return trace(model, tokenizer(arch), TEXT)
    return trace(model, tokenizer(arch), QUESTION, CONTEXT)


def attention_calls(model, t) -> list[tuple[str, int]]:
    """Every attention call of the trace, in the order the forward ran them."""
    paths = [p for p, m in model.named_modules() if attention_kind(m) is not None]
    return [(p, i) for p in paths for i in range(t.calls(p))]


def eager_attentions(twin, feed) -> tuple:
    with torch.no_grad():
        return twin(**feed, output_attentions=True).attentions


# -- equality with eager, every layer, both heads --------------------------------------------------


@pytest.mark.parametrize("head", ["cls", "qa"])
@pytest.mark.parametrize("arch", ARCHS)
def test_attention_equals_eager_output_attentions_for_every_layer(arch, head):
    model = cached(arch, head)
    if model_class(arch, head)._supports_sdpa and arch != "gemma2":
        assert model.config._attn_implementation == "sdpa"  # the user's model keeps SDPA
    t = run(model, arch, head)
    twin = cached_twin(arch, head)
    assert twin.config._attn_implementation == "eager"
    eager = eager_attentions(twin, t.feed)
    calls = attention_calls(model, t)
    assert len(calls) == len(eager) >= 2
    n = len(t.tokens)
    assert n > 8  # longer than every window below
    for (path, i), want in zip(calls, eager, strict=True):
        got = t.attention(path, call=i)
        assert got.shape == (want.shape[1], n, n) and got.dtype == np.float32
        np.testing.assert_allclose(got, want[0].numpy(), atol=1e-4, rtol=0)
        np.testing.assert_allclose(got.sum(-1), 1.0, atol=1e-5)
    if head == "cls":
        assert max(float(w[0].max()) for w in eager) > 1.5 / n  # weights are not all uniform


def padded_feed(model, arch: str, side: str) -> dict:
    """The text padded to 24 tokens on ``side``, as the model's forward takes it."""
    tok = tokenizer(arch, side)
    encoded = tok([TEXT], padding="max_length", max_length=24)
    return model_feed(model, tok, encoded, row=0)


@pytest.mark.parametrize("arch", ARCHS)
def test_padded_attention_equals_eager(arch):
    """Padding (left for decoders, right for encoders): real query rows equal eager's, and no
    real query gives weight to a padded key. Rows of padding queries are left out: transformers'
    own SDPA and eager runs differ there (a padding row can see no key at all)."""
    if (arch, "cls") in NO_CLASS:
        pytest.skip(NO_CLASS[arch, "cls"])
    side = "left" if arch in DECODERS else "right"
    model = cached(arch, "cls")
    feed = padded_feed(model, arch, side)
    mask = feed["attention_mask"][0].tolist()
    assert 0 in mask and (mask[0] == 0) == (side == "left")
    with torch.no_grad(), capture_attention(model, mask) as captured:
        model(**feed)
    eager = eager_attentions(cached_twin(arch, "cls"), feed)
    real = np.array(mask, dtype=bool)
    got = [
        weights(c, captured.kinds[p], captured.family, mask).numpy()
        for p in captured.calls
        for c in captured.calls[p]
    ]
    assert len(got) == len(eager)
    for g, want in zip(got, eager, strict=True):
        np.testing.assert_allclose(g[:, real], want[0].numpy()[:, real], atol=1e-4, rtol=0)
        assert (g[:, real][:, :, ~real] == 0).all()


@pytest.mark.parametrize("arch", ["bert", "llama"])
def test_lora_wrapped_models(arch):
    """PEFT LoRA on the query and value projections (random B, so LoRA changes the queries)."""
    peft = pytest.importorskip("peft")
    targets = ["query", "value"] if arch == "bert" else ["q_proj", "v_proj"]
    lora = peft.LoraConfig(task_type="SEQ_CLS", r=4, target_modules=targets,
                           init_lora_weights=False)  # fmt: skip
    torch.manual_seed(0)
    model = peft.get_peft_model(build(arch, "cls"), lora).eval()
    t = run(model, arch, "cls")
    eager = eager_attentions(eager_twin(model), t.feed)
    calls = attention_calls(model, t)
    assert calls[0][0].startswith("base_model.model.") and len(calls) == len(eager) == 2
    for (path, i), want in zip(calls, eager, strict=True):
        np.testing.assert_allclose(t.attention(path, i), want[0].numpy(), atol=1e-4, rtol=0)
    plain = run(cached(arch, "cls"), arch, "cls")  # the same weights without LoRA differ
    assert not np.allclose(t.attention(calls[0][0]), plain.attention(calls[0][0][17:]), atol=1e-3)
    assert t.lens[-1] == t.prediction and t.lens is not None


def test_the_scan_of_attention_modules_follows_the_model_as_it_changes():
    """The readable attention modules are found once per model and found again when its
    modules (LoRA put in place) or its attention implementation (switched to eager) change."""
    peft = pytest.importorskip("peft")
    model = build("llama", "cls")
    path = "model.layers.0.self_attn"
    before = run(model, "llama", "cls").attention(path)
    lora = peft.LoraConfig(r=4, target_modules=["q_proj"], init_lora_weights=False)
    torch.manual_seed(1)
    peft.inject_adapter_in_model(lora, model)  # in place: q_proj becomes a LoRA layer
    assert type(model.model.layers[0].self_attn.q_proj).__module__.startswith("peft")
    t = run(model, "llama", "cls")
    want = eager_attentions(eager_twin(model), t.feed)[0][0].numpy()
    np.testing.assert_allclose(t.attention(path), want, atol=1e-4, rtol=0)
    assert not np.allclose(t.attention(path), before, atol=1e-3)  # LoRA changed the queries
    model.set_attn_implementation("eager")
    t = run(model, "llama", "cls")
    assert t.attention_info(path).implementation == "eager"
    np.testing.assert_allclose(t.attention(path), want, atol=1e-4, rtol=0)
    layer = model.model.layers[0]
    layer.self_attn = copy.deepcopy(layer.self_attn)  # a module replaced: its own weights
    with torch.no_grad():
        layer.self_attn.k_proj.weight.mul_(3)
    t = run(model, "llama", "cls")
    want = eager_attentions(eager_twin(model), t.feed)[0][0].numpy()
    np.testing.assert_allclose(t.attention(path), want, atol=1e-4, rtol=0)


def test_gemma2_softcap_is_applied_and_what_sdpa_ignores_is_said():
    """Eager applies Gemma 2's softcap; transformers 4's SDPA ignores it: the weights are then
    the ones SDPA computed, and the info says so."""
    t = run(cached("gemma2", "cls"), "gemma2", "cls")
    info = t.attention_info("model.layers.0.self_attn")
    if TRANSFORMERS_5:  # Gemma 2 has no SDPA here: the model runs eager, softcap applied
        assert info.implementation == "eager" and info.softcap == 0.5 and not info.notes
        return
    sdpa = build("gemma2", "cls", attn="sdpa")
    t = run(sdpa, "gemma2", "cls")
    info = t.attention_info("model.layers.0.self_attn")
    assert info.implementation == "sdpa" and info.softcap is None
    assert "softcap of 0.5 is configured, but SDPA does not apply it" in info.notes[0]
    uncapped = copy.deepcopy(sdpa)
    uncapped.config.attn_logit_softcapping = None
    for layer in uncapped.model.layers:
        layer.self_attn.attn_logit_softcapping = None
    want = eager_attentions(eager_twin(uncapped), t.feed)
    capped = eager_attentions(cached_twin("gemma2", "cls"), t.feed)
    for i, w in enumerate(want):
        got = t.attention(f"model.layers.{i}.self_attn")
        np.testing.assert_allclose(got, w[0].numpy(), atol=1e-4, rtol=0)
        assert np.abs(got - capped[i][0].numpy()).max() > 1e-3  # the softcap matters here


def test_is_attention_names_the_modules_a_trace_reads():
    llama, bert = cached("llama", "cls"), cached("bert", "cls")
    assert is_attention(llama, "model.layers.1.self_attn")
    assert not is_attention(llama, "model.layers.1.self_attn.q_proj")
    assert not is_attention(llama, "model.layers.1") and not is_attention(llama, "no.such")
    self_attention = "bert.encoder.layer.0.attention.self"
    assert is_attention(bert, self_attention) and not is_attention(bert, "bert.pooler")


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_other_dtypes_give_float32_weights_and_keep_their_dtype(dtype):
    """float64: eager's weights to 1e-6; bfloat16: SDPA's inputs read in float32, close to the
    float32 model's (bfloat16 keeps about 3 digits)."""
    model = build("llama", "cls").to(dtype)
    t = run(model, "llama", "cls")
    assert {p.dtype for p in model.parameters()} == {dtype}
    reference = run(cached("llama", "cls"), "llama", "cls")
    eager = eager_attentions(eager_twin(model), t.feed) if dtype == torch.float64 else None
    for i in range(2):
        got = t.attention(f"model.layers.{i}.self_attn")
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.sum(-1), 1.0, atol=1e-5)
        if eager is not None:
            np.testing.assert_allclose(got, eager[i][0].numpy(), atol=1e-6, rtol=0)
        else:
            want = reference.attention(f"model.layers.{i}.self_attn")
            np.testing.assert_allclose(got, want, atol=3e-2, rtol=0)


@pytest.mark.parametrize("arch", ["gpt2", "llama", "modernbert", "bert"])
def test_user_models_running_eager(arch):
    """A user's model loaded eager reads the weights eager formed (GPT-2 with
    ``reorder_and_upcast_attn``: its own upcast path, which bypasses the registry)."""
    cfg = config(arch)
    if arch == "gpt2":
        cfg.reorder_and_upcast_attn = True
    model = tf.AutoModelForSequenceClassification.from_config(cfg, attn_implementation="eager")
    model = tm.init_weights(model)
    t = run(model, arch, "cls")
    with torch.no_grad():
        eager = model(**t.feed, output_attentions=True).attentions
    calls = attention_calls(model, t)
    assert len(calls) == len(eager) >= 2
    for (path, i), want in zip(calls, eager, strict=True):
        np.testing.assert_allclose(t.attention(path, i), want[0].numpy(), atol=1e-6, rtol=0)
        assert t.attention_info(path, i).implementation == "eager"
