"""Shared checks for the browser tests: kernel values, focus, notebook cells, themes, contrast."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from .harness import kernel_exec

if TYPE_CHECKING:
    from .conftest import JupyterServer


# --- shared checks: kernel values, focus, cells, themes, contrast ------------------------------


def kernel_value(server: JupyterServer, name: str, expr: str, want: str, timeout=20.0) -> str:
    """Poll the kernel until ``print(expr)`` gives ``want``; return the last value seen.

    Comm messages arrive asynchronously: a click in the page reaches the kernel a little later.
    """
    deadline = time.monotonic() + timeout
    while True:
        got = kernel_exec(server, name, f"print({expr})").strip()
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)  # poll interval of a condition wait


def kernel_json(server: JupyterServer, name: str, code: str) -> Any:
    """Evaluate expression ``code`` in the kernel of open notebook ``name``; its value via JSON."""
    out = kernel_exec(server, name, f"print(__import__('json').dumps({code}))")
    return json.loads(out)


def wait_kernel_json(
    server: JupyterServer, name: str, code: str, want: Any, timeout: float = 30.0
) -> Any:
    """Poll until :func:`kernel_json` of ``code`` equals ``want``; return it.

    Keystrokes and clicks reach the kernel asynchronously. Raises ``AssertionError`` with the
    last value seen when ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = kernel_json(server, name, code)
        if got == want:
            return got
        time.sleep(0.2)  # poll interval of a condition wait
    raise AssertionError(f"kernel {code!r} = {got!r}, wanted {want!r}")


def focused_key(page: Any) -> str | None:
    """``data-key`` of the focused element (tree rows and comparison lines carry one)."""
    return page.evaluate("() => document.activeElement && document.activeElement.dataset.key")


def notebook_shape(page: Any) -> list[str]:
    """Kind of every cell of the visible notebook and the active one's index: what notebook
    shortcuts (a, b, d d, x, m, arrows) would change."""
    return page.evaluate(
        """() => {
          const cells = [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')];
          return cells.map((c) => (c.classList.contains('jp-CodeCell') ? 'code' : 'markdown')
            + (c.classList.contains('jp-mod-active') ? '*' : ''));
        }"""
    )


def set_theme(page: Any, theme: str, ready: str | None = None) -> None:
    """Settings > Theme > ``theme`` ("JupyterLab Light" / "JupyterLab Dark"), and wait for it.

    Parameters
    ----------
    page : Page
        The JupyterLab page.
    theme : str
        The theme's name as the menu shows it.
    ready : str, optional
        A JavaScript function of ``dark`` (true for a dark theme) to wait on as well, e.g. a
        widget's background having followed the theme.
    """
    from playwright.sync_api import expect

    dark = "Dark" in theme

    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{theme}$")).click()
    expect(page.locator("body")).to_have_attribute(
        "data-jp-theme-light", "false" if dark else "true"
    )
    page.locator("#jupyterlab-splash").wait_for(state="detached")  # the theme-change splash
    page.wait_for_function(  # the theme's variables have reached the page
        """dark => {
          const v = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim();
          return v !== '' && (dark ? v !== 'white' && v !== '#fff' : true);
        }""",
        arg=dark,
    )
    if ready is not None:
        page.wait_for_function(ready, arg=dark)


# Contrast of every visible text in the given roots (WCAG 2 relative luminance). The text colour
# (its alpha times the opacity of it and its ancestors) is laid over the effective background:
# the element's and its ancestors' background colours composited up to the first opaque one.
CONTRAST_JS = """(roots) => {
  const parse = (css) => {
    let m = css.match(/^rgba?\\(([^)]*)\\)$/);
    if (m) {
      const v = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
      return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
    }
    m = css.match(/^color\\(srgb ([^)]*)\\)$/);
    if (m) {
      const v = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
      return [v[0] * 255, v[1] * 255, v[2] * 255, v.length > 3 ? v[3] : 1];
    }
    throw new Error('unparsed colour ' + css);
  };
  const over = (top, base) => [0, 1, 2].map((i) => top[3] * top[i] + (1 - top[3]) * base[i]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = [255, 255, 255];
    for (const c of layers.reverse()) base = over(c, base);
    return base;
  };
  const lum = (c) => {
    const [r, g, b] = c.map((x) => {
      x /= 255;
      return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const out = [];
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.getClientRects().length || !el.checkVisibility({visibilityProperty: true}))
        continue;
      const st = getComputedStyle(el);
      const fg = parse(st.color);
      let alpha = fg[3];
      for (let e = el; e && e !== root.parentElement; e = e.parentElement)
        alpha *= Number(getComputedStyle(e).opacity);
      const bg = background(el);
      const text = over([fg[0], fg[1], fg[2], alpha], bg);
      const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
      out.push({
        ratio: (hi + 0.05) / (lo + 0.05),
        cls: el.className || el.tagName,
        status: el.closest('[data-status]')?.dataset.status || '',
        text: el.textContent.trim().slice(0, 40),
        fg: text.map(Math.round).join(','),
        bg: bg.map(Math.round).join(','),
      });
    }
  }
  return out;
}"""


def text_contrasts(scope: Any) -> list[dict]:
    """Contrast of every visible text element under ``scope`` (a locator of one or more roots):
    ``{ratio, cls, status, text, fg, bg}`` with its effective background (transparent layers
    blended); ``status`` is the nearest ``data-status`` (comparison lines carry one), or ""."""
    return scope.evaluate_all(CONTRAST_JS)


def assert_contrast(scope: Any, label: str, minimum: float = 4.5, at_least: int = 1) -> list:
    """Every visible text under ``scope`` is at ``minimum``:1 or better (WCAG AA); returns all."""
    found = text_contrasts(scope)
    low = [f for f in found if f["ratio"] < minimum]
    assert len(found) >= at_least, f"{label}: only {len(found)} texts found"
    assert not low, f"{label}: below {minimum}:1: {low}"
    return found


def python_kernelspec(root: Any) -> Any:
    """A ``python3`` kernelspec for this interpreter under ``root/jupyter`` (offline hub); returns
    that directory, for ``JUPYTER_PATH``."""
    import sys
    from pathlib import Path

    spec = Path(root) / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python",
                    "env": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}})
    )  # fmt: skip
    return Path(root) / "jupyter"


FILES = ("file:", "blob:", "data:")
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def block_network(page: Any, allowed: tuple[str, ...] = FILES) -> list[str]:
    """Abort every request of ``page`` whose URL starts with none of ``allowed``; the list
    returned fills with the URLs that were tried (and aborted)."""
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked
