"""The save_html page from disk in Chromium, network blocked: tree, treemap zoom, explanations,
the panels' figures, text-only names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from torch import nn

import explorer
from explorer.export import save_html
from explorer.tree.pages import PAGE

from .checks import block_network
from .harness import screenshot

EVIL = "</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import _tiny_models as tiny

    model = tiny.build("distilbert_sst2")
    model.add_module(EVIL, nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    model.add_module("many", nn.ModuleList(nn.Linear(2, 2) for _ in range(PAGE + 250)))
    exp = explorer.explore(model, tiny.tokenizer(token_type_ids=False))
    exp.task_panel.text_box.value = "what a film"
    exp.task_panel.flush()
    path = save_html(exp, tmp_path_factory.mktemp("export") / "page.html", title="Tiny <b>")
    return model, path


@pytest.fixture
def page(browser_page, exported):
    """The exported page, opened from disk with every non-file request aborted and recorded."""
    _, path = exported
    seen: list[str] = []
    browser_page.on("request", lambda req: seen.append(req.url))
    blocked = block_network(browser_page)
    browser_page.goto(path.as_uri())
    expect(browser_page.locator(".txe-root")).to_have_attribute("data-txe-ready", "1")
    yield browser_page
    assert blocked == [] and seen[0] == path.as_uri()
    assert all(url.startswith(("file:", "blob:", "data:")) for url in seen), seen
    assert [u for u in browser_page.external_requests if not u.startswith("file:")] == []
    assert browser_page.dialogs == []
    assert browser_page.page_errors == [] and browser_page.console_errors == []


LEVEL = "document.querySelector('.txe-mapbox .txe-bar').dataset.i"


def test_tree_treemap_figures_and_text_only_names(page, exported):
    model, _ = exported
    tree = page.locator(".txe-live")
    expect(tree.locator(".xt-row").first).to_contain_text(type(model).__name__)
    expect(page.locator(".txe-title")).to_have_text("Tiny <b>")
    tree.locator('.xt-row[data-key="distilbert"] .xt-caret').click()
    expect(tree.locator('.xt-row[data-key="distilbert.transformer"]')).to_be_visible()
    # The panel's figure, drawn with the page's plotly.js, and its last result as text.
    expect(page.locator(".txe-figure .main-svg").first).to_be_visible()
    expect(page.locator(".txe-result").first).to_contain_text("Text: what a film")
    # The <img>-named module is a row whose name is text; no image, no alert.
    name = tree.locator(".xt-name", has_text=EVIL)
    expect(name).to_have_text(EVIL)
    name.click()
    expect(tree.locator(".xt-d-path")).to_have_text(EVIL)
    expect(page.locator(".txe-epath")).to_have_text(EVIL)
    expect(page.locator(".txe-etext")).to_have_text(explorer.explain(model, EVIL, "en"))
    page.locator('.txe-langs button[data-lang="ko"]').click()
    expect(page.locator(".txe-etext")).to_have_text(explorer.explain(model, EVIL, "ko"))
    assert page.locator("img").count() == 0
    screenshot(page, "export")


def test_paging_search_and_treemap_zoom(page, exported):
    model, _ = exported
    tree = page.locator(".txe-live")
    tree.locator('.xt-row[data-key="many"] .xt-caret').click()
    group = tree.locator(".xt-group").filter(has_text=f"{PAGE + 250} × Linear")
    group.locator(".xt-caret").click()
    expect(tree.locator('.xt-row[data-key="many.0"]')).to_be_visible()
    gap = tree.locator(".xt-gap")
    expect(gap).to_contain_text("250 more")
    gap.click()  # one more page of PAGE rows
    expect(gap).to_contain_text("50 more")
    page.locator(".xt-search").fill("lin1")
    expect(tree.locator(".xt-match")).to_have_count(len(model.distilbert.transformer.layer))
    page.locator(".xt-search").fill("")
    # A click on a branch sector (its title starts with its path) selects it in the tree and zooms the treemap into it.
    sector = page.locator(".txe-mapbox g[data-i]").filter(
        has_text=re.compile(r"^distilbert\.embeddings ·")
    )
    sector.first.locator("rect").click(position={"x": 20, "y": 5})
    expect(tree.locator(".xt-d-path")).to_have_text("distilbert.embeddings")
    expect(page.locator(".txe-mapbox .txe-bar")).to_contain_text("embeddings")
    expect(
        page.locator(".txe-mapbox g[data-i]").filter(
            has_text=re.compile(r"^distilbert\.embeddings\.word_embeddings ·")
        )
    ).to_have_count(1)
    # The path bar zooms out one level and selects that module.
    page.locator(".txe-mapbox .txe-bar rect").click()
    expect(tree.locator(".xt-d-path")).to_have_text("distilbert")
    # Selecting in the tree zooms the treemap to the module's level (a leaf: among its siblings).
    tree.locator('.xt-row[data-key="classifier"]').click()
    expect(page.locator(".txe-mapbox .txe-bar")).to_contain_text(type(model).__name__)
