"""explorer.figures: traces carry the heads' numbers, labels are escaped, updates happen in place."""

import _tiny_models as tm
import plotly.graph_objects as go
import pytest

from explorer.figures import class_bars, span_logits, update_class_bars, update_span_logits
from explorer.heads import answer_details, classify_details

one_thread = pytest.fixture(scope="module", autouse=True)(tm.one_thread)


@pytest.fixture(scope="module")
def cls():
    return classify_details(tm.cached("bert_multilabel"), tm.cached_tokenizer(), "You <b>fool</b>!")


@pytest.fixture(scope="module")
def qa():
    context = "My name is <script>alert(1)</script> Wolfgang and I live in Berlin. " * 6
    return answer_details(
        tm.cached("bert_qa"),
        tm.cached_tokenizer(),
        "Where do I <i>live</i>?",
        context,
        max_seq_len=48,
        doc_stride=12,
        top_k=3,
    )


def test_class_bars_carry_probabilities_and_logits(cls):
    fig = class_bars(cls)
    (bar,) = fig.data
    assert list(bar.y) == cls.probabilities
    assert [row[1] for row in bar.customdata] == cls.logits
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.ticktext) == ["toxic", "&lt;b&gt;insult&lt;/b&gt;", "위협"]
    assert [row[0] for row in bar.customdata] == list(fig.layout.xaxis.ticktext)
    assert "logit" in bar.hovertemplate
    assert "<b>" not in fig.to_json()  # no label reaches Plotly unescaped


def test_update_class_bars_in_place(cls):
    widget = go.FigureWidget(class_bars(cls))
    other = classify_details(tm.cached("bert_multilabel"), tm.cached_tokenizer(), "Lovely day")
    bar = widget.data[0]
    assert update_class_bars(widget, other, title="<b>new</b>") is widget
    assert widget.data[0] is bar and list(bar.y) == other.probabilities
    assert widget.layout.title.text == "&lt;b&gt;new&lt;/b&gt;"


def test_class_bars_for_a_plain_callable():
    details = classify_details(lambda t: {"<img src=x>": 0.9, "ok": 0.1}, None, "hi")
    fig = class_bars(details)
    assert list(fig.data[0].y) == [0.9, 0.1]
    assert "&lt;img src=x&gt;" in fig.layout.xaxis.ticktext


def test_span_logits_show_one_window(qa):
    assert len(qa.windows) > 2
    win = qa.windows[1]
    fig = span_logits(qa, window=1)
    start, end = fig.data
    assert (start.name, end.name) == ("start", "end")
    assert list(start.y) == win.start_logits and list(end.y) == win.end_logits
    assert list(start.x) == list(range(len(win.tokens)))
    assert fig.layout.xaxis.type == "category"
    assert len(fig.layout.xaxis.ticktext) == len(win.tokens)
    (shape,) = fig.layout.shapes
    assert shape.x0 == win.best["start_token"] - 0.5 and shape.x1 == win.best["end_token"] + 0.5
    assert "&lt;i&gt;live&lt;/i&gt;" in fig.layout.title.text
    assert "<script>" not in fig.to_json() and "<i>" not in fig.to_json()
    assert [row[1] for row in start.customdata] == win.start_probs


def test_update_span_logits_switches_window_in_place(qa):
    widget = go.FigureWidget(span_logits(qa, window=0))
    traces = widget.data
    last = len(qa.windows) - 1
    assert update_span_logits(widget, qa, window=last) is widget
    assert widget.data[0] is traces[0]
    assert list(widget.data[1].y) == qa.windows[last].end_logits
    assert f"window {last + 1}/{len(qa.windows)}" in widget.layout.title.text


def test_window_without_a_span_has_no_shape(qa):
    from dataclasses import replace

    windows = [replace(qa.windows[0], best=None)]
    fig = span_logits(replace(qa, windows=windows))
    assert fig.layout.shapes == () and "no span" in fig.layout.title.text


@pytest.mark.parametrize(
    ("window", "error"), [(99, ValueError), (-1, ValueError), ("0", TypeError)]
)
def test_bad_window(qa, window, error):
    with pytest.raises(error, match="window"):
        span_logits(qa, window=window)
