"""PlotWidget: one shared plotly.js (the package's own bundle), figure JSON synced, small patches,
clicks to Python, plain specs without plotly.py, and no trace type the bundle cannot draw."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import _tiny_models as tm
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

import explorer
from explorer import plotlyjs
from explorer.figures.heads import class_bars, span_logits
from explorer.heads import answer_details, classify_details
from explorer.plotlyjs import TRACES, bundle_path, plotly_js
from explorer.treemap import treemap, treemap_spec
from explorer.widgets.plot import PlotWidget, check_traces, plotly_lib

PACKAGE = Path(explorer.__file__).parent


def test_figures_share_one_library_and_send_only_their_json():
    a = PlotWidget(go.Figure(go.Bar(y=[1, 2])))
    b = PlotWidget(go.Figure(go.Scatter(y=[3])))
    assert a.lib is b.lib is plotly_lib()
    assert a.lib.source == plotly_js().encode("utf-8")  # bytes: a binary buffer, not JSON text
    assert len(a.lib._esm) < 3_000
    state = a.get_state()
    assert len(json.dumps({k: v for k, v in state.items() if k != "lib"})) < 20_000
    assert json.loads(a.spec)["data"][0]["y"] == [1, 2]


def test_the_bundle_is_ours_smaller_and_keeps_the_license():
    path = bundle_path()
    text = plotly_js()
    version = path.name.removeprefix("plotly-").removesuffix("-explorer.min.js")
    head = text[:400]
    assert f"plotly.js v{version}" in head and "Licensed under the MIT license" in head
    assert f"traces {', '.join(sorted(TRACES))}" in head  # built from this very list
    assert text.rstrip().endswith("globalThis.Plotly = Plotly;")  # a global, as the loader needs
    assert len(text) < 0.4 * len(get_plotlyjs())


def test_full_plotlyjs_only_on_request(monkeypatch):
    monkeypatch.setenv(plotlyjs.FULL_ENV, "1")
    plotly_js.cache_clear()
    try:
        assert plotly_js() == get_plotlyjs()
    finally:
        monkeypatch.delenv(plotlyjs.FULL_ENV)
        plotly_js.cache_clear()
    assert plotly_js() == bundle_path().read_text("utf-8")


def _trace_types() -> set[str]:
    """Every trace type plotly.py knows (``bar``, ``scatter``, ``treemap``, ``pie``...)."""
    from plotly.basedatatypes import BaseTraceType

    classes = (getattr(go, name) for name in dir(go) if not name.startswith("_"))
    return {
        c.__name__.lower() for c in classes if isinstance(c, type) and issubclass(c, BaseTraceType)
    }


def _types_in_source(path: Path) -> set[str]:
    """Trace types a module names: ``go.<Trace>(...)`` calls and ``"type": "<trace>"`` items."""
    known = _trace_types()
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "go" and node.attr.lower() in known:
                found.add(node.attr.lower())
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "type":
                    if isinstance(value, ast.Constant) and value.value in known:
                        found.add(value.value)
    return found


def test_every_trace_type_we_draw_is_in_the_bundle():
    # By their source: every trace type the figure modules name.
    sources = [*sorted((PACKAGE / "figures").glob("*.py")), PACKAGE / "treemap.py"]
    named = set().union(*map(_types_in_source, sources))
    assert named == {"bar", "heatmap", "scatter", "treemap"}, named  # new: add to TRACES, rebuild
    assert named <= set(TRACES)
    # By the figures themselves (real heads' results on tiny models).
    cls = classify_details(tm.cached("bert_multilabel"), tm.cached_tokenizer(), "fine")
    qa = answer_details(tm.cached("bert_qa"), tm.cached_tokenizer(), "Where?", "In Berlin.")
    figs = (treemap(nn_model()), class_bars(cls), span_logits(qa))
    drawn = {t.type for f in figs for t in f.data}
    drawn |= {t["type"] for t in treemap_spec(nn_model())["data"]}
    assert drawn == {"bar", "scatter", "treemap"}


def test_a_trace_type_outside_the_bundle_is_refused():
    with pytest.raises(ValueError, match="'pie'.*tools/build_plotly.sh"):
        PlotWidget(go.Figure(go.Pie(values=[1, 2])))
    with pytest.raises(ValueError, match="'sunburst'"):
        PlotWidget.from_spec({"data": [{"type": "sunburst", "labels": ["a"]}], "layout": {}})
    w = PlotWidget(go.Figure(go.Bar(y=[1])))
    with pytest.raises(ValueError, match="'pie'"):
        with w.batch_update():
            w.figure.add_trace(go.Pie(values=[1]))
    check_traces(TRACES)  # the bundle's own list passes


def test_plain_spec_is_sent_as_is_with_plotlys_default_template():
    spec = treemap_spec(nn_model(), height=300)
    w = PlotWidget.from_spec(spec)
    sent = json.loads(w.spec)
    assert sent["data"] == spec["data"]
    # What go.Figure would send: same template, same trace, same layout values.
    want = json.loads(go.Figure(spec).to_json())
    assert sent["layout"]["template"] == want["layout"]["template"]
    assert sent["layout"]["height"] == 300
    # The go.Figure is made on first use, with the patches applied.
    w.restyle(0, level="1")
    assert w.patch == {"0": {"level": "1"}} and json.loads(w.spec) == sent
    assert w.to_dict()["data"][0] == {**spec["data"][0], "level": "1"}
    assert w.data[0].level == "1" and w.data[0].type == "treemap"
    assert list(w.figure.data[0].ids) == spec["data"][0]["ids"]
    assert w.to_dict() == w.figure.to_dict()
    w.restyle(0, level=".")  # after the figure exists, restyle goes through it
    assert w.patch == {"0": {"level": "."}} and w.figure.data[0].level == "."


def test_plain_spec_bad_input_is_named():
    with pytest.raises(TypeError, match="'data' list"):
        PlotWidget.from_spec([{"type": "bar"}])
    with pytest.raises(TypeError, match="its 'type'"):
        PlotWidget.from_spec({"data": [{"y": [1]}], "layout": {}})
    with pytest.raises(ValueError, match="JSON values"):
        PlotWidget.from_spec({"data": [{"type": "bar", "y": [float("nan")]}], "layout": {}})
    w = PlotWidget.from_spec({"data": [{"type": "bar", "y": [1]}], "layout": {}})
    with pytest.raises(IndexError, match="no trace 3"):
        w.restyle(3, visible=False)


def test_showing_an_explorer_needs_no_plotly_py():
    """The Explorer's treemap is plain data: making and displaying an Explorer (with its Explain
    tab) imports no plotly.py, whose import and validation cost ~0.4 s on a first display."""
    code = (
        "import sys, torch.nn as nn, explorer\n"
        "w = explorer.explore(nn.Sequential(nn.Linear(3, 2), nn.Sequential(nn.Linear(2, 2))))\n"
        "assert w.figure.to_dict()['data'][0]['level'] == '.'\n"
        "assert 'application/vnd.jupyter.widget-view+json' in w._repr_mimebundle_()\n"
        "heavy = ('plotly.graph_objs', 'plotly.basedatatypes', 'plotly.io', '_plotly_utils.utils')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout


def nn_model():
    from torch import nn

    return nn.Sequential(nn.Linear(50, 50), nn.Sequential(nn.Linear(50, 20), nn.Linear(20, 2)))


def test_batch_update_and_restyle():
    w = PlotWidget(go.Figure(go.Treemap(ids=[".", "a"], parents=["", "."], values=[2, 1])))
    with w.batch_update():
        w.data[0].values = [5, 3]
    assert json.loads(w.spec)["data"][0]["values"] == [5, 3] and w.patch == {}
    before = w.spec
    w.restyle(0, level="a")
    assert w.spec == before and w.patch == {"0": {"level": "a"}}
    assert w.data[0].level == "a"
    w.update_layout(height=300)
    assert json.loads(w.spec)["layout"]["height"] == 300 and w.patch == {}


def test_clicks_reach_callbacks_and_junk_is_ignored():
    w = PlotWidget(go.Figure(go.Bar(y=[1])))
    got = []
    w.on_click(got.append)
    w._on_msg(w, {"type": "click", "points": [{"pointNumber": 0, "id": "x"}, "junk"]}, [])
    w._on_msg(w, "not a dict", [])
    w._on_msg(w, {"type": "other"}, [])
    assert got == [[{"pointNumber": 0, "id": "x"}]]
    w.on_click(got.append, remove=True)
    w._on_msg(w, {"type": "click", "points": []}, [])
    assert len(got) == 1
    with pytest.raises(TypeError, match="callable"):
        w.on_click("nope")
