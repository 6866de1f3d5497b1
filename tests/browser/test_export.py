"""The exported page from disk in Chromium, network blocked: tree, treemap, text-only names."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from torch import nn

import explorer
from explorer.export import save_html
from explorer.tree_pages import PAGE, TreePages

from .harness import screenshot

EVIL = "</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import _tiny_models as tiny

    model = tiny.build("distilbert_sst2")
    model.add_module(EVIL, nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    model.add_module("many", nn.ModuleList(nn.Linear(2, 2) for _ in range(PAGE + 250)))
    path = save_html(model, tmp_path_factory.mktemp("export") / "page.html", title="Tiny <b>")
    return model, path


@pytest.fixture
def page(browser_page, exported):
    """The exported page, opened from disk with every non-file request aborted and recorded."""
    _, path = exported
    blocked, seen = [], []
    browser_page.on("request", lambda req: seen.append(req.url))

    def route(r):
        if r.request.url.startswith(("file:", "blob:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    browser_page.route("**/*", route)
    browser_page.goto(path.as_uri())
    expect(browser_page.locator("html")).to_have_attribute("data-ex-ready", "1")
    yield browser_page
    assert blocked == [] and seen[0] == path.as_uri()
    assert all(url.startswith(("file:", "blob:", "data:")) for url in seen), seen
    assert [u for u in browser_page.external_requests if not u.startswith("file:")] == []
    assert browser_page.dialogs == []
    assert browser_page.page_errors == [] and browser_page.console_errors == []


def row(page, key):
    return page.locator(".xt-row").filter(has=page.locator(f'[title="{key}"]'))


def test_tree_treemap_and_text_only_names(page, exported):
    model, _ = exported
    tree = page.locator("#ex-tree")
    expect(tree.locator(".xt-row").first).to_contain_text(type(model).__name__)
    expect(page.locator("#ex-title")).to_have_text("Tiny <b>")
    # Open "distilbert": its children come from the stand-in model's answers.
    caret = tree.locator('.xt-row[data-key="distilbert"] .xt-caret')
    caret.click()
    expect(tree.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
    expect(tree.locator('.xt-row[data-key="distilbert.embeddings"]')).to_be_visible()
    # The treemap is drawn, one slice per sector.
    expect(page.locator("#ex-treemap svg.main-svg").first).to_be_visible()
    assert page.locator("#ex-treemap g.slice").count() >= 10
    # The <img>-named module is a row whose name is text; no image, no alert.
    name = tree.locator(".xt-name", has_text=EVIL)
    expect(name).to_have_text(EVIL)
    assert page.locator("img").count() == 0
    # Select it: the details pane and the explanation show the name as text too.
    name.click()
    expect(tree.locator(".xt-d-path")).to_have_text(EVIL)
    expect(page.locator("#ex-explain-path")).to_have_text(EVIL)
    expect(page.locator("#ex-explain-text")).to_have_text(explorer.explain(model, EVIL, "en"))
    page.locator('.ex-lang button[data-lang="ko"]').click()
    expect(page.locator("#ex-explain-text")).to_have_text(explorer.explain(model, EVIL, "ko"))
    assert page.locator("img").count() == 0
    screenshot(page, "export")


def test_paging_search_and_treemap_click_select(page, exported):
    model, _ = exported
    tree = page.locator("#ex-tree")
    tree.locator('.xt-row[data-key="many"] .xt-caret').click()
    group = tree.locator(".xt-group").filter(has_text=f"{PAGE + 250} × Linear")
    group.locator(".xt-caret").click()
    expect(tree.locator('.xt-row[data-key="many.0"]')).to_be_visible()
    gap = tree.locator(".xt-gap")
    expect(gap).to_contain_text("250 more")
    gap.click()  # one more page of PAGE rows
    expect(gap).to_contain_text("50 more")
    gap.click()
    expect(tree.locator(f'.xt-row[data-key="many.{PAGE + 249}"]')).to_be_attached()
    expect(gap).to_have_count(0)
    page.locator(".xt-search").fill("lin1")
    expect(tree.locator(".xt-match")).to_have_count(len(model.distilbert.transformer.layer))
    page.locator(".xt-search").fill("")
    # A click on a treemap sector selects that module in the tree.
    sector = page.locator("#ex-treemap g.slice").filter(has_text=re.compile("^embeddings$"))
    sector.locator("path.surface").click(position={"x": 40, "y": 10})
    sel = "window.explorerExport.model.get('selected')"
    page.wait_for_function(f"{sel} === 'distilbert.embeddings'")
    expect(tree.locator(".xt-d-path")).to_have_text("distilbert.embeddings")
    expect(tree.locator('.xt-row[data-key="distilbert.embeddings"]')).to_have_attribute(
        "aria-selected", "true"
    )
    # Selecting in the tree zooms the treemap to the module's level.
    tree.locator('.xt-row[data-key="distilbert"]').click()
    page.wait_for_function(f"{sel} === 'distilbert'")
    page.wait_for_function("document.getElementById('ex-treemap').data[0].level === 'distilbert'")
    tree.locator('.xt-row[data-key="distilbert"]').click()  # a click toggles: open again
    tree.locator('.xt-row[data-key="distilbert.embeddings"] .xt-caret').click()
    tree.locator('.xt-row[data-key="distilbert.embeddings.word_embeddings"]').click()
    level = "document.getElementById('ex-treemap').data[0].level"
    page.wait_for_function(f"{level} === 'distilbert.embeddings'")  # a leaf among its siblings


def test_stand_in_answers_equal_tree_pages(page, exported):
    """tree.js's protocol: every reply of the page's stand-in equals TreePages.answer()."""
    model, _ = exported
    widget = TreePages(model)
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
    for i, req in enumerate(requests):
        req = {**req, "id": f"t{i}"}
        got = page.evaluate("(r) => window.explorerExport.answer(r)", req)
        want = json.loads(json.dumps(widget.answer(req)))
        assert got == want, req
    bad = page.evaluate(
        """() => new Promise((ok) => {
            const m = window.explorerExport.model;
            const on = (msg) => { m.off("msg:custom", on); ok(msg); };
            m.on("msg:custom", on);
            m.send({op: "children", path: "no.such", id: "bad"});
        })"""
    )
    assert bad["op"] == "error" and bad["id"] == "bad" and "no.such" in bad["message"]
    assert bad == {**widget.reply({"op": "children", "path": "no.such", "id": "bad"}),
                   "message": bad["message"]}  # fmt: skip
