"""Real-browser harness: JupyterLab on 127.0.0.1 driven by Playwright and Debian's Chromium.

Fixtures (``tests/browser/conftest.py``; every test under tests/browser is marked ``browser``)
--------------------------------------------------------------------------------------------
``jupyter_server`` (session)
    A ``JupyterServer`` (conftest.py): ``base_url``, ``token``, ``root_dir`` (``pathlib.Path``,
    notebooks go there), ``url_for(name)`` (JupyterLab, fresh workspace), ``notebook7_url_for``,
    ``api(path)`` (GET JSON from ``/api/``), ``runtime_dir``. One server per session: random
    free port and token, private config/data/runtime/IPython dirs, no news, no update check,
    no build check, read-only extension manager; notebook settings are JupyterLab's defaults
    (windowing on, autosave on), kernel ``python3`` = this interpreter, ``HF_HUB_OFFLINE=1``.
    Missing ``/usr/bin/chromium`` skips (fails when ``CI`` is set).
``browser`` (session)
    Playwright's ``Browser``: headless ``/usr/bin/chromium``, DNS answers only for 127.0.0.1
    and localhost, so nothing reaches the network. ``expect`` waits up to 30 s.
``browser_page`` (function)
    A fresh ``Page`` (own context, 1280x900) with extra lists: ``page.dialogs``
    (``"alert: message"``; every dialog is dismissed), ``page.console_errors``,
    ``page.page_errors`` (uncaught exceptions), ``page.external_requests`` (``attach_recorders``).

Helpers (in a test module: ``from .harness import open_and_run, cell, ...``)
---------------------------------------------------------------------------
``write_notebook(root_dir, name, cells) -> Path``
    nbformat v4, python3 kernelspec. A str is a code cell; ``("markdown", text)`` a markdown one.
``open_and_run(page, server, name, timeout=120) -> list[CellText]``
    Open in JupyterLab, wait for a connected idle kernel, Run > Run All Cells, wait until every
    code cell is numbered. Raises :class:`NotebookRunError` (every cell's source and output,
    plus dialogs and page errors) on a cell error or a timeout. Halves: ``open_notebook`` and
    ``run_all_cells``; ``wait_kernel_idle`` waits on the status bar.
``cell_outputs(page) -> list[CellText]``: (index, prompt, source, output) of every code cell.
``cell(page, index) -> Locator``: the index-th code cell (``.jp-CodeCell``), 0-based.
``kernel_exec(server, name, code, timeout=30) -> str``
    Run code in the open notebook's own kernel from the test process (jupyter_client on its
    connection file), return stdout. Kernel-side truth without touching the UI.
``append_and_run(page, code, timeout=60) -> str``: new last cell, run it, return its output.
``time_to_render(page, selector, *, code=None, index=None, timeout=60) -> float``
    Milliseconds from the Enter keydown that runs a cell (a new last cell holding ``code``, or
    code cell ``index``) to the first *new* ``selector`` element inside that cell; both ends
    measured in the page (``performance.now()`` + MutationObserver), no polling error.
``screenshot(page, name, locator=None) -> Path``: PNG in ``<repo>/artifacts/screenshots/``.
``open_notebook7(page, server, name)``: Notebook 7 (``/notebooks/NAME``); then ``run_all_cells``.
``dismiss_kernel_dialog(page) -> bool``: accept a "Select Kernel" dialog if one shows (called
    by the openers; not seen with this setup, where an unknown kernelspec silently falls back).
Shared checks (``from .checks import ...``, tests/browser/checks.py): ``kernel_value`` (poll a printed value), ``kernel_json`` / ``wait_kernel_json``
(a kernel expression's value through JSON, once / polled), ``focused_key``, ``notebook_shape``,
``set_theme`` (Settings > Theme, plus an optional extra wait), ``text_contrasts`` and
``assert_contrast`` (WCAG contrast of every visible text).

Example
-------
>>> from playwright.sync_api import expect
>>> from .harness import cell, kernel_exec, open_and_run, write_notebook
>>> def test_tree_renders(jupyter_server, browser_page):
...     write_notebook(jupyter_server.root_dir, "t.ipynb", ["import explorer", "w = ..."])
...     open_and_run(browser_page, jupyter_server, "t.ipynb")
...     expect(cell(browser_page, 1).locator(".my-tree")).to_be_visible()
...     assert kernel_exec(jupyter_server, "t.ipynb", "print(w.selected)") == "encoder\\n"
...     assert browser_page.dialogs == []

Gotchas
-------
- The toolbar's execution indicator says "idle" before the kernel is connected, and a Run All
  clicked then does nothing: wait on the status bar's "| Idle" (``wait_kernel_idle``).
- Without ``?reset`` a new page restores the last page's tabs (and their dead widgets).
- Use a distinct notebook name per test: one name = one session = one shared kernel.
- Each plotly FigureWidget ships its ~5 MB ESM through the comm: seconds per new figure.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .conftest import JupyterServer

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
KERNEL_START_TIMEOUT = 60.0


class NotebookRunError(AssertionError):
    """A notebook did not run cleanly; the message holds every cell's source and output."""


class CellText(NamedTuple):
    """What one code cell shows: index among code cells, prompt, source and output text."""

    index: int
    prompt: str
    source: str
    output: str


def write_notebook(root_dir: Path | str, name: str, cells: list) -> Path:
    """Write an nbformat v4 notebook with a python3 kernelspec and return its path.

    Parameters
    ----------
    root_dir : Path or str
        The server's ``root_dir`` (``jupyter_server.root_dir``).
    name : str
        File name relative to ``root_dir``, e.g. ``"tree.ipynb"`` (sub-folders are created).
    cells : list
        Each item a str (a code cell) or a ``(kind, source)`` pair, kind ``"code"`` or
        ``"markdown"``.
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for item in cells:
        kind, source = ("code", item) if isinstance(item, str) else item
        if kind == "code":
            nb.cells.append(nbformat.v4.new_code_cell(source))
        elif kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            raise ValueError(f"cell kind must be 'code' or 'markdown', got {kind!r}")
    path = Path(root_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def screenshot(page: Any, name: str, locator: Any = None) -> Path:
    """Save a PNG of the page (or of ``locator``) as ``artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (name if name.endswith(".png") else f"{name}.png")
    (locator or page).screenshot(path=str(path))
    return path


# --- driving JupyterLab -----------------------------------------------------------------------

_IDLE = re.compile(r"\|\s*Idle")
_ERROR = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)
_CELLS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')]
  .map(c => [(c.querySelector('.jp-InputPrompt') || {}).textContent || '',
             [...c.querySelectorAll('.cm-line')].map(l => l.textContent).join(String.fromCharCode(10)),
             (c.querySelector('.jp-OutputArea') || {}).innerText
               || (c.querySelector('.jp-OutputArea') || {}).textContent || '',
             !!c.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')])"""


def cell(page: Any, index: int) -> Any:
    """Locator on the ``index``-th code cell (``.jp-CodeCell``) of the visible notebook."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").nth(index)


def cell_outputs(page: Any) -> list[CellText]:
    """Prompt, source and output text of every code cell of the visible notebook."""
    rows = page.evaluate(_CELLS_JS)
    return [CellText(i, r[0].strip(), r[1], r[2]) for i, r in enumerate(rows)]


def _report(page: Any, why: str) -> str:
    lines = [why]
    for c in cell_outputs(page):
        lines.append(f"--- cell {c.index} {c.prompt}\n{c.source}\n>>> output:\n{c.output}")
    for label in ("dialogs", "page_errors", "console_errors"):
        if getattr(page, label, None):
            lines.append(f"--- {label}: {getattr(page, label)}")
    return "\n".join(lines)


def dismiss_kernel_dialog(page: Any) -> bool:
    """Accept a "Select Kernel" dialog (its default, python3) if one is showing; True if it was."""
    dialog = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
    if dialog.count() == 0:
        return False
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached")
    return True


def wait_kernel_idle(page: Any, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """Wait until the status bar says the notebook's kernel is connected and ``Idle``.

    The toolbar's execution indicator reads "idle" before the kernel is even connected;
    a Run All clicked then silently does nothing. The status bar text does not lie.
    """
    from playwright.sync_api import expect

    status = page.locator("#jp-main-statusbar")
    deadline = time.monotonic() + timeout
    while True:  # a "Select Kernel" dialog can appear at any point of the start-up
        dismiss_kernel_dialog(page)
        try:
            expect(status).to_contain_text(_IDLE, timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise NotebookRunError(
                    _report(page, f"kernel not idle after {timeout}s: {status.inner_text()!r}")
                ) from None


def open_notebook(page: Any, server: JupyterServer, name: str, timeout: float = 90.0) -> None:
    """Open notebook ``name`` in JupyterLab and wait for a connected, idle kernel."""
    page.goto(server.url_for(name))
    _wait_all_cells(page, server, name, timeout)
    wait_kernel_idle(page, timeout)


def _wait_all_cells(page: Any, server: JupyterServer, name: str, timeout: float) -> None:
    """Wait until every code cell of the file is in the DOM (needs windowingMode "none")."""
    import nbformat
    from playwright.sync_api import expect

    nb = nbformat.read(str(server.root_dir / name), as_version=4)
    n_code = sum(c.cell_type == "code" for c in nb.cells)
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .cm-content")
    expect(cells).to_have_count(n_code, timeout=timeout * 1000)


def run_all_cells(page: Any, timeout: float = 120.0) -> list[CellText]:
    """Run > Run All Cells, then wait until every code cell is numbered (or one failed).

    Returns the cells' text. Raises :class:`NotebookRunError` on an error output (a stderr
    output holding "Traceback" or "Error") or when ``timeout`` seconds pass.
    """
    before = [c.prompt for c in cell_outputs(page)]
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
    return _wait_cells(page, before, timeout)


def _wait_cells(page: Any, before: list[str], timeout: float, only: int | None = None) -> list:
    """Wait until the cells (or cell ``only``) ran: no ``[*]``, all numbered, changed."""
    deadline = time.monotonic() + timeout
    while True:
        rows = page.evaluate(_CELLS_JS)
        prompts = [r[0].strip() for r in rows]
        if only is not None:
            rows, prompts, before = rows[only : only + 1], prompts[only : only + 1], ["?"]
        started, busy = prompts != before, any("*" in p for p in prompts)
        numbered = all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        # Run All stops at an error: the rest go back to "[ ]". A last cell's error shows as a
        # stderr output with a traceback (or "SomeError:" at the start of a line).
        failed = any(r[3] and _ERROR.search(r[2]) for r in rows)
        if started and not busy and (failed or not numbered):
            raise NotebookRunError(_report(page, "a cell raised"))
        if started and not busy and numbered:
            return cell_outputs(page)
        if time.monotonic() > deadline:
            raise NotebookRunError(_report(page, f"cells not finished after {timeout}s"))
        page.wait_for_timeout(100)  # poll interval of a condition wait


def open_and_run(page: Any, server: JupyterServer, name: str, timeout: float = 120.0) -> list:
    """Open ``name`` in JupyterLab, wait for the kernel, run all cells, wait for them.

    Returns a list of :class:`CellText`; raises :class:`NotebookRunError` with every cell's
    source and output on a cell error or a timeout.
    """
    start = time.monotonic()
    open_notebook(page, server, name, timeout)
    return run_all_cells(page, max(10.0, timeout - (time.monotonic() - start)))


def open_notebook7(page: Any, server: JupyterServer, name: str, timeout: float = 90.0) -> None:
    """Open ``name`` in Notebook 7 (``/notebooks/...``) and wait for a connected idle kernel.

    Notebook 7 has no status bar; its kernel indicator is blank both before start-up and when
    idle, so readiness is: the server counts a websocket connection on an idle kernel, and
    the indicator has gone blank again. ``run_all_cells`` and the rest then work unchanged.
    """
    from playwright.sync_api import expect

    page.goto(server.notebook7_url_for(name))
    _wait_all_cells(page, server, name, timeout)
    deadline = time.monotonic() + timeout
    while True:
        dismiss_kernel_dialog(page)
        try:
            kernel = server.api(f"kernels/{_kernel_id(server, name)}")
            if kernel["connections"] > 0 and kernel["execution_state"] == "idle":
                break
        except LookupError:
            pass
        if time.monotonic() > deadline:
            raise NotebookRunError(_report(page, f"no idle connected kernel after {timeout}s"))
        page.wait_for_timeout(200)  # poll interval of a condition wait
    expect(page.locator(".jp-NotebookKernelStatus")).to_have_text("", timeout=timeout * 1000)


def _kernel_id(server: JupyterServer, name: str) -> str:
    for session in server.api("sessions"):
        if session.get("path") == name and session.get("kernel"):
            return session["kernel"]["id"]
    raise LookupError(f"no running kernel for {name!r}; open the notebook first")


def kernel_exec(server: JupyterServer, name: str, code: str, timeout: float = 30.0) -> str:
    """Run ``code`` in the kernel of open notebook ``name``; return its stdout.

    Talks to the kernel directly (jupyter_client on its connection file), so the notebook's
    UI is untouched. Raises ``RuntimeError`` with the traceback if the code raises.
    """
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()
    client.load_connection_file(str(server.runtime_dir / f"kernel-{_kernel_id(server, name)}.json"))
    client.start_channels()
    out: list[str] = []
    error: list[str] = []

    def hook(msg: dict) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "error":
            error.append("\n".join(content["traceback"]))

    try:
        client.wait_for_ready(timeout=timeout)
        client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
    finally:
        client.stop_channels()
    if error:
        raise RuntimeError(f"kernel code raised:\n{code}\n{error[0]}")
    return "".join(out)


def _append_cell(page: Any, code: str) -> int:
    """Add a code cell holding ``code`` at the end; return its index among code cells."""
    index = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").count()
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-footer").click()
    editor = cell(page, index).locator(".cm-content")
    editor.wait_for()
    editor.click()
    page.keyboard.insert_text(code)  # no auto-indent or bracket closing, unlike typing
    return index


def _run_cell(page: Any, index: int) -> None:
    """Focus code cell ``index``'s editor and run it without advancing (Ctrl+Enter)."""
    cell(page, index).locator(".cm-content").click()
    page.keyboard.press("Control+Enter")


def append_and_run(page: Any, code: str, timeout: float = 60.0) -> str:
    """Add a code cell with ``code`` at the end of the notebook, run it, return its output text.

    Raises :class:`NotebookRunError` if it raises or does not finish within ``timeout`` s.
    """
    index = _append_cell(page, code)
    _run_cell(page, index)
    return _wait_cells(page, [], timeout, only=index)[index].output


_TTR_JS = """(el, sel) => {
  const seen = new Set(el.querySelectorAll(sel));
  const st = {t0: null, ms: null};
  const onKey = e => { if (e.key === 'Enter' && st.t0 === null) st.t0 = performance.now(); };
  document.addEventListener('keydown', onKey, true);
  const obs = new MutationObserver(() => {
    if (st.t0 === null) return;
    for (const n of el.querySelectorAll(sel)) {
      if (!seen.has(n)) {
        st.ms = performance.now() - st.t0;
        obs.disconnect();
        document.removeEventListener('keydown', onKey, true);
        return;
      }
    }
  });
  obs.observe(el, {childList: true, subtree: true});
  return st;
}"""


def time_to_render(
    page: Any,
    selector: str,
    *,
    code: str | None = None,
    index: int | None = None,
    timeout: float = 60.0,
) -> float:
    """Milliseconds from running a cell to the first new ``selector`` element in its output.

    Give ``code`` (a new cell is appended and run) or ``index`` (that code cell is re-run).
    The clock starts at the Enter keydown and stops when a MutationObserver sees a matching
    element that was not in the cell before, both measured in the page (``performance.now``).
    Raises ``TimeoutError`` if nothing matches within ``timeout`` seconds.
    """
    if (code is None) == (index is None):
        raise ValueError("give exactly one of code= or index=")
    if code is not None:
        index = _append_cell(page, code)
    target = cell(page, index)
    state = target.evaluate_handle(_TTR_JS, selector)  # observer armed before the keypress
    _run_cell(page, index)
    try:
        page.wait_for_function("st => st.ms !== null", arg=state, timeout=timeout * 1000)
    except Exception as exc:
        raise TimeoutError(_report(page, f"no new {selector!r} in cell {index}")) from exc
    return float(state.evaluate("st => st.ms"))
