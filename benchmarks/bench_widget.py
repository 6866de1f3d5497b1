"""The explorer widget's first message and time to ready, against wigglystuff's ModuleTreeWidget.

Both are anywidgets showing a collapsible module tree; wigglystuff sends the whole tree at once,
ours sends the root and two levels and the rest on request. Measured in one run:
first-message bytes (json of every synced trait, as the kernel sends it), time from the call to
a ready Python object (median, interleaved), and with ``--browser`` the time from running a cell
to the first tree row drawn in Chromium (JupyterLab, via tests/browser/harness.py).

Run: python benchmarks/bench_widget.py [--reps N] [--browser]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from _models import full_size, synthetic  # noqa: E402
from bench_anatomy import interleaved  # noqa: E402  (same timing loop as the anatomy bench)
from wigglystuff import ModuleTreeWidget  # noqa: E402

from explorer.widgets.app import Explorer  # noqa: E402
from explorer.widgets.tree import ModuleTree  # noqa: E402

MODELS = {
    "distilbert-sst2": lambda: full_size("distilbert-sst2"),
    "distilbert-squad": lambda: full_size("distilbert-squad"),
    "deepseek-v3 (meta)": lambda: full_size("deepseek-v3"),
    "synthetic 25k modules": lambda: synthetic(25_000),
}


def state_bytes(widget) -> int:
    return len(json.dumps(widget.get_state(), separators=(",", ":")).encode())


def python_side(reps: int) -> None:
    print(f"{'model':24} {'tree msg':>10} {'peer msg':>11} {'ratio':>7} "
          f"{'Explorer':>9} {'tree only':>9} {'peer':>8} {'Explorer/peer':>13}")  # fmt: skip
    for name, make in MODELS.items():
        model = make()
        esm = len(ModuleTree(model).get_state()["_esm"])
        r = interleaved(
            {
                "explorer": lambda m=model: Explorer(m),
                "tree": lambda m=model: ModuleTree(m),
                "peer": lambda m=model: ModuleTreeWidget(m),
            },
            reps,
        )
        ours, peer = state_bytes(r["tree"][1]), state_bytes(r["peer"][1])
        plot = len(r["explorer"][1].figure.spec)
        print(
            f"{name:24} {ours:>10,} {peer:>11,} {ours / peer:>7.3f} "
            f"{r['explorer'][0]:>8.3f}s {r['tree'][0]:>8.3f}s {r['peer'][0]:>7.3f}s "
            f"{r['explorer'][0] / r['peer'][0]:>13.2f}"
        )
        print(f"{'':24} (ES module {esm:,} B of ours; treemap figure spec {plot:,} B)")


def browser_side() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server
    from tests.browser.harness import open_and_run, time_to_render, write_notebook

    home = Path(tempfile.mkdtemp(prefix="bench-widget-"))
    (home / "root").mkdir()
    server = start_server(home / "root", home)
    setup = (
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "import explorer\nfrom wigglystuff import ModuleTreeWidget\n"
        "from _models import full_size, synthetic\n"
        "models = {'distilbert-sst2': full_size('distilbert-sst2'),"
        " 'deepseek-v3': full_size('deepseek-v3'), 'synthetic-25k': synthetic(25_000)}\n"
        "explorer.explore(models['distilbert-sst2'], task=None)"  # warm: plotly.js loaded once
    )
    write_notebook(server.root_dir, "bench.ipynb", [setup])
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_and_run(page, server, "bench.ipynb", timeout=300)
            print("\ncell run -> first tree row in Chromium (ms):")
            for name in ("distilbert-sst2", "deepseek-v3", "synthetic-25k"):
                ours = time_to_render(
                    page, ".xt-row", code=f"explorer.explore(models[{name!r}], task=None)"
                )
                peer = time_to_render(
                    page,
                    ".module-tree-root .mt-node",
                    code=f"ModuleTreeWidget(models[{name!r}])",
                )
                print(
                    f"  {name:16} explore {ours:8.0f}   wigglystuff {peer:8.0f}   ratio {ours / peer:.2f}"
                )
            browser.close()
    finally:
        stop_server(server)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--browser", action="store_true", help="also time the first row in Chromium")
    args = ap.parse_args()
    python_side(args.reps)
    if args.browser:
        browser_side()


if __name__ == "__main__":
    main()
