"""PlotWidget state: one shared plotly.js, figure JSON synced, small patches, clicks to Python."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from explorer.widgets.plot import PlotWidget, plotly_lib


def test_figures_share_one_library_and_send_only_their_json():
    a = PlotWidget(go.Figure(go.Bar(y=[1, 2])))
    b = PlotWidget(go.Figure(go.Scatter(y=[3])))
    assert a.lib is b.lib is plotly_lib()
    assert "plotly" in a.lib.source.lower() and len(a.lib.source) > 1_000_000
    assert len(a.lib._esm) < 2_000
    state = a.get_state()
    assert len(json.dumps({k: v for k, v in state.items() if k != "lib"})) < 20_000
    assert json.loads(a.spec)["data"][0]["y"] == [1, 2]


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
