"""The zero-shot panel, driven as the browser would: set the boxes' values, read what they show."""

from __future__ import annotations

import copy
import json

import _mlm_models as mm
import _tiny_models as tm
import pytest
from test_panels import in_a_kernel, settle

from explorer import explore, zero_shot_details
from explorer.figures.trace import token_labels
from explorer.widgets.panels import NotePanel, SentimentPanel, ZeroShotPanel, detect_task


def assert_shows(panel: ZeroShotPanel) -> None:
    """The bars are zero_shot_details of the boxes' values: labels best first, their scores and
    the entailment logits in the hover."""
    model, tok = panel.model, panel.tokenizer
    want = zero_shot_details(
        model, tok, panel.text, panel.labels_box.value, panel.template_box.value,
        panel.multi_label.value,
    )  # fmt: skip
    bar = panel.figure.data[0]
    assert panel.error is None and panel.details.results == want.results
    assert list(panel.figure.layout.xaxis.ticktext) == token_labels(want.results["labels"])
    assert list(bar.y) == pytest.approx(want.results["scores"], rel=1e-6)
    logits = [want.entailment_logits[want.labels.index(label)] for label in want.results["labels"]]
    assert [row[1] for row in bar.customdata] == pytest.approx(logits, rel=1e-5)


def test_the_panel_shows_zero_shot_details_and_follows_every_box():
    model, tok = mm.nli("distilbert")
    panel = ZeroShotPanel(model, tok)
    assert_shows(panel)  # the first result is there at once
    best = panel.details.results
    assert panel.status.value.startswith(f"{best['labels'][0]} {best['scores'][0]:.3f}")
    assert "5 labels, 5 forward passes" in panel.status.value
    before = panel.forward_passes
    panel.labels_box.value = "sports, politics, <b>cooking</b>"
    assert_shows(panel)
    assert panel.forward_passes - before == 3
    assert "&lt;b&gt;cooking&lt;/b&gt;" in panel.figure.layout.xaxis.ticktext
    panel.template_box.value = "Das Thema ist {}."
    assert_shows(panel)
    panel.multi_label.value = True
    assert_shows(panel)
    assert panel.figure.layout.title.text.startswith("each label on its own")
    panel.text = "서울의 봄은 아름답다 🌸"
    assert_shows(panel)
    assert panel.trace.task == "classify" and panel.trace.context == "Das Thema ist sports."


def test_the_choice_is_said_and_detection_prefers_zero_shot_for_nli(sst2):
    for kind, entail in (("distilbert", "ENTAILMENT"), ("bert", "entailment")):
        model, tok = mm.nli(kind)
        assert detect_task(model) == "zero-shot-classification"
        ex = explore(model, tok)
        assert isinstance(ex.task_panel, ZeroShotPanel) and ex.panels.get_title(0) == "Zero-shot"
        assert f"labels include {entail}" in ex.task_panel.choice.value
        assert "task=&quot;text-classification&quot;" in ex.task_panel.choice.value  # escaped
    ex = explore(*mm.nli("distilbert"), task="text-classification")
    assert isinstance(ex.task_panel, SentimentPanel)
    assert detect_task(sst2[0]) == "text-classification"
    ex = explore(*sst2, task="zero-shot-classification")
    assert isinstance(ex.task_panel, NotePanel)
    assert "labels (config.label2id) are NEGATIVE, POSITIVE" in ex.task_panel.message
    ex = explore(*mm.mlm("bert"), task="zero-shot-classification")
    assert "masked-language-model head: use fill_mask()" in ex.task_panel.message


def test_bad_input_gets_a_hint_or_an_error_and_the_next_input_works():
    model, tok = mm.nli("distilbert")
    panel = ZeroShotPanel(model, tok, max_labels=4)
    panel.labels_box.value = " , ,"
    assert panel.status.value == "Type candidate labels, separated by commas."
    assert panel.details is None and panel.error is None and list(panel.figure.data[0].y) == []
    panel.labels_box.value = "a, b"
    panel.template_box.value = "no place for it"
    assert panel.error.startswith("ValueError: hypothesis_template 'no place for it' has no {}")
    assert panel.details is None and panel.trace is None
    panel.template_box.value = "It is {}."
    assert_shows(panel)
    panel.labels_box.value = "a, b, c, d, e"
    assert panel.status.value.startswith("The live panel runs at most 4 labels") and not panel.error
    panel.text = ""
    assert panel.status.value == "Type a text to classify."


def test_a_long_text_is_cut_and_the_panel_says_so():
    model, tok = mm.nli("distilbert")
    panel = ZeroShotPanel(model, tok, labels="sports, politics")
    panel.text = "word " * 20_001
    assert panel.details.truncated and panel.details.num_tokens == 20_001
    assert panel.note.value.startswith("Text truncated: it is 20,001 tokens long")
    assert panel.figure.layout.title.text.endswith("(text truncated)")


def test_korean_texts():
    model, tok = mm.nli("distilbert")
    panel = ZeroShotPanel(model, tok, lang="ko")
    assert panel.labels_box.description == "레이블" and "제로샷 패널" in panel.choice.value
    assert "레이블 5개, 순전파 5번" in panel.status.value
    panel.lang = "en"
    assert panel.labels_box.description == "Labels" and "5 labels" in panel.status.value


def test_newest_input_wins_in_a_kernel(monkeypatch):
    model, tok = mm.nli("distilbert")

    async def body():
        panel = ZeroShotPanel(model, tok)
        for labels in ("a", "a, b", "a, b, c", "sports, politics"):
            panel.labels_box.value = labels
        await settle(panel)
        return panel

    panel = in_a_kernel(monkeypatch, body)
    assert panel.details.labels == ["sports", "politics"]
    assert_shows(panel)


def test_static_view_json_and_the_model_untouched():
    model, tok = mm.nli("bert")
    model = copy.deepcopy(model).train()
    before = tm.fingerprint(model)
    panel = ZeroShotPanel(model, tok, labels="sports, politics")
    panel.multi_label.value = True
    part = panel.export_part()
    assert part["text"] == panel.details.summary() and "sports: " in part["text"]
    assert part["figure"]["data"][0]["type"] == "bar"
    assert panel.details.to_dict()["result"] == panel.details.results
    assert json.loads(panel.result_json()) == panel.details.to_dict()  # "Copy as JSON"
    assert tm.fingerprint(model) == before


def test_the_packaged_nli_checkpoint_loads_offline_into_the_zero_shot_panel(tmp_path, monkeypatch):
    from explorer import load

    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.warns(UserWarning, match="meta device"):
        meta = load("typeform/distilbert-base-uncased-mnli", weights=False).model
    assert type(meta).__name__ == "DistilBertForSequenceClassification"
    assert meta.config.label2id == {"CONTRADICTION": 2, "ENTAILMENT": 0, "NEUTRAL": 1}
    assert sum(p.numel() for p in meta.parameters()) == 66_955_779
    with pytest.warns(UserWarning, match="RANDOM weights"):
        loaded = load("typeform/distilbert-base-uncased-mnli")
    assert loaded.untrained and loaded.source == "offline-config" and loaded.tokenizer is not None
    ex = explore(*loaded)
    assert isinstance(ex.task_panel, ZeroShotPanel) and ex.task_panel.error is None
    assert "untrained head" in ex.task_panel.warning.value
    assert_shows(ex.task_panel)
