"""explorer.figures.trace: the traced run's numbers exactly, escaped labels, in-place updates."""

import base64
import json

import _tiny_models as tm
import numpy as np
import plotly.graph_objects as go
import pytest

from explorer.figures import attention as fa
from explorer.figures import trace as ft
from explorer.heads import trace
from explorer.plotlyjs import TRACES

TEXT = "the <b>film</b> & the cast"
ATTN = "distilbert.transformer.layer.1.attention"


@pytest.fixture(scope="module")
def sst2_trace():
    return trace(tm.cached("distilbert_sst2"), tm.cached_tokenizer(token_type_ids=False), TEXT)


@pytest.fixture(scope="module")
def qa_trace():
    model, tok = tm.cached("distilbert_qa"), tm.cached_tokenizer(token_type_ids=False)
    return trace(model, tok, "Who met <i>Bob</i>?", "Ann met Bob in Seoul. Bob met Ann.")


def decoded(value) -> np.ndarray:
    """An array as plotly.py writes it to JSON: a list, or ``{"dtype", "bdata", "shape"}``."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.asarray(value)


def check_figure(fig: go.Figure) -> dict:
    """Only bundled trace types, transparent backgrounds; returns the figure as JSON."""
    assert {t.type for t in fig.data} <= set(TRACES)
    assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == "rgba(0, 0, 0, 0)"
    return json.loads(fig.to_json())


def test_token_labels_are_escaped_and_unique_yet_read_the_same():
    tokens = ["[CLS]", "the", "<", "b", ">", "the", "&", "the", "", "[SEP]"]
    labels = ft.token_labels(tokens)
    assert len(set(labels)) == len(labels) == len(tokens)
    assert labels[2] == "&lt;" and labels[4] == "&gt;" and labels[6] == "&amp;"
    assert [labels[i].rstrip("\u200b") for i in (1, 5, 7)] == ["the"] * 3
    assert labels[1] == "the" and labels[5] == "the\u200b" and labels[7] == "the\u200b\u200b"
    assert labels[8] == "\u2205"
    assert not any("<" in lab or ">" in lab for lab in labels)


def test_layer_labels_name_the_embeddings_blocks_and_the_prediction():
    assert ft.layer_labels(3) == ["embeddings", "block 1", "block 2 = prediction"]
    assert ft.layer_labels(3, "ko") == ["임베딩", "블록 1", "블록 2 = 예측"]
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ko', got 'fr'"):
        ft.layer_labels(3, "fr")


def test_norms_bar_holds_each_tokens_norm(sst2_trace):
    t = sst2_trace
    out = t.output("distilbert.embeddings")
    fig = ft.norms_bar("ko")
    ft.update_norms(fig, out.token_norms, t.tokens, "distilbert.embeddings", "ko")
    bar = fig.data[0]
    assert bar.type == "bar" and list(bar.x) == ft.token_labels(t.tokens)
    np.testing.assert_array_equal(np.asarray(bar.y), out.token_norms)
    want = np.linalg.norm(out.tensor[0].numpy(), axis=-1)
    np.testing.assert_allclose(np.asarray(bar.y), want, rtol=1e-5)
    assert fig.layout.title.text == "distilbert.embeddings: 토큰별 출력 벡터의 노름"
    check_figure(fig)
    with pytest.raises(ValueError, match="tokens for norms of shape"):
        ft.update_norms(fig, out.token_norms[:-1], t.tokens, "x")


def test_classification_lens_is_a_layer_by_class_heatmap_of_the_trace(sst2_trace):
    t = sst2_trace
    fig = ft.lens_figure("classify")
    ft.update_lens(fig, t.lens, labels=t.labels, function=t.function)
    heat = fig.data[0]
    want = [[entry[label] for label in t.labels] for entry in t.lens]
    np.testing.assert_array_equal(np.asarray(heat.z), np.array(want))
    assert list(heat.x) == t.labels and list(heat.y) == ft.layer_labels(len(t.lens))
    assert heat.y[-1] == "block 2 = prediction" and (heat.zmin, heat.zmax) == (0, 1)
    assert np.asarray(heat.z)[-1].tolist() == [t.prediction[label] for label in t.labels]
    assert "probe" not in fig.layout.title.text  # the note is the view's; the title says which
    assert "only the last row is the prediction" in fig.layout.title.text
    check_figure(fig)


def test_lens_labels_are_escaped_and_sigmoid_and_raw_scores_are_labelled():
    model, tok = tm.cached("bert_multilabel"), tm.cached_tokenizer()
    t = trace(model, tok, TEXT)
    assert t.function == "sigmoid"
    fig = ft.lens_figure("classify", "ko")
    ft.update_lens(fig, t.lens, labels=t.labels, function=t.function, lang="ko")
    assert list(fig.data[0].x) == ["toxic", "&lt;b&gt;insult&lt;/b&gt;", "위협"]
    assert fig.data[0].colorbar.title.text == "점수 (시그모이드)"
    regression = trace(tm.cached("distilbert_regression"), tm.cached_tokenizer(False), TEXT)
    assert regression.function == "none"
    ft.update_lens(fig, regression.lens, labels=regression.labels, function="none")
    heat = fig.data[0]
    assert heat.zmin is None and heat.zmax is None and heat.zauto
    assert np.asarray(heat.z).shape == (3, 1)


def test_qa_lens_shows_start_and_end_logits_by_layer_over_the_tokens(qa_trace):
    t = qa_trace
    fig = ft.lens_figure("answer")
    ft.update_lens(fig, t.lens, tokens=t.tokens)
    start, end = fig.data
    assert start.type == end.type == "heatmap"
    np.testing.assert_array_equal(np.asarray(start.z), np.array([s for s, _ in t.lens]))
    np.testing.assert_array_equal(np.asarray(end.z), np.array([e for _, e in t.lens]))
    np.testing.assert_array_equal(np.asarray(start.z)[-1], t.prediction[0])
    assert list(start.x) == list(end.x) == ft.token_labels(t.tokens)
    assert "&lt;" in start.x and list(start.y) == ft.layer_labels(len(t.lens))
    assert (start.xaxis, start.yaxis, end.xaxis, end.yaxis) == ("x", "y", "x2", "y2")
    check_figure(fig)
    with pytest.raises(ValueError, match="needs its tokens"):
        ft.update_lens(fig, t.lens)
    with pytest.raises(
        ValueError, match="task must be 'classify', 'answer', 'tag' or 'next_token'"
    ):
        ft.lens_figure("generate")


def test_updates_work_in_place_on_a_plot_widget(sst2_trace):
    from explorer.widgets.plot import PlotWidget

    t = sst2_trace
    plot = PlotWidget(fa.attention_heatmap())
    before = plot.spec
    fa.update_attention(plot, t.attention(ATTN), t.tokens, ATTN, 1)
    assert plot.spec != before  # sent to the browser once, as the whole figure
    sent = json.loads(plot.spec)["data"][0]
    np.testing.assert_array_equal(decoded(sent["z"]).astype(np.float32), t.attention(ATTN)[1])
