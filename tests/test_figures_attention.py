"""explorer.figures.attention: a head's exact weights, the cells its layer masked drawn apart."""

from __future__ import annotations

import _tiny_models as tm
import numpy as np
import pytest
import torch
from test_attention import cached, padded_feed, run
from test_attention_info import rule
from test_figures_trace import check_figure, decoded

from explorer.figures import attention as fa
from explorer.figures import trace as ft
from explorer.heads import trace
from explorer.trace.attention import capture_attention, weights
from explorer.trace.attention_info import attention_info

TEXT = "the <b>film</b> & the cast"
ATTN = "distilbert.transformer.layer.1.attention"


@pytest.fixture(scope="module")
def sst2_trace():
    return trace(tm.cached("distilbert_sst2"), tm.cached_tokenizer(token_type_ids=False), TEXT)


def cover(fig) -> np.ndarray:
    """The masked cells the figure draws (True where the grey heatmap has a value)."""
    return ~np.isnan(np.asarray(fig.data[1].z, dtype=float))


def test_attention_heatmap_holds_the_exact_weights_of_the_head(sst2_trace):
    t = sst2_trace
    weights = t.attention(ATTN)
    info = t.attention_info(ATTN)
    fig = fa.attention_heatmap()
    for head in range(weights.shape[0]):
        assert fa.update_attention(fig, weights, t.tokens, ATTN, head, info=info) is fig
        heat = fig.data[0]
        assert heat.type == "heatmap"
        np.testing.assert_array_equal(np.asarray(heat.z), weights[head])
        assert list(heat.x) == list(heat.y) == ft.token_labels(t.tokens)
        assert heat.zmin == 0 and heat.zmax == pytest.approx(float(weights[head].max()))
        assert fig.layout.title.text == f"{ATTN}: attention of head {head + 1} of 2"
    assert "%{z:.6f}" in heat.hovertemplate and "%{x}" in heat.hovertemplate
    assert fig.layout.yaxis.autorange == "reversed"  # the first token's row on top
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "category"
    assert fig.data[1].visible is False and not cover(fig).any()  # DistilBERT masks nothing here
    data = check_figure(fig)  # what a page receives: the same float32 numbers, bit for bit
    np.testing.assert_array_equal(decoded(data["data"][0]["z"]).astype(np.float32), weights[1])
    assert "&lt;" in data["data"][0]["x"] and "<" not in "".join(data["data"][0]["x"])


def test_attention_update_refuses_mismatched_input(sst2_trace):
    t, fig = sst2_trace, fa.attention_heatmap()
    weights = t.attention(ATTN)
    with pytest.raises(ValueError, match=r"head 2 is out of range: there are 2 heads"):
        fa.update_attention(fig, weights, t.tokens, ATTN, 2)
    with pytest.raises(ValueError, match=r"must be \[heads, tokens, tokens\]"):
        fa.update_attention(fig, weights[0], t.tokens, ATTN, 0)
    with pytest.raises(ValueError, match=r"tokens for weights over"):
        fa.update_attention(fig, weights, t.tokens[:-1], ATTN, 0)
    other = trace(tm.cached("distilbert_sst2"), tm.cached_tokenizer(False), "two words")
    with pytest.raises(ValueError, match=r"the layer's mask is \(4, 4\)"):
        fa.update_attention(fig, weights, t.tokens, ATTN, 0, info=other.attention_info(ATTN))
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ko'"):
        fa.attention_heatmap("fr")


def test_a_causal_layer_draws_its_future_tokens_masked_not_as_zero_weights():
    t = run(cached("llama", "cls"), "llama", "cls")
    path = "model.layers.1.self_attn"
    weights, info = t.attention(path), t.attention_info(path)
    n = len(t.tokens)
    fig = fa.update_attention(fa.attention_heatmap(), weights, t.tokens, path, 3, info=info)
    future = np.triu(np.ones((n, n), dtype=bool), k=1)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), weights[3])  # exact, 0 when masked
    assert (weights[3][future] == 0).all()
    masked = fig.data[1]
    assert masked.visible is True and masked.showscale is False and masked.hoverongaps is False
    np.testing.assert_array_equal(cover(fig), future)
    assert {masked.colorscale[0][1], masked.colorscale[-1][1]} == {fa.MASKED}
    text = np.array(masked.text, dtype=object)
    assert set(text[future]) == {"masked: future token"} and set(text[~future]) == {""}
    assert "%{text}" in masked.hovertemplate and list(masked.x) == ft.token_labels(t.tokens)
    assert fig.layout.title.text.endswith("grey cells are masked: future token</span>")
    check_figure(fig)
    fa.update_attention(fig, weights, t.tokens, path, 0, "ko", info)
    assert set(np.array(fig.data[1].text, dtype=object)[future]) == {"가려짐: 미래 토큰"}
    assert "회색 칸은 가려진 칸: 미래 토큰" in fig.layout.title.text
    # the next layer (or model) without a mask hides the grey heatmap again
    plain = trace(tm.cached("distilbert_sst2"), tm.cached_tokenizer(False), TEXT)
    fa.update_attention(fig, plain.attention(ATTN), plain.tokens, ATTN, 0, info=plain.attention_info(ATTN))  # fmt: skip
    assert (
        fig.data[1].visible is False
        and not cover(fig).any()
        and "<br>" not in fig.layout.title.text
    )


@pytest.mark.parametrize(
    ("arch", "layer", "reasons"),
    [
        ("modernbert", 1, ["outside the local band"]),  # a band of 2 either side, bidirectional
        ("modernbert", 0, []),  # a global layer of the same model
        ("mistral", 0, ["future token", "outside the sliding window"]),
        ("gemma2", 0, ["future token", "outside the sliding window"]),
        ("gemma2", 1, ["future token"]),  # Gemma 2's global layer
    ],
)
def test_windows_and_bands_are_drawn_with_their_reason(arch, layer, reasons):
    model = cached(arch, "cls")
    t = run(model, arch, "cls")
    path = [p for p, _ in model.named_modules() if p.endswith(f"layers.{layer}.attn")
            or p.endswith(f"layers.{layer}.self_attn")][0]  # fmt: skip
    info = t.attention_info(path)
    fig = fa.update_attention(fa.attention_heatmap(), t.attention(path), t.tokens, path, 0, info=info)  # fmt: skip
    np.testing.assert_array_equal(cover(fig), ~info.allowed)
    np.testing.assert_array_equal(cover(fig), ~rule(info, len(t.tokens)))
    text = np.array(fig.data[1].text, dtype=object)
    assert {s.removeprefix("masked: ") for s in text[cover(fig)]} == set(reasons)
    q, k = np.indices(info.allowed.shape)
    if "outside the sliding window" in reasons:  # a cell is outside when further back than that
        back = info.window[0]
        window = text == "masked: outside the sliding window"
        np.testing.assert_array_equal(window, k < q - back)
    if reasons:
        assert fig.layout.title.text.endswith(f"grey cells are masked: {', '.join(reasons)}</span>")
    else:
        assert fig.data[1].visible is False


@pytest.mark.parametrize(("arch", "side"), [("llama", "left"), ("modernbert", "right")])
def test_padding_is_its_own_reason(arch, side):
    model = cached(arch, "cls")
    feed = padded_feed(model, arch, side)
    mask = feed["attention_mask"][0].tolist()
    with torch.no_grad(), capture_attention(model, mask) as captured:
        model(**feed)
    path = next(iter(captured.calls))
    call, kind = captured.calls[path][0], captured.kinds[path]
    info = attention_info(captured, path, 0, lambda: weights(call, kind, "", mask))
    reasons = fa.masked_reasons(info)
    pads = [i for i, m in enumerate(mask) if not m]
    assert pads == info.padded != []
    assert set(reasons[:, pads].ravel()) == {"padding"}  # nobody sees a padded key
    hidden = ~info.allowed[pads]  # what a padded query may not see is hidden as padding
    assert set(reasons[pads][hidden]) == {"padding"}
    real = [i for i, m in enumerate(mask) if m]
    sub = reasons[np.ix_(real, real)]
    assert set(sub.ravel()) == ({"", "future"} if arch == "llama" else {""})
    np.testing.assert_array_equal(reasons == "", info.allowed)
