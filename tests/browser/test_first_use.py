"""A new user's first cell: explore a sentiment model, type, read the Korean explanation.

The model is the README's: distilbert-base-uncased-finetuned-sst-2-english, full size, loaded as a
user would (offline here: its packaged config with random weights, labelled untrained). Also makes
the README's picture (artifacts/screenshots/first_use_inside.png, copied to docs/explorer.png when
it should change).
"""

from __future__ import annotations

from playwright.sync_api import expect

from .harness import cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "first_use.ipynb"
CELLS = [
    "import explorer\n"
    "model, tokenizer = explorer.load('distilbert-base-uncased-finetuned-sst-2-english')",
    "w = explorer.explore(model, tokenizer, height=420)\nw",
]


def test_first_cell_tree_panel_and_korean_explanation(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 1280, "height": 1100})
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)
    out = cell(page, 1)
    expect(out.locator(".xt-row").first).to_contain_text("DistilBertForSequenceClassification")

    # Type a review: the sentiment bars follow.
    panel = out.locator(".xp-sentiment")
    box = panel.locator(".xp-text textarea")
    box.fill("")
    box.type("This movie is great!", delay=30)
    expect(panel.locator(".xp-status")).to_contain_text("tokens", timeout=60_000)
    shown = kernel_exec(server, NAME, "print(w.task_panel.details.text)")
    assert shown.strip() == "This movie is great!"

    # Select a layer in the tree; the Explain tab explains it, in Korean after the switch.
    out.locator('.xt-row[data-key="distilbert"] .xt-caret').click()
    out.locator('.xt-row[data-key="distilbert.embeddings"] .xt-caret').click()
    out.locator('.xt-row[data-key="distilbert.embeddings.word_embeddings"]').click()
    # The last run's output shape shows in the tree's details (DistilBERT: 768 per token).
    expect(out.locator(".xt-details")).to_contain_text("output shape")
    n = kernel_exec(server, NAME, "print(len(w.task_panel.details.tokens))").strip()
    expect(out.locator(".xt-details")).to_contain_text(f"(1, {n}, 768)")
    out.get_by_role("tab", name="Explain").click()
    out.get_by_role("button", name="한국어").click()
    explain = out.locator(".xp-explain")
    expect(explain).to_contain_text("distilbert.embeddings.word_embeddings")
    want = kernel_exec(
        server,
        NAME,
        "print(explorer.explain(model, 'distilbert.embeddings.word_embeddings', lang='ko')"
        ".split(chr(10))[0])",
    ).strip()
    expect(explain).to_contain_text(want[:40])
    assert kernel_exec(server, NAME, "print(w.selected)").strip() == (
        "distilbert.embeddings.word_embeddings"
    )
    screenshot(page, "first_use", out)

    # Inside the model: the selected attention module's weights for the typed sentence.
    kernel_exec(server, NAME, "w.selected = 'distilbert.transformer.layer.1.attention'")
    kernel_exec(server, NAME, "w.explain_panel.lang = 'en'")  # the Inside tab follows it
    page.set_viewport_size({"width": 1280, "height": 1700})  # the whole output in the picture
    out.get_by_role("tab", name="Inside").click()
    inside = out.locator(".xp-inside")
    expect(inside).to_contain_text("attention of head 1 of 12")
    expect(inside.locator(".xp-plot-graph .heatmaplayer image:visible").first).to_be_visible()
    screenshot(page, "first_use_inside", out)  # the README's picture (docs/explorer.png)
    assert page.dialogs == [] and page.page_errors == []
