"""explorer.heads.zero_shot: equal to transformers' ZeroShotClassificationPipeline, errors, safety."""

import copy
import json
import math

import _mlm_models as mm
import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers

import explorer
from explorer.heads import ZeroShotDetails, zero_shot, zero_shot_details, zero_shot_run
from explorer.heads.zero_shot_inputs import candidate_labels, entailment_id

TEXTS = [
    "I love football, it is the best sport.",
    "서울의 봄은 아름답다 🌸",
    "Prices went up again.",
]
LABELS = [
    ["sports", "politics", "cooking"],
    "sports, politics ,, cooking",  # a comma-separated str: stripped, empty parts dropped
    ["economy"],  # one label: entailment against contradiction, as with multi_label
    ["a", "a", "b"],  # equal labels: equal scores, ranked as the pipeline ranks ties
]
TEMPLATES = ["This example is {}.", "Das Thema ist {}", "{0}, again {0}"]


def _pipe(model, tok):
    return transformers.ZeroShotClassificationPipeline(model=model, tokenizer=tok)


def _same(got, expected):
    assert got["sequence"] == expected["sequence"]
    assert got["labels"] == expected["labels"], (got, expected)
    for g, e in zip(got["scores"], expected["scores"], strict=True):
        assert math.isclose(g, e, rel_tol=1e-5, abs_tol=1e-7), (got, expected)


@pytest.mark.parametrize("kind", ["distilbert", "bert"])
@pytest.mark.parametrize("multi_label", [False, True])
def test_equals_the_pipeline(kind, multi_label):
    model, tok = mm.nli(kind)
    pipe = _pipe(model, tok)
    for text in TEXTS:
        for labels in LABELS:
            for template in TEMPLATES:
                got = zero_shot(model, tok, text, labels, template, multi_label=multi_label)
                want = pipe(text, candidate_labels=labels, hypothesis_template=template,
                            multi_label=multi_label)  # fmt: skip
                _same(got, want)
    _same(zero_shot(model, tok, TEXTS[0], LABELS[0]), pipe(TEXTS[0], LABELS[0]))  # defaults


def test_the_entailment_id_is_found_as_the_pipeline_finds_it():
    for kind in ("distilbert", "bert"):
        model, tok = mm.nli(kind)
        assert entailment_id(model.config) == _pipe(model, tok).entailment_id
    assert entailment_id(mm.nli("distilbert")[0].config) == 0
    assert entailment_id(mm.nli("bert")[0].config) == 2
    details = zero_shot_details(*mm.nli("bert"), TEXTS[0], LABELS[0], multi_label=True)
    assert (details.entailment_id, details.contradiction_id) == (2, 0)
    assert details.nli_labels == ["contradiction", "neutral", "entailment"]


def test_the_details_hold_each_labels_pass():
    model, tok = mm.nli("distilbert")
    details = zero_shot_details(model, tok, TEXTS[0], LABELS[0])
    assert isinstance(details, ZeroShotDetails)
    assert details.labels == LABELS[0] and not details.multi_label
    assert details.hypotheses == [f"This example is {label}." for label in LABELS[0]]
    assert math.isclose(sum(details.scores), 1.0, rel_tol=1e-6)
    # each pair's logits are the model's own on (text, hypothesis)
    for hypothesis, row in zip(details.hypotheses, details.logits, strict=True):
        encoded = tok(TEXTS[0], hypothesis, return_tensors="pt")
        with torch.no_grad():
            own = model(**encoded)["logits"][0].numpy()
        np.testing.assert_allclose(row, own, rtol=1e-5, atol=1e-6)
    entail = np.array(details.entailment_logits)
    probs = np.exp(entail - entail.max()) / np.exp(entail - entail.max()).sum()
    np.testing.assert_allclose(details.scores, probs, rtol=1e-6)
    assert details.results["labels"][0] == LABELS[0][int(np.argmax(probs))]
    assert details.tokens[0] == "[CLS]" and details.tokens.count("[SEP]") == 2
    data = details.to_dict()
    json.dumps(data)
    assert data["result"] == details.results and data["nli_labels"] == mm.NLI
    assert details.summary().splitlines()[2].startswith(details.results["labels"][0] + ": ")


def test_labels_parse_as_the_pipeline_parses_them():
    assert candidate_labels(" a , b,,c ,") == ["a", "b", "c"]
    assert candidate_labels(["a ", " b"]) == ["a ", " b"]  # a list is taken as given
    for empty in ("", " , ,", []):
        with pytest.raises(ValueError, match="candidate_labels is empty"):
            candidate_labels(empty)
    with pytest.raises(TypeError, match="candidate_labels must be str"):
        candidate_labels(["a", 3])
    with pytest.raises(TypeError, match="list of str or a comma-separated str"):
        candidate_labels(None)


def test_bad_input_gets_a_clear_error(sst2, qa):
    model, tok = mm.nli("distilbert")
    with pytest.raises(ValueError, match="text is empty"):
        zero_shot(model, tok, " ", ["a"])
    with pytest.raises(ValueError, match="candidate_labels is empty"):
        zero_shot(model, tok, "text", " , ")
    with pytest.raises(ValueError, match=r"has no \{\} where the label goes"):
        zero_shot(model, tok, "text", ["a"], "This example is great.")
    with pytest.raises(ValueError, match="cannot be filled with a label"):
        zero_shot(model, tok, "text", ["a"], "This is {topic}.")
    with pytest.raises(TypeError, match="multi_label must be a bool"):
        zero_shot(model, tok, "text", ["a"], multi_label="yes")
    with pytest.raises(ValueError, match="labels \\(config.label2id\\) are NEGATIVE, POSITIVE"):
        zero_shot(*sst2, "text", ["a"])
    with pytest.raises(TypeError, match=r"question-answering head: use answer\(\)"):
        zero_shot(*qa, "text", ["a"])
    with pytest.raises(TypeError, match=r"masked-language-model head: use fill_mask\(\)"):
        zero_shot(*mm.mlm("bert"), "text", ["a"])


def test_a_long_text_is_cut_the_hypothesis_never():
    model, tok = mm.nli("distilbert")
    text = "word " * 100_000
    details = zero_shot_details(model, tok, text, ["sports", "politics"])
    assert details.truncated and details.num_tokens == 100_000 and details.max_length == 512
    assert details.tokens[-6:] == ["this", "example", "is", "sports", ".", "[SEP]"]
    assert len(details.tokens) == 512 and "cut to fit" in details.summary()
    short = zero_shot_details(model, tok, "word " * 100, ["sports"])
    assert not short.truncated
    with pytest.raises(ValueError, match="alone does not fit the model's window"):
        zero_shot(model, tok, "text", ["x " * 600])


def test_one_forward_pass_per_label_and_the_first_one_traced():
    model, tok = mm.nli("distilbert")
    passes = []
    run = zero_shot_run(model, tok, TEXTS[0], LABELS[0], traced=True,
                        on_forward=lambda: passes.append(1))  # fmt: skip
    assert len(passes) == 3
    t = run.trace
    assert t.task == "classify" and t.context == "This example is sports." and t.text == TEXTS[0]
    assert t.labels == mm.NLI and t.lens is not None and t.lens[-1] is t.prediction
    probs = np.exp(run.details.logits[0]) / np.exp(run.details.logits[0]).sum()
    np.testing.assert_allclose(list(t.prediction.values()), probs, rtol=1e-5)
    assert t.tokens == run.details.tokens
    with pytest.raises(explorer.TraceCancelled):
        zero_shot_run(model, tok, TEXTS[0], LABELS[0], should_stop=lambda: True)


def test_the_model_and_tokenizer_come_back_untouched():
    model, tok = mm.nli("bert")
    model = copy.deepcopy(model).train()
    model.classifier.requires_grad_(False)
    before = tm.fingerprint(model)
    vocab = len(tok)
    zero_shot(model, tok, TEXTS[0], LABELS[0], multi_label=True)
    assert zero_shot_run(model, tok, TEXTS[0], LABELS[0], traced=True).trace.lens is not None
    assert tm.fingerprint(model) == before and len(tok) == vocab
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_trace_keeps_classifying_an_nli_model():
    model, tok = mm.nli("distilbert")
    t = explorer.trace(model, tok, TEXTS[0])
    assert t.task == "classify" and set(t.prediction) == set(mm.NLI)


def test_a_slow_tokenizer_gives_the_same_scores_and_counts():
    model, fast = mm.nli("distilbert")
    slow = transformers.BertTokenizer.from_pretrained(tm.vocab_dir())
    if slow.is_fast:
        pytest.skip(f"transformers {transformers.__version__} has no slow BERT tokenizer")
    slow.model_input_names = ["input_ids", "attention_mask"]
    text = "word " * 600
    got = zero_shot_details(model, slow, text, LABELS[0])
    _same(got.results, _pipe(model, slow)(text, LABELS[0]))
    _same(got.results, zero_shot(model, fast, text, LABELS[0]))
    assert got.truncated and got.num_tokens == 600
    assert not zero_shot_details(model, slow, "word " * 10, LABELS[0]).truncated
