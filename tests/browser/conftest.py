"""Fixtures for the real-browser tests: one JupyterLab server, headless Debian Chromium, pages."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_LOCAL_URL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|^(data|blob|about):")


@dataclass
class JupyterServer:
    """A running JupyterLab server (see the module docstring)."""

    base_url: str
    token: str
    root_dir: Path
    home: Path
    process: subprocess.Popen = field(repr=False)

    def url_for(self, name: str) -> str:
        """JupyterLab URL of notebook ``name`` (relative to ``root_dir``), token included."""
        # ``reset``: start from an empty workspace, not the tabs a previous page left open.
        return f"{self.base_url}lab/tree/{quote(name)}?token={self.token}&reset"

    def notebook7_url_for(self, name: str) -> str:
        """Notebook 7 URL of notebook ``name``, token included."""
        return f"{self.base_url}notebooks/{quote(name)}?token={self.token}"

    def api(self, path: str) -> Any:
        """GET ``/api/<path>`` with the token and return the decoded JSON."""
        req = urllib.request.Request(
            f"{self.base_url}api/{path}", headers={"Authorization": f"token {self.token}"}
        )
        with _NO_PROXY.open(req, timeout=10) as resp:
            return json.loads(resp.read().decode())

    @property
    def runtime_dir(self) -> Path:
        """Where the server writes kernel connection files."""
        return self.home / "runtime"


def attach_recorders(page: Any) -> Any:
    """Give ``page`` the lists ``dialogs``, ``console_errors``, ``page_errors``, ``external_requests``.

    Every dialog (alert, confirm, prompt, beforeunload) is recorded and dismissed.
    """
    page.dialogs, page.console_errors = [], []
    page.page_errors, page.external_requests = [], []

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            page.console_errors.append(msg.text)

    def on_request(request: Any) -> None:
        if not _LOCAL_URL.match(request.url):
            page.external_requests.append(request.url)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    page.on("request", on_request)
    return page


def pytest_collection_modifyitems(items: list) -> None:
    """Mark every test under tests/browser as ``browser`` and run them last, in their order:
    the quick tests report first, and CI's transformers 4 run (started beside this one) shares
    the machine with them rather than with the browser."""
    here = Path(__file__).parent
    browser = []
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            browser.append(item)
    moved = {id(item) for item in browser}
    items[:] = [item for item in items if id(item) not in moved] + browser


def _need_chromium() -> None:
    """Skip without Chromium on a dev machine; under CI a missing browser is a failure."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{CHROMIUM} is missing under CI (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); set CI=1 to make this fail")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _isolated_env(home: Path) -> dict[str, str]:
    """Environment for the server and its kernels: private Jupyter dirs, no hub, no proxies."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_PLATFORM_DIRS="0",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def _prepare_home(home: Path) -> None:
    """Kernelspec (this interpreter), page config and user settings in the private dirs."""
    _write_json(
        home / "data" / "kernels" / "python3" / "kernel.json",
        {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "env": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
            "metadata": {"debugger": False},
        },
    )
    # The announcements plugin asks "receive official Jupyter news?" in a toast: off.
    _write_json(
        home / "config" / "labconfig" / "page_config.json",
        {
            "disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True},
            "buildCheck": False,  # a build check per page load costs seconds of CPU
            "buildAvailable": False,
        },
    )
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab"
    # Notebook settings stay JupyterLab's defaults (windowing on, autosave on): what users have.
    _write_json(
        settings / "apputils-extension" / "notification.jupyterlab-settings",
        {"fetchNews": "false", "checkForUpdates": False},
    )
    (home / "ipython").mkdir(exist_ok=True)
    (home / "runtime").mkdir(exist_ok=True)


def start_server(root_dir: Path, home: Path, timeout: float = 90.0) -> JupyterServer:
    """Start JupyterLab serving ``root_dir`` and wait until ``/api/status`` answers."""
    _prepare_home(home)
    port, token = _free_port(), secrets.token_hex(24)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_remote_access=False",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.collaborative=False",
        "--KernelSpecManager.ensure_native_kernel=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed by stop_server
    proc = subprocess.Popen(
        cmd,
        cwd=root_dir,
        env=_isolated_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = JupyterServer(f"http://127.0.0.1:{port}/", token, root_dir, home, proc)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({proc.returncode}):\n{server_log(server)}")
        try:
            if "started" in server.api("status"):
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise TimeoutError(f"JupyterLab not up after {timeout}s:\n{server_log(server)}")
        time.sleep(0.2)  # poll interval of a condition wait, not a fixed delay


def server_log(server: JupyterServer, tail: int = 4000) -> str:
    """The last ``tail`` characters of the server's log (stdout and stderr)."""
    path = server.home / "server.log"
    return path.read_text(errors="replace")[-tail:] if path.exists() else ""


def stop_server(server: JupyterServer) -> None:
    """Stop the server and its kernels: SIGTERM to its process group, SIGKILL after 10 s."""
    proc = server.process
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # kernels live in the same group; make sure none outlives the server
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def jupyter_server() -> JupyterServer:
    """A JupyterLab server on 127.0.0.1 for the whole session (see harness.py)."""
    _need_chromium()
    home = Path(tempfile.mkdtemp(prefix="explorer-jupyter-"))
    root = home / "root"
    root.mkdir()
    server = start_server(root, home)
    try:
        yield server
    finally:
        stop_server(server)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Any:
    """Headless Debian Chromium driven by Playwright (DNS answers only for 127.0.0.1).

    One per test module, not per session: Playwright's sync API keeps its asyncio loop marked
    as running in the main thread while it is open, and would leak that into every test that
    runs after the browser tests (``asyncio.run`` refuses to start inside a running loop).
    """
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    # expect()'s default of 5 s is too short on a busy 2-core machine.
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(browser: Any) -> Any:
    """A fresh page in its own context with ``dialogs``/``console_errors``/... recorders."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = attach_recorders(context.new_page())
    try:
        yield page
    finally:
        context.close()
