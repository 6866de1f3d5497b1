"""A masked-LM head as a function of any hidden state, and the top tokens it predicts per position."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..model_info import inner_model
from .record import first_tensor

__all__ = ["LENS_TOP", "masked_lm_layers", "masked_lm_head", "top_tokens"]

#: Tokens kept per position and layer in a masked LM's lens (the figure's hover lists them).
LENS_TOP = 5

# Heads split over several children of the task model, in the order the forward applies them;
# any other head is the one child holding the output embeddings (BERT's ``cls``, RoBERTa's
# ``lm_head``, ALBERT's ``predictions``, XLM's ``pred_layer``).
_SPLIT = (
    ("vocab_transform", "activation", "vocab_layer_norm", "vocab_projector"),  # DistilBERT
    ("generator_predictions", "generator_lm_head"),  # ELECTRA, ConvBERT
    ("head", "decoder"),  # ModernBERT (after the base model's final norm)
)


def masked_lm_layers(model: nn.Module) -> list[nn.Module] | None:
    """The modules a masked LM applies to its last hidden state to get the vocabulary logits,
    in order, or None when it has no masked-LM head this lens knows."""
    model = inner_model(model)
    children = dict(model.named_children())
    for names in _SPLIT:
        if all(isinstance(children.get(n), nn.Module) for n in names):
            layers = [children[n] for n in names]
            norm = getattr(getattr(model, "base_model", None), "final_norm", None)
            return [norm, *layers] if names[0] == "head" and isinstance(norm, nn.Module) else layers
    get = getattr(model, "get_output_embeddings", None)
    try:
        out = get() if callable(get) else None
    except (NotImplementedError, AttributeError):
        out = None
    if not isinstance(out, nn.Module):
        return None
    base = getattr(model, "base_model", None)
    for child in children.values():
        if child is not base and any(m is out for m in child.modules()):
            return [child]
    return None


def top_tokens(logits: torch.Tensor, k: int = LENS_TOP) -> tuple[torch.Tensor, torch.Tensor]:
    """``(probabilities, ids)``, each ``[positions, k]``: the ``k`` likeliest tokens at every
    position of ``logits`` (``[positions, vocabulary]``), best first (softmax in float32)."""
    probs = logits.float().softmax(dim=-1)
    return probs.topk(min(k, probs.shape[-1]), dim=-1)


def masked_lm_head(model: nn.Module) -> Callable[[torch.Tensor], tuple] | None:
    """The masked-LM head as a function of one hidden state ``[1, tokens, hidden]``, giving
    :func:`top_tokens` of its logits; None when :func:`masked_lm_layers` finds none."""
    layers = masked_lm_layers(model)
    if layers is None:
        return None

    def head(hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for layer in layers:
            hidden = first_tensor(layer(hidden))
        return top_tokens(hidden[0])

    return head
