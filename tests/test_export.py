"""explorer.export.save_html: one self-contained page, escaped text, data, sizes, bad input."""

import json
import re

import ipywidgets
import plotly.graph_objects as go
import pytest
from _models import full_size
from _tiny_models import cached, cached_tokenizer, fingerprint
from plotly.basedatatypes import BaseFigure
from plotly.offline import get_plotlyjs
from torch import nn

import explorer
from explorer.export import page_data, result_text, save_html, script_json

EVIL = "</script><img src=x onerror=alert(1)>"
EVIL_TYPE = "<b>Bold</b>Block"


def embedded(text: str, name: str):
    """The JSON of ``<script type="application/json" id=name>`` parsed back."""
    m = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', text, re.S)
    assert m, name
    return json.loads(m.group(1))


def evil_model() -> nn.Module:
    model = nn.Sequential()
    model.add_module(EVIL, nn.Linear(3, 2))
    model.add_module("block", type(EVIL_TYPE, (nn.Module,), {})())
    model.block.add_module("inner", nn.Linear(2, 2, bias=False))
    return model


def figure_of(panel):
    """A panel's Plotly figure: a FigureWidget itself, or the ``.figure`` of a PlotWidget."""
    fig = panel.figure
    return fig if isinstance(fig, BaseFigure) else fig.figure


def rows(data) -> dict:
    """Every module row of the page by path (root included)."""
    out = {"": data["state"]["initial"]["root"]}
    for items in data["tree"]["lists"].values():
        out.update((r["p"], r) for r in items if "p" in r)
    return out


@pytest.fixture(scope="module")
def sst2_page(tmp_path_factory):
    model = cached("distilbert_sst2")
    before = fingerprint(model)
    path = save_html(model, tmp_path_factory.mktemp("page") / "sst2.html")
    assert fingerprint(model) == before  # the model is only read
    return model, path, path.read_text("utf-8")


def test_page_is_written_and_self_contained(sst2_page):
    model, path, text = sst2_page
    assert path.is_file() and text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", text, re.I)
    assert not re.search(r"<link\b", text, re.I)
    assert not re.search(r"""url\(\s*['"]?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"@import\b", text)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    assert "default-src 'none'" in csp and "http" not in csp
    assert text.count(get_plotlyjs()[:2000]) == 1  # plotly.js inlined, once


def test_page_holds_every_module_with_exact_counts(sst2_page):
    model, _, text = sst2_page
    data = embedded(text, "ex-data")
    got = rows(data)
    assert set(got) == {p for p, _ in model.named_modules()}
    for path, module in model.named_modules():
        assert got[path]["c"] == sum(p.numel() for p in module.parameters()), path
    assert data["meta"]["params"] == sum(p.numel() for p in model.parameters())
    details = data["tree"]["details"]
    assert len(details["of"]) == len(got) and len(details["bodies"]) < len(got)  # deduplicated


def test_tree_js_is_the_package_file_read_at_export_time(sst2_page):
    from pathlib import Path

    _, _, text = sst2_page
    source = Path(explorer.__file__).parent / "widgets" / "static" / "tree.js"
    assert embedded(text, "ex-tree-js") == source.read_text("utf-8")


def test_explanations_match_explain_in_both_languages(sst2_page):
    model, _, text = sst2_page
    ex = embedded(text, "ex-data")["explain"]
    assert ex["complete"] and set(ex["of"]) == {p for p, _ in model.named_modules()}
    for path in ("", "distilbert.transformer.layer.0.ffn.lin1", "classifier"):
        for i, lang in enumerate(ex["langs"]):
            assert ex["texts"][ex["of"][path][i]] == explorer.explain(model, path, lang)


def test_model_text_is_escaped(tmp_path):
    title = "<img src=y onerror=alert(2)> & co"
    path = save_html(evil_model(), tmp_path / "evil.html", title=title)
    text = path.read_text("utf-8")
    assert "<img" not in text.lower()
    assert text.lower().count("</script") == text.lower().count("<script") == 4
    for name in ("ex-data", "ex-tree-js"):
        block = re.search(rf'id="{name}">(.*?)</script>', text, re.S).group(1)
        assert not set("<>&") & set(block)
    data = embedded(text, "ex-data")
    got = rows(data)
    assert got[EVIL]["n"] == EVIL and got["block"]["t"] == EVIL_TYPE  # raw text, shown as text
    assert data["meta"]["title"] == title
    assert "<title>&lt;img src=y onerror=alert(2)&gt; &amp; co</title>" in text
    labels = data["treemap"]["data"][0]["labels"]
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in labels  # Plotly renders HTML


def test_script_json_round_trips_and_hides_markup():
    obj = {"a": EVIL, "b": ["<!--", "&amp;", "\u2028", "한국어"], "c": 1.5}
    text = script_json(obj)
    assert json.loads(text) == obj
    assert not set("<>&") & set(text) and "\u2028" not in text


def test_max_depth_cuts_tree_and_treemap(tmp_path):
    model = cached("distilbert_qa")
    data = page_data(model, max_depth=2)
    got = rows(data)
    assert set(got) == {p for p, _ in model.named_modules() if p.count(".") < 2}
    assert all(r["k"] == 0 for p, r in got.items() if p.count(".") == 1)
    assert got["distilbert"]["k"] > 0  # depth 1 keeps its children
    ids = data["treemap"]["data"][0]["ids"]
    assert max(i.count(".") for i in ids if i != ".") == 1
    assert data["meta"]["max_depth"] == 2 and data["meta"]["modules"] == len(got)
    root_only = page_data(model, max_depth=0)
    assert root_only["tree"]["lists"] == {} and root_only["state"]["initial"]["kids"] == []
    assert root_only["state"]["initial"]["root"]["k"] == 0
    for bad in (-1, 1.5, "2", True):
        with pytest.raises(ValueError, match="max_depth"):
            page_data(model, max_depth=bad)


def test_explorer_exports_selection_and_last_predictions(tmp_path):
    model, tok = cached("distilbert_sst2"), cached_tokenizer(token_type_ids=False)
    exp = explorer.explore(model, tok)
    exp.selected = "distilbert.transformer.layer.1"
    panel = exp.task_panel
    panel.text_box.value = "a <b>fine</b> film"
    panel.flush()
    details = panel.details
    assert details is not None and details.text == "a <b>fine</b> film"
    exp.add_panel(ipywidgets.Label("nothing to export"), "empty")
    data = page_data(exp)
    assert data["state"]["selected"] == "distilbert.transformer.layer.1"
    (entry,) = data["panels"]  # the Label has neither figure nor result
    assert entry["title"] == exp.panels.get_title(0)
    assert entry["text"].startswith("Text: a <b>fine</b> film")
    for r in details.results:
        assert f"{r['label']}: {r['score']:.4f}" in entry["text"]
    assert entry["figure"] == json.loads(go.Figure(figure_of(panel)).to_json())
    assert data["treemap"]["data"][0]["ids"] == list(exp.figure.data[0].ids)
    path = save_html(exp, tmp_path / "exp.html")
    assert embedded(path.read_text("utf-8"), "ex-data")["panels"] == data["panels"]


def test_explorer_exports_the_qa_panel(tmp_path):
    model, tok = cached("distilbert_qa"), cached_tokenizer(token_type_ids=False)
    exp = explorer.explore(model, tok)
    got = exp.task_panel.details
    assert got is not None and got.results  # the panel ran once on its example
    (entry,) = page_data(exp)["panels"]
    assert entry["text"] == result_text(got) and entry["text"].startswith("Question: ")
    traces = entry["figure"]["data"]
    assert traces == json.loads(go.Figure(figure_of(exp.task_panel)).to_json())["data"]
    assert any(t.get("name") == "start" for t in traces)


def test_explorer_with_a_custom_panel_holding_last_result():
    model, tok = cached("distilbert_qa"), cached_tokenizer(token_type_ids=False)
    exp = explorer.explore(model, tok, task=None)
    got = explorer.answer_details(model, tok, question="Who?", context="Ann met <i>Bob</i>.")
    panel = ipywidgets.VBox()
    panel.last_result = got
    exp.add_panel(panel, "<b>QA</b>")
    (entry,) = page_data(exp)["panels"]
    assert entry == {"title": "<b>QA</b>", "figure": None, "text": result_text(got)}


def test_result_text_of_answers_and_plain_values():
    model, tok = cached("distilbert_qa"), cached_tokenizer(token_type_ids=False)
    got = explorer.answer_details(model, tok, question="Who?", context="Ann met Bob in Seoul.")
    text = result_text(got)
    assert text.startswith("Question: Who?\nContext: Ann met Bob in Seoul.")
    assert repr(got.results[0]["answer"]) in text
    assert result_text([{"label": "POS", "score": 0.5}]) == "label: POS, score: 0.5000"
    assert result_text(None) == "" and len(result_text("x" * 10_000)) == 4000


def test_bad_input(tmp_path):
    for bad in ("gpt2", 3, None):
        with pytest.raises(TypeError, match=type(bad).__name__):
            save_html(bad, tmp_path / "x.html")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_html(nn.Linear(2, 2), tmp_path / "missing" / "x.html")
    folder = tmp_path / "folder.html"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save_html(nn.Linear(2, 2), folder)
    assert folder.is_dir() and not any(folder.iterdir())
    with pytest.raises(TypeError, match="path"):
        save_html(nn.Linear(2, 2), 42)
    with pytest.raises(TypeError, match="title"):
        save_html(nn.Linear(2, 2), tmp_path / "t.html", title=b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["folder.html"]  # nothing written


def test_a_file_is_overwritten_and_the_path_returned(tmp_path):
    out = tmp_path / "p.html"
    out.write_text("old")
    assert save_html(nn.Linear(2, 2), str(out)) == out
    text = out.read_text("utf-8")
    assert (
        text.startswith("<!DOCTYPE html>") and embedded(text, "ex-data")["meta"]["type"] == "Linear"
    )


@pytest.mark.slow
def test_deepseek_v3_on_meta_exports_a_bounded_file(tmp_path):
    model = full_size("deepseek-v3")
    path = save_html(model, tmp_path / "ds.html")
    text = path.read_text("utf-8")
    data = embedded(text, "ex-data")
    n = sum(1 for _ in model.named_modules())
    assert data["meta"]["modules"] == n and data["meta"]["params"] > 600e9
    plotly_size = len(get_plotlyjs().encode())
    size = path.stat().st_size
    # The model's data stays small beside plotly.js and grows at most linearly with modules:
    # 1,215 modules under transformers 5 (fused experts); ~76,000 under 4.x (one per expert).
    assert size < plotly_size + max(3_000_000, 400 * n), size
    assert not data["explain"]["complete"] and data["explain"]["of"]
    assert rows(data)["model.layers.3.mlp"]["t"] == type(model.model.layers[3].mlp).__name__
