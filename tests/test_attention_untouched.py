"""The attention capture leaves the model, its outputs and transformers' registry as they were.

Also when the forward raises or is cancelled, when other threads trace or run meanwhile, and
when someone else changes the registry during a run. Unreadable attention says why.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
import transformers as tf
from test_attention import (
    ARCHS,
    NO_CLASS,
    TEXT,
    TRANSFORMERS_5,
    build,
    cached,
    config,
    run,
    tokenizer,
)
from test_trace import hooks, state
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, AttentionInterface

from explorer.heads import trace
from explorer.trace import TraceCancelled
from explorer.trace import capture as capture_module
from explorer.trace.attention import is_attention


def registry() -> dict:
    """Every table an attention module looks its function up in, as it is now."""
    tables = {
        "global": dict(AttentionInterface._global_mapping),
        "local": dict(ALL_ATTENTION_FUNCTIONS._local_mapping),
    }
    from transformers.models.modernbert import modeling_modernbert

    own = getattr(modeling_modernbert, "MODERNBERT_ATTENTION_FUNCTION", None)  # transformers 4
    if own is not None:
        tables["modernbert"] = dict(own)
    return tables


def mixed_state_model(arch: str):
    """A model half in training mode, one frozen tensor, a user's hook: all must stay so."""
    model = build(arch, "cls").train()
    model.base_model.get_input_embeddings().eval()
    next(model.parameters()).requires_grad_(False)
    model.get_submodule(attention_paths(model)[0]).register_forward_hook(lambda *a: None)
    return model


def attention_paths(model) -> list[str]:
    return [p for p, m in model.named_modules() if is_attention(model, p)]


def untouched(model, before: dict, tables: dict) -> None:
    assert state(model) == before
    assert registry() == tables
    assert capture_module._ENTRIES == {} and capture_module._active() == []


CASES = ["gpt2", "llama", "gemma2", "modernbert", "deberta_v2", "bert"]


@pytest.mark.parametrize("arch", CASES)
def test_model_and_registry_untouched_after_a_trace(arch):
    model = mixed_state_model(arch)
    before, tables = state(model), registry()
    t = run(model, arch, "cls")
    untouched(model, before, tables)
    assert t.attention(attention_paths(model)[-1]).shape[0] == 4
    assert t.prediction == run(cached(arch, "cls"), arch, "cls").prediction  # dropout was off


@pytest.mark.parametrize("arch", CASES)
def test_untouched_when_the_forward_raises_after_attention_ran(arch):
    model = mixed_state_model(arch)

    def boom(*_):
        raise RuntimeError("boom after the last attention")

    model.get_submodule(attention_paths(model)[-1]).register_forward_hook(boom)
    before, tables = state(model), registry()
    with pytest.raises(RuntimeError, match="boom after the last attention"):
        run(model, arch, "cls")
    untouched(model, before, tables)


@pytest.mark.parametrize("arch", CASES)
def test_untouched_when_cancelled_mid_run(arch):
    model = mixed_state_model(arch)
    before, tables = state(model), registry()
    seen = []

    def should_stop():
        seen.append(1)
        return len(seen) > 12  # well inside the first blocks

    with pytest.raises(TraceCancelled):
        trace(model, tokenizer(arch), TEXT, should_stop=should_stop)
    untouched(model, before, tables)


@pytest.mark.parametrize("arch", ARCHS)
def test_traced_outputs_are_bit_identical_to_an_untraced_run(arch):
    if (arch, "cls") in NO_CLASS:
        pytest.skip(NO_CLASS[arch, "cls"])
    model = cached(arch, "cls")
    t = run(model, arch, "cls")
    with torch.no_grad():
        plain = model(**t.feed).logits[0].numpy()
    assert np.array_equal(t.head_output, plain)


def test_threads_tracing_and_running_meanwhile():
    """Two threads trace two models at once while a third runs one of them untraced: each
    trace sees its own calls only, gets the weights a lone trace gets, and the registry comes
    back whole."""
    alone = {arch: run(cached(arch, "cls"), arch, "cls") for arch in ("llama", "bert")}
    tables = registry()
    start, results, errors = threading.Barrier(3), {}, []

    def tracing(arch: str):
        try:
            start.wait()
            results[arch] = [run(cached(arch, "cls"), arch, "cls") for _ in range(4)]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def running():
        start.wait()
        feed = alone["llama"].feed
        with torch.no_grad():
            for _ in range(8):
                cached("llama", "cls")(**feed)

    threads = [threading.Thread(target=tracing, args=(a,)) for a in alone]
    threads.append(threading.Thread(target=running))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for arch, traces in results.items():
        model = cached(arch, "cls")
        for path in attention_paths(model):
            for t in traces:
                assert t.calls(path) >= 1
                assert t._rec.attention.calls[path] and len(t._rec.attention.calls[path]) == 1
                np.testing.assert_array_equal(t.attention(path), alone[arch].attention(path))
    assert registry() == tables and capture_module._ENTRIES == {}


def test_an_entry_replaced_during_the_run_is_left_to_its_owner():
    original = AttentionInterface._global_mapping["sdpa"]

    def theirs(*args, **kwargs):
        return original(*args, **kwargs)

    model = cached("llama", "cls")

    def replace(*_):
        AttentionInterface._global_mapping["sdpa"] = theirs

    handle = model.model.layers[0].register_forward_pre_hook(replace)
    try:
        t = run(model, "llama", "cls")
        assert AttentionInterface._global_mapping["sdpa"] is theirs
        assert len(t._rec.attention.calls["model.layers.0.self_attn"]) == 1
    finally:
        handle.remove()
        AttentionInterface._global_mapping["sdpa"] = original
    assert capture_module._ENTRIES == {}


# -- what cannot be read says why ----------------------------------------------------------------


def test_a_custom_attention_implementation_is_named():
    """A user's own registered attention function: its weights are unknown, so none is made up."""
    key = "explorer_test_attention"
    sdpa = AttentionInterface._global_mapping["sdpa"]
    AttentionInterface.register(key, lambda *args, **kwargs: sdpa(*args, **kwargs))
    try:
        model = tf.AutoModelForSequenceClassification.from_config(
            config("llama"), attn_implementation=key
        ).eval()
        tables = registry()
        t = run(model, "llama", "cls")
        assert registry() == tables
        path = "model.layers.0.self_attn"
        assert not is_attention(model, path)
        with pytest.raises(ValueError, match=rf"llama: {path} \(LlamaAttention\) runs the '{key}' "
                           r"attention implementation; this trace reads 'sdpa'"):  # fmt: skip
            t.attention(path)
        with pytest.raises(ValueError, match=f"runs the '{key}'"):
            t.attention_info("model.layers.0")
    finally:
        del AttentionInterface._global_mapping[key]


def test_paths_that_are_not_readable_attention():
    model = cached("llama", "cls")
    t = run(model, "llama", "cls")
    with pytest.raises(ValueError, match=r"model\.layers\.0\.mlp\.up_proj \(Linear\) is not an "
                       "attention module this trace can read"):  # fmt: skip
        t.attention("model.layers.0.mlp.up_proj")
    with pytest.raises(ValueError, match=r"model holds 2 attention modules: pick one of "
                       r"model\.layers\.0\.self_attn, model\.layers\.1\.self_attn"):  # fmt: skip
        t.attention("model")
    with pytest.raises(ValueError, match=r"ran 1 time\(s\) in this trace; call=1"):
        t.attention("model.layers.0.self_attn", call=1)
    with pytest.raises(KeyError, match="no module 'model.layers.9'"):
        t.attention_info("model.layers.9")


@pytest.mark.skipif(TRANSFORMERS_5, reason="transformers 5 removed BERT's relative_key positions")
def test_relative_key_bert_in_transformers_4_says_why():
    cfg = config("bert")
    cfg.position_embedding_type = "relative_key"
    model = tf.BertForSequenceClassification(cfg).eval()
    t = trace(model, tokenizer("bert"), TEXT)
    path = "bert.encoder.layer.0.attention.self"
    with pytest.raises(ValueError, match=r"bert: .* uses relative position embeddings "
                       r"\(relative_key\): its attention adds position scores"):  # fmt: skip
        t.attention(path)
    assert not is_attention(model, path) and hooks(model) == []
