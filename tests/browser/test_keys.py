"""Keys pressed inside the explorer stay there, in JupyterLab and Notebook 7 (default settings)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .checks import focused_key, kernel_value, notebook_shape
from .harness import (
    REPO,
    cell,
    open_notebook,
    open_notebook7,
    run_all_cells,
    screenshot,
    write_notebook,
)

CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch, explorer, _tiny_models as tm\n"
    "tok = tm.tokenizer(token_type_ids=False)\n"
    "w = explorer.explore(tm.build('distilbert_qa'), tok, height=320)\n"
    "w",
    ("markdown", "A markdown cell the shortcuts would turn into code (**y**) or delete."),
    "lin = explorer.explore(torch.nn.Linear(3, 2), task=None, height=200)\nlin",
    "print('last cell')",
]
COMMAND_KEYS = ["a", "b", "d", "d", "x", "m", "y", "z", "Shift+m"]


def press_all(page) -> None:
    for key in COMMAND_KEYS:
        page.keyboard.press(key)


@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_keys_in_the_tree_and_panels_never_reach_the_notebook(
    jupyter_server, browser_page, front_end
):
    page, server = browser_page, jupyter_server
    name = f"keys_{front_end}.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    if front_end == "lab":
        open_notebook(page, server, name)
    else:
        open_notebook7(page, server, name)
    run_all_cells(page, timeout=240)
    shape = notebook_shape(page)
    assert [s.rstrip("*") for s in shape] == ["code", "markdown", "code", "code"]
    ex = cell(page, 0)

    # A tree row: command-mode letters do nothing, arrows move within the tree.
    ex.locator('.xt-row[data-key="distilbert"]').click()
    expect(ex.locator('.xt-row[data-key="distilbert"]')).to_be_focused()
    before = notebook_shape(page)
    press_all(page)
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.activeElement?.dataset.key !== 'distilbert'")
    assert focused_key(page) == "distilbert.embeddings"
    seen = []
    for _ in range(2):
        page.keyboard.press("ArrowUp")
        seen.append(focused_key(page))
    assert seen == ["distilbert", ""], seen
    assert notebook_shape(page) == before  # no cell added, cut, deleted, retyped or selected

    # The search box, the panels' boxes, slider, dropdown and buttons: the same.
    targets = [
        ex.locator(".xt-search"),
        ex.locator(".xp-question input"),
        ex.locator(".xp-context-box textarea"),
        ex.locator(".xp-qa .noUi-handle, .xp-qa .slider-container .ui-slider-handle").first,
        ex.locator(".xp-qa .xt-copy-button, .xp-qa button").first,
    ]
    for target in targets:
        if target.count() == 0 or not target.is_visible():
            continue
        target.focus()
        press_all(page)
        assert notebook_shape(page) == before, target
    # The click selected distilbert; the arrow keys then moved the selection with the focus (the
    # root, the last row focused).
    assert kernel_value(server, name, "w.selected", "") == ""

    # The Explain tab's language buttons.
    ex.locator(".lm-TabBar-tab").filter(has_text="Explain").click()
    ex.locator(".xp-explain button").first.focus()
    press_all(page)
    assert notebook_shape(page) == before

    # A model with no submodules draws at once (no "loading…" row) and keeps its keys too.
    lin = cell(page, 1)  # code cells only: the markdown cell is not counted
    expect(lin.locator(".xt-row")).to_have_count(1)
    expect(lin.locator(".xt-note")).to_have_count(0)
    expect(lin.locator(".xt-d-path")).to_have_text("(root)")
    lin.locator('.xt-row[data-key=""]').click()  # clicking in its output makes its cell active
    before = notebook_shape(page)
    press_all(page)
    assert notebook_shape(page) == before
    screenshot(page, f"keys_{front_end}")
