"""Models the tests and benchmarks build: synthetic trees and full-size configs on the meta device."""

from __future__ import annotations

import functools

import torch
from torch import nn


@functools.lru_cache(maxsize=4)
def synthetic(n_modules: int = 25_000, width: int = 8) -> nn.Module:
    """A plain model with about ``n_modules`` modules: blocks of 4 leaves under a ModuleList.

    Built once per size and session (tests only read it: never change the returned model).
    """
    blocks = max(1, -(-(n_modules - 2) // 5))
    return nn.Sequential(
        nn.ModuleList(
            nn.Sequential(
                nn.Linear(width, width),
                nn.ReLU(),
                nn.Linear(width, width, bias=False),
                nn.LayerNorm(width),
            )
            for _ in range(blocks)
        )
    )


def meta(builder, config):
    """Build ``builder.from_config(config)`` on the meta device: no memory, no weights."""
    with torch.device("meta"):
        return builder.from_config(config)


def full_size(name: str) -> nn.Module:
    """Full-size published architectures on the meta device, by short name.

    DeepSeek-V3 is built once per session and shared (tests only read it): transformers 4 builds
    it as 75,000 modules (its 256 experts per layer apart), ~18 s of CPU each time.
    """
    if name == "deepseek-v3":
        return _deepseek_v3()
    import transformers as tf

    makers = {
        "gpt2": lambda: meta(tf.AutoModelForCausalLM, tf.GPT2Config()),
        "t5-small": lambda: meta(
            tf.AutoModelForSeq2SeqLM,
            tf.T5Config(
                vocab_size=32128, d_model=512, d_kv=64, d_ff=2048, num_layers=6, num_heads=8
            ),
        ),
        "albert-base-v2": lambda: meta(
            tf.AutoModel,
            tf.AlbertConfig(
                hidden_size=768, num_attention_heads=12, intermediate_size=3072, embedding_size=128
            ),
        ),
        "bart-base": lambda: meta(
            tf.AutoModelForSeq2SeqLM,
            tf.BartConfig(
                d_model=768,
                encoder_layers=6,
                decoder_layers=6,
                encoder_attention_heads=12,
                decoder_attention_heads=12,
                encoder_ffn_dim=3072,
                decoder_ffn_dim=3072,
            ),
        ),
        "distilbert-sst2": lambda: meta(
            tf.AutoModelForSequenceClassification, tf.DistilBertConfig()
        ),
        "distilbert-squad": lambda: meta(
            tf.AutoModelForQuestionAnswering, tf.DistilBertConfig(vocab_size=28996)
        ),
        "llama-2-7b": lambda: meta(tf.AutoModelForCausalLM, tf.LlamaConfig()),
        "mixtral-8x7b": lambda: meta(tf.AutoModelForCausalLM, tf.MixtralConfig()),
        "qwen2-moe": lambda: meta(tf.AutoModelForCausalLM, tf.Qwen2MoeConfig()),
    }
    return makers[name]()


@functools.lru_cache(maxsize=1)
def _deepseek_v3() -> nn.Module:
    import transformers as tf

    return meta(tf.AutoModelForCausalLM, tf.DeepseekV3Config())
