"""The next-token panel in JupyterLab and Notebook 7: typing redraws the bars, Generate streams
tokens one by one, Stop stops, a token shows its distribution, keys stay in the panel."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .checks import kernel_json, notebook_shape, wait_kernel_json
from .harness import (
    REPO,
    cell,
    kernel_exec,
    open_notebook,
    open_notebook7,
    run_all_cells,
    screenshot,
    write_notebook,
)

CELLS = [
    f"import sys, time\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch, explorer, _tiny_decoders as td\n"
    "from explorer import next_token, generate_details\n"
    "torch.set_num_threads(1)\n"
    "tok = td.bpe_tokenizer()\n"
    "lm = td.build('gpt2')\n"
    "slow = {'on': False}  # a test-only hook on this test's own model: 0.4 s per token\n"
    "lm.register_forward_pre_hook(lambda m, a: time.sleep(0.4) if slow['on'] else None)",
    "v = explorer.explore(lm, tok, height=300)\nv",
]
COMMAND_KEYS = ["a", "b", "d", "d", "x", "m", "y", "z"]


STEPS = ".xp-causal .xp-steps button.xp-step"


def wait_steps(page, at_least: int) -> None:
    """Wait until the panel shows at least this many step buttons (tokens stream in)."""
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[STEPS, at_least],
        timeout=60_000,
    )  # fmt: skip


def bar_ids(server, name) -> list:
    return kernel_json(server, name, "[r['token_id'] for r in v.task_panel.details.results]")


@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_typing_generating_and_stopping_in_the_next_token_panel(
    jupyter_server, browser_page, front_end
):
    page, server = browser_page, jupyter_server
    name = f"causal_{front_end}.ipynb"
    page.set_viewport_size({"width": 1280, "height": 1500})
    write_notebook(server.root_dir, name, CELLS)
    if front_end == "lab":
        open_notebook(page, server, name)
    else:
        open_notebook7(page, server, name)
    # Notebook 7 itself may log errors while it starts (plugins this private setup leaves out):
    # none may come after, from running or using the panel.
    own_errors = list(page.page_errors)
    run_all_cells(page, timeout=240)
    panel = cell(page, 1).locator(".xp-causal")
    status = panel.locator(".xp-status")
    expect(status).to_contain_text("next:", timeout=60_000)
    expect(panel.locator("g.point")).to_have_count(10, timeout=60_000)

    # -- typing, key by key: the bars are the next token of the typed prompt ---------------------
    box = panel.locator(".xp-text textarea")
    box.fill("")
    expect(status).to_have_text("Type a prompt to see its next token.")
    typed = "The cat sat on the <b>mat</b>"
    box.press_sequentially(typed, delay=40)
    wait_kernel_json(server, name, "v.task_panel.details and v.task_panel.details.text", typed)
    want = kernel_json(server, name, f"[r['token_id'] for r in next_token(lm, tok, {typed!r})]")
    assert bar_ids(server, name) == want
    runs = kernel_json(server, name, "v.task_panel.runs")
    assert runs <= len(typed) + 2, runs  # never more than one run per keystroke
    n = kernel_json(server, name, "len(v.task_panel.details.input_ids)")
    expect(panel.locator(".xp-plot-graph .gtitle")).to_have_text(f"Next token after {n} tokens")

    # -- keys typed in the panel never reach the notebook's shortcuts ----------------------------
    before = notebook_shape(page)
    for target in (box, panel.locator(".xp-generation button").first):
        target.focus()
        for key in COMMAND_KEYS:
            page.keyboard.press(key)
        assert notebook_shape(page) == before
    box.fill(typed)  # the letters typed into the box above are undone
    wait_kernel_json(server, name, "v.task_panel.details and v.task_panel.details.text", typed)

    # -- Generate: tokens arrive one by one; Stop keeps what was made ----------------------------
    kernel_exec(server, name, "slow['on'] = True")
    kernel_exec(server, name, "v.task_panel.controls.max_new_tokens.value = 40")
    panel.locator("button").filter(has_text="Generate").click()
    steps = panel.locator(".xp-steps button.xp-step")
    wait_steps(page, 3)  # the next-token button and two tokens...
    expect(status).to_contain_text("generating")
    wait_steps(page, 5)  # ...and more while it runs
    running = kernel_json(server, name, "[v.task_panel.generation, len(v.task_panel.streamed)]")
    assert running[0] is None and running[1] < 40, running  # still running
    panel.locator("button").filter(has_text="Stop").click()
    expect(status).to_contain_text("ended by Stop", timeout=60_000)
    kernel_exec(server, name, "slow['on'] = False")
    made = kernel_json(server, name, "v.task_panel.generation.new_ids")
    assert 4 <= len(made) < 40
    full = kernel_json(server, name, f"generate_details(lm, tok, {typed!r}, 40).new_ids")
    assert made == full[: len(made)]
    expect(steps).to_have_count(len(made) + 1)
    shown = panel.locator(".xp-generated")
    new_text = kernel_json(server, name, "v.task_panel.generation.new_text")
    assert "<b>mat</b>" in shown.inner_text()  # the prompt's tags shown as text, not markup
    assert new_text.strip() in shown.inner_text()

    # -- a generated token shows the distribution it was drawn from ------------------------------
    steps.nth(2).click()
    title = panel.locator(".xp-plot-graph .gtitle")
    expect(title).to_contain_text(f"Step 2 of {len(made)}")
    wait_kernel_json(server, name, "v.task_panel.shown_step", 1)
    colors = panel.locator("g.point path").evaluate_all(
        "ps => ps.map(p => getComputedStyle(p).fill)"
    )
    assert len(set(colors)) == 2, colors  # the chosen token coloured apart
    steps.first.click()
    expect(title).to_have_text(f"Next token after {n} tokens")
    panel.scroll_into_view_if_needed()
    screenshot(page, f"causal_panel_{front_end}", panel)

    # -- typing after a generation cancels it ----------------------------------------------------
    kernel_exec(server, name, "slow['on'] = True")
    panel.locator("button").filter(has_text="Generate").click()
    wait_steps(page, 2)
    box.press("End")
    box.press_sequentially(" and", delay=40)
    kernel_exec(server, name, "slow['on'] = False")
    wait_kernel_json(
        server, name, "v.task_panel.details and v.task_panel.details.text", typed + " and"
    )
    expect(steps).to_have_count(0)
    assert kernel_json(server, name, "v.task_panel.generation is None")
    expect(status).to_contain_text(re.compile(r"^next: "))
    assert page.page_errors == own_errors and page.dialogs == []
