"""First display of an Explorer in JupyterLab + Chromium, with our plotly.js bundle vs the full one.

Measured in one run, one JupyterLab server and one headless Chromium (tests/browser harness):

(a) first Explorer in a fresh kernel: from the Enter that runs ``explorer.explore(model,
    task=None)`` to the first frame after both a tree row (``.xt-row``) and a treemap sector
    (``g.slice``) are in the cell's output (clock and MutationObserver run in the page);
(b) a second Explorer in the same kernel, same measure;
(c) (a) and (b) again with the full plotly.js (the peer: what the package shipped before,
    ``plotly.offline.get_plotlyjs()``), switched per kernel by ``EXPLORER_PLOTLYJS_FULL=1``
    set in the kernel before its first figure;
(d) ``save_html`` sizes of full-size DistilBERT with each bundle: the bare model (meta device;
    a page with no figure inlines no plotly.js) and an Explorer with its classification panel
    (random weights on CPU; the panel's figure makes the page inline plotly.js).

Each repetition opens a new page and a new kernel per variant, alternating the variants so
machine noise hits both alike; medians are printed with ratios (ours / full). Also printed: the
kernel's time inside ``explore()``, when the widget output, the first tree row and the first
sector appeared, and plot.js's performance marks (plotly.js evaluated, first figure drawn).
``--no-static-fallback`` drops the ``text/html`` view Explorer adds to its display, to see what
that costs.

``--panel`` times the README's main command as users meet it instead: ``explorer.explore(model,
tokenizer)`` on ``explorer.load("distilbert-base-uncased-finetuned-sst-2-english")`` (loaded in
the cell before), until the tree, the treemap and the Sentiment panel's bars are painted.

Run: python benchmarks/bench_first_display.py [--reps N] [--model NAME] [--only custom|full]
     [--no-static-fallback] [--panel] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from explorer.plotlyjs import FULL_ENV  # noqa: E402  (only this benchmark sets it)
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    attach_recorders,
    start_server,
    stop_server,
)
from tests.browser.harness import cell, kernel_exec, open_notebook, write_notebook  # noqa: E402

VARIANTS = ("custom", "full")
# Stages seen in the cell: the widget output appears, a tree row, a treemap sector.
STAGES = {"output": ".jp-OutputArea-output", "tree": ".xt-row", "treemap": ".xp-plot g.slice"}
# --panel: the README's main command, explore(model, tokenizer): also the Sentiment panel's bars
PANEL_STAGES = {**STAGES, "bars": ".xp-sentiment .xp-plot-graph g.point"}
SST2 = "distilbert-base-uncased-finetuned-sst-2-english"

# Armed on a cell before the keypress: the clock starts at Enter; each stage's time is when its
# selector first has a new element in the cell, "dom" when all have, "paint" the next frame.
_STAGES_JS = """(el, sels) => {
  const seen = sels.map(s => new Set(el.querySelectorAll(s)));
  const st = {t0: null, dom: null, paint: null, each: sels.map(() => null)};
  const onKey = e => { if (e.key === 'Enter' && st.t0 === null) st.t0 = performance.now(); };
  document.addEventListener('keydown', onKey, true);
  const fresh = i => [...el.querySelectorAll(sels[i])].some(n => !seen[i].has(n));
  const obs = new MutationObserver(() => {
    if (st.t0 === null || st.dom !== null) return;
    sels.forEach((_, i) => {
      if (st.each[i] === null && fresh(i)) st.each[i] = performance.now() - st.t0;
    });
    if (st.each.some(t => t === null)) return;
    st.dom = performance.now() - st.t0;
    obs.disconnect();
    document.removeEventListener('keydown', onKey, true);
    requestAnimationFrame(() => setTimeout(() => { st.paint = performance.now() - st.t0; }, 0));
  });
  obs.observe(el, {childList: true, subtree: true});
  return st;
}"""

_MARKS_JS = """t0 => performance.getEntriesByType('mark')
  .filter(m => m.name.startsWith('xp-') && m.startTime >= t0)
  .map(m => [m.name, m.startTime - t0])"""


def _setup_cell(model: str, full: bool, fallback: bool, panel: bool = False) -> str:
    lines = ["import os, sys, time"]
    if full:
        lines.append(f"os.environ[{FULL_ENV!r}] = '1'")
    lines += [f"sys.path.insert(0, {str(ROOT / 'tests')!r})", "from _models import full_size"]
    if panel:  # as a user loads it (offline: full size, random weights, stand-in tokenizer)
        lines += ["import explorer", f"model, tokenizer = explorer.load({SST2!r})"]
    else:
        lines += ["import explorer", f"model = full_size({model!r})"]
    if not fallback:  # the widget view only, without the static text/html view
        lines += [
            "import ipywidgets, explorer.widgets.app as _app",
            "_app.Explorer._repr_mimebundle_ = ipywidgets.VBox._repr_mimebundle_",
        ]
    return "\n".join(lines)


def _timed_code(name: str, panel: bool = False) -> str:
    call = "explorer.explore(model, tokenizer)" if panel else "explorer.explore(model, task=None)"
    return (
        f"_t = time.perf_counter(); {name} = {call}\n_kernel_s = time.perf_counter() - _t\n{name}"
    )


def time_stages(page, index: int, timeout: float = 120.0, stages: dict = STAGES) -> dict:
    """Run code cell ``index``; ms to each stage, to all of them (dom) and the next frame."""
    target = cell(page, index)
    sels = list(stages.values())
    state = target.evaluate_handle(_STAGES_JS, sels)
    target.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    try:
        page.wait_for_function("st => st.paint !== null", arg=state, timeout=timeout * 1000)
    except Exception as exc:
        raise TimeoutError(
            f"cell {index}: state {state.evaluate('st => st')}, page errors {page.page_errors},"
            f" console errors {page.console_errors[:5]}"
        ) from exc
    st = state.evaluate("st => st")
    out = {"dom": st["dom"], "paint": st["paint"], **dict(zip(stages, st["each"]))}
    out["marks"] = dict(page.evaluate(_MARKS_JS, st["t0"]))
    for sel in sels:  # drawn and visible, not just in the DOM
        assert target.locator(sel).first.is_visible(), sel
    return out


def _delete_session(server, name: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for session in server.api("sessions"):
        if session.get("path") == name:
            req = urllib.request.Request(
                f"{server.base_url}api/sessions/{session['id']}",
                method="DELETE",
                headers={"Authorization": f"token {server.token}"},
            )
            opener.open(req, timeout=30)


def one_kernel(
    browser, server, variant: str, rep: int, model: str, fallback: bool, panel: bool = False
) -> dict:
    """A fresh kernel and page: the first and the second Explorer, timed."""
    name = f"first-{variant}-{rep}.ipynb"
    setup = _setup_cell(model, variant == "full", fallback, panel)
    timed = [_timed_code("w1", panel), _timed_code("w2", panel)]
    write_notebook(server.root_dir, name, [setup, *timed])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = attach_recorders(context.new_page())
    try:
        open_notebook(page, server, name)
        # Run the setup cell alone (Run All would run the timed ones untimed).
        cell(page, 0).locator(".cm-content").click()
        page.keyboard.press("Control+Enter")
        page.wait_for_function(
            "() => /\\[1\\]/.test(document.querySelector('.jp-CodeCell .jp-InputPrompt')"
            "?.innerText || '')",
            timeout=180_000,
        )
        runs = {}
        for which, index in (("first", 1), ("second", 2)):
            runs[which] = time_stages(page, index, stages=PANEL_STAGES if panel else STAGES)
            runs[which]["kernel"] = 1000 * float(kernel_exec(server, name, "print(_kernel_s)"))
        size = kernel_exec(
            server, name, "from explorer.plotlyjs import plotly_js as f; print(len(f()))"
        )
        assert page.page_errors == [], page.page_errors
        return {**runs, "bundle_chars": int(size)}
    finally:
        context.close()
        _delete_session(server, name)


def export_sizes(model: str) -> dict[str, dict[str, int]]:
    """``save_html`` bytes per bundle: the bare model, and an Explorer with a panel figure."""
    import _tiny_models
    import transformers as tf
    from _models import full_size

    import explorer
    from explorer import plotlyjs

    bare = full_size(model)
    config = bare.config
    with_panel = explorer.explore(
        tf.AutoModelForSequenceClassification.from_config(config),  # random weights, CPU
        _tiny_models.tokenizer(token_type_ids=False),
    )
    sizes: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in VARIANTS:
            if variant == "full":
                os.environ[FULL_ENV] = "1"
            plotlyjs.plotly_js.cache_clear()
            try:
                sizes[variant] = {
                    what: explorer.save_html(obj, Path(tmp) / f"{variant}-{what}.html")
                    .stat()
                    .st_size
                    for what, obj in (("model", bare), ("explorer+panel", with_panel))
                }
            finally:
                os.environ.pop(FULL_ENV, None)
                plotlyjs.plotly_js.cache_clear()
    return sizes


def _median(runs: list[dict], which: str, key: str) -> float:
    vals = [r[which][key] for r in runs if r[which].get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def _mark(runs: list[dict], which: str, mark: str) -> float:
    vals = [r[which]["marks"][mark] for r in runs if mark in r[which]["marks"]]
    return statistics.median(vals) if vals else float("nan")


def report(runs: dict[str, list[dict]], model: str, reps: int, panel: bool = False) -> None:
    seen = "tree row, sector and the panel's bars" if panel else "tree row and sector"
    print(f"\n{model}: ms from Enter, median of {reps} (painted = {seen} on screen)")
    head = f"{'':7} {'bundle B':>10} {'':7}{'painted':>8}{'kernel':>8}{'output':>8}{'tree':>7}"
    print(head + f"{'sector':>8}{'plotly.js':>10}{'drawn':>7}")
    for v, rs in runs.items():
        for which in ("first", "second"):
            size = f"{rs[0]['bundle_chars']:>10,}" if which == "first" else " " * 10
            print(
                f"{v if which == 'first' else '':7} {size} {which:7}"
                + "".join(
                    f"{_median(rs, which, k):{w}.0f}"
                    for k, w in (("paint", 8), ("kernel", 8), ("output", 8), ("tree", 7))
                )
                + f"{_median(rs, which, 'treemap'):8.0f}"
                + f"{_mark(rs, which, 'xp-plotly-ready'):10.0f}"
                + f"{_mark(rs, which, 'xp-plot-drawn'):7.0f}"
            )
    if len(runs) == 2:
        for which in ("first", "second"):
            a, b = (_median(runs[v], which, "paint") for v in VARIANTS)
            print(f"ratio custom/full, {which} Explorer painted: {a / b:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--model", default="distilbert-sst2")
    ap.add_argument("--only", choices=VARIANTS, help="measure one variant only")
    ap.add_argument("--no-static-fallback", action="store_true", help="widget view only")
    ap.add_argument("--json", type=Path, help="also write the raw numbers here")
    ap.add_argument("--panel", action="store_true",
                    help=f"time explore(model, tokenizer) of explorer.load({SST2!r}), as the"
                    " README's main command: until the Sentiment panel's bars are painted too")  # fmt: skip
    args = ap.parse_args()
    if args.panel:
        args.model = SST2
    variants = (args.only,) if args.only else VARIANTS

    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="bench-first-display-"))
    (home / "root").mkdir()
    server = start_server(home / "root", home)
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                for rep in range(args.reps):
                    for variant in variants if rep % 2 == 0 else variants[::-1]:
                        r = one_kernel(browser, server, variant, rep, args.model,
                                       not args.no_static_fallback, args.panel)  # fmt: skip
                        runs[variant].append(r)
                        print(f"  rep {rep} {variant:6} {json.dumps(r)}", flush=True)
            finally:
                browser.close()
    finally:
        stop_server(server)
        shutil.rmtree(home, ignore_errors=True)
    report(runs, args.model, args.reps, args.panel)
    if args.panel:
        return
    sizes = export_sizes(args.model)
    for what in sizes["custom"]:
        a, b = sizes["custom"][what], sizes["full"][what]
        print(f"save_html {args.model} {what}: custom {a:,} B, full {b:,} B, ratio {a / b:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "export": sizes}, indent=1))


if __name__ == "__main__":
    main()
