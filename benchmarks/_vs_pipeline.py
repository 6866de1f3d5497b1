"""What the head-vs-pipeline benchmarks share: their options, interleaved runs and the ratio table."""

from __future__ import annotations

import argparse
import statistics

import torch
import transformers as tf
from bench_heads import measure

__all__ = ["options", "compare"]


def options(doc: str, reps: int) -> argparse.Namespace:
    """``--reps`` and ``--threads`` (torch's threads are set here)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--reps", type=int, default=reps)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    return args


def compare(cases: dict, reps: int) -> dict[str, float]:
    """Run ``{case: (pipeline call, explorer call)}`` interleaved ``reps`` times; print the
    medians and each case's ratio explorer / pipeline (target <= 1.05x); return the ratios."""
    pairs = []
    for case, (theirs, ours) in cases.items():
        pairs += [(f"pipeline {case}", theirs), (f"explorer {case}", ours)]
    times = measure(pairs, reps)
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"transformers {tf.__version__}, torch threads {torch.get_num_threads()}, reps {reps}")
    for name, value in med.items():
        print(f"{name:>28}: median {value * 1000:9.2f} ms")
    ratios = {case: med[f"explorer {case}"] / med[f"pipeline {case}"] for case in cases}
    for case, ratio in ratios.items():
        print(f"ratio explorer / pipeline, {case}: {ratio:.3f}x (target <= 1.05x)")
    return ratios
