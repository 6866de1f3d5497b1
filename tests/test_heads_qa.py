"""explorer.heads.answer: details, windows, bad input and leaving the model untouched."""

import math

import _tiny_models as tm
import numpy as np
import pytest
import torch

from explorer.heads import (
    AnswerDetails,
    QAInputs,
    QAWindow,
    QAWindowInputs,
    answer,
    answer_details,
    count_windows,
    qa_inputs,
)

QUESTION = "Where does Wolfgang live?"
CONTEXT = "My name is Wolfgang and I live in Berlin. My sister lives in Seoul, near the Han river."


def _pair(kind="bert_qa", side="right"):
    return tm.cached(kind), tm.cached_tokenizer(tm.KINDS[kind], side)


def test_details_hold_the_same_computation():
    model, tok = _pair()
    details = answer_details(model, tok, QUESTION, CONTEXT, top_k=3)
    assert isinstance(details, AnswerDetails)
    assert details.results == answer(model, tok, QUESTION, CONTEXT, top_k=3)
    assert details.question_first and details.null_score is None
    assert details.params["max_seq_len"] == 384 and details.params["doc_stride"] == 128
    assert len(details.windows) == 1
    win = details.windows[0]
    assert isinstance(win, QAWindow)
    n = len(win.tokens)
    for values in (win.input_ids, win.offsets, win.sequence_ids, win.is_context, win.candidate):
        assert len(values) == n
    assert len(win.start_logits) == len(win.end_logits) == n
    # the logits are the model's own for exactly these tokens
    feed = tok(QUESTION, CONTEXT, return_tensors="pt")
    assert feed["input_ids"][0].tolist() == win.input_ids
    with torch.no_grad():
        out = model(**feed)
    np.testing.assert_allclose(win.start_logits, out.start_logits[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(win.end_logits, out.end_logits[0].numpy(), rtol=1e-5, atol=1e-6)
    # only context tokens and [CLS] may hold the answer; probabilities are a softmax over them
    assert win.candidate == [c or i == 0 for i, c in enumerate(win.is_context)]
    assert math.isclose(sum(win.start_probs), 1.0, rel_tol=1e-5)
    assert all(p == 0 for p, ok in zip(win.start_probs, win.candidate, strict=True) if not ok)
    assert math.isclose(win.null_score, win.start_probs[0] * win.end_probs[0], rel_tol=1e-6)
    best = win.best
    assert best["answer"] == CONTEXT[best["start"] : best["end"]] == details.results[0]["answer"]
    assert win.is_context[best["start_token"]] and win.is_context[best["end_token"]]
    assert win.context_span == (0, len(CONTEXT))


def test_windows_cover_a_long_context():
    model, tok = _pair("distilbert_qa")
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(120))
    details = answer_details(
        model, tok, "Where is item 42?", context, max_seq_len=64, doc_stride=16, top_k=5
    )
    spans = [w.context_span for w in details.windows]
    assert len(spans) > 20 and spans[0][0] == 0 and spans[-1][1] == len(context)
    for (_a0, a1), (b0, b1) in zip(spans, spans[1:], strict=False):
        assert b0 < a1 <= b1  # consecutive windows overlap and move forward
    for row in details.results:
        assert row["answer"] == context[row["start"] : row["end"]]
    assert [r["score"] for r in details.results] == sorted(
        (r["score"] for r in details.results), reverse=True
    )


def test_impossible_answer_and_its_score():
    model, tok = _pair()
    details = answer_details(model, tok, QUESTION, CONTEXT, top_k=50, handle_impossible_answer=True)
    null = [r for r in details.results if r["answer"] == "" and r["start"] == r["end"] == 0]
    assert null and null[0]["score"] == details.null_score == min(
        w.null_score for w in details.windows
    )


def test_top_k_returns_fewer_when_fewer_exist():
    model, tok = _pair()
    got = answer(model, tok, "Who?", "Berlin", top_k=50, max_answer_len=1)
    assert 1 <= len(got) < 50
    assert len({r["answer"].lower() for r in got}) == len(got)  # duplicates are merged


def test_align_to_words_widens_to_whole_words():
    model, tok = _pair()
    context = "Unbelievably, tokenization splits longish words."
    for row in answer(model, tok, "What splits?", context, top_k=10):
        before = context[row["start"] - 1] if row["start"] else " "
        after = context[row["end"]] if row["end"] < len(context) else " "
        assert not (before.isalnum() and context[row["start"]].isalnum())
        assert not (after.isalnum() and context[row["end"] - 1].isalnum())


def test_max_seq_len_is_clamped_to_the_position_embeddings():
    model, tok = _pair()
    details = answer_details(model, tok, QUESTION, CONTEXT * 40, max_seq_len=2000, doc_stride=64)
    assert details.params["max_seq_len"] == 512
    assert all(len(w.tokens) <= 512 for w in details.windows)


def test_small_max_seq_len_default_stride_follows_transformers():
    model, tok = _pair()
    details = answer_details(model, tok, QUESTION, CONTEXT, max_seq_len=24)
    assert details.params["doc_stride"] == 12 and len(details.windows) > 1


@pytest.mark.parametrize(
    "context",
    [
        "x " * 50_000,  # 100,000 characters
        "😀" * 3000 + " Berlin",
        "서울은 대한민국의 수도이다. 한강이 서울을 가로지른다.",
        "عاصمة فرنسا هي باريس. ירושלים היא עיר עתיקה.",
        "NUL\x00char\x00Berlin",
        "Berlin",
    ],
    ids=["100k", "emoji", "korean", "rtl", "nul", "one-word"],
)
def test_unusual_contexts_give_a_result(context):
    got = answer(*_pair(), QUESTION, context)
    assert len(got) == 1
    row = got[0]
    assert math.isfinite(row["score"]) and 0 <= row["start"] <= row["end"] <= len(context)
    assert row["answer"] == context[row["start"] : row["end"]]


@pytest.mark.parametrize(
    ("question", "context", "kwargs", "error", "words"),
    [
        ("", CONTEXT, {}, ValueError, "question is empty"),
        ("   ", CONTEXT, {}, ValueError, "question is empty"),
        (QUESTION, "", {}, ValueError, "context is empty"),
        (QUESTION, " \n", {}, ValueError, "context is empty"),
        (None, CONTEXT, {}, TypeError, "question must be a str"),
        (QUESTION, None, {}, TypeError, "context must be a str"),
        (7, CONTEXT, {}, TypeError, "int"),
        (QUESTION, b"bytes", {}, TypeError, "bytes"),
        ([QUESTION], CONTEXT, {}, TypeError, "list"),
        (QUESTION, CONTEXT, {"top_k": 0}, ValueError, "top_k must be >= 1"),
        (QUESTION, CONTEXT, {"top_k": "3"}, TypeError, "top_k must be an int"),
        (QUESTION, CONTEXT, {"max_answer_len": 0}, ValueError, "max_answer_len must be >= 1"),
        (QUESTION, CONTEXT, {"max_seq_len": 64, "doc_stride": 64}, ValueError, "doc_stride"),
        (QUESTION, CONTEXT, {"max_seq_len": 64, "doc_stride": 100}, ValueError, "max_seq_len"),
        (QUESTION, CONTEXT, {"doc_stride": -1}, ValueError, "doc_stride"),
        (QUESTION, CONTEXT, {"max_seq_len": 0}, ValueError, "max_seq_len"),
        ("why " * 400, CONTEXT, {}, ValueError, "max_seq_len=384"),
        (
            "why " * 70,
            CONTEXT * 5,
            {"max_seq_len": 64, "doc_stride": 16},
            ValueError,
            "max_seq_len=64",
        ),
        # stride wider than the room left by the question: transformers' tokenizer panics here
        (
            "why " * 20,
            CONTEXT * 5,
            {"max_seq_len": 64, "doc_stride": 50},
            ValueError,
            "doc_stride \\(50\\)",
        ),
    ],
)
def test_bad_input(question, context, kwargs, error, words):
    with pytest.raises(error, match=words):
        answer(*_pair(), question, context, **kwargs)


def test_wide_stride_is_fine_when_the_context_fits():
    # transformers only trips on the stride when it has to split the context
    got = answer(*_pair(), "why " * 20, "Berlin is big.", max_seq_len=64, doc_stride=50)
    assert len(got) == 1


def test_bad_model_or_tokenizer():
    with pytest.raises(TypeError, match="tokenizer is required"):
        answer(tm.cached("bert_qa"), None, QUESTION, CONTEXT)
    with pytest.raises(TypeError, match="model must be"):
        answer(lambda q, c: "Berlin", None, QUESTION, CONTEXT)


def test_model_is_left_exactly_as_it_was():
    model = tm.build("distilbert_qa").train()
    model.qa_outputs.eval()
    model.distilbert.embeddings.word_embeddings.weight.requires_grad_(False)
    before = tm.fingerprint(model)
    got = answer(model, tm.cached_tokenizer(False), QUESTION, CONTEXT, top_k=3)
    assert tm.fingerprint(model) == before
    assert got == answer(*_pair("distilbert_qa"), QUESTION, CONTEXT, top_k=3)  # dropout was off


def test_mode_is_restored_when_the_forward_fails():
    model = tm.build("bert_qa").train()
    before = tm.fingerprint(model)
    handle = model.bert.encoder.register_forward_hook(lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        answer(model, tm.cached_tokenizer(), QUESTION, CONTEXT)
    handle.remove()
    assert tm.fingerprint(model) == before


def test_inputs_are_the_windows_answer_runs():
    model, tok = _pair("distilbert_qa")
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(40))
    kwargs = dict(max_seq_len=64, doc_stride=16)
    inputs = qa_inputs(model, tok, "Where is item 12?", context, **kwargs)
    assert isinstance(inputs, QAInputs) and inputs.question_first
    details = answer_details(model, tok, "Where is item 12?", context, **kwargs)
    assert inputs.params == details.params
    assert len(inputs.windows) == len(details.windows) > 3
    for win, shown in zip(inputs.windows, details.windows, strict=True):
        assert isinstance(win, QAWindowInputs) and win.index == shown.index
        assert win.tokens == shown.tokens and win.input_ids == shown.input_ids
        assert set(win.feed) == {"input_ids", "attention_mask"}  # DistilBERT: no token types
        assert win.feed["input_ids"].tolist() == [win.input_ids]
        assert win.attention_mask == [1] * len(win.input_ids)
        with torch.no_grad():
            out = model(**win.feed)
        np.testing.assert_array_equal(shown.start_logits, out.start_logits[0].numpy())
    bert = qa_inputs(*_pair(), QUESTION, CONTEXT)
    assert set(bert.windows[0].feed) == {"input_ids", "attention_mask", "token_type_ids"}


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"max_seq_len": 64, "doc_stride": 16}, {"max_seq_len": 48}, {"max_seq_len": 40,
     "doc_stride": 30}, {"max_seq_len": 96, "doc_stride": 0, "top_k": 4}],
)  # fmt: skip
@pytest.mark.parametrize("side", ["right", "left"])
def test_count_windows_predicts_the_windows(kwargs, side):
    model, tok = _pair("bert_qa", side)
    for n in (1, 5, 30, 90):
        context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(n))
        want = len(answer_details(model, tok, "Where is item 3?", context, **kwargs).windows)
        assert count_windows(model, tok, "Where is item 3?", context, **kwargs) == want


def test_count_windows_checks_its_arguments():
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['stride'\]"):
        count_windows(*_pair(), QUESTION, CONTEXT, stride=3)
    with pytest.raises(ValueError, match="doc_stride"):
        count_windows(*_pair(), QUESTION, CONTEXT, max_seq_len=64, doc_stride=64)
    with pytest.raises(ValueError, match="question is empty"):
        count_windows(*_pair(), "", CONTEXT)


def test_a_classifier_is_refused_clearly():
    with pytest.raises(TypeError) as info:
        answer(tm.cached("distilbert_sst2"), tm.cached_tokenizer(False), QUESTION, CONTEXT)
    assert str(info.value) == (
        "DistilBertForSequenceClassification returns logits, not start_logits/end_logits: "
        "answer() needs a ...ForQuestionAnswering model; DistilBertForSequenceClassification "
        "has a sequence-classification head: use classify()"
    )


def test_a_model_without_a_head_is_refused_clearly():
    from transformers import BertModel

    bare = BertModel(tm.cached("bert_qa").config).eval()
    with pytest.raises(TypeError) as info:
        answer(bare, tm.cached_tokenizer(), QUESTION, CONTEXT)
    assert str(info.value) == (
        "BertModel returns last_hidden_state and pooler_output, not start_logits/end_logits: "
        "answer() needs a ...ForQuestionAnswering model; BertModel is a bare backbone without a "
        "task head: load a class with one"
    )


def test_a_model_without_weights_is_refused_clearly():
    from transformers import BertForQuestionAnswering

    with torch.device("meta"):
        meta = BertForQuestionAnswering(tm.cached("bert_qa").config)
    with pytest.raises(ValueError, match="the weights are not loaded: this model is on the meta"):
        answer(meta, tm.cached_tokenizer(), QUESTION, CONTEXT)
