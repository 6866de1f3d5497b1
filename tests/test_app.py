"""Explorer: tree + treemap + panels linked by one selected path, driven as the browser would."""

from __future__ import annotations

import ipywidgets
import pytest
from _models import full_size, synthetic
from _wire import Wire
from torch import nn

from explorer.anatomy import ModuleNode
from explorer.treemap import ROOT_ID
from explorer.widgets.app import Explorer, explore
from explorer.widgets.plot import PlotWidget


def click_sector(w: Explorer, sector_id: str) -> None:
    """What the treemap's JS sends on a plotly_click: one custom message with the points."""
    i = list(w.figure.data[0].ids).index(sector_id)
    point = {"curveNumber": 0, "pointNumber": i, "id": sector_id, "label": "x"}
    content = {"type": "click", "points": [point]}
    msg = {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    w.figure._handle_msg(msg)


def test_explore_builds_one_displayable_object():
    model = full_size("distilbert-sst2")
    w = explore(model, tokenizer="tok")
    assert isinstance(w, ipywidgets.VBox) and isinstance(w.figure, PlotWidget)
    assert w.model is model and w.tokenizer == "tok" and isinstance(w.tree, ModuleNode)
    assert w.tree.params == sum(p.numel() for p in model.parameters())
    assert w.figure.data[0].type == "treemap" and w.selected == ""
    assert "_repr_mimebundle_" in dir(w)  # an ipywidget: the last expression of a cell shows it


def test_selecting_in_python_moves_tree_and_treemap():
    w = explore(full_size("distilbert-sst2"))
    w.selected = "distilbert.transformer.layer.0"
    assert w.tree_widget.selected == "distilbert.transformer.layer.0"
    assert w.figure.data[0].level == "distilbert.transformer.layer.0"
    w.selected = ""
    assert w.figure.data[0].level == ROOT_ID


def test_a_module_without_sector_zooms_to_its_nearest_ancestor():
    model = full_size("distilbert-sst2")
    w = explore(model)
    ids = set(w.figure.data[0].ids)
    # dropout holds no parameter, so the treemap has no sector for it
    assert "distilbert.transformer.layer.2.attention.dropout" not in ids
    w.selected = "distilbert.transformer.layer.2.attention.dropout"
    assert w.figure.data[0].level == "distilbert.transformer.layer.2.attention"
    # a leaf sector is shown among its siblings: the level is its parent
    w.selected = "distilbert.transformer.layer.2.attention.q_lin"
    assert w.figure.data[0].level == "distilbert.transformer.layer.2.attention"


def test_the_browser_selecting_a_row_moves_the_treemap():
    w = explore(full_size("distilbert-squad"))
    msg = {
        "content": {"data": {"method": "update", "state": {"selected": "distilbert.embeddings"}}}
    }
    w.tree_widget._handle_msg({**msg, "buffers": []})
    assert w.selected == "distilbert.embeddings"
    assert w.figure.data[0].level == "distilbert.embeddings"


def test_clicking_a_sector_selects_the_module():
    w = explore(full_size("distilbert-sst2"))
    click_sector(w, "distilbert.transformer.layer.4")
    assert w.selected == w.tree_widget.selected == "distilbert.transformer.layer.4"
    # Python zooms (Plotly's own animated click zoom is off: it raced the outline's redraw)
    assert w.figure.treemap_zoom is False
    assert w.figure.data[0].level == "distilbert.transformer.layer.4"
    # the zoomed sector's own header zooms out: its parent is selected
    click_sector(w, "distilbert.transformer.layer.4")
    assert w.selected == "distilbert.transformer.layer"
    click_sector(w, ROOT_ID)
    assert w.selected == ""


def test_clicking_an_aggregated_sector_selects_its_parent_and_lists_them_in_the_tree():
    w = explore(synthetic(25_000), max_sectors=50)
    other = next(i for i in w.figure.data[0].ids if i.endswith("\x00other") and i != "\x00other")
    holder = other[: -len("\x00other")]
    wire = Wire(w.tree_widget)
    click_sector(w, other)
    assert w.selected == holder
    opened = [d["content"] for d in wire.sent if d.get("method") == "custom"]
    assert opened == [{"op": "open", "path": holder}]  # the tree lists the smaller modules
    assert w.figure.data[0].level == holder  # the treemap shows the holder's sectors


def test_the_selected_module_is_outlined_in_the_treemap():
    w = explore(full_size("distilbert-sst2"))
    assert w.figure.highlight is None  # the root: nothing to outline
    w.selected = "distilbert.transformer.layer.3.attention.q_lin"
    ids = set(w.figure.data[0].ids)
    assert (
        w.figure.highlight in ids
        and "distilbert.transformer.layer.3".startswith(w.figure.highlight)
        or w.figure.highlight == "distilbert.transformer.layer.3.attention.q_lin"
    )
    w.selected = "classifier"
    assert w.figure.highlight == "classifier"  # a small module, outlined (not only zoomed to)
    w.selected = ""
    assert w.figure.highlight is None


def test_unknown_paths_are_refused_everywhere_and_nothing_changes():
    w = explore(full_size("distilbert-sst2"))
    w.selected = "classifier"
    with pytest.raises(ValueError, match="'distilbert.layer.9'"):
        w.selected = "distilbert.layer.9"
    assert w.selected == w.tree_widget.selected == "classifier"
    with pytest.raises(ValueError, match="'nope'"):
        w.tree_widget.selected = "nope"
    assert w.selected == "classifier"
    w.selected = "pre_classifier"
    assert w.figure.data[0].level == ROOT_ID  # a leaf of the root: shown among its siblings


def test_panels_follow_the_selection():
    w = Explorer(full_size("distilbert-sst2"))  # explore() may add a task panel of its own
    assert w.panels.layout.display == "none"
    seen = []
    label = ipywidgets.Label()

    def follow(path, node):
        seen.append((path, node.type))
        label.value = node.type

    panel = w.add_panel(label, "Explain", on_select=follow)
    assert panel is label and w.panels.children == (label,) and w.panels.get_title(0) == "Explain"
    assert w.panels.layout.display is None
    w.selected = "distilbert.embeddings"
    click_sector(w, "classifier")
    assert seen == [("", "DistilBertForSequenceClassification"),
                    ("distilbert.embeddings", "Embeddings"), ("classifier", "Linear")]  # fmt: skip
    assert label.value == "Linear"
    with pytest.raises(TypeError, match="ipywidgets"):
        w.add_panel("not a widget", "x")
    observed = []
    w.observe(lambda change: observed.append(change["new"]), "selected")
    w.tree_widget.selected = "distilbert"
    assert observed == ["distilbert"]


def test_pipelines_and_load_info():
    from explorer.load import load

    loaded = load("distilbert-base-uncased", task="question-answering", weights=False)
    w = explore(loaded.model)
    assert w.load_info["newly_initialized_modules"] == ["qa_outputs"]
    rows = {it["p"]: it for it in w.tree_widget.initial["kids"][0]["items"]}
    assert "new" in rows["qa_outputs"]["b"] and "new" not in rows["distilbert"].get("b", [])

    import _tiny_models as tiny
    from transformers import pipeline

    model, tok = tiny.build("distilbert_sst2"), tiny.tokenizer(token_type_ids=False)
    pipe = pipeline("text-classification", model=model, tokenizer=tok)
    w2 = explore(pipe)
    assert w2.model is model and w2.tokenizer is tok and w2.source is pipe
    assert w2.tree.type == "DistilBertForSequenceClassification"
    with pytest.raises(TypeError, match="nn.Module or a transformers pipeline"):
        explore(42)


def test_the_model_is_not_changed():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(), nn.Linear(3, 1)).train()
    model[2].weight.requires_grad_(False)
    before = [(n, p.requires_grad, p.dtype, p.data_ptr(), p.sum().item()) for n, p in
              model.named_parameters()]  # fmt: skip
    w = explore(model)
    w.selected = "1"
    click_sector(w, "0")
    after = [(n, p.requires_grad, p.dtype, p.data_ptr(), p.sum().item()) for n, p in
             model.named_parameters()]  # fmt: skip
    assert after == before and model.training and model[1].training


def test_a_hub_name_or_a_wrong_head_gets_a_message_that_says_what_to_do(tmp_path):
    with pytest.raises(TypeError, match=r"explorer\.load\('distilbert-base-uncased'\)"):
        explore("distilbert-base-uncased")  # a name, not a model: load it first
    with pytest.raises(TypeError, match="unexpected keyword argument 'heigth'.*'height'"):
        explore(nn.Linear(3, 2), heigth=300)  # misspelled: named, with the likely intent
    with pytest.raises(TypeError, match="'colour'"):
        Explorer(nn.Linear(3, 2), colour="red")
