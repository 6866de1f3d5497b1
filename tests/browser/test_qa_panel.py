"""The QA panel in JupyterLab: answer's window and neighbourhood, busy state, scroll, themes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .checks import kernel_json, set_theme
from .harness import REPO, cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "qa_panel.ipynb"
QUESTION = "Where is item 42?"
CELLS = [
    f"import sys, time\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch\nimport _tiny_models as tm\n"
    "from explorer.widgets.panels import QAPanel\n"
    "from explorer.figures.heads import NEAR, answer_window\n"
    "torch.set_num_threads(1)\n"
    "tok = tm.tokenizer(token_type_ids=False)\n"
    "squad = tm.build('distilbert_qa')\n"
    "slow = {'on': False}  # a test-only hook on this test's own model: seconds per run\n"
    "squad.register_forward_pre_hook(lambda m, a: time.sleep(0.5) if slow['on'] else None)\n"
    "long = ' '.join(f'Item {i} is stored in room {i * 7}.' for i in range(120))",
    f"qp = QAPanel(squad, tok, question={QUESTION!r}, context=long)\nqp",
]
VISIBLE_IN_BOX = """m => { const b = m.closest('.xp-context').getBoundingClientRect();
  const r = m.getBoundingClientRect();
  return r.height > 0 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1; }"""
AFTER = "s => getComputedStyle(s, '::after').content"


def legend_names(qa) -> list[str]:
    return qa.locator(".legend .legendtext").evaluate_all("ts => ts.map(t => t.textContent)")


def test_qa_panel_shows_the_answer_where_it_is(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 1280, "height": 1600})  # the whole panel in screenshots
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)
    qa = cell(page, 1).locator(".xp-qa")
    mark = qa.locator(".xp-context mark.xp-answer")
    expect(mark).to_have_count(1, timeout=60_000)
    top = kernel_json(server, NAME, "qp.details.results[0]")
    home = kernel_json(server, NAME, "answer_window(qp.details)")
    n = kernel_json(server, NAME, "len(qp.details.windows)")
    near = kernel_json(server, NAME, "NEAR")
    assert n > 1 and home == n - 1  # as built: the answer is in the last window only
    expect(mark).to_have_text(top["answer"])

    # -- the answer, far down a long context, is scrolled into view inside its box --------------
    box = qa.locator(".xp-context")
    assert box.evaluate("b => b.scrollHeight > 2 * b.clientHeight")
    page.wait_for_function(f"() => ({VISIBLE_IN_BOX})(document.querySelector('.xp-qa mark'))")
    assert box.evaluate("b => b.scrollTop") > 0
    # ...once: scrolled back by the user, it stays there while the plot's hover changes the DOM
    box.evaluate("b => { b.scrollTop = 0; }")
    plot = qa.locator(".xp-plot-graph")
    plot.locator(".nsewdrag").first.hover()
    expect(plot.locator(".hoverlayer .hovertext").first).to_contain_text(
        re.compile(r"\(token \d+\)")
    )
    assert box.evaluate("b => b.scrollTop") == 0

    # -- the plot: the answer's window, its neighbourhood readable, the rest on a range slider ---
    title = plot.locator(".legendtitletext")  # the figure's title sits above its legend
    expect(title).to_contain_text(f"window {n} of {n}")
    expect(title).to_contain_text("the answer\u2019s window")
    names = legend_names(qa)
    assert "question (never the answer)" in names, names
    assert any(t.startswith(f"answer: \u201c{top['answer']}\u201d (tokens ") for t in names), names
    ticks = plot.locator(".xaxislayer-above g.xtick text")
    count = ticks.count()
    assert 0 < count <= near, count  # not one label per token of the 384
    widths = ticks.evaluate_all("ts => ts.map(t => t.getBoundingClientRect().width)")
    assert max(widths) < 60
    expect(plot.locator(".rangeslider-container")).to_have_count(1)
    expect(qa.locator(".xp-window-note")).to_have_text("the answer\u2019s window")
    qa.scroll_into_view_if_needed()
    screenshot(page, "qa_panel_light", qa)

    # -- another window: the plot and the note say the answer is not there -----------------------
    qa.locator(".widget-dropdown select").select_option(index=0)
    note = f"the answer is not in this window (it is in window {n})"
    expect(qa.locator(".xp-window-note")).to_have_text(note)
    expect(plot.locator(".legendtitletext")).to_contain_text(f"window 1 of {n}")
    expect(plot.locator(".legendtitletext")).to_contain_text(note)
    assert not any(t.startswith("answer:") for t in legend_names(qa))
    assert any(t.startswith("this window\u2019s best") for t in legend_names(qa))
    screenshot(page, "qa_panel_other_window", qa)

    # -- a run of seconds: the panel says it is running ------------------------------------------
    kernel_exec(server, NAME, "slow['on'] = True")
    status = qa.locator(".xp-status")
    question = qa.locator(".xp-question input")
    question.press("End")
    question.press_sequentially(" x", delay=30)
    expect(qa).to_have_class(re.compile(r"\bxp-busy\b"), timeout=10_000)
    assert "running" in status.evaluate(AFTER)
    assert status.evaluate("s => s.scrollWidth <= s.clientWidth + 1")  # not cut off
    screenshot(page, "qa_panel_busy", qa)
    expect(qa).not_to_have_class(re.compile(r"\bxp-busy\b"), timeout=60_000)
    assert status.evaluate(AFTER) in ("none", "normal")
    kernel_exec(server, NAME, "slow['on'] = False")
    expect(plot.locator(".legendtitletext")).to_contain_text(f"{QUESTION} x")
    page.wait_for_function(f"() => ({VISIBLE_IN_BOX})(document.querySelector('.xp-qa mark'))")

    # -- dark theme: no white boxes, the same panel legible --------------------------------------
    set_theme(page, "JupyterLab Dark")
    qa.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the theme's CSS settles (a transition, not a condition)
    backgrounds = plot.locator(".main-svg").evaluate_all(
        "ss => ss.map(s => getComputedStyle(s).backgroundColor)"
    )
    assert set(backgrounds) == {"rgba(0, 0, 0, 0)"}, backgrounds
    screenshot(page, "qa_panel_dark", qa)
    slider = plot.locator(".rangeslider-bg").evaluate("r => getComputedStyle(r).fillOpacity")
    assert slider == "0", slider  # plotly.js draws a transparent fill as fill-opacity 0
    set_theme(page, "JupyterLab Light")
    assert page.page_errors == [] and page.dialogs == []
