"""The Inside tab in JupyterLab: type, pick an attention module in the tree, see its weights live."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import kernel_json, set_theme, wait_kernel_json
from .harness import REPO, cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "inside.ipynb"
ATTN = "distilbert.transformer.layer.0.attention"
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch\nimport _tiny_models as tm\nimport explorer\n"
    "torch.set_num_threads(1)\n"
    "tok = tm.tokenizer(token_type_ids=False)\n"
    "sst2 = tm.build('distilbert_sst2')\n"
    "sv = explorer.explore(sst2, tok, height=260)\nsv",
]


def heat_image(plot):
    """The pixels plotly.js drew for the visible heatmap (a data URL), or None."""
    image = plot.locator("g.hm image").first
    return image.get_attribute("href") if image.count() else None


def test_inside_tab_follows_typing_selection_and_heads(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 1280, "height": 1300})
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)
    out = cell(page, 0)

    # Type in the Sentiment tab, as a user does first.
    panel = out.locator(".xp-sentiment")
    box = panel.locator(".xp-text textarea")
    box.fill("")
    box.press_sequentially("a fine film", delay=20)
    wait_kernel_json(server, NAME, "sv.inside.trace and sv.inside.trace.text", "a fine film")

    # The Inside tab: the model itself is selected, so the lens shows, called a probe.
    out.get_by_role("tab", name="Inside").click()
    inside = out.locator(".xp-inside")
    expect(inside.locator(".xp-inside-notes")).to_contain_text("never trained")
    lens = inside.locator(".xp-inside-plot").first
    expect(lens.locator("g.hm image")).to_have_count(1, timeout=60_000)
    expect(lens.locator(".ytick text", has_text="block 2 = prediction")).to_have_count(1)

    # Select an attention module in the tree: its weights, at once.
    for path in ("distilbert", "distilbert.transformer", "distilbert.transformer.layer"):
        out.locator(f'.xt-row[data-key="{path}"]').click()
    out.locator(".xt-group").click()
    out.locator('.xt-row[data-key="distilbert.transformer.layer.0"]').click()
    out.locator(f'.xt-row[data-key="{ATTN}"]').click()
    wait_kernel_json(server, NAME, "sv.inside.kind", "attention")
    title = page.locator(".g-gtitle", has_text=f"{ATTN}: attention of head")
    heat = inside.locator(".xp-inside-plot").filter(has=title)
    expect(heat.locator("g.hm image")).to_have_count(1, timeout=30_000)
    n = kernel_json(server, NAME, "len(sv.inside.trace.tokens)")
    expect(heat.locator("g.xtick")).to_have_count(n)
    expect(heat.locator(".g-gtitle")).to_contain_text("head 1 of 2")
    expect(inside.locator(".xp-inside-stats")).to_contain_text(f"Output shape (1, {n}, 32)")

    # Hover a cell: the exact weight, query and key tokens (escaped text, not markup).
    i, j = 1, n - 1
    want = kernel_json(server, NAME, f"float(sv.inside.trace.attention({ATTN!r})[0][{i}][{j}])")
    area = heat.locator("g.hm image").bounding_box()
    page.mouse.move(area["x"] + (j + 0.5) * area["width"] / n,
                    area["y"] + (i + 0.5) * area["height"] / n)  # fmt: skip
    hover = heat.locator(".hoverlayer .hovertext")
    expect(hover).to_contain_text(f"{want:.6f}")
    expect(hover).to_contain_text("query token (attending): a")
    screenshot(page, "inside_attention_light", inside)

    # Type in the view's own box: the heatmap changes with every result.
    before = heat_image(heat)
    own = inside.locator(".xp-inside-input textarea")
    expect(own).to_have_value("a fine film")
    own.press_sequentially(" <b>and</b> more", delay=20)
    typed = "a fine film <b>and</b> more"
    wait_kernel_json(server, NAME, "sv.inside.trace.text", typed)
    n2 = kernel_json(server, NAME, "len(sv.inside.trace.tokens)")
    expect(heat.locator("g.xtick")).to_have_count(n2)
    page.wait_for_function(
        "([el, old]) => { const im = el.querySelector('g.hm image');"
        " return im && im.getAttribute('href') !== old; }",
        arg=[heat.element_handle(), before],
    )
    expect(heat.locator("g.xtick", has_text="<")).to_have_count(2)  # '<' drawn as text
    assert kernel_json(server, NAME, "sv.task_panel.text") == typed  # it drove the panel

    # Another head.
    inside.locator(".widget-dropdown select").first.select_option(label="head 2")
    expect(heat.locator(".g-gtitle")).to_contain_text("head 2 of 2")
    same = kernel_json(
        server,
        NAME,
        f"bool((sv.inside.attention_plot.figure.data[0].z == "
        f"sv.inside.trace.attention({ATTN!r})[1]).all())",
    )
    assert same is True

    # The model itself again (its tree row): the lens.
    out.locator('.xt-row[data-key=""]').click()
    wait_kernel_json(server, NAME, "sv.inside.kind", "lens")
    expect(lens.locator("g.hm image")).to_have_count(1)
    expect(heat).to_be_hidden()
    screenshot(page, "inside_lens_light", inside)

    # Dark theme: transparent figure backgrounds, texts in the theme's colour.
    set_theme(page, "JupyterLab Dark")
    expect(lens.locator("g.hm image")).to_have_count(1)
    bg = lens.locator(".main-svg").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg in ("rgba(0, 0, 0, 0)", "transparent"), bg
    tick = lens.locator(".ytick text").first.evaluate("e => getComputedStyle(e).fill")
    body = page.evaluate(
        "() => getComputedStyle(document.body).getPropertyValue('--jp-ui-font-color0').trim()"
    )
    assert tick != "rgb(68, 68, 68)", (tick, body)  # not plotly's dark grey on a dark page
    kernel_exec(server, NAME, f"sv.selected = {ATTN!r}")  # from code (the root row is closed)
    expect(heat.locator("g.hm image")).to_have_count(1)
    expect(heat).to_be_visible()
    screenshot(page, "inside_attention_dark", inside)
    set_theme(page, "JupyterLab Light")  # the setting outlives the page: later tests
    assert page.dialogs == [] and page.page_errors == []
