"""The entities panel in JupyterLab and Notebook 7: typing marks the entities tag() finds, the
aggregation switch, per-token scores on hover, keys kept, themes, narrow screens, long texts."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from .checks import assert_contrast, kernel_json, notebook_shape, set_theme, wait_kernel_json
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
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch, explorer, _tiny_models as tm\n"
    "from explorer import tag\n"
    "torch.set_num_threads(1)\n"
    "tok = tm.tokenizer(token_type_ids=False)\n"
    "ner = tm.build('distilbert_ner')\n"
    "def shown(p):\n"
    "    end, out = 0, []  # what the view can mark: spans in text order, each character once\n"
    "    for r in p.details.entities:\n"
    "        if r['start'] >= end:\n"
    "            out.append(p.details.text[r['start']:r['end']]); end = r['end']\n"
    "    return out",
    "w = explorer.explore(ner, tok, height=300)\nw",
    ("markdown", "A markdown cell the shortcuts would turn into code (**y**) or delete."),
    "print('last cell')",
]
COMMAND_KEYS = ["a", "b", "d", "d", "x", "m", "y", "z", "Shift+m"]
TYPED = "Ada <b>Lovelace</b> met Charles Babbage in London & Paris"


def marked(panel) -> list[str]:
    """The marked texts in the page, without their type-and-score tags."""
    return panel.locator("mark.xp-ent").evaluate_all(
        "ms => ms.map(m => [...m.childNodes].filter(n => n.nodeType === 3)"
        ".map(n => n.textContent).join(''))"
    )


@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_typing_into_the_entities_panel(jupyter_server, browser_page, front_end):
    page, server = browser_page, jupyter_server
    name = f"entities_{front_end}.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    page.set_viewport_size({"width": 1280, "height": 1400})
    (open_notebook if front_end == "lab" else open_notebook7)(page, server, name)
    # Notebook 7 itself may log errors while it starts (plugins this private setup leaves out):
    # none may come after, from running or using the panel.
    own_errors = list(page.page_errors)
    run_all_cells(page, timeout=240)
    panel = cell(page, 1).locator(".xp-entities-panel")
    status = panel.locator(".xp-status")
    expect(status).to_contain_text("tokens", timeout=60_000)
    expect(panel.locator("mark.xp-ent").first).to_be_visible(timeout=60_000)
    assert marked(panel) == kernel_json(server, name, "shown(w.task_panel)")

    # -- typing, key by key: the kernel tags the newest text; the page marks what it found ------
    box = panel.locator(".xp-text textarea")
    box.fill("")
    expect(status).to_have_text("Type a text to tag.")
    expect(panel.locator("mark.xp-ent")).to_have_count(0)
    box.press_sequentially(TYPED, delay=40)
    wait_kernel_json(server, name, "w.task_panel.details and w.task_panel.details.text", TYPED)
    want = kernel_json(server, name, f"tag(ner, tok, {TYPED!r})")
    assert kernel_json(server, name, "w.task_panel.details.entities") == want
    spans = kernel_json(server, name, "shown(w.task_panel)")
    expect(panel.locator("mark.xp-ent")).to_have_count(len(spans))
    assert marked(panel) == spans
    assert panel.locator(".xp-entities b").count() == 0  # the typed <b> is text, not markup
    plain = panel.locator(".xp-entities").evaluate(
        "v => { const c = v.cloneNode(true); c.querySelectorAll('.xp-ent-tag')"
        ".forEach(t => t.remove()); return c.textContent; }"
    )
    assert plain == TYPED  # every typed character shown once, as text
    runs = kernel_json(server, name, "w.task_panel.runs")
    assert runs <= len(TYPED) + 2, runs  # never more than a run per keystroke (+ the first)

    # -- keys typed in the panel never reach the notebook's command-mode shortcuts -------------
    shape = notebook_shape(page)
    for target in (box, panel.locator(".xp-aggregation select")):
        target.focus()
        for key in COMMAND_KEYS:
            page.keyboard.press(key)
        assert notebook_shape(page) == shape, target

    # -- the aggregation switch regroups the same scores (no new forward pass) ------------------
    kernel_exec(server, name, f"w.task_panel.text = {TYPED!r}")
    wait_kernel_json(server, name, "w.task_panel.details.text", TYPED)
    passes = kernel_json(server, name, "w.task_panel.forward_passes")
    panel.locator(".xp-aggregation select").select_option("none")
    wait_kernel_json(server, name, "w.task_panel.details.aggregation_strategy", "none")
    expect(panel.locator(".xp-window-note")).to_contain_text("none: one result per token")
    spans = kernel_json(server, name, "shown(w.task_panel)")
    expect(panel.locator("mark.xp-ent")).to_have_count(len(spans))
    assert marked(panel) == spans
    assert kernel_json(server, name, "w.task_panel.forward_passes") == passes
    label = kernel_json(server, name, "w.task_panel.details.entities[0]['entity']")
    expect(panel.locator(".xp-ent-tag").first).to_contain_text(label)

    # -- hovering the heatmap names a token and a label's probability ---------------------------
    plot = panel.locator(".xp-plot-graph")
    expect(plot.locator(".main-svg").first).to_be_visible()
    drag = plot.locator(".nsewdrag").first
    box_ = drag.bounding_box()
    page.mouse.move(box_["x"] + box_["width"] * 0.2, box_["y"] + box_["height"] * 0.5)
    hover = plot.locator(".hoverlayer .hovertext")
    expect(hover).to_contain_text("characters", timeout=20_000)
    expect(hover).to_contain_text(re.compile(r"\(token \d+\)"))
    screenshot(page, f"entities_{front_end}", panel)

    # -- a 100,000-character text: tagged to the model's window, and the panel says so ---------
    kernel_exec(server, name, "w.task_panel.text = 'Ada Lovelace wrote to Babbage. ' * 3300")
    expect(panel.locator(".xp-note")).to_contain_text("Text truncated", timeout=60_000)
    expect(panel.locator(".xp-note")).to_contain_text("of 102,300 were tagged")
    expect(panel.locator(".xp-ent-rest")).to_have_count(1)
    box.fill("Grace Hopper")  # and it answers the next keystrokes at once
    wait_kernel_json(server, name, "w.task_panel.details.text", "Grace Hopper")
    expect(panel.locator(".xp-note")).to_have_text("")
    assert kernel_json(server, name, "w.task_panel.error") is None
    slow = "[anywidget] Failed to initialize model."  # see test_panels.py
    assert [e for e in page.page_errors if slow not in e] == own_errors and page.dialogs == []


def test_entities_read_in_light_and_dark_and_fit_a_narrow_notebook(jupyter_server, browser):
    context = browser.new_context(viewport={"width": 700, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=jupyter_server.base_url)
    page = context.new_page()
    name = "entities_look.ipynb"
    try:
        write_notebook(jupyter_server.root_dir, name, CELLS[:2])
        open_notebook(page, jupyter_server, name)
        run_all_cells(page, timeout=240)
        panel = cell(page, 1).locator(".xp-entities-panel")
        kernel_exec(
            jupyter_server,
            name,
            "w.task_panel.text = 'Angela Merkel met Emmanuel Macron in Paris for the European "
            "Union and Microsoft.'",
        )
        types = kernel_json(
            jupyter_server,
            name,
            "sorted({r['entity_group'] for r in w.task_panel.details.entities})",
        )
        assert len(types) >= 3  # several colours on the page
        expect(panel.locator("mark.xp-ent").first).to_be_visible(timeout=60_000)
        box, pb = panel.locator("textarea").bounding_box(), panel.bounding_box()
        assert box["x"] + box["width"] <= pb["x"] + pb["width"] + 0.5, (box, pb)
        # Copy as JSON: the entities and every token's scores, asked from the kernel at the click.
        panel.locator(".xp-copy-json").click()
        expect(panel.locator(".xp-copy-note")).to_have_text("copied the last result as JSON")
        data = json.loads(page.evaluate("navigator.clipboard.readText()"))
        want = kernel_json(jupyter_server, name, "w.task_panel.details.to_dict()")
        assert (
            data["entities"] == want["entities"]
            and data["windows"][0]["tokens"] == (want["windows"][0]["tokens"])
        )
        view = panel.locator(".xp-entities")
        assert view.evaluate("v => v.scrollWidth <= v.clientWidth + 1")  # wraps, no overflow
        status = panel.locator(".xp-status")  # long counts wrap instead of being cut
        assert status.evaluate("s => s.scrollWidth <= s.clientWidth + 1"), status.inner_text()
        for theme in ("JupyterLab Dark", "JupyterLab Light"):
            set_theme(page, theme)
            found = assert_contrast(view, f"entities, {theme}", at_least=6)
            assert {f["cls"] for f in found} >= {"xp-ent-tag"}
            colours = panel.locator("mark.xp-ent").evaluate_all(
                "ms => [...new Set(ms.map(m => getComputedStyle(m).backgroundColor))]"
            )
            assert len(colours) >= min(3, len(types)), colours
            screenshot(page, f"entities_{theme.split()[-1].lower()}", panel)
    finally:
        try:
            set_theme(page, "JupyterLab Light")
        finally:
            context.close()
