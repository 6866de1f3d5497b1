"""PEFT (LoRA) models: exact counts, badges and details, explanations, and heads run through them."""

from __future__ import annotations

import copy
import math
import subprocess
import sys

import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers as tf
from peft import LoraConfig, get_peft_model

import explorer
from explorer import adapters
from explorer.heads.checks import forward_keys
from explorer.tree.pages import TreePages

one_thread = pytest.fixture(scope="module", autouse=True)(tm.one_thread)

TEXT = "The acting is wonderful, the story is not."
QUESTION, CONTEXT = "Where does Wolfgang live?", "My name is Wolfgang and I live in Berlin."
Q0 = "base_model.model.bert.encoder.layer.0.attention.self.query"
HEAD = "base_model.model.classifier"
TRANSFORMERS_5 = int(tf.__version__.split(".")[0]) >= 5


def lora(model, **kw):
    """LoRA on query/value; random A and B (init_lora_weights=False) so the adapter matters."""
    cfg = dict(r=4, lora_alpha=8, lora_dropout=0.1, target_modules=["query", "value"])
    cfg.update(kw)
    torch.manual_seed(0)
    return get_peft_model(model, LoraConfig(**cfg)).eval()


@pytest.fixture(scope="module")
def cls():
    """LoRA BERT classifier with a trainable copy of its head (task_type SEQ_CLS)."""
    return lora(tm.build("bert_multilabel"), init_lora_weights=False, task_type="SEQ_CLS")


@pytest.fixture(scope="module")
def plain():
    """A plain PeftModel (no task_type) around a classifier; B starts at zero (peft's default)."""
    return lora(tm.build("bert_multilabel"), lora_dropout=0.0)


@pytest.fixture(scope="module")
def qa():
    return lora(tm.build("bert_qa"), init_lora_weights=False, task_type="QUESTION_ANS")


@pytest.fixture(scope="module")
def llama():
    cfg = tf.LlamaConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=30522,
        pad_token_id=0,
        num_labels=2,
    )
    model = tm.init_weights(tf.LlamaForSequenceClassification(cfg))
    return lora(
        model,
        target_modules=["q_proj", "v_proj"],
        use_rslora=True,
        init_lora_weights=False,
        task_type="SEQ_CLS",
    )


@pytest.fixture(scope="module")
def tok():
    return tm.cached_tokenizer()


def merged(peft_model):
    """The same model with the adapters merged into plain layers (on a copy)."""
    return copy.deepcopy(peft_model).merge_and_unload().eval()


def untouched(model):
    """What running must leave as it was: modes, grads, weights, adapters, and no hooks."""
    hooks = [
        (name, len(m._forward_hooks), len(m._forward_pre_hooks))
        for name, m in model.named_modules()
    ]
    layers = [
        (name, list(m.active_adapters), list(m.merged_adapters), m.disable_adapters)
        for name, m in model.named_modules()
        if adapters.kind(m) == "lora"
    ]
    return tm.fingerprint(model), hooks, layers


# -- counts, badges and details -------------------------------------------------------------------


@pytest.mark.parametrize("key", ["cls", "qa", "llama"])
def test_counts_equal_peft_own(request, key):
    model = request.getfixturevalue(key)
    root = explorer.module_tree(model)
    trainable, total = model.get_nb_trainable_parameters()
    assert (root.params, root.trainable_params) == (total, trainable)
    summary = adapters.peft_summary(model)
    assert (summary.params, summary.trainable, summary.own_trainable) == (total, trainable, 0)
    for path, module in model.named_modules():
        info = adapters.layer_info(module)
        if info is None:
            continue
        node = root.find(path)
        base = module.get_submodule(info.base_name)
        assert info.base_params + info.added_params == info.total == node.params
        assert info.base_params == sum(p.numel() for p in base.parameters())
        assert info.base_trainable == 0 and info.added_trainable == info.added_params


def test_lora_layer_facts(cls, llama):
    info = adapters.layer_info(cls.get_submodule(Q0))
    assert (info.kind, info.type, info.base_name, info.base_type) == (
        "lora",
        "lora.Linear",
        "base_layer",
        "Linear",
    )
    (a,) = info.adapters
    assert (a.name, a.r, a.alpha, a.scaling, a.dropout) == ("default", 4, 8, 2.0, 0.1)
    assert (a.a_shape, a.b_shape, a.params) == ([4, 32], [32, 4], 4 * 32 * 2)
    assert a.active and not a.merged and a.b_zero is False and not a.rslora
    rs = adapters.layer_info(
        llama.get_submodule("base_model.model.model.layers.0.self_attn.q_proj")
    )
    assert rs.adapters[0].rslora and rs.adapters[0].scaling == pytest.approx(8 / math.sqrt(4))
    saved = adapters.layer_info(cls.get_submodule(HEAD))
    assert (saved.kind, saved.base_name, saved.copies, saved.active) == (
        "modules_to_save",
        "original_module",
        {"default": 99},
        ["default"],
    )
    assert (saved.base_params, saved.added_params, saved.total) == (99, 99, 198)


def test_tree_marks_adapters_and_says_what_they_add(cls):
    pages = TreePages(cls)
    badged = {
        r["p"]: r["b"]
        for r in pages.search("a")["rows"] + [pages.row(n) for n in pages.root.walk()]
        if any(b in adapters.KINDS for b in r.get("b", ()))
    }
    lora_paths = {p for p, m in cls.named_modules() if adapters.kind(m) == "lora"}
    assert {p for p, b in badged.items() if "lora" in b} == lora_paths and len(lora_paths) == 4
    assert {p for p, b in badged.items() if "modules_to_save" in b} == {HEAD}
    notes = dict(pages.details(Q0)["notes"])
    assert notes["adapter"] == f"LoRA (lora.Linear) on {Q0}.base_layer (Linear, 32 → 32)"
    assert notes["LoRA default"] == "r=4, alpha=8, scaling=2 (alpha/r), dropout 0.1"
    assert notes["base weight"] == "1,056 parameters, frozen"
    assert notes["counts"] == "1,056 original + 256 added = 1,312"
    head = dict(pages.details(HEAD)["notes"])
    assert head["original"] == f"{HEAD}.original_module (Linear), frozen"
    assert head["counts"] == "99 original + 99 added = 198"
    root = dict(pages.details("")["notes"])
    trainable, total = cls.get_nb_trainable_parameters()
    assert root["trainable"] == f"{trainable:,} of {total:,} ({100 * trainable / total:.2f}%)"
    assert root["wraps"] == "base_model.model (BertForSequenceClassification)"
    assert "notes" not in pages.details("base_model.model.bert.encoder.layer.0.attention.self.key")
    part = dict(pages.details(Q0 + ".lora_B.default")["notes"])
    assert part == {"part of": f"{Q0} (lora): lora_B.default"}


def test_import_explorer_never_imports_peft_or_accelerate():
    code = (
        "import sys, torch, explorer\n"
        "explorer.module_tree(torch.nn.Linear(2, 3)); explorer.explain(torch.nn.Linear(2, 3))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'peft', 'accelerate'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# -- explanations ---------------------------------------------------------------------------------


def test_explains_the_wrapper_the_lora_layer_and_the_copy(cls):
    trainable, total = cls.get_nb_trainable_parameters()
    root = explorer.explain(cls, "")
    assert root.startswith(
        "PeftModelForSequenceClassification is peft's wrapper around "
        "BertForSequenceClassification: it keeps the model's own weights frozen"
    )
    assert f"Only {trainable:,} of {total:,} parameters train" in root
    assert "a task head on top: base_model" not in root  # the old mistake
    assert "LoRA adapters on 4 layers (query, value)" in root
    layer = explorer.explain(cls, Q0)
    for fact in (
        "A LoRA layer (lora.Linear) in place of the original Linear (32 → 32)",
        "W + (alpha/r)·B·A",
        "r = 4, alpha = 8, so the update is scaled by alpha/r = 2",
        "dropout 0.1 on the input of A",
        "the 1,056 parameters of the original layer are frozen",
        "1,056 + 256 = 1,312",
    ):
        assert fact in layer
    assert "Custom module" not in layer and "all zeros" not in layer  # B is random here
    ko = explorer.explain(cls, Q0, "ko")
    assert ko.startswith("LoRA 층(lora.Linear)으로, 원래의 Linear (32 → 32)를 base_layer로")
    assert "alpha/r = 2를 곱합니다" in ko and "1,056 + 256 = 1,312" in ko
    head = explorer.explain(cls, HEAD)
    assert head.startswith("peft's ModulesToSaveWrapper in place of classifier (Linear)")
    assert "99 + 99 = 198" in head
    assert "어댑터마다 학습되는 전체 복사본을 둡니다" in explorer.explain(cls, HEAD, "ko")
    assert explorer.explain(cls, "base_model").startswith("LoraModel is peft's tuner")
    inner = explorer.explain(cls, "base_model.model")
    assert inner.startswith("The model that peft adapts (BertForSequenceClassification)")
    assert "BertForSequenceClassification is the whole model, built for sequence" in inner


def test_explains_lora_parts(cls, plain):
    a = explorer.explain(cls, Q0 + ".lora_A.default")
    assert a.startswith("A linear (fully connected) layer computing y = xWᵀ. Input dimension 32")
    assert 'this is A of adapter "default": it maps the input down to rank 4' in a
    b = explorer.explain(plain, Q0 + ".lora_B.default")
    assert "It is all zeros here (peft's start)" in b  # peft's default start: B = 0
    zero = explorer.explain(plain, Q0)
    assert "so for now the layer outputs exactly what its base layer does" in zero
    base = explorer.explain(cls, Q0 + ".base_layer", "ko")
    assert "PEFT 층 query가 감싼 원래 층입니다. 가중치는 고정(frozen)되어 있고" in base
    assert explorer.explain(cls, Q0 + ".lora_A").startswith(
        "lora_A of the PEFT layer query holds the down-projection A of each adapter; adapters "
        'here: "default".'
    )
    assert explorer.explain(cls, Q0 + ".lora_embedding_A").startswith("Empty here:")
    assert "original classifier" in explorer.explain(cls, HEAD + ".original_module")


def test_modules_peft_left_alone_are_explained_as_without_it(cls):
    bare = tm.build("bert_multilabel")
    for path in (
        "bert.encoder.layer.0.attention.self.key",
        "bert.encoder.layer.1.output.LayerNorm",
        "bert.embeddings.word_embeddings",
        "bert.encoder.layer.0.intermediate",
    ):
        for lang in ("en", "ko"):
            assert explorer.explain(cls, "base_model.model." + path, lang) == explorer.explain(
                bare, path, lang
            )


def test_every_path_is_explained_in_both_languages(cls, llama):
    for model in (cls, llama):
        tree = explorer.module_tree(model)
        for path, _ in model.named_modules():
            for lang in ("en", "ko"):
                text = explorer.explain(model, path, lang, tree=tree)
                assert text and "None" not in text and "(으)로" not in text, (path, text)


# -- heads, trace and panels through PEFT ---------------------------------------------------------


def test_classify_equals_the_wrapped_model_and_the_pipeline(cls, llama, tok):
    for model in (cls, llama):
        before = untouched(model)
        got = explorer.classify_details(model, tok, TEXT)
        with torch.no_grad():
            own = model(**tok(TEXT, return_tensors="pt")).logits[0]
        assert got.logits == pytest.approx(own.tolist(), abs=1e-5)
        assert got.logits == pytest.approx(
            explorer.classify_details(merged(model), tok, TEXT).logits, abs=1e-4
        )
        pipe = tf.pipeline("text-classification", model=model, tokenizer=tok, top_k=None)
        rows = pipe([TEXT])[0]
        want = {r["label"]: r["score"] for r in rows}
        assert {r["label"]: r["score"] for r in got.results} == pytest.approx(want, abs=1e-6)
        assert untouched(model) == before
    # the adapter matters: without it the scores differ
    with cls.disable_adapter():
        off = explorer.classify_details(cls, tok, TEXT).logits
    assert off != pytest.approx(explorer.classify_details(cls, tok, TEXT).logits, abs=1e-4)


def test_a_plain_peft_model_passes_what_the_wrapped_forward_takes(tok):
    bare = tm.build("distilbert_sst2")
    want = forward_keys(bare, tok)  # transformers 4's DistilBERT takes no token_type_ids
    distil = lora(copy.deepcopy(bare), target_modules=["q_lin", "v_lin"])
    assert forward_keys(distil, tok) == want  # PeftModel.forward(*args, **kwargs) passes them on
    got = explorer.classify_details(distil, tok, TEXT)
    enc = tok(TEXT, return_tensors="pt")
    with torch.no_grad():
        own = distil(**{k: v for k, v in enc.items() if k in want[0]}).logits
    assert got.logits == pytest.approx(own[0].tolist(), abs=1e-5)
    assert got.logits == pytest.approx(explorer.classify_details(bare, tok, TEXT).logits)


def test_answer_equals_the_wrapped_model(qa, tok):
    before = untouched(qa)
    got = explorer.answer_details(qa, tok, QUESTION, CONTEXT, top_k=3)
    (win,) = got.windows
    with torch.no_grad():
        own = qa(**tok(QUESTION, CONTEXT, return_tensors="pt"))
    assert win.start_logits == pytest.approx(own.start_logits[0].tolist(), abs=1e-5)
    assert win.end_logits == pytest.approx(own.end_logits[0].tolist(), abs=1e-5)
    assert untouched(qa) == before
    # peft's PeftModelForQuestionAnswering drops token_type_ids (peft 0.21): what it computes is
    # the merged model fed no token_type_ids, and that is what answer reports
    plain = merged(qa)
    no_types = tm.tokenizer()
    no_types.model_input_names = ["input_ids", "attention_mask"]
    want = explorer.answer_details(plain, no_types, QUESTION, CONTEXT, top_k=3)
    assert [r["answer"] for r in got.results] == [r["answer"] for r in want.results]
    assert [r["score"] for r in got.results] == pytest.approx(
        [r["score"] for r in want.results], abs=1e-5
    )
    if not TRANSFORMERS_5:  # transformers 4.57's own QA pipeline takes the PEFT model
        pipe = tf.pipeline("question-answering", model=qa, tokenizer=tok)
        best = pipe(question=QUESTION, context=CONTEXT)
        assert (best["answer"], best["start"]) == (
            got.results[0]["answer"],
            got.results[0]["start"],
        )
        assert best["score"] == pytest.approx(got.results[0]["score"], abs=1e-5)


def test_trace_runs_through_the_adapters(cls, qa, tok):
    before = untouched(cls)
    t = explorer.trace(cls, tok, TEXT)
    assert t.prediction == pytest.approx(
        {r["label"]: r["score"] for r in explorer.classify(cls, tok, TEXT)}, abs=1e-6
    )
    assert t.lens is not None and len(t.lens) == 3 and t.lens[-1] == t.prediction
    query = t.output(Q0)
    base = t.output(Q0 + ".base_layer")
    assert query.shape == base.shape == (1, len(t.tokens), 32)
    adapter = cls.get_submodule(Q0)
    with torch.no_grad():  # LoRA's output = base + scaling * B(A(x)) (dropout off in eval)
        x = t.output("base_model.model.bert.embeddings").tensor
        want = adapter.base_layer(x) + 2.0 * adapter.lora_B["default"](adapter.lora_A["default"](x))
    assert torch.allclose(query.tensor, want, atol=1e-5)
    plain = merged(cls)  # eager attention of the merged model: what the adapted queries give
    plain.config._attn_implementation = "eager"
    with torch.no_grad():
        eager = plain(**tok(TEXT, return_tensors="pt"), output_attentions=True).attentions
    for i in range(2):
        got = t.attention(f"base_model.model.bert.encoder.layer.{i}.attention")
        assert np.allclose(got, eager[i][0].numpy(), atol=1e-5)
    assert untouched(cls) == before
    tq = explorer.trace(qa, tok, QUESTION, CONTEXT)
    assert tq.lens is not None and tq.lens_note["en"].startswith("Each entry applies")


def test_explore_detects_the_wrapped_task_and_its_panel_runs(plain, qa, tok):
    from explorer.widgets.panels import QAPanel, SentimentPanel, detect_task

    assert type(plain).__name__ == "PeftModel" and detect_task(plain) == "text-classification"
    w = explorer.explore(plain, tok)
    panel = w.task_panel
    assert isinstance(panel, SentimentPanel) and panel.error is None
    panel.text_box.value = TEXT
    want = explorer.classify_details(plain, tok, TEXT)
    assert panel.details.probabilities == pytest.approx(want.probabilities, abs=1e-6)
    kids = {r["p"]: r for page in w.tree_widget.initial["kids"] for r in page["items"] if "p" in r}
    assert "base_model" in kids and w.tree_widget.initial["root"]["t"] == "PeftModel"
    q = explorer.explore(qa, tok)
    assert isinstance(q.task_panel, QAPanel) and q.task_panel.error is None
    q.task_panel.question_box.value = QUESTION
    q.task_panel.context_box.value = CONTEXT
    want = explorer.answer_details(qa, tok, QUESTION, CONTEXT, top_k=q.task_panel.top_k.value)
    assert q.task_panel.details.results == want.results


def test_compare_a_lora_model_with_its_base_lines_up_the_paths():
    """A PEFT wrapper beside the plain model is compared through the model it adapts: the
    paths line up (no base_model.model. prefix), the adapted layers are "changed", LoRA's
    parts are only in the wrapped side, everything else matches."""
    base = tm.build("bert_multilabel")
    wrapped = lora(copy.deepcopy(base), modules_to_save=None)
    for a, b, side in ((wrapped, base, "only_a"), (base, wrapped, "only_b")):
        c = explorer.compare(a, b)
        changed = {r.path for r in c.by_status("changed")}
        adapted = {p for p, m in base.named_modules() if p.endswith((".query", ".value"))}
        assert adapted and changed == adapted
        extra = {r.path for r in c.by_status(side)}
        assert extra and all(any(p.startswith(q + ".") for q in adapted) for p in extra)
        assert not c.by_status("only_b" if side == "only_a" else "only_a")
        same = {r.path for r in c.by_status("same")}
        assert "bert.embeddings" in same and "classifier" in same
        assert "PeftModel (the BertForSequenceClassification it adapts)" in c.summary.text("en")
    # two wrappers are compared as they are
    both = explorer.compare(wrapped, lora(copy.deepcopy(base), modules_to_save=None))
    assert both.rows[1].path == "base_model" and not both.by_status("only_a")
