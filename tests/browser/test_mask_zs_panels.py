"""Fill-mask and zero-shot panels in JupyterLab and Notebook 7: real keystrokes in, results out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .checks import assert_contrast, kernel_json, notebook_shape, wait_kernel_json
from .harness import (
    REPO,
    cell,
    open_and_run,
    open_notebook7,
    run_all_cells,
    screenshot,
    write_notebook,
)

CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch, explorer, _mlm_models as mm\n"
    "from explorer import fill_mask, zero_shot\n"
    "torch.set_num_threads(1)\n"
    "mlm, mtok = mm.mlm('bert')\nnli, ntok = mm.nli('distilbert')",
    "fm = explorer.explore(mlm, mtok, height=300)\nfm",
    "zs = explorer.explore(nli, ntok, height=300)\nzs",
]
COMMAND_KEYS = ["a", "b", "d", "d", "x", "m", "y", "z", "Shift+m"]


def keys_stay(page, target) -> None:
    """Command-mode shortcut keys pressed in ``target`` change no cell of the notebook."""
    before = notebook_shape(page)
    target.focus()
    for key in COMMAND_KEYS:
        page.keyboard.press(key)
    assert notebook_shape(page) == before, target


def inside(panel, element) -> None:
    """``element`` fits in ``panel``'s width (no horizontal overflow on a narrow page)."""
    b, p = element.bounding_box(), panel.bounding_box()
    assert b["x"] >= p["x"] - 0.5 and b["x"] + b["width"] <= p["x"] + p["width"] + 0.5, (b, p)


@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_typing_drives_the_fill_mask_and_zero_shot_panels(jupyter_server, browser_page, front_end):
    page, server = browser_page, jupyter_server
    name = f"mask_zs_{front_end}.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    if front_end == "lab":
        page.set_viewport_size({"width": 800, "height": 1000})  # a narrow notebook
        open_and_run(page, server, name, timeout=300)
    else:
        open_notebook7(page, server, name)
        run_all_cells(page, timeout=300)

    # -- fill-mask: the box speaks of the tokenizer's own mask token ------------------------------
    fm = cell(page, 1)
    expect(fm.locator(".lm-TabBar-tab").first).to_have_text("Fill-mask")
    panel = fm.locator(".xp-fill-mask")
    status = panel.locator(".xp-status")
    expect(status).to_contain_text("[MASK] 1 \u2192", timeout=60_000)
    box = panel.locator(".xp-text textarea")
    assert "[MASK]" in box.get_attribute("placeholder")
    expect(panel.locator(".xp-secondary").first).to_contain_text("Write [MASK] (this tokenizer")
    box.fill("")
    expect(status).to_have_text("Type a text with [MASK] where a word is missing.")
    typed = "The capital of [MASK] is [MASK]."
    box.press_sequentially(typed, delay=40)
    wait_kernel_json(server, name, "fm.task_panel.details and fm.task_panel.details.text", typed)
    want = kernel_json(server, name, f"fill_mask(mlm, mtok, {typed!r})")
    assert kernel_json(server, name, "fm.task_panel.details.results") == want
    assert len(want) == 2 and len(want[0]) == 5
    expect(panel.locator("g.point")).to_have_count(10)  # five bars for each of the two masks
    expect(status).to_contain_text(f"[MASK] 1 \u2192 {want[0][0]['token_str'].strip()}")
    expect(status).to_contain_text("2 masks")
    expect(panel.locator(".g-ytitle, .g-y2title")).to_have_count(2)  # one chart per mask
    runs = kernel_json(server, name, "fm.task_panel.runs")
    assert runs <= len(typed) + 2, runs  # never more than one run per keystroke
    keys_stay(page, box)
    keys_stay(page, panel.locator(".slider-container, .widget-slider").first)
    inside(panel, box)
    if front_end == "lab":
        assert_contrast(panel, "fill-mask panel", at_least=3)
    panel.scroll_into_view_if_needed()
    shot = screenshot(page, f"fill_mask_{front_end}", panel)
    # the Inside tab: the MLM head's likeliest token at every position, layer by layer
    fm.locator(".lm-TabBar-tab").filter(has_text="Inside").click()
    lens = fm.locator(".xp-inside")
    expect(lens.locator(".gtitle")).to_contain_text("Lens: the masked-LM head", timeout=60_000)
    expect(lens.locator(".hm image, g.hm")).not_to_have_count(0)
    tokens = kernel_json(server, name, "len(fm.task_panel.trace.tokens)")
    assert kernel_json(server, name, "len(fm.inside.lens_plot.figure.data[0].x)") == tokens
    assert kernel_json(server, name, "fm.inside.kind") == "lens"
    lens.scroll_into_view_if_needed()
    screenshot(page, f"fill_mask_lens_{front_end}", lens)

    # -- zero-shot: labels typed now, the multi-label switch clicked ------------------------------
    zs = cell(page, 2)
    expect(zs.locator(".lm-TabBar-tab").first).to_have_text("Zero-shot")
    panel = zs.locator(".xp-zero-shot")
    status = panel.locator(".xp-status")
    expect(status).to_contain_text("5 labels, 5 forward passes", timeout=60_000)
    expect(panel).to_contain_text("labels include ENTAILMENT")
    labels = panel.locator(".xp-labels input")
    labels.fill("")
    expect(status).to_have_text("Type candidate labels, separated by commas.")
    labels.press_sequentially("sports, politics, <b>food</b>", delay=40)
    expect(status).to_contain_text("3 labels, 3 forward passes")
    text = kernel_json(server, name, "zs.task_panel.text")
    wanted = "['sports', 'politics', '<b>food</b>']"
    wait_kernel_json(server, name, "zs.task_panel.details.labels", eval(wanted))
    want = kernel_json(server, name, f"zero_shot(nli, ntok, {text!r}, {wanted})")
    assert kernel_json(server, name, "zs.task_panel.details.results") == want
    expect(panel.locator("g.point")).to_have_count(3)
    expect(panel.locator(".xtick text").filter(has_text="<b>food</b>")).to_have_count(1)
    panel.locator(".widget-checkbox input").click()
    wait_kernel_json(server, name, "zs.task_panel.details.multi_label", True)
    expect(panel.locator(".gtitle")).to_contain_text("each label on its own")
    want = kernel_json(server, name, f"zero_shot(nli, ntok, {text!r}, {wanted}, multi_label=True)")
    assert kernel_json(server, name, "zs.task_panel.details.results") == want
    template = panel.locator(".xp-template input")
    template.fill("no place")
    expect(status).to_contain_text("has no {} where the label goes")
    template.fill("It is about {}.")
    expect(status).to_contain_text("3 labels, 3 forward passes")
    for target in (panel.locator(".xp-text textarea"), labels, template):
        keys_stay(page, target)
    keys_stay(page, panel.locator(".widget-checkbox input"))
    inside(panel, labels)
    if front_end == "lab":
        assert_contrast(panel, "zero-shot panel", at_least=4)
    panel.scroll_into_view_if_needed()
    zshot = screenshot(page, f"zero_shot_{front_end}", panel)
    known = ("[anywidget] Failed to initialize model.",)  # plotly.js over 2 s on a busy machine
    if front_end == "notebook7":  # Notebook 7's own, also on a notebook holding only print(1)
        known += (
            "Cannot read properties of undefined (reading 'schema')",
            "Command 'filebrowser:open-path' not registered.",
        )
    assert [e for e in page.page_errors if not e.startswith(known)] == [] and page.dialogs == []
    assert shot.exists() and zshot.exists()
