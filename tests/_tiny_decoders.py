"""Tiny deterministic causal language models and tokenizers for them, built offline."""

from __future__ import annotations

import functools

import _tiny_models as tm

#: Text the byte-level BPE tokenizer is trained on: English, Korean, emoji, code, markup.
CORPUS = [
    "The cat sat on the mat. The dog ate the bone, and the bird sang in the tree.",
    "Once upon a time there was a little robot who loved to read books about the sea.",
    "A language model predicts the next token from the tokens before it.",
    "서울의 봄은 아름답다. 오늘은 날씨가 좋습니다.",
    "emoji 😀 🎬 👍🏽 are fun, and <b>tags</b> & symbols stay text.",
    "def hello(name):\n    return f'hello {name}'  # code\n",
]
EOS = "<|endoftext|>"
KINDS = ("gpt2", "llama", "qwen2", "opt")


@functools.cache
def bpe_tokenizer():
    """A GPT-2-style byte-level BPE tokenizer (~400 tokens) trained here on :data:`CORPUS`.

    Fast, deterministic, with ``<|endoftext|>`` as its BOS, EOS and unknown token (id 0) and
    only ``input_ids`` and ``attention_mask`` as model inputs, like GPT-2's own.
    """
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(CORPUS * 5, trainer)
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token=EOS,
        eos_token=EOS,
        unk_token=EOS,
        model_max_length=1024,
        model_input_names=["input_ids", "attention_mask"],
    )


def bert_tokenizer():
    """The real bert-base-uncased tokenizer (it adds [CLS] and [SEP] unless told not to)."""
    return tm.cached_tokenizer(token_type_ids=False)


def _config(kind: str, vocab: int, eos: int, positions: int):
    import transformers as tf

    small = dict(vocab_size=vocab, bos_token_id=eos, eos_token_id=eos)
    if kind == "gpt2":
        return tf.GPT2Config(n_embd=32, n_layer=2, n_head=2, n_positions=positions, **small)
    if kind == "llama":
        return tf.LlamaConfig(
            hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=positions, **small,
        )  # fmt: skip
    if kind == "qwen2":
        return tf.Qwen2Config(
            hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=positions, tie_word_embeddings=True,
            **small,
        )  # fmt: skip
    if kind == "opt":
        return tf.OPTConfig(
            hidden_size=32, ffn_dim=64, num_hidden_layers=2, num_attention_heads=2,
            word_embed_proj_dim=32, max_position_embeddings=positions, pad_token_id=1, **small,
        )  # fmt: skip
    raise KeyError(kind)


def build(kind: str = "gpt2", tokenizer: str = "bpe", positions: int = 128, seed: int = tm.SEED):
    """A tiny causal LM of ``kind`` (see :data:`KINDS`) sized for ``tokenizer`` ("bpe" or
    "bert"), with deterministic weights (equal under transformers 4 and 5), in eval mode."""
    import transformers as tf

    tok = bpe_tokenizer() if tokenizer == "bpe" else bert_tokenizer()
    eos = tok.eos_token_id if tok.eos_token_id is not None else tok.sep_token_id
    config = _config(kind, len(tok), eos, positions)
    return tm.init_weights(tf.AutoModelForCausalLM.from_config(config), seed)


@functools.cache
def cached(kind: str = "gpt2", tokenizer: str = "bpe"):
    """A shared tiny causal LM and its tokenizer, for tests that only read them."""
    tok = bpe_tokenizer() if tokenizer == "bpe" else bert_tokenizer()
    return build(kind, tokenizer), tok
