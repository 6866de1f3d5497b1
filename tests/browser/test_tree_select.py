"""Issue 22 in the tree, in a real JupyterLab: a click selects without folding, the details follow
the arrow keys (and the keys are told), the root's name is whole at 1400 and 800 px."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import wait_kernel_json
from .harness import cell, open_and_run, screenshot, write_notebook

NAME = "tree_select.ipynb"
SEED = "distilbert-base-uncased-finetuned-sst-2-english"
CELLS = [
    "import warnings, explorer\nwarnings.simplefilter('ignore')\n"
    f"model, _ = explorer.load({SEED!r}, weights=False)\n"
    "w = explorer.explore(model, task=None)\nw",
]
CUT_JS = "e => e.scrollWidth > e.clientWidth + 1"  # text-overflow: ellipsis at work


def row(scope, path):
    return scope.locator(f'.xt-row[data-key="{path}"]')


def test_tree_click_keys_and_root_name(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 1400, "height": 1000})
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)
    out = cell(page, 0)
    root = row(out, "")
    expect(root).to_contain_text("DistilBertForSequenceClassification")

    # The root's name is whole (the count moves to a second line where the row is narrow).
    name = root.locator(".xt-name")
    for width in (1400, 800):
        page.set_viewport_size({"width": width, "height": 1000})
        expect(name).to_have_text("DistilBertForSequenceClassification")
        assert not name.evaluate(CUT_JS), width
        expect(root.locator(".xt-count")).to_be_visible()
        screenshot(page, f"tree_root_{width}", out.locator(".xt-root"))
    page.set_viewport_size({"width": 1400, "height": 1000})

    # A click selects and opens a closed row; a click on an open row never folds it.
    distilbert = row(out, "distilbert")
    distilbert.click()
    expect(distilbert).to_have_attribute("aria-selected", "true")
    expect(distilbert).to_have_attribute("aria-expanded", "true")
    root.click()
    expect(root).to_have_attribute("aria-selected", "true")
    expect(root).to_have_attribute("aria-expanded", "true")  # it was open: still open
    distilbert.click()
    expect(distilbert).to_have_attribute("aria-expanded", "true")
    wait_kernel_json(server, NAME, "w.selected", "distilbert")
    distilbert.locator(".xt-caret").click()  # the caret folds and unfolds
    expect(distilbert).to_have_attribute("aria-expanded", "false")
    distilbert.locator(".xt-caret").click()
    expect(distilbert).to_have_attribute("aria-expanded", "true")

    # The arrow keys move the selection: the details and Python follow; the keys are told.
    distilbert.focus()
    page.keyboard.press("ArrowDown")  # embeddings
    page.keyboard.press("ArrowDown")  # transformer
    transformer = row(out, "distilbert.transformer")
    expect(transformer).to_be_focused()
    expect(transformer).to_have_attribute("aria-selected", "true")
    expect(out.locator(".xt-d-path")).to_have_text("distilbert.transformer")
    wait_kernel_json(server, NAME, "w.selected", "distilbert.transformer")
    status = out.locator(".xt-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Enter")
    page.keyboard.press("ArrowRight")  # opens it, selection stays
    expect(transformer).to_have_attribute("aria-expanded", "true")
    expect(row(out, "distilbert.transformer.layer")).to_be_visible()  # its children came
    page.keyboard.press("ArrowRight")  # to its first child, which is selected
    expect(row(out, "distilbert.transformer.layer")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")  # back to the parent, selected
    expect(transformer).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # folds it
    expect(transformer).to_have_attribute("aria-expanded", "false")
    screenshot(page, "tree_keys_follow", out)
    out.locator(".xt-search").click()  # the keyboard left the tree: the hint goes
    expect(status).to_be_hidden()
    assert page.page_errors == []
