"""explorer.heads.tag: equal to transformers' token-classification pipeline (every aggregation
strategy, windows, word heuristics, slow tokenizers), its trace and lens, bad input, safety."""

import copy
import json
import math
import warnings

import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers
from transformers.pipelines.token_classification import AggregationStrategy

import explorer
from explorer.heads import AGGREGATIONS, TagDetails, tag, tag_details, tag_inputs, tag_run

TEXTS = [
    "My name is Wolfgang and I live in Berlin",
    "Hugging Face Inc. is a company based in New York City. Its headquarters are in DUMBO.",
    "naïve café résumé 🤗 x\x00y [UNK] unbelievably antidisestablishmentarianism",
    "서울의 봄은 아름답다, and Zürich's Bahnhofstraße too",
    "  spaces   before, (brackets) and—dashes  ",
]
LONG = (
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday; the European Union said talks "
    "with Microsoft Corporation continue. "
) * 40  # ~880 tokens: two or three windows of 512
KINDS = ["distilbert_ner", "bert_pos"]


def _pair(kind, padding_side="right"):
    return tm.cached(kind), tm.cached_tokenizer(tm.KINDS[kind], padding_side)


def _pipe(model, tok):
    return transformers.pipeline("token-classification", model=model, tokenizer=tok)


def _same(got, expected):
    """Equal results: the same keys and values, scores within 1e-5 relative."""
    assert len(got) == len(expected), (got, expected)
    for g, e in zip(got, expected, strict=True):
        assert set(g) == set(e), (g, e)
        assert {k: v for k, v in g.items() if k != "score"} == {
            k: v for k, v in e.items() if k != "score"
        }, (g, e)
        assert isinstance(g["score"], float)
        assert math.isclose(g["score"], float(e["score"]), rel_tol=1e-5, abs_tol=1e-7), (g, e)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("strategy", AGGREGATIONS)
def test_equals_the_pipeline_for_every_strategy(kind, strategy):
    model, tok = _pair(kind)
    pipe = _pipe(model, tok)
    total = 0
    for text in TEXTS:
        expected = pipe(text, aggregation_strategy=strategy)
        _same(tag(model, tok, text, strategy), expected)
        total += len(expected)
    assert total > 20  # the random heads tag plenty: the grouping paths all ran


@pytest.mark.parametrize("ignore", [[], ["O", "B-PER", "NOUN"], ("I-LOC",)])
def test_ignore_labels_as_the_pipeline(ignore):
    for kind in KINDS:
        model, tok = _pair(kind)
        pipe = _pipe(model, tok)
        for strategy in ("none", "simple", "first"):
            for text in TEXTS[:2]:
                expected = pipe(text, aggregation_strategy=strategy, ignore_labels=list(ignore))
                _same(tag(model, tok, text, strategy, ignore_labels=ignore), expected)
    model, tok = _pair("distilbert_ner")
    everything = tag(model, tok, TEXTS[0], "none", ignore_labels=[])
    assert len(everything) == len(tok(TEXTS[0])["input_ids"]) - 2  # every token but [CLS] [SEP]


def test_default_strategy_is_simple_and_the_enum_is_accepted():
    model, tok = _pair("distilbert_ner")
    assert tag(model, tok, TEXTS[1]) == tag(model, tok, TEXTS[1], "simple")
    assert tag(model, tok, TEXTS[1], AggregationStrategy.MAX) == tag(model, tok, TEXTS[1], "MAX")


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("stride", [0, 64, 200])
def test_windows_equal_the_pipeline_stride(stride, padding_side):
    model, tok = _pair("distilbert_ner", padding_side)
    pipe = _pipe(model, tok)
    for strategy in ("simple", "first", "average", "max"):
        details = tag_details(model, tok, LONG, strategy, stride=stride)
        _same(details.entities, pipe(LONG, aggregation_strategy=strategy, stride=stride))
    assert len(details.windows) == (3 if stride == 200 else 2)
    assert not details.truncated and details.tagged_span == (0, len(LONG.rstrip()))
    assert details.num_tokens == len(tok(LONG, verbose=False)["input_ids"])
    starts = [row["start"] for row in details.entities]
    assert starts == sorted(starts)


def test_without_stride_the_text_is_cut_as_the_pipeline_cuts_it():
    model, tok = _pair("bert_pos")
    details = tag_details(model, tok, LONG)
    _same(details.entities, _pipe(model, tok)(LONG, aggregation_strategy="simple"))
    assert details.truncated and len(details.windows) == 1
    assert len(details.windows[0].tokens) == 512 == details.max_length
    assert details.num_tokens == len(tok(LONG, verbose=False)["input_ids"])
    a, b = details.tagged_span
    assert a == 0 and 0 < b < len(LONG)
    assert max(row["end"] for row in details.entities) <= b
    assert "Truncated: the model read 512" in details.summary()


def test_a_100k_character_text_is_cut_and_says_so():
    model, tok = _pair("distilbert_ner")
    text = "Ada Lovelace wrote in London. " * 3400  # 102,000 characters
    details = tag_details(model, tok, text)
    assert details.truncated and details.num_tokens == len(tok(text, verbose=False)["input_ids"])
    assert details.tagged_span[1] < 3000 < len(text)
    assert len(details.windows) == 1 and len(details.windows[0].tokens) == 512


def _bpe_pair():
    """A byte-level BPE tokenizer (no word-piece marks: the word strategies guess words from
    spaces, as transformers does) trained here, and a model over its vocabulary."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    corpus = [TEXTS[0], TEXTS[1], LONG[:300]] * 5
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    bpe.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True)
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", cls_token="<s>", sep_token="</s>", mask_token="<mask>",
        model_max_length=64, model_input_names=["input_ids", "attention_mask"],
    )  # fmt: skip
    config = transformers.DistilBertConfig(
        vocab_size=len(tok), dim=32, hidden_dim=64, n_layers=2, n_heads=2,
        max_position_embeddings=64, id2label=dict(enumerate(tm.NER_LABELS)),
        label2id={label: i for i, label in enumerate(tm.NER_LABELS)},
    )  # fmt: skip
    return tm.init_weights(transformers.DistilBertForTokenClassification(config)), tok


def test_tokenizers_without_word_pieces_use_the_pipelines_fallback_and_its_warning():
    model, tok = _bpe_pair()
    pipe = _pipe(model, tok)
    text = "Angela Merkel met Emmanuel Macron in Paris, unseen-words like Zürich 🤗 too. " * 3
    for strategy in AGGREGATIONS:
        for stride in (None, 8):
            if strategy == "none" and stride is not None:
                continue
            with warnings.catch_warnings(record=True) as theirs:
                warnings.simplefilter("always")
                expected = pipe(text, aggregation_strategy=strategy, stride=stride)
            with warnings.catch_warnings(record=True) as ours:
                warnings.simplefilter("always")
                details = tag_details(model, tok, text, strategy, stride=stride)
            _same(details.entities, expected)
            word = strategy in ("first", "average", "max")
            assert bool(theirs) == bool(ours) == word
            assert all("fallback heuristic" in str(w.message) for w in ours)
    assert not details.word_aware and len(details.windows) > 2


def _slow_tokenizer():
    """The python (slow) bert-base-uncased tokenizer: no offsets."""
    cls = getattr(transformers, "BertTokenizerLegacy", None)
    if cls is None:  # transformers 4: BertTokenizer is the slow one
        cls = transformers.BertTokenizer
    tok = cls.from_pretrained(tm.vocab_dir(), model_input_names=["input_ids", "attention_mask"])
    assert not tok.is_fast
    return tok


def test_slow_tokenizers_give_no_offsets_and_refuse_word_strategies_as_the_pipeline():
    model, tok = tm.cached("distilbert_ner"), _slow_tokenizer()
    pipe = _pipe(model, tok)
    for strategy in ("none", "simple"):
        for text in TEXTS:
            got = tag(model, tok, text, strategy)
            _same(got, pipe(text, aggregation_strategy=strategy))
            assert all(row["start"] is None and row["end"] is None for row in got)
    for strategy in ("first", "average", "max"):
        with pytest.raises(ValueError, match="Slow tokenizers"):
            pipe(TEXTS[0], aggregation_strategy=strategy)
        with pytest.raises(ValueError, match="needs a fast tokenizer"):
            tag(model, tok, TEXTS[0], strategy)
    with pytest.raises(ValueError, match="stride needs a fast tokenizer"):
        tag(model, tok, LONG, stride=32)
    details = tag_details(model, tok, LONG)
    assert details.truncated and details.num_tokens > 512
    assert "characters" not in details.summary().split("Truncated")[1]


def test_bfloat16_model_equals_the_pipeline():
    model = copy.deepcopy(tm.cached("distilbert_ner")).to(torch.bfloat16)
    tok = tm.cached_tokenizer(False)
    pipe = _pipe(model, tok)
    for strategy in ("none", "average"):
        _same(tag(model, tok, TEXTS[1], strategy), pipe(TEXTS[1], aggregation_strategy=strategy))


def test_details_hold_the_models_own_scores():
    model, tok = _pair("distilbert_ner")
    details = tag_details(model, tok, TEXTS[0], "first")
    assert isinstance(details, TagDetails) and details.labels == tm.NER_LABELS
    win = details.windows[0]
    enc = tok(TEXTS[0], return_offsets_mapping=True)
    assert win.input_ids == enc["input_ids"] and win.offsets == enc["offset_mapping"]
    assert win.tokens[0] == "[CLS]" and win.special[0] and win.special[-1]
    assert win.is_subword[0] is None and win.is_subword[1] is False
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([win.input_ids])).logits[0].numpy()
    np.testing.assert_allclose(win.logits, logits, rtol=1e-5, atol=1e-6)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(win.probabilities, probs, rtol=1e-5, atol=1e-7)
    assert win.predicted == probs.argmax(-1).tolist()
    assert details.tagged_span == (0, len(TEXTS[0])) and not details.truncated
    assert details.elapsed > 0 and details.word_aware


def test_word_pieces_are_marked_as_transformers_marks_them():
    model, tok = _pair("distilbert_ner")
    details = tag_details(model, tok, "unbelievably antidisestablishmentarianism 🤗")
    win = details.windows[0]
    pieces = [t for t, s in zip(win.tokens, win.is_subword, strict=True) if s]
    assert pieces and all(t.startswith("##") for t in pieces)
    unk = win.tokens.index("[UNK]")
    assert win.is_subword[unk] is False
    everything = tag(model, tok, "x 🤗", "none", ignore_labels=[])
    assert everything[-1]["word"] == "🤗"  # the unknown token reads as the text it covers


def test_to_dict_is_json_and_summary_is_plain_text():
    model, tok = _pair("bert_pos")
    details = tag_details(model, tok, TEXTS[1], "simple")
    data = json.loads(json.dumps(details.to_dict(), allow_nan=False))
    assert data["entities"] == details.entities
    assert data["labels"] == tm.POS_LABELS and data["aggregation_strategy"] == "simple"
    win = data["windows"][0]
    assert len(win["tokens"]) == len(win["probabilities"]) == len(win["predicted"])
    assert all(math.isclose(sum(row), 1.0, rel_tol=1e-5) for row in win["probabilities"])
    text = details.summary()
    assert text.startswith("Text: Hugging Face") and f"{len(details.entities)} entities" in text
    first = details.entities[0]
    assert f"{first['entity_group']} {first['word']!r} score {first['score']:.4f}" in text


def test_trace_runs_the_same_pass_and_the_lens_ends_in_the_prediction():
    model, tok = _pair("distilbert_ner")
    before = tm.fingerprint(model)
    done = tag_run(model, tok, TEXTS[0], traced=True)
    t = explorer.trace(model, tok, TEXTS[0])
    assert t.task == "tag" == done.trace.task and t.labels == tm.NER_LABELS
    assert t.tokens == done.details.windows[0].tokens and t.windows == 1
    np.testing.assert_array_equal(t.prediction, done.details.windows[0].probabilities)
    lens = t.lens
    assert len(lens) == model.config.n_layers + 1 and lens[-1] is t.prediction
    with torch.no_grad():
        out = model(input_ids=torch.tensor([t.input_ids]), output_hidden_states=True)
        heads = [model.classifier(hidden)[0].numpy() for hidden in out.hidden_states]
    for entry, logits in zip(lens, heads, strict=True):
        expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        assert entry.shape == (len(t.tokens), len(tm.NER_LABELS))
        np.testing.assert_allclose(entry, expected, rtol=1e-4, atol=1e-6)
    assert "logit lens" in t.lens_note["en"]
    assert t.attention("distilbert.transformer.layer.1.attention").shape == (2, 11, 11)
    assert tm.fingerprint(model) == before


def test_trace_of_a_long_text_is_its_first_window():
    model, tok = _pair("bert_pos")
    t = tag_run(model, tok, LONG, stride=64, traced=True).trace
    assert t.windows == 2 and len(t.tokens) == 512 and not t.truncated
    cut = explorer.trace(model, tok, LONG)
    assert cut.truncated and cut.windows == 1


def test_the_model_comes_back_untouched():
    model = copy.deepcopy(tm.cached("bert_pos")).train()
    model.classifier.weight.requires_grad_(False)
    tok = tm.cached_tokenizer(True)
    before = tm.fingerprint(model)
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    for traced in (False, True):
        tag_run(model, tok, LONG, "max", stride=100, traced=traced)
    assert tm.fingerprint(model) == before and model.training
    after = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    assert after == hooks == 0


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("",), {}, ValueError, "text is empty"),
        (("   \n",), {}, ValueError, "text is empty"),
        ((None,), {}, TypeError, "text must be a str"),
        ((["a", "b"],), {}, TypeError, "text must be a str"),
        (("x", "grouped"), {}, ValueError, "aggregation_strategy must be one of"),
        (("x", None), {}, ValueError, "aggregation_strategy must be one of"),
        (("x",), {"ignore_labels": "O"}, TypeError, "list of label names"),
        (("x",), {"ignore_labels": [0]}, TypeError, "label names"),
        (("x", "none"), {"stride": 16}, ValueError, "aggregation_strategy='none'"),
        (("x",), {"stride": 510}, ValueError, "stride must be less than the window's 510"),
        (("x",), {"stride": -1}, ValueError, "stride must be >= 0"),
        (("x",), {"stride": 2.5}, TypeError, "stride must be an int"),
    ],
)
def test_bad_arguments_name_the_problem(args, kwargs, error, match):
    model, tok = _pair("distilbert_ner")
    with pytest.raises(error, match=match):
        tag(model, tok, *args, **kwargs)


def test_wrong_heads_name_the_function_that_fits():
    tok = tm.cached_tokenizer(False)
    ner = tm.cached("distilbert_ner")
    with pytest.raises(TypeError, match=r"a sequence-classification head: use classify\(\)"):
        tag(tm.cached("distilbert_sst2"), tok, "hello")
    with pytest.raises(TypeError, match=r"question-answering head: use answer\(\)"):
        tag(tm.cached("distilbert_qa"), tok, "hello")
    with pytest.raises(TypeError, match=r"a token-classification head: use tag\(\)"):
        explorer.classify(ner, tok, "hello")
    with pytest.raises(TypeError, match=r"a token-classification head: use tag\(\)"):
        explorer.answer(ner, tok, "who?", "hello")
    masked = transformers.DistilBertForMaskedLM(tm._distilbert_config()).eval()
    with pytest.raises(TypeError, match=r"masked-language-model head: use fill_mask\(\)"):
        tag(masked, tok, "hello")

    class VocabScorer(transformers.DistilBertForMaskedLM):  # a head no name reveals
        pass

    scorer = VocabScorer(tm._distilbert_config()).eval()
    with pytest.raises(TypeError, match="30,522 values per token but its config names 2 labels"):
        tag(scorer, tok, "hello")
    with pytest.raises(TypeError, match="not logits.*bare backbone"):
        tag(transformers.DistilBertModel(tm._distilbert_config()).eval(), tok, "hello")


def test_models_and_tokenizers_that_cannot_run_are_named():
    model, tok = _pair("distilbert_ner")
    with pytest.raises(TypeError, match="a tokenizer is required"):
        tag(model, None, "hello")
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        tag("dslim/distilbert-NER", tok, "hello")
    with torch.device("meta"):
        meta = transformers.DistilBertForTokenClassification(tm._distilbert_config(num_labels=9))
    with pytest.raises(ValueError, match="meta device"):
        tag(meta, tok, "hello")
    small, bpe = _bpe_pair()
    with pytest.raises(ValueError, match="the tokenizer does not fit the model"):
        tag(small, tok, "Hello Wolfgang")  # bert ids run past the BPE model's 373 rows
    assert tag(small, bpe, "Angela Merkel") == tag(small, bpe, "Angela Merkel")


def test_inputs_are_what_the_model_is_fed():
    model, tok = _pair("bert_pos")
    inputs = tag_inputs(model, tok, LONG, "average", stride=64)
    assert [w.index for w in inputs.windows] == [0, 1]
    last = inputs.windows[-1]
    assert set(last.feed) == {"input_ids", "attention_mask", "token_type_ids"}
    assert last.feed["input_ids"][0].tolist() == last.input_ids
    assert last.attention_mask[-1] == 0 and last.special[-1]  # padded as the pipeline pads
    assert inputs.aggregation_strategy == "average" and inputs.ignore_labels == ["O"]
