"""Live task panels, driven as the browser would: set the boxes' values, see the results."""

from __future__ import annotations

import asyncio
import html
import threading

import _tiny_models as tm
import pytest
import torch
from _wire import Wire

from explorer import answer, answer_details, classify_details, explore
from explorer.trace import TraceCancelled, run
from explorer.tree.pages import format_shapes
from explorer.widgets.panels import NotePanel, QAPanel, SentimentPanel, detect_task

BAD_TEXTS = {
    "korean": "이 영화 정말 좋았어요",
    "emoji": "great movie 😀🎬👍🏽",
    "rtl": "هذا الفيلم رائع جدا",
    "nul": "bad\x00movie",
    "html": "<b>bold</b> & <script>alert(1)</script>",
    "long": "good movie " * 9000,  # ~100,000 characters, far past 512 tokens
}


def shown_bars(panel: SentimentPanel) -> tuple[list, list]:
    """Probabilities and logits the bar chart shows (y and the hover's customdata)."""
    bar = panel.figure.data[0]
    return list(bar.y), [row[1] for row in bar.customdata]


def assert_shows(panel: SentimentPanel, model, tok, text: str) -> None:
    want = classify_details(model, tok, text)
    probs, logits = shown_bars(panel)
    assert panel.details.text == text and panel.error is None
    assert probs == pytest.approx(want.probabilities, abs=1e-6)
    assert logits == pytest.approx(want.logits, abs=1e-5)
    assert list(panel.figure.layout.xaxis.ticktext) == want.labels


def in_a_kernel(monkeypatch, body):
    """Run ``body(panel_factory)`` as in a kernel: a real tornado IO loop on this thread, panels
    running their work in a worker thread and posting results back to the loop."""
    from tornado.ioloop import IOLoop

    from explorer.widgets.panels import base

    async def main():
        loop = IOLoop.current()
        monkeypatch.setattr(base, "kernel_loop", lambda: loop)
        return await body()

    return asyncio.run(main())


async def settle(panel, timeout: float = 20.0) -> None:
    """Let the loop turn until the panel shows the newest input's result."""
    for _ in range(int(timeout / 0.01)):
        if not panel.pending:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the result never came")


# -- sentiment -------------------------------------------------------------------------------------


def test_sentiment_panel_shows_classify_details(sst2):
    model, tok = sst2
    panel = SentimentPanel(model, tok)
    assert_shows(panel, model, tok, panel.text)  # the first result is there at once
    for text in ("I hated it.", "What a lovely day"):
        panel.text_box.value = text  # what a keystroke does (no loop running: runs at once)
        assert_shows(panel, model, tok, text)
    best = classify_details(model, tok, "What a lovely day").results[0]
    assert panel.status.value.startswith(f"{best['label']}  {best['score']:.3f}")
    assert panel.note.value == "" and panel.text_box.continuous_update


def test_typing_during_a_run_becomes_one_run_on_the_newest_text(monkeypatch):
    gate, started, calls = threading.Event(), threading.Event(), []

    def scores(text):
        calls.append(text)
        if text == "slow":
            started.set()
            gate.wait(10)
        return {"POSITIVE": float(len(text)), "NEGATIVE": 1.0}

    async def body():
        panel = SentimentPanel(scores, text="start")  # the first run, at once, on this thread
        panel.text = "slow"  # idle: runs at once, in the worker thread
        assert await asyncio.to_thread(started.wait, 10)
        for text in ["a", "ab", "abc"]:  # typed while "slow" runs: the kernel stays free
            panel.text = text
        assert panel.details.text == "start"  # nothing stale was shown meanwhile
        gate.set()
        await settle(panel)
        return panel

    panel = in_a_kernel(monkeypatch, body)
    assert calls == ["start", "slow", "abc"]  # one coalesced run on the newest text
    assert panel.details.text == "abc" and panel.runs == 3 and panel.error is None  # + the first


def test_an_obsolete_long_context_stops_early(monkeypatch, qa):
    model, tok = qa
    long = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(400))
    n_long = len(answer_details(model, tok, "Where is item 42?", long).windows)

    async def body():
        panel = QAPanel(model, tok, question="Where is item 42?", context="Item 42 is here.")
        before = panel.forward_passes
        panel.context_box.value = long
        panel.context_box.value = "Item 42 is in room 294."  # at once: the long run is stale
        await settle(panel)
        return panel, panel.forward_passes - before

    panel, passes = in_a_kernel(monkeypatch, body)
    assert n_long > 5 and passes < n_long  # the long context never ran all its windows
    assert panel.details.context == "Item 42 is in room 294."
    assert (
        panel.details.results[0]["answer"]
        == answer(model, tok, "Where is item 42?", "Item 42 is in room 294.")[0]["answer"]
    )


def test_flush_waits_for_the_newest_result(monkeypatch, sst2):
    model, tok = sst2

    async def body():
        panel = SentimentPanel(model, tok)
        panel.text = "flush me"
        assert panel.flush(20) and not panel.pending  # delivered here, not later by the loop
        assert_shows(panel, model, tok, "flush me")
        assert panel.flush(20)  # nothing pending: returns at once
        return panel

    in_a_kernel(monkeypatch, body)


def test_errors_show_in_the_status_and_the_next_input_works():
    def flaky(text):
        if "boom" in text:
            raise RuntimeError("remote API said <b>no</b>")
        return {"good": text.count("good") + 0.5, "bad": 1.0}

    panel = SentimentPanel(flaky, text="good")
    panel.text = "boom"
    assert panel.status.value == "RuntimeError: remote API said <b>no</b>"
    assert panel.error == panel.status.value and panel.details is None
    assert list(panel.figure.data[0].y) == []  # a callable's labels are known from its results
    panel.text = "good good"
    want = classify_details(flaky, None, "good good")
    assert panel.error is None and list(panel.figure.data[0].y) == want.probabilities
    assert panel.status.value.startswith("good  2.500")

    def not_a_mapping(text):
        return [1, 2]

    panel = SentimentPanel(not_a_mapping)
    assert panel.error.startswith("TypeError: model callable must return a mapping")


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_bad_text_gives_a_result_or_a_message(sst2, name):
    model, tok = sst2
    panel = SentimentPanel(model, tok)
    text = BAD_TEXTS[name]
    panel.text = text
    assert_shows(panel, model, tok, text)
    if name == "long":
        assert panel.details.truncated and "Text truncated" in panel.note.value
    else:
        assert panel.note.value == ""


def test_empty_text_clears_the_chart_with_a_hint(sst2):
    model, tok = sst2
    panel = SentimentPanel(model, tok)
    for blank in ("", "   \n\t"):
        panel.text = blank
        assert panel.status.value == "Type a text to classify." and panel.details is None
        assert list(panel.figure.data[0].y) == [0.0, 0.0] and panel.error is None
    panel.text = "fine"
    assert_shows(panel, model, tok, "fine")


# -- question answering ----------------------------------------------------------------------------


def test_qa_panel_marks_the_answer_and_plots_the_logits(qa):
    model, tok = qa
    question, context = "Who wrote <it>?", "The book <it> was written by Ada & Bo in 1999."
    panel = QAPanel(model, tok, question=question, context=context, top_k=2)
    want = answer_details(model, tok, question, context, top_k=2)
    top = want.results[0]
    assert panel.details.results == want.results
    mark = f'<mark class="xp-answer">{html.escape(context[top["start"] : top["end"]])}</mark>'
    assert mark in panel.answer_view.value
    assert "<it>" not in panel.answer_view.value and "&lt;it&gt;" in panel.answer_view.value
    assert panel.answers_view.value.count("<li>") == len(want.results)
    start, end = panel.figure.data
    win = want.windows[0]
    assert list(start.y) == pytest.approx(win.start_logits) and list(end.y) == pytest.approx(
        win.end_logits
    )
    assert len(panel.figure.layout.xaxis.tickvals) == len(win.tokens)
    (shade,) = [s for s in panel.figure.layout.shapes if s.legendgroup == "answer"]
    assert (shade.x0, shade.x1) == (win.best["start_token"] - 0.5, win.best["end_token"] + 0.5)
    assert shade.showlegend and html.escape(top["answer"]) in shade.name
    assert panel.window_note.layout.display == "none"  # one window: nothing to say
    panel.top_k.value = 1
    assert panel.details.results == answer_details(model, tok, question, context).results
    assert panel.answers_view.value.count("<li>") == 1


def test_qa_long_context_has_a_window_selector(qa):
    model, tok = qa
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(120))
    panel = QAPanel(model, tok, question="Where is item 42?", context=context)
    want = answer_details(model, tok, "Where is item 42?", context, top_k=3)
    n = len(want.windows)
    assert n > 1 and len(panel.window.options) == n and panel.window.layout.display is None
    assert panel.count_windows("Where is item 42?", context) == n
    # one forward pass per window; the first window's pass is also the traced one
    assert panel.forward_passes == n
    shown = panel.window.value
    top = want.results[0]
    assert want.windows[shown].best["start"] == top["start"]
    assert shown > 0  # as built, the answer is not in the first window: shown all the same
    assert f"window {shown + 1}/{n}" in panel.window.label and "the answer" in panel.window.label
    assert panel.window_note.value == "the answer\u2019s window"
    assert f"from window {shown + 1} of {n}" in panel.status.value
    assert f"window {shown + 1} of {n}" in panel.figure.layout.legend.title.text
    other = 0
    lo, hi = want.windows[other].context_span
    assert not lo <= top["start"] < hi
    runs = panel.runs
    panel.window.value = other  # the browser picks another window: plot only, no new run
    assert list(panel.figure.data[0].y) == pytest.approx(want.windows[other].start_logits)
    assert panel.runs == runs
    note = f"the answer is not in this window (it is in window {shown + 1})"
    assert panel.window_note.value == note and panel.window_note.layout.display is None
    assert note in panel.figure.layout.legend.title.text
    panel.context_box.value = "short context"
    assert panel.window.layout.display == "none" and panel.window_note.layout.display == "none"
    # one keystroke: one forward pass per window, the first window's also traced
    panel.context_box.value = context
    passes, calls = panel.forward_passes, []
    handle = model.register_forward_hook(lambda *_: calls.append(1))
    try:
        panel.question_box.value = "Where is item 43?"
    finally:
        handle.remove()
    assert len(calls) == n and panel.forward_passes == passes + n
    assert panel.trace.windows == n and panel.trace.text == "Where is item 43?"


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_qa_bad_input_gives_a_result_or_a_message(qa, name):
    model, tok = qa
    panel = QAPanel(model, tok, max_windows=8)
    text = BAD_TEXTS[name]
    panel.context_box.value = text
    if name == "long":
        assert panel.status.value.startswith("The context needs ") and panel.details is None
        assert "stops at 8" in panel.status.value and panel.error is None
    else:
        assert panel.error is None, panel.error
        assert panel.details.results == answer_details(model, tok, panel.question_box.value,
                                                       text, top_k=3).results  # fmt: skip
    panel.question_box.value = text[:200]
    assert panel.error is None or "question" in panel.error
    panel.question_box.value = " "
    assert panel.status.value == "Type a question." and panel.details is None
    panel.question_box.value = "What?"
    panel.context_box.value = "It is blue."
    assert panel.details.results == answer_details(model, tok, "What?", "It is blue.",
                                                   top_k=3).results  # fmt: skip


def test_a_head_error_shows_in_the_qa_panel(sst2):
    model, tok = sst2  # a classifier has no start/end logits
    panel = QAPanel(model, tok)
    assert panel.error is not None and "start_logits" in panel.error and panel.details is None
    assert panel.status.value == panel.error


# -- detection and explore() -----------------------------------------------------------------------


def test_detection_by_class_config_pipeline_callable_and_override(sst2, qa):
    from transformers import BertConfig, BertModel, pipeline

    assert detect_task(sst2[0]) == "text-classification"
    assert detect_task(qa[0]) == "question-answering"
    bare = BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                                intermediate_size=8, architectures=["BertForQuestionAnswering"]))  # fmt: skip
    assert detect_task(bare) == "question-answering"
    bare.config.architectures = None
    assert detect_task(bare) is None
    pipe = pipeline("text-classification", model=sst2[0], tokenizer=sst2[1])
    assert detect_task(pipe) == "text-classification"

    class QAPipeline:  # transformers 5 has no QA pipeline; 4.x ones look like this
        task = "question-answering"
        model, tokenizer = bare, qa[1]

    assert detect_task(QAPipeline()) == "question-answering"
    assert detect_task(lambda text: {"a": 1.0}) == "text-classification"
    assert detect_task(qa[0], "sentiment-analysis") == "text-classification"
    assert detect_task(sst2[0], None) is None and detect_task(sst2[0], "none") is None
    with pytest.raises(ValueError, match="unknown task 'translation'"):
        detect_task(sst2[0], "translation")
    with pytest.raises(TypeError, match="task must be a str"):
        detect_task(sst2[0], 3)


def test_explore_adds_the_detected_panel(sst2, qa):
    from transformers import pipeline

    ex = explore(*sst2)
    assert isinstance(ex.task_panel, SentimentPanel) and ex.panels.get_title(0) == "Sentiment"
    ex = explore(pipeline("text-classification", model=sst2[0], tokenizer=sst2[1]))
    assert isinstance(ex.task_panel, SentimentPanel) and ex.task_panel.tokenizer is sst2[1]
    ex = explore(*qa)
    assert isinstance(ex.task_panel, QAPanel) and ex.panels.get_title(0) == "Question answering"
    titles = [ex.panels.get_title(i) for i in range(len(ex.panels.children))]
    assert titles[:3] == ["Question answering", "Inside", "Explain"]
    ex = explore(*qa, task=None)  # no live panel: nothing to look inside either
    assert ex.task_panel is None and ex.inside is None
    assert ex.explain_panel in ex.panels.children
    ex.selected = "qa_outputs"
    assert ex.explain_panel.path == "qa_outputs" and "start" in ex.explain_panel.text
    ex = explore(*qa, task="sentiment-analysis")  # a QA model as a classifier: error, in the panel
    assert isinstance(ex.task_panel, SentimentPanel) and ex.task_panel.error


def test_explore_of_a_callable_is_its_sentiment_panel():
    def scores(text):
        return {"long": len(text) / 100, "short": 1 - len(text) / 100}

    panel = explore(scores)
    assert isinstance(panel, SentimentPanel) and panel.model is scores
    assert list(panel.figure.data[0].y) == classify_details(scores, None, panel.text).probabilities
    with pytest.raises(TypeError, match="only drive the sentiment panel"):
        explore(scores, task="question-answering")
    with pytest.raises(TypeError, match="only drive the sentiment panel"):
        explore(scores, task=None)


def test_meta_and_tokenizerless_models_get_a_note(sst2):
    from transformers import AutoModelForSequenceClassification, DistilBertConfig

    with torch.device("meta"):
        meta = AutoModelForSequenceClassification.from_config(DistilBertConfig(num_labels=2))
    ex = explore(meta, sst2[1])
    assert isinstance(ex.task_panel, NotePanel)
    assert "weights are not loaded" in ex.task_panel.message and "meta" in ex.task_panel.message
    ex = explore(sst2[0])
    assert isinstance(ex.task_panel, NotePanel) and "needs the model's tokenizer" in (
        ex.task_panel.message
    )
    with pytest.raises(TypeError, match="needs the model.s tokenizer"):
        SentimentPanel(sst2[0])
    with pytest.raises(ValueError, match="not loaded"):
        QAPanel(meta, sst2[1])


def test_a_directory_drives_qa_and_an_untrained_head_is_flagged(tmp_path, sst2):
    model, tok = tm.build("distilbert_qa"), sst2[1]
    model.save_pretrained(tmp_path / "qa")
    tok.save_pretrained(tmp_path / "qa")
    ex = explore(str(tmp_path / "qa"))
    assert isinstance(ex.task_panel, QAPanel) and ex.task_panel.warning.layout.display == "none"
    question, context = ex.task_panel.question_box.value, ex.task_panel.context_box.value
    assert ex.task_panel.details.results == answer_details(model, tok, question, context,
                                                           top_k=3).results  # fmt: skip

    sst2[0].save_pretrained(tmp_path / "cls")  # a classifier loaded for QA: random qa_outputs
    from explorer import load

    loaded = load(str(tmp_path / "cls"), task="question-answering")
    ex = explore(loaded.model, tok)
    warning = ex.task_panel.warning
    assert warning.layout.display is None and "untrained head: random outputs" in warning.value
    assert "qa_outputs" in warning.value


# -- output shapes, hooks and the model left alone -------------------------------------------------


def test_output_shapes_follow_the_run_and_the_selection(sst2):
    model, tok = sst2
    ex = explore(model, tok)
    panel = ex.task_panel
    panel.text = "one two three"
    n = len(classify_details(model, tok, "one two three").tokens)
    dim, labels = model.config.dim, model.config.num_labels
    assert ex.output_shapes is panel.output_shapes
    assert ex.output_shapes["distilbert.embeddings"] == [[1, n, dim]]
    assert ex.output_shapes["pre_classifier"] == [[1, dim]]
    assert ex.output_shapes["classifier"] == [[1, labels]]
    assert ex.output_shapes[""] == [[1, labels]]  # the root's ModelOutput holds the logits
    assert set(ex.output_shapes) < {p for p, _ in model.named_modules()}
    assert "distilbert.transformer.layer" not in ex.output_shapes  # a ModuleList never runs
    ex.selected = "distilbert.transformer.layer"
    assert panel.shape_line.value == "distilbert.transformer.layer did not run for this input"
    ex.selected = "distilbert.transformer.layer.1"
    assert panel.shape_line.value == f"Output of distilbert.transformer.layer.1 for this input: " \
        f"{format_shapes([[1, n, dim]])}"  # fmt: skip
    assert format_shapes([[1, n, dim]]) == f"(1, {n}, {dim})"
    # The tree's details pane shows them too (what the browser gets for a selected row).
    wire = Wire(ex.tree_widget)
    assert ex.tree_widget.pages.details("pre_classifier")["output"] == f"(1, {dim})"
    assert ex.tree_widget.pages.details("distilbert.transformer.layer")["output"] == (
        "not run for the last input"
    )
    panel.text = ""
    assert ex.output_shapes == {} and panel.shape_line.value == ""
    assert ex.tree_widget.pages.details("pre_classifier")["output"] is None
    # the browser got the selected module's line in one message (no request back)
    sent = [d["content"] for d in wire.sent if d.get("method") == "custom"]
    assert sent == [{"op": "output", "path": "distilbert.transformer.layer.1", "output": None}]
    assert all(not m._forward_hooks for m in model.modules())


def test_hooks_are_removed_when_the_forward_raises():
    class Broken(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = torch.nn.Linear(2, 2)

        def forward(self, x):
            self.inner(x)
            raise RuntimeError("broken forward")

    model = Broken().train()
    with pytest.raises(RuntimeError, match="broken forward"):
        run(model, [{"x": torch.zeros(1, 2)}], trace=0)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert model.training and model.inner.training
    with pytest.raises(TraceCancelled):
        run(model, [{"x": torch.zeros(1, 2)}], trace=0, should_stop=lambda: True)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_driving_the_panels_leaves_the_model_untouched(qa):
    tok = qa[1]
    for kind, cls in (("distilbert_sst2", SentimentPanel), ("distilbert_qa", QAPanel)):
        model = tm.build(kind).train()
        model.distilbert.embeddings.requires_grad_(False)
        model.distilbert.transformer.layer[0].eval()
        before = tm.fingerprint(model)
        panel = cls(model, tok)
        box = panel.text_box if cls is SentimentPanel else panel.context_box
        for value in ("first", "", "\x00", BAD_TEXTS["long"][:3000], "last one"):
            box.value = value
        assert panel.error is None
        assert tm.fingerprint(model) == before
        assert all(not m._forward_hooks for m in model.modules())


def test_models_without_a_panel_say_why():
    """GPT-2, BERT's masked LM, T5, ViT, a CNN and a bare backbone: a sentence, never nothing."""
    import transformers as tf

    tiny = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=24)
    cases = {
        "t5": (
            tf.T5ForConditionalGeneration(
                tf.T5Config(d_model=16, d_ff=24, num_layers=1, num_heads=2, d_kv=8, vocab_size=99)
            ),
            "encoder-decoder",
        ),  # fmt: skip
        "vit": (
            tf.ViTForImageClassification(tf.ViTConfig(image_size=8, patch_size=4, **tiny)),
            "reads images (pixel_values)",
        ),  # fmt: skip
        "cnn": (
            torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()),
            "plain PyTorch module",
        ),  # fmt: skip
        "bare": (tf.BertModel(tf.BertConfig(vocab_size=99, **tiny)), "bare backbone"),
    }
    for name, (model, words) in cases.items():
        ex = explore(model, tm.cached_tokenizer())
        note = ex.task_panel
        assert isinstance(note, NotePanel) and ex.inside is None, name
        assert words in note.message and "Inside tab" in note.message, (name, note.message)
        assert ex.panels.get_title(0) == "Live panel"
        assert explore(model, task=None).task_panel is None  # asked for none: nothing said


def test_copy_as_json_gives_the_last_result(sst2, qa):
    """The chrome's button asks Python for the panel's last result as JSON, in its language."""
    import json

    panel = SentimentPanel(*sst2, text="a fine film")
    wire = Wire(panel.chrome)
    assert panel.chrome.copy_label == "Copy as JSON"
    reply = wire.ask(op="json", id="1")
    assert reply["op"] == "json" and reply["id"] == "1"
    data = json.loads(reply["text"])
    assert data["text"] == "a fine film" and data["results"] == panel.details.results
    assert reply["done"] == "copied the last result as JSON"
    panel.text = ""  # nothing shown: the button says so instead of copying stale data
    reply = wire.ask(op="json", id="2")
    assert reply["op"] == "error" and "nothing to copy yet" in reply["message"]
    panel.lang = "ko"
    assert panel.chrome.copy_label == "JSON으로 복사" and panel.text_box.placeholder.startswith(
        "분류"
    )
    qa_panel = QAPanel(*qa, question="Who?", context="Bob is here. Ann is there.")
    data = json.loads(Wire(qa_panel.chrome).ask(op="json", id="3")["text"])
    assert data["results"] == qa_panel.details.results and data["question"] == "Who?"
    assert len(data["windows"]) == 1 and data["sources"][0][0]["window"] == 0


def test_merged_qa_scores_say_where_they_come_from(qa):
    """Equal texts add their scores (as the pipeline does): the panel says so and lists them."""
    context = " ".join(["The Eiffel tower is in Paris."] * 30)
    panel = QAPanel(*qa, question="Where is the tower?", context=context, max_seq_len=64,
                    doc_stride=16)  # fmt: skip
    top, parts = panel.details.results[0], panel.details.sources[0]
    assert len(parts) > 1 and sum(p["score"] for p in parts) == pytest.approx(top["score"])
    windows = sorted({p["window"] + 1 for p in parts})
    assert f"the sum of {len(parts)} spans with this text in windows " in panel.status.value
    assert ", ".join(map(str, windows)) in panel.status.value
    assert " + " in panel.answers_view.value  # the parts of the top answer's score
    home = panel.window.value
    assert panel.window_note.value.startswith("the answer\u2019s window; its score adds")
    assert home + 1 in windows
    panel.lang = "ko"
    assert "같은 글자의 구간" in panel.status.value and panel.question_box.description == "질문"
