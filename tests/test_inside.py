"""The Inside tab, driven as the browser would: set the text and the selection, read the figures."""

from __future__ import annotations

import asyncio
import json

import _tiny_models as tm
import ipywidgets
import numpy as np
import pytest
import torch
import transformers as tf
from _view import part
from ipywidgets.widgets.widget import _instances
from test_figures_trace import decoded

import explorer
from explorer.export import page_data, save_html
from explorer.figures import trace as ft
from explorer.widgets.inside import InsideView
from explorer.widgets.panels import QAPanel, SentimentPanel

ATTN = "distilbert.transformer.layer.1.attention"


@pytest.fixture
def view(sst2):
    """A fresh Explorer on the tiny sentiment model (explore() adds the Inside tab)."""
    exp = explorer.explore(*sst2)
    open_tab(exp)
    yield exp
    exp.close()


def open_tab(exp) -> None:
    """Click the Inside tab (a hidden tab draws nothing until it is opened)."""
    exp.panels.selected_index = list(exp.panels.children).index(exp.inside)


def typed(exp, text: str):
    """Type ``text`` into the sentiment box as the browser does; the new trace."""
    exp.task_panel.text_box.value = text
    exp.task_panel.flush()
    return exp.task_panel.trace


def z(plot, index: int = 0) -> np.ndarray:
    return np.asarray(plot.figure.data[index].z)


def tiny(kind: str):
    """Tiny BERT/ALBERT/XLNet classifiers with seeded weights (ALBERT: one layer run 3 times)."""
    common = dict(vocab_size=30522, hidden_size=32, intermediate_size=64, num_attention_heads=2,
                  num_labels=2)  # fmt: skip
    if kind == "bert":
        model = tf.BertForSequenceClassification(tf.BertConfig(num_hidden_layers=2, **common))
    elif kind == "albert":
        config = tf.AlbertConfig(num_hidden_layers=3, embedding_size=16, **common)
        model = tf.AlbertForSequenceClassification(config)
    else:
        config = tf.XLNetConfig(vocab_size=30522, d_model=32, n_layer=2, n_head=2, d_inner=64,
                                num_labels=2)  # fmt: skip
        model = tf.XLNetForSequenceClassification(config)
    return tm.init_weights(model), tm.cached_tokenizer()


# -- the Explorer's tab ---------------------------------------------------------------------------


def test_explore_adds_the_inside_tab_after_the_task_panel(view):
    titles = [view.panels.get_title(i) for i in range(len(view.panels.children))]
    assert titles[:3] == ["Sentiment", "Inside", "Explain"]  # (more tabs may follow)
    assert isinstance(view.inside, InsideView) and view.panels.children[1] is view.inside
    assert view.inside.panel is view.task_panel and view.inside.path == ""


def test_root_shows_the_lens_and_says_it_is_a_probe(view):
    t = typed(view, "a quiet, lovely film")
    inside = view.inside
    assert inside.kind == "lens" and inside.figure is inside.lens_plot
    want = [[entry[label] for label in t.labels] for entry in t.lens]
    np.testing.assert_array_equal(z(inside.lens_plot), np.array(want))
    assert z(inside.lens_plot)[-1].tolist() == [t.prediction[k] for k in t.labels]
    assert inside.messages == [t.lens_note["en"]] and "probe" in inside.messages[0]
    assert "never trained" in inside.notes.value
    assert inside.result.splitlines()[-1].startswith("Shown: the lens")


def test_the_view_follows_the_explain_tabs_language(view):
    t = typed(view, "a quiet, lovely film")
    view.explain_panel.lang = "ko"
    inside = view.inside
    assert inside.lang == "ko"
    assert inside.messages == [t.lens_note["ko"]] and "탐침" in inside.notes.value
    assert list(inside.lens_plot.figure.data[0].y)[0] == "임베딩"
    assert inside.lens_plot.figure.layout.title.text.startswith("렌즈")
    assert inside.result.startswith("모델 전체 (DistilBertForSequenceClassification)")
    view.selected = ATTN
    assert inside.attention_plot.figure.layout.title.text == f"{ATTN}: 헤드 1/2의 어텐션"
    assert inside.attention_plot.figure.layout.xaxis.title.text == "키 토큰 (주의를 받는 쪽)"
    view.explain_panel.lang = "en"
    assert inside.attention_plot.figure.layout.xaxis.title.text == "key token (attended to)"


def test_an_attention_module_shows_its_weights_per_head_and_follows_the_typing(view):
    inside = view.inside
    t = typed(view, "the plot was thin")
    view.selected = ATTN  # a click in the tree
    assert inside.path == ATTN and inside.kind == "attention"
    assert inside.figure is inside.attention_plot
    np.testing.assert_array_equal(z(inside.attention_plot), t.attention(ATTN)[0])
    assert [v for _, v in inside.head_picker.options] == [0, 1]
    assert inside.head_picker.layout.display is None
    inside.head_picker.value = 1  # the browser picks the second head
    assert inside.head == 1
    np.testing.assert_array_equal(z(inside.attention_plot), t.attention(ATTN)[1])
    # the module's own output: per-token norms under the heatmap, statistics in the text
    out = t.output(ATTN)
    np.testing.assert_array_equal(np.asarray(inside.norms_plot.figure.data[0].y), out.token_norms)
    assert f"Output shape (1, {len(t.tokens)}, 32); mean {out.mean:.4g}" in inside.result
    widgets = len(_instances)  # every live widget of the kernel
    for text in ("the plot was thin but", "the plot was thin but the <b>cast</b> shone"):
        t = typed(view, text)
        np.testing.assert_array_equal(z(inside.attention_plot), t.attention(ATTN)[1])
        assert list(inside.attention_plot.figure.data[0].x) == ft.token_labels(t.tokens)
        assert inside.head == 1 and inside.kind == "attention"
    assert len(_instances) == widgets  # updated in place: no widget per keystroke
    assert "&lt;" in inside.attention_plot.figure.data[0].x
    assert "the &lt;b&gt;cast&lt;/b&gt; shone" in inside.stats.value  # user text, escaped
    assert "<b>cast" not in inside.stats.value


def test_any_module_shows_its_token_norms_shape_and_statistics(view):
    t = typed(view, "fine acting")
    inside = view.inside
    view.selected = "distilbert.transformer.layer.0.ffn.lin1"
    out = t.output("distilbert.transformer.layer.0.ffn.lin1")
    assert inside.kind == "norms" and inside.figure is inside.norms_plot
    np.testing.assert_array_equal(np.asarray(inside.norms_plot.figure.data[0].y), out.token_norms)
    assert list(inside.norms_plot.figure.data[0].x) == ft.token_labels(t.tokens)
    stats = f"mean {out.mean:.4g}, std {out.std:.4g}, min {out.min:.4g}, max {out.max:.4g}"
    assert f"Output shape (1, {len(t.tokens)}, 64); {stats}" in inside.result
    assert inside.head_picker.layout.display == "none" and inside.messages == []
    assert "Input: \u201cfine acting\u201d (4 tokens)" in inside.result


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("distilbert.transformer.layer.0.attention.dropout", "did not run for this input"),
        ("distilbert.transformer.layer", "is a container"),
        ("classifier", "classifier's output has shape (1, 2): it has no token axis"),
    ],
)
def test_modules_without_a_view_get_a_clear_message(view, path, says):
    typed(view, "fine acting")
    inside = view.inside
    view.selected = path
    assert inside.kind == "message" and inside.figure is None
    assert any(says in m for m in inside.messages), inside.messages
    assert says.replace("'", "&#x27;") in inside.notes.value
    view.selected = "distilbert.embeddings"  # and the next selection shows again
    assert inside.kind == "norms" and inside.messages == []


def test_no_input_says_why_and_typing_again_recovers(view):
    inside = view.inside
    view.selected = ATTN
    typed(view, "")
    assert inside.trace is None and inside.kind == "message" and inside.figure is None
    assert inside.messages == ["Nothing to look inside yet: Type a text to classify."]
    t = typed(view, "back again")
    assert inside.kind == "attention"
    np.testing.assert_array_equal(z(inside.attention_plot), t.attention(ATTN)[0])


def test_typing_in_the_views_own_box_drives_the_panel(view):
    inside = view.inside
    (box,) = inside._boxes
    assert box.value == view.task_panel.text
    box.value = "typed in the Inside tab"  # as the browser sets it
    view.task_panel.flush()
    assert view.task_panel.trace.text == "typed in the Inside tab" == inside.trace.text
    typed(view, "typed in the Sentiment tab")
    assert box.value == "typed in the Sentiment tab"


def test_the_model_is_left_alone(sst2):
    model, tok = sst2
    before = tm.fingerprint(model)
    exp = explorer.explore(model, tok)
    for path in ("", ATTN, "distilbert.embeddings", "classifier"):
        exp.selected = path
    typed(exp, "one more")
    assert tm.fingerprint(model) == before
    exp.close()


# -- other models ---------------------------------------------------------------------------------


def test_qa_root_shows_start_and_end_logits_by_layer_and_the_first_window():
    model, tok = tm.cached("distilbert_qa"), tm.cached_tokenizer(token_type_ids=False)
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(20))
    panel = QAPanel(model, tok, question="Where is item 4?", context=context,
                    max_seq_len=48, doc_stride=16)  # fmt: skip
    inside = InsideView(panel)
    t = panel.trace
    assert t.windows > 1 and inside.kind == "lens"
    start, end = inside.lens_plot.figure.data
    np.testing.assert_array_equal(np.asarray(start.z), np.array([s for s, _ in t.lens]))
    np.testing.assert_array_equal(np.asarray(end.z), np.array([e for _, e in t.lens]))
    assert list(start.x) == ft.token_labels(t.tokens)
    assert f"The context needs {t.windows} windows of the model; these views show the first." \
        in inside.messages  # fmt: skip
    assert (
        inside.result.splitlines()[1]
        == f"Question: \u201cWhere is item 4?\u201d ({len(t.tokens)} tokens)"
    )
    inside.path = "distilbert.transformer.layer.0.attention"
    np.testing.assert_array_equal(z(inside.attention_plot), t.attention(inside.path)[0])
    panel.close()
    inside.close()


def test_bert_attention_parent_and_albert_calls():
    model, tok = tiny("bert")
    panel = SentimentPanel(model, tok, text="a fine film")
    inside = InsideView(panel)
    t = panel.trace
    for path in ("bert.encoder.layer.0.attention", "bert.encoder.layer.0.attention.self"):
        inside.path = path
        assert inside.kind == "attention"
        np.testing.assert_array_equal(z(inside.attention_plot), t.attention(path)[0])
    inside.path = "bert.encoder.layer.0.attention.output"  # BertSelfOutput: not attention
    assert inside.kind == "norms"

    model, tok = tiny("albert")
    panel = SentimentPanel(model, tok, text="a fine film")
    inside = InsideView(panel)
    t = panel.trace
    path = "albert.encoder.albert_layer_groups.0.albert_layers.0.attention"
    inside.path = path
    assert t.calls(path) == 3 and inside.call_picker.layout.display is None
    assert [v for _, v in inside.call_picker.options] == [0, 1, 2]
    inside.call_picker.value = 2
    np.testing.assert_array_equal(z(inside.attention_plot), t.attention(path, 2)[0])
    assert not np.array_equal(t.attention(path, 2)[0], t.attention(path, 0)[0])
    np.testing.assert_array_equal(
        np.asarray(inside.norms_plot.figure.data[0].y), t.output(path, 2).token_norms
    )


def test_attention_the_trace_cannot_read_and_a_model_without_a_lens():
    """XLNet: its own relative attention (no registry, no query/key projections) and a head
    the lens does not know."""
    model, tok = tiny("xlnet")
    panel = SentimentPanel(model, tok, text="a fine film")
    inside = InsideView(panel)
    t = panel.trace
    assert inside.kind == "message" and t.lens is None
    assert inside.messages == [t.lens_note["en"]] and "No lens for XLNet" in inside.messages[0]
    inside.path = "transformer.layer.0.rel_attn"
    with pytest.raises(ValueError) as why:
        t.attention("transformer.layer.0.rel_attn")
    assert inside.messages[0] == f"No attention map for transformer.layer.0.rel_attn: {why.value}"
    assert inside.kind == "message"  # XLNet's outputs are [tokens, 1, hidden]: no norms view


def test_models_without_a_trace(sst2):
    model, tok = sst2
    callable_panel = SentimentPanel(lambda text: {"POSITIVE": 0.7, "NEGATIVE": 0.3})
    inside = InsideView(callable_panel)
    assert inside.kind == "message" and inside.figure is None
    assert "not a PyTorch model: it has no modules to look inside" in inside.messages[0]
    # explore() adds no Inside tab when there is no live panel to type into (its tab says why)
    no_task = explorer.explore(model, tok, task=None)
    no_tokenizer = explorer.explore(model)
    with torch.device("meta"):
        meta = tf.DistilBertForSequenceClassification(model.config)
    on_meta = explorer.explore(meta, tok)
    for exp in (no_task, no_tokenizer, on_meta):
        titles = [exp.panels.get_title(i) for i in range(len(exp.panels.children))]
        assert exp.inside is None and "Inside" not in titles
    assert [on_meta.panels.get_title(i) for i in range(2)] == ["Sentiment", "Explain"]
    with pytest.raises(TypeError, match="InsideView needs a live task panel, got Label"):
        InsideView(ipywidgets.Label("x"))
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ko'"):
        InsideView(callable_panel, lang="de")


# -- the kernel's way and the exported page -------------------------------------------------------


def test_in_a_kernel_traces_arrive_from_the_worker_thread(monkeypatch, sst2):
    """As in a kernel: runs in a worker thread, results posted back to the IO loop."""
    from tornado.ioloop import IOLoop

    from explorer.widgets.panels import base

    async def main():
        monkeypatch.setattr(base, "kernel_loop", lambda: IOLoop.current())
        exp = explorer.explore(*sst2)
        open_tab(exp)
        exp.selected = ATTN
        for text in ("s", "so", "so good", "so good!"):
            exp.task_panel.text_box.value = text
            await asyncio.sleep(0)
        for _ in range(2000):
            if not exp.task_panel.pending and exp.inside.trace is exp.task_panel.trace:
                break
            await asyncio.sleep(0.01)
        t = exp.inside.trace
        assert t.text == "so good!" and exp.inside.kind == "attention"
        np.testing.assert_array_equal(z(exp.inside.attention_plot), t.attention(ATTN)[0])
        exp.close()

    asyncio.run(main())


def test_save_html_carries_the_inside_view_of_the_last_input(view, tmp_path):
    t = typed(view, "a <b>fine</b> film")
    view.selected = ATTN
    view.inside.head_picker.value = 1
    entries = {e["title"]: e for e in page_data(view)["panels"]}
    inside = entries["Inside"]
    assert inside["figure"] == json.loads(view.inside.figure.figure.to_json())
    assert inside["figure"]["data"][0]["type"] == "heatmap"
    assert inside["text"] == view.inside.result
    assert "Shown: attention weights of head 2 of 2" in inside["text"]
    text = save_html(view, tmp_path / "inside.html").read_text("utf-8")
    figures = part(text, "figures")
    assert inside["figure"] in figures
    sent = next(f for f in figures if f == inside["figure"])["data"][0]["z"]
    np.testing.assert_array_equal(decoded(sent).astype(np.float32), t.attention(ATTN)[1])
    assert "a &lt;b&gt;fine&lt;/b&gt; film" in text and "<b>fine</b>" not in text


def test_a_hidden_tab_draws_nothing_per_keystroke_and_catches_up_when_opened(sst2):
    exp = explorer.explore(*sst2)  # the task panel's tab is the one shown
    exp.selected = ATTN
    sent = []
    exp.inside.attention_plot.observe(lambda ch: sent.append(ch["new"]), "spec")
    for text in ("not", "not bad", "not bad at all"):
        typed(exp, text)
    assert sent == [] and exp.inside.trace.text == "not bad at all"  # nothing drawn meanwhile
    open_tab(exp)
    assert len(sent) == 1 and exp.inside.kind == "attention"
    np.testing.assert_array_equal(
        z(exp.inside.attention_plot), exp.task_panel.trace.attention(ATTN)[0]
    )
    exp.panels.selected_index = 0
    typed(exp, "terrible")
    assert len(sent) == 1
    entries = {e["title"]: e for e in page_data(exp)["panels"]}  # an export catches up
    assert len(sent) == 2 and "terrible" in exp.inside.trace.text and entries["Inside"]["figure"]
    exp.close()
