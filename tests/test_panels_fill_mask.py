"""The fill-mask panel, driven as the browser would: set the boxes' values, read what they show."""

from __future__ import annotations

import copy
import html
import json

import _mlm_models as mm
import _tiny_models as tm
import pytest
from test_panels import in_a_kernel, settle

from explorer import explore, fill_mask_details
from explorer.figures.trace import token_labels
from explorer.widgets.panels import FillMaskPanel, NotePanel, detect_task


def assert_shows(panel: FillMaskPanel, text: str) -> None:
    """The panel shows what fill_mask_details gives for ``text`` and its top_k."""
    model, tok = panel.model, panel.tokenizer
    want = fill_mask_details(model, tok, text, panel.top_k.value)
    assert panel.details.text == text and panel.error is None
    assert len(panel.figure.data) == len(want.masks)
    for bar, rows in zip(panel.figure.data, want.masks, strict=True):
        assert list(bar.x) == pytest.approx([r["score"] for r in rows], rel=1e-6)
        assert list(bar.y) == token_labels([r["token_str"] for r in rows])
        assert [c[0] for c in bar.customdata] == [r["token"] for r in rows]


@pytest.mark.parametrize("family", ["bert", "roberta"])
def test_the_box_shows_the_tokenizers_own_mask_token(family):
    model, tok = mm.mlm(family)
    mask = {"bert": "[MASK]", "roberta": "<mask>"}[family]
    panel = FillMaskPanel(model, tok)
    assert panel.mask == mask and panel.text == f"Paris is the {mask} of France."
    assert mask in panel.text_box.placeholder
    assert f"Write {html.escape(mask)} (this tokenizer&#x27;s" in panel.hint.value  # escaped
    assert_shows(panel, panel.text)  # the first result is there at once
    assert panel.status.value.startswith(f"{mask} 1 \u2192 ")
    panel.lang = "ko"
    assert mask in panel.text_box.placeholder and "마스크 토큰" in html.unescape(panel.hint.value)
    assert panel.top_k.description == "상위 k"


def test_typing_masks_and_top_k():
    model, tok = mm.mlm("bert")
    panel = FillMaskPanel(model, tok, top_k=3)
    for text in ("The [MASK] fox jumps over the [MASK] dog.", "[MASK]", "서울의 [MASK] 🌸"):
        panel.text = text
        assert_shows(panel, text)
    assert panel.status.value.startswith("[MASK] 1 \u2192 ") and "masks" not in panel.status.value
    panel.top_k.value = 7
    assert_shows(panel, "서울의 [MASK] 🌸")
    assert len(panel.figure.data[0].x) == 7
    panel.text = "The [MASK] fox jumps over the [MASK] dog."
    assert " \u00b7 2 masks \u00b7 " in panel.status.value
    panel.text = "[MASK] " * 12
    assert len(panel.details.masks) == 12 and len(panel.figure.data) == 8
    assert "showing 8 of 12 masks" in panel.status.value


def test_no_mask_explains_and_still_traces_empty_text_clears():
    model, tok = mm.mlm("bert")
    panel = FillMaskPanel(model, tok)
    panel.text = "Paris is nice."
    assert panel.details.masks == [] and panel.error is None
    assert (
        panel.status.value.startswith("No [MASK] in the text")
        and "xp-info" in panel.status._dom_classes
    )
    assert len(panel.figure.data) == 0 and panel.trace is not None and panel.trace.lens is not None
    panel.text = "   "
    assert panel.details is None and panel.trace is None
    assert panel.status.value == "Type a text with [MASK] where a word is missing."
    panel.text = "A [MASK]."
    assert_shows(panel, "A [MASK].")


def test_a_long_text_is_cut_and_the_panel_says_what():
    model, tok = mm.mlm("bert")
    panel = FillMaskPanel(model, tok)
    text = "The [MASK] is here. " + "word " * 20_000 + " and [MASK] [MASK] at the end."
    assert len(text) > 100_000
    panel.text = text
    assert panel.details.truncated and len(panel.details.masks) == 1
    assert (
        panel.note.value.startswith("Text truncated: it is 20,") and "first 512" in panel.note.value
    )
    assert "2 of its 3 [MASK] tokens are past the cut" in panel.note.value


def test_newest_input_wins_in_a_kernel(monkeypatch):
    model, tok = mm.mlm("bert")

    async def body():
        panel = FillMaskPanel(model, tok)
        for text in ("A [MASK]", "A [MASK] b", "A [MASK] bc", "The [MASK] wins."):
            panel.text = text
        await settle(panel)
        return panel

    panel = in_a_kernel(monkeypatch, body)
    assert panel.details.text == "The [MASK] wins." and panel.runs <= 5
    assert_shows(panel, "The [MASK] wins.")


def test_detection_and_a_forced_head_that_does_not_fit(sst2):
    model, tok = mm.mlm("bert")
    assert detect_task(model) == "fill-mask"
    ex = explore(model, tok)
    assert isinstance(ex.task_panel, FillMaskPanel) and ex.panels.get_title(0) == "Fill-mask"
    ex = explore(*sst2, task="fill-mask")
    assert isinstance(ex.task_panel, NotePanel)
    assert "sequence-classification head: use classify()" in ex.task_panel.message
    plain = copy.deepcopy(tok)
    plain.mask_token = None
    ex = explore(model, plain)
    assert isinstance(ex.task_panel, NotePanel) and "mask token" in ex.task_panel.message


def test_inside_shows_the_token_lens_and_the_static_view_the_guesses():
    model, tok = mm.mlm("bert")
    ex = explore(model, tok)
    panel = ex.task_panel
    ex.inside.show("")
    assert ex.inside.kind == "lens"
    heat = ex.inside.lens_plot.figure.data[0]
    lens = panel.trace.lens
    assert list(heat.y)[-1].endswith("= prediction") and len(heat.y) == len(lens)
    assert list(heat.x) == token_labels(panel.trace.tokens)
    assert heat.z[-1][0] == pytest.approx(lens[-1]["probs"][0][0])
    ex.inside.show("bert.encoder.layer.0")
    assert ex.inside.kind == "norms"
    part = panel.export_part()
    assert part["text"] == panel.details.summary() and "[MASK] 1:" in part["text"]
    assert part["figure"]["data"][0]["type"] == "bar"
    assert panel.details.to_dict()["masks"] == panel.details.masks
    assert json.loads(panel.result_json()) == panel.details.to_dict()  # "Copy as JSON"


def test_driving_the_panel_leaves_the_model_untouched():
    model, tok = mm.mlm("bert")
    model = copy.deepcopy(model).train()
    before = tm.fingerprint(model)
    panel = FillMaskPanel(model, tok)
    panel.text = "The [MASK] [MASK]."
    panel.top_k.value = 2
    assert panel.trace.lens is not None
    assert tm.fingerprint(model) == before


def test_bert_base_uncased_loads_offline_into_the_fill_mask_panel(tmp_path, monkeypatch):
    from explorer import load

    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.warns(UserWarning, match="RANDOM weights"):
        loaded = load("bert-base-uncased")
    assert type(loaded.model).__name__ == "BertForMaskedLM" and loaded.untrained
    ex = explore(*loaded)
    panel = ex.task_panel
    assert isinstance(panel, FillMaskPanel) and panel.mask == "[MASK]" and panel.error is None
    assert "untrained head" in panel.warning.value
    assert_shows(panel, panel.text)
    with pytest.warns(UserWarning, match="meta device"):
        head = load("distilbert-base-uncased", task="fill-mask", weights=False).model
    assert type(head).__name__ == "DistilBertForMaskedLM"
