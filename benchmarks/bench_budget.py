"""budget() against module_tree alone on DeepSeek-V3 (meta): medians, their ratio, and the figures.

Run: python benchmarks/bench_budget.py [--reps N] [--model NAME]
(transformers 5 holds each layer's experts fused; under transformers 4 they are 256 modules
per layer, so the same model has ~75k modules.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import transformers  # noqa: E402
from _models import full_size  # noqa: E402
from bench_anatomy import interleaved  # noqa: E402  (same timing loop as the anatomy bench)

from explorer.anatomy import module_tree  # noqa: E402
from explorer.budget import budget  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--model", default="deepseek-v3")
    args = ap.parse_args()
    model = full_size(args.model)
    n_modules = sum(1 for _ in model.modules())
    res = interleaved(
        {
            "module_tree": lambda: module_tree(model),
            "budget": lambda: budget(model),
            "budget + per-path active": lambda: budget(model).active_by_path(),
        },
        args.reps,
    )
    t_tree, t_budget = res["module_tree"][0], res["budget"][0]
    b = budget(model)
    print(f"{args.model} (meta), transformers {transformers.__version__}, {n_modules:,} modules")
    print(f"  module_tree               {t_tree * 1e3:8.1f} ms")
    print(f"  budget                    {t_budget * 1e3:8.1f} ms   ratio {t_budget / t_tree:.2f}")
    t_all = res["budget + per-path active"][0]
    print(f"  budget + active_by_path   {t_all * 1e3:8.1f} ms   ratio {t_all / t_tree:.2f}")
    print(f"  params {int(b.params):,}  active {int(b.active):,}  embedding {int(b.embedding):,}")
    print(f"  KV cache per token (bfloat16) {int(b.kv_cache_bytes(1)):,} bytes")


if __name__ == "__main__":
    main()
