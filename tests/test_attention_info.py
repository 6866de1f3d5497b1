"""Trace.attention_info: positions, head grouping, causal, window, softcap, padding, allowed cells.

The ``allowed`` matrix is checked twice: against the cells eager attention gave a weight (its
masked cells are exactly 0 in these tiny models) and against the rule the info states.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_attention import (
    ARCHS,
    DECODERS,
    NO_CLASS,
    TRANSFORMERS_5,
    attention_calls,
    cached,
    cached_twin,
    eager_attentions,
    padded_feed,
    run,
)

from explorer.trace.attention import capture_attention, weights
from explorer.trace.attention_info import AttentionInfo, attention_info

GQA = {"llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3", "olmo2"}
ROTARY = {"llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3", "olmo2", "gpt_neox", "modernbert"}
POSITIONS = {"deberta_v2": "absolute + relative", "deberta_v3": "relative",
             "mpnet": "absolute + relative"}  # fmt: skip
# (layer index) -> (window, is_global), for the families with windows
WINDOWS = {
    "mistral": {0: ((3, 0), False), 1: ((3, 0), False)},  # every layer slides
    "gemma2": {0: ((3, 0), False), 1: (None, True)},
    "modernbert": {0: (None, True), 1: ((2, 2), False), 2: (None, True)},
}


def implementation(arch: str) -> str:
    if arch in ("deberta_v2", "deberta_v3", "mpnet"):
        return "own code"
    if arch == "gemma2" or (arch == "electra" and not TRANSFORMERS_5):  # 4.57's ELECTRA: no SDPA
        return "eager"
    return "sdpa"


def rule(info: AttentionInfo, n: int) -> np.ndarray:
    """The cells the info's own words allow: causal triangle, window band, padded keys hidden."""
    q, k = np.indices((n, n))
    allowed = np.ones((n, n), dtype=bool)
    if info.causal:
        allowed &= k <= q
    if info.window is not None:
        back, ahead = info.window
        allowed &= (k >= q - back) & (k <= q + ahead)
    allowed[:, info.padded] = False
    return allowed


def skip_missing(arch: str) -> None:
    if (arch, "cls") in NO_CLASS:
        pytest.skip(NO_CLASS[arch, "cls"])


@pytest.mark.parametrize("arch", ARCHS)
def test_info_describes_every_layer(arch):
    skip_missing(arch)
    model = cached(arch, "cls")
    t = run(model, arch, "cls")
    eager = eager_attentions(cached_twin(arch, "cls"), t.feed)
    n = len(t.tokens)
    for layer, ((path, call), want) in enumerate(
        zip(attention_calls(model, t), eager, strict=True)
    ):
        info = t.attention_info(path, call)
        assert (info.path, info.call, info.family) == (path, call, model.config.model_type)
        assert info.calls == t.calls(path) and info.padded == []
        assert info.allowed.shape == (n, n) and info.allowed.dtype == bool
        np.testing.assert_array_equal(info.allowed, want[0, 0].numpy() > 0)
        np.testing.assert_array_equal(info.allowed, rule(info, n))
        kv = 2 if arch in GQA else 4
        assert (info.heads, info.kv_heads, info.head_dim) == (4, kv, 8)
        assert info.kv_head_of == ([0, 0, 1, 1] if kv == 2 else [0, 1, 2, 3])
        assert info.grouping == (
            "4 query heads share 2 key/value heads"
            if kv == 2
            else "4 heads, each with its own keys and values"
        )
        want_positions = "rotary" if arch in ROTARY else POSITIONS.get(arch, "absolute")
        assert info.positions == want_positions and info.positions_note
        fraction = 0.5 if arch in ("phi3", "gpt_neox") else 1.0 if arch in ROTARY else None
        assert info.rotary_fraction == fraction
        assert info.causal == (arch in DECODERS)
        assert (info.window, info.is_global) == WINDOWS.get(arch, {}).get(layer, (None, None))
        assert info.softcap == (0.5 if arch == "gemma2" else None) and info.notes == []
        assert info.implementation == implementation(arch) and info.source
        scale = (8 * 3) ** -0.5 if arch.startswith("deberta") else 8**-0.5
        assert info.scaling == pytest.approx(scale)


@pytest.mark.parametrize("arch", ["llama", "mistral", "gemma2", "modernbert", "deberta_v2", "bert"])
def test_info_of_a_padded_input(arch):
    """Padding shows in ``padded`` and ``allowed``; real rows keep eager's pattern."""
    model = cached(arch, "cls")
    side = "left" if arch in DECODERS else "right"
    feed = padded_feed(model, arch, side)
    mask = feed["attention_mask"][0].tolist()
    with torch.no_grad(), capture_attention(model, mask) as captured:
        model(**feed)
    eager = eager_attentions(cached_twin(arch, "cls"), feed)
    real = np.array(mask, dtype=bool)
    paths = [(p, i) for p in captured.calls for i in range(len(captured.calls[p]))]
    for (path, i), want in zip(paths, eager, strict=True):
        kind = captured.kinds[path]
        call = captured.calls[path][i]
        info = attention_info(captured, path, i, lambda c=call, k=kind: weights(c, k, "", mask))
        assert info.padded == [j for j, m in enumerate(mask) if not m] != []
        assert not info.allowed[:, ~real].any()  # nobody sees a padded key
        np.testing.assert_array_equal(info.allowed[real], rule(info, len(mask))[real])
        np.testing.assert_array_equal(info.allowed[real], want[0, 0].numpy()[real] > 0)


def test_grouping_in_words():
    def grouped(heads: int, kv: int) -> str:
        return AttentionInfo(
            "p", 0, 1, "llama", "sdpa", "", heads, kv, [], 8, "rotary", "", 1.0, True,
            None, None, None, None, [], np.ones((1, 1), dtype=bool),
        ).grouping  # fmt: skip

    assert grouped(16, 4) == "16 query heads share 4 key/value heads"
    assert grouped(8, 1) == "8 query heads share 1 key/value head"
    assert grouped(12, 12) == "12 heads, each with its own keys and values"


def test_a_layer_path_names_its_attention_module():
    model = cached("llama", "cls")
    t = run(model, "llama", "cls")
    layer = t.attention_info("model.layers.1")
    assert layer.path == "model.layers.1.self_attn"
    np.testing.assert_array_equal(t.attention("model.layers.1"), t.attention(layer.path))
    assert TRANSFORMERS_5 or layer.implementation == "sdpa"
