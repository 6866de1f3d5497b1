"""The causal-LM panel, driven as the browser would: type, click Generate / Stop / a token, read
what it shows; generation streamed from the worker thread through a real IO loop."""

from __future__ import annotations

import asyncio
import html
import json
import threading

import _tiny_decoders as td
import _tiny_models as tm
import pytest
import torch
import transformers
from test_panels import BAD_TEXTS, in_a_kernel, settle

from explorer import explore, generate, generate_details, next_token_details, save_html
from explorer.figures.style import esc as _esc
from explorer.heads.causal_inputs import causal_inputs
from explorer.widgets.panels import CausalPanel, NotePanel, detect_task
from explorer.widgets.panels.causal import LIVE_TOKENS

BAR, CHOSEN = "#2f80ed", "#d9602b"


def shown(panel: CausalPanel) -> tuple[list, list, list]:
    """What the bars show: probabilities, token ids (the hover's data) and colours."""
    bar = panel.figure.data[0]
    return list(bar.x), [row[1] for row in bar.customdata], list(bar.marker.color)


def assert_next_token(panel: CausalPanel, text: str, status: bool = True) -> None:
    model, tok = panel.model, panel.tokenizer
    want = next_token_details(model, tok, text, 10)
    probs, ids, _ = shown(panel)
    assert panel.details.text == text and panel.error is None
    assert ids == [r["token_id"] for r in want.results]
    assert probs == pytest.approx([r["score"] for r in want.results], rel=1e-5)
    assert panel.figure.layout.title.text == f"Next token after {len(want.input_ids)} tokens"
    top = want.results[0]
    if status:  # (after a generation the status line says what it made)
        assert panel.status.value.startswith(f"next: {top['token']!r} {top['score']:.3f}")


def test_typing_shows_the_next_token():
    model, tok = td.cached("gpt2", "bpe")
    panel = CausalPanel(model, tok)
    assert_next_token(panel, panel.text)  # the first result is there at once
    for text in ("The cat", "The cat sat on the", "서울의 봄은"):
        panel.text_box.value = text  # a keystroke (no loop: it runs at once)
        assert_next_token(panel, text)
    assert panel.note.value == "" and panel.text_box.continuous_update
    assert panel.trace is not None and panel.trace.task == "next_token"
    assert panel.forward_passes == panel.runs == 4


def test_generate_shows_what_generate_returns_token_by_token():
    model, tok = td.cached("llama", "bpe")
    panel = CausalPanel(model, tok, text="Once upon a time", max_new_tokens=9)
    panel.controls.generate_button.click()
    want = generate_details(model, tok, "Once upon a time", 9)
    got = panel.generation
    assert got.generated_text == generate(model, tok, "Once upon a time", 9)[0]["generated_text"]
    assert got.new_ids == want.new_ids and len(panel.streamed) == 9
    buttons = panel.controls.steps.children
    assert len(buttons) == 10  # the next-token button, then one per token
    assert [b.description for b in buttons[1:]] == [
        s.token.replace(" ", "\u2423") or "\u2205" for s in want.steps
    ]
    assert html.escape(want.new_text) in panel.controls.text_view.value
    assert panel.status.value.startswith("generated 9 tokens (greedy) \u00b7 ended by")
    # a generated token shows the distribution it came from, itself coloured apart
    buttons[4].click()
    step = want.steps[3]
    probs, ids, colors = shown(panel)
    assert panel.shown_step == 3 and buttons[4].button_style == "info"
    assert ids == [r["token_id"] for r in step.top]
    assert probs == pytest.approx([r["score"] for r in step.top], rel=1e-5)
    assert colors[ids.index(step.token_id)] == CHOSEN and colors.count(CHOSEN) == 1
    assert panel.figure.layout.title.text.startswith(_esc(f"Step 4 of 9: {step.token!r}"))
    buttons[0].click()  # back to the prompt's next token
    assert panel.shown_step is None and buttons[0].button_style == "info"
    assert_next_token(panel, "Once upon a time", status=False)
    # typing: the generation belonged to the old prompt
    panel.text = "Once upon"
    assert panel.generation is None and panel.controls.steps.children == ()
    assert panel.controls.text_view.value == ""


def test_sampling_settings_reach_generate():
    model, tok = td.cached("qwen2", "bpe")
    panel = CausalPanel(model, tok, text="The dog")
    c = panel.controls
    assert c.temperature.disabled and c.seed.disabled  # greedy: no sampling settings
    c.sampling.value = True
    assert not c.temperature.disabled
    c.temperature.value, c.top_k.value, c.top_p.value, c.seed.value = 1.2, 30, 0.85, 17
    c.max_new_tokens.value = 12
    c.generate_button.click()
    kwargs = dict(do_sample=True, temperature=1.2, top_k=30, top_p=0.85, seed=17)
    assert (
        panel.generation.generated_text
        == generate(model, tok, "The dog", 12, **kwargs)[0]["generated_text"]
    )
    assert panel.generation.settings == {"max_new_tokens": 12, **kwargs}
    assert "sampling: temperature 1.2, top-k 30, top-p 0.85, seed 17" in panel.status.value
    # a sampled token below the kept top 10 is shown as one more bar, with its rank
    low = next((s for s in panel.generation.steps if s.rank > 10), None)
    if low is not None:
        c.steps.children[low.index + 1].click()
        _, ids, colors = shown(panel)
        assert ids[-1] == low.token_id and colors[-1] == CHOSEN and len(ids) == 11
        assert f"(its rank: {low.rank})" in panel.figure.layout.title.text
    # the same seed, the same tokens: the panel's generation is reproducible
    first = panel.generation.new_ids
    c.generate_button.click()
    assert panel.generation.new_ids == first


def slow_model(kind="gpt2", delay=0.05):
    """This test's own tiny model, a little slow per forward pass (a test-only hook)."""
    import time

    model = td.build(kind)
    gate = {"delay": delay}
    model.register_forward_pre_hook(lambda m, a: time.sleep(gate["delay"]))
    return model, gate


def test_in_a_kernel_tokens_stream_stop_works_and_typing_cancels(monkeypatch):
    model, _ = slow_model()
    tok = td.bpe_tokenizer()

    async def body():
        panel = CausalPanel(model, tok, text="The cat", max_new_tokens=60)
        panel.controls.generate_button.click()
        assert not panel.controls.stop_button.disabled
        for _ in range(2000):  # tokens arrive one by one while the kernel's loop keeps turning
            if len(panel.streamed) >= 3:
                break
            await asyncio.sleep(0.01)
        assert 3 <= len(panel.streamed) < 60 and panel.generation is None
        assert panel.status.value.startswith("generating")
        assert len(panel.controls.steps.children) == len(panel.streamed) + 1
        panel.controls.stop_button.click()
        await settle(panel)
        got = panel.generation
        assert got.finish == "stopped" and 3 <= len(got.steps) < 60
        assert "ended by Stop" in panel.status.value and panel.controls.stop_button.disabled
        full = generate_details(model, tok, "The cat", 60)
        assert got.new_ids == full.new_ids[: len(got.steps)]  # what it made so far, kept
        # a new generation, then typing: it is cancelled, its tokens never shown again
        panel.controls.generate_button.click()
        for _ in range(2000):
            if panel.streamed:
                break
            await asyncio.sleep(0.01)
        runs = panel._runner.started
        panel.text = "The dog"
        await settle(panel)
        await asyncio.sleep(0.2)  # tokens posted before the cancel: dropped, not shown
        assert panel.generation is None and panel.streamed == []
        assert panel.controls.steps.children == () and panel.details.text == "The dog"
        assert panel._runner.started == runs + 1
        return panel

    panel = in_a_kernel(monkeypatch, body)
    assert panel.error is None


def test_the_kernel_answers_while_generating(monkeypatch):
    """Keys and clicks reach the panel during a generation: it runs on the worker thread."""
    model, gate = slow_model(delay=0.2)
    tok = td.bpe_tokenizer()
    seen = []

    async def body():
        panel = CausalPanel(model, tok, text="The cat", max_new_tokens=30)
        panel.controls.generate_button.click()
        main = threading.get_ident()
        while not panel.streamed:
            await asyncio.sleep(0.01)
        panel.controls.sampling.value = True  # a click, answered at once
        seen.append((panel.controls.temperature.disabled, threading.get_ident() == main))
        panel.controls.stop_button.click()
        await settle(panel)
        return panel

    panel = in_a_kernel(monkeypatch, body)
    assert seen == [(False, True)] and panel.generation.finish == "stopped"


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_bad_text_gives_a_result_or_a_message(name):
    model, tok = td.cached("gpt2", "bpe")  # 128 positions
    panel = CausalPanel(model, tok)
    text = BAD_TEXTS[name]
    panel.text = text
    assert panel.error is None and panel.details.text == text
    if name == "long":
        total = len(causal_inputs(model, tok, text).input_ids)
        assert panel.details.truncated and len(panel.details.input_ids) == 128
        assert panel.note.value == ""  # the model's own window (128) cut it, not the panel
        assert panel.trace.truncated
        panel.controls.generate_button.click()
        assert len(panel.generation.input_ids) == 128 - 20 and panel.generation.dropped
        assert f"it is {total:,} tokens long" in panel.note.value
    if name == "html":
        panel.controls.generate_button.click()
        assert "&lt;script&gt;" in panel.controls.text_view.value
        assert "<script>" not in panel.controls.text_view.value


def test_a_long_text_is_cut_to_the_panels_limit_and_says_so():
    model, tok = td.build("gpt2", positions=2048), td.bpe_tokenizer()
    panel = CausalPanel(model, tok)
    text = "good movie " * 9000  # ~100,000 characters
    panel.text = text
    total = len(causal_inputs(model, tok, text).input_ids)
    assert len(panel.details.input_ids) == LIVE_TOKENS and total > LIVE_TOKENS
    assert panel.note.value == (
        f"Prompt cut: it is {total:,} tokens long and the panel reads only the last "
        f"{LIVE_TOKENS:,} (next_token() and generate() read up to the model's window)."
    )
    panel.text = "short"
    assert panel.note.value == ""


def test_a_generation_that_cannot_run_says_why_and_keeps_the_next_token():
    model, tok = td.cached("gpt2", "bpe")  # 128 positions
    panel = CausalPanel(model, tok, text="The cat")
    panel.controls.max_new_tokens.value = 200
    panel.controls.generate_button.click()
    assert panel.status.value.startswith("ValueError: max_new_tokens=200 leaves no room")
    assert panel.error == panel.status.value and panel.generation is None
    want = next_token_details(model, tok, "The cat", 10).results
    assert shown(panel)[1] == [r["token_id"] for r in want]  # the bars stay
    assert panel.trace is not None and panel.controls.stop_button.disabled
    panel.controls.max_new_tokens.value = 5
    panel.controls.generate_button.click()
    assert panel.error is None and len(panel.generation.steps) == 5


def test_empty_text_gives_a_hint_and_generate_waits_for_a_prompt():
    model, tok = td.cached("gpt2", "bpe")
    panel = CausalPanel(model, tok)
    panel.text = "  \n"
    assert panel.status.value == "Type a prompt to see its next token."
    assert panel.details is None and list(panel.figure.data[0].x) == []
    panel.controls.generate_button.click()
    assert panel.generation is None and panel.error is None
    assert panel.status.value == "Type a prompt to see its next token."


def test_korean_texts_and_the_language_switch():
    model, tok = td.cached("gpt2", "bpe")
    panel = CausalPanel(model, tok, text="The cat")
    panel.controls.generate_button.click()
    panel.lang = "ko"
    assert panel.controls.generate_button.description == "생성"
    assert panel.controls.sampling.options[0][0] == "그리디"
    assert panel.status.value.startswith("토큰 20개 생성 (그리디)")
    panel.controls.steps.children[1].click()
    assert "단계" in panel.figure.layout.title.text
    panel.lang = "en"
    assert panel.controls.generate_button.description == "Generate"
    assert set(CausalPanel.WORDS["en"]) == set(CausalPanel.WORDS["ko"])


def test_explore_picks_the_panel_for_causal_lms_and_the_inside_shows_the_logit_lens():
    model, tok = td.cached("gpt2", "bpe")
    ex = explore(model, tok)
    assert ex.panels.get_title(0) == "Next token" and isinstance(ex.task_panel, CausalPanel)
    panel = ex.task_panel
    panel.text = "The <b>cat</b>"
    ex.selected = "transformer.h.0"
    n = len(panel.details.input_ids)
    assert panel.shape_line.value == f"Output of transformer.h.0 for this input: (1, {n}, 32)"
    ex.selected = ""
    inside = ex.inside
    assert inside.kind == "lens"
    grid = inside.lens_plot.data[0]
    layers = model.config.n_layer + 1
    assert len(grid.y) == layers and len(grid.x) == n
    lens = panel.trace.lens
    assert [list(map(float, row)) for row in grid.z] == [
        [float(p[0]) for p in entry["probs"]] for entry in lens
    ]
    assert all("<b>" not in label for label in grid.x)  # the input tokens, escaped
    assert all("<" not in cell.replace("<br>", "") for row in grid.customdata for cell in row)
    inside.lang = "ko"
    assert "로짓 렌즈" in inside.lens_plot.layout.title.text
    # the Inside view mirrors the prompt: typing there is typing in the panel (its tab shown)
    inside.visible = True
    inside._boxes[0].value = "The dog"
    assert panel.details.text == "The dog" and len(inside.lens_plot.data[0].x) == len(
        panel.details.input_ids
    )


def test_detection_by_class_architectures_and_task():
    model, tok = td.cached("llama", "bpe")
    assert detect_task(model) == "text-generation"
    assert detect_task(td.cached("gpt2", "bpe")[0]) == "text-generation"
    assert detect_task(model, "text-generation") == "text-generation"
    bare = transformers.GPT2Model(transformers.GPT2Config(n_embd=32, n_layer=1, n_head=2,
                                                          vocab_size=400))  # fmt: skip
    bare.config.architectures = ["GPT2LMHeadModel"]  # a checkpoint's head, loaded without it
    ex = explore(bare, tok)
    assert isinstance(ex.task_panel, NotePanel)
    assert "GPT2Model is a bare backbone without a task head" in ex.task_panel.message
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=td.bpe_tokenizer())
    ex = explore(pipe)
    assert isinstance(ex.task_panel, CausalPanel) and ex.task_panel.model is model


def test_the_static_view_and_json_hold_the_next_token_and_the_generation(tmp_path):
    model, tok = td.cached("gpt2", "bpe")
    ex = explore(model, tok)
    panel = ex.task_panel
    panel.text = "The <i>cat</i>"
    panel.controls.generate_button.click()
    part = panel.export_part()
    assert part["figure"]["data"][0]["type"] == "bar"
    assert "Next token after" in part["text"] and "Generated 20 tokens, greedy" in part["text"]
    data = json.loads(json.dumps(panel.details.to_dict()))
    assert data["text"] == "The <i>cat</i>"
    assert json.loads(json.dumps(panel.generation.to_dict()))["steps"][0]["token_id"] == (
        panel.generation.steps[0].token_id
    )
    copied = json.loads(panel.result_json())  # what "Copy as JSON" copies
    assert copied["next_token"]["text"] == "The <i>cat</i>"
    assert copied["generation"]["new_ids"] == panel.generation.new_ids
    panel.text = ""
    with pytest.raises(ValueError, match="nothing to copy"):
        panel.result_json()
    panel.text = "The <i>cat</i>"
    path = save_html(ex, tmp_path / "causal.html")
    page = path.read_text("utf-8") if hasattr(path, "read_text") else open(path).read()
    assert "Next token" in page and "<i>cat</i>" not in page


def test_driving_the_panel_leaves_the_model_untouched():
    model, tok = td.build("gpt2").train(), td.bpe_tokenizer()
    model.transformer.wte.requires_grad_(False)
    before = tm.fingerprint(model)
    generation = model.generation_config.to_dict()
    panel = CausalPanel(model, tok)
    for value in ("first", "", "\x00", BAD_TEXTS["long"][:3000], "last one"):
        panel.text = value
    panel.controls.sampling.value = True
    panel.controls.generate_button.click()
    assert panel.error is None and panel.generation is not None
    assert tm.fingerprint(model) == before
    assert model.generation_config.to_dict() == generation
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_a_model_that_cannot_run_gets_a_note():
    with torch.device("meta"):
        model = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_embd=32, n_layer=1,
                                                                     n_head=2))  # fmt: skip
    ex = explore(model, td.bpe_tokenizer())
    assert (
        isinstance(ex.task_panel, NotePanel) and "weights are not loaded" in ex.task_panel.message
    )
    ex = explore(td.cached("gpt2", "bpe")[0])  # no tokenizer
    assert isinstance(ex.task_panel, NotePanel) and "tokenizer" in ex.task_panel.message
