"""module_tree against torchinfo and wigglystuff, measured in one run: time ratios and totals.

Run: python benchmarks/bench_anatomy.py [--reps N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import torchinfo  # noqa: E402
from _models import full_size, synthetic  # noqa: E402
from wigglystuff.module_tree import _extract_tree  # noqa: E402

import explorer  # noqa: E402
from explorer.treemap import treemap_data  # noqa: E402


def timed(fn, reps: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(reps):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def interleaved(fns: dict, reps: int) -> dict:
    """Median time per function, alternating them so machine noise hits all alike."""
    times = {k: [] for k in fns}
    outs = {}
    for _ in range(reps):
        for k, fn in fns.items():
            gc.collect()
            t = time.perf_counter()
            outs[k] = fn()
            times[k].append(time.perf_counter() - t)
    return {k: (statistics.median(v), outs[k]) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    cases = {
        "deepseek-v3 (meta)": lambda: full_size("deepseek-v3"),
        "llama-2-7b (meta)": lambda: full_size("llama-2-7b"),
        "gpt2 (meta)": lambda: full_size("gpt2"),
        "synthetic 25k modules": lambda: synthetic(25_000),
    }
    print(
        f"{'model':24} {'modules':>8} {'true total':>16} {'explorer':>16} {'torchinfo':>16} "
        f"{'wigglystuff':>16}"
    )
    rows = []
    for name, make in cases.items():
        model = make()
        true = sum(p.numel() for p in model.parameters())
        res = interleaved(
            {
                "explorer": lambda m=model: explorer.module_tree(m),
                "wiggly": lambda m=model: _extract_tree(m),
                "torchinfo": lambda m=model: torchinfo.summary(m, depth=1000, verbose=0),
            },
            args.reps,
        )
        ours, wig, ti = res["explorer"], res["wiggly"], res["torchinfo"]
        n = sum(1 for _ in ours[1].walk())
        print(
            f"{name:24} {n:>8,} {true:>16,} {ours[1].params:>16,} {ti[1].total_params:>16,} "
            f"{wig[1]['total_param_count']:>16,}"
        )
        tm, _ = timed(lambda r=ours[1]: treemap_data(r), args.reps)
        rows.append((name, ours[0], ti[0], wig[0], tm))
    print()
    print(
        f"{'model':24} {'explorer s':>10} {'torchinfo s':>11} {'wiggly s':>9} "
        f"{'vs torchinfo':>12} {'vs wiggly':>9} {'treemap s':>9}"
    )
    for name, a, b, c, tm in rows:
        print(f"{name:24} {a:10.4f} {b:11.4f} {c:9.4f} {a / b:11.3f}x {a / c:8.3f}x {tm:9.4f}")
    print("targets: <= 0.25x torchinfo, <= 1.0x wigglystuff")
    print()
    print("linear growth (synthetic):")
    base = None
    for n in (5_000, 10_000, 20_000, 40_000):
        model = synthetic(n)
        t, root = timed(lambda m=model: explorer.module_tree(m), max(3, args.reps // 2))
        per = t / sum(1 for _ in root.walk()) * 1e6
        base = base or per
        print(f"  {n:>6,} modules: {t:.4f} s, {per:.2f} us/module ({per / base:.2f}x of 5k)")


if __name__ == "__main__":
    main()
