"""explorer.treemap's figure: a plotly Figure that also shows where no Plotly renderer is (pages)."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from _models import full_size
from _view import Tags
from IPython.core.formatters import DisplayFormatter

import explorer
from explorer.export.svgmap import HEIGHT, WIDTH

PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture
def renderer():
    before = pio.renderers.default
    yield lambda name: setattr(pio.renderers, "default", name)
    pio.renderers.default = before


def shown(obj, monkeypatch) -> list[dict]:
    """The outputs a kernel makes of ``obj`` as a cell's last value."""
    import IPython.display

    out: list[dict] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: out.append(obj))
    data, _ = DisplayFormatter().format(obj)
    return out + ([data] if data else [])


def test_a_kernel_shows_plotly_and_an_svg_copy(renderer, monkeypatch):
    renderer("plotly_mimetype")  # what Plotly picks in a Jupyter kernel (also under nbconvert)
    fig = explorer.treemap(full_size("distilbert-sst2"))
    assert isinstance(fig, go.Figure) and fig.data[0].type == "treemap"
    (out,) = shown(fig, monkeypatch)
    assert set(out) == {PLOTLY, "text/html"}  # JupyterLab draws Plotly's; pages the SVG
    assert out[PLOTLY]["data"][0]["ids"] == list(fig.data[0].ids)
    svg = out["text/html"]
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    tags = Tags(svg).tags
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "distilbert" in texts and "word_embeddings" in texts
    assert sum(t == "rect" for t, _ in tags) >= 5
    assert f'viewBox="0 0 {WIDTH} {HEIGHT}"' in svg


def test_a_renderer_that_gives_html_is_left_alone(renderer, monkeypatch):
    renderer("notebook_connected")  # Colab's and the classic notebook's kind: Plotly's own HTML
    fig = explorer.treemap(full_size("distilbert-sst2"))
    html = [o.get("text/html", "") for o in shown(fig, monkeypatch)]
    assert html and all("txe-treemap" not in h for h in html)


def test_a_changed_figure_still_displays(renderer, monkeypatch):
    renderer("plotly_mimetype")
    fig = explorer.treemap(full_size("distilbert-sst2"))
    fig.data = []
    fig.add_bar(y=[1, 2])  # no longer a treemap of modules: Plotly's bundle as it is
    (out,) = shown(fig, monkeypatch)
    assert set(out) == {PLOTLY}


def test_the_count_line_clears_the_name():
    from explorer.export.svgmap import sectors, svg
    from explorer.treemap import treemap_data

    text = svg(
        sectors(treemap_data(full_size("distilbert-sst2"))),
        "distilbert.transformer.layer.0.attention",
    )
    lines = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>(q_lin|591K)</text>', text)
    (x1, y1, _), (x2, y2, _) = lines[:2]
    assert x1 == x2 and float(y2) - float(y1) >= 14  # 11 px text: no descender on the digits
