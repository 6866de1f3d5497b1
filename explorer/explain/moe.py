"""Describers of mixture-of-experts parts: the router, the experts and the MoE block."""

from __future__ import annotations

from torch import nn

from .language import num
from .structure import parts_sentence


def _in_moe_block(ctx) -> bool:
    return ctx.parent is not None and ("Moe" in ctx.parent_type or "MoE" in ctx.parent_type)


def _top_k_and_experts(ctx):
    """``(top_k, number of experts)`` from the module, else from the MoE block around it."""
    m = ctx.module
    k, n = getattr(m, "top_k", None), getattr(m, "num_experts", None)
    if _in_moe_block(ctx):
        # transformers 4.x keeps the router as a plain Linear `gate` and the experts as a
        # ModuleList of per-expert MLPs inside the MoE block, which holds the counts.
        up = ctx.parent
        k = k or getattr(up, "top_k", None) or getattr(up, "num_experts_per_tok", None)
        n = n or getattr(up, "num_experts", None) or getattr(up, "num_local_experts", None)
    return k, n


def describe_router(ctx):
    """The router (``...Router``, or a 4.x ``gate`` Linear in an MoE block) that picks experts."""
    k, n = _top_k_and_experts(ctx)
    router = "Router" in ctx.type or (_in_moe_block(ctx) and ctx.name == "gate")
    if not (router and n):
        return None
    pick = f"top {k}" if k else "best"
    return [
        (
            f"The router of a mixture-of-experts layer: scores each of the {n} experts for "
            f"every token and sends the token to its {pick} experts, whose outputs are mixed "
            "with the router's weights.",
            f"전문가 혼합(MoE) 층의 라우터입니다. 토큰마다 전문가 {n}개에 점수를 매겨 상위 "
            f"{k or 1}개 전문가에게 보내고, 그 출력들을 라우터의 가중치로 섞습니다.",
        )
    ]


def describe_expert_list(ctx):
    """The experts of a transformers-4.x MoE block: a ModuleList ``experts``, one MLP each."""
    _, n = _top_k_and_experts(ctx)
    if not (_in_moe_block(ctx) and ctx.name == "experts" and n):
        return None
    if not isinstance(ctx.module, nn.ModuleList):
        return None
    return [
        (
            f"The {n} experts of a mixture-of-experts layer, each its own feed-forward "
            "network (one module per expert); each token only runs through the few "
            "experts its router picks.",
            f"전문가 혼합(MoE) 층의 전문가 {n}개입니다. 각 전문가는 자기만의 피드 포워드 "
            "네트워크(전문가마다 모듈 하나)이며, 각 토큰은 라우터가 고른 몇 개의 전문가만 "
            "거칩니다.",
        )
    ]


def describe_experts(ctx):
    """All experts in one ``...Experts`` module, their weights stacked (transformers 5)."""
    m = ctx.module
    _, n = _top_k_and_experts(ctx)
    if not (ctx.type.endswith("Experts") and n):
        return None
    h, i = getattr(m, "hidden_dim", None), getattr(m, "intermediate_dim", None)
    size = f" ({num(h)} → {num(i)} → {num(h)})" if h and i else ""
    return [
        (
            f"The {n} experts of a mixture-of-experts layer, each its own feed-forward "
            f"network{size}, stored together as stacked tensors; each token only runs through "
            "the few experts its router picks.",
            f"전문가 혼합(MoE) 층의 전문가 {n}개입니다. 각 전문가는 자기만의 피드 포워드 "
            f"네트워크{size}이며, 가중치는 하나로 쌓인 텐서에 함께 저장됩니다. 각 토큰은 "
            "라우터가 고른 몇 개의 전문가만 거칩니다.",
        )
    ]


def describe_moe_block(ctx):
    """A mixture-of-experts feed-forward layer (class name with ``Moe`` or ``MoE``)."""
    if "Moe" not in ctx.type and "MoE" not in ctx.type:
        return None
    k, _ = _top_k_and_experts(ctx)
    return [
        (
            "A mixture-of-experts feed-forward layer: a router picks a few experts for each "
            "token"
            + (f" (top {k})" if k else "")
            + " and mixes their outputs, so only part of the parameters work on any token.",
            "전문가 혼합(MoE) 피드 포워드 층입니다. 라우터가 토큰마다 몇 개의 전문가를 골라"
            + (f"(상위 {k}개)" if k else "")
            + " 그 출력을 섞으므로, 한 토큰에는 전체 파라미터 중 일부만 쓰입니다.",
        ),
        parts_sentence(ctx),
    ]
