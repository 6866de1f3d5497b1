"""Saved pages made the usual way show the explorer (issue 22): a `jupyter nbconvert --to html
--execute` page (widget state saved) opened offline, and a notebook run and saved in JupyterLab,
reopened after its kernel stopped. Both show the static view where the widget cannot render."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request

import nbformat
import pytest
from playwright.sync_api import expect

from .checks import block_network, python_kernelspec
from .harness import cell, open_and_run, screenshot, write_notebook

SEED = "distilbert-base-uncased-finetuned-sst-2-english"
CELLS = [
    "import warnings, explorer\nwarnings.simplefilter('ignore')\n"
    f"model, _ = explorer.load({SEED!r}, weights=False)\n"
    "w = explorer.explore(model, task=None)\nw",
    "explorer.treemap(model)",
]


@pytest.fixture(scope="module")
def executed_page(tmp_path_factory):
    """`jupyter nbconvert --to html --execute course.ipynb`, nothing else: widget state saved."""
    tmp = tmp_path_factory.mktemp("nbconvert-execute")
    write_notebook(tmp, "course.ipynb", [("markdown", "# Inside DistilBERT")] + CELLS)
    env = {**os.environ, "JUPYTER_PATH": str(python_kernelspec(tmp)), "HF_HUB_OFFLINE": "1"}
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute",
         "course.ipynb"],
        cwd=tmp, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return tmp / "course.html"


def test_nbconvert_execute_page_shows_the_explorer_offline(executed_page, browser_page):
    html = executed_page.read_text("utf-8")
    # What made the page blank: nbconvert picked the widget view (its state is saved) and loads
    # the widget manager from a CDN. The static view is now its own output, so it is there too.
    assert "application/vnd.jupyter.widget-state+json" in html
    assert re.search(r"unpkg\.com/@jupyter-widgets/html-manager", html)
    page = browser_page
    blocked = block_network(page)
    page.goto(executed_page.as_uri())
    root = page.locator(".txe-root")
    expect(root).to_have_count(1)
    expect(root).to_have_attribute("data-txe-ready", "1")
    assert any("unpkg.com" in u for u in blocked)  # the CDN was asked for, and is not needed
    tree = root.locator(".txe-live")
    tree.locator('.xt-row[data-key="distilbert"] .xt-caret').click()
    expect(tree.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
    expect(root.locator(".txe-mapbox svg g[data-i]").first).to_be_visible()
    # explorer.treemap(model): Plotly's own mimetype has no renderer here; the SVG copy shows.
    figure = page.locator(".jp-Cell").last.locator(".txe-treemap svg")
    expect(figure).to_be_visible()
    assert figure.locator("rect").count() >= 5
    expect(figure).to_contain_text("word_embeddings")
    assert page.page_errors == []
    screenshot(page, "saved-nbconvert-execute-offline")


def _stop_kernel(server, name: str) -> None:
    from .harness import _kernel_id

    request = urllib.request.Request(
        f"{server.base_url}api/kernels/{_kernel_id(server, name)}",
        method="DELETE",
        headers={"Authorization": f"token {server.token}"},
    )
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30)


def _saved(path, page):
    """The notebook on disk once it holds the first cell's outputs (the save has landed)."""
    for _ in range(150):
        nb = nbformat.read(path, as_version=4)
        if nb.cells[0].get("outputs"):
            return nb
        page.wait_for_timeout(200)  # poll interval of a condition wait (the file on disk)
    raise AssertionError(f"{path} was not saved with its outputs")


def test_jupyterlab_reopened_notebook_shows_the_static_view(jupyter_server, browser_page):
    page, server, name = browser_page, jupyter_server, "reopened.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    open_and_run(page, server, name, timeout=240)
    out, fig = cell(page, 0), cell(page, 1)
    # Live: the widget; its static view (the next output) is there but hidden, and idle.
    expect(out.locator(".xt-root")).to_be_visible()
    expect(out.locator(".txe-root")).to_have_count(1)
    expect(out.locator(".txe-root")).to_be_hidden()
    assert out.locator(".txe-root").get_attribute("data-txe-ready") is None  # its script waits
    # ... and the live tree hid it too (what front-ends without JupyterLab's classes rely on)
    expect(out.locator(".txe-root")).to_have_attribute("hidden", "")
    expect(fig.locator(".jp-RenderedPlotly .main-svg").first).to_be_visible()  # Plotly's own
    expect(fig.locator(".txe-treemap")).to_have_count(0)  # the SVG copy stays in the file
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").click()
    page.keyboard.press("Control+s")  # JupyterLab's default: no widget state saved
    saved = _saved(server.root_dir / name, page)
    assert "widgets" not in saved.metadata
    assert len(saved.cells[0].outputs) == 2  # the widget, then its static view
    _stop_kernel(server, name)

    # Reopened: a new page, a new kernel that holds no model.
    page.goto(server.url_for(name))
    out = cell(page, 0)
    root = out.locator(".txe-root")
    expect(root).to_be_visible(timeout=90_000)
    expect(root).to_have_attribute("data-txe-ready", "1")
    expect(page.get_by_text("model not found")).to_be_hidden()
    assert "model not found" not in out.inner_text()
    root.locator('.xt-row[data-key="distilbert"] .xt-caret').click()
    expect(root.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
    screenshot(page, "saved-jupyterlab-reopened", out)
    # The figure's saved output draws without a kernel (Plotly's renderer), not as the SVG copy.
    scroller = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer")
    scroller.evaluate("e => { e.scrollTop = e.scrollHeight; }")  # windowing: draw the last cell
    expect(cell(page, 1).locator(".jp-RenderedPlotly").first).to_be_visible()  # (its snapshot)
    expect(cell(page, 1).locator(".txe-treemap")).to_have_count(0)
    assert page.page_errors == []
