"""The Budget tab in JupyterLab: dtype switch, context length, hover formulas, keys, themes."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from .checks import assert_contrast, kernel_json, kernel_value, notebook_shape, set_theme
from .harness import REPO, cell, open_and_run, screenshot, write_notebook

NAME = "budget_view.ipynb"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import explorer, _models\n"
    "m = _models.full_size('mixtral-8x7b')\n"
    "w = explorer.explore(m, height=420)\n"
    "w",
    ("markdown", "A markdown cell the shortcuts would turn into code or delete."),
    "print('last cell')",
]
COMMAND_KEYS = ["a", "b", "d", "d", "x", "m", "y", "z", "Shift+m", "ArrowUp", "ArrowDown"]


def test_budget_tab_dtype_context_hover_keys_and_themes(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 1280, "height": 1400})
    write_notebook(server.root_dir, NAME, CELLS)
    began = time.monotonic()
    open_and_run(page, server, NAME, timeout=240)
    print(f"notebook ran in {time.monotonic() - began:.1f} s")
    out = cell(page, 0)
    expect(out.locator(".xt-d-path")).to_have_text("(root)")  # the first details arrived
    # The tab is not drawn until opened; the budget itself is ready at once for a model this
    # size (the display's static view carries it), so the tree's details show the cost lines.
    assert kernel_json(server, NAME, "w.budget_view.loaded") is False
    expect(out.locator(".xt-d-k", has_text="bytes in")).to_have_count(1)

    # Open the Budget tab: the budget is computed and drawn.
    out.get_by_role("tab", name="Budget").click()
    view = out.locator(".xb-root")
    expect(view.locator('.xb-card[data-key="active"]')).to_be_visible(timeout=30_000)
    assert kernel_json(server, NAME, "w.budget_view.loaded") is True
    active = view.locator('.xb-card[data-key="active"]')
    expect(active).to_contain_text(kernel_json(server, NAME, "f'{w.budget_view.budget.active:,}'"))
    expect(active.locator(".xb-card-value")).to_contain_text("12.9B")  # Mixtral: 12.9B active
    weights = view.locator('.xb-row[data-key="weights_bfloat16"] .xb-value')
    want = kernel_json(server, NAME, "w.budget_view.budget.weights_bytes('bfloat16').row()['text']")
    expect(weights).to_contain_text(want)
    screenshot(page, "budget_light", out.locator(".xp-budget"))

    # The dtype switch: the weights row shows int8 bytes, as the kernel computes them.
    before_weights = weights.inner_text()
    view.locator('.xb-dtype[data-dtype="int8"]').click()
    int8 = view.locator('.xb-row[data-key="weights_int8"]')
    want = kernel_json(server, NAME, "w.budget_view.budget.weights_bytes('int8').row()['text']")
    expect(int8.locator(".xb-value")).to_contain_text(want)
    assert int8.locator(".xb-value").inner_text() != before_weights
    expect(view.locator('.xb-dtype[data-dtype="int8"]')).to_have_attribute("aria-checked", "true")
    assert kernel_value(server, NAME, "w.tree_widget.pages.cost_dtype", "int8") == "int8"

    # Hover shows the formula (the title attribute, as the browser's tooltip does).
    int8.hover()
    title = int8.get_attribute("title")
    assert title.startswith("= params x 1 = ") and "bytes per value" in title, title

    # Type a context length: the KV cache row and the GPU line follow.
    tokens = view.locator('input[name="tokens"]')
    kv = view.locator('.xb-row[data-key="kv_cache"]')
    kv_before = kv.locator(".xb-value").inner_text()
    tokens.fill("")
    tokens.press_sequentially("32768", delay=30)
    expect(kv.locator(".xb-name")).to_contain_text("32,768 tokens x batch 1 (int8)")
    want_kv = kernel_json(server, NAME, "w.budget_view.content['kv'][0]['text']")
    expect(kv.locator(".xb-value")).to_contain_text(want_kv)
    assert want_kv != kv_before
    assert "ceil((weights + KV cache) / GPU)" in view.locator(".xb-gpu").get_attribute("title")
    expect(view.locator(".xb-gpu-line")).to_contain_text("fits on 1 x GPU of 80 GB")
    expect(view.locator(".xb-gpu .xb-note")).to_contain_text("activations")

    # Keys typed in its inputs and buttons never reach the notebook: a bad context length shows
    # a message, no cell is added, deleted, cut or changed.
    before = notebook_shape(page)
    tokens.fill("")
    tokens.focus()
    for key in COMMAND_KEYS:
        page.keyboard.press(key)
    expect(view.locator(".xb-message")).to_contain_text("context length must be a whole number")
    assert notebook_shape(page) == before
    view.locator('input[name="gpu_gb"]').focus()
    for key in COMMAND_KEYS:
        page.keyboard.press(key)
    view.locator('.xb-dtype[data-dtype="float16"]').focus()
    for key in ["a", "b", "d", "d", "x", "m"]:
        page.keyboard.press(key)
    assert notebook_shape(page) == before
    assert view.locator(".xb-dtype[data-lm-suppress-shortcuts]").count() == 5
    assert view.locator("input:not([data-lm-suppress-shortcuts])").count() == 0
    tokens.fill("4096")
    view.locator('input[name="gpu_gb"]').fill("24")
    expect(view.locator(".xb-message")).to_have_text("")
    expect(view.locator(".xb-gpu-line")).to_contain_text("x GPU of 24 GB")

    # The tree's details show the selected module's cost, in the tab's dtype.
    out.locator('.xt-row[data-key="lm_head"]').click()
    facts = out.locator(".xt-d-facts")
    expect(facts.locator(".xt-d-k", has_text="bytes in int8")).to_have_count(1)
    expect(facts).to_contain_text("of all embedding")
    view.locator('.xb-dtype[data-dtype="float32"]').click()
    expect(facts.locator(".xt-d-k", has_text="bytes in float32")).to_have_count(1)
    want = kernel_json(server, NAME, "w.budget_view.budget.module('lm_head', 'float32')['bytes']")
    key = facts.locator(".xt-d-k", has_text="bytes in float32")
    value = key.locator("xpath=following-sibling::span[1]")
    assert f"{int(want):,}" in value.get_attribute("title")

    # Mixture of experts: the treemap sized by active parameters.
    view.locator(".xb-active input").check()
    expect(out.locator(".xp-budget-plot g.slice").first).to_be_visible(timeout=30_000)
    assert_contrast(view, "budget light")
    screenshot(page, "budget_light_active", out.locator(".xp-budget"))

    set_theme(page, "JupyterLab Dark")
    assert_contrast(view, "budget dark")
    assert_contrast(out.locator(".xt-details"), "tree details with cost, dark")
    screenshot(page, "budget_dark", out.locator(".xp-budget"))
    key.scroll_into_view_if_needed()
    screenshot(page, "budget_dark_details", out.locator(".xt-details"))
    set_theme(page, "JupyterLab Light")
    assert page.page_errors == [] and page.dialogs == []
