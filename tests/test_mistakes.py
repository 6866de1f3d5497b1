"""Common mistakes get a clear answer, never a crash from deep inside torch."""

from __future__ import annotations

import _tiny_models as tm
import pytest
import torch
import transformers as tf

import explorer
from explorer.widgets.panels import QAPanel, SentimentPanel

TINY = dict(dim=32, hidden_dim=64, n_layers=1, n_heads=2)
WORDS = "Agile teams ship securely. 한국어 문장도 있습니다."


@pytest.fixture(scope="module")
def cased_pair():
    """An uncased 30,522-token tokenizer with models of 28,996 rows (bert-base-cased's size)."""
    config = tf.DistilBertConfig(vocab_size=28996, **TINY)
    cls = tm.init_weights(tf.DistilBertForSequenceClassification(config))
    qa = tm.init_weights(tf.DistilBertForQuestionAnswering(config))
    return cls, qa, tm.cached_tokenizer(token_type_ids=False)


def _says_which(message: str) -> None:
    assert "the tokenizer does not fit the model" in message
    assert "30,522 tokens" in message  # the tokenizer's vocabulary
    assert "28,996 rows" in message and "distilbert.embeddings.word_embeddings" in message
    assert "produced token id" in message


def test_a_tokenizer_of_another_checkpoint_is_named_not_an_index_error(cased_pair):
    cls, qa, tok = cased_pair
    ids = tok(WORDS)["input_ids"]
    assert max(ids) >= 28996  # the mistake is real: torch would raise IndexError
    for call in (
        lambda: explorer.classify(cls, tok, WORDS),
        lambda: explorer.trace(cls, tok, WORDS),
        lambda: explorer.answer(qa, tok, "Who ships?", WORDS),
        lambda: explorer.trace(qa, tok, "Who ships?", WORDS),
    ):
        with pytest.raises(ValueError) as err:
            call()
        _says_which(str(err.value))
    assert explorer.classify(cls, tok, "the cat")  # ids that fit still run


def test_the_panels_show_the_mismatch_and_keep_working(cased_pair):
    cls, qa, tok = cased_pair
    panel = SentimentPanel(cls, tok, text="the cat")
    assert panel.error is None
    panel.text = WORDS
    _says_which(panel.status.value)
    panel.text = "the dog"
    assert panel.error is None and panel.details.text == "the dog"
    qa_panel = QAPanel(qa, tok, question="Who?", context=WORDS)
    _says_which(qa_panel.status.value)


def test_nan_is_traced_to_the_first_module_that_made_it(sst2):
    model = tm.build("distilbert_sst2")
    tok = sst2[1]
    with torch.no_grad():
        model.distilbert.transformer.layer[1].ffn.lin1.weight[0, 0] = float("nan")
    t = explorer.trace(model, tok, "a nice film")
    assert len(t.warnings) == 1
    assert "distilbert.transformer.layer.1.ffn.lin1 (Linear)" in t.warnings[0]
    assert "NaN or infinite" in t.warnings[0]
    assert explorer.trace(*sst2, "a nice film").warnings == []
    panel = SentimentPanel(model, tok, text="a nice film")
    assert panel.run_warnings == t.warnings
    assert "ffn.lin1" in panel.warning.value and panel.warning.layout.display is None
    panel.text = ""  # nothing shown: no warning about it either
    assert panel.run_warnings == [] and panel.warning.layout.display == "none"


def test_inf_in_the_embeddings_is_named_too(qa):
    model = tm.build("distilbert_qa")
    with torch.no_grad():
        model.distilbert.embeddings.word_embeddings.weight.fill_(float("inf"))
    t = explorer.trace(model, qa[1], "Who?", "Bob is here.")
    assert "distilbert.embeddings.word_embeddings (Embedding)" in t.warnings[0]


def test_advice_names_the_function_that_fits(sst2, qa):
    """Forcing a head on the wrong model names the head it has and the function that runs it."""
    tok = sst2[1]
    gpt2 = tf.GPT2LMHeadModel(tf.GPT2Config(vocab_size=30522, n_embd=16, n_layer=1, n_head=2))
    t5 = tf.T5ForConditionalGeneration(
        tf.T5Config(d_model=16, d_ff=24, num_layers=1, num_heads=2, d_kv=8, vocab_size=30522)
    )
    with pytest.raises(TypeError, match=r"causal language-model head: use next_token\(\)"):
        explorer.answer(gpt2, tok, "Who?", "Bob is here.")
    with pytest.raises(TypeError, match=r"^answer\(\) needs|use next_token\(\) or generate\(\)"):
        explorer.answer(gpt2, tok, "Who?", "Bob is here.")
    for call, name in ((explorer.classify, "classify"), (explorer.trace, "trace")):
        with pytest.raises(TypeError) as err:
            call(t5, tok, "hello")
        assert str(err.value) == (
            f"{name}: T5ForConditionalGeneration is an encoder-decoder (sequence-to-sequence) "
            "model, which explorer's heads do not run yet"
        )
    with pytest.raises(TypeError, match=r"pass the question as text and the passage as context="):
        explorer.trace(qa[0], tok, "Who is here?")
    with pytest.raises(TypeError, match=r"^DistilBertForQuestionAnswering returns start_logits"):
        explorer.classify(qa[0], tok, "fine")
