"""PlotWidget in a real JupyterLab: figures draw from one shared plotly.js and clicks reach Python."""

from __future__ import annotations

from playwright.sync_api import expect

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
    # Two figures, one copy of plotly.js (~4.8 MB) through the websocket, not one per figure.
    big = [n for n in frames if n > 1_000_000]
    assert len(big) == 1, big

    # A click on the tallest bar reaches Python with its point.
    box = cell(page, 1).locator("g.point path").nth(1).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    show = "print([(p['x'], p['y']) for p in clicks])"
    page.wait_for_function(
        "() => true", polling=200, timeout=1000
    )  # let the click message reach the kernel before asking it
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
    kernel_exec(jupyter_server, "plot.ipynb", "tm.restyle(0, level='1')")
    expect(cell(page, 2).locator("g.slice")).to_have_count(3)
    screenshot(page, "plot-widget")
    assert page.dialogs == [] and page.page_errors == []
