"""The entities panel, driven as the browser would: set the widgets' values, read what they show."""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading

import _tiny_models as tm
import numpy as np
import pytest
import torch
from _wire import Wire
from test_panels import in_a_kernel, settle

import explorer
from explorer import tag, tag_details
from explorer.export import page_data
from explorer.heads import AGGREGATIONS, regroup
from explorer.widgets.panels import EntitiesPanel, NotePanel, detect_task
from explorer.widgets.panels.entities import COLOURS, entity_types, marked_entities

MARK = re.compile(
    r'<mark class="xp-ent xp-ent-(\d)" title="([^"]*) ([0-9.]+)">(.*?)'
    r'<span class="xp-ent-tag">([^<]*) ([0-9.]+)</span></mark>',
    re.S,
)


@pytest.fixture(scope="module")
def ner():
    return tm.cached("distilbert_ner"), tm.cached_tokenizer(False)


def marks(panel) -> list[tuple]:
    """``(colour, label, score, marked text)`` of every mark the view shows, text unescaped."""
    return [
        (int(c), html.unescape(label), float(score), html.unescape(text))
        for c, label, score, text, _, _ in MARK.findall(panel.entities_view.value)
    ]


def assert_shows(panel, model, tok, text, strategy="simple"):
    """The panel shows exactly what tag() finds: marks, heatmap, status."""
    want = tag_details(model, tok, text, strategy)
    assert panel.details.text == text and panel.error is None
    assert panel.details.entities == want.entities
    shown = marks(panel)
    key = "entity" if strategy == "none" else "entity_group"
    visible, end = [], 0  # pieces of one character (Hangul jamo) share its span: marked once
    for row in want.entities:
        if row["start"] >= end:
            visible.append(row)
            end = row["end"]
    assert [(label, text_) for _, label, _, text_ in shown] == [
        (row[key], text[row["start"] : row["end"]]) for row in visible
    ]
    for (_, _, score, _), row in zip(shown, visible, strict=True):
        assert score == pytest.approx(row["score"], abs=5e-5)
    heat = panel.figure.data[0]
    win = want.windows[0]
    np.testing.assert_allclose(np.array(heat.z, dtype=float), win.probabilities.T, atol=1e-7)
    assert list(heat.y) == [html.escape(label) for label in want.labels]
    assert list(panel.figure.layout.xaxis.ticktext)[1] == html.escape(win.tokens[1])
    ticks = [[c for c in row] for row in heat.text]
    for i, label in enumerate(win.predicted):
        column = [ticks[r][i] for r in range(len(want.labels))]
        assert column == [("\u2713" if r == label and not win.special[i] else "") for r in
                          range(len(want.labels))]  # fmt: skip


def test_the_panel_marks_what_tag_finds(ner):
    model, tok = ner
    panel = EntitiesPanel(model, tok)
    assert_shows(panel, model, tok, panel.text)  # the first result is there at once
    for text in ("Ada Lovelace met Charles Babbage in London.", "x"):
        Wire(panel.text_box).set_from_browser(value=text)
        assert_shows(panel, model, tok, text)
    n = len(tag(model, tok, "x"))
    assert panel.status.value.startswith(f"{n} entities" if n else "no entities")
    assert panel.status.value.endswith(" ms") and "3 tokens" in panel.status.value
    assert panel.note.value == "" and panel.text_box.continuous_update


def test_one_colour_per_type_in_the_models_label_order(ner):
    model, tok = ner
    assert entity_types(tm.NER_LABELS) == ["O", "PER", "ORG", "LOC", "MISC"]
    panel = EntitiesPanel(model, tok, text="Angela Merkel met Emmanuel Macron in Paris. " * 4)
    shown = marks(panel)
    assert {label for _, label, _, _ in shown} >= {"PER", "LOC"}
    for colour, label, _, _ in shown:
        assert colour == entity_types(tm.NER_LABELS).index(label) % COLOURS


def test_the_aggregation_switch_regroups_without_running_the_model(ner):
    model, tok = ner
    text = "unbelievably Angela Merkel met antidisestablishmentarianism in Zürich"
    panel = EntitiesPanel(model, tok, text=text)
    runs, passes = panel.runs, panel.forward_passes
    notes = set()
    for index, strategy in enumerate(AGGREGATIONS):
        Wire(panel.aggregation).set_from_browser(index=index)  # a Dropdown syncs its index
        assert_shows(panel, model, tok, text, strategy)
        notes.add(panel.strategy_note.value)
        assert panel.strategy_note.value.startswith(f"{strategy}: ")
    switches = len(AGGREGATIONS)  # simple (the start) -> none -> simple -> first -> ...
    assert panel.forward_passes == passes and panel.regroups == switches
    assert panel.runs == runs + switches and len(notes) == len(AGGREGATIONS)
    panel.text = "A new text runs the model"
    assert panel.forward_passes == passes + 1
    assert_shows(panel, model, tok, panel.text, AGGREGATIONS[-1])


def test_regroup_equals_a_fresh_tag_for_every_strategy(ner):
    model, tok = ner
    long = "Angela Merkel met Emmanuel Macron in Paris on Tuesday, said Microsoft. " * 30
    for stride in (None, 64):
        first = tag_details(model, tok, long, "first", stride=stride)
        for strategy in AGGREGATIONS:
            if stride is not None and strategy == "none":
                with pytest.raises(ValueError, match="stride"):
                    regroup(first, tok, strategy)
                continue
            again = regroup(first, tok, strategy, ["O", "B-LOC"])
            assert again.entities == tag(model, tok, long, strategy, ["O", "B-LOC"], stride)
            assert again.windows is first.windows


def test_user_text_and_labels_reach_the_page_escaped():
    model, tok = tm.cached("bert_pos"), tm.cached_tokenizer(True)
    text = "<script>alert(1)</script> & <b>bold</b> \"quotes\" 'x'"
    panel = EntitiesPanel(model, tok, text=text, ignore_labels=[])
    view = panel.entities_view.value
    assert "<script" not in view and "<b>" not in view and "&lt;" in view
    plain = re.sub(r'<span class="xp-ent-tag">[^<]*</span>', "", view)
    plain = re.sub(r"</?(div|mark)\b[^>]*>", "", plain)
    assert "<" not in plain and html.unescape(plain) == text  # every character, escaped, once
    assert "&lt;b&gt;ADJ&lt;/b&gt;" in " ".join(panel.figure.data[0].y)
    assert all("<" not in str(t).replace("<i>", "").replace("</i>", "")
               for t in panel.figure.layout.xaxis.ticktext)  # fmt: skip
    shown = marks(panel)
    assert len(shown) == len(panel.details.entities) > 5
    assert "".join(t for *_, t in shown) == "".join(
        text[row["start"] : row["end"]] for row in panel.details.entities
    )


def test_marked_entities_keeps_every_character_once():
    text = "a<b>c & d"
    rows = [
        {"entity_group": "PER", "score": 0.5, "start": 1, "end": 4, "word": "x"},
        {"entity_group": "ORG", "score": 0.25, "start": 2, "end": 5, "word": "overlap: skipped"},
        {"entity_group": "NEW", "score": 0.75, "start": 6, "end": 7, "word": "&"},
        {"entity": "B-LOC", "score": 0.1, "start": None, "end": None, "word": "no offsets"},
    ]
    out = marked_entities(text, rows, ["O", "PER"], len(text))
    assert out.count("<mark") == 2 and 'xp-ent-1"' in out and f"xp-ent-{COLOURS - 1}" in out
    plain = re.sub(r'<span class="xp-ent-tag">[^<]*</span>', "", out)
    assert html.unescape(re.sub(r"<[^>]+>", "", plain)) == text
    cut = marked_entities("abcdef" * 100, [], [], 10)
    assert 'class="xp-ent-rest"' in cut and cut.endswith("\u2026</span></div>")


@pytest.mark.parametrize(
    "text",
    [
        "이 영화 정말 좋았어요 서울",
        "great movie 😀🎬👍🏽",
        "هذا الفيلم رائع جدا",
        "bad\x00movie",
        "é" * 50,
    ],
)
def test_bad_text_gives_a_result(ner, text):
    model, tok = ner
    panel = EntitiesPanel(model, tok, text=text)
    assert_shows(panel, model, tok, text)


def test_a_100k_character_text_says_what_was_truncated(ner):
    model, tok = ner
    text = "Ada Lovelace wrote to Babbage from London. " * 2400  # 103,200 characters
    panel = EntitiesPanel(model, tok, text="short")
    panel.text = text
    assert_shows(panel, model, tok, text)
    d = panel.details
    a, b = d.tagged_span
    assert d.truncated and 0 < b < 3000
    assert panel.note.value.startswith(
        f"Text truncated: the model reads 512 tokens at a time and the text has "
        f"{d.num_tokens:,}, so only characters 0\u2013{b:,} of {len(text):,} were tagged."
    )
    assert "stride=128" in panel.note.value
    assert len(panel.entities_view.value) < 60_000  # the untagged rest is elided
    assert "xp-ent-rest" in panel.entities_view.value
    a_long_word = "x" * 100_000  # one [UNK] token covering it all: shown cut, and said
    panel.text = a_long_word
    assert panel.details.tagged_span == (0, 100_000)
    assert "Showing the first 5,000 characters" in panel.note.value
    assert len(panel.entities_view.value) < 10_000


def test_empty_text_clears_with_a_hint(ner):
    model, tok = ner
    panel = EntitiesPanel(model, tok)
    for blank in ("", "   \n\t"):
        panel.text = blank
        assert panel.status.value == "Type a text to tag." and panel.details is None
        assert panel.entities_view.value == "" and panel.error is None
        assert list(panel.figure.data[0].z) == [] and list(panel.figure.data[0].y) == [
            html.escape(label) for label in tm.NER_LABELS
        ]
    panel.text = "fine"
    assert_shows(panel, model, tok, "fine")


def test_typing_during_a_run_becomes_one_run_on_the_newest_text(monkeypatch, ner):
    model, tok = ner
    gate, started, seen = threading.Event(), threading.Event(), []

    def hold(module, args, output):
        seen.append(args[0].shape[-1])
        if len(seen) == 1:  # the first keystroke's run waits inside the model
            started.set()
            gate.wait(10)

    async def body():
        panel = EntitiesPanel(model, tok, text="start")
        hook = model.distilbert.embeddings.register_forward_hook(hold)
        try:
            panel.text = "Ada Lovelace"
            assert await asyncio.to_thread(started.wait, 10)
            for text in ["A", "Ad", "Ada met Babbage in London"]:
                panel.text = text
            assert panel.details.text == "start"  # nothing stale shown meanwhile
            gate.set()
            await settle(panel)
        finally:
            hook.remove()
        return panel

    panel = in_a_kernel(monkeypatch, body)
    assert panel.runs == 3 and panel.details.text == "Ada met Babbage in London"
    assert_shows(panel, model, tok, "Ada met Babbage in London")


def test_korean_texts_and_back(ner):
    model, tok = ner
    panel = EntitiesPanel(model, tok, text="Ada Lovelace " * 300)
    english = (panel.status.value, panel.note.value, panel.figure.layout.title.text)
    panel.lang = "ko"
    assert "개체" in panel.status.value or "개체 없음" in panel.status.value
    assert panel.note.value.startswith("텍스트가 잘렸습니다")
    assert panel.strategy_note.value.startswith("simple: ") and "묶음" in panel.strategy_note.value
    assert panel.figure.layout.title.text.startswith("토큰별 레이블 확률")
    assert panel.aggregation.description == "묶는 방식" and panel.text_box.placeholder
    panel.text = ""
    assert panel.status.value == "태깅할 텍스트를 입력하세요."
    panel.lang = "en"
    assert panel.status.value == "Type a text to tag."
    panel.text = "Ada Lovelace " * 300
    assert (panel.status.value[:20], panel.note.value, panel.figure.layout.title.text) == (
        english[0][:20],
        *english[1:],
    )
    with pytest.raises(Exception, match="lang must be one of"):
        panel.lang = "fr"


def test_static_view_and_json(ner):
    model, tok = ner
    panel = EntitiesPanel(model, tok, text="Ada Lovelace met Babbage in London.")
    part = panel.export_part()
    assert part["text"] == panel.details.summary() and part["text"].startswith("Text: Ada")
    assert part["figure"]["data"][0]["type"] == "heatmap"
    data = json.loads(json.dumps(panel.details.to_dict(), allow_nan=False))
    assert data["entities"] == panel.details.entities
    assert json.loads(panel.result_json()) == data  # what "Copy as JSON" copies
    w = explorer.explore(model, tok)
    entry = next(p for p in page_data(w)["panels"] if p["title"] == "Entities")
    assert entry["text"] == w.task_panel.details.summary()
    assert entry["figure"]["data"][0]["z"] == json.loads(
        json.dumps(w.task_panel.details.windows[0].probabilities.T.tolist())
    )


def test_explore_picks_the_panel_and_follows_the_selection(ner):
    model, tok = ner
    assert detect_task(model) == "token-classification"
    assert detect_task(model, "ner") == "token-classification"
    w = explorer.explore(model, tok)
    titles = [w.panels.get_title(i) for i in range(len(w.panels.children))]
    assert titles[:2] == ["Entities", "Inside"] and isinstance(w.task_panel, EntitiesPanel)
    panel = w.task_panel
    w.selected = "distilbert.transformer.layer.1.ffn"
    n = len(panel.details.windows[0].tokens)
    assert panel.shape_line.value.endswith(f"(1, {n}, 32)")
    panel.text = "Ada Lovelace met Charles Babbage"  # typing: the selection's output follows
    n = len(panel.details.windows[0].tokens)
    assert panel.shape_line.value.endswith(f"(1, {n}, 32)")
    inside = w.inside
    inside.visible = True
    inside.path = ""
    assert inside.kind == "lens"
    heat = inside.figure.data[0]
    assert len(heat.z) == model.config.n_layers + 1 and len(heat.z[0]) == n
    final = panel.trace.prediction.argmax(-1)
    np.testing.assert_allclose(
        np.array(heat.z[-1], dtype=float), panel.trace.prediction[np.arange(n), final], rtol=1e-6
    )
    inside.path = "distilbert.transformer.layer.0.attention"
    assert inside.kind == "attention"
    before = tm.fingerprint(model)
    panel.aggregation.value = "max"
    panel.text = "Grace Hopper in Arlington"
    assert tm.fingerprint(model) == before


def test_models_and_tokenizers_the_panel_cannot_run_get_a_note(ner):
    model, tok = ner
    w = explorer.explore(model, _slow())
    assert isinstance(w.task_panel, NotePanel)
    assert "fast tokenizer" in w.task_panel.message and "characters" in w.task_panel.message
    with torch.device("meta"):
        meta = type(model)(model.config)
    note = explorer.explore(meta, tok).task_panel
    assert isinstance(note, NotePanel) and "meta device" in note.message
    with pytest.raises(TypeError, match="ForTokenClassification model"):
        EntitiesPanel(lambda text: {"x": 1.0})
    with pytest.raises(ValueError, match="aggregation_strategy must be one of"):
        EntitiesPanel(model, tok, aggregation_strategy="grouped")


def _slow():
    import transformers

    cls = getattr(transformers, "BertTokenizerLegacy", None) or transformers.BertTokenizer
    return cls.from_pretrained(tm.vocab_dir(), model_input_names=["input_ids", "attention_mask"])


def test_a_failing_run_shows_its_error_and_the_panel_lives_on():
    import transformers

    config = transformers.DistilBertConfig(
        vocab_size=2000, dim=32, hidden_dim=64, n_layers=1, n_heads=2, num_labels=3
    )
    model = tm.init_weights(transformers.DistilBertForTokenClassification(config))
    tok = tm.cached_tokenizer(False)
    panel = EntitiesPanel(model, tok, text="the")  # ids below 2000 fit (the: 1996)
    assert panel.error is None and panel.details is not None
    panel.text = "zebra xylophone"  # ids past the model's 2,000 embedding rows
    assert panel.error.startswith("ValueError: the tokenizer does not fit the model")
    assert panel.details is None and panel.entities_view.value == ""
    panel.text = "the"
    assert panel.error is None and panel.details.text == "the"
