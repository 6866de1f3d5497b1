"""Issue 22 in a real JupyterLab: a treemap click shows what a tree selection shows (labels, no
console errors), blocks keep model order, and a tiny selected module is marked where it is."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import wait_kernel_json
from .harness import cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "treemap_select.ipynb"
SEED = "distilbert-base-uncased-finetuned-sst-2-english"
CELLS = [
    "import warnings, explorer\nwarnings.simplefilter('ignore')\n"
    f"model, _ = explorer.load({SEED!r}, weights=False)  # the seed's architecture, on meta\n"
    "w = explorer.explore(model, task=None)\nw",
]
LABELS_JS = """el => [...el.querySelectorAll('g.slice')].map(g => {
  const d = g.__data__; return [d.data.data.id, g.textContent]; })"""
BLOCK = "distilbert.transformer.layer.0"


def shown(out) -> dict:
    """{sector id: its label text} of the treemap as drawn."""
    return dict(out.locator(".xp-plot-graph").evaluate(LABELS_JS))


def wait_drawn(out, sector: str) -> None:
    """Wait until ``sector`` is drawn with its label."""
    try:
        out.page.wait_for_function(
            "([el, id]) => [...el.querySelectorAll('g.slice')].some(g =>"
            " g.__data__.data.data.id === id && g.textContent.trim())",
            arg=[out.locator(".xp-plot-graph").element_handle(), sector],
            timeout=60_000,
        )
    except Exception as exc:
        drawn = shown(out)
        raise AssertionError(f"{sector!r} not drawn with its label; drawn: {drawn}") from exc


def select_in_code(server, out, path: str, level_child: str) -> dict:
    """Select ``path`` as the tree does (its synced field); wait for ``level_child`` drawn."""
    kernel_exec(server, NAME, f"w.selected = {path!r}")
    wait_drawn(out, level_child)
    return shown(out)


def click_sector(page, out, sector: str) -> None:
    """Click the header of the drawn sector ``sector`` (where a user clicks a box's name)."""
    box = out.locator(".xp-plot-graph").evaluate(
        """(el, id) => { const g = [...el.querySelectorAll('g.slice')]
             .find(g => g.__data__.data.data.id === id);
           const r = g.querySelector('path.surface').getBoundingClientRect();
           return {x: r.left, y: r.top, width: r.width, height: r.height}; }""",
        sector,
    )
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 6)


def test_a_treemap_click_shows_what_the_tree_shows(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)
    out = cell(page, 0)
    expect(out.locator("g.slice").first).to_be_visible()

    # Model order: the six blocks left to right, top to bottom, 0 first (Plotly sorted by size).
    layer = select_in_code(server, out, "distilbert.transformer.layer", BLOCK)
    blocks = [k for k in layer if k.count(".") == 3]
    assert blocks == [f"distilbert.transformer.layer.{i}" for i in range(6)]
    boxes = out.locator(".xp-plot-graph").evaluate(
        """el => [...el.querySelectorAll('g.slice')].filter(g => /layer\\.\\d$/.test(
             g.__data__.data.data.id)).map(g => [g.__data__.x0, g.__data__.y0])"""
    )
    assert boxes == sorted(boxes, key=lambda b: (round(b[1]), b[0])), boxes  # reading order

    # The reference: each module selected as the tree selects it.
    want = {
        f"{BLOCK}.attention": select_in_code(
            server, out, f"{BLOCK}.attention", f"{BLOCK}.attention.q_lin"
        ),
        f"{BLOCK}.ffn": select_in_code(server, out, f"{BLOCK}.ffn", f"{BLOCK}.ffn.lin1"),
        BLOCK: select_in_code(server, out, BLOCK, f"{BLOCK}.ffn"),
    }
    assert [want[f"{BLOCK}.attention"][f"{BLOCK}.attention.{n}"] for n in ("q_lin", "out_lin")] == [
        "q_lin591K",
        "out_lin591K",
    ]

    # The same modules clicked in the treemap: the same labels, no console error.
    for sector, parent in [
        (f"{BLOCK}.attention", BLOCK),
        (f"{BLOCK}.ffn", BLOCK),
        (BLOCK, "distilbert.transformer.layer"),
    ]:
        select_in_code(server, out, parent, sector)
        page.console_errors.clear()
        click_sector(page, out, sector)
        wait_kernel_json(server, NAME, "w.selected", sector)
        wait_drawn(out, next(k for k in want[sector] if k != sector))
        assert shown(out) == want[sector], sector
        assert page.console_errors == [], page.console_errors[:3]
        expect(out.locator(".xp-plot-mark")).to_be_visible()
    screenshot(page, "treemap_click_attention", out)

    # A tiny module (LayerNorm, 1,536 of a block's 7.09M) is marked where it is, and named.
    select_in_code(server, out, f"{BLOCK}.sa_layer_norm", f"{BLOCK}.ffn")
    mark, tag = out.locator(".xp-plot-mark"), out.locator(".xp-plot-mark-tag")
    expect(tag).to_have_text("sa_layer_norm")
    ring = mark.bounding_box()
    assert ring["width"] >= 14 and ring["height"] >= 14
    sector = out.locator(".xp-plot-graph").evaluate(
        """(el, id) => { const g = [...el.querySelectorAll('g.slice')]
             .find(g => g.__data__.data.data.id === id); const d = g.__data__;
           return [d.x1 - d.x0, d.y1 - d.y0]; }""",
        f"{BLOCK}.sa_layer_norm",
    )
    assert min(sector) < 14  # too thin to see without the mark
    screenshot(page, "treemap_tiny_selected", out)
    assert page.console_errors == [] and page.page_errors == []
