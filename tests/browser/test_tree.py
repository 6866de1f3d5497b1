"""The Explorer in a real JupyterLab: lazy tree, linked treemap, keyboard, search, text-only names."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from .checks import focused_key, kernel_value, set_theme
from .harness import (
    REPO,
    cell,
    kernel_exec,
    open_and_run,
    screenshot,
    time_to_render,
    write_notebook,
)

EVIL = "<img src=x onerror=alert(1)>"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import explorer, _tiny_models as tiny\n"
    "model = tiny.build('distilbert_sst2')\n"
    "w = explorer.explore(model, task=None)\n"
    "w",
    "import torch.nn as nn\n"
    "evil = nn.Sequential()\n"
    f"evil.add_module({EVIL!r}, nn.Sequential(nn.Linear(4, 4), nn.ReLU()))\n"
    "evil.add_module('ok', nn.Linear(4, 2))\n"
    "w2 = explorer.explore(evil, task=None)\n"
    "w2",
    "print('ready')",
]


def row(scope, path):
    return scope.locator(f'.xt-row[data-key="{path}"]')


def stable_box(page, locator, timeout=10.0):
    """The locator's bounding box once two reads 100 ms apart agree (an animation has ended)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        box = locator.bounding_box()
        if box is not None and box == last or time.monotonic() > deadline:
            return box
        last = box
        page.wait_for_timeout(100)  # poll interval of a condition wait


def wait_focus(page, key: str) -> None:
    """Wait until the row ``key`` has the focus (keys are handled after a redraw)."""
    try:
        page.wait_for_function(
            "k => document.activeElement && document.activeElement.dataset.key === k",
            arg=key,
            timeout=30_000,
        )
    except Exception:
        raise AssertionError(f"focus on {focused_key(page)!r}, wanted {key!r}") from None


def test_explorer_tree_treemap_keyboard_and_escaping(jupyter_server, browser_page):
    page, name = browser_page, "tree.ipynb"
    frames: list[bytes | str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    write_notebook(jupyter_server.root_dir, name, CELLS)
    open_and_run(page, jupyter_server, name, timeout=240)
    tree = cell(page, 0)

    # The root shows with its type; the first levels came with the widget.
    root = row(tree, "")
    expect(root).to_contain_text("DistilBertForSequenceClassification")
    expect(root).to_have_attribute("aria-expanded", "true")
    expect(tree.locator(".main-svg").first).to_be_visible()
    screenshot(page, "tree_light_initial")

    # Clicking opens: distilbert's children were sent first, transformer's are asked for.
    row(tree, "distilbert").click()
    expect(row(tree, "distilbert.embeddings")).to_be_visible()
    row(tree, "distilbert.transformer").click()
    expect(row(tree, "distilbert.transformer.layer")).to_be_visible()
    row(tree, "distilbert.transformer.layer").click()
    group = tree.locator(".xt-group")
    expect(group).to_contain_text("(0-1)")
    expect(group).to_contain_text("2 × TransformerBlock")
    group.click()
    expect(row(tree, "distilbert.transformer.layer.1")).to_be_visible()
    expect(row(tree, "distilbert.transformer.layer")).to_have_attribute("aria-selected", "true")
    assert kernel_value(jupyter_server, name, "w.selected", "distilbert.transformer.layer") == (
        "distilbert.transformer.layer"
    )

    # Python sets the selection: the row is revealed and selected in the browser.
    kernel_exec(jupyter_server, name, "w.selected = 'distilbert.transformer.layer.0.ffn.lin2'")
    lin2 = row(tree, "distilbert.transformer.layer.0.ffn.lin2")
    expect(lin2).to_have_attribute("aria-selected", "true")
    expect(tree.locator(".xt-details")).to_contain_text("[32, 64]")  # the weight's shape

    # Clicking a treemap sector selects the module in the tree (and in Python).
    kernel_exec(jupyter_server, name, "w.selected = ''")
    expect(root).to_have_attribute("aria-selected", "true")
    sector = tree.locator("g.slice").filter(has=page.locator("text", has_text="embeddings"))
    expect(sector.first).to_be_visible()
    box = stable_box(page, sector.first.locator("path.surface"))  # zoom-out animation done
    page.mouse.click(box["x"] + 12, box["y"] + 6)  # on its header, above its children
    emb = row(tree, "distilbert.embeddings")
    expect(emb).to_have_attribute("aria-selected", "true")
    assert kernel_value(jupyter_server, name, "w.selected", "distilbert.embeddings") == (
        "distilbert.embeddings"
    )
    screenshot(page, "tree_light_linked")

    # Keyboard: roving tabindex, arrows move, right/left open and close, Enter toggles.
    assert tree.locator('.xt-row[tabindex="0"]').count() == 1
    emb.focus()
    page.keyboard.press("ArrowRight")  # closed: open it
    expect(emb).to_have_attribute("aria-expanded", "true")
    expect(row(tree, "distilbert.embeddings.word_embeddings")).to_be_visible()  # children came
    page.keyboard.press("ArrowRight")  # open: to its first child
    wait_focus(page, "distilbert.embeddings.word_embeddings")
    page.keyboard.press("ArrowLeft")  # a leaf: to its parent
    wait_focus(page, "distilbert.embeddings")
    page.keyboard.press("ArrowLeft")  # open: close it
    expect(emb).to_have_attribute("aria-expanded", "false")
    expect(row(tree, "distilbert.embeddings.word_embeddings")).to_have_count(0)
    page.keyboard.press("ArrowUp")
    wait_focus(page, "distilbert")
    page.keyboard.press("Enter")  # selects and toggles (closes)
    expect(row(tree, "distilbert")).to_have_attribute("aria-expanded", "false")
    expect(row(tree, "distilbert")).to_have_attribute("aria-selected", "true")
    assert kernel_value(jupyter_server, name, "w.selected", "distilbert") == "distilbert"
    page.keyboard.press("End")
    wait_focus(page, "dropout")
    page.keyboard.press("Home")
    wait_focus(page, "")
    assert tree.locator('.xt-row[tabindex="0"]').count() == 1

    # Search runs in Python over the whole tree and opens the way to each match.
    tree.locator(".xt-search").fill("lin1")
    expect(tree.locator(".xt-status")).to_have_text("2 matches")
    expect(row(tree, "distilbert.transformer.layer.1.ffn.lin1")).to_be_visible()
    expect(tree.locator(".xt-match")).to_have_count(2)
    screenshot(page, "tree_light_search")
    tree.locator(".xt-match").nth(1).click()  # select a match, then leave the search:
    tree.locator(".xt-search").fill("")
    expect(tree.locator(".xt-status")).to_be_hidden()
    lin1 = row(tree, "distilbert.transformer.layer.1.ffn.lin1")  # the whole tree, opened to it
    expect(lin1).to_have_attribute("aria-selected", "true")
    expect(lin1).to_be_visible()
    assert kernel_value(jupyter_server, name, "w.selected", lin1.get_attribute("data-key")) == (
        "distilbert.transformer.layer.1.ffn.lin1"
    )

    # A module name holding HTML is shown as text; nothing runs.
    evil = cell(page, 1)
    evil_row = evil.locator(".xt-node .xt-name", has_text=EVIL)
    expect(evil_row).to_have_text(EVIL)
    assert evil.locator(".xt-root img").count() == 0
    evil_row.click()
    expect(evil.locator(".xt-d-path")).to_have_text(EVIL)
    assert page.dialogs == [] and page.page_errors == [] and page.external_requests == []

    # Dark theme: the tree takes JupyterLab's colours.
    set_theme(page, "JupyterLab Dark")
    bg = tree.locator(".xt-root").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg != "rgb(255, 255, 255)"
    screenshot(page, "tree_dark_linked")
    set_theme(page, "JupyterLab Light")

    # The tree's first message (its comm_open with the whole initial state) stays small.
    opens = [f for f in frames if b"ModuleTree" in (f if isinstance(f, bytes) else f.encode())]
    assert opens, "no frame carried the tree widget's state"
    print(f"tree widget first frame: {min(len(f) for f in opens)} bytes")
    assert min(len(f) for f in opens) < 100_000


def test_huge_models_render_fast_and_small(jupyter_server, browser_page):
    page, name = browser_page, "huge.ipynb"
    frames: list[bytes | str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    setup = (
        f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
        "import explorer\nfrom _models import full_size, synthetic\n"
        "ds = full_size('deepseek-v3')\nsy = synthetic(25_000)"
    )
    write_notebook(jupyter_server.root_dir, name, [setup])
    open_and_run(page, jupyter_server, name, timeout=240)
    times = {}
    for label, code in [
        ("deepseek-v3", "explorer.explore(ds)"),
        ("synthetic-25k", "explorer.explore(sy)"),
    ]:
        times[label] = time_to_render(page, ".xt-row", code=code, timeout=120)
    out = cell(page, 1)
    expect(row(out, "model")).to_be_visible()
    row(out, "model").click()
    row(out, "model.layers").click()
    expect(out.locator(".xt-group").first).to_contain_text("× DeepseekV3DecoderLayer")
    screenshot(page, "tree_deepseek")
    sizes = sorted(
        len(f) for f in frames if b"ModuleTree" in (f if isinstance(f, bytes) else f.encode())
    )
    print(f"cell run -> first tree row: {times} ms; tree first frames: {sizes} bytes")
    assert len(sizes) >= 2 and max(sizes) < 100_000
    assert page.dialogs == [] and page.page_errors == []
