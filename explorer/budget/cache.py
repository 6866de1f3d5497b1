"""The key-value cache a model keeps while generating, read from its config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Attention", "attention"]

GQA_SOURCE = "Vaswani et al. 2017 (K and V per layer); GQA, Ainslie et al. 2023 (kv heads)"
MLA_SOURCE = "DeepSeek-V2 paper (2024), Table 1: MLA caches (d_c + d_h^R) x l per token"


@dataclass
class Attention:
    """How a model's attention caches keys and values, per token.

    Attributes
    ----------
    role
        "decoder", "encoder-decoder" or "encoder-only".
    kind
        "standard" (keys and values per kv head), "mla" (multi-head latent attention),
        or "none" (nothing grows with the tokens).
    windows
        One entry per caching layer: None (keeps every token) or its window in tokens.
    per_layer
        Cached values per token in one layer: 2 x kv_heads x head_dim, or for MLA
        kv_lora_rank + qk_rope_head_dim.
    expanded_per_layer
        MLA only: values per token and layer when keys and values are expanded per head
        (heads x (qk_nope_head_dim + qk_rope_head_dim + v_head_dim)), as transformers 4 caches.
    formula, terms, source, notes
        The per-token formula in symbols and with the numbers, its source, and what it leaves out.
    """

    role: str
    kind: str
    windows: list = field(default_factory=list)
    per_layer: int = 0
    expanded_per_layer: int | None = None
    formula: str = ""
    terms: str = ""
    expanded_terms: str = ""
    source: str = ""
    notes: list = field(default_factory=list)

    def elements(self, tokens: int, batch: int, expanded: bool = False) -> int:
        """Cached values for ``batch`` sequences of ``tokens`` tokens each."""
        per = self.expanded_per_layer if expanded and self.expanded_per_layer else self.per_layer
        return batch * sum(per * (tokens if w is None else min(tokens, w)) for w in self.windows)


def _get(cfg: Any, *names: str) -> Any:
    for name in names:
        value = getattr(cfg, name, None)
        if value is not None and not isinstance(value, bool):
            return value
    return None


def _role(config: Any) -> str:
    if getattr(config, "is_encoder_decoder", False):
        return "encoder-decoder"
    if getattr(config, "is_decoder", False):
        return "decoder"
    types = {getattr(config, "model_type", None)}
    text = _text_config(config)
    types.add(getattr(text, "model_type", None))
    types.discard(None)
    if not types:
        return "decoder"  # not a transformers config: taken as a decoder (see the note)
    from transformers.models.auto import modeling_auto as auto

    masked = set(auto.MODEL_FOR_MASKED_LM_MAPPING_NAMES)
    generating = set(auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)
    generating |= set(getattr(auto, "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES", ()))
    generating |= set(getattr(auto, "MODEL_FOR_VISION_2_SEQ_MAPPING_NAMES", ()))
    return "decoder" if types & (generating - masked) else "encoder-only"


def _text_config(config: Any) -> Any:
    get = getattr(config, "get_text_config", None)
    if callable(get) and not getattr(config, "is_encoder_decoder", False):
        try:
            return get(decoder=True) or config
        except Exception:  # an unusual composite config: read the top level
            return config
    return config


def _windows(cfg: Any, layers: int, notes: list) -> list:
    """Per caching layer, None or the window it keeps (sliding / chunked attention)."""
    window = _get(cfg, "sliding_window")
    window = window if isinstance(window, int) and window > 0 else None
    types = getattr(cfg, "layer_types", None)
    if isinstance(types, (list, tuple)) and len(types) == layers:
        out, skipped = [], set()
        for kind in types:
            kind = str(kind)
            if "attention" not in kind or "linear" in kind:
                skipped.add(kind)
            elif kind == "sliding_attention":
                out.append(window)
            elif kind == "chunked_attention":
                out.append(_get(cfg, "attention_chunk_size"))
            else:
                out.append(None)
        if skipped:
            notes.append(
                f"layers of type {', '.join(sorted(skipped))} keep a fixed-size state "
                "instead of a cache that grows per token: not counted"
            )
        if any(w is not None for w in out):
            notes.append("sliding-window layers keep at most their window of tokens")
        return out
    if window is not None and getattr(cfg, "use_sliding_window", True) is not False:
        notes.append(f"every layer keeps at most its sliding window of {window:,} tokens")
        return [window] * layers
    return [None] * layers


def attention(config: Any) -> Attention:
    """The cache layout of a model with this config.

    Raises
    ------
    TypeError
        When ``config`` is None (the model has no config to read the layers and heads from).
    ValueError
        When the config names attention heads but no head size.
    """
    if config is None:
        raise TypeError(
            "the KV cache needs the model's config (layers, heads, head size): this model has "
            "no .config; give a transformers model"
        )
    role = _role(config)
    if role == "encoder-only":
        return Attention(
            role,
            "none",
            formula="0: an encoder-only model reads the whole input at once and caches nothing",
            terms="0",
            source="model type: no causal (generating) head in transformers",
            notes=["encoder-only (bidirectional) model: no KV cache"],
        )
    notes: list = []
    if role == "encoder-decoder":
        cfg = config
        layers = _get(cfg, "num_decoder_layers", "decoder_layers", "num_hidden_layers")
        heads = _get(cfg, "decoder_attention_heads", "num_heads", "num_attention_heads")
        kv_heads = _get(cfg, "decoder_num_key_value_heads") or heads
        notes.append(
            "decoder self-attention only: cross-attention adds the same amount per input "
            "(encoder) token, once per input"
        )
    else:
        cfg = _text_config(config)
        layers = _get(cfg, "num_hidden_layers", "num_layers", "n_layer")
        heads = _get(cfg, "num_attention_heads", "num_heads", "n_head")
        kv_heads = _get(cfg, "num_key_value_heads", "num_kv_heads")
        if kv_heads is None:
            kv_heads = 1 if getattr(cfg, "multi_query", False) else heads
        if role == "decoder" and getattr(config, "model_type", None) is None:
            notes.append("not a transformers config: taken as a decoder")
    if not layers or not heads:
        return Attention(
            role,
            "none",
            formula="0: no attention layers and heads in the config",
            terms="0",
            source="config",
            notes=["the config names no attention heads: no KV cache counted"],
        )
    windows = _windows(cfg, layers, notes)
    n = len(windows)
    rank, rope = _get(cfg, "kv_lora_rank"), _get(cfg, "qk_rope_head_dim")
    if rank and rope:
        nope, v = _get(cfg, "qk_nope_head_dim") or 0, _get(cfg, "v_head_dim") or 0
        expanded = heads * (nope + rope + v)
        return Attention(
            role,
            "mla",
            windows,
            rank + rope,
            expanded,
            formula="layers x (kv_lora_rank + qk_rope_head_dim) x bytes",
            terms=f"{n} x ({rank} + {rope})",
            expanded_terms=f"{n} x {heads} x ({nope} + {rope} + {v})",
            source=MLA_SOURCE,
            notes=notes
            + [
                "multi-head latent attention: the compressed latent, as the DeepSeek-V2 paper, "
                "serving engines (vLLM, SGLang) and transformers 5 cache it; transformers 4 "
                "caches keys and values expanded per head (the expanded figure), "
                f"{expanded / (rank + rope):.1f}x more"
            ],
        )
    head_dim = _get(cfg, "head_dim", "d_kv")
    if head_dim is None:
        hidden = _get(cfg, "hidden_size", "d_model", "n_embd")
        if not hidden:
            raise ValueError("the config gives neither head_dim nor hidden_size: no head size")
        head_dim = hidden // heads
    return Attention(
        role,
        "standard",
        windows,
        2 * kv_heads * head_dim,
        formula="2 (K and V) x layers x kv_heads x head_dim x bytes",
        terms=f"2 x {n} x {kv_heads} x {head_dim}",
        source=GQA_SOURCE,
        notes=notes,
    )
