"""What a new user sees: narrow notebooks stack the views, the dark theme is legible, Copy works."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .checks import assert_contrast, kernel_json, kernel_value, set_theme
from .harness import REPO, cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "look.ipynb"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import explorer, _tiny_models as tm\n"
    "tok = tm.tokenizer(token_type_ids=False)\n"
    "w = explorer.explore(tm.build('distilbert_sst2'), tok, height=360)\n"
    "w",
]
SVG_TEXT_JS = """(els) => els.map((t) => getComputedStyle(t).fill)"""


def luminance(css: str) -> float:
    parts = [float(x) for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    return sum(w * (c / 255) for w, c in zip((0.2126, 0.7152, 0.0722), parts, strict=True))


def test_narrow_dark_and_copy(jupyter_server, browser):
    context = browser.new_context(viewport={"width": 800, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=jupyter_server.base_url)
    page = context.new_page()
    try:
        write_notebook(jupyter_server.root_dir, NAME, CELLS)
        open_and_run(page, jupyter_server, NAME, timeout=240)
        ex = cell(page, 0)
        tree, plot = ex.locator(".xt-root"), ex.locator(".xt-figure-box")
        expect(plot.locator(".main-svg").first).to_be_visible()
        expect(ex.locator(".xp-sentiment g.point")).to_have_count(2)

        # 800 px with the file browser open: the views stack, each keeps a usable width.
        t, p = tree.bounding_box(), plot.bounding_box()
        assert p["y"] >= t["y"] + t["height"] - 1, (t, p)  # the treemap sits below the tree
        assert t["width"] >= 300 and p["width"] >= 300, (t, p)
        panel = ex.locator(".xp-sentiment")
        box = panel.locator("textarea")
        b, pb = box.bounding_box(), panel.bounding_box()
        assert b["x"] + b["width"] <= pb["x"] + pb["width"] + 0.5, (b, pb)  # no overflow
        screenshot(page, "look_narrow_light")

        # Copy: the attribute path of a selected block, as Python reaches it.
        assert kernel_value(jupyter_server, NAME, "w.selected", "") == ""
        kernel_exec(jupyter_server, NAME, "w.selected = 'distilbert.transformer.layer.1'")
        expect(tree.locator(".xt-d-path")).to_have_text("distilbert.transformer.layer.1")
        tree.locator(".xt-copy-button").click()
        tree.locator('.xt-copy-item[data-what="attribute"]').click()
        expect(tree.locator(".xt-copy-note")).to_have_text("copied Python attribute")
        assert page.evaluate("navigator.clipboard.readText()") == (
            "model.distilbert.transformer.layer[1]"
        )
        tree.locator(".xt-copy-button").click()
        tree.locator('.xt-copy-item[data-what="lora"]').click()
        expect(tree.locator(".xt-copy-note")).to_have_text("copied LoRA target_modules")
        lora = page.evaluate("navigator.clipboard.readText()")
        assert lora.startswith("target_modules=['q_lin', 'k_lin', 'v_lin', 'out_lin'"), lora

        # Copy as JSON: the panel's last result, asked from the kernel at the click.
        copy = panel.locator(".xp-copy-json")
        expect(copy).to_have_text("Copy as JSON")
        copy.click()
        expect(panel.locator(".xp-copy-note")).to_have_text("copied the last result as JSON")
        data = json.loads(page.evaluate("navigator.clipboard.readText()"))
        want = kernel_json(jupyter_server, NAME, "w.task_panel.details.results")
        assert data["results"] == want and data["text"] == box.input_value(), data

        # Dark theme: every text at 4.5:1 or better, figures drawn in light text, no white box.
        set_theme(page, "JupyterLab Dark")
        page.wait_for_function(
            "() => { const t = document.querySelector('.xp-sentiment .main-svg .xtick text');"
            " return t && parseInt(getComputedStyle(t).fill.match(/\\d+/)[0]) > 128; }"
        )
        assert_contrast(ex.locator(".xt-root"), "tree, dark", at_least=10)
        assert_contrast(ex.locator(".xp-panel"), "panels, dark", at_least=3)
        fills = ex.locator(
            ".xp-sentiment .main-svg .xtick text, .xp-sentiment .main-svg .ytick text,"
            " .xp-sentiment .main-svg .gtitle"
        ).evaluate_all(SVG_TEXT_JS)
        assert fills and all(luminance(f) > 0.6 for f in fills), fills
        backgrounds = ex.locator(".main-svg .bg, .main-svg rect.bg").evaluate_all(
            "(els) => els.map((e) => getComputedStyle(e).fill + ' ' + e.getAttribute('style'))"
        )
        assert all("255, 255, 255" not in b for b in backgrounds), backgrounds
        screenshot(page, "look_narrow_dark")
        set_theme(page, "JupyterLab Light")
        assert_contrast(ex.locator(".xt-root"), "tree, light", at_least=10)
        assert_contrast(ex.locator(".xp-panel"), "panels, light", at_least=3)
    finally:
        context.close()
