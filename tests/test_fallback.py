"""The Explorer's display: the widget view plus a small, safe, static text/html view (in a notebook,
two outputs: the widget, then the static view)."""

import re

import pytest
import tinycss2
from _models import full_size
from _tiny_models import build, cached, cached_tokenizer, tokenizer
from _view import EVIL, Tags, evil_model, moe_like, packed, part, styles
from IPython.core.formatters import DisplayFormatter

import explorer
from explorer.export import fallback_html
from explorer.export.html import ROOT_CLASS, scope_css
from explorer.model_info import untrained_note

LIMIT = 600_000  # bytes of text/html per explorer output
WIDGET = "application/vnd.jupyter.widget-view+json"


def bundle(obj) -> dict:
    """The Explorer's one bundle (``_repr_mimebundle_``: what marimo and other hosts take)."""
    return obj._repr_mimebundle_()


def outputs(obj, monkeypatch) -> list[dict]:
    """What IPython puts in the notebook for ``obj`` (the display formatter, as a kernel runs it
    on a cell's last value): each ``display`` call is one output."""
    import IPython.display

    shown: list[dict] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    data, _ = DisplayFormatter().format(obj)
    return shown + ([data] if data else [])


def selectors(css: str) -> list[str]:
    """Every selector of every rule, inside at-rules too, parsed with tinycss2."""
    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type == "qualified-rule":
            prelude = tinycss2.serialize(rule.prelude)
            out.extend(s.strip() for s in prelude.split(","))
        elif rule.type == "at-rule":
            assert rule.lower_at_keyword in ("media", "supports"), rule.lower_at_keyword
            out.extend(selectors(tinycss2.serialize(rule.content)))
        else:
            raise AssertionError(f"unexpected CSS: {tinycss2.serialize([rule])}")
    return out


def check_scoped(html: str) -> None:
    sels = [s for css in styles(html) for s in selectors(css)]
    assert sels
    for s in sels:
        assert s == f".{ROOT_CLASS}" or s.startswith(
            (f".{ROOT_CLASS} ", f".{ROOT_CLASS}.", f".{ROOT_CLASS}:", f".{ROOT_CLASS}>")
        ), s
    for css in styles(html):
        assert "@import" not in css and "url(" not in css


@pytest.fixture(scope="module")
def sst2_explorer():
    exp = explorer.explore(cached("distilbert_sst2"), cached_tokenizer(token_type_ids=False))
    exp.task_panel.text_box.value = "a <b>fine</b> film"
    exp.task_panel.flush()
    return exp


def test_a_notebook_gets_the_widget_then_its_static_view(sst2_explorer, monkeypatch):
    # One output with both showed only the widget wherever a widget renderer exists, also where
    # its model is gone (nbconvert --execute pages offline, a notebook reopened with no kernel).
    exp = sst2_explorer
    widget, static = outputs(exp, monkeypatch)
    assert widget == {WIDGET: bundle(exp)[WIDGET], "text/plain": ""}
    assert set(static) == {"text/html", "text/plain"} and static["text/plain"] == repr(exp)
    key = exp.tree_widget.static_key
    assert re.fullmatch(r"[0-9a-f]{16}", key)
    style, view = re.fullmatch(r"<style>(.*?)</style>(.*)", static["text/html"], re.S).groups()
    assert (
        view.startswith(f'<div class="{ROOT_CLASS}" id="txe-')
        and f'data-txe-beside="{key}"' in view
    )
    # The front-end rules hide only a static view beside a widget output, or that widget's error.
    for sel in selectors(style):
        assert sel.startswith(".jp-OutputArea-child:has(") and "[data-txe-beside]" in sel, sel
    assert "/*" not in style and "url(" not in style
    # A closed widget: nothing to render, its text only.
    other = explorer.Explorer(nn_model())
    other.close()
    assert outputs(other, monkeypatch) == [{"text/plain": repr(other)}]


def nn_model():
    from torch import nn

    return nn.Sequential(nn.Linear(2, 3))


def test_bundle_has_the_widget_and_the_static_view(sst2_explorer):
    exp = sst2_explorer
    data = bundle(exp)
    assert set(data) == {"text/plain", "text/html", WIDGET}
    assert data[WIDGET]["model_id"] == exp.model_id and data["text/plain"] == repr(exp)
    html = data["text/html"]
    assert html.startswith(f'<div class="{ROOT_CLASS}" id="txe-') and html.endswith("</div>")
    assert len(html.encode()) < LIMIT
    tags = Tags(html)
    names = [t for t, _ in tags.tags]
    assert "details" in names and "summary" in names and "svg" in names
    fills = [a["fill"] for t, a in tags.tags if t == "rect"]
    assert len(fills) > 5 and all(f.startswith("#") for f in fills)  # colours as attributes
    text = " ".join(tags.text)
    assert "Text: a <b>fine</b> film" in text  # the last result, escaped in the markup
    assert "a &lt;b&gt;fine&lt;/b&gt; film" in html
    label = exp.task_panel.details.results[0]["label"]
    assert label in text and exp.panels.get_title(0) in text


def test_static_view_shows_selection_details(sst2_explorer):
    exp = sst2_explorer
    exp.selected = "distilbert.transformer.layer.1.ffn.lin1"
    html = bundle(exp)["text/html"]
    text = "".join(Tags(html).text)
    exp.selected = ""
    assert "distilbert.transformer.layer.1.ffn.lin1 · Linear" in text  # the details' heading
    assert "output shape" in text  # the last run's shapes reach the details
    lin1 = exp.model.distilbert.transformer.layer[1].ffn.lin1
    assert f"{sum(p.numel() for p in lin1.parameters()):,}" in text
    assert repr(lin1) in text


def test_every_output_has_its_own_ids(sst2_explorer):
    a, b = bundle(sst2_explorer)["text/html"], bundle(sst2_explorer)["text/html"]
    ids_a = re.findall(r'\bid="([^"]*)"', a)
    ids_b = re.findall(r'\bid="([^"]*)"', b)
    assert len(ids_a) == len(set(ids_a)) == 1 and len(ids_b) == 1 and ids_a != ids_b
    assert a.count(ids_a[0]) == 2  # the root, and the script that finds it


def test_css_is_scoped_under_the_root(sst2_explorer):
    check_scoped(bundle(sst2_explorer)["text/html"])


def test_scope_css_puts_every_rule_under_the_root():
    css = "a, .x > b {color: red} /* c { } */ @media (max-width: 9px) { p {x: y} .txe-root .q {} }"
    check_scoped(f"<style>{scope_css(css)}</style>")
    assert selectors(scope_css(css)) == [
        ".txe-root a", ".txe-root .x > b", ".txe-root p", ".txe-root .q",
    ]  # fmt: skip


def test_model_text_is_escaped_in_the_static_view():
    exp = explorer.Explorer(evil_model())
    exp.selected = EVIL
    html = bundle(exp)["text/html"]
    assert "<img" not in html.lower() and "<b>" not in html.lower()
    assert html.lower().count("<script") == html.lower().count("</script") == 2
    shown = " ".join(Tags(html).text)
    assert EVIL in shown
    assert part(html, "tree") and packed(html)["state"]["selected"] == EVIL


def test_untrained_warning_and_panel_result(tmp_path):
    """A checkpoint loaded for a task its head lacks: the view warns, as the panel does."""
    model = build("distilbert_sst2")
    model.save_pretrained(tmp_path)
    tokenizer(token_type_ids=False).save_pretrained(tmp_path)
    qa, tok = explorer.load(str(tmp_path), task="question-answering")
    exp = explorer.explore(qa, tok)
    html = bundle(exp)["text/html"]
    note = untrained_note(qa)
    assert note and "qa_outputs" in note
    text = " ".join(Tags(html).text)
    assert f"⚠ {note}" in text
    assert exp.task_panel.details is not None and "Question: " in text
    assert packed(html)["meta"]["untrained"] == note


def test_fallback_of_a_bare_model_and_a_pipeline_shape():
    html = fallback_html(cached("distilbert_qa"), title="QA <model>")
    assert "QA &lt;model&gt;" in html and len(html) < LIMIT
    check_scoped(html)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["distilbert-sst2", "deepseek-v3", "moe-79k"])
def test_large_models_stay_under_the_limit(name):
    model = moe_like() if name == "moe-79k" else full_size(name)
    exp = explorer.explore(model)
    html = bundle(exp)["text/html"]
    size = len(html.encode())
    n = sum(1 for _ in model.named_modules())
    assert size < LIMIT, size
    assert packed(html)["meta"]["modules"] == n
    assert html.count("<rect") <= 602  # the script-free treemap is capped
    print(f"\n{name}: {n:,} modules, text/html {size:,} bytes")
