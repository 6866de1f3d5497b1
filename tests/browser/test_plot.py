"""The plotly.js bundle in Chromium (exactly our traces, drawing as the full build does), and
PlotWidget in a real JupyterLab: figures draw from one shared plotly.js and clicks reach Python."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from playwright.sync_api import expect
from plotly.offline import get_plotlyjs

from explorer.plotlyjs import TRACES, plotly_js

from .harness import cell, kernel_exec, open_and_run, screenshot, write_notebook

CELLS = [
    "import plotly.graph_objects as go\n"
    "from explorer.widgets.plot import PlotWidget\n"
    "from explorer.treemap import treemap\n"
    "import torch.nn as nn",
    "bars = PlotWidget(go.Figure(go.Bar(x=['a', 'b', 'c'], y=[1, 3, 2])))\n"
    "clicks = []\n"
    "bars.on_click(clicks.extend)\n"
    "bars",
    "model = nn.Sequential(nn.Linear(50, 50), nn.Sequential(nn.Linear(50, 20), nn.Linear(20, 2)))\n"
    "tm = PlotWidget(treemap(model))\n"
    "tm",
]


def test_plots_share_one_plotly_and_report_clicks(jupyter_server, browser_page):
    page = browser_page
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
    write_notebook(jupyter_server.root_dir, "plot.ipynb", CELLS)
    open_and_run(page, jupyter_server, "plot.ipynb")
    bars = cell(page, 1).locator(".xp-plot .main-svg").first
    expect(bars).to_be_visible()
    expect(cell(page, 1).locator("g.point")).to_have_count(3)
    expect(cell(page, 2).locator("g.slice").first).to_be_visible()
    # Two figures, one copy of plotly.js (our ~1.3 MB bundle, sent as a binary buffer) through
    # the websocket, not one per figure, and not plotly's full ~4.8 MB build.
    big = [n for n in frames if n > 1_000_000]
    assert len(big) == 1 and big[0] < len(get_plotlyjs()) / 2, big

    # A click on the tallest bar reaches Python with its point.
    box = cell(page, 1).locator("g.point path").nth(1).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    show = "print([(p['x'], p['y']) for p in clicks])"
    out = ""
    for _ in range(50):
        out = kernel_exec(jupyter_server, "plot.ipynb", show)
        if "('b', 3)" in out:
            break
        page.wait_for_timeout(200)
    assert "('b', 3)" in out

    # Python changes the figure: the browser redraws in place.
    kernel_exec(
        jupyter_server,
        "plot.ipynb",
        "with bars.batch_update(): bars.data[0].y = [4, 4, 4, 4]; bars.data[0].x = list('abcd')",
    )
    expect(cell(page, 1).locator("g.point")).to_have_count(4)
    # Still 450 px high (plotly's default): an update must not collapse a figure with no height.
    assert cell(page, 1).locator(".xp-plot").bounding_box()["height"] >= 440
    kernel_exec(jupyter_server, "plot.ipynb", "tm.restyle(0, level='1')")
    expect(cell(page, 2).locator("g.slice")).to_have_count(3)
    screenshot(page, "plot-widget")
    assert page.dialogs == [] and page.page_errors == []


# -- the bundle on a blank page: no JupyterLab ------------------------------------------------

# Each figure into its own div; then what the drawing shows, per figure.
_DRAW_JS = """async (figs) => {
  const out = {};
  for (const [name, fig] of Object.entries(figs)) {
    const div = document.createElement("div");
    div.id = name;
    div.style.width = "700px";
    document.body.appendChild(div);
    await Plotly.newPlot(div, fig.data, fig.layout, {displaylogo: false});
    const all = (sel) => [...div.querySelectorAll(sel)];
    out[name] = {
      slices: all("g.slice").map((g) => g.textContent),
      slicePaths: all("g.slice path.surface").map((p) => p.getAttribute("d")),
      pathbar: all("g.pathbar").map((g) => g.textContent),
      points: all("g.point path").map((p) => p.getAttribute("d")),
      lines: all("g.trace.scatter path.js-line").map((p) => p.getAttribute("d")),
      legend: all("g.legend g.traces").map((g) => g.textContent),
      shapes: all(".shapelayer path").map((p) => p.getAttribute("d")),
      xticks: all("g.xtick text").map((t) => t.textContent),
      heatmap: all("g.hm image").length,
      title: all("g.g-gtitle text").map((t) => t.textContent),
    };
    Plotly.Fx.hover(div, [{curveNumber: 0, pointNumber: 1}]);
    out[name].hover = all("g.hovertext").map((g) => g.textContent);
  }
  return out;
}"""


def _figures() -> dict:
    """JSON of every kind of figure explorer draws: treemap (zoomed: pathbar), class bars
    (category axis, hover), span logits (two lines, legend, a shape), a heatmap."""
    import _tiny_models as tm
    from torch import nn

    from explorer.figures.heads import class_bars, span_logits
    from explorer.heads import answer_details, classify_details
    from explorer.treemap import treemap_spec
    from explorer.widgets.plot import PlotWidget

    model = nn.Sequential(nn.Linear(50, 50), nn.Sequential(nn.Linear(50, 20), nn.Linear(20, 2)))
    tree = treemap_spec(model, title="<b>tree</b>")
    tree["data"][0]["level"] = "1"
    cls = classify_details(tm.cached("bert_multilabel"), tm.cached_tokenizer(), "You <b>fool</b>!")
    qa = answer_details(
        tm.cached("bert_qa"), tm.cached_tokenizer(), "Where?", "I live in Berlin.", top_k=1
    )
    heat = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]], x=["a", "b"], y=["c", "d"]))
    figs = {
        "treemap": json.loads(PlotWidget.from_spec(tree).spec),
        "bars": json.loads(class_bars(cls).to_json()),
        "span": json.loads(span_logits(qa).to_json()),
        "heatmap": json.loads(heat.to_json()),
    }
    for name, fig in figs.items():
        assert {t["type"] for t in fig["data"]} <= set(TRACES), name
    return figs


def _draw(browser, source: str, figs: dict) -> tuple[list, dict]:
    page = browser.new_page(viewport={"width": 900, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.set_content("<!DOCTYPE html><html><body></body></html>")
        page.add_script_tag(content=source)
        types = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces).sort()")
        drawn = page.evaluate(_DRAW_JS, figs)
    finally:
        page.close()
    assert errors == []
    return types, drawn


@pytest.fixture(scope="module")
def both_bundles(browser):
    figs = _figures()
    return _draw(browser, plotly_js(), figs), _draw(browser, get_plotlyjs(), figs)


def test_bundle_registers_exactly_our_traces(both_bundles):
    (types, _), (all_types, _) = both_bundles
    assert types == sorted(TRACES)
    assert set(types) < set(all_types) and "pie" in all_types  # the full build has the rest


def test_bundle_draws_every_figure_as_the_full_build_does(both_bundles):
    (_, ours), (_, full) = both_bundles
    assert ours == full  # same sectors, paths, points, lines, legend, shapes, ticks, hovers
    tree, bars, span = ours["treemap"], ours["bars"], ours["span"]
    assert len(tree["slices"]) >= 3 and tree["pathbar"] and tree["title"] == ["<b>tree</b>"]
    assert len(bars["points"]) == 3 and bars["xticks"] == ["toxic", "<b>insult</b>", "위협"]
    assert "<b>insult</b>" in " ".join(bars["hover"])  # escaped label shown as text
    assert len(span["lines"]) == 2 and len(span["legend"]) >= 2 and len(span["shapes"]) >= 1
    assert ours["heatmap"]["heatmap"] == 1 and ours["heatmap"]["xticks"] == ["a", "b"]
