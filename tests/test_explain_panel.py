"""The Explain panel follows the selection and switches language; model text stays text."""

from __future__ import annotations

import pytest
from _models import full_size
from torch import nn

import explorer
from explorer.widgets.explain import ExplainPanel


def test_follows_path_and_language():
    model = full_size("distilbert-squad")
    tree = explorer.module_tree(model)
    panel = ExplainPanel(model, tree)
    assert panel.path == "" and panel.text == explorer.explain(model, "", "en")
    panel.show("qa_outputs")
    assert panel.text == explorer.explain(model, "qa_outputs", "en")
    panel.lang = "ko"
    assert panel.text == explorer.explain(model, "qa_outputs", "ko")
    assert panel._switch.value == "ko"
    panel._switch.value = "en"  # the browser's toggle
    assert panel.lang == "en" and panel.text == explorer.explain(model, "qa_outputs", "en")
    with pytest.raises(Exception, match="lang"):
        panel.lang = "fr"
    assert panel.lang == "en"


def test_html_in_module_names_is_escaped():
    model = nn.Sequential()
    model.add_module("<img src=x onerror=alert(1)>", nn.Linear(2, 2))
    panel = ExplainPanel(model, explorer.module_tree(model))
    panel.show("<img src=x onerror=alert(1)>")
    assert "<img" not in panel._title.value + panel._body.value
    assert "&lt;img" in panel._title.value


def test_unknown_path_is_reported_not_raised():
    model = nn.Linear(2, 2)
    panel = ExplainPanel(model, explorer.module_tree(model))
    text = panel.show("nope")
    assert "nope" in text and "No explanation" in text
