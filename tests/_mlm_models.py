"""Tiny masked LMs and NLI classifiers with real tokenizers (BERT WordPiece, a byte-level BPE)."""

from __future__ import annotations

import functools
import os
import tempfile

import _tiny_models as tm
import transformers as tf

SMALL = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    max_position_embeddings=512,
)
NLI = ["ENTAILMENT", "NEUTRAL", "CONTRADICTION"]
BPE_TEXTS = [
    "Paris is the capital of France.",
    "The quick brown fox jumps over the lazy dog.",
    "I love football and I hate politics.",
    "This example is about sports, cooking and science.",
]


@functools.cache
def bpe_tokenizer():
    """A real byte-level BPE tokenizer (RoBERTa's kind: ``<mask>``, ``<s>``, ``</s>``), trained
    here on a few sentences and loaded back with RobertaTokenizerFast.from_pretrained."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(BPE_TEXTS * 20, vocab_size=400, min_frequency=1, special_tokens=special)
    folder = tempfile.mkdtemp(prefix="xp-bpe-")
    bpe.save_model(folder)
    assert os.path.isfile(os.path.join(folder, "merges.txt"))
    return tf.RobertaTokenizerFast.from_pretrained(folder, model_max_length=512)


def _mlm(family: str, vocab: int):
    if family == "distilbert":
        cfg = tf.DistilBertConfig(
            dim=32, hidden_dim=64, n_layers=2, n_heads=2, vocab_size=vocab,
            max_position_embeddings=512,
        )  # fmt: skip
    elif family in ("albert", "electra"):
        cfg = tf.AutoConfig.for_model(family, vocab_size=vocab, embedding_size=16, **SMALL)
    elif family == "roberta":
        cfg = tf.RobertaConfig(vocab_size=vocab, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                               **{**SMALL, "max_position_embeddings": 514})  # fmt: skip
    else:
        cfg = tf.AutoConfig.for_model(family, vocab_size=vocab, **SMALL)
    return tm.init_weights(tf.AutoModelForMaskedLM.from_config(cfg))


#: Masked-LM families built here, and whether their tokenizer feeds token_type_ids.
MLM_FAMILIES = ("bert", "distilbert", "roberta", "albert", "electra")


@functools.cache
def mlm(family: str = "bert"):
    """``(model, tokenizer)``: a tiny ``...ForMaskedLM`` of ``family`` and a real tokenizer
    (the BPE one for RoBERTa, bert-base-uncased's WordPiece for the others). Shared: only read."""
    if family == "roberta":
        tok = bpe_tokenizer()
        return _mlm(family, len(tok)), tok
    tok = tm.tokenizer(token_type_ids=family not in ("distilbert",))
    return _mlm(family, 30522), tok


@functools.cache
def nli(kind: str = "distilbert"):
    """``(model, tokenizer)``: a tiny NLI classifier. ``"distilbert"``: ENTAILMENT, NEUTRAL,
    CONTRADICTION (entailment is class 0); ``"bert"``: contradiction, neutral, entailment in
    lower case (entailment is class 2, fed token_type_ids). Shared: only read."""
    if kind == "distilbert":
        labels = NLI
        cfg = tf.DistilBertConfig(
            dim=32, hidden_dim=64, n_layers=2, n_heads=2, vocab_size=30522,
            max_position_embeddings=512, num_labels=3, id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
        )  # fmt: skip
        model = tf.DistilBertForSequenceClassification(cfg)
        return tm.init_weights(model), tm.tokenizer(token_type_ids=False)
    labels = ["contradiction", "neutral", "entailment"]
    cfg = tf.BertConfig(
        vocab_size=30522, num_labels=3, id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)}, **SMALL,
    )  # fmt: skip
    return tm.init_weights(tf.BertForSequenceClassification(cfg)), tm.tokenizer()
