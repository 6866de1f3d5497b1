"""Figures of token classification: the tokens x labels heatmap and the lens of a token classifier."""

import html

import _tiny_models as tm
import numpy as np
import plotly.graph_objects as go
import pytest

import explorer
from explorer.figures import trace as ft
from explorer.figures.entities import NEAR, token_scores, update_token_scores
from explorer.heads import tag_details

LONG = "Angela Merkel met Emmanuel Macron in Paris on Tuesday. " * 60


def test_the_heatmap_holds_every_tokens_scores_escaped():
    model, tok = tm.cached("bert_pos"), tm.cached_tokenizer(True)
    text = "<img src=x onerror=alert(1)> & Zürich"
    details = tag_details(model, tok, text)
    fig = token_scores(details)
    heat = fig.data[0]
    win = details.windows[0]
    np.testing.assert_allclose(np.array(heat.z, dtype=float), win.probabilities.T, atol=1e-7)
    assert list(heat.y) == [html.escape(label) for label in tm.POS_LABELS]
    assert "&lt;b&gt;ADJ&lt;/b&gt;" in heat.y
    ticks = list(fig.layout.xaxis.ticktext)
    assert ticks[0] == "<i>[CLS]</i>" and ticks[-1] == "<i>[SEP]</i>"
    assert ticks[1] == "&lt;" and all("<" not in t for t in ticks[1:-1])
    custom = heat.customdata
    assert custom[0][0][1] == html.escape("special token: transformers gives it no result")
    assert custom[0][1][1] == "characters 0\u20131" and custom[0][1][3] == 1
    chosen = [[r for r in range(len(heat.y)) if heat.text[r][i]] for i in range(len(ticks))]
    assert chosen[0] == [] and chosen[-1] == []  # special tokens: no tick
    assert [c[0] for c in chosen[1:-1]] == win.predicted[1:-1]
    assert fig.layout.xaxis.rangeslider.visible is False and fig.layout.title.text.startswith(
        "Label probabilities"
    )
    go.Figure(fig.to_dict())  # a valid figure


def test_long_windows_get_a_range_slider_and_say_which_window():
    model, tok = tm.cached("distilbert_ner"), tm.cached_tokenizer(False)
    details = tag_details(model, tok, LONG, stride=32)
    fig = token_scores(details, window=1, lang="ko")
    assert fig.layout.xaxis.rangeslider.visible and tuple(fig.layout.xaxis.range) == (
        -0.5,
        NEAR - 0.5,
    )
    assert "창 2/2" in fig.layout.title.text and fig.layout.yaxis.title.text == "레이블"
    update_token_scores(fig, tag_details(model, tok, LONG), 0, "en")
    assert "text truncated" in fig.layout.title.text and "window" not in fig.layout.title.text
    with pytest.raises(ValueError, match="out of range: this result has 1 window"):
        update_token_scores(fig, details := tag_details(model, tok, "x"), 1)
    with pytest.raises(TypeError, match="window must be an int"):
        update_token_scores(fig, details, "0")
    with pytest.raises(ValueError, match="lang must be one of"):
        token_scores(lang="fr")


def test_the_token_lens_figure_shows_each_layers_probability_of_the_final_label():
    model, tok = tm.cached("bert_pos"), tm.cached_tokenizer(True)
    t = explorer.trace(model, tok, "a <b>tag</b> test")
    fig = ft.update_token_lens(
        ft.lens_figure("tag", "ko"), t.lens, tokens=t.tokens, labels=t.labels
    )
    heat = fig.data[0]
    final = t.prediction.argmax(-1)
    z = np.array(heat.z, dtype=float)
    assert z.shape == (len(t.lens), len(t.tokens))
    for layer, entry in enumerate(t.lens):
        np.testing.assert_allclose(z[layer], entry[np.arange(len(t.tokens)), final], rtol=1e-6)
        tops = [row[1] for row in heat.customdata[layer]]
        assert tops == [html.escape(t.labels[i]) for i in entry.argmax(-1)]
    assert list(heat.y)[-1].endswith("= prediction") and "&lt;b&gt;" in "".join(heat.x)
    assert fig.layout.title.text.startswith("렌즈")
    with pytest.raises(ValueError, match="tokens x"):
        ft.update_token_lens(fig, t.lens, tokens=t.tokens[:-1], labels=t.labels)
