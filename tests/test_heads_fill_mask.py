"""explorer.heads.fill_mask: equal to transformers' FillMaskPipeline (5.x and 4.57), bad input, safety."""

import copy
import math

import _mlm_models as mm
import _tiny_models as tm
import pytest
import torch
import transformers

import explorer
from explorer.heads import (
    FillMaskDetails,
    fill_mask,
    fill_mask_details,
    fill_mask_inputs,
    fill_mask_run,
)

TEXTS = [
    "Paris is the {m} of France.",
    "{m} is the capital of France.",
    "The {m} fox jumps over the {m} dog.",
    "서울의 봄은 {m} 아름답다 🌸",
    "{m}",
]


def _pipe(model, tok):
    return transformers.FillMaskPipeline(model=model, tokenizer=tok)


def _same(got, expected):
    """Equal rows: the same tokens, strings and sequences; scores within 1e-5 relative."""
    if expected and isinstance(expected[0], list):
        assert isinstance(got[0], list) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same(g, e)
        return
    assert [(r["token"], r["token_str"], r["sequence"]) for r in got] == [
        (r["token"], r["token_str"], r["sequence"]) for r in expected
    ]
    for g, e in zip(got, expected, strict=True):
        assert math.isclose(g["score"], e["score"], rel_tol=1e-5, abs_tol=1e-9), (g, e)


@pytest.mark.parametrize("family", mm.MLM_FAMILIES)
def test_equals_the_pipeline(family):
    model, tok = mm.mlm(family)
    pipe = _pipe(model, tok)
    for template in TEXTS:
        text = template.format(m=tok.mask_token)
        for top_k in (1, 5, 12):
            _same(fill_mask(model, tok, text, top_k=top_k), pipe(text, top_k=top_k))
    text = TEXTS[0].format(m=tok.mask_token)
    _same(fill_mask(model, tok, text), pipe(text))  # the default top_k, 5


@pytest.mark.parametrize("family", ["bert", "roberta"])
def test_targets_equal_the_pipeline(family, caplog):
    model, tok = mm.mlm(family)
    pipe = _pipe(model, tok)
    vocab = list(tok.get_vocab())
    words = [vocab[200], vocab[201], vocab[200], "qqzzqq"]  # a duplicate, and no vocab token
    for template in TEXTS[:3]:
        text = template.format(m=tok.mask_token)
        for targets in (words, vocab[300], [vocab[5]]):
            for top_k in (2, 10):
                got = fill_mask(model, tok, text, top_k=top_k, targets=targets)
                _same(got, pipe(text, top_k=top_k, targets=targets))
    details = fill_mask_details(model, tok, TEXTS[0].format(m=tok.mask_token), targets=words)
    assert details.top_k == 3 and len(details.results) == 3  # capped at the 3 distinct targets
    assert any("'qqzzqq' is not one token" in note for note in details.notes)


def test_one_mask_flat_several_nested_and_the_details():
    model, tok = mm.mlm("bert")
    one = fill_mask_details(model, tok, "Paris is the [MASK] of France.", top_k=3)
    assert isinstance(one, FillMaskDetails)
    assert one.results == one.masks[0] and len(one.masks) == 1 and len(one.results) == 3
    assert one.tokens[one.positions[0]] == "[MASK]" and one.mask_token == "[MASK]"
    assert [r["score"] for r in one.results] == sorted(
        (r["score"] for r in one.results), reverse=True
    )
    # the scores are the softmax of the model's own logits at the mask
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([one.input_ids]))["logits"][0, one.positions[0]]
    best = logits.softmax(-1).max().item()
    assert math.isclose(one.results[0]["score"], best, rel_tol=1e-5)
    assert one.results[0]["token"] == int(logits.argmax())
    two = fill_mask_details(model, tok, "The [MASK] fox jumps over the [MASK] dog.", top_k=2)
    assert two.results == two.masks and len(two.masks) == 2 and two.positions[0] < two.positions[1]
    # each mask is filled on its own: the other stays masked in the sequence
    assert all("[MASK]" in row["sequence"] for rows in two.masks for row in rows)
    data = two.to_dict()
    assert data["masks"] == two.masks and data["mask_token"] == "[MASK]"
    import json

    json.dumps(data)  # JSON-safe
    assert "[MASK] 2:" in two.summary() and "The [MASK] fox" in two.summary()


def test_the_inputs_are_what_the_pipeline_feeds():
    model, tok = mm.mlm("bert")
    text = "The [MASK] fox [MASK]."
    inputs = fill_mask_inputs(model, tok, text)
    want = tok(text, return_tensors="pt")
    assert set(inputs.feed) == {"input_ids", "attention_mask", "token_type_ids"}
    for key, value in inputs.feed.items():
        assert value.tolist() == want[key].tolist(), key
    assert inputs.positions == [2, 4] and inputs.masks_in_text == 2 and inputs.targets is None
    assert inputs.tokens[2] == inputs.mask_token == "[MASK]"


def test_no_mask_names_the_tokenizers_own_mask_token():
    model, tok = mm.mlm("bert")
    with pytest.raises(ValueError, match=r"no mask token: write \[MASK\] where"):
        fill_mask(model, tok, "Paris is the capital of France.")
    model, tok = mm.mlm("roberta")
    with pytest.raises(ValueError, match=r"has '\[MASK\]', which is not this tokenizer's"):
        fill_mask(model, tok, "Paris is the [MASK] of France.")
    with pytest.raises(ValueError, match="write <mask> where"):
        fill_mask(model, tok, "Paris is the capital of France.")


def test_a_tokenizer_without_a_mask_token():
    model, tok = mm.mlm("bert")
    plain = copy.deepcopy(tok)
    plain.mask_token = None
    assert plain.mask_token is None
    with pytest.raises(TypeError, match="needs a tokenizer with a mask token"):
        fill_mask(model, plain, "Paris is the [MASK] of France.")


def test_a_head_that_does_not_fit_names_the_function_that_does(sst2, qa):
    with pytest.raises(TypeError, match=r"^fill_mask\(\) needs a masked language model"):
        fill_mask(*sst2, "Paris is the [MASK] of France.")
    with pytest.raises(TypeError, match=r"sequence-classification head: use classify\(\)"):
        fill_mask(*sst2, "Paris is the [MASK] of France.")
    with pytest.raises(TypeError, match=r"question-answering head: use answer\(\)"):
        fill_mask(*qa, "Paris is the [MASK] of France.")
    bare = tm.init_weights(transformers.BertModel(mm.tf.BertConfig(vocab_size=30522, **mm.SMALL)))
    with pytest.raises(TypeError, match=r"not logits: fill_mask\(\) needs a masked language"):
        fill_mask(bare, mm.mlm("bert")[1], "Paris is the [MASK] of France.")


def test_bad_arguments():
    model, tok = mm.mlm("bert")
    with pytest.raises(ValueError, match="text is empty"):
        fill_mask(model, tok, "   ")
    with pytest.raises(TypeError, match="text must be a str"):
        fill_mask(model, tok, None)
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        fill_mask(model, tok, "a [MASK]", top_k=0)
    with pytest.raises(TypeError, match="top_k must be an int"):
        fill_mask(model, tok, "a [MASK]", top_k="3")
    with pytest.raises(TypeError, match="targets must be a str or a list of str"):
        fill_mask(model, tok, "a [MASK]", targets=[3])
    with pytest.raises(TypeError, match="a tokenizer is required"):
        fill_mask(model, None, "a [MASK]")


def test_top_k_beyond_the_vocabulary_gives_every_token():
    model, tok = mm.mlm("roberta")  # the pipeline raises torch's "selected index k out of range"
    rows = fill_mask(model, tok, "Paris is the <mask>.", top_k=10_000)
    assert len(rows) == model.config.vocab_size == len({r["token"] for r in rows})
    assert math.isclose(sum(r["score"] for r in rows), 1.0, rel_tol=1e-4)


def test_a_long_text_is_cut_and_says_so():
    model, tok = mm.mlm("bert")
    text = "Paris is the [MASK] of France. " + "word " * 100_000
    details = fill_mask_details(model, tok, text)
    assert details.truncated and details.max_length == 512 and len(details.input_ids) == 512
    assert details.num_tokens > 100_000 and details.masks_in_text == 1 and len(details.masks) == 1
    assert "cut to the model's 512 tokens" in details.summary()
    with pytest.raises(ValueError, match="every \\[MASK\\] in the text is past the model's window"):
        fill_mask(model, tok, "word " * 600 + "[MASK]")


def test_the_model_comes_back_untouched():
    model, tok = mm.mlm("bert")
    model = copy.deepcopy(model).train()
    model.bert.embeddings.requires_grad_(False)
    before = tm.fingerprint(model)
    fill_mask(model, tok, "Paris is the [MASK] of France.")
    run = fill_mask_run(model, tok, "Paris is the [MASK] of France.", traced=True)
    assert run.trace.lens is not None
    assert tm.fingerprint(model) == before
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_one_forward_pass_through_the_run_seam():
    model, tok = mm.mlm("bert")
    passes = []
    fill_mask_run(model, tok, "The [MASK] fox [MASK].", on_forward=lambda: passes.append(1))
    assert passes == [1]
    with pytest.raises(explorer.TraceCancelled):
        fill_mask_run(model, tok, "The [MASK] fox.", traced=True, should_stop=lambda: True)


@pytest.mark.parametrize("family", mm.MLM_FAMILIES)
def test_trace_of_a_masked_lm(family):
    model, tok = mm.mlm(family)
    text = f"Paris is the {tok.mask_token} of France."
    t = explorer.trace(model, tok, text)
    assert t.task == "fill_mask" and t.function == "softmax" and t.labels is None
    layers = model.config.num_hidden_layers if family != "distilbert" else model.config.n_layers
    assert t.lens is not None, t.lens_note["en"]
    assert len(t.lens) == layers + 1 and t.lens[-1] is t.prediction
    # the prediction is the model's own: its top token at every position
    with torch.no_grad():
        feed = {k: v for k, v in t.feed.items() if k != "use_cache"}
        logits = model(**feed)["logits"][0]
    assert [row[0] for row in t.prediction["ids"]] == logits.argmax(-1).tolist()
    probs = logits.softmax(-1).max(-1).values.tolist()
    for got, want in zip([row[0] for row in t.prediction["probs"]], probs, strict=True):
        assert math.isclose(got, want, rel_tol=1e-5)
    assert t.prediction["tokens"][0][0] == tok.decode([t.prediction["ids"][0][0]])
    assert all(len(entry["ids"]) == len(t.tokens) for entry in t.lens)
    # a text without a mask is traced too (the lens reads every position)
    assert explorer.trace(model, tok, "Paris is nice.").lens is not None
