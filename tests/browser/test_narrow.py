"""Issue 22 at 800 px in a real JupyterLab: the QA tab's title, status and footer are whole, its
figure's legend keeps clear of the title and the plot, the treemap's hover label stays inside
the treemap, and the Korean attention heatmap's axis title keeps clear of the token labels."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import set_theme
from .harness import REPO, cell, kernel_exec, open_and_run, screenshot, write_notebook

NAME = "narrow.ipynb"
SETUP = (
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import _tiny_models as tm, explorer\n"
)
CELLS = [
    SETUP + "qa = explorer.explore(tm.build('distilbert_qa'), tm.tokenizer(token_type_ids=False))\n"
    "qa",
    "sst = explorer.explore(tm.build('distilbert_sst2'), tm.tokenizer(token_type_ids=False),"
    " lang='ko')\nsst.task_panel.text_box.value = '이 영화는 정말 재미있었다!'\n"
    "sst.task_panel.flush()\nsst.selected = 'distilbert.transformer.layer.0.attention'\nsst",
]
CUT = "e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1"
BOXES = """(d, sels) => sels.map(s => [...d.querySelectorAll(s)].map(e => {
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }))"""


def overlaps(a: list, b: list, slack: float = 0.5) -> bool:
    return (
        a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack
    )


def test_narrow_panels_and_figures(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 800, "height": 1400})
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=240)
    out = cell(page, 0)
    panel = out.locator(".xp-qa")
    expect(panel.locator("mark.xp-answer")).to_have_count(1, timeout=60_000)

    # The tabs: each title whole ("Question answering", not "Question an").
    tabs = out.locator(".lm-TabBar-tab")
    expect(tabs.first).to_have_text("Question answering")
    for label in out.locator(".lm-TabBar-tabLabel").all():
        assert not label.evaluate(CUT), label.inner_text()
    # The status line and the footer (the output shapes) wrap instead of being cut.
    for line in (panel.locator(".xp-status"), panel.locator(".xp-shape")):
        expect(line).to_be_visible()
        assert not line.evaluate(CUT), line.inner_text()
    expect(panel.locator(".xp-status")).to_contain_text("ms")
    expect(panel.locator(".xp-shape")).to_contain_text("(1, ")

    # The figure: its title (the legend's) above the legend's entries, both above the plot.
    graph = panel.locator(".xp-plot-graph")
    graph.scroll_into_view_if_needed()
    title, entries, plot = graph.evaluate(
        BOXES, [".legendtitletext", ".legend .traces", ".nsewdrag"]
    )
    assert len(title) == 1 and len(entries) >= 4 and len(plot) == 1
    expect(graph.locator(".legendtitletext")).to_contain_text("tokens")  # the figure's title
    for e in entries:
        assert not overlaps(title[0], e), (title, e)
        assert not overlaps(plot[0], e), (plot, e)
    box = graph.bounding_box()
    for e in entries:  # inside the figure, not cut at its right edge
        assert box["x"] - 1 <= e[0] and e[2] <= box["x"] + box["width"] + 1, (e, box)
    screenshot(page, "narrow_qa_light", panel)

    # The treemap's hover label of a deep module stays inside the treemap.
    kernel_exec(server, NAME, "qa.selected = 'distilbert.transformer.layer.0.attention'")
    treemap = out.locator(".xp-plot-graph").first
    page.wait_for_function(
        "d => [...d.querySelectorAll('g.slice')].some(g => /out_lin$/.test(g.__data__.data.data.id))",
        arg=treemap.element_handle(),
    )
    treemap.scroll_into_view_if_needed()
    (target,) = [
        r
        for r, name in treemap.evaluate(
            """d => [...d.querySelectorAll('g.slice')].map(g => {
                 const r = g.querySelector('path.surface').getBoundingClientRect();
                 return [[r.left, r.top, r.right, r.bottom], g.__data__.data.data.id]; })"""
        )
        if name.endswith("attention.out_lin")
    ]
    page.mouse.move(target[2] - 8, target[3] - 8)  # its far corner: the label flips inwards
    label = treemap.locator(".hoverlayer .hovertext")
    expect(label).to_contain_text("attention.out_lin")
    tb, lb = treemap.bounding_box(), label.bounding_box()
    assert tb["x"] <= lb["x"] and lb["x"] + lb["width"] <= tb["x"] + tb["width"] + 1, (lb, tb)
    screenshot(page, "narrow_treemap_hover", treemap)

    # Dark theme: the same panel, its texts in the theme's colours.
    set_theme(page, "JupyterLab Dark")
    panel.scroll_into_view_if_needed()
    screenshot(page, "narrow_qa_dark", panel)
    set_theme(page, "JupyterLab Light")

    # Korean attention heatmap: the query axis title keeps clear of the token labels.
    ko = cell(page, 1)
    ko.get_by_role("tab", name="Inside").click()
    heat = ko.locator(".xp-inside .xp-plot-graph").filter(has=page.locator(".heatmaplayer"))
    expect(heat.locator(".heatmaplayer image:visible").first).to_be_visible()
    heat.first.scroll_into_view_if_needed()
    ytitle, yticks, xticks = heat.first.evaluate(BOXES, [".g-ytitle", ".ytick text", ".xtick text"])
    assert ytitle and len(yticks) >= 5
    assert heat.first.locator(".g-ytitle").text_content().startswith("쿼리")
    for t in yticks + xticks:
        assert not overlaps(ytitle[0], t), (ytitle, t)
    screenshot(page, "narrow_attention_ko", heat.first)
    assert page.page_errors == []
