"""Other front-ends teachers use: Voila (the live widget, typing runs the model) and marimo (the
anywidget tree live, the Explorer as its static view, typing through marimo's own input)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .checks import LOOPBACK, block_network
from .conftest import _free_port, _isolated_env
from .harness import screenshot

REPO = Path(__file__).resolve().parents[2]


def _env(home: Path) -> dict[str, str]:
    """No hub, no proxies, private Jupyter dirs with a kernel for this interpreter."""
    spec = home / "data" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    env = _isolated_env(home)  # the JupyterLab server's: private dirs, no hub, no proxies
    env.update(JUPYTER_PATH=str(home / "data"), MARIMO_SKIP_UPDATE_CHECK="1")
    return env


class Server:
    """A front-end server in its own process group, on 127.0.0.1, stopped by its group id."""

    def __init__(self, cmd: list[str], cwd: Path, home: Path, port: int, timeout: float = 120):
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / "server.log"
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=_env(home), stdout=open(self.log, "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{cmd[2]} exited:\n{self.log.read_text()[-3000:]}")
            try:  # listening: a GET would make Voila run the notebook once more
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"{cmd[2]} not up:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.3)  # poll interval of a condition wait

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(wait)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue


@pytest.mark.slow
def test_voila_shows_the_live_explorer_and_typing_runs_the_model(browser_page, tmp_path):
    shutil.copy(REPO / "notebooks" / "01-seed-walkthrough.ipynb", tmp_path / "seed.ipynb")
    port = _free_port()
    cmd = [sys.executable, "-m", "voila", "seed.ipynb", "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.open_browser=False"]  # fmt: skip
    server = Server(cmd, tmp_path, tmp_path / "home", port)
    try:
        page = browser_page
        blocked = block_network(page, LOOPBACK)
        page.goto(f"http://127.0.0.1:{port}/", timeout=300_000)  # Voila runs the notebook first
        tree = page.locator(".xt-root").first
        expect(tree).to_be_visible(timeout=240_000)
        # A live kernel: the widget shows; its static view (the next output) stays hidden.
        expect(page.locator(".txe-root").first).to_be_hidden()
        panel = page.locator(".xp-sentiment").first
        status = panel.locator(".xp-status")
        expect(status).to_contain_text("15 tokens")  # the notebook's own sentence
        panel.locator("textarea").fill("What a terrible, boring movie.")
        expect(status).to_contain_text("9 tokens")  # the kernel ran the model on the new text
        top = tree.locator('.xt-row[data-key="distilbert"]')
        if top.get_attribute("aria-expanded") != "true":  # the notebook may have opened it
            top.locator(".xt-caret").click()
        expect(tree.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
        screenshot(page, "voila-seed-walkthrough")
        # Voila's own page template asks a CDN for Font Awesome; nothing else leaves the machine.
        assert all("fontawesome" in u for u in blocked), blocked
    finally:
        server.stop()


@pytest.mark.slow
def test_marimo_example_runs_the_tree_the_static_view_and_typing(browser_page, tmp_path):
    name = "05-marimo-explorer.py"
    shutil.copy(REPO / "notebooks" / name, tmp_path / name)
    port = _free_port()
    cmd = [sys.executable, "-m", "marimo", "run", name, "--headless", "--host", "127.0.0.1",
           "--port", str(port), "--no-token"]  # fmt: skip
    server = Server(cmd, tmp_path, tmp_path / "home", port)
    try:
        page = browser_page
        blocked = block_network(page, LOOPBACK)
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        tree = page.locator(".xt-root").first
        expect(tree).to_be_visible(timeout=180_000)  # the anywidget tree, live
        # Its selection drives the next cell (explanation) through marimo's reactivity.
        tree.locator('.xt-row[data-key="embeddings"]').click()
        heading = page.get_by_role("heading", name="embeddings · BertEmbeddings")
        expect(heading).to_be_visible(timeout=60_000)
        # Typing into marimo's text area re-runs the MiniLM cell: the ranking follows the text.
        table = page.locator("table", has_text="cosine similarity").first
        expect(table.locator("tbody tr").first).to_contain_text("guitar")
        page.locator("textarea").first.fill("Shares dropped on Wall Street this morning.")
        page.locator("textarea").first.blur()
        expect(table.locator("tbody tr").first).to_contain_text("stock market", timeout=60_000)
        # The Explorer as a cell's output: its static view (marimo runs no script there).
        expect(page.locator(".txe-root").first).to_be_visible()
        # In mo.iframe the static view's script runs: the full tree, live.
        frame = next(
            f for f in page.frames if f != page.main_frame and f.locator(".txe-root").count()
        )
        expect(frame.locator(".txe-root")).to_have_attribute("data-txe-ready", "1")
        expect(frame.locator(".txe-live .xt-row").first).to_contain_text("BertModel")
        screenshot(page, "marimo-example")
        # marimo's Plotly output asks a CDN for MathJax; nothing else leaves the machine.
        assert all("mathjax" in u for u in blocked), blocked
    finally:
        server.stop()


@pytest.mark.parametrize("front", ["lab", "notebook7"])
def test_jupyter_front_ends_show_the_widget_not_the_static_view(
    jupyter_server, browser_page, front
):
    """JupyterLab and Notebook 7 show the widget; its static view (the next output) stays hidden,
    and its script idle."""
    from .harness import cell, open_and_run, open_notebook7, run_all_cells, write_notebook

    name = f"widget-wins-{front}.ipynb"
    code = (
        "import explorer\nfrom torch import nn\nexplorer.Explorer(nn.Sequential(nn.Linear(2, 3)))"
    )
    write_notebook(jupyter_server.root_dir, name, [code])
    if front == "lab":
        open_and_run(browser_page, jupyter_server, name)
        out = cell(browser_page, 0)
    else:
        open_notebook7(browser_page, jupyter_server, name)
        run_all_cells(browser_page)
        out = browser_page.locator(".jp-CodeCell").first
    expect(out.locator(".xt-root")).to_be_visible()  # the live anywidget tree
    expect(out.locator(".jupyter-widgets").first).to_be_visible()
    static = out.locator(".txe-root")
    expect(static).to_have_count(1)  # in the file, for pages with no kernel
    expect(static).to_be_hidden()
    assert static.get_attribute("data-txe-ready") is None
