"""Typing probe for bench_typing.py: drives the page, joins its clock with the kernel's logs.

The notebook logs, in the kernel, when each text arrives, runs, is delivered and sent to the
page (``time.time()``); the page logs every keydown, every ``Plotly.react`` of the two plots
(with its bars' values) and every visible change (a MutationObserver), on
``performance.timeOrigin + performance.now()``. :func:`analyse` joins the two logs.
"""

from __future__ import annotations

import json
import re
import statistics
import time

from benchmarks.typing_notebook import notebook_cells
from tests.browser.harness import cell, kernel_exec, open_notebook

VARIANTS = ("floor", "ours", "naive")
__all__ = [
    "VARIANTS",
    "Probe",
    "analyse",
    "count_frames",
    "notebook_cells",
    "percentile",
    "run_notebook",
]

_PAGE_JS = """(els) => {
  const epoch = () => performance.timeOrigin + performance.now();
  const B = window.__bench = {armed: null, keys: [], muts: [], reacts: [], count: {}};
  document.addEventListener('keydown', (e) => {
    if (B.armed && e.key.length === 1) B.keys.push(epoch());
  }, true);
  const watch = (v, el, read) => {
    let last = read();
    new MutationObserver(() => {
      const s = read();
      if (s === last) return;
      last = s;
      if (B.armed === v) B.muts.push({t: epoch(), s, react: B.count[v] || 0});
    }).observe(el, {subtree: true, childList: true, characterData: true, attributes: true,
                    attributeFilter: ['d']});
  };
  const bars = (g) => () => [...g.querySelectorAll('g.point path')]
    .map((p) => p.getAttribute('d')).join('|');
  watch('floor', els.floor, () => els.floor.textContent);
  watch('ours', els.ours, bars(els.ours));
  watch('naive', els.naive, bars(els.naive));
  const graphs = new Map([[els.ours, 'ours'], [els.naive, 'naive']]);
  const P = globalThis.__xpPlotly;
  const react = P.react;
  P.react = function (gd, data) {
    const v = graphs.get(gd);
    if (!v || B.armed !== v) return react.apply(this, arguments);
    const rec = {t0: epoch(), y: data && data[0] && data[0].y ? Array.from(data[0].y) : null};
    B.count[v] = (B.count[v] || 0) + 1;
    B.reacts.push(rec);
    const out = react.apply(this, arguments);
    rec.t1 = epoch();
    Promise.resolve(out).then(() => { rec.t2 = epoch(); });
    return out;
  };
}"""

# (page clock) - (system clock, as time.time() in the kernel), in ms
_OFFSET_JS = """() => {
  const xs = [];
  const end = performance.now() + 5;
  while (performance.now() < end) xs.push(performance.timeOrigin + performance.now() - Date.now());
  return xs.reduce((a, b) => a + b, 0) / xs.length - 0.5;
}"""


def run_notebook(page, server, name: str) -> None:
    """Open the notebook, Run All, and wait for the kernel to finish every cell.

    The harness's ``open_and_run`` reads the cells' prompts with ``innerText``, which is empty
    for cells JupyterLab's default windowing keeps out of view: ask the kernel instead (its
    queue holds the Run All cells before this request).
    """
    open_notebook(page, server, name, timeout=180)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
    names = ("floor_box", "xv", "naive_box", "b_dump", "b_tweak")
    code = f"print(json.dumps([n for n in {names!r} if n not in globals()]))"
    deadline = time.monotonic() + 900
    while True:
        try:
            missing = json.loads(kernel_exec(server, name, code, timeout=900))
            break
        except RuntimeError:  # the setup cell has not defined json yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    if missing:
        raise RuntimeError(f"the notebook did not run: {missing} undefined (a cell raised)")


def percentile(xs: list[float], q: int) -> float | None:
    """The ``q``-th percentile (inclusive method), None for no data."""
    if not xs:
        return None
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


def count_frames(page) -> dict:
    """Count websocket frames the page sends while ``counter["armed"]``; attach before opening."""
    counter = {"up": 0, "armed": False}

    def sent(_payload) -> None:
        if counter["armed"]:
            counter["up"] += 1

    page.on("websocket", lambda ws: ws.on("framesent", sent))
    return counter


class Probe:
    """Drives the three variants of the typing notebook in one JupyterLab page."""

    INPUTS = {
        "floor": (1, ".bench-floor input"),
        "ours": (2, ".xp-sentiment .xp-text textarea"),
        "naive": (3, ".bench-naive textarea"),
    }
    TARGETS = {
        "floor": (1, ".bench-label"),
        "ours": (2, ".xp-sentiment .xp-plot-graph"),
        "naive": (3, ".bench-naive .xp-plot-graph"),
    }

    def __init__(self, page, server, name: str, frames: dict):
        self.page, self.server, self.name, self.frames = page, server, name, frames
        self._probs: dict[str, list[list[float]]] = {}
        page.wait_for_function("() => !!globalThis.__xpPlotly", timeout=120_000)
        for variant in ("ours", "naive"):
            index, sel = self.TARGETS[variant]
            cell(page, index).locator(f"{sel} g.point path").first.wait_for(timeout=120_000)
        els = {v: cell(page, i).locator(s).element_handle() for v, (i, s) in self.TARGETS.items()}
        page.evaluate(_PAGE_JS, els)

    def kernel(self, code: str, timeout: float = 60.0):
        """Run ``code`` in the notebook's kernel; its printed JSON, decoded."""
        return json.loads(kernel_exec(self.server, self.name, code, timeout=timeout))

    def environment(self, after: bool = False) -> dict:
        """Torch threads, forward-pass times and the load average, now."""
        code = (
            "import os; t = 'wonderful movie'; print(json.dumps([torch.get_num_threads(),"
            " b_ms(lambda: classify_details(model, tok, t)), b_ms(lambda: trace(model, tok, t)),"
            " b_ms(lambda: panel._run(t, lambda: False)), os.getloadavg()[0]]))"
        )
        threads, classify_ms, trace_ms, run_ms, load = self.kernel(code, timeout=600)
        tail = "_after" if after else ""
        out = {f"classify_ms{tail}": classify_ms, f"trace_ms{tail}": trace_ms}
        out.update({f"run_ms{tail}": run_ms, f"load{tail}": load})
        return out if after else {"threads": threads, **out}

    def probabilities(self, phrase: str) -> list[list[float]]:
        """The model's probabilities for every prefix of ``phrase`` (asked once per phrase)."""
        if phrase not in self._probs:
            code = (
                f"p = {phrase!r}; print(json.dumps([classify_details(model, tok, p[:i + 1])"
                ".probabilities for i in range(len(p))]))"
            )
            self._probs[phrase] = self.kernel(code, timeout=900)
        return self._probs[phrase]

    def _settle(self, variant: str, want: str, timeout: float = 300.0) -> None:
        """Wait until ``want`` is shown, nothing is pending and the page drew every update."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            st = self.kernel(f"b_state({variant!r})")
            drawn = self.page.evaluate(
                "v => v === 'floor' ? null : (window.__bench.count[v] || 0)", variant
            )
            done = st["shown"] == want and not st["pending"]
            if variant != "floor" and self.page.evaluate("() => window.__bench.armed"):
                done = done and drawn == st["sent"]
            if done and last == (st["sent"], drawn):
                return
            last = (st["sent"], drawn) if done else None
            time.sleep(0.4 if done else 0.2)
        raise TimeoutError(f"{variant}: {want!r} not settled: {st}")

    def type_phrase(self, variant: str, phrase: str, delay: int, tweaks: tuple = ()) -> dict:
        """Clear the box, type ``phrase`` with ``delay`` ms between keys, return both logs.

        ``variant`` "tweaked" is "ours" with the kernel's ``tweaks`` switched on meanwhile.
        """
        if variant == "tweaked":
            self.kernel(f"b_tweak(True, {tuple(tweaks)!r})")
            try:
                return self.type_phrase("ours", phrase, delay)
            finally:
                self.kernel("b_tweak(False)")
        index, sel = self.INPUTS[variant]
        box = cell(self.page, index).locator(sel)
        box.fill("")
        self._settle(variant, "")
        self.kernel(f"b_reset({variant!r}); print(1)")
        self.page.evaluate(
            "v => Object.assign(window.__bench, {armed: v, keys: [], muts: [], reacts: [],"
            " count: {}})",
            variant,
        )
        self.frames.update(up=0, armed=True)
        box.press_sequentially(phrase, delay=delay)
        self._settle(variant, phrase)
        self.frames["armed"] = False
        page_log = self.page.evaluate(
            "() => { const B = window.__bench; B.armed = null;"
            " return {keys: B.keys, muts: B.muts, reacts: B.reacts}; }"
        )
        kernel_log = self.kernel(f"b_dump({variant!r}, {phrase!r})", timeout=600)
        offset = self.page.evaluate(_OFFSET_JS)
        return {"page": page_log, "kernel": kernel_log, "offset": offset, "up": self.frames["up"]}


def _pair_reacts(reacts: list[dict], sent: list) -> list[str | None]:
    """The text each page ``Plotly.react`` drew: the kernel's figure updates, in order, whose
    bars equal the react's (None where none matches)."""
    texts: list[str | None] = []
    k = 0
    for rec in reacts:
        j = k
        while j < len(sent) and (sent[j][2] or [0.0, 0.0]) != rec["y"]:
            j += 1
        if j < len(sent):
            texts.append(sent[j][1])
            k = j + 1
        else:
            texts.append(None)
    return texts


def _segments(raw: dict, texts: list[str | None], first_mut: dict) -> dict[str, list[float]]:
    """Per shown result: ms spent in each step from its last keystroke to its repaint."""
    page, kern, offset = raw["page"], raw["kernel"], raw["offset"]
    keys = page["keys"]
    seg: dict[str, list[float]] = {}

    def add(name: str, value: float | None) -> None:
        if value is not None:
            seg.setdefault(name, []).append(value)

    def last(rows, at, text, before):  # the latest row with ``text`` at ``at`` before ``before``
        hits = [r for r in rows if r[at] == text and r[0] <= before]
        return hits[-1] if hits else None

    for j, (rec, text) in enumerate(zip(page["reacts"], texts, strict=True)):
        if not text or len(text) > len(keys):
            continue
        key = keys[len(text) - 1]  # page ms
        react_k = (rec["t0"] - offset) / 1000  # kernel s
        obs = last(kern["obs"], 1, text, react_k)
        run = last([r for r in kern["run"] if r[3]], 2, text, react_k)
        dlv = last(kern["deliver"], 2, text, react_k)
        sent = last(kern["sent"], 1, text, react_k)
        if obs and obs[2]:
            add("key_to_send", obs[2] * 1000 + offset - key)
            add("send_to_obs", (obs[0] - obs[2]) * 1000)
        if obs and run:
            add("obs_to_run", (run[0] - obs[0]) * 1000)
            add("run", (run[1] - run[0]) * 1000)
        if run and dlv:
            add("run_to_deliver", (dlv[0] - run[1]) * 1000)
            add("deliver", (dlv[1] - dlv[0]) * 1000)
        if sent:
            add("sent_to_react", rec["t0"] - offset - sent[0] * 1000)
        if rec.get("t1") is not None:
            add("react", rec["t1"] - rec["t0"])
        if j in first_mut:
            add("react_to_mut", first_mut[j] - rec["t0"])
            add("key_to_mut", first_mut[j] - key)
    return seg


def analyse(variant: str, phrase: str, raw: dict, probs: list[list[float]]) -> dict:
    """Per-keystroke latencies and the checks of one typed phrase (see bench_typing.py)."""
    page, kern = raw["page"], raw["kernel"]
    keys = page["keys"][: len(phrase)]
    out = {
        "phrase": phrase,
        "keys": len(keys),
        "gaps": [b - a for a, b in zip(keys, keys[1:])],
        "lat": [],
        "no_change": 0,
        "invisible": 0,
        "never": 0,
        "passes": kern["passes"],
        "runs": kern["runs"],
        "final_ok": kern["final_ok"],
        "frames_up": raw["up"],
        "segments": {},
        "last_key": None,
        "own": 0,
        "wait": [],
    }
    sends: dict[str, list[int]] = {}
    for _, name, size in kern["sends"]:
        c = sends.setdefault(name, [0, 0])
        c[0], c[1] = c[0] + 1, c[1] + size
    out["sends"] = sends
    if variant == "floor":  # the Label's text is the text it shows
        shown = [(m["t"], m["s"]) for m in page["muts"] if phrase.startswith(m["s"])]
    else:
        texts = _pair_reacts(page["reacts"], kern["sent"])
        first_mut: dict[int, float] = {}
        for m in page["muts"]:
            first_mut.setdefault(m["react"] - 1, m["t"])
        out["segments"] = _segments(raw, texts, first_mut)
        out["unpaired"] = texts.count(None)
        shown = [(first_mut.get(j), t) for j, t in enumerate(texts) if t is not None]
    times = []  # when the first repaint (a react, for plots) showing n keys or more came
    for n in range(len(phrase) + 1):
        times.append(next((t for t, text in shown if len(text) >= n), "never"))
    visible = [(t, text) for t, text in shown if t is not None]
    # repaints showing fewer keys than were typed when they appeared
    behind = [sum(k < t for k in keys) - len(text) for t, text in visible]
    out["repaints"], out["behind"] = len(visible), sum(b > 0 for b in behind)
    lengths = [len(text) for _, text in shown]
    out["went_back"] = sum(1 for i, n in enumerate(lengths) if n < max(lengths[:i], default=0))
    blank = [0.0] * len(probs[0])
    for i, key in enumerate(keys):
        before = probs[i - 1] if i else blank
        if variant != "floor" and probs[i] == before:
            out["no_change"] += 1  # this keystroke cannot change the bars
            continue
        at = times[i + 1]
        if at == "never":
            out["never"] += 1
        elif at is None:
            out["invisible"] += 1  # drawn, but no pixel of the bars moved
        else:
            out["lat"].append(at - key)
            n = next(len(text) for t, text in shown if t == at)  # keys in the shown text
            out["own"] += n == i + 1  # this keystroke's own text, not a later one
            out["wait"].append(keys[min(n, len(keys)) - 1] - key)
    final = max((t for t, _ in shown if t is not None), default=None)
    if keys and final is not None and final > keys[-1]:  # the screen stops changing
        out["last_key"] = final - keys[-1]
    return out
