"""Models placed by accelerate (device_map, CPU and disk offload): they run, equal, and stay as placed."""

from __future__ import annotations

import copy

import _tiny_models as tm
import accelerate
import pytest
import torch
import transformers as tf

import explorer
from explorer import placement
from explorer.heads.checks import model_device
from explorer.model_info import check_runnable
from explorer.tree.pages import TreePages

one_thread = pytest.fixture(scope="module", autouse=True)(tm.one_thread)

TEXT = "The acting is wonderful, the story is not."
QUESTION, CONTEXT = "Where does Wolfgang live?", "My name is Wolfgang and I live in Berlin."
ON_DISK = ("bert.encoder.layer.0", "bert.pooler")
DEVICE_MAP = {
    "bert.embeddings": "cpu",
    "bert.encoder.layer.0": "disk",
    "bert.encoder.layer.1": "cpu",
    "bert.pooler": "disk",
}
META_MESSAGE = (
    "the weights are not loaded: this model is on the meta device (for example built with "
    "explorer.load(..., weights=False)), so it has shapes but no values and there is nothing "
    "to run; load it with weights=True"
)


def placed(kind: str, tmp_path_factory, head: str):
    """The in-memory model and the same checkpoint loaded with part of it on disk."""
    model = tm.build(kind)
    where = tmp_path_factory.mktemp(kind)
    model.save_pretrained(where / "model")
    last = [
        n
        for n, m in model.named_children()
        if n != "bert" and next(m.parameters(), None) is not None
    ]
    loaded = getattr(tf, head).from_pretrained(
        where / "model",
        device_map={**DEVICE_MAP, last[-1]: "cpu"},
        offload_folder=where / "offload",
    )
    return model, loaded.eval()


@pytest.fixture(scope="module")
def cls(tmp_path_factory):
    return placed("bert_multilabel", tmp_path_factory, "AutoModelForSequenceClassification")


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    return placed("bert_qa", tmp_path_factory, "AutoModelForQuestionAnswering")


@pytest.fixture(scope="module")
def cpu_offloaded():
    """Every weight in a CPU map, loaded for each forward (accelerate.cpu_offload)."""
    model = tm.build("bert_multilabel")
    return model, accelerate.cpu_offload(copy.deepcopy(model), execution_device=torch.device("cpu"))


@pytest.fixture(scope="module")
def tok():
    return tm.cached_tokenizer()


def state(model):
    """What running must leave exactly as accelerate placed it: its hooks (the same objects, on
    the same modules), no torch hooks of ours, modes, grads, devices, and the weights."""
    hooks = [
        (n, id(m.__dict__.get("_hf_hook")), m.__dict__.get("forward"))
        for n, m in model.named_modules()
    ]
    torch_hooks = [
        (n, len(m._forward_hooks), len(m._forward_pre_hooks)) for n, m in model.named_modules()
    ]
    tensors = [
        (n, t.device.type, t.requires_grad, t.is_inference(), t.dtype)
        for n, t in [*model.named_parameters(), *model.named_buffers()]
    ]
    real = [(n, t.detach().clone()) for n, t in model.named_parameters() if not t.is_meta]
    training = [(n, m.training) for n, m in model.named_modules()]
    return hooks, torch_hooks, tensors, real, training, dict(getattr(model, "hf_device_map", {}))


def same_state(a, b):
    *rest_a, real_a, training_a, map_a = a
    *rest_b, real_b, training_b, map_b = b
    assert rest_a == rest_b and training_a == training_b and map_a == map_b
    assert [n for n, _ in real_a] == [n for n, _ in real_b]
    assert all(torch.equal(x, y) for (_, x), (_, y) in zip(real_a, real_b, strict=True))


# -- what is where ---------------------------------------------------------------------------------


def test_placement_reads_accelerate_hooks(cls, cpu_offloaded):
    _, model = cls
    where = placement.Placement(model)
    assert where.missing() == [] and where.execution == torch.device("cpu")
    assert set(where.own("bert.encoder.layer.0.attention.self.query").values()) == {"disk"}
    assert set(where.own("bert.embeddings.word_embeddings").values()) == {"cpu"}
    assert where.mapped("bert.pooler.dense") == ("bert.pooler", "disk")
    assert placement.device_map(model) == model.hf_device_map
    _, offloaded = cpu_offloaded
    assert set(placement.Placement(offloaded).own("classifier").values()) == {"cpu (offloaded)"}
    assert all(p.is_meta for p in offloaded.parameters())
    assert model_device(offloaded) == torch.device("cpu")  # not the first parameter's "meta"


def test_counts_and_tree_say_where_modules_live(cls):
    model, loaded = cls
    want, got = explorer.module_tree(model), explorer.module_tree(loaded)
    assert [(n.path, n.params, n.trainable_params) for n in got.walk()] == [
        (n.path, n.params, n.trainable_params) for n in want.walk()
    ]
    pages = TreePages(got)
    for path, node in ((p, got.find(p)) for p in [n.path for n in got.walk()]):
        offloaded = "offloaded" in pages.row(node).get("b", ())
        on_disk = any(path == d or path.startswith(d + ".") for d in ON_DISK)
        assert offloaded == (on_disk and node.params > 0), path  # a dropout holds no weights
    notes = dict(pages.details("bert.encoder.layer.0.attention.self.query")["notes"])
    assert notes == {
        "placed": "disk (accelerate loads these weights to cpu for each forward pass)",
        "device_map": "bert.encoder.layer.0 → disk",
    }
    root = dict(pages.details("")["notes"])
    assert root["inputs go to"] == "cpu (the execution device of its hooks)"
    assert root["placed"].startswith("cpu; disk")
    assert "notes" not in TreePages(model).details("bert")


def test_tied_offloaded_weights_stay_counted_once(tmp_path):
    """accelerate unties offloaded tied weights on every forward: counts must not change."""
    model = tm.init_weights(tf.BertForMaskedLM(tm._bert_config()))
    model.save_pretrained(tmp_path / "m")
    loaded = tf.AutoModelForMaskedLM.from_pretrained(
        tmp_path / "m",
        device_map={"bert.embeddings": "disk", "bert.encoder": "cpu", "cls": "disk"},
        offload_folder=tmp_path / "off",
    )
    total = explorer.module_tree(model).params
    assert explorer.module_tree(loaded).params == total
    missing = placement.Placement(loaded).missing()
    enc = tm.cached_tokenizer()("a [MASK] b", return_tensors="pt")
    try:  # transformers 5 maps the tied key; 4.57 does not, and accelerate then fails
        with torch.no_grad():
            loaded(**enc)
        ran = True
    except KeyError:
        ran = False
    assert ran == (missing == []), missing
    if ran:
        assert explorer.module_tree(loaded).params == total


# -- runs equal to the model in memory ------------------------------------------------------------


def test_the_budget_says_offloaded_not_meta(cls, cpu_offloaded):
    """An offloaded model's weights sit on meta between passes but exist: the budget counts
    them as stored and says where they are, not "none are in memory"."""
    for model, loaded in (cls, cpu_offloaded):
        want, got = explorer.budget(model), explorer.budget(loaded)
        assert (got.meta, got.offloaded) == (False, True)
        assert got.params.value == want.params.value
        assert got.stored_bytes.value == want.stored_bytes.value
        note = got.stored_bytes.note
        assert "loads them for each forward pass" in note and "none are in memory" not in note
        assert (
            "none are in memory"
            in explorer.budget(copy.deepcopy(model).to("meta")).stored_bytes.note
        )
    meta = explorer.budget(explorer.load("distilbert-base-uncased", weights=False)[0])
    assert (meta.meta, meta.offloaded) == (True, False)


def test_classify_and_trace_equal_the_model_in_memory(cls, cpu_offloaded, tok):
    for model, loaded in (cls, cpu_offloaded):
        before = state(loaded)
        want = explorer.classify_details(model, tok, TEXT)
        got = explorer.classify_details(loaded, tok, TEXT)
        assert got.logits == pytest.approx(want.logits, abs=1e-5)
        t, u = explorer.trace(model, tok, TEXT), explorer.trace(loaded, tok, TEXT)
        assert u.prediction == pytest.approx(t.prediction, abs=1e-5)
        assert u.lens is not None and len(u.lens) == len(t.lens)
        for a, b in zip(u.lens, t.lens, strict=True):
            assert a == pytest.approx(b, abs=1e-5)
        layer = "bert.encoder.layer.0.attention"
        assert u.attention(layer) == pytest.approx(t.attention(layer), abs=1e-5)
        out = "bert.encoder.layer.0.output.dense"
        assert torch.allclose(u.output(out).tensor, t.output(out).tensor, atol=1e-5)
        same_state(state(loaded), before)


def test_answer_equals_the_model_in_memory(qa, tok):
    model, loaded = qa
    before = state(loaded)
    want = explorer.answer_details(model, tok, QUESTION, CONTEXT, top_k=3)
    got = explorer.answer_details(loaded, tok, QUESTION, CONTEXT, top_k=3)
    assert [r["answer"] for r in got.results] == [r["answer"] for r in want.results]
    assert [r["score"] for r in got.results] == pytest.approx(
        [r["score"] for r in want.results], abs=1e-5
    )
    t = explorer.trace(loaded, tok, QUESTION, CONTEXT)
    assert t.prediction[0] == pytest.approx(got.windows[0].start_logits, abs=1e-5)
    same_state(state(loaded), before)


def test_panels_and_explore_run_placed_models(cls, qa, tok):
    from explorer.widgets.panels import QAPanel, SentimentPanel

    model, loaded = cls
    panel = SentimentPanel(loaded, tok)
    panel.text_box.value = TEXT
    want = explorer.classify_details(model, tok, TEXT)
    assert panel.error is None and panel.details.logits == pytest.approx(want.logits, abs=1e-5)
    w = explorer.explore(loaded, tok)
    assert isinstance(w.task_panel, SentimentPanel) and w.task_panel.error is None
    rows = [r for page in w.tree_widget.initial["kids"] for r in page["items"] if "p" in r]
    assert [r["p"] for r in rows if "offloaded" in r.get("b", ())] == ["bert.pooler"]
    qmodel, qloaded = qa
    q = QAPanel(qloaded, tok, question=QUESTION, context=CONTEXT)
    want = explorer.answer_details(qmodel, tok, QUESTION, CONTEXT, top_k=q.top_k.value)
    assert q.error is None and [r["answer"] for r in q.details.results] == [
        r["answer"] for r in want.results
    ]
    assert isinstance(explorer.explore(qloaded, tok).task_panel, QAPanel)


# -- what cannot run is still refused --------------------------------------------------------------


def test_a_weightless_meta_model_is_refused_as_before(tok):
    with torch.device("meta"):
        meta = tf.BertForSequenceClassification(tm._bert_config(num_labels=2))
    assert placement.weightless(meta) and not placement.dispatched(meta)
    with pytest.raises(ValueError) as err:
        explorer.classify(meta, tok, TEXT)
    assert str(err.value) == META_MESSAGE
    from explorer.widgets.panels import NotePanel

    assert isinstance(explorer.explore(meta, tok).task_panel, NotePanel)
    pages = TreePages(meta)  # nothing placed it: no placement lines, no badges
    assert "notes" not in pages.details("bert.pooler")
    assert "offloaded" not in pages.row(pages.node("bert.pooler")).get("b", ())


def test_a_placed_model_missing_weights_names_them(tmp_path, tok):
    model = tm.build("bert_multilabel")
    model.save_pretrained(tmp_path / "m")
    loaded = tf.AutoModelForSequenceClassification.from_pretrained(
        tmp_path / "m", device_map=DEVICE_MAP | {"classifier": "cpu"}, offload_folder=tmp_path / "o"
    )
    accelerate.utils.set_module_tensor_to_device(loaded, "classifier.weight", "meta")
    with pytest.raises(ValueError, match=r"nothing loads classifier\.weight \(on the meta device"):
        check_runnable(loaded, tok)


def test_lora_added_to_a_placed_model_lands_on_meta_and_is_refused(tmp_path, tok):
    """peft leaves LoRA weights of offloaded layers on the meta device: nothing can load them."""
    from peft import LoraConfig, get_peft_model

    model = tm.build("bert_multilabel")
    model.save_pretrained(tmp_path / "m")
    loaded = tf.AutoModelForSequenceClassification.from_pretrained(
        tmp_path / "m", device_map=DEVICE_MAP | {"classifier": "cpu"}, offload_folder=tmp_path / "o"
    )
    wrapped = get_peft_model(loaded, LoraConfig(target_modules=["query"], task_type="SEQ_CLS"))
    meta = [n for n, p in wrapped.named_parameters() if p.is_meta and "lora_" in n]
    assert meta  # the LoRA weights of layer 0, which is on disk
    assert placement.weightless(wrapped, limit=100) == meta
    with pytest.raises(ValueError, match="adapters added after placing land on the meta device"):
        explorer.classify(wrapped, tok, TEXT)
    pages = TreePages(wrapped)
    query = "base_model.model.bert.encoder.layer.0.attention.self.query"
    assert dict(pages.details(query)["notes"])["placed"].endswith(
        "meta, and nothing loads these weights"
    )
