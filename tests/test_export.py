"""explorer.export: the shape table, the page (save_html), escaping, sizes and bad input."""

import json
import re

import ipywidgets
import plotly.graph_objects as go
import pytest
from _models import full_size, synthetic
from _tiny_models import cached, cached_tokenizer, fingerprint
from _view import EVIL, EVIL_TYPE, Tags, bodies, evil_model, packed, part
from plotly.basedatatypes import BaseFigure
from torch import nn

import explorer
from explorer.export import fallback_html, page_data, result_text, save_html, script_json
from explorer.export.encode import TreeReader, encode_tree
from explorer.plotlyjs import plotly_js
from explorer.tree.pages import TreePages

MB = 1_000_000


def figure_of(panel):
    """A panel's Plotly figure: a FigureWidget itself, or the ``.figure`` of a PlotWidget."""
    fig = panel.figure
    return fig if isinstance(fig, BaseFigure) else fig.figure


def details_from(enc: dict, body: dict, pages: TreePages, path: str) -> dict:
    """What js/export/tree_data.js adds to a stored body (path, name, depth, tensor paths, new, total,
    output), written independently of it: the reference the stored bodies are checked with."""
    prefix = path + "." if path else ""
    new = pages.new_paths
    out = dict(body)
    out.update(
        path=path,
        name=path.rpartition(".")[2],
        depth=path.count(".") + 1 if path else 0,
        tensors=[{"path": prefix + t["name"], **t} for t in body["tensors"]],
        new=path in new or any(p == "" or path.startswith(p + ".") for p in new),
        total=pages.root.params,
        output=pages.details(path)["output"],
    )
    return out


def shape_of(enc: dict, path: str) -> int:
    s = enc["root"]
    for name in path.split(".") if path else []:
        for kid in enc["shapes"][s].get("k", []):
            if isinstance(kid, list) and kid[0] == name:
                s = kid[1]
                break
            if isinstance(kid, dict):
                m, names = kid["m"], None
                names = [str(m["r"] + i) for i in range(kid["x"])] if isinstance(m, dict) else m
                if name in names:
                    j = names.index(name)
                    s = kid["h"] if isinstance(kid["h"], int) else kid["h"][j]
                    break
    return s


# -- the shape table -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: cached("distilbert_sst2"),
        lambda: cached("bert_multilabel"),
        evil_model,
        lambda: synthetic(400),
        lambda: full_size("distilbert-sst2"),
    ],
    ids=["sst2", "bert_multilabel", "evil", "synthetic400", "distilbert_full"],
)
def test_shapes_read_back_to_every_row_and_details(make):
    model = make()
    pages = TreePages(model, new_paths=["classifier", "block"])
    enc = encode_tree(pages)
    assert TreeReader(enc, pages.new_paths).all_lists() == pages.all_lists()
    paths = [n.path for n in pages.root.walk()]  # aliases too (named_modules() skips them)
    for path in paths:
        body = enc["bodies"][enc["shapes"][shape_of(enc, path)]["d"]]
        assert details_from(enc, body, pages, path) == pages.details(path), path
    assert len(enc["shapes"]) <= len(paths)


def test_identical_blocks_are_stored_once():
    model = synthetic(5_000)
    enc = encode_tree(TreePages(model))
    assert len(enc["shapes"]) == 7 and len(enc["bodies"]) == 7  # root, list, block, 4 leaf kinds
    (group,) = enc["shapes"][enc["shapes"][enc["root"]]["k"][0][1]]["k"]
    assert group["x"] == 1000 and group["m"] == {"r": 0} and isinstance(group["h"], int)


def test_max_depth_cuts_the_table():
    model = cached("distilbert_qa")
    pages = TreePages(model)
    got = TreeReader(encode_tree(pages, max_depth=2)).all_lists()
    want = pages.all_lists(max_depth=2)
    for rows in want.values():
        for r in rows:
            if r.get("k") and r["p"].count(".") >= 1:
                r["k"] = 0
    assert got == want
    assert TreeReader(encode_tree(pages, max_depth=0)).all_lists() == {}


# -- the page --------------------------------------------------------------------------------------
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
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)  # only the SVG namespace
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    assert "default-src 'none'" in csp and "http" not in csp
    assert plotly_js()[:2000] not in text  # no panel figure: no plotly.js


def test_page_holds_every_module_with_exact_counts(sst2_page):
    model, _, text = sst2_page
    data = packed(text)
    tree = part(text, "tree")
    rows = {"": TreeReader(tree).row("", "", tree["root"])}
    for items in TreeReader(tree).all_lists().values():
        rows.update((r["p"], r) for r in items if "p" in r)
    assert set(rows) == {p for p, _ in model.named_modules()}
    for path, module in model.named_modules():
        assert rows[path]["c"] == sum(p.numel() for p in module.parameters()), path
    assert data["meta"]["params"] == sum(p.numel() for p in model.parameters())
    assert data["meta"]["modules"] == len(rows) and data["n_bodies"] == len(bodies(text))


def test_tree_js_is_the_package_file_read_at_export_time(sst2_page):
    import base64
    import zlib
    from pathlib import Path

    _, _, text = sst2_page
    source = Path(explorer.__file__).parent / "static" / "tree.js"
    got = zlib.decompress(base64.b64decode(packed(text)["z"]["tree_js"])).decode()
    assert got == source.read_text("utf-8")


def test_explanations_match_explain_in_both_languages(sst2_page):
    model, _, text = sst2_page
    ex = part(text, "explain")
    assert ex["complete"] and set(ex["of"]) == {p for p, _ in model.named_modules()}
    for path in ("", "distilbert.transformer.layer.0.ffn.lin1", "classifier"):
        for i, lang in enumerate(ex["langs"]):
            assert ex["texts"][ex["of"][path][i]] == explorer.explain(model, path, lang)


def test_model_text_is_escaped(tmp_path):
    title = "<img src=y onerror=alert(2)> & co"
    path = save_html(evil_model(), tmp_path / "evil.html", title=title)
    text = path.read_text("utf-8")
    assert "<img" not in text.lower() and "<b>" not in text.lower()
    assert text.lower().count("</script") == text.lower().count("<script") == 2
    block = re.search(r'class="txe-data">(.*?)</script>', text, re.S).group(1)
    assert not set("<>&") & set(block)
    assert packed(text)["meta"]["title"] == title
    assert "<title>&lt;img src=y onerror=alert(2)&gt; &amp; co</title>" in text
    shown = "".join(Tags(text).text)
    assert EVIL in shown and EVIL_TYPE in shown  # as text in the static tree and treemap
    names = part(text, "map")["names"]
    assert EVIL in names  # plain text: the view's script sets it with textContent


def test_script_json_round_trips_and_hides_markup():
    obj = {"a": EVIL, "b": ["<!--", "&amp;", "\u2028", "한국어"], "c": 1.5}
    text = script_json(obj)
    assert json.loads(text) == obj
    assert not set("<>&") & set(text) and "\u2028" not in text


def test_max_depth_cuts_tree_and_treemap():
    model = cached("distilbert_qa")
    data = page_data(model, max_depth=2)
    reader = TreeReader(data["tree"])
    rows = {r["p"]: r for v in reader.all_lists().values() for r in v if "p" in r}
    assert set(rows) | {""} == {p for p, _ in model.named_modules() if p.count(".") < 2}
    assert all(r["k"] == 0 for p, r in rows.items() if p.count(".") == 1)
    assert rows["distilbert"]["k"] > 0  # depth 1 keeps its children
    ids = data["treemap"]["ids"]
    assert max(i.count(".") for i in ids if i != ".") == 1
    assert data["meta"]["max_depth"] == 2 and data["meta"]["modules"] == len(rows) + 1
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
    assert data["details"]["path"] == "distilbert.transformer.layer.1"
    titles = [p["title"] for p in data["panels"]]
    assert "empty" not in titles  # the Label has neither figure nor result
    at = titles.index(exp.panels.get_title(0))
    entry = data["panels"][at]
    assert entry["text"].startswith("Text: a <b>fine</b> film")
    for r in details.results:
        assert f"{r['label']}: {r['score']:.4f}" in entry["text"]
    assert entry["figure"] == json.loads(go.Figure(figure_of(panel)).to_json())
    assert data["treemap"]["ids"] == list(exp.figure.data[0].ids)
    assert data["treemap"]["values"] == list(exp.figure.data[0].values)
    assert data["tree"]["output"] == panel.output_shapes  # the last run's shapes, per module
    text = save_html(exp, tmp_path / "exp.html").read_text("utf-8")
    assert part(text, "figures")[at] == entry["figure"]
    assert text.count(plotly_js()[:2000]) == 1  # a figure to draw: plotly.js, once
    assert "Text: a &lt;b&gt;fine&lt;/b&gt; film" in text


def test_explorer_exports_the_qa_panel():
    model, tok = cached("distilbert_qa"), cached_tokenizer(token_type_ids=False)
    exp = explorer.explore(model, tok)
    got = exp.task_panel.details
    assert got is not None and got.results  # the panel ran once on its example
    panels = page_data(exp)["panels"]
    entry = next(p for p in panels if p["title"] == exp.panels.get_title(0))
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
    entry = next(p for p in page_data(exp)["panels"] if p["title"] == "<b>QA</b>")
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
    assert text.startswith("<!DOCTYPE html>") and packed(text)["meta"]["type"] == "Linear"


# -- sizes -----------------------------------------------------------------------------------------
def test_full_size_distilbert_pages_are_small(tmp_path):
    """A page without figures carries no plotly.js; with a panel figure, plotly.js is the bulk."""
    model = full_size("distilbert-sst2")
    bare = save_html(model, tmp_path / "bare.html").stat().st_size
    assert bare < 200_000, bare  # far under the 2 MB limit
    tiny, tok = cached("distilbert_sst2"), cached_tokenizer(token_type_ids=False)
    exp = explorer.explore(tiny, tok)
    with_fig = save_html(exp, tmp_path / "fig.html").stat().st_size
    plotly_size = len(plotly_js().encode())
    assert 0 < with_fig - plotly_size < 200_000, (with_fig, plotly_size)
    print(f"\nDistilBERT page: {bare:,} bytes; with a panel figure {with_fig:,} "
          f"(plotly.js {plotly_size:,})")  # fmt: skip


@pytest.mark.slow
def test_deepseek_v3_on_meta_exports_a_small_file(tmp_path):
    model = full_size("deepseek-v3")
    path = save_html(model, tmp_path / "ds.html")
    text = path.read_text("utf-8")
    data = packed(text)
    n = sum(1 for _ in model.named_modules())
    assert data["meta"]["modules"] == n and data["meta"]["params"] > 600e9
    assert path.stat().st_size < 2 * MB, path.stat().st_size
    ex = part(text, "explain")
    assert not ex["complete"] and ex["of"]
    tree = part(text, "tree")
    assert len(tree["shapes"]) < n / 10  # 58 identical MoE layers, stored once


@pytest.mark.slow
def test_76k_modules_export_under_5_mb(tmp_path):
    from _view import moe_like

    model = moe_like()
    n = sum(1 for _ in model.named_modules())
    assert n > 76_000
    path = save_html(model, tmp_path / "moe.html")
    size = path.stat().st_size
    assert size < 5 * MB, size
    assert packed(path.read_text("utf-8"))["meta"]["modules"] == n
    print(f"\n{n:,}-module page: {size:,} bytes")


def test_pages_carry_the_budget_with_formulas_and_sources(tmp_path):
    model = full_size("mixtral-8x7b")
    text = save_html(model, tmp_path / "m.html").read_text("utf-8")
    want = explorer.budget(model)
    tags = Tags(text)
    rows = {a.get("title") for t, a in tags.tags if t == "tr" and a.get("title")}
    for row in want.rows():
        assert f"= {row['formula']}" in rows, row["name"]
    assert f"{int(want.active):,}" in text  # the active count per token, as text
    assert "a token uses 2 of 8 experts" in text
    ex = explorer.explore(full_size("distilbert-sst2"))
    html = fallback_html(ex)
    assert "Budget of DistilBertForSequenceClassification" in html
    assert "training, mixed precision" in html and "GPUs of 80 GB." in html
