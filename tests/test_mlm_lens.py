"""explorer.trace.mlm_lens: a masked LM's head on its last hidden state gives the model's logits."""

import _mlm_models as mm
import _tiny_models as tm
import pytest
import torch
import transformers as tf

import explorer
from explorer.trace.mlm_lens import LENS_TOP, masked_lm_head, masked_lm_layers, top_tokens

# family -> config overrides (tiny sizes come from mm.SMALL)
FAMILIES = {
    "bert": {},
    "roberta": {"max_position_embeddings": 514, "pad_token_id": 1},
    "albert": {"embedding_size": 16},
    "electra": {"embedding_size": 16},
    "convbert": {"embedding_size": 32},
    "deberta-v2": {},
    "mpnet": {},
    "mobilebert": {"embedding_size": 32, "intra_bottleneck_size": 32, "true_hidden_size": 32},
    "modernbert": {
        "global_attn_every_n_layers": 1,
        "pad_token_id": 0,
        "bos_token_id": 101,
        "eos_token_id": 102,
        "cls_token_id": 101,
        "sep_token_id": 102,
    },
}
IDS = torch.tensor([[101, 3000, 2003, 1996, 103, 1997, 2605, 1012, 102]])


def _model(family: str):
    if family == "distilbert":
        return mm.mlm("distilbert")[0]
    cfg = tf.AutoConfig.for_model(family, vocab_size=30522, **{**mm.SMALL, **FAMILIES[family]})
    return tm.init_weights(tf.AutoModelForMaskedLM.from_config(cfg))


def _last_block(model) -> torch.nn.Module:
    """The last block of the base model's list of blocks (the list holding most parameters)."""
    lists = [m for m in model.base_model.modules() if isinstance(m, torch.nn.ModuleList)]
    return max(lists, key=lambda blocks: sum(p.numel() for p in blocks.parameters()))[-1]


@pytest.mark.parametrize("family", [*FAMILIES, "distilbert"])
def test_the_head_on_the_last_hidden_state_reproduces_the_logits(family):
    model = _model(family)
    layers = masked_lm_layers(model)
    assert layers, family
    seen = []
    hook = _last_block(model).register_forward_hook(lambda m, a, out: seen.append(out))
    try:
        with torch.no_grad():
            out = model(input_ids=IDS)
    finally:
        hook.remove()
    hidden = seen[-1][0] if isinstance(seen[-1], tuple) else seen[-1]
    with torch.no_grad():
        for layer in layers:
            hidden = layer(hidden)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    assert hidden.shape == out["logits"].shape
    torch.testing.assert_close(hidden, out["logits"], rtol=1e-5, atol=1e-5)


def test_the_lens_head_gives_the_top_tokens_of_those_logits():
    model = _model("bert")
    with torch.no_grad():
        out = model(input_ids=IDS, output_hidden_states=True)  # BERT: the last one is the block's
        probs, ids = masked_lm_head(model)(out["hidden_states"][-1])
    assert probs.shape == ids.shape == (IDS.shape[1], LENS_TOP)
    want = out["logits"][0].softmax(-1).topk(LENS_TOP)
    torch.testing.assert_close(probs, want.values)
    assert torch.equal(ids, want.indices)
    assert (probs[:, :-1] >= probs[:, 1:]).all()  # best first
    few_probs, few_ids = top_tokens(torch.zeros(2, 3), k=10)  # k is capped at the vocabulary
    assert few_ids.shape == (2, 3) and torch.allclose(few_probs, torch.full((2, 3), 1 / 3))


def test_models_without_a_masked_lm_head(sst2, qa):
    assert masked_lm_layers(sst2[0]) is None and masked_lm_layers(qa[0]) is None
    assert masked_lm_head(tf.BertModel(tf.BertConfig(vocab_size=99, **mm.SMALL))) is None


def test_a_step_the_lens_does_not_reproduce_is_named():
    # Megatron-BERT normalises after its last block: the trace says so instead of showing a lens
    cfg = tf.MegatronBertConfig(vocab_size=30522, **mm.SMALL)
    model = tm.init_weights(tf.MegatronBertForMaskedLM(cfg))
    t = explorer.trace(model, mm.mlm("bert")[1], "Paris is the [MASK] of France.")
    assert t.lens is None
    assert "does not give the model's own prediction" in t.lens_note["en"]
    assert t.lens_note["ko"].startswith("MegatronBertForMaskedLM에는 렌즈를 쓸 수 없습니다")
