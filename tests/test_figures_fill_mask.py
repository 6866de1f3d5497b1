"""explorer.figures.fill_mask: bars per mask and the token lens carry the numbers, escaped."""

from __future__ import annotations

import _mlm_models as mm
import plotly.graph_objects as go
import pytest

from explorer import fill_mask_details, trace
from explorer.figures.fill_mask import (
    MAX_MASKS_SHOWN,
    mask_bars,
    token_lens_figure,
    update_mask_bars,
    update_token_lens,
)
from explorer.heads import FillMaskDetails
from explorer.widgets.plot import PlotWidget

EVIL = "<img src=x onerror=alert(1)>"


def _details(masks: int, mask: str = "<mask>") -> FillMaskDetails:
    rows = [
        [{"score": 0.5, "token": 7, "token_str": EVIL, "sequence": "s"},
         {"score": 0.25, "token": 8, "token_str": "&amp;", "sequence": "s"},
         {"score": 0.125, "token": 9, "token_str": EVIL, "sequence": "s"}]
        for _ in range(masks)
    ]  # fmt: skip
    return FillMaskDetails("t", rows, rows, list(range(1, masks + 1)), mask, 3)


def test_one_bar_chart_per_mask_with_escaped_labels():
    fig = mask_bars(_details(2))
    assert len(fig.data) == 2 and fig.data[1].xaxis == "x2" and fig.data[1].yaxis == "y2"
    bar = fig.data[0]
    assert list(bar.x) == [0.5, 0.25, 0.125] and [c[0] for c in bar.customdata] == [7, 8, 9]
    labels = list(bar.y)
    assert labels[0] == "&lt;img src=x onerror=alert(1)&gt;" and labels[1] == "&amp;amp;"
    assert labels[2] != labels[0] and labels[2].startswith(labels[0])  # repeats kept apart
    assert "<" not in fig.layout.title.text and "&lt;mask&gt;" in fig.layout.title.text
    assert fig.layout.yaxis2.title.text == "&lt;mask&gt; 2 (token 2)"
    top, bottom = fig.layout.yaxis.domain, fig.layout.yaxis2.domain
    assert top[0] > bottom[1]  # stacked top to bottom, apart


def test_updates_in_place_when_the_number_of_masks_changes():
    widget = PlotWidget(mask_bars(_details(1)))
    for count in (3, 0, MAX_MASKS_SHOWN + 4, 1):
        assert update_mask_bars(widget, _details(count)) is widget
        assert len(widget.figure.data) == min(count, MAX_MASKS_SHOWN)
        assert len(widget.to_dict()["data"]) == min(count, MAX_MASKS_SHOWN)  # sent as is
    assert (
        "no &lt;mask&gt; in the text"
        in update_mask_bars(go.Figure(), _details(0)).layout.title.text
    )
    assert mask_bars(_details(1), "ko").layout.title.text.startswith("각 &lt;mask&gt;의 추측")
    with pytest.raises(ValueError, match="lang must be one of"):
        mask_bars(_details(1), "fr")


def test_the_bars_are_fill_mask_details():
    model, tok = mm.mlm("bert")
    details = fill_mask_details(model, tok, "The [MASK] fox [MASK].", top_k=4)
    fig = mask_bars(details)
    for bar, rows in zip(fig.data, details.masks, strict=True):
        assert list(bar.x) == [r["score"] for r in rows]


def test_the_token_lens_shows_the_top_token_per_layer_and_position():
    model, tok = mm.mlm("roberta")
    t = trace(model, tok, "Paris is the <mask> of France.")
    fig = update_token_lens(token_lens_figure(), t.lens, t.tokens)
    heat = fig.data[0]
    assert len(heat.y) == len(t.lens) and len(heat.x) == len(t.tokens)
    assert [row[0] for row in heat.z] == [entry["probs"][0][0] for entry in t.lens]
    assert (
        heat.text[-1][0]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .startswith(t.prediction["tokens"][0][0])
    )
    assert heat.customdata[-1][0].count("<br>") == len(t.prediction["ids"][0]) - 1
    assert any("&lt;mask&gt;" in x for x in heat.x) and heat.zmin == 0 and heat.zmax == 1
    with pytest.raises(ValueError, match="input tokens for a lens over other positions"):
        update_token_lens(token_lens_figure(), t.lens, t.tokens[:-1])
    assert token_lens_figure("ko").layout.title.text.startswith("렌즈")
