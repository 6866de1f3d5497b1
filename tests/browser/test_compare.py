"""The comparison widget in a real JupyterLab: lazy folds and pages, selection, keys kept inside."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from .harness import (
    REPO,
    cell,
    kernel_exec,
    open_and_run,
    screenshot,
    time_to_render,
    write_notebook,
)

NAME = "compare.ipynb"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import explorer\nfrom torch import nn\nfrom _models import full_size, synthetic\n"
    "seed = explorer.compare(full_size('distilbert-sst2'), full_size('distilbert-squad'))\n"
    "w = seed.widget(height=320)\nw",
    # two 25k-module models a few differences apart (compared later, in a timed cell)
    "a, b = synthetic(25_000), getattr(synthetic, '__wrapped__', synthetic)(25_000)\n"
    "b[0][100][0] = nn.Linear(8, 9)\nb[0][3000][1] = nn.GELU()\ndel b[0][4000]",
    ("markdown", "A markdown cell: its type must not change either."),
    "print('ready')",
]
CELLS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')]
  .map(c => c.classList.contains('jp-MarkdownCell') ? 'markdown' : 'code')"""


def kernel_value(server, name, expr, want, timeout=20.0):
    """Poll the kernel until ``print(expr)`` gives ``want`` (comm messages are asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        got = kernel_exec(server, name, f"print({expr})").strip()
        if got == want or time.monotonic() > deadline:
            return got


def line(scope, path):
    return scope.locator(f'.cmp-item[data-path="{path}"]')


def focused_key(page):
    return page.evaluate("() => document.activeElement && document.activeElement.dataset.key")


def test_compare_lazy_rows_selection_and_keys(jupyter_server, browser_page):
    page = browser_page
    frames: list[bytes | str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    write_notebook(jupyter_server.root_dir, NAME, CELLS)
    open_and_run(page, jupyter_server, NAME, timeout=240)
    seed = cell(page, 0)

    # The summary and the first page came with the widget; the backbone is one folded line.
    expect(seed.locator(".cmp-summary")).to_contain_text(
        "only in A: pre_classifier, classifier (592,130 parameters)"
    )
    expect(seed.locator(".cmp-chip[data-status='changed']")).to_have_text("changed 3")
    fold = seed.locator(".cmp-fold")
    expect(fold).to_have_count(1)
    expect(fold).to_contain_text("89 identical modules")
    expect(line(seed, "distilbert.embeddings.word_embeddings")).to_contain_text(
        "Embedding(28996, 768, padding_idx=0)"
    )
    assert seed.locator(".cmp-in-fold").count() == 0  # the fold's rows are not in the page yet

    # Opening the fold asks Python for its rows.
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "true")
    expect(line(seed, "distilbert.transformer.layer.5.ffn.lin2")).to_be_visible()
    expect(seed.locator(".cmp-in-fold")).to_have_count(89)

    # A click selects a row, in the browser and in the kernel.
    qa = line(seed, "qa_outputs")
    qa.scroll_into_view_if_needed()
    qa.click()
    expect(qa).to_have_attribute("aria-selected", "true")
    assert kernel_value(jupyter_server, NAME, "w.selected", "qa_outputs") == "qa_outputs"
    screenshot(page, "compare_light_seed", seed)

    # Keys typed on a focused row stay in the widget: no notebook shortcut runs.
    focus = page.evaluate("() => document.activeElement.dataset.key")
    assert focus == "qa_outputs"
    cells_before = page.evaluate(CELLS_JS)
    for key in ["a", "b", "d", "d", "x", "m"]:
        page.keyboard.press(key)
    assert page.evaluate(CELLS_JS) == cells_before == ["code", "code", "markdown", "code"]
    page.keyboard.press("ArrowDown")  # the focus stayed on the row: the arrows move it
    expect(page.locator(":focus")).to_have_attribute("data-path", "dropout")
    page.keyboard.press("Enter")  # selects the focused row
    assert kernel_value(jupyter_server, NAME, "w.selected", "dropout") == "dropout"
    assert page.evaluate(CELLS_JS) == cells_before
    focusables = seed.locator(".cmp-body [tabindex]")
    assert focusables.count() > 89
    assert (
        seed.locator(".cmp-body [tabindex]:not([data-lm-suppress-shortcuts='true'])").count() == 0
    )
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator(":focus")).to_have_attribute("data-path", "pre_classifier")

    # Two 25k-module models: from running the cell to the first row (printed, not asserted),
    # then a few lines with the long identical runs folded.
    code = (
        "big = explorer.compare(a, b, labels=('synthetic', 'changed copy'))\n"
        "wb = big.widget(height=320)\nwb"
    )
    ms = time_to_render(page, ".cmp-item", code=code, timeout=120)
    print(f"cell run -> first compare row (25k pair, compare() included): {ms:.0f} ms")
    big = cell(page, 3)
    expect(big.locator(".cmp-summary")).to_contain_text("2 changed (0.100.0, 0.3000.1)")
    screenshot(page, "compare_light_25k_initial", big)
    folds = big.locator(".cmp-fold")
    longest = folds.filter(has_text="14,498 identical modules")
    expect(longest).to_have_count(1)
    longest.click()
    expect(big.locator(".cmp-in-fold")).to_have_count(200)  # one page
    more = big.locator(".cmp-gap")
    expect(more).to_contain_text("14,298 more rows")
    more.click()  # the next page
    expect(big.locator(".cmp-in-fold")).to_have_count(400)
    expect(more).to_contain_text("14,098 more rows")
    more.focus()
    page.keyboard.press("Enter")  # by keyboard too
    expect(big.locator(".cmp-in-fold")).to_have_count(600)

    # Python selects a row deep inside another closed fold: the browser opens the way to it.
    kernel_exec(jupyter_server, NAME, "wb.selected = '0.4321.2'")
    deep = line(big, "0.4321.2")
    expect(deep).to_have_attribute("aria-selected", "true")
    expect(deep).to_be_in_viewport()
    screenshot(page, "compare_light_25k", big)

    # A host switches the language: the summary and the widget's own words follow.
    kernel_exec(jupyter_server, NAME, "w.lang = 'ko'")
    expect(seed.locator(".cmp-summary")).to_contain_text("A에만 있음: pre_classifier, classifier")
    expect(seed.locator(".cmp-fold")).to_contain_text("동일한 모듈 89개")
    screenshot(page, "compare_light_seed_ko", seed)

    # The widgets' first messages (their comm_open with the whole state) stay small.
    raw = [f if isinstance(f, bytes) else f.encode() for f in frames]
    opens = sorted(len(f) for f in raw if b"comm_open" in f and b"CompareWidget" in f)
    print(f"compare widget first frames: {opens} bytes")
    assert len(opens) == 2 and max(opens) < 100_000
    assert page.dialogs == [] and page.page_errors == [] and page.external_requests == []
