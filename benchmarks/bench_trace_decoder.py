"""Cost of explorer.trace over the bare SDPA forward on a Qwen2-0.5B-shape decoder classifier.

Qwen2Config with Qwen2-0.5B's sizes (24 layers, hidden 896, 14 query heads sharing 2 key/value
heads, vocabulary 151,936), random weights, sequence classification, 128 tokens of the real
bert-base-uncased vocabulary, CPU, float32. Runs are interleaved; medians and their ratio to the
bare forward are printed, with the parts of a trace timed apart (the per-module recording hooks,
the attention capture) to say where the time goes. Peak memory is measured in a fresh
subprocess per run (resident-set high-water mark, reset after the model is built), since
tracemalloc does not see torch's allocations.

    python benchmarks/bench_trace_decoder.py [--reps 12] [--threads N] [--tokens 128]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import transformers as tf  # noqa: E402
from bench_trace import WORDS, compare, tokenizer  # noqa: E402  (the trace bench's helpers)

from explorer.heads import (
    classify_inputs,  # noqa: E402
    trace,  # noqa: E402
)
from explorer.trace.attention import capture_attention  # noqa: E402
from explorer.trace.record import recording  # noqa: E402
from explorer.trace.run import eval_mode  # noqa: E402


def qwen2_05b(seed: int = 0) -> torch.nn.Module:
    """Qwen2-0.5B's shape as a sequence classifier, random weights, SDPA."""
    config = tf.Qwen2Config(
        vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
        num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768,
        rope_theta=1000000.0, tie_word_embeddings=True, num_labels=2, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = tf.Qwen2ForSequenceClassification._from_config(config, attn_implementation="sdpa")
    return model.eval()


def text_of(tok, tokens: int) -> str:
    """A text the tokenizer turns into exactly ``tokens`` tokens (special tokens included)."""
    words: list[str] = []
    while len(tok(" ".join(words))["input_ids"]) < tokens:
        words.append(WORDS[len(words) % len(WORDS)])
    return " ".join(words)


def runners(model, tok, text) -> dict:
    feed = classify_inputs(model, tok, text).feed

    def bare():
        with torch.inference_mode():
            model(**feed)

    def hooks_only():  # the per-module recording of a trace, nothing else
        with eval_mode(model, inference=False), recording(model):
            model(**feed)

    def capture_only():  # the attention capture of a trace, nothing else
        with eval_mode(model, inference=False), capture_attention(model, None) as captured:
            model(**feed)
        return captured

    def bare_no_grad():  # the bare forward under no_grad, as a trace runs it
        with torch.no_grad():
            model(**feed)

    def traced():
        return trace(model, tok, text)

    def traced_and_read():  # and the attention weights and info of every layer
        t = trace(model, tok, text)
        read = []
        for i in range(model.config.num_hidden_layers):
            read.append(t.attention(f"model.layers.{i}.self_attn"))
            read.append(t.attention_info(f"model.layers.{i}.self_attn"))
        return t, read

    return {
        "bare SDPA forward": bare,
        "bare, under no_grad": bare_no_grad,
        "recording hooks": hooks_only,
        "attention capture": capture_only,
        "trace": traced,
        "trace + 24 attentions": traced_and_read,
    }


def peak(kind: str, tokens: int, threads: int | None) -> None:
    """(Subprocess) RSS high-water mark of one first run, and the RSS its result keeps, over the
    RSS once the model is built."""
    if threads:
        torch.set_num_threads(threads)
    model, tok = qwen2_05b(), tokenizer()
    text = text_of(tok, tokens)
    run = runners(model, tok, text)[kind]
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed build memory back first
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark to the current RSS
    base = _status("VmRSS")
    keep = run()  # noqa: F841 - the trace stays alive, as a user keeps it
    print(json.dumps({"base": base, "peak": _status("VmHWM"), "after": _status("VmRSS")}))


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def measure_peak(kind: str, tokens: int, threads: int | None) -> dict:
    args = [sys.executable, __file__, "--peak", kind, "--tokens", str(tokens)]
    if threads:
        args += ["--threads", str(threads)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=12)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--peak", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    args = parser.parse_args()
    if args.peak:
        return peak(args.peak, args.tokens, args.threads)
    if args.threads:
        torch.set_num_threads(args.threads)
    model, tok = qwen2_05b(), tokenizer()
    text = text_of(tok, args.tokens)
    params = sum(p.numel() for p in model.parameters())
    print(f"Qwen2-0.5B shape ({params:,} parameters), {args.tokens} tokens, "
          f"{torch.get_num_threads()} threads, {args.reps} interleaved runs")  # fmt: skip
    compare(runners(model, tok, text), args.reps)
    if args.no_memory:
        return
    print("memory over the built model (RSS, first run in a fresh subprocess each):")
    for kind in ("bare SDPA forward", "attention capture", "trace", "trace + 24 attentions"):
        got = measure_peak(kind, args.tokens, args.threads)
        print(f"{kind:22s} peak {(got['peak'] - got['base']) / 2**20:7.1f} MiB   "
              f"held after {(got['after'] - got['base']) / 2**20:7.1f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
