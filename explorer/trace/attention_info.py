"""What one attention call did besides its weights: positions, heads, mask, window, softcap."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .attention import allowed_from, module_mask, own_scaling, projection_layout, sdpa_inputs
from .capture import AttentionCapture, Call, FunctionCall, implementation

__all__ = ["AttentionInfo", "attention_info"]

_ABSOLUTE = ("position_embeddings", "wpe", "embed_positions")


@dataclass
class AttentionInfo:
    """How one attention call works, for reading its weights.

    Attributes
    ----------
    path : str
        The attention module's path.
    call, calls : int
        Which call of the module this is (from 0) and how many it had.
    family : str
        The model's ``config.model_type``.
    implementation : str
        ``"sdpa"`` or ``"eager"`` (transformers' attention function the layer ran), or
        ``"own code"`` for families with their own attention code.
    source : str
        Where the weights come from, in a plain sentence.
    heads, kv_heads : int
        Query heads, and key/value heads (fewer under grouped-query attention).
    kv_head_of : list of int
        For each query head, the key/value head it shares.
    head_dim : int or None
        Dimensions per head.
    positions : str
        ``"absolute"``, ``"rotary"``, ``"relative"``, ``"absolute + relative"`` or ``"none"``.
    positions_note : str
        The position scheme in a plain sentence (partial rotary, disentangled, bucketed bias...).
    rotary_fraction : float or None
        The share of each head's dimensions that rotary positions turn (rotary only).
    causal : bool
        Each token sees only itself and earlier tokens.
    window : tuple of (int, int) or None
        ``(back, ahead)``: how many tokens before and after itself a token may see in this
        layer (a sliding window or local band); None when the layer has no window.
    is_global : bool or None
        Whether this layer sees the whole input, in a model with windowed layers (False for
        every layer of Mistral, alternating in Gemma 2 and ModernBERT); None when no layer of
        the model has a window.
    softcap : float or None
        The logit softcap applied to the scores (Gemma 2: ``cap · tanh(score / cap)``).
    scaling : float or None
        The factor on ``q · k`` before the softmax.
    padded : list of int
        Positions of padding tokens (keys nobody may see).
    allowed : numpy.ndarray
        ``[queries, keys]`` bool: the cells the layer really allowed (causal triangle, window
        band, padding), so masked cells can be shown apart from cells with a weight near zero.
        A query row with no allowed key (padding) gets weights spread evenly, as in eager.
    notes : list of str
        Anything special (a softcap the implementation ignores...).
    """

    path: str
    call: int
    calls: int
    family: str
    implementation: str
    source: str
    heads: int
    kv_heads: int
    kv_head_of: list[int]
    head_dim: int | None
    positions: str
    positions_note: str
    rotary_fraction: float | None
    causal: bool
    window: tuple[int, int] | None
    is_global: bool | None
    softcap: float | None
    scaling: float | None
    padded: list[int]
    allowed: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def grouping(self) -> str:
        """The head grouping in words: ``"16 query heads share 4 key/value heads"``."""
        if self.kv_heads == self.heads:
            return f"{self.heads} heads, each with its own keys and values"
        if self.kv_heads == 1:
            return f"{self.heads} query heads share 1 key/value head"
        return f"{self.heads} query heads share {self.kv_heads} key/value heads"


def _config(capture: AttentionCapture, module: nn.Module):
    config = getattr(module, "config", None)
    return config if config is not None else getattr(capture.model, "config", None)


def _rotary_fraction(config) -> float | None:
    for name in ("partial_rotary_factor", "rotary_pct"):
        value = getattr(config, name, None)
        if isinstance(value, (int, float)):
            return float(value)
    params = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None)
    value = params.get("partial_rotary_factor") if isinstance(params, dict) else None
    return float(value) if isinstance(value, (int, float)) else 1.0


def _embeddings(capture: AttentionCapture) -> tuple[bool, bool]:
    """Whether the model has rotary embeddings, and absolute position embeddings (once)."""
    if "embeddings" not in capture.facts:
        model = capture.model
        modules = list(model.named_modules()) if model is not None else []
        rotary = any("Rotary" in type(m).__name__ for _, m in modules)
        absolute = any(
            isinstance(m, nn.Embedding) and p.rsplit(".", 1)[-1] in _ABSOLUTE for p, m in modules
        )
        capture.facts["embeddings"] = rotary, absolute
    return capture.facts["embeddings"]


def _positions(capture: AttentionCapture, kind: str, config) -> tuple[str, str, float | None]:
    rotary, absolute = _embeddings(capture)
    rotary = rotary or kind == "modernbert"
    relative = ""
    if kind == "probabilities" and getattr(config, "relative_attention", False):
        types = getattr(config, "pos_att_type", None) or []
        relative = (
            "relative: disentangled attention adds content-to-position and position-to-content "
            f"scores ({', '.join(types) or 'none'}) from relative distances"
        )
    elif kind == "probabilities" and hasattr(config, "relative_attention_num_buckets"):
        relative = "relative: a learned bias per head for each bucket of relative distance"
    if rotary:
        fraction = _rotary_fraction(config)
        share = "" if fraction in (None, 1.0) else f" on {fraction:.0%} of each head's dimensions"
        return "rotary", f"rotary: queries and keys are turned by their position{share}", fraction
    if relative and absolute:
        return "absolute + relative", f"absolute position embeddings, and {relative}", None
    if relative:
        return "relative", relative, None
    if absolute:
        return "absolute", "absolute: a learned position embedding is added to each token", None
    return "none", "no position information this trace recognises", None


def _window(module: nn.Module, kind: str, fn: FunctionCall | None, causal: bool, config):
    """``(back, ahead)`` of a local layer, in transformers' convention (flash's window size)."""
    if kind == "modernbert":
        local = tuple(getattr(module, "local_attention", (-1, -1)))
        return None if local == (-1, -1) else (int(local[0]), int(local[1]))
    if kind != "function":
        return None
    if fn is not None and "sliding_window" in fn.kwargs:
        size = fn.kwargs["sliding_window"]
    elif hasattr(module, "sliding_window"):
        size = module.sliding_window
    else:
        size = getattr(config, "sliding_window", None)
    if not isinstance(size, int) or size <= 0:
        return None
    return (size - 1, 0 if causal else size - 1)


def _windowed(capture: AttentionCapture) -> bool:
    """Whether some of the model's attention layers have a window (computed once)."""
    if "windowed" not in capture.facts:
        windows = set()
        for path, module in capture.modules.items():
            kind, config = capture.kinds[path], _config(capture, module)
            causal = bool(getattr(module, "is_causal", False))
            windows.add(_window(module, kind, None, causal, config))
        capture.facts["windowed"] = windows != {None}
    return capture.facts["windowed"]


def attention_info(capture: AttentionCapture, path: str, index: int, weights) -> AttentionInfo:
    """The :class:`AttentionInfo` of call ``index`` of ``path`` (``weights`` computes them, for
    the families whose head counts are read off the weights)."""
    call: Call = capture.calls[path][index]
    module, kind, family = call.module, capture.kinds[path], capture.family
    config = _config(capture, module)
    fn: FunctionCall | None = call.parts.get("function")
    notes: list[str] = []
    causal = bool(getattr(module, "is_causal", False))
    softcap = getattr(module, "attn_logit_softcapping", None)
    scaling = getattr(module, "scaling", None)
    impl = implementation(module) or implementation(capture.model) or "eager"
    if "Sdpa" in type(module).__name__:  # transformers 4's BERT-era SDPA classes
        impl = "sdpa"
    if kind == "function" and fn is not None and fn.key == "sdpa":
        s = sdpa_inputs(fn)
        heads, kv_heads, head_dim = s["query"].shape[0], s["key"].shape[0], s["query"].shape[-1]
        queries, keys, scaling = s["query"].shape[1], s["key"].shape[1], s["scale"]
        allowed = allowed_from(s["mask"], queries, keys, s["causal"])
        if s.get("softcap") is not None:
            notes.append(f"A softcap of {s['softcap']} is configured, but SDPA does not apply "
                         "it: the weights are the ones SDPA computed.")  # fmt: skip
        softcap = None
        source = "recomputed from the queries and keys SDPA was given"
    else:
        w = weights()
        heads, queries, keys = w.shape
        groups = getattr(module, "num_key_value_groups", 1)
        kv_heads = heads // groups if isinstance(groups, int) and groups > 0 else heads
        head_dim = getattr(module, "head_dim", None) or getattr(module, "attention_head_size", None)
        allowed = _allowed(call, kind, capture, queries, keys)
        impl, source = _source(kind, impl)
        if kind in ("probabilities", "projections", "modernbert"):
            softcap = None
        if kind == "probabilities":
            scaling = own_scaling(module)
        elif kind == "modernbert":
            scaling = module.head_dim**-0.5
        elif kind == "projections":
            _, head_dim, scaling = projection_layout(module, call.parts["query"].shape[-1])
    window = _window(module, kind, fn, causal, config)
    positions, positions_note, fraction = _positions(capture, kind, config)
    mask = capture.mask or []
    return AttentionInfo(
        path=path,
        call=index,
        calls=len(capture.calls[path]),
        family=family,
        implementation=impl,
        source=source,
        heads=int(heads),
        kv_heads=int(kv_heads),
        kv_head_of=[h * kv_heads // heads for h in range(heads)],
        head_dim=int(head_dim) if isinstance(head_dim, int) else None,
        positions=positions,
        positions_note=positions_note,
        rotary_fraction=fraction,
        causal=causal,
        window=window,
        is_global=(window is None) if _windowed(capture) else None,
        softcap=float(softcap) if isinstance(softcap, (int, float)) else None,
        scaling=float(scaling) if isinstance(scaling, (int, float)) else None,
        padded=[i for i, m in enumerate(mask) if not m],
        allowed=allowed.numpy(),
        notes=notes,
    )


def _allowed(call: Call, kind: str, capture: AttentionCapture, queries: int, keys: int):
    if kind == "projections":
        mask = capture.mask
        hidden = None if not mask or all(mask) else torch.tensor([bool(m) for m in mask])
        return allowed_from(hidden, queries, keys, False)
    if kind == "modernbert":
        args = call.parts["function"].bound()
        local = tuple(args["local_attention"]) != (-1, -1)
        mask = args["sliding_window_mask"] if local else args["attention_mask"]
        return allowed_from(mask, queries, keys, False)
    return allowed_from(module_mask(call), queries, keys, False)


def _source(kind: str, impl: str) -> tuple[str, str]:
    if kind == "function":
        return "eager", "the weights eager attention returned"
    if kind == "modernbert":
        return impl, f"recomputed from the rotated queries and keys ModernBERT's {impl} code used"
    if kind == "probabilities":
        return "own code", "the probabilities the family's own attention code formed"
    return impl, "recomputed from the outputs of the query and key projections"
