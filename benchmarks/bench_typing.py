"""Typing into the sentiment panel: forward passes and last-keystroke-to-result latency.

50 keystrokes at 20 per second (the text box's value set char by char every 50 ms on a running
asyncio loop, as ipykernel delivers them) into a SentimentPanel on a full-size DistilBERT
(DistilBertConfig(), random weights, CPU) with the real bert-base-uncased tokenizer. The peer,
measured in the same run, is the naive panel: an observer that classifies on every keystroke.
A keystroke that arrives while the loop is busy waits, as a comm message waits in a kernel.

    python benchmarks/bench_typing.py [--threads N] [--delay 0.2] [--max-wait 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import ipywidgets  # noqa: E402
import torch  # noqa: E402
import transformers as tf  # noqa: E402

from explorer.figures import class_bars, update_class_bars  # noqa: E402
from explorer.heads import classify_details  # noqa: E402
from explorer.widgets.panels import SentimentPanel  # noqa: E402
from explorer.widgets.plot import PlotWidget  # noqa: E402

TEXT = "the plot is thin, but the actors make it a joy!!!!"  # 50 keystrokes
KEY_INTERVAL = 0.05  # 20 keystrokes per second


class TimedPanel(SentimentPanel):
    """The real panel, noting when each result reaches the figure."""

    def __init__(self, *args, **kwargs):
        self.shown: list[tuple[float, str]] = []
        super().__init__(*args, **kwargs)

    def _show(self, details):
        super()._show(details)
        self.shown.append((time.perf_counter(), details.text))


class NaivePanel:
    """The peer: a text box whose observer classifies every keystroke, in order."""

    def __init__(self, model, tok):
        self.model, self.tok = model, tok
        self.text_box = ipywidgets.Textarea(value="", continuous_update=True)
        self.figure = PlotWidget(class_bars(classify_details(model, tok, "start")))
        self.forward_passes = 0
        self.shown: list[tuple[float, str]] = []
        self.details = None
        self.text_box.observe(self._changed, "value")

    def _changed(self, change):
        if not change["new"].strip():
            return
        self.details = classify_details(self.model, self.tok, change["new"])
        self.forward_passes += 1
        update_class_bars(self.figure, self.details)
        self.shown.append((time.perf_counter(), self.details.text))


async def type_into(panel, text: str, settle: float) -> dict:
    """Type ``text`` at 20 keys/s on this loop; wait until the final text's result is shown."""
    loop = asyncio.get_running_loop()
    panel.text_box.value = ""
    before = panel.forward_passes
    pressed: list[float] = []
    start = loop.time() + 0.1

    def key(i: int) -> None:
        pressed.append(time.perf_counter())
        panel.text_box.value = text[: i + 1]

    for i in range(len(text)):
        loop.call_at(start + i * KEY_INTERVAL, key, i)
    while len(pressed) < len(text) or not any(t == text for _, t in panel.shown):
        await asyncio.sleep(0.005)
    await asyncio.sleep(settle)  # nothing may run after the final result
    final = [when for when, t in panel.shown if t == text]
    scheduled_last = pressed[0] + (len(text) - 1) * KEY_INTERVAL
    return {
        "passes": panel.forward_passes - before,
        "latency_ms": (final[0] - scheduled_last) * 1000,
        "late_key_ms": max(0.0, (pressed[-1] - scheduled_last) * 1000),
        "typing_s": pressed[-1] - pressed[0],
        "shows_last": panel.details is not None and panel.details.text == text,
        "stale_after": [t for when, t in panel.shown if when > final[0] and t != text],
    }


def main() -> None:
    assert len(TEXT) == 50
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # One thread: two on a shared 2-core machine thrash (a forward goes from ~0.1 s to ~1 s).
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--max-wait", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import _tiny_models as tm

    tok = tm.tokenizer(token_type_ids=False)
    model = tf.DistilBertForSequenceClassification(tf.DistilBertConfig()).eval()
    classify_details(model, tok, TEXT)  # warm-up
    times = []
    for _ in range(5):
        one = time.perf_counter()
        classify_details(model, tok, TEXT)
        times.append(time.perf_counter() - one)
    forward_ms = statistics.median(times) * 1000

    ours = TimedPanel(model, tok, text="start", delay=args.delay, max_wait=args.max_wait)
    naive = NaivePanel(model, tok)
    ours_r = asyncio.run(type_into(ours, TEXT, settle=args.delay + 0.5))
    naive_r = asyncio.run(type_into(naive, TEXT, settle=0.3))

    print(f"full-size DistilBERT, {args.threads} thread(s), one classify of the final text "
          f"(median of 5): {forward_ms:.0f} ms")  # fmt: skip
    print(f"{len(TEXT)} keystrokes at {1 / KEY_INTERVAL:.0f}/s; panel delay={args.delay}s, "
          f"max_wait={args.max_wait}s")  # fmt: skip
    print(f"{'':28}{'panel':>10}{'naive':>10}{'ratio':>9}")
    rows = [
        ("forward passes", "passes", "{:.0f}"),
        ("last key -> result (ms)", "latency_ms", "{:.0f}"),
        ("last key delivered late (ms)", "late_key_ms", "{:.0f}"),
        ("typing took (s)", "typing_s", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        a, b = ours_r[key], naive_r[key]
        ratio = f"{a / b:.2f}x" if b and a >= 1 else "-"
        print(f"{label:28}{fmt.format(a):>10}{fmt.format(b):>10}{ratio:>9}")
    print(f"shows the last input's result: panel {ours_r['shows_last']}, naive "
          f"{naive_r['shows_last']}; stale results after it: panel {ours_r['stale_after']!r}")  # fmt: skip
    want = classify_details(model, tok, TEXT).probabilities
    print(f"panel bars equal classify(last text): {list(ours.figure.data[0].y) == want}")


if __name__ == "__main__":
    main()
