"""The ordered list of describers and ``describe``, which asks them in turn about one module.

A describer is a function ``fn(ctx) -> list[(en, ko)] | None``: the sentences about the
module in ``ctx`` (a :class:`~explorer.explain.context.Ctx`), or None (or an empty list) when
the module is not of its kind. :func:`describe` asks the describers in the order of
:data:`DESCRIBERS`; the first one that answers wins, then the parameter sentences follow.

The order is part of the behaviour, like the order of treescope's handlers: where two
describers can both claim a module, the earlier one wins. Where that happens in real models,
a comment below says so. Elsewhere an overlap needs an unusual class name (a "...PoolerOutput"
is claimed by describe_sublayer_output before describe_pooler; an nn.Embedding subclass called
"...Rotary..." by describe_embedding before describe_rotary), so keep the order as it is.
"""

from __future__ import annotations

from . import (
    activations,
    adapter_parts,
    adapters,
    containers,
    conv_rnn,
    generic,
    layers,
    models,
    moe,
    norms,
    sublayers,
    vision,
)
from .context import Ctx
from .language import josa, names, num

DESCRIBERS = [
    # What PEFT put in the model before anything else: a PeftModel looks like a Hugging Face
    # model (describe_model), LoRA's parts are ModuleDicts (describe_module_dict) and the model
    # it adapts is a nested HF model (describe_backbone would call it a backbone).
    adapters.describe_peft_wrapper,
    adapters.describe_adapted_model,
    adapters.describe_adapter_layer,
    adapter_parts.describe_adapter_dict,
    # The whole model first: every root HF model would also be claimed by describe_backbone,
    # and a root class like "Qwen2MoeForCausalLM" by describe_moe_block.
    models.describe_model,
    # Mixture-of-experts parts before the leaves and containers: in transformers 4.x the
    # experts are a plain nn.ModuleList (else describe_module_list's) and the router a plain
    # nn.Linear named `gate` (else describe_linear's); transformers 5 names the MoE block `mlp`
    # (else describe_mlp's).
    moe.describe_expert_list,
    moe.describe_router,
    # Before the MoE block: "Qwen2MoeExperts" also contains "Moe".
    moe.describe_experts,
    moe.describe_moe_block,
    # Leaves, told apart by their type.
    layers.describe_embedding,
    layers.describe_linear,
    layers.describe_hf_conv1d,
    conv_rnn.describe_conv,
    norms.describe_norm,
    layers.describe_dropout,
    activations.describe_activation,
    conv_rnn.describe_rnn,
    conv_rnn.describe_pool,
    conv_rnn.describe_rotary,
    layers.describe_identity,
    layers.describe_flatten,
    # Containers: every describer below needs children. A nested HF model is a backbone before
    # describe_stack, which would claim it for the stack of blocks it holds.
    models.describe_backbone,
    # Plain torch containers before the checks by name and content: an nn.Sequential named
    # `mlp` stays a Sequential, and a ModuleList of blocks a list (describe_stack would claim
    # it, as it holds a stack: itself).
    containers.describe_sequential,
    containers.describe_module_list,
    containers.describe_module_dict,
    # Patch embeddings (ViT, DeiT, AST...) hold no nn.Embedding: describe_embeddings_block
    # passes on them.
    vision.describe_patch_embeddings_block,
    vision.describe_patch_embeddings,
    sublayers.describe_embeddings_block,
    # Before describe_block: an attention sublayer (BertAttention) holds an attention too.
    sublayers.describe_attention,
    # Claims every module typed or named as an MLP (with describe_generic's text when it cannot
    # read the parts), so none of them reaches the describers below.
    sublayers.describe_mlp,
    sublayers.describe_sublayer_output,
    sublayers.describe_pooler,
    containers.describe_block,
    containers.describe_stack,
    # After the block and stack: a "...Head" holding an attention is described as one of those.
    containers.describe_head,
    # Last: any module at all.
    generic.describe_generic,
]


def _param_sentences(ctx: Ctx) -> list:
    out = []
    if ctx.total == 0:
        out.append(("It has no parameters.", "파라미터가 없습니다."))
    elif ctx.counted == ctx.total:
        out.append(
            (f"It has {num(ctx.total)} parameters.", f"파라미터는 {num(ctx.total)}개입니다.")
        )
    else:
        elsewhere = ctx.total - ctx.counted
        out.append(
            (
                f"It uses {num(ctx.total)} parameters; {num(elsewhere)} of them are shared with "
                f"another part of the model and counted there, so it adds {num(ctx.counted)}.",
                f"파라미터 {num(ctx.total)}개를 사용하지만, 그중 {num(elsewhere)}개는 모델의 다른 "
                f"부분과 공유되어 그쪽에서 한 번만 세므로 새로 더하는 파라미터는 "
                f"{num(ctx.counted)}개입니다.",
            )
        )
    for here, others in ctx.shared[:3]:
        out.append(
            (
                f"{here} is the same tensor as {names(others, 3)} (tied weights).",
                f"{here}{josa(here, '은', '는')} {names(others, 3)}"
                f"{josa(others[-1], '과', '와')} 같은 텐서입니다(가중치 공유).",
            )
        )
    if ctx.aliases:
        out.append(
            (
                f"The same module object is also registered at {names(ctx.aliases, 3)}.",
                f"같은 모듈 객체가 {names(ctx.aliases, 3)} 경로에도 등록되어 있습니다.",
            )
        )
    return out


#: Asked after the describer that answered, each may add sentences about the module's place in
#: the model (a layer that is a part of a PEFT adapter layer: its base layer, A, B, a copy).
ROLES = [adapter_parts.describe_role]


def describe(ctx: Ctx) -> list:
    """All sentences about ``ctx``'s module as (en, ko) pairs, parameter count last.

    The first describer of :data:`DESCRIBERS` that answers gives the sentences about the
    module; those of :data:`ROLES` follow, then the sentences about its parameters (count,
    shared tensors, aliases).
    """
    for describer in DESCRIBERS:  # the last one, describe_generic, answers for any module
        found = describer(ctx)
        if found:
            break
    roles = [s for role in ROLES for s in role(ctx) or ()]
    return list(found) + roles + _param_sentences(ctx)
