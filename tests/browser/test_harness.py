"""The browser harness itself: widgets render and sync both ways, failures are reported."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .checks import kernel_value
from .harness import (
    NotebookRunError,
    append_and_run,
    cell,
    kernel_exec,
    open_and_run,
    open_notebook7,
    run_all_cells,
    screenshot,
    time_to_render,
    write_notebook,
)

COUNTER = '''
import anywidget
import traitlets


class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const button = document.createElement("button");
      button.className = "harness-counter";
      const show = () => { button.textContent = "count " + model.get("count"); };
      button.addEventListener("click", () => {
        model.set("count", model.get("count") + 1);
        model.save_changes();
      });
      model.on("change:count", show);
      show();
      el.appendChild(button);
      return () => model.off("change:count", show);
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)


counter = Counter()
counter
'''

WIDGETS = [
    "import ipywidgets\nslider = ipywidgets.IntSlider(value=7, min=0, max=10, description='n')\nslider",
    COUNTER,
    "print('done', 6 * 7)",
]


def test_widgets_render_and_sync(jupyter_server, browser_page):
    page, name = browser_page, "harness_widgets.ipynb"
    write_notebook(jupyter_server.root_dir, name, WIDGETS)
    cells = open_and_run(page, jupyter_server, name)
    assert [c.prompt for c in cells] == ["[1]:", "[2]:", "[3]:"]
    assert "done 42" in cells[2].output

    # ipywidgets through the JupyterLab widget manager.
    slider = cell(page, 0).locator(".widget-slider")
    expect(slider).to_be_visible()
    expect(cell(page, 0).locator(".widget-readout")).to_have_text("7")

    # anywidget: browser -> kernel, then kernel -> browser.
    button = cell(page, 1).locator("button.harness-counter")
    expect(button).to_have_text("count 0")
    button.click()
    button.click()
    expect(button).to_have_text("count 2")
    assert kernel_value(jupyter_server, name, "counter.count", "2") == "2"
    kernel_exec(jupyter_server, name, "counter.count = 40")
    expect(button).to_have_text("count 40")

    cell(page, 0).scroll_into_view_if_needed()
    shot = screenshot(page, "harness_widgets")
    assert shot.stat().st_size > 10_000

    # UI-driven cells and the render timer.
    assert append_and_run(page, "print(slider.value + counter.count)").strip() == "47"
    # time_to_render measures from the Enter keydown to a new element in that cell's output.
    t0 = time.monotonic()
    ms = time_to_render(page, "button.harness-counter", code="Counter(count=5)")
    elapsed_ms = (time.monotonic() - t0) * 1000
    assert 0 < ms < elapsed_ms  # inside the wall-clock span of the whole step, not made up
    expect(cell(page, 4).locator("button.harness-counter")).to_have_text("count 5")

    assert page.dialogs == []
    assert page.page_errors == []
    assert page.console_errors == []
    assert page.external_requests == []


def test_errors_are_reported_with_outputs(jupyter_server, browser_page):
    # 30 cells push the failing one far below the fold: with windowing off, every cell is in the
    # DOM, so the report holds off-screen outputs too.
    name = "harness_error.ipynb"
    write_notebook(
        jupyter_server.root_dir,
        name,
        [f"print('line', {i})" for i in range(30)] + ["1 / 0", "print('never')"],
    )
    with pytest.raises(NotebookRunError) as info:
        open_and_run(browser_page, jupyter_server, name)
    report = str(info.value)
    assert "ZeroDivisionError" in report
    assert "line 0" in report and "line 29" in report
    assert "never" not in report.split(">>> output:")[-1]
    assert browser_page.dialogs == []


def test_notebook7_runs_widgets(jupyter_server, browser_page):
    name = "harness_nb7.ipynb"
    write_notebook(jupyter_server.root_dir, name, [WIDGETS[0], "print(slider.value * 6)"])
    open_notebook7(browser_page, jupyter_server, name)
    cells = run_all_cells(browser_page)
    assert cells[1].output.strip() == "42"
    expect(cell(browser_page, 0).locator(".widget-readout")).to_have_text("7")
    assert browser_page.dialogs == []
