"""Tests for explorer.compare: aligned rows, statuses, summary text, folds, the public names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    BertConfig,
    DistilBertConfig,
    GPT2Config,
    LlamaConfig,
    MistralConfig,
)

from explorer.anatomy import module_tree
from explorer.compare import Comparison, Summary, compare

WE = "distilbert.embeddings.word_embeddings"
REPO = Path(__file__).resolve().parents[1]
STATIC = REPO / "explorer" / "static"  # the built files (and the CSS)
JS = REPO / "js"  # their sources


@pytest.fixture(scope="module")
def seed(seed_pair):
    """The seed notes' pair, full size on the meta device."""
    return seed_pair["seq"], seed_pair["qa"]


@pytest.fixture(scope="module")
def seed_cmp(seed):
    return compare(*seed)


def _paths(model):
    return {p for p, _ in model.named_modules(remove_duplicate=False)}


def test_seed_pair_statuses_exactly(seed, seed_cmp):
    sst, qa = seed
    rows = {r.path: r for r in seed_cmp.rows}
    assert set(rows) == _paths(sst) | _paths(qa)
    differing = {p: r.status for p, r in rows.items() if r.status != "same"}
    assert differing == {
        "": "changed",  # the two classes themselves
        WE: "changed",
        "dropout": "changed",
        "pre_classifier": "only_a",
        "classifier": "only_a",
        "qa_outputs": "only_b",
    }
    # every backbone block is the same
    for p, r in rows.items():
        if p.startswith("distilbert.transformer"):
            assert r.status == "same" and not r.differs_below, p
    assert rows["distilbert"].differs_below and rows["distilbert.embeddings"].differs_below
    assert rows[WE].repr_a == repr(sst.distilbert.embeddings.word_embeddings)
    assert rows[WE].repr_b == "Embedding(28996, 768, padding_idx=0)"
    assert rows["dropout"].repr_a == "Dropout(p=0.2, inplace=False)"
    assert rows["dropout"].repr_b == "Dropout(p=0.1, inplace=False)"
    assert rows["qa_outputs"].repr_a is None and rows["qa_outputs"].params_a is None
    assert rows["qa_outputs"].params_b == 768 * 2 + 2
    assert rows["classifier"].type_b is None and rows["classifier"].type_a == "Linear"
    assert set(rows[WE].reasons) == {"repr", "tensors"}


def test_seed_summary_numbers(seed, seed_cmp):
    sst, qa = seed
    s = seed_cmp.summary
    backbone = sum(p.numel() for p in sst.distilbert.parameters())
    word = sst.distilbert.embeddings.word_embeddings.weight.numel()
    assert s.shared_params == backbone - word
    assert s.only_a == ["pre_classifier", "classifier"]
    assert s.only_b == ["qa_outputs"]
    heads_a = sum(p.numel() for m in (sst.pre_classifier, sst.classifier) for p in m.parameters())
    assert s.only_a_params == heads_a
    assert s.only_b_params == sum(p.numel() for p in qa.qa_outputs.parameters())
    assert s.changed == [
        (WE, "Embedding(30522, 768, padding_idx=0)", "Embedding(28996, 768, padding_idx=0)"),
        ("dropout", "Dropout(p=0.2, inplace=False)", "Dropout(p=0.1, inplace=False)"),
    ]
    assert s.changed_params_a == 30522 * 768 and s.changed_params_b == 28996 * 768
    assert s.total_a == sum(p.numel() for p in sst.parameters())
    assert s.total_b == sum(p.numel() for p in qa.parameters())
    # the whole of each model is accounted for: shared + changed + only
    assert s.shared_params + s.changed_params_a + s.only_a_params == s.total_a
    assert s.shared_params + s.changed_params_b + s.only_b_params == s.total_b
    # 91 rows match on their own; 89 of them with everything inside matching too: all but
    # distilbert and distilbert.embeddings, which hold the changed word embeddings
    rows = seed_cmp.rows
    assert s.shared_modules == len([r for r in rows if r.status == "same"]) == 91
    holding_a_change = [r.path for r in rows if r.status == "same" and r.differs_below]
    assert holding_a_change == ["distilbert", "distilbert.embeddings"]
    assert s.whole_modules == 91 - 2 and s.root_changed
    en, ko = s.text("en"), s.text("ko")
    assert str(s) == en and "\n" not in en and "\n" not in ko
    for text in (en, ko):
        assert f"{backbone - word:,}" in text
        assert "pre_classifier, classifier" in text and "qa_outputs" in text
        assert WE in text and "dropout" in text
    assert "only in A" in en and "A에만 있음" in ko
    # each number says what it counts, and the changed count leaves the root row out
    assert f"91 modules match (same type, settings and tensor shapes; {backbone - word:,} " in en
    assert "89 of them in whole identical subtrees" in en
    assert f"일치하는 모듈 91개(타입·설정·텐서 모양이 같음, 파라미터 {backbone - word:,}개)" in ko
    assert "그중 89개는 통째로 동일한 하위 트리에 속합니다" in ko
    assert f"2 changed below the top-level module ({WE}, dropout)" in en
    assert f"최상위 모듈 아래에서 달라진 모듈 2개: {WE}, dropout" in ko
    with pytest.raises(ValueError, match="'en', 'ko'"):
        s.text("de")
    json.dumps(s.to_dict())


def test_seed_row_order_and_folds(seed_cmp):
    paths = [r.path for r in seed_cmp.rows]
    # B-only children sit where B has them: qa_outputs after A's heads, before dropout
    assert paths.index("classifier") < paths.index("qa_outputs") < paths.index("dropout")
    for i, r in enumerate(seed_cmp.rows):  # parents come before their children
        if r.path:
            parent = r.path.rsplit(".", 1)[0] if "." in r.path else ""
            assert paths.index(parent) < i
    folds = seed_cmp.folds()
    assert len(folds) == 1
    (f,) = folds
    run = seed_cmp.rows[f["start"] : f["stop"]]
    assert all(r.status == "same" and not r.differs_below for r in run)
    assert run[0].path == "distilbert.embeddings.position_embeddings"
    assert {r.path for r in run} >= {"distilbert.transformer", "distilbert.transformer.layer.5"}
    assert f["count"] == len(run) and f["params"] == seed_cmp.summary.shared_params
    assert f["count"] == seed_cmp.summary.whole_modules  # the fold and the summary agree


def test_gpt2_different_depth_and_tying():
    small = AutoModelForCausalLM.from_config(
        GPT2Config(n_layer=2, n_embd=16, n_head=2, vocab_size=50)
    )
    deep = AutoModelForCausalLM.from_config(
        GPT2Config(n_layer=3, n_embd=16, n_head=2, vocab_size=50)
    )
    cmp = compare(small, deep)
    only_b = {r.path for r in cmp.rows if r.status == "only_b"}
    assert only_b == {p for p in _paths(deep) if p.startswith("transformer.h.2")}
    assert {r.status for r in cmp.rows if r.path not in only_b} == {"same"}
    assert cmp.summary.only_b == ["transformer.h.2"]
    assert cmp.summary.only_b_params == sum(p.numel() for p in deep.transformer.h[2].parameters())
    assert cmp.row("transformer.h").differs_below
    # the same architecture, untied: lm_head holds its own weight now
    untied_cfg = GPT2Config(
        n_layer=2, n_embd=16, n_head=2, vocab_size=50, tie_word_embeddings=False
    )
    untied = AutoModelForCausalLM.from_config(untied_cfg)
    assert untied.lm_head.weight is not untied.transformer.wte.weight
    row = compare(small, untied).row("lm_head")
    assert row.status == "changed" and row.reasons == ("sharing",)
    assert row.params_a == 0 and row.params_b == 16 * 50


def test_llama_vs_mistral_tiny():
    kw = dict(
        hidden_size=16,
        intermediate_size=24,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        vocab_size=40,
    )
    cmp = compare(
        AutoModelForCausalLM.from_config(LlamaConfig(**kw)),
        AutoModelForCausalLM.from_config(MistralConfig(**kw)),
    )
    assert not cmp.by_status("only_a") and not cmp.by_status("only_b")
    q = cmp.row("model.layers.0.self_attn.q_proj")
    assert q.status == "same" and q.repr_a == "Linear(in_features=16, out_features=16, bias=False)"
    attn = cmp.row("model.layers.0.self_attn")
    assert attn.status == "changed" and "type" in attn.reasons
    assert (attn.type_a, attn.type_b) == ("LlamaAttention", "MistralAttention")
    norm = cmp.row("model.norm")
    assert norm.status == "changed" and norm.repr_a.startswith("LlamaRMSNorm")
    assert cmp.summary.shared_params + cmp.summary.changed_params_a == cmp.summary.total_a


def test_sequential_pairs():
    a = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    b = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 3), nn.Softmax(dim=-1))
    cmp = compare(a, b)
    status = {r.path: (r.status, r.reasons) for r in cmp.rows}
    assert status == {
        "": ("same", ()),
        "0": ("same", ()),
        "1": ("changed", ("type", "repr")),
        "2": ("changed", ("repr", "tensors")),
        "3": ("only_b", ()),
    }
    assert cmp.summary.shared_params == 4 * 8 + 8
    assert cmp.summary.only_b == ["3"] and cmp.summary.only_b_params == 0
    same = compare(a, nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
    assert {r.status for r in same.rows} == {"same"}
    assert "no other differences" in same.summary.text()
    assert same.folds() == [{"start": 0, "stop": 4, "count": 4, "params": 58}]


def test_bert_vs_distilbert_lists_every_path():
    bert = AutoModel.from_config(
        BertConfig(
            hidden_size=16,
            intermediate_size=24,
            num_hidden_layers=2,
            num_attention_heads=2,
            vocab_size=40,
        )
    )
    distil = AutoModel.from_config(
        DistilBertConfig(dim=16, hidden_dim=24, n_layers=2, n_heads=2, vocab_size=40)
    )
    cmp = compare(bert, distil)
    assert {r.path for r in cmp.rows} == _paths(bert) | _paths(distil)
    assert len(cmp.rows) == len(_paths(bert) | _paths(distil))
    only_a = {r.path for r in cmp.by_status("only_a")}
    only_b = {r.path for r in cmp.by_status("only_b")}
    assert "encoder.layer.0.attention.self.query" in only_a and "pooler" in only_a
    assert "transformer.layer.1.ffn.lin2" in only_b
    both = _paths(bert) & _paths(distil)
    assert {r.path for r in cmp.rows if r.status in ("same", "changed")} == both
    assert cmp.row("embeddings").status == "changed"  # BertEmbeddings vs Embeddings
    assert cmp.row("embeddings.word_embeddings").status == "same"
    assert "encoder" in cmp.summary.only_a and "transformer" in cmp.summary.only_b


def test_inputs_pipelines_trees_labels_and_untouched_models(seed):
    sst, qa = seed

    class FakePipeline:
        model = qa

    cmp = compare(module_tree(sst), FakePipeline(), labels=("sentiment", "qa"))
    assert isinstance(cmp, Comparison)
    assert cmp.summary.label_a == "sentiment" and "A (sentiment" in cmp.summary.text()
    assert [r.path for r in cmp.rows] == [r.path for r in compare(sst, qa).rows]
    with pytest.raises(TypeError):
        compare(sst, "not a model")
    with pytest.raises(KeyError, match="nope"):
        cmp.row("nope")
    with pytest.raises(ValueError, match="same"):
        cmp.by_status("weird")
    small = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    small.train()
    before = [p.detach().clone() for p in small.parameters()]
    compare(small, nn.Sequential(nn.Linear(2, 3)))
    assert small.training
    assert all(torch.equal(x, y) for x, y in zip(before, small.parameters()))


def test_static_files_are_safe_and_standalone():
    source = (JS / "entries" / "compare.js").read_text()
    built = (STATIC / "compare.js").read_text()
    css = (STATIC / "compare.css").read_text()
    for js in (source, built):
        assert not re.search(r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write", js)
    assert not re.search(r"\bimport\s*[{(\"'*]", built)  # bundled: no CDN or module imports
    assert "export default { render }" in source and "return () =>" in source  # cleanup returned
    for var in ("--jp-ui-font-color0", "--jp-layout-color1", "--jp-warn-color1"):
        assert re.search(re.escape(var) + r",\s*[^)]", css), var  # with a fallback


def test_public_names():
    import explorer

    assert explorer.compare is compare and explorer.Comparison is Comparison
    assert {"compare", "Comparison"} <= set(explorer.__all__)


def test_text_plain_is_the_summary_where_no_widget_renders():
    from _models import full_size

    import explorer

    c = explorer.compare(full_size("distilbert-sst2"), full_size("distilbert-squad"))
    bundle = c._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("<Comparison {'same': 91")
    assert "66,955,010" in data["text/plain"]


def test_a_dtype_alone_is_noted_not_a_change():
    import torch
    from torch import nn

    import explorer

    a = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    b = nn.Sequential(nn.Linear(4, 4).to(torch.bfloat16), nn.ReLU())
    c = explorer.compare(a, b)
    row = c.row("0")
    assert row.status == "same" and row.reasons == ("dtype",)
    assert c.summary.dtype_only == 1 and c.summary.shared_params == 20
    assert "; only the dtype differs in 1 of them)" in c.summary.text("en")
    assert ", 1개는 dtype만 다름)" in c.summary.text("ko")
    wider = nn.Sequential(nn.Linear(4, 5), nn.ReLU())
    assert explorer.compare(a, wider).row("0").status == "changed"


def test_summary_text_one_phrase_table_for_both_languages():
    # the wording of each language, every part present; a label holding braces stays as it is
    s = Summary(
        label_a="{total_a}",
        label_b="qa",
        total_a=1234567,
        total_b=89,
        shared_params=1000,
        shared_modules=1200,
        changed=[(f"m{i}", "x", "y") for i in range(5)],
        only_a=["h"],
        only_a_params=1500,
        only_b=["k", "l"],
        only_b_params=0,
        dtype_only=2,
        whole_modules=1100,
    )
    assert s.text("en") == (
        "A ({total_a}, 1,234,567 parameters) vs B (qa, 89 parameters): 1,200 modules match "
        "(same type, settings and tensor shapes; 1,000 parameters; only the dtype differs in 2 "
        "of them), 1,100 of them in whole identical subtrees; 5 changed (m0, m1, m2, m3 (+1)); "
        "only in A: h (1,500 parameters); only in B: k, l (0 parameters)."
    )
    assert s.text("ko") == (
        "A({total_a}, 파라미터 1,234,567개)와 B(qa, 파라미터 89개) 비교: 일치하는 모듈 1,200개"
        "(타입·설정·텐서 모양이 같음, 파라미터 1,000개, 2개는 dtype만 다름), 그중 1,100개는 "
        "통째로 동일한 하위 트리에 속합니다. 달라진 모듈 5개: m0, m1, m2, m3 (+1). "
        "A에만 있음: h(파라미터 1,500개). B에만 있음: k, l(파라미터 0개)."
    )
    bare = Summary("a", "b", 10, 10, 10, 3, whole_modules=3)
    assert bare.text() == (
        "A (a, 10 parameters) vs B (b, 10 parameters): 3 modules match (same type, settings and "
        "tensor shapes; 10 parameters), 3 of them in whole identical subtrees; "
        "no other differences."
    )
    assert bare.text("ko") == (
        "A(a, 파라미터 10개)와 B(b, 파라미터 10개) 비교: 일치하는 모듈 3개(타입·설정·텐서 모양이 "
        "같음, 파라미터 10개), 그중 3개는 통째로 동일한 하위 트리에 속합니다. "
        "그 밖의 차이는 없습니다."
    )
    # the top-level modules differ too (their row is not in ``changed``): said so
    top = Summary("a", "b", 10, 10, 0, 0, changed=[("m", "x", "y")], root_changed=True)
    assert "1 changed below the top-level module (m)" in top.text()
    assert "최상위 모듈 아래에서 달라진 모듈 1개: m" in top.text("ko")


def test_the_fold_and_the_summary_use_the_same_words():
    # the widget's fold line counts what the summary's second number counts, in its words
    js = (JS / "compare" / "words.js").read_text()
    fold_en = re.search(r"fold: \(n, p\) => `\$\{n\} (.*?) \(", js).group(1)
    fold_ko = re.search(r"fold: \(n, p\) => `(.*?) \$\{n\}개", js).group(1)
    assert fold_en == "modules in whole identical subtrees"
    s = Summary("a", "b", 1, 1, 1, 1, whole_modules=1)
    assert "in whole identical subtrees" in s.text("en")
    assert fold_ko.replace("의 모듈", "") in s.text("ko")  # 통째로 동일한 하위 트리


def test_summary_dict_cut_to_a_limit_keeps_the_counts(seed_cmp):
    full = seed_cmp.summary.to_dict()
    cut = seed_cmp.summary.to_dict(limit=1)
    assert full["changed"] == [list(c) for c in seed_cmp.summary.changed]
    assert cut["changed"] == full["changed"][:1] and cut["n_changed"] == full["n_changed"] == 2
    assert cut["only_a"] == ["pre_classifier"] and cut["n_only_a"] == 2
    assert cut["text"] == full["text"]  # the text is built from the whole summary
    with pytest.raises(ValueError, match="limit"):
        seed_cmp.summary.to_dict(limit=-1)


def test_payload_is_the_whole_comparison(seed_cmp):
    data = seed_cmp.payload()
    assert [r["path"] for r in data["rows"]] == [r.path for r in seed_cmp.rows]
    assert data["rows"][0] == seed_cmp.rows[0].to_dict()
    assert data["folds"] == seed_cmp.folds() and data["labels"] == [
        "DistilBertForSequenceClassification",
        "DistilBertForQuestionAnswering",
    ]
    json.dumps(data)


def test_tensor_key_is_the_tensor_dicts_facts():
    # tied (not counted at lm_head), lazy, buffers (one not persistent), bfloat16, meta
    gpt2 = AutoModelForCausalLM.from_config(
        GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=20)
    )
    mixed = nn.Sequential(
        nn.LazyLinear(3), nn.BatchNorm1d(4), nn.Linear(4, 4).to(torch.bfloat16), nn.Embedding(5, 2)
    )
    mixed[1].register_buffer("scratch", torch.zeros(2), persistent=False)
    with torch.device("meta"):
        big = nn.Linear(1024, 4096)
    seen = set()
    for model in (gpt2, mixed, big):
        for node in module_tree(model).walk():
            facts = [
                (t["name"], t["kind"], tuple(t["shape"]), t["dtype"], t["counted"])
                for t in node.tensors
            ]
            assert node.tensor_key == tuple(facts), node.path
            seen.update(
                (kind, dtype, counted, shape == ()) for _, kind, shape, dtype, counted in facts
            )
    assert ("param", "float32", False, False) in seen  # lm_head's tied weight
    assert ("param", "float32", True, True) in seen  # the lazy weight (no shape yet)
    assert ("buffer", "int64", True, True) in seen  # num_batches_tracked
    assert ("param", "bfloat16", True, False) in seen


def test_compare_reads_the_cheap_tensor_key_not_the_dicts(seed):
    # the per-tensor dicts are built on demand (ModuleNode.tensors) and kept: compare() on two
    # 25k-module models spent most of its time building them; it needs none
    cmp = compare(*seed)
    for tree in (cmp.tree_a, cmp.tree_b):
        assert all(node._tensors is None for node in tree.walk())
    assert cmp.row(WE).reasons == ("repr", "tensors")
