"""Course pages: a notebook run with nbclient, converted by `jupyter nbconvert --to html` with no
widget state, opened from disk in Chromium with the network blocked. Both explorers work."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from explorer.tree.pages import PAGE, TreePages

from .checks import block_network, python_kernelspec
from .harness import screenshot

TESTS = Path(__file__).resolve().parents[1]
EVIL = "</script><img src=x onerror=alert(1)>"

SETUP = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import explorer, _tiny_models as tiny
from torch import nn

def second_model():
    model = tiny.build("distilbert_sst2")
    model.add_module({EVIL!r}, nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    model.add_module("many", nn.ModuleList(nn.Linear(2, 2) for _ in range({PAGE} + 250)))
    return model
"""
FIRST = """
sst2 = explorer.explore(tiny.build("distilbert_sst2"), tiny.tokenizer(token_type_ids=False))
sst2.task_panel.text_box.value = "a <b>wonderful</b> film"
sst2.task_panel.flush()
sst2
"""
SECOND = "other = explorer.Explorer(second_model(), height=420)\nother"


def second_model():
    import _tiny_models as tiny
    from torch import nn

    model = tiny.build("distilbert_sst2")
    model.add_module(EVIL, nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    model.add_module("many", nn.ModuleList(nn.Linear(2, 2) for _ in range(PAGE + 250)))
    return model


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The executed notebook (no widget state) and its nbconvert HTML."""
    import nbclient
    import nbformat

    tmp = tmp_path_factory.mktemp("course")
    python_kernelspec(tmp)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Inside DistilBERT\nTwo explorers on one page."),
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_code_cell(FIRST),
        nbformat.v4.new_code_cell(SECOND),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(tmp / "jupyter"))
    mp.setenv("HF_HUB_OFFLINE", "1")
    try:
        nbclient.NotebookClient(
            nb, timeout=180, kernel_name="python3", store_widget_state=False,
            resources={"metadata": {"path": str(tmp)}},
        ).execute()  # fmt: skip
    finally:
        mp.undo()
    assert "widgets" not in nb.metadata  # no widget state: nbconvert must pick text/html
    outs = [o for c in nb.cells[2:] for o in c.outputs if "text/html" in o.get("data", {})]
    assert len(outs) == 2 and all({"text/html", "text/plain"} <= set(o.data) for o in outs)
    path = tmp / "course.ipynb"
    nbformat.write(nb, path)
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return tmp / "course.html"


def _open(browser_page, url: str, js_ready: bool = True):
    """Open ``url`` with every non-file request aborted and recorded; returns the attempts."""
    blocked = block_network(browser_page)
    browser_page.goto(url)
    if js_ready:
        for root in browser_page.locator(".txe-root").all():
            expect(root).to_have_attribute("data-txe-ready", "1")
    return blocked


def _template_urls(html: str) -> set[str]:
    """What nbconvert's own page template loads (require.js, MathJax): not ours."""
    return set(re.findall(r'<script[^>]*\bsrc="(https?://[^"]+)"', html))


def test_converted_page_shows_two_working_explorers(converted, browser_page):
    html = converted.read_text("utf-8")
    assert html.count('class="txe-root"') == 2
    assert "application/vnd.jupyter.widget-view+json" not in html  # no state: the HTML was chosen
    blocked = _open(browser_page, converted.as_uri())
    allowed = _template_urls(html)
    assert all(u.split("?")[0] in {a.split("?")[0] for a in allowed} for u in blocked), blocked
    page = browser_page
    first, second = page.locator(".txe-root").all()
    assert first.get_attribute("id") != second.get_attribute("id")
    # First explorer: the tree shows and opens on click; the last result is there.
    tree = first.locator(".txe-live")
    expect(first.locator(".txe-static")).to_be_hidden()
    tree.locator('.xt-row[data-key="distilbert"] .xt-caret').click()
    expect(tree.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
    expect(first.locator(".txe-result").first).to_contain_text("Text: a <b>wonderful</b> film")
    # Its treemap is drawn; a click on a sector selects that module in the tree.
    sectors = first.locator(".txe-mapbox svg g[data-i]")
    assert sectors.count() >= 5
    first.locator(".txe-mapbox svg g[data-i]", has_text=re.compile(r"^distilbert")).first.locator(
        "rect"
    ).click(position={"x": 30, "y": 6})
    expect(tree.locator(".xt-d-path")).to_have_text("distilbert")
    # Second explorer: independent; its own rows, the <img>-named module as text.
    tree2 = second.locator(".txe-live")
    expect(tree2.locator(".xt-row").first).to_contain_text("DistilBertForSequenceClassification")
    tree2.locator('.xt-row[data-key="many"] .xt-caret').click()
    tree2.locator(".xt-group", has_text=f"{PAGE + 250} × Linear").locator(".xt-caret").click()
    expect(tree2.locator('.xt-row[data-key="many.0"]')).to_be_visible()
    expect(tree2.locator(".xt-gap")).to_contain_text("250 more")
    expect(tree2.locator(".xt-name", has_text=EVIL)).to_have_text(EVIL)
    expect(tree.locator(".xt-d-path")).to_have_text("distilbert")  # the first is untouched
    second.locator(".xt-search").fill("lin1")
    expect(tree2.locator(".xt-match")).to_have_count(2)
    assert page.locator("img").count() == 0 and page.dialogs == []
    assert page.page_errors == []
    screenshot(page, "course-page-nbconvert")


def test_stand_in_answers_equal_tree_pages(converted, browser_page):
    """tree.js's protocol: every reply from the page equals TreePages.answer() in a kernel."""
    _open(browser_page, converted.as_uri())
    widget = TreePages(second_model())
    group = widget.children("many")["items"][0]["g"]
    requests = [
        {"op": "children", "path": ""},
        {"op": "children", "path": "distilbert.transformer.layer.1"},
        {"op": "children", "path": "many", "group": group, "offset": PAGE},
        {"op": "reveal", "path": "many.321"},
        {"op": "reveal", "path": "distilbert.transformer.layer.1.attention.q_lin"},
        {"op": "reveal", "path": ""},
        {"op": "search", "q": "LIN"},
        {"op": "search", "q": "layer.1.ffn"},
        {"op": "search", "q": "er.1"},
        {"op": "search", "q": "   "},
        {"op": "search", "q": "<img"},
        {"op": "details", "path": ""},
        {"op": "details", "path": EVIL},
        {"op": "details", "path": "distilbert.embeddings.word_embeddings"},
        {"op": "details", "path": "many.449"},
    ]
    ask = "([i, r]) => document.querySelectorAll('.txe-root')[i].txe.answer(r)"
    for i, req in enumerate(requests):
        req = {**req, "id": f"t{i}"}
        got = browser_page.evaluate(ask, [1, req])
        assert got == json.loads(json.dumps(widget.answer(req))), req
    initial = browser_page.evaluate(
        "() => document.querySelectorAll('.txe-root')[1].txe.model.get('initial')"
    )
    assert initial == json.loads(json.dumps(widget.initial()))
    err = browser_page.evaluate(
        """() => new Promise((ok) => {
            const m = document.querySelectorAll('.txe-root')[1].txe.model;
            const on = (msg) => { m.off("msg:custom", on); ok(msg); };
            m.on("msg:custom", on);
            m.send({op: "children", path: "no.such", id: "bad"});
        })"""
    )
    assert err["op"] == "error" and err["id"] == "bad" and "no.such" in err["message"]


def test_browser_layout_equals_the_static_svg(converted, browser_page):
    """The treemap the page redraws on zoom is the one Python drew: same squarified rectangles."""
    from _view import Tags

    html = converted.read_text("utf-8")
    _open(browser_page, converted.as_uri())
    roots = re.findall(r'<div class="txe-root".*?</svg>', html, re.S)
    for index, chunk in enumerate(roots):
        tags = Tags(chunk).tags
        static = []
        for k, (tag, attrs) in enumerate(tags):
            if tag == "g" and "data-i" in attrs and attrs.get("class") != "txe-bar":
                rect = tags[k + 1][1] if tags[k + 1][0] == "rect" else tags[k + 2][1]
                static.append(
                    [int(attrs["data-i"])] + [float(rect[a]) for a in "x y width height".split()]
                )
        got = browser_page.evaluate(
            "(i) => document.querySelectorAll('.txe-root')[i].txe.mapLayout()", index
        )
        assert len(static) == min(len(got), 600) and len(static) >= 5
        for s, g in zip(static, got):
            assert s[0] == g[0] and all(abs(a - b) < 0.11 for a, b in zip(s[1:], g[1:5])), (s, g)


def test_without_script_or_styles_the_tree_and_treemap_still_show(
    converted, browser_page, tmp_path
):
    """A renderer that strips scripts, styles and classes (GitHub's): <details> and SVG remain."""
    html = converted.read_text("utf-8")
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S).group(1)
    stripped = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S | re.I)
    stripped = re.sub(r'\s(style|class)="[^"]*"', "", stripped)
    page_file = tmp_path / "stripped.html"
    page_file.write_text(f"<!DOCTYPE html><html><body>{stripped}</body></html>", "utf-8")
    blocked = _open(browser_page, page_file.as_uri(), js_ready=False)
    assert blocked == []
    page = browser_page

    def summary(name):
        return (
            page.locator("summary")
            .filter(has=page.locator("code", has_text=re.compile(f"^{name}$")))
            .first
        )

    expect(summary("distilbert")).to_be_visible()
    child = summary("transformer")
    expect(child).to_be_hidden()
    summary("distilbert").click()  # native expand, no script
    expect(child).to_be_visible()
    rects = page.locator("svg rect[fill^='#']")
    assert rects.count() >= 10  # both treemaps (a tiny model: few visible sectors)
    expect(rects.nth(5)).to_be_visible()
    assert page.locator("text=a <b>wonderful</b> film").count() >= 1
    screenshot(page, "course-page-stripped")


SPHINX_CONF = """
extensions = ["myst_nb"]
nb_execution_mode = "off"
# myst-nb ranks the widget view first even with no widget state, which shows nothing on a page:
# let the explorer's text/html view show instead (and load no widget script from a CDN).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
"""


@pytest.mark.slow
def test_sphinx_myst_nb_page_shows_the_static_view(converted, browser_page, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(converted.with_suffix(".ipynb"), src / "course.ipynb")
    (src / "conf.py").write_text(SPHINX_CONF, "utf-8")
    (src / "index.rst").write_text("Course\n======\n\n.. toctree::\n\n   course\n", "utf-8")
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(tmp_path / "out")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    built = tmp_path / "out" / "course.html"
    html = built.read_text("utf-8")
    assert html.count('class="txe-root"') == 2
    assert not re.search(r'<script[^>]*src="https?://', html)  # no widget loader from a CDN
    blocked = _open(browser_page, built.as_uri())
    assert blocked == []
    first = browser_page.locator(".txe-root").first
    first.locator('.xt-row[data-key="distilbert"] .xt-caret').click()
    expect(first.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
    assert browser_page.page_errors == []
    screenshot(browser_page, "course-page-sphinx")


def test_jupyterlab_shows_a_saved_untrusted_notebook_as_its_static_tree(
    converted, jupyter_server, browser_page
):
    """A student opens the teacher's executed notebook without running it: JupyterLab treats the
    saved outputs as untrusted, renders the text/html sanitized (no script, no SVG), and the
    tree's nested <details> still open and close."""
    from .harness import open_notebook

    shutil.copy(converted.with_suffix(".ipynb"), jupyter_server.root_dir / "saved-course.ipynb")
    open_notebook(browser_page, jupyter_server, "saved-course.ipynb")
    out = browser_page.locator(".jp-OutputArea-output[data-mime-type='text/html']")
    expect(out).to_have_count(2)
    first = out.first
    summary = first.locator("summary").filter(
        has=browser_page.locator("code", has_text=re.compile("^distilbert$"))
    )
    expect(summary).to_be_visible()
    child = first.locator("summary").filter(
        has=browser_page.locator("code", has_text=re.compile("^transformer$"))
    )
    expect(child).to_be_hidden()
    summary.click()
    expect(child).to_be_visible()
    assert first.locator("script").count() == 0  # sanitized
    expect(first).to_contain_text("Text: a <b>wonderful</b> film")
    screenshot(browser_page, "course-page-jupyterlab-untrusted", first)
