"""explorer.heads.classify: live parity with transformers 5's pipeline, callables, bad input, safety."""

import math

import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers

from explorer.heads import (
    ClassifyDetails,
    ClassifyInputs,
    classify,
    classify_details,
    classify_inputs,
)

KINDS = ["distilbert_sst2", "bert_multilabel", "distilbert_regression", "distilbert_one_label"]
TEXTS = ["I loved this film.", "Terrible, boring and long.", "서울의 봄은 아름답다 🌸", "שלום עולם"]


def _pair(kind):
    return tm.cached(kind), tm.cached_tokenizer(tm.KINDS[kind])


def _same(got, expected):
    assert [g["label"] for g in got] == [e["label"] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert math.isclose(g["score"], e["score"], rel_tol=1e-5, abs_tol=1e-6), (got, expected)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("function", [None, "softmax", "sigmoid", "none"])
def test_equals_live_transformers_pipeline(kind, function):
    model, tok = _pair(kind)
    pipe = transformers.TextClassificationPipeline(model=model, tokenizer=tok)
    kwargs = {} if function is None else {"function_to_apply": function}
    for text in TEXTS:
        _same(
            classify(model, tok, text, function_to_apply=function), pipe(text, top_k=None, **kwargs)
        )
        _same(
            classify(model, tok, text, top_k=1, function_to_apply=function),
            pipe(text, top_k=1, **kwargs),
        )


def test_default_function_follows_the_config():
    chosen = {kind: classify_details(*_pair(kind), "fine").function for kind in KINDS}
    assert chosen == {
        "distilbert_sst2": "softmax",
        "bert_multilabel": "sigmoid",
        "distilbert_regression": "none",
        "distilbert_one_label": "sigmoid",
    }


def test_details_hold_the_same_computation():
    model, tok = _pair("distilbert_sst2")
    details = classify_details(model, tok, "A fine, quiet film.")
    assert isinstance(details, ClassifyDetails)
    assert details.labels == ["NEGATIVE", "POSITIVE"]
    logits = np.asarray(details.logits, dtype=np.float32)
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(details.probabilities, probs, rtol=1e-6)
    assert details.results == classify(model, tok, "A fine, quiet film.")
    assert details.tokens[0] == "[CLS]" and details.tokens[-1] == "[SEP]"
    assert details.tokens[1:4] == ["a", "fine", ","]
    assert (
        len(details.tokens) == len(details.input_ids) == len(details.offsets) == details.num_tokens
    )
    assert details.offsets[2] == (2, 6)
    assert not details.truncated and details.max_length == 512 and details.elapsed > 0
    # the logits are the model's own
    with torch.no_grad():
        ref = model(input_ids=torch.tensor([details.input_ids])).logits[0]
    np.testing.assert_allclose(details.logits, ref.numpy(), rtol=1e-5, atol=1e-6)


def test_long_text_is_truncated_and_says_so():
    model, tok = _pair("distilbert_sst2")
    text = "spam " * 20_000 + "end"  # 100k characters
    details = classify_details(model, tok, text)
    assert details.truncated and len(details.input_ids) == 512
    assert details.num_tokens == len(tok(text)["input_ids"])
    assert len(details.results) == 2
    assert classify_details(model, tok, "spam " * 100).truncated is False


def test_top_k_and_function_override():
    model, tok = _pair("bert_multilabel")
    full = classify(model, tok, "You are a wonderful person", function_to_apply="softmax")
    assert math.isclose(sum(r["score"] for r in full), 1.0, rel_tol=1e-6)
    assert (
        classify(model, tok, "You are a wonderful person", top_k=2, function_to_apply="SOFTMAX")
        == full[:2]
    )
    assert classify(model, tok, "x", top_k=99) == classify(model, tok, "x")
    assert {r["label"] for r in full} == {"toxic", "<b>insult</b>", "위협"}


def test_token_type_ids_are_filtered_for_distilbert():
    model = tm.cached("distilbert_sst2")
    bert_tok = tm.cached_tokenizer(True)  # emits token_type_ids, which DistilBERT.forward rejects
    assert "token_type_ids" in bert_tok("x")
    _same(classify(model, bert_tok, "good"), classify(model, tm.cached_tokenizer(False), "good"))


@pytest.mark.parametrize(
    "text",
    [
        "🤗" * 3000,
        "한국어 문장입니다. 감성 분석!",
        "مرحبا بالعالم",
        "NUL\x00\x00chars",
        "\x00",
        "é" * 10,
    ],
)
def test_unusual_text_gives_a_result(text):
    got = classify(*_pair("distilbert_sst2"), text)
    assert [r["label"] for r in got] in (["NEGATIVE", "POSITIVE"], ["POSITIVE", "NEGATIVE"])
    assert all(math.isfinite(r["score"]) for r in got)


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", ValueError, "text is empty"),
        ("  \n\t ", ValueError, "text is empty"),
        (None, TypeError, "text must be a str"),
        (42, TypeError, "int"),
        (b"bytes", TypeError, "bytes"),
        (["a", "list"], TypeError, "list"),
    ],
)
def test_bad_text(text, error, words):
    with pytest.raises(error, match=words):
        classify(*_pair("distilbert_sst2"), text)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"top_k": 0}, ValueError, "top_k must be >= 1"),
        ({"top_k": -3}, ValueError, "top_k"),
        ({"top_k": True}, TypeError, "top_k must be an int"),
        ({"top_k": 1.5}, TypeError, "top_k"),
        ({"function_to_apply": "relu"}, ValueError, "function_to_apply"),
    ],
)
def test_bad_options(kwargs, error, words):
    with pytest.raises(error, match=words):
        classify(*_pair("distilbert_sst2"), "fine", **kwargs)


def test_bad_model_or_tokenizer():
    with pytest.raises(TypeError, match="tokenizer is required"):
        classify(tm.cached("distilbert_sst2"), None, "fine")
    with pytest.raises(TypeError, match="model must be"):
        classify("distilbert-base-uncased", None, "fine")
    with pytest.raises(TypeError, match="config"):
        classify(torch.nn.Linear(2, 2), tm.cached_tokenizer(), "fine")


def test_plain_callable_model():
    def remote(text):
        return {"neg": 0.25, "pos": 0.75, "<i>meh</i>": 0}

    assert classify(remote, None, "hello") == [
        {"label": "pos", "score": 0.75},
        {"label": "neg", "score": 0.25},
        {"label": "<i>meh</i>", "score": 0.0},
    ]
    assert classify(remote, None, "hello", top_k=1) == [{"label": "pos", "score": 0.75}]
    details = classify_details(remote, None, "hello", function_to_apply="softmax")
    assert details.function == "softmax" and details.logits == [0.25, 0.75, 0.0]
    assert math.isclose(sum(details.probabilities), 1.0)
    assert details.tokens == [] and not details.truncated


@pytest.mark.parametrize(
    ("returned", "error", "words"),
    [
        ([0.1, 0.9], TypeError, "mapping"),
        ({}, ValueError, "no labels"),
        ({1: 0.5}, TypeError, "non-str label"),
        ({"a": "high"}, TypeError, "must be a number"),
        ({"a": True}, TypeError, "must be a number"),
        ({"a": float("nan")}, ValueError, "not finite"),
        ({"a": float("inf")}, ValueError, "not finite"),
    ],
)
def test_callable_returning_garbage(returned, error, words):
    with pytest.raises(error, match=words):
        classify(lambda text: returned, None, "hello")


def test_model_is_left_exactly_as_it_was():
    model = tm.build("distilbert_sst2")
    model.train()
    model.distilbert.embeddings.eval()  # a mixed per-module state must survive too
    model.classifier.weight.requires_grad_(False)
    before = tm.fingerprint(model)
    got = classify(model, tm.cached_tokenizer(False), "good")
    assert tm.fingerprint(model) == before
    _same(
        got, classify(tm.cached("distilbert_sst2"), tm.cached_tokenizer(False), "good")
    )  # no dropout


def test_mode_is_restored_when_the_forward_fails():
    model = tm.build("distilbert_sst2").train()
    before = tm.fingerprint(model)

    def boom(module, args, kwargs):
        raise RuntimeError("forward failed")

    handle = model.register_forward_pre_hook(boom, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward failed"):
        classify(model, tm.cached_tokenizer(False), "good")
    handle.remove()
    assert tm.fingerprint(model) == before


def test_other_dtypes_keep_their_dtype():
    model = tm.build("distilbert_sst2").to(torch.float64)
    before = tm.fingerprint(model)
    got = classify(model, tm.cached_tokenizer(False), "good")
    assert tm.fingerprint(model) == before
    _same(got, classify(tm.cached("distilbert_sst2"), tm.cached_tokenizer(False), "good"))
    bf16 = tm.build("distilbert_sst2").to(torch.bfloat16)
    assert len(classify(bf16, tm.cached_tokenizer(False), "good")) == 2
    assert {str(p.dtype) for p in bf16.parameters()} == {"torch.bfloat16"}


def test_inputs_are_exactly_what_the_model_is_fed():
    model, tok = _pair("distilbert_sst2")
    inputs = classify_inputs(model, tok, "A fine, quiet film.")
    assert isinstance(inputs, ClassifyInputs)
    assert inputs.input_ids == tok("A fine, quiet film.")["input_ids"]
    assert inputs.tokens == tok.convert_ids_to_tokens(inputs.input_ids)
    assert inputs.attention_mask == [1] * len(inputs.input_ids)
    # DistilBERT takes no token_type_ids; the feed is [1, n] tensors the forward accepts
    assert set(inputs.feed) == {"input_ids", "attention_mask"}
    assert inputs.feed["input_ids"].tolist() == [inputs.input_ids]
    details = classify_details(model, tok, "A fine, quiet film.")
    for name in ("tokens", "input_ids", "offsets", "truncated", "num_tokens", "max_length"):
        assert getattr(inputs, name) == getattr(details, name), name
    with torch.no_grad():
        logits = model(**inputs.feed).logits[0]
    np.testing.assert_array_equal(details.logits, logits.numpy())
    text = "spam " * 600
    long = classify_inputs(model, tok, text)
    assert long.truncated and long.feed["input_ids"].shape == (1, 512)
    assert long.num_tokens == len(tok(text)["input_ids"]) > 512
    bert = classify_inputs(tm.cached("bert_multilabel"), tm.cached_tokenizer(True), "hi")
    assert set(bert.feed) == {"input_ids", "attention_mask", "token_type_ids"}


def test_inputs_reject_bad_input_like_classify():
    with pytest.raises(ValueError, match="text is empty"):
        classify_inputs(*_pair("distilbert_sst2"), " ")
    with pytest.raises(TypeError, match="tokenizer is required"):
        classify_inputs(tm.cached("distilbert_sst2"), None, "fine")


def test_a_question_answering_model_is_refused_clearly():
    qa = tm.cached("distilbert_qa")
    with pytest.raises(TypeError) as info:
        classify(qa, tm.cached_tokenizer(False), "good")
    message = str(info.value)
    assert message == (
        "DistilBertForQuestionAnswering returns start_logits and end_logits, not logits: "
        "classify() needs a ...ForSequenceClassification model; DistilBertForQuestionAnswering "
        "has an extractive question-answering head: use answer()"
    )


def test_a_model_without_a_head_or_with_token_logits_is_refused_clearly():
    from transformers import BertForTokenClassification, DistilBertModel

    bare = DistilBertModel(tm.cached("distilbert_sst2").config).eval()
    with pytest.raises(TypeError, match="DistilBertModel returns last_hidden_state, not logits: "
                       "classify\\(\\) needs .*; DistilBertModel is a bare backbone without a "
                       "task head"):  # fmt: skip
        classify(bare, tm.cached_tokenizer(False), "good")
    tokens = BertForTokenClassification(tm.cached("bert_multilabel").config).eval()
    with pytest.raises(
        TypeError,
        match=r"logits of shape \[1, 3, 3\], not one row.*"
        r"BertForTokenClassification has a token-classification head: use tag\(\)",
    ):
        classify(tokens, tm.cached_tokenizer(), "good")


def test_a_model_without_weights_is_refused_clearly():
    with torch.device("meta"):
        meta = transformers.DistilBertForSequenceClassification(tm.cached("distilbert_sst2").config)
    with pytest.raises(ValueError, match="the weights are not loaded: this model is on the meta"):
        classify(meta, tm.cached_tokenizer(False), "good")
