"""explorer.trace: exact inputs, module outputs, attention = eager's, the lens, an untouched model."""

import functools
import math

import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers as tf

from explorer.heads import answer_details, classify_details, classify_inputs, qa_inputs, trace
from explorer.trace import ModuleOutput, Trace, TraceCancelled
from explorer.trace.outputs import shapes_of

ARCHS = ["distilbert", "bert", "roberta", "albert", "electra"]
TEXT = "The acting is wonderful, the story is not."
QUESTION = "Where does Wolfgang live?"
CONTEXT = "My name is Wolfgang and I live in Berlin. My sister lives in Seoul."
TRANSFORMERS_5 = int(tf.__version__.split(".")[0]) >= 5


def config(arch: str, head: str):
    """Tiny configs; ALBERT shares one layer over 3 calls, ELECTRA and ALBERT project embeddings."""
    labels = {"num_labels": 3, "id2label": {0: "neg", 1: "<b>mixed</b>", 2: "긍정"}}
    extra = labels if head == "cls" else {}
    common = dict(
        vocab_size=30522, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, max_position_embeddings=512, **extra,
    )  # fmt: skip
    if arch == "distilbert":
        return tf.DistilBertConfig(
            vocab_size=30522, dim=32, hidden_dim=64, n_layers=2, n_heads=2, **extra
        )
    if arch == "bert":
        return tf.BertConfig(**common)
    if arch == "roberta":  # two token types so the BERT tokenizer's question/context ids fit
        return tf.RobertaConfig(**{**common, "max_position_embeddings": 514}, type_vocab_size=2)
    if arch == "albert":
        return tf.AlbertConfig(**{**common, "num_hidden_layers": 3}, embedding_size=16)
    return tf.ElectraConfig(**common, embedding_size=16)


def build(arch: str, head: str, attn: str = "sdpa") -> torch.nn.Module:
    """The user's model: SDPA attention wherever the architecture has it, seeded weights."""
    auto = (
        tf.AutoModelForSequenceClassification if head == "cls" else tf.AutoModelForQuestionAnswering
    )
    cls = auto._model_mapping[type(config(arch, head))]
    if attn == "sdpa" and not cls._supports_sdpa:
        attn = "eager"  # transformers 4's ELECTRA has no SDPA
    return tm.init_weights(auto.from_config(config(arch, head), attn_implementation=attn))


@functools.cache
def cached(arch: str, head: str) -> torch.nn.Module:
    return build(arch, head)


def tokenizer(arch: str):
    return tm.cached_tokenizer(arch != "distilbert")


def eager_twin(model: torch.nn.Module, arch: str, head: str) -> torch.nn.Module:
    twin = build(arch, head, attn="eager")
    twin.load_state_dict(model.state_dict())
    return twin.eval()


def run(model, arch, head):
    tok = tokenizer(arch)
    if head == "cls":
        return trace(model, tok, TEXT)
    return trace(model, tok, QUESTION, CONTEXT)


def attention_paths(model) -> list[str]:
    """The self-attention modules, in order: the ones owning the query/key projections."""
    return [
        path
        for path, module in model.named_modules()
        if {"query", "key"} <= set(dict(module.named_children()))
        or {"q_lin", "k_lin"} <= set(dict(module.named_children()))
    ]


def hooks(model) -> list[tuple[str, str]]:
    kinds = (
        "_forward_hooks", "_forward_pre_hooks", "_forward_hooks_with_kwargs",
        "_forward_pre_hooks_with_kwargs", "_forward_hooks_always_called", "_backward_hooks",
    )  # fmt: skip
    return [(p, k) for p, m in model.named_modules() for k in kinds if getattr(m, k, None)]


def state(model) -> dict:
    """Everything a trace must leave alone."""
    return {
        **tm.fingerprint(model),
        "config": model.config.to_dict(),
        "attn": model.config._attn_implementation,
        "hooks": hooks(model),
        "attrs": sorted(vars(model)),
    }


# -- inputs --------------------------------------------------------------------------------------


def test_classify_trace_feeds_what_classify_feeds():
    model, tok = cached("distilbert", "cls"), tokenizer("distilbert")
    t = trace(model, tok, TEXT)
    inputs = classify_inputs(model, tok, TEXT)
    assert isinstance(t, Trace) and t.task == "classify" and t.context is None
    assert t.tokens == inputs.tokens and t.input_ids == inputs.input_ids
    assert t.attention_mask == inputs.attention_mask == [1] * len(t.tokens)
    assert t.tokens[0] == "[CLS]" and t.tokens[-1] == "[SEP]" and "wonderful" in t.tokens
    assert set(t.feed) == {"input_ids", "attention_mask"} and not t.truncated
    long = trace(model, tok, "spam " * 600)
    assert long.truncated and len(long.tokens) == 512


def test_qa_trace_feeds_the_first_window():
    model, tok = cached("bert", "qa"), tokenizer("bert")
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(30))
    t = trace(model, tok, "Where is item 4?", context, max_seq_len=64, doc_stride=16)
    first = qa_inputs(model, tok, "Where is item 4?", context, max_seq_len=64, doc_stride=16)
    assert t.task == "answer" and t.windows == len(first.windows) > 1
    assert t.tokens == first.windows[0].tokens and t.input_ids == first.windows[0].input_ids
    assert set(t.feed) == {"input_ids", "attention_mask", "token_type_ids"}
    assert t.feed["token_type_ids"].tolist() == [first.windows[0].encoding.type_ids]


# -- the prediction and the lens -----------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS)
def test_classification_lens_ends_in_classify_probabilities(arch):
    model, tok = cached(arch, "cls"), tokenizer(arch)
    t = run(model, arch, "cls")
    details = classify_details(model, tok, TEXT)
    want = dict(zip(details.labels, details.probabilities, strict=True))
    assert t.labels == ["neg", "<b>mixed</b>", "긍정"] and t.function == "softmax"
    assert t.prediction == want  # the same numbers, bit for bit
    assert t.lens[-1] == want
    layers = model.config.num_hidden_layers if arch != "distilbert" else model.config.n_layers
    assert len(t.lens) == layers + 1  # the embeddings' output, then each block's
    for entry in t.lens:
        assert list(entry) == t.labels and math.isclose(sum(entry.values()), 1.0, rel_tol=1e-5)
    assert t.lens[0] != t.lens[-1]
    assert "never trained" in t.lens_note["en"] and "학습된 적이 없" in t.lens_note["ko"]


@pytest.mark.parametrize("arch", ARCHS)
def test_qa_lens_ends_in_the_model_start_and_end_logits(arch):
    model, tok = cached(arch, "qa"), tokenizer(arch)
    t = run(model, arch, "qa")
    window = answer_details(model, tok, QUESTION, CONTEXT).windows[0]
    start, end = t.prediction
    np.testing.assert_array_equal(start, np.asarray(window.start_logits, dtype=np.float32))
    np.testing.assert_array_equal(end, np.asarray(window.end_logits, dtype=np.float32))
    assert t.lens[-1] is t.prediction
    for s, e in t.lens:
        assert s.shape == e.shape == (len(t.tokens),)
    assert not np.allclose(t.lens[0][0], start)


@pytest.mark.parametrize(("arch", "head"), [("bert", "cls"), ("albert", "cls"), ("electra", "qa")])
def test_lens_applies_the_head_to_transformers_hidden_states(arch, head):
    """Earlier entries = the head on the hidden states transformers itself reports."""
    model = cached(arch, head)
    t = run(model, arch, head)
    twin = eager_twin(model, arch, head)
    with torch.no_grad():
        hidden = twin(**t.feed, output_hidden_states=True).hidden_states
        assert len(hidden) == len(t.lens)
        for h, entry in zip(hidden, t.lens, strict=True):
            if head == "qa":
                start = twin.qa_outputs(h)[0, :, 0]
                np.testing.assert_allclose(entry[0], start.numpy(), rtol=1e-4, atol=1e-5)
                continue
            base = twin.base_model
            if arch == "albert":
                pooled = base.pooler_activation(base.pooler(h[:, 0]))
            else:
                pooled = base.pooler(h)
            probs = torch.softmax(twin.classifier(pooled)[0], -1).numpy()
            np.testing.assert_allclose(list(entry.values()), probs, rtol=1e-4, atol=1e-6)


def test_sigmoid_and_regression_heads_keep_classify_scores():
    for kind in ("bert_multilabel", "distilbert_regression"):
        model, tok = tm.cached(kind), tm.cached_tokenizer(tm.KINDS[kind])
        t = trace(model, tok, TEXT)
        details = classify_details(model, tok, TEXT)
        assert t.function == details.function
        assert list(t.prediction.values()) == details.probabilities
        assert t.lens[-1] == t.prediction


# -- attention -----------------------------------------------------------------------------------


@pytest.mark.parametrize("head", ["cls", "qa"])
@pytest.mark.parametrize("arch", ARCHS)
def test_attention_equals_eager_output_attentions(arch, head):
    model = cached(arch, head)
    if TRANSFORMERS_5:
        assert model.config._attn_implementation == "sdpa"
    t = run(model, arch, head)
    with torch.no_grad():
        eager = eager_twin(model, arch, head)(**t.feed, output_attentions=True).attentions
    paths = attention_paths(model)
    calls = [(path, i) for path in paths for i in range(t.calls(path))]
    assert len(calls) == len(eager) == model.config.num_hidden_layers
    n = len(t.tokens)
    for (path, i), want in zip(calls, eager, strict=True):
        got = t.attention(path, call=i)
        assert got.shape == (model.config.num_attention_heads, n, n) and got.dtype == np.float32
        np.testing.assert_allclose(got, want[0].numpy(), atol=1e-5, rtol=0)
        np.testing.assert_allclose(got.sum(-1), 1.0, atol=1e-5)


def test_albert_shared_layer_has_one_record_per_call():
    model = cached("albert", "cls")
    t = run(model, "albert", "cls")
    group = "albert.encoder.albert_layer_groups.0"
    attention = group + ".albert_layers.0.attention"
    assert t.calls(group) == t.calls(attention) == 3
    outs = [t.output(group, call=i) for i in range(3)]
    assert [(o.call, o.calls) for o in outs] == [(0, 3), (1, 3), (2, 3)]
    assert t.output(group, call=-1).tensor is outs[2].tensor
    assert not torch.equal(outs[0].tensor, outs[1].tensor)
    assert not np.allclose(t.attention(attention, call=0), t.attention(attention, call=2))
    np.testing.assert_array_equal(t.attention(group, call=1), t.attention(attention, call=1))
    with pytest.raises(ValueError, match="ran 3 time"):
        t.output(group, call=3)


def test_attention_of_a_layer_or_a_non_attention_module():
    model = cached("distilbert", "cls")
    t = run(model, "distilbert", "cls")
    layer = "distilbert.transformer.layer.1"
    np.testing.assert_array_equal(t.attention(layer), t.attention(layer + ".attention"))
    with pytest.raises(ValueError, match=r"ffn\.lin1 \(Linear\) is not an attention module.*"
                       "no query/key projections"):  # fmt: skip
        t.attention(layer + ".ffn.lin1")
    with pytest.raises(ValueError, match="holds 2 attention modules: pick one of "
                       r"distilbert\.transformer\.layer\.0\.attention"):  # fmt: skip
        t.attention("distilbert.transformer")
    with pytest.raises(KeyError, match="no module 'distilbert.transformer.layer.7.attention'"):
        t.attention("distilbert.transformer.layer.7.attention")


# -- module outputs ------------------------------------------------------------------------------


def test_output_shape_norms_and_statistics():
    model = cached("distilbert", "cls")
    t = run(model, "distilbert", "cls")
    n = len(t.tokens)
    with torch.no_grad():
        hidden = eager_twin(model, "distilbert", "cls")(**t.feed, output_hidden_states=True)
    block = t.output("distilbert.transformer.layer.1")
    assert isinstance(block, ModuleOutput) and block.ran and block.kind == "TransformerBlock"
    assert block.shape == (1, n, 32) and block.shapes == [[1, n, 32]]
    want = hidden.hidden_states[2][0]
    np.testing.assert_allclose(block.token_norms, want.norm(dim=-1).numpy(), rtol=1e-5)
    values = want.numpy()
    assert math.isclose(block.mean, values.mean(), abs_tol=1e-5)
    assert math.isclose(block.std, values.std(), rel_tol=1e-4)
    assert math.isclose(block.min, values.min(), rel_tol=1e-5)
    assert math.isclose(block.max, values.max(), rel_tol=1e-5)
    ffn = t.output("distilbert.transformer.layer.0.ffn.lin1")
    assert ffn.shape == (1, n, 64) and ffn.token_norms.shape == (n,)
    root = t.output("")
    assert root.kind == "DistilBertForSequenceClassification" and root.shape == (1, 3)
    assert root.token_norms is None  # [1, labels]: no token axis
    assert t.output("pre_classifier").shape == (1, 32)
    attention = t.output("distilbert.transformer.layer.0.attention")
    assert attention.shape == (1, n, 32)  # the first tensor of (output, weights)


def test_modules_that_did_not_run_or_gave_no_tensor():
    class Note(torch.nn.Module):
        def forward(self, x):
            return None

    class Wrapped(torch.nn.Module):
        """A user's own model around a classifier, with a module returning nothing."""

        def __init__(self):
            super().__init__()
            self.inner = build("distilbert", "cls")
            self.config = self.inner.config
            self.note = Note()
            self.unused = torch.nn.Linear(2, 2)
            self.proj = torch.nn.Linear(3, 3)
            self.act = torch.nn.ReLU(inplace=True)  # changes proj's output in place

        def forward(self, **feed):
            out = self.inner(**feed)
            self.note(out.logits)
            self.act(self.proj(out.logits))
            return out

    model = Wrapped()
    t = trace(model, tokenizer("distilbert"), TEXT)
    layers = t.output("inner.distilbert.transformer.layer")
    assert not layers.ran and layers.tensor is None and "container" in layers.note
    unused = t.output("unused")
    assert not unused.ran and unused.note == (
        "unused did not run for this input: the forward pass did not call it."
    )
    assert t.calls("unused") == 0
    note = t.output("note")
    assert note.ran and note.shape is None and note.token_norms is None
    assert note.note == "note returned no tensor (it returned NoneType)."
    # the lens needs a head it knows: this wrapper has none at its top, so there is no lens
    assert t.lens is None and "No lens for Wrapped" in t.lens_note["en"]
    assert "Wrapped에는 렌즈를 쓸 수 없습니다" in t.lens_note["ko"]
    inner = classify_details(model.inner, tokenizer("distilbert"), TEXT)
    assert t.prediction == dict(zip(inner.labels, inner.probabilities, strict=True))
    proj = t.output("proj")
    assert "changed in place later in the forward pass" in proj.note and proj.min >= 0
    assert (
        t.output("act").note == "" and t.output("act").tensor.data_ptr() == proj.tensor.data_ptr()
    )
    with pytest.raises(KeyError, match=r"no module 'inner\.distilbert\.transformer\.layer\.9'"):
        t.output("inner.distilbert.transformer.layer.9")


def test_shapes_are_the_outputs_of_the_first_window():
    model, tok = cached("bert", "qa"), tokenizer("bert")
    t = trace(model, tok, QUESTION, CONTEXT)
    shapes, handles = {}, []  # an independent record: plain forward hooks, first call each
    for path, module in model.named_modules():

        def hook(_module, _args, out, path=path):
            shapes.setdefault(path, shapes_of(out))

        handles.append(module.register_forward_hook(hook))
    try:
        answer_details(model, tok, QUESTION, CONTEXT)
    finally:
        for handle in handles:
            handle.remove()
    assert t.shapes == shapes
    assert t.paths[-1] == "" and t.paths[0] == "bert.embeddings.word_embeddings"


def test_unknown_paths_and_calls_are_named():
    t = run(cached("bert", "cls"), "bert", "cls")
    with pytest.raises(KeyError, match=r"no module 'bert\.encoder\.layr\.0' in "
                       r"BertForSequenceClassification; did you mean 'bert\.encoder\.layer\.0'"):  # fmt: skip
        t.output("bert.encoder.layr.0")
    with pytest.raises(TypeError, match="path must be a str"):
        t.output(3)
    with pytest.raises(ValueError, match=r"ran 1 time\(s\) in this trace; call=1"):
        t.output("bert.pooler", call=1)
    with pytest.raises(TypeError, match="call must be an int"):
        t.output("bert.pooler", call="0")


# -- bad input, same errors as classify / answer ---------------------------------------------------


def test_wrong_input_gets_the_heads_errors():
    cls, qa = cached("distilbert", "cls"), cached("distilbert", "qa")
    tok = tokenizer("distilbert")
    with pytest.raises(ValueError, match="text is empty"):
        trace(cls, tok, " ")
    with pytest.raises(ValueError, match="context is empty"):
        trace(qa, tok, QUESTION, "")
    with pytest.raises(TypeError, match="tokenizer is required"):
        trace(cls, None, TEXT)
    with pytest.raises(TypeError, match="answers questions: pass the question as text and the "):
        trace(qa, tok, TEXT)
    with pytest.raises(TypeError, match=r"returns logits, not start_logits/end_logits: trace\(\) "
                       r"needs .*sequence-classification head: use classify\(\)"):  # fmt: skip
        trace(cls, tok, QUESTION, CONTEXT)
    with pytest.raises(TypeError, match=r"\['max_seq_len'\] apply to question answering"):
        trace(cls, tok, TEXT, max_seq_len=64)
    with pytest.raises(TypeError, match="should_stop must be callable"):
        trace(cls, tok, TEXT, should_stop=True)
    with torch.device("meta"):
        meta = tf.AutoModelForSequenceClassification.from_config(config("bert", "cls"))
    with pytest.raises(ValueError, match="weights are not loaded"):
        trace(meta, tokenizer("bert"), TEXT)


# -- the model comes back untouched ----------------------------------------------------------------


def _mixed_state_model(arch="bert", head="cls"):
    model = build(arch, head).train()
    model.base_model.embeddings.eval()
    next(model.parameters()).requires_grad_(False)
    return model


@pytest.mark.parametrize("arch", ARCHS)
def test_model_is_untouched(arch):
    model = _mixed_state_model(arch)
    user_hook = model.classifier.register_forward_hook(lambda *a: None)
    before = state(model)
    t = run(model, arch, "cls")
    assert state(model) == before
    assert t.prediction == run(cached(arch, "cls"), arch, "cls").prediction  # dropout was off
    user_hook.remove()
    assert hooks(model) == []
    assert not hasattr(model, "_output_capturing_hooks_installed")


def test_model_is_untouched_when_a_module_raises():
    class Boom(torch.nn.Module):
        def forward(self, x):
            raise RuntimeError("boom in the feed-forward")

    model = _mixed_state_model("distilbert")
    model.distilbert.transformer.layer[1].ffn.lin2 = Boom()
    before = state(model)
    with pytest.raises(RuntimeError, match="boom in the feed-forward"):
        run(model, "distilbert", "cls")
    assert state(model) == before and hooks(model) == []


def test_cancelled_run_stops_early_and_leaves_the_model_untouched():
    model = _mixed_state_model("bert", "qa")
    before = state(model)
    seen = []

    def should_stop():
        seen.append(1)
        return len(seen) > 5

    with pytest.raises(TraceCancelled, match="should_stop"):
        trace(model, tokenizer("bert"), QUESTION, CONTEXT, should_stop=should_stop)
    assert len(seen) == 6  # checked as modules start; stopped at the first true
    assert state(model) == before and hooks(model) == []
    with pytest.raises(TraceCancelled):
        trace(model, tokenizer("bert"), QUESTION, CONTEXT, should_stop=lambda: True)
    t = trace(model, tokenizer("bert"), QUESTION, CONTEXT, should_stop=lambda: False)
    assert t.lens is not None and state(model) == before


def test_other_dtypes_keep_their_dtype():
    model = build("bert", "cls").to(torch.float64)
    before = state(model)
    t = run(model, "bert", "cls")
    assert state(model) == before
    assert t.output("bert.encoder.layer.0").tensor.dtype == torch.float64
    assert t.attention("bert.encoder.layer.0").dtype == np.float32
    assert t.lens[-1] == t.prediction and t.lens is not None


def test_trace_costs_little_more_than_the_forward_pass():
    """CPU time, medians of interleaved runs; the measured ratio is about 1.1 (limit 1.5)."""
    import statistics
    import time

    model = tf.DistilBertForSequenceClassification(
        tf.DistilBertConfig(dim=384, hidden_dim=1536, n_layers=6, n_heads=4)
    ).eval()
    tok, text = tokenizer("distilbert"), "the acting is wonderful, the story is not " * 12
    feed = classify_inputs(model, tok, text).feed

    def bare():
        with torch.inference_mode():
            model(**feed)

    runs = {"bare": bare, "trace": lambda: trace(model, tok, text)}
    times = {name: [] for name in runs}
    for _ in range(9):
        for name, fn in runs.items():
            began = time.process_time()
            fn()
            times[name].append(time.process_time() - began)
    ratio = statistics.median(times["trace"]) / statistics.median(times["bare"])
    assert ratio < 1.5, ratio


def test_classify_details_from_a_trace_equal_classify_details():
    import _tiny_models as tm

    from explorer import classify_details, trace

    model, tok = tm.cached("distilbert_sst2"), tm.cached_tokenizer(token_type_ids=False)
    for text in ("A fine, quiet film.", "bad " * 700):
        got = trace(model, tok, text).classify_details()
        want = classify_details(model, tok, text)
        assert got.results == want.results and got.logits == want.logits
        assert (got.tokens, got.offsets, got.truncated, got.num_tokens) == (
            want.tokens,
            want.offsets,
            want.truncated,
            want.num_tokens,
        )
    assert (
        trace(model, tok, "ok").classify_details(top_k=1).results
        == classify_details(model, tok, "ok", top_k=1).results
    )
