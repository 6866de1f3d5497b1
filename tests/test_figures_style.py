"""The shared figure style: the template explorer's figures get, and escaping for Plotly."""

from __future__ import annotations

import json
import subprocess
import sys

import plotly.graph_objects as go
import plotly.io as pio

from explorer.figures.style import _UNDRAWN, esc, figure, template
from explorer.plotlyjs import TRACES


def test_the_template_is_plotlys_default_for_what_explorer_draws():
    full = json.loads(go.Figure().to_json())["layout"]["template"]
    ours = json.loads(figure([], {}).to_json())["layout"]["template"]
    # every part a drawn figure uses is plotly's own, unchanged
    assert ours["layout"] == {k: v for k, v in full["layout"].items() if k not in _UNDRAWN}
    assert ours["data"] == {k: v for k, v in full["data"].items() if k in TRACES}
    assert {"xaxis", "yaxis", "colorway", "hoverlabel", "font"} <= set(ours["layout"])
    assert set(full["layout"]) - set(ours["layout"]) <= set(_UNDRAWN)
    assert len(json.dumps(ours)) < len(json.dumps(full)) / 2
    # a layout that names its own template keeps it
    named = go.Figure(layout={"template": "none"}).layout.template
    assert figure([], {"template": "none"}).layout.template == named


def test_the_users_default_template_is_respected():
    before = pio.templates.default
    try:
        pio.templates.default = "plotly_dark"
        assert template() is None
        fig = figure([go.Bar(y=[1])], {})
        assert fig.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"  # plotly_dark's
    finally:
        pio.templates.default = before
    assert template() is not None


def test_a_first_figure_does_not_build_plotlys_whole_default_template():
    """Copying a figure (as PlotWidget does) validates its template: with plotly's whole
    default, that imports its polar, 3-D and map classes, ~0.3 s of a kernel's first figure."""
    code = (
        "import sys\n"
        "import plotly.graph_objects as go\n"
        "from explorer.figures.heads import class_bars\n"
        "from explorer.heads import classify_details\n"
        "go.Figure(class_bars(classify_details(lambda t: {'a': 0.5, 'b': 0.5}, None, 'x')))\n"
        "print(sorted(m for m in sys.modules if 'polar' in m or '_scene' in m or 'ternary' in m))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_esc_quotes_as_plotly_shows_them():
    assert esc("<b>\"x\" & 'y'</b>") == "&lt;b&gt;&#34;x&#34; &amp; 'y'&lt;/b&gt;"
