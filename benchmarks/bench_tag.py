"""explorer.tag against transformers' own token-classification pipeline on the same model.

Full-size DistilBERT token classifier (default config, the nine CoNLL labels, random weights,
CPU) with the real bert-base-uncased vocabulary; a short sentence, a paragraph with word
aggregation, and a long text in overlapping windows (stride). Runs are interleaved; wall and
CPU medians and their ratio to the pipeline are printed (target <= 1.05x).

    python benchmarks/bench_tag.py [--reps 30] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import transformers as tf  # noqa: E402
from bench_trace import compare, tokenizer  # noqa: E402  (the trace bench's helpers)

from explorer import tag  # noqa: E402

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
SHORT = "My name is Wolfgang and I live in Berlin."
PARAGRAPH = (
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday. The European Union said that talks "
    "with the Microsoft Corporation would continue in Brussels, and Hugging Face announced a new "
    "office in New York City, near the Brooklyn Bridge."
)
LONG = PARAGRAPH * 12  # ~900 tokens: three windows of 512 with stride 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    tok = tokenizer()
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
        print(f"-- {label}")
        compare(
            {
                "pipeline": lambda t=text, k=kwargs: pipe(t, **k),
                "explorer.tag": lambda t=text, k=kwargs: tag(model, tok, t, **k),
            },
            args.reps,
        )


if __name__ == "__main__":
    main()
