"""The causal LM's figures: the next-token bars and the logit-lens grid, exact and escaped."""

import json

import _tiny_decoders as td
import numpy as np
import pytest

import explorer
from explorer.figures import trace as ft
from explorer.figures.causal import token_bars, update_token_bars
from explorer.figures.style import esc
from explorer.plotlyjs import TRACES

TEXT = "The <b>cat</b> & the\nmat"


@pytest.fixture(scope="module")
def lm_trace():
    model, tok = td.cached("gpt2", "bpe")
    return explorer.trace(model, tok, TEXT)


def test_visible_token_shows_whitespace_and_never_escapes():
    assert ft.visible_token(" the") == "\u2423the"
    assert ft.visible_token("\n") == "\u21b5" and ft.visible_token("\t") == "\u21e5"
    assert ft.visible_token("  ") == "\u2423\u2423" and ft.visible_token("") == "\u2205"
    assert ft.visible_token("a b ") == "a b\u2423"
    assert ft.visible_token("<b>") == "<b>"  # escaping is the figures' job, done once
    assert ft.visible_token("abcdefghij", 5) == "abcd\u2026"


def test_token_bars_show_the_rows_escaped_best_on_top():
    rows = [
        {"token": " <b>", "token_id": 7, "score": 0.5},
        {"token": "&", "token_id": 3, "score": 0.3},
        {"token": " <b>", "token_id": 9, "score": 0.2},  # two ids, one text
    ]
    fig = token_bars()
    update_token_bars(fig, rows, "after <i>x</i>", chosen=1)
    bar = fig.data[0]
    assert bar.orientation == "h" and fig.layout.yaxis.autorange == "reversed"
    assert list(bar.x) == [0.5, 0.3, 0.2]
    assert list(bar.y) == ["\u2423&lt;b&gt;", "&amp;", "\u2423&lt;b&gt;\u200b"]
    assert [row[1] for row in bar.customdata] == [7, 3, 9]
    assert bar.customdata[0][0] == "' &lt;b&gt;'"
    assert list(bar.marker.color) == ["#2f80ed", "#d9602b", "#2f80ed"]
    assert fig.layout.title.text == "after &lt;i&gt;x&lt;/i&gt;"
    assert {t.type for t in fig.data} <= set(TRACES)
    json.loads(fig.to_json())
    update_token_bars(fig, [{"token": '"', "token_id": 1, "score": 1.0}], 'a "quote"')
    # Plotly decodes numeric entities but shows &quot; as it is
    assert list(fig.data[0].y) == ["&#34;"] and fig.layout.title.text == "a &#34;quote&#34;"


def test_the_logit_lens_grid_holds_the_trace_exactly(lm_trace):
    t = lm_trace
    fig = ft.lens_figure("next_token")
    ft.update_logit_lens(fig, t.lens, t.tokens)
    heat = fig.data[0]
    assert heat.type == "heatmap" and (heat.zmin, heat.zmax) == (0.0, 1.0)
    n, layers = len(t.tokens), len(t.lens)
    np.testing.assert_array_equal(
        np.asarray(heat.z), np.array([[p[0] for p in e["probs"]] for e in t.lens])
    )
    assert list(heat.x) == ft.token_labels(t.tokens) and len(heat.x) == n
    assert list(heat.y) == ft.layer_labels(layers)
    assert list(heat.y)[-1].endswith("= prediction")
    # each cell names the top token of that layer at that position; the hover lists the top 5
    last = t.prediction
    assert heat.text[-1][-1] == esc(ft.visible_token(last["tokens"][-1][0], 8))
    hover = heat.customdata[-1][-1].split("<br>")
    assert len(hover) == 5
    assert hover[0] == f"{esc(ft.visible_token(last['tokens'][-1][0], 40))} " \
        f"{float(last['probs'][-1][0]):.4f}"  # fmt: skip
    assert all("<" not in cell.replace("<br>", "") for row in heat.customdata for cell in row)
    assert any("&lt;" in label for label in heat.x)
    json.loads(fig.to_json())


def test_the_grid_shows_only_the_lens_positions_of_a_long_input():
    model, tok = td.cached("gpt2", "bpe")
    t = explorer.trace(model, tok, "The cat sat on the mat. " * 20)
    fig = ft.logit_lens_figure("ko")
    ft.update_logit_lens(fig, t.lens, t.tokens, "ko")
    first = t.lens[0]["positions"][0]
    assert len(fig.data[0].x) == 32 and list(fig.data[0].x) == ft.token_labels(t.tokens[first:])
    assert fig.layout.title.text.startswith("로짓 렌즈")
    with pytest.raises(ValueError, match="no layers"):
        ft.update_logit_lens(fig, [], t.tokens)
    with pytest.raises(ValueError, match="for 3 tokens"):
        ft.update_logit_lens(fig, t.lens, t.tokens[:3])
