"""The lens for every head: the model's own head (final norm, pooling, head layers) on every
hidden state, ending in the model's prediction; earlier entries = the head on transformers' own
hidden states; a missing step is named; a new head is one entry."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import transformers as tf
from test_attention import (
    ARCHS,
    CONTEXT,
    DECODERS,
    NO_CLASS,
    QUESTION,
    TEXT,
    build,
    cached,
    cached_twin,
    run,
    tokenizer,
)
from test_attention_untouched import untouched
from test_trace import state

from explorer.heads import answer_details, classify_details, trace
from explorer.heads.checks import model_feed
from explorer.trace import lens as lens_module
from explorer.trace.lens import HeadEntry, NoLens, last_token, lens_values
from explorer.trace.record import recording

# the base model's final norm, by family (None: the head reads the last block's output)
NORM = {"gpt2": "ln_f", "gpt_neox": "final_layer_norm", "modernbert": "final_norm"}
NO_NORM = {"deberta_v2", "deberta_v3", "xlm_roberta", "mpnet", "distilbert", "bert", "roberta",
           "albert", "electra"}  # fmt: skip


def cases():
    return [(a, h) for a in ARCHS for h in ("cls", "qa") if (a, h) not in NO_CLASS]


def expected_head(twin, arch: str, head: str, h: torch.Tensor, mask: torch.Tensor):
    """The family's head written out from its transformers source, on one hidden state."""
    base = twin.base_model
    if arch not in NO_NORM:
        h = getattr(base, NORM.get(arch, "norm"))(h)
    if head == "qa":
        if arch == "modernbert":
            return twin.classifier(twin.head(h))[0, :, 0]
        return twin.qa_outputs(h)[0, :, 0]
    if arch in DECODERS:
        logits = twin.score(h)[0, -1]  # no padding: the last token
    elif arch == "modernbert":  # mean pooling over the attention mask
        pooled = (h * mask.unsqueeze(-1)).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        logits = twin.classifier(twin.head(pooled))[0]
    elif arch.startswith("deberta"):
        logits = twin.classifier(twin.pooler(h))[0]
    elif arch == "distilbert":
        logits = twin.classifier(torch.relu(twin.pre_classifier(h[:, 0])))[0]
    elif arch == "albert":
        logits = twin.classifier(base.pooler_activation(base.pooler(h[:, 0])))[0]
    elif arch == "bert":
        logits = twin.classifier(base.pooler(h))[0]
    else:
        logits = twin.classifier(h)[0]
    return torch.softmax(logits, -1)


@pytest.mark.parametrize(("arch", "head"), cases())
def test_lens_ends_in_the_prediction_and_reads_every_hidden_state(arch, head):
    model = cached(arch, head)
    t = run(model, arch, head)
    assert t.lens is not None, t.lens_note["en"]
    assert "never trained" in t.lens_note["en"] and "학습된 적이 없" in t.lens_note["ko"]
    if head == "cls":
        details = classify_details(model, tokenizer(arch), TEXT)
        assert t.prediction == dict(zip(details.labels, details.probabilities, strict=True))
        assert t.lens[-1] == t.prediction
        for entry in t.lens:
            assert list(entry) == t.labels and math.isclose(sum(entry.values()), 1.0, rel_tol=1e-5)
    else:
        window = answer_details(model, tokenizer(arch), QUESTION, CONTEXT).windows[0]
        np.testing.assert_array_equal(t.prediction[0], np.float32(window.start_logits))
        assert t.lens[-1] is t.prediction
    with torch.no_grad():
        hidden = cached_twin(arch, head)(**t.feed, output_hidden_states=True).hidden_states
        assert len(t.lens) == len(hidden)  # the embeddings' output, then each block's
        mask = t.feed["attention_mask"]
        for h, entry in zip(hidden[:-1], t.lens[:-1], strict=True):
            want = expected_head(cached_twin(arch, head), arch, head, h, mask).numpy()
            got = np.fromiter(entry.values(), np.float32) if head == "cls" else entry[0]
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    first = np.fromiter(t.lens[0].values(), float) if head == "cls" else t.lens[0][0]
    last = np.fromiter(t.lens[-1].values(), float) if head == "cls" else t.lens[-1][0]
    assert not np.allclose(first, last)


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_decoder_classifiers_read_the_last_token_that_is_not_padding(arch):
    """Right padding: transformers reads the last real token, and so does the lens."""
    model = cached(arch, "cls")
    tok = tokenizer(arch)
    feed = model_feed(model, tok, tok([TEXT], padding="max_length", max_length=24), row=0)
    real = feed["attention_mask"][0].tolist()
    assert real[-1] == 0
    assert last_token(model, feed["input_ids"]) == sum(real) - 1
    with torch.no_grad(), recording(model) as rec:
        logits = model(**feed).logits[0]
    values = lens_values(model, "classify", [rec.stack_input, *rec.stack_outputs()], logits, feed)
    assert values[-1] is logits and len(values) == 3
    model.config.pad_token_id = None  # no pad token: transformers reads the last position
    try:
        assert last_token(model, feed["input_ids"]) == -1
    finally:
        model.config.pad_token_id = 0


def test_a_missing_step_is_named_in_both_languages():
    """A final norm hidden inside a container the lens does not know: no lens, and why."""
    model = build("llama", "cls")
    model.model.norm = torch.nn.Sequential(model.model.norm)
    before = state(model)
    from test_attention_untouched import registry

    tables = registry()
    t = trace(model, tokenizer("llama"), TEXT)
    assert t.lens is None and t.prediction  # the prediction is still there
    assert t.lens_note["en"] == (
        "No lens for LlamaForSequenceClassification: its head read as the final norm + score at "
        "the last non-padding token (decoders), applied to the last block's output, does not give "
        "the model's own prediction: a step between them (such as a final norm) is not "
        "reproduced here."
    )
    assert t.lens_note["ko"].startswith("LlamaForSequenceClassification에는 렌즈를 쓸 수 없습니다")
    assert "마지막 정규화" in t.lens_note["ko"]
    untouched(model, before, tables)


def test_a_new_head_is_one_entry(monkeypatch):
    """A user's own head: one HeadEntry, and the lens reads it."""

    class MyClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = build("bert", "cls").bert
            self.config = self.encoder.config
            self.my_head = torch.nn.Linear(32, 3)

        def forward(self, input_ids, attention_mask=None, token_type_ids=None):
            h = self.encoder(input_ids, attention_mask, token_type_ids).last_hidden_state
            return tf.modeling_outputs.SequenceClassifierOutput(logits=self.my_head(h[:, 0]))

    model = MyClassifier().eval()
    assert trace(model, tokenizer("bert"), TEXT).lens is None

    def mine(m):
        head = getattr(m, "my_head", None)
        return None if head is None else (lambda h, feed: head(h[:, 0]))

    entry = HeadEntry("classify", "my head on [CLS]", "[CLS]의 내 헤드", mine)
    monkeypatch.setattr(lens_module, "HEADS", [entry, *lens_module.HEADS])
    t = trace(model, tokenizer("bert"), TEXT)
    assert t.lens is not None and len(t.lens) == 3 and t.lens[-1] == t.prediction


def test_no_head_known():
    with pytest.raises(NoLens, match="its head is none this trace knows") as why:
        lens_module.head_of(torch.nn.Linear(2, 2), "classify")
    assert "DistilBERT" in why.value.en and "헤드가 이 추적이 아는 형태가 아닙니다" in why.value.ko
