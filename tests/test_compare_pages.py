"""The comparison widget's lazy protocol: a small first message, folds and pages asked for."""

from __future__ import annotations

import json

import pytest
import traitlets
from _models import full_size, synthetic
from _wire import Wire
from torch import nn

import explorer
from explorer.compare.pages import MAIN, MAX_LISTED, PAGE, ComparePages
from explorer.widgets.compare import CompareWidget

WE = "distilbert.embeddings.word_embeddings"
EVIL = "<img src=x onerror=alert(1)>"


def changed_copy(n: int = 25_000) -> nn.Module:
    """A new ``synthetic(n)`` with one Linear widened, one ReLU swapped and one block removed."""
    model = getattr(synthetic, "__wrapped__", synthetic)(n)  # not the shared cached model
    model[0][100][0] = nn.Linear(8, 9)
    model[0][3000][1] = nn.GELU()
    del model[0][4000]
    return model


@pytest.fixture(scope="module")
def seed_cmp():
    return explorer.compare(full_size("distilbert-sst2"), full_size("distilbert-squad"))


@pytest.fixture(scope="module")
def base():
    return synthetic(25_000)


@pytest.fixture(scope="module")
def big_cmp(base):
    """Two 25k-module models, a few differences apart: long folded runs."""
    return explorer.compare(base, changed_copy())


@pytest.fixture(scope="module")
def wide_cmp(base):
    """Two 25k-module models differing everywhere (width 8 vs 9): a long main list."""
    return explorer.compare(base, synthetic(25_000, width=9))


def all_paths(pages: ComparePages) -> list[str]:
    """Every row path a viewer can reach, page by page, opening every fold."""

    def read(key: str) -> list[dict]:
        items, offset = [], 0
        while True:
            page = pages.page(key, offset)
            assert page["key"] == key and page["offset"] == offset
            assert len(page["items"]) == min(PAGE, page["total"] - offset)
            items += page["items"]
            offset += PAGE
            if offset >= page["total"]:
                return items

    out = []
    for it in read(MAIN):
        out += [r["path"] for r in read(it["fold"])] if "fold" in it else [it["path"]]
    return out


def test_first_message_is_small_for_huge_pairs(seed_cmp, big_cmp, wide_cmp):
    sizes = {}
    for name, cmp in [("seed", seed_cmp), ("25k-changed-copy", big_cmp), ("25k-wide", wide_cmp)]:
        w = CompareWidget(cmp)
        sizes[name] = w.state_bytes()
        assert sizes[name] < 100_000, sizes
        assert "rows" not in w.get_state() and len(w.initial["page"]["items"]) <= PAGE
        whole = len(json.dumps(cmp.payload()))  # what sending every row at once would take
        assert sizes[name] < whole if name == "seed" else sizes[name] * 20 < whole
    print(f"compare widget first-message bytes: {sizes}")
    summary = CompareWidget(wide_cmp).summary
    assert len(summary["changed"]) == MAX_LISTED
    assert summary["n_changed"] == len(wide_cmp.summary.changed) > MAX_LISTED
    assert summary["text"]["en"] == wide_cmp.summary.text("en")


def test_seed_first_page_and_the_backbone_fold(seed_cmp):
    w = CompareWidget(seed_cmp)
    first = w.initial["page"]
    assert first["key"] == MAIN and first["total"] == len(first["items"]) == 9
    assert w.initial["counts"] == {"same": 91, "changed": 3, "only_a": 2, "only_b": 1}
    items = {it.get("path", "fold"): it for it in first["items"]}
    assert [it.get("path", "fold") for it in first["items"]] == [
        "",
        "distilbert",
        "distilbert.embeddings",
        WE,
        "fold",
        "pre_classifier",
        "classifier",
        "qa_outputs",
        "dropout",
    ]
    fold = items["fold"]
    (start,) = [f["start"] for f in seed_cmp.folds()]
    assert fold["fold"] == f"fold:{start}" and fold["count"] == 89
    assert fold["params"] == seed_cmp.summary.shared_params
    assert fold["first"] == "distilbert.embeddings.position_embeddings" and fold["depth"] == 3
    # rows carry B's text only where it differs; the tag sits on the top of each difference
    we = items[WE]
    assert we["repr_b"] == "Embedding(28996, 768, padding_idx=0)" and we["top"]
    assert set(we["reasons"]) == {"repr", "tensors"}
    assert "type_b" not in items["distilbert"] and items["distilbert"]["below"]
    assert items["qa_outputs"]["params_b"] == 768 * 2 + 2 and "type_a" not in items["qa_outputs"]
    assert items["pre_classifier"]["top"] and items["classifier"]["status"] == "only_a"
    # the fold's rows arrive when asked for, with the request's id
    wire = Wire(w)
    reply = wire.ask(op="page", key=fold["fold"], offset=0, id="v:1")
    assert reply["op"] == "page" and reply["id"] == "v:1" and reply["total"] == 89
    assert [r["path"] for r in reply["items"]] == [r.path for r in seed_cmp.rows[start:][:89]]
    assert all(r["status"] == "same" and "below" not in r for r in reply["items"])


def test_every_row_is_reachable_page_by_page(seed_cmp, big_cmp, wide_cmp):
    for cmp in (seed_cmp, big_cmp, wide_cmp):
        assert all_paths(ComparePages(cmp)) == [r.path for r in cmp.rows]


def test_long_folds_and_long_lists_come_in_pages(big_cmp, wide_cmp):
    pages = ComparePages(big_cmp)
    main = pages.page(MAIN)["items"]
    folds = [it for it in main if "fold" in it]
    longest = max(folds, key=lambda f: f["count"])
    assert longest["count"] > 10 * PAGE  # thousands of identical blocks in one line
    first, second = pages.page(longest["fold"], 0), pages.page(longest["fold"], PAGE)
    assert len(first["items"]) == len(second["items"]) == PAGE
    assert first["total"] == longest["count"] and first["items"][0]["path"] == longest["first"]
    last = pages.page(longest["fold"], longest["count"] - 1)["items"]
    assert [r["path"] for r in last] == [longest["last"]]
    assert pages.page(longest["fold"], longest["count"])["items"] == []
    # different everywhere: the main list itself is long, the first message holds one page
    wide = ComparePages(wide_cmp)
    head = wide.initial()["page"]
    assert head["total"] > 50 * PAGE and len(head["items"]) == PAGE
    assert wide.page(MAIN, PAGE)["items"][0]["path"] != head["items"][-1]["path"]


def test_reveal_opens_the_way_to_a_row(big_cmp, wide_cmp):
    wire = Wire(CompareWidget(big_cmp))
    reply = wire.ask(op="reveal", path="0.4321.2", id="r")
    assert reply["id"] == "r" and len(reply["open"]) == 1
    main, inner = reply["pages"]
    assert main["key"] == MAIN and inner["key"] == reply["open"][0]
    assert reply["open"][0] in [it.get("fold") for it in main["items"]]
    assert inner["offset"] % PAGE == 0 and "0.4321.2" in [r["path"] for r in inner["items"]]
    assert len(json.dumps(reply)) < 100_000
    # an unfolded row far down the main list: only the main page holding it
    path = wide_cmp.rows[-1].path
    reply = ComparePages(wide_cmp).reveal(path)
    (page,) = reply["pages"]
    assert reply["open"] == [] and page["offset"] > 0 and page["offset"] % PAGE == 0
    assert path in [it.get("path") for it in page["items"]]


def test_selected_both_ways_and_checked(seed_cmp):
    w = CompareWidget.from_comparison(seed_cmp, lang="ko", height=300)
    assert (w.lang, w.height, w.labels) == ("ko", 300, [seed_cmp.label_a, seed_cmp.label_b])
    assert w.comparison is seed_cmp
    assert repr(w) == (
        "CompareWidget(A: DistilBertForSequenceClassification, B: DistilBertForQuestionAnswering;"
        " same 91, changed 3, only_a 2, only_b 1)"
    )
    wire = Wire(w)
    wire.set_from_browser(selected="qa_outputs")  # a click in the browser
    assert w.selected == "qa_outputs"
    w.selected = "distilbert.transformer.layer.3"  # Python -> browser: a state update
    updates = [d["state"] for d in wire.sent if d.get("method") == "update"]
    assert {"selected": "distilbert.transformer.layer.3"} in updates
    with pytest.raises(traitlets.TraitError, match="'not.there'"):
        w.selected = "not.there"
    with pytest.raises(traitlets.TraitError, match="'en', 'ko'"):
        w.lang = "fr"
    assert w.selected == "distilbert.transformer.layer.3" and w.lang == "ko"
    with pytest.raises(TypeError, match="hieght"):
        CompareWidget(seed_cmp, hieght=3)
    with pytest.raises(TypeError, match="'initial'"):
        CompareWidget(seed_cmp, initial={})
    with pytest.raises(TypeError, match="explorer.compare"):
        CompareWidget({"rows": []})
    bundle = seed_cmp._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data


def test_bad_requests_are_answered_with_errors(seed_cmp):
    wire = Wire(CompareWidget(seed_cmp))
    for request, words in [
        (dict(op="explode"), "unknown request op 'explode'"),
        (dict(op="page", key="fold:5"), "no list 'fold:5'"),
        (dict(op="page", key=MAIN, offset=-1), "offset"),
        (dict(op="page", key=MAIN, offset=True), "offset"),
        (dict(op="reveal", path="nope"), "neither model has a module at path 'nope'"),
        (dict(op="reveal", path=3), "str"),
    ]:
        reply = wire.ask(id="e", **request)
        assert reply["op"] == "error" and reply["id"] == "e", reply
        assert words in reply["message"], reply
    assert wire.widget.pages.reply("junk")["op"] == "error"
    assert wire.ask(op="page", key=MAIN, id="ok")["total"] == 9  # still answering


def test_what_is_sent_is_data_not_html():
    a = nn.Sequential()
    a.add_module(EVIL, nn.Linear(2, 2))
    b = nn.Sequential()
    b.add_module(EVIL, nn.Linear(2, 3))
    w = CompareWidget(explorer.compare(a, b, labels=(EVIL, "b")))
    row = w.initial["page"]["items"][1]
    assert row["path"] == row["name"] == EVIL and w.labels[0] == EVIL  # raw text, not escaped
    text = json.dumps(w.get_state(), ensure_ascii=False)
    assert "&lt;" not in text


def test_long_module_text_is_cut():
    class Wordy(nn.Module):
        def extra_repr(self):
            return "x" * 5000

    a, b = nn.Sequential(Wordy()), nn.Sequential(nn.ReLU())
    (row,) = [it for it in ComparePages(explorer.compare(a, b)).page()["items"] if it["path"]]
    assert len(row["repr_a"]) == 1000 and row["repr_a"].endswith("…")
    assert row["repr_b"] == "ReLU()" and row["status"] == "changed"
