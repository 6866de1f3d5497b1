"""explorer.figures: traces carry the heads' numbers, labels are escaped, updates happen in place."""

import html
from dataclasses import replace

import _tiny_models as tm
import plotly.graph_objects as go
import pytest

from explorer.figures.heads import (
    NEAR,
    answer_window,
    class_bars,
    span_logits,
    update_class_bars,
    update_span_logits,
    window_note,
)
from explorer.heads import answer_details, classify_details


@pytest.fixture(scope="module")
def long_qa():
    """Four windows; the answer only in the last one, each other window with its own best span."""
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(120))
    model, tok = tm.cached("distilbert_qa"), tm.cached_tokenizer(token_type_ids=False)
    return answer_details(model, tok, "Where is item 42?", context, top_k=3)


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
    details = classify_details(lambda t: {"<img src=x>": 0.9, 'say "ok"': 0.1}, None, "hi")
    fig = class_bars(details)
    assert list(fig.data[0].y) == [0.9, 0.1]
    # escaped as every figure escapes: Plotly shows &quot; as it is, &#34; as a quote
    assert list(fig.layout.xaxis.ticktext) == ["&lt;img src=x&gt;", "say &#34;ok&#34;"]


def roles(win):
    """Each token's kind, from the window's own fields (not from the figure)."""
    return [
        "context" if c else "special" if s is None else "question"
        for c, s in zip(win.is_context, win.sequence_ids, strict=True)
    ]


def legend(fig) -> dict:
    """Legend entries of the shapes: ``{name: [shape, ...]}`` (a group's first shape names it)."""
    named = {}
    for shape in fig.layout.shapes:
        named.setdefault(shape.legendgroup, []).append(shape)
    return {group[0].name: group for group in named.values() if group[0].showlegend}


def covered(shapes) -> set[int]:
    return {i for s in shapes for i in range(round(s.x0 + 0.5), round(s.x1 + 0.5))}


def test_span_logits_carry_one_window(qa):
    win = qa.windows[1]
    fig = span_logits(qa, window=1)
    start, end = fig.data
    assert (start.name, end.name) == ("start", "end")
    assert list(start.y) == win.start_logits and list(end.y) == win.end_logits
    assert list(start.x) == list(range(len(win.tokens)))
    assert list(fig.layout.xaxis.tickvals) == list(range(len(win.tokens)))
    # the hover names the position itself: %{x} would show the tick label (the token) again
    assert [row[3] for row in start.customdata] == list(start.x)
    assert "(token %{customdata[3]})" in start.hovertemplate and "%{x}" not in start.hovertemplate
    masked = [row[1] for row, c in zip(start.customdata, win.candidate, strict=True) if not c]
    assert masked and set(masked) == {"0 (masked)"}  # question tokens: never the answer
    probs = [float(row[1]) for row, c in zip(end.customdata, win.candidate, strict=True) if c]
    assert probs == pytest.approx([p for p, c in zip(win.end_probs, win.candidate) if c], abs=6e-4)
    assert "&lt;i&gt;live&lt;/i&gt;" in fig.layout.legend.title.text
    assert "<script>" not in fig.to_json() and "<i>live" not in fig.to_json()


def test_question_and_special_tokens_are_marked_apart(qa):
    win = qa.windows[0]
    fig = span_logits(qa, window=0)
    kinds = roles(win)
    assert {"question", "special", "context"} <= set(kinds)
    symbols = list(fig.data[0].marker.symbol)
    ticks = list(fig.layout.xaxis.ticktext)
    for i, kind in enumerate(kinds):
        if kind == "question":  # bert: the question comes first and is masked
            assert symbols[i] == "circle-open" and not win.candidate[i]
            assert "never the answer" in fig.data[0].customdata[i][2]
        if kind == "context":
            assert symbols[i] == "circle" and "<i>" not in ticks[i]
        else:
            assert "<i>" in ticks[i]  # grey italics
    assert win.tokens[0] == "[CLS]" and win.candidate[0] and symbols[0] == "circle"
    assert symbols.count("circle-open") == win.candidate.count(False)
    assert "no answer" in fig.data[1].customdata[0][2]
    names = legend(fig)
    question = names["question (never the answer)"]
    assert covered(question) == {i for i, k in enumerate(kinds) if k == "question"}
    special = names["special tokens ([CLS] = \u201cno answer\u201d)"]
    assert covered(special) == {i for i, k in enumerate(kinds) if k == "special"}


def test_the_answer_is_named_in_the_legend_and_in_view(long_qa):
    top = long_qa.results[0]
    home = answer_window(long_qa)
    win = long_qa.windows[home]
    fig = span_logits(long_qa)  # the answer's window by default
    assert list(fig.data[0].y) == win.start_logits
    a, b = win.best["start_token"], win.best["end_token"]  # the model's own start/end tokens
    assert top["start"] <= win.offsets[a][0] < win.offsets[b][1] <= top["end"]
    name = f"answer: \u201c{top['answer']}\u201d (tokens {a}\u2013{b})"
    (band,) = legend(fig)[name]
    assert (band.x0, band.x1) == (a - 0.5, b + 0.5)
    # ~NEAR tokens around the answer, readable; the range slider reaches all the others
    lo, hi = fig.layout.xaxis.range
    assert len(win.tokens) > 200 and hi - lo == NEAR
    assert lo < a and b < hi
    assert fig.layout.xaxis.rangeslider.visible is True


def test_a_short_window_is_shown_whole(qa):
    fig = span_logits(qa, window=5)
    n = len(qa.windows[5].tokens)
    assert n <= NEAR and list(fig.layout.xaxis.range) == [-0.5, n - 0.5]
    assert fig.layout.xaxis.rangeslider.visible is False


def test_the_answers_window_is_shown_and_others_say_so(long_qa):
    top, n = long_qa.results[0], len(long_qa.windows)
    home = answer_window(long_qa)
    # as built: the answer is in the last window only, the first one's best span is another
    assert home == n - 1 > 0
    first = long_qa.windows[0]
    assert first.best["answer"] != top["answer"] and first.context_span[1] < top["start"]
    fig = span_logits(long_qa)
    assert f"window {n} of {n}" in fig.layout.legend.title.text
    assert "the answer\u2019s window" in fig.layout.legend.title.text
    other = span_logits(long_qa, window=0)
    note = f"the answer is not in this window (it is in window {n})"
    assert window_note(long_qa, 0) == note and html.escape(note) in other.layout.legend.title.text
    names = legend(other)
    assert not [k for k in names if k.startswith("answer")]
    best = f"this window\u2019s best: \u201c{first.best['answer']}\u201d"
    (band,) = [v for k, v in names.items() if k.startswith(best)][0]
    assert (band.x0, band.x1) == (first.best["start_token"] - 0.5, first.best["end_token"] + 0.5)
    lo, hi = other.layout.xaxis.range
    assert lo < first.best["start_token"] <= first.best["end_token"] < hi


def test_an_answer_text_repeated_in_another_window_is_explained(qa):
    top = qa.results[0]
    second = qa.windows[1]
    assert answer_window(qa) == 0 and second.best["answer"] == top["answer"]
    assert second.best["start"] != top["start"]  # the same words, elsewhere
    assert "equal texts add their scores" in window_note(qa, 1)


def test_no_answer_marks_the_cls_slot(qa):
    nothing = replace(qa, results=[{"score": 0.9, "start": 0, "end": 0, "answer": ""}])
    home = answer_window(nothing)
    assert qa.windows[home].null_score == min(w.null_score for w in qa.windows)
    (band,) = legend(span_logits(nothing))["answer: no answer ([CLS], token 0)"]
    assert (band.x0, band.x1) == (-0.5, 0.5)


def test_tokens_and_answers_are_escaped(qa):
    win = qa.windows[0]
    context = roles(win).index("context")
    tokens = list(win.tokens)
    tokens[1], tokens[context] = "<img src=x onerror=alert(1)>", "<b>"
    top = {**qa.results[0], "answer": "<b>bold</b> & co"}
    odd = replace(qa, windows=[replace(win, tokens=tokens)], results=[top])
    fig = span_logits(odd)
    text = fig.to_json()
    assert "<b>" not in text and "<img" not in text
    assert fig.layout.xaxis.ticktext[context] == "&lt;b&gt;"
    assert fig.data[0].customdata[context][0] == "&lt;b&gt;"
    assert "&lt;img src=x onerror=alert(1)&gt;" in fig.layout.xaxis.ticktext[1]
    assert any("&lt;b&gt;bold&lt;/b&gt; &amp; co" in (s.name or "") for s in fig.layout.shapes)


def test_span_figure_has_no_white_backgrounds(qa):
    fig = span_logits(qa)
    layout = fig.layout
    assert layout.paper_bgcolor == layout.plot_bgcolor == "rgba(0, 0, 0, 0)"
    assert layout.xaxis.rangeslider.bgcolor == "rgba(0, 0, 0, 0)"
    assert layout.template.layout.to_plotly_json() == {}  # no template colours
    text = fig.to_json().lower()
    assert "white" not in text and "#fff" not in text


def test_update_span_logits_switches_window_in_place(qa):
    widget = go.FigureWidget(span_logits(qa, window=0))
    traces = widget.data
    last = len(qa.windows) - 1
    assert update_span_logits(widget, qa, window=last) is widget
    assert widget.data[0] is traces[0]
    assert list(widget.data[1].y) == qa.windows[last].end_logits
    assert f"window {last + 1} of {len(qa.windows)}" in widget.layout.legend.title.text


def test_window_without_a_span_has_no_answer_band(qa):
    windows = [replace(qa.windows[0], best=None)]
    fig = span_logits(replace(qa, windows=windows, results=[]))
    assert set(legend(fig)) == {
        "question (never the answer)",
        "special tokens ([CLS] = \u201cno answer\u201d)",
    }
    assert "no answer" in fig.layout.legend.title.text


@pytest.mark.parametrize(
    ("window", "error"), [(99, ValueError), (-1, ValueError), ("0", TypeError)]
)
def test_bad_window(qa, window, error):
    with pytest.raises(error, match="window"):
        span_logits(qa, window=window)


def test_bar_titles_say_what_the_scores_are():
    from explorer.heads import classify_details

    by_function = {
        f: class_bars(
            classify_details(lambda t: {"a": 0.25, "b": 0.75}, None, "x", function_to_apply=f)
        ).layout.title.text  # fmt: skip
        for f in ("softmax", "sigmoid", "none")
    }
    assert by_function == {
        "softmax": "class probabilities (softmax)",
        "sigmoid": "label probabilities (sigmoid, each on its own)",
        "none": "scores",  # a plain function's scores, as given: no "none scores"
    }
    fig = class_bars(classify_details(lambda t: {"a": 1.0}, None, "x"))
    assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == "rgba(0, 0, 0, 0)"  # transparent
