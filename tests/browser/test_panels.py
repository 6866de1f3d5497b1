"""Live task panels in JupyterLab: real keystrokes in, the kernel's result shown in the page."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import kernel_json, wait_kernel_json
from .harness import REPO, cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "panels.ipynb"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch\nimport _tiny_models as tm\nimport explorer\n"
    "from explorer import answer, classify\n"
    "torch.set_num_threads(1)\n"
    "tok = tm.tokenizer(token_type_ids=False)",
    "sst2 = tm.build('distilbert_sst2')\nsv = explorer.explore(sst2, tok, height=300)\nsv",
    "squad = tm.build('distilbert_qa')\nqv = explorer.explore(squad, tok, height=300)\nqv",
]


def bar_paths(page):
    return (
        cell(page, 1)
        .locator(".xp-sentiment g.point path")
        .evaluate_all("ps => ps.map(p => p.getAttribute('d'))")
    )


def test_typing_drives_the_sentiment_and_qa_panels(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)

    # -- sentiment: type into the text box, key by key -------------------------------------------
    panel = cell(page, 1).locator(".xp-sentiment")
    expect(panel.locator(".xp-status")).to_contain_text("tokens", timeout=60_000)
    expect(panel.locator("g.point")).to_have_count(2, timeout=60_000)
    before = bar_paths(page)
    box = panel.locator(".xp-text textarea")
    box.fill("")
    expect(panel.locator(".xp-status")).to_have_text("Type a text to classify.")
    typed = "terrible plot, but the actors were great"
    box.press_sequentially(typed, delay=40)  # real key events, ~25 per second
    wait_kernel_json(server, NAME, "sv.task_panel.details and sv.task_panel.details.text", typed)
    want = kernel_json(server, NAME, f"classify(sst2, tok, {typed!r})")
    shown = kernel_json(server, NAME, "[r for r in sv.task_panel.details.results]")
    assert shown == want
    status = f"{want[0]['label']}  {want[0]['score']:.3f} (softmax)"
    expect(panel.locator(".xp-status")).to_contain_text(status)
    page.wait_for_function(
        "([sel, old]) => { const ps = [...document.querySelectorAll(sel)];"
        " return ps.length === 2 && ps.some((p, i) => p.getAttribute('d') !== old[i]); }",
        arg=[".xp-sentiment g.point path", before],
    )
    assert bar_paths(page) != before
    runs = kernel_json(server, NAME, "sv.task_panel.runs")
    # at most one run per keystroke (+ the first): work never queues up behind the typing
    assert runs <= len(typed) + 2, runs
    # the selected module's output shape for this input follows a click in the tree
    kernel_exec(server, NAME, "sv.selected = 'distilbert.embeddings'")
    n = kernel_json(server, NAME, f"len(tok({typed!r})['input_ids'])")
    expect(panel.locator(".xp-shape")).to_have_text(
        f"Output of distilbert.embeddings for this input: (1, {n}, 32)"
    )
    panel.scroll_into_view_if_needed()
    shot = screenshot(page, "panels_sentiment", panel)

    # -- QA: type a question; the answer is marked in the context --------------------------------
    qa = cell(page, 2).locator(".xp-qa")
    expect(qa.locator("mark.xp-answer")).to_have_count(1, timeout=60_000)
    question = qa.locator(".xp-question input")
    question.fill("")
    expect(qa.locator(".xp-status")).to_have_text("Type a question.")
    expect(qa.locator("mark.xp-answer")).to_have_count(0)
    asked = "What color is the sky?"
    question.press_sequentially(asked, delay=40)
    wait_kernel_json(
        server, NAME, "qv.task_panel.details and qv.task_panel.details.question", asked
    )
    context = kernel_json(server, NAME, "qv.task_panel.context_box.value")
    want = kernel_json(server, NAME, f"answer(squad, tok, {asked!r}, {context!r}, top_k=3)")
    assert kernel_json(server, NAME, "qv.task_panel.details.results") == want
    expect(qa.locator("mark.xp-answer")).to_have_text(want[0]["answer"])
    expect(qa.locator(".xp-answers li")).to_have_count(len(want))
    tokens = kernel_json(server, NAME, "len(qv.task_panel.details.windows[0].tokens)")
    expect(qa.locator("g.xtick")).to_have_count(tokens)  # a short window: every token labelled
    legend = qa.locator(".legend .legendtext")
    expect(legend.filter(has_text="question (never the answer)")).to_have_count(1)
    expect(legend.filter(has_text=f"answer: \u201c{want[0]['answer']}\u201d")).to_have_count(1)
    expect(qa.locator("path.xp-no-such-thing")).to_have_count(0)
    qa.scroll_into_view_if_needed()
    qshot = screenshot(page, "panels_qa", qa)

    # -- bad input typed into the box: a message in the panel, the widget keeps working ---------
    box.fill("")
    box.press_sequentially("안녕 😀 <b>x</b>", delay=20)
    wait_kernel_json(
        server, NAME, "sv.task_panel.details and sv.task_panel.details.text", "안녕 😀 <b>x</b>"
    )
    assert kernel_json(server, NAME, "sv.task_panel.error") is None
    # anywidget's runtime rejects with this when a model's ESM (plotly.js: ~5 MB) takes over 2 s to
    # initialize, as it can on a busy 2-core machine; everything above still rendered and worked.
    slow = "[anywidget] Failed to initialize model."
    assert [e for e in page.page_errors if slow not in e] == [] and page.dialogs == []
    assert shot.exists() and qshot.exists()
