"""Attention weights recomputed from a trace: the recorded queries and keys, the model untouched.

The weights equal what transformers returns with eager attention and ``output_attentions=True``,
also when the model ran SDPA (which never forms them): ``softmax(q kᵀ · scaling + mask)`` from
the outputs of the module's own query and key projections, as recorded during the forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..adapters import acts_as

__all__ = ["AttentionLayout", "layout", "weights"]

# (query projection, key projection) child names, by family
_PROJECTIONS = (("query", "key"), ("q_lin", "k_lin"))
_HEAD_COUNTS = ("num_attention_heads", "n_heads", "num_heads")


@dataclass
class AttentionLayout:
    """Where an attention module's queries and keys come from and how they are split."""

    query: str
    key: str
    heads: int
    head_dim: int
    scaling: float


def _unreadable(module: nn.Module, path: str) -> str | None:
    """Why ``module`` is not a self-attention module this reader handles, or None."""
    names = dict(module.named_children())
    pair = next(((q, k) for q, k in _PROJECTIONS if q in names and k in names), None)
    if pair is None or not all(acts_as(names[n], nn.Linear) for n in pair):  # LoRA's too
        return (
            f"{path} ({type(module).__name__}) is not an attention module this trace can read: "
            "it has no query/key projections (query and key, or q_lin and k_lin, Linear layers)"
        )
    if not any(isinstance(getattr(module, n, None), int) for n in _HEAD_COUNTS):
        return f"{path} ({type(module).__name__}) has no head count ({', '.join(_HEAD_COUNTS)})"
    relative = getattr(module, "position_embedding_type", "absolute")
    if relative not in (None, "absolute") or "distance_embedding" in names:
        return (
            f"{path} uses relative position embeddings ({relative}): its attention adds position "
            "scores this trace does not recompute"
        )
    if getattr(module, "is_decoder", False) or getattr(module, "is_causal", False):
        return f"{path} is a decoder's (causal) attention; this trace reads encoder attention only"
    return None


def layout(modules: dict[str, nn.Module], path: str) -> AttentionLayout:
    """The layout of the attention module at ``path``, or of the one attention module under it.

    Raises
    ------
    ValueError
        Nothing readable there (the message says what is missing), or several candidates.
    """
    module = modules[path]
    why = _unreadable(module, path)
    if why is not None:
        prefix = f"{path}." if path else ""
        under = [p for p in modules if p.startswith(prefix) and p != path]
        found = [p for p in under if _unreadable(modules[p], p) is None]
        if len(found) > 1:
            listed = ", ".join(found[:4]) + (", …" if len(found) > 4 else "")
            raise ValueError(f"{path or 'the model'} holds {len(found)} attention modules: pick one "
                             f"of {listed}")  # fmt: skip
        if not found:
            raise ValueError(why)
        path, module = found[0], modules[found[0]]
    names = dict(module.named_children())
    q_name, k_name = next((q, k) for q, k in _PROJECTIONS if q in names)
    heads = next(
        getattr(module, n) for n in _HEAD_COUNTS if isinstance(getattr(module, n, None), int)
    )
    out = names[q_name].out_features
    head_dim = getattr(module, "attention_head_size", None)
    if not isinstance(head_dim, int) or head_dim <= 0 or out % head_dim:
        head_dim = out // heads
    scaling = getattr(module, "scaling", None)
    if not isinstance(scaling, float):
        scaling = head_dim**-0.5
    prefix = f"{path}." if path else ""
    return AttentionLayout(prefix + q_name, prefix + k_name, out // head_dim, head_dim, scaling)


def weights(
    query: torch.Tensor, key: torch.Tensor, spec: AttentionLayout, mask: list[int] | None
) -> np.ndarray:
    """``[heads, queries, keys]`` attention weights from projected queries and keys ``[1, n, h*d]``.

    Computed in float32; ``mask`` (1 = attend) hides keys as eager attention does.
    """
    q = query.detach().float()[0].reshape(query.shape[1], spec.heads, spec.head_dim)
    k = key.detach().float()[0].reshape(key.shape[1], spec.heads, spec.head_dim)
    scores = torch.matmul(q.transpose(0, 1), k.permute(1, 2, 0)) * spec.scaling
    if mask is not None and len(mask) == k.shape[0] and not all(mask):
        hidden = torch.tensor([not m for m in mask], device=scores.device)
        scores = scores.masked_fill(hidden, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1).cpu().numpy()
