"""Describers of patch embeddings (ViT and its kin): an image or spectrogram cut into patches."""

from __future__ import annotations

import torch
from torch import nn

from .language import josa, josa_ro, num

_AUDIO_INPUTS = ("input_values", "input_features")


def _pair(value) -> tuple | None:
    if isinstance(value, int):
        return value, value
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) for v in value)
    ):
        return tuple(value)
    return None


def _a(n: int) -> str:
    """The English article before a number: "an 8-dimensional", "a 32-dimensional"."""
    digits = str(n)
    eleven = len(digits) % 3 == 2 and digits[:2] in ("11", "18")
    return "an" if digits.startswith("8") or eleven else "a"


def _xy(pair: tuple) -> str:
    return f"{pair[0]}×{pair[1]}"


def _projection(module: nn.Module) -> nn.Conv2d | None:
    conv = getattr(module, "projection", None)
    if isinstance(conv, nn.Conv2d):
        return conv
    return next((m for m in module.children() if isinstance(m, nn.Conv2d)), None)


def _source(ctx) -> tuple[str, str]:
    """What is cut into patches: an image, or (AST) a spectrogram."""
    if getattr(ctx.model, "main_input_name", "") in _AUDIO_INPUTS:
        return "spectrogram", "스펙트로그램"
    return "image", "이미지"


def _patch_sentence(ctx, pe: nn.Module, who_en: str, who_ko: str) -> tuple | None:
    conv = _projection(pe)
    if conv is None:
        return None
    src_en, src_ko = _source(ctx)
    kernel, stride = _pair(conv.kernel_size), _pair(conv.stride)
    image = _pair(getattr(pe, "image_size", None))
    count = getattr(pe, "num_patches", None)
    size_en = f" {_xy(image)}" if image else ""
    size_ko = f" {_xy(image)} 크기" if image else ""
    many_en = f" ({num(count)} of them)" if isinstance(count, int) else ""
    many_ko = f"(모두 {num(count)}개)" if isinstance(count, int) else ""
    chans = conv.in_channels
    d = conv.out_channels
    if kernel == stride:
        values = chans * kernel[0] * kernel[1]
        return (
            f"{who_en} cuts the{size_en} {src_en} ({chans} channel{'s' if chans != 1 else ''}) into "
            f"non-overlapping {_xy(kernel)} patches{many_en} and maps each patch to {_a(d)} "
            f"{num(d)}-dimensional vector: a Conv2d whose kernel and stride are both {_xy(kernel)} "
            f"is one linear layer applied to every flattened patch ({chans} × {_xy(kernel)} = "
            f"{num(values)} values → {num(d)}).",
            f"{who_ko} {size_ko.strip() + ' ' if size_ko else ''}{src_ko}(채널 {chans}개){josa(src_ko, '을', '를')} 겹치지 않는 "
            f"{_xy(kernel)} 패치로 자르고{many_ko}, 패치마다 {num(d)}차원 벡터로 바꿉니다. 커널과 "
            f"스트라이드가 모두 {_xy(kernel)}인 Conv2d는 펼친 패치 하나하나에 같은 선형 변환층을 "
            f"적용하는 것과 같습니다({chans} × {_xy(kernel)} = 값 {num(values)}개 → {num(d)}).",
        )
    return (
        f"{who_en} slides a {_xy(kernel)} window with stride {_xy(stride)} over its input "
        f"({chans} channel{'s' if chans != 1 else ''}), so the patches overlap, and maps each "
        f"patch to {_a(d)} {num(d)}-dimensional vector with a Conv2d.",
        f"{who_ko} 입력(채널 {chans}개) 위로 {_xy(kernel)} 창을 스트라이드 {_xy(stride)}{josa_ro(_xy(stride))} "
        f"옮겨 가며 겹치는 패치를 만들고, Conv2d로 패치마다 {num(d)}차원 벡터를 만듭니다.",
    )


def describe_patch_embeddings(ctx):
    """A ``...PatchEmbeddings`` module: a Conv2d that turns each patch into one vector."""
    if not ctx.type.endswith("PatchEmbeddings"):
        return None
    found = _patch_sentence(ctx, ctx.module, "This patch embedding", "이 패치 임베딩은")
    return [found] if found else None


def _token(ctx, name: str) -> list | None:
    t = ctx.module._parameters.get(name)
    return list(t.shape) if isinstance(t, torch.Tensor) else None


def describe_patch_embeddings_block(ctx):
    """An ``...Embeddings`` block around patch embeddings (ViT, DeiT, AST, Swin...): the patches,
    the learned [CLS] (and distillation, mask) tokens, the position embeddings, dropout."""
    pe = ctx.module._modules.get("patch_embeddings")
    if not ctx.type.endswith("Embeddings") or not isinstance(pe, nn.Module):
        return None
    if isinstance(pe, nn.Conv2d) or _projection(pe) is None:
        return None  # a convolutional stem (ConvNeXt): a feature map, not a sequence of patches
    src_en, src_ko = _source(ctx)
    out = [
        (
            f"The patch embeddings turn an {src_en} into a sequence of vectors, one per patch, "
            "which the blocks then read like the tokens of a text."
            if src_en == "image"
            else f"The patch embeddings turn a {src_en} into a sequence of vectors, one per "
            "patch, which the blocks then read like the tokens of a text.",
            f"패치 임베딩은 {src_ko}{josa(src_ko, '을', '를')} 패치마다 벡터 하나인 벡터 열로 "
            "바꿉니다. 그 뒤의 블록들은 이 벡터들을 텍스트의 토큰처럼 읽습니다.",
        )
    ]
    patch = _patch_sentence(ctx, pe, "patch_embeddings", "patch_embeddings는")
    if patch:
        out.append(patch)
    cls_shape = _token(ctx, "cls_token")
    special: list[str] = []
    if cls_shape:
        special.append("[CLS]")
        out.append(
            (
                f"A learned [CLS] token (cls_token, {cls_shape}) is put in front of the patches: "
                "it belongs to no patch and gathers information from all of them through "
                "attention.",
                f"학습되는 [CLS] 토큰(cls_token, {cls_shape})을 패치들 앞에 붙입니다. 어느 "
                "패치에도 속하지 않으며, 어텐션을 통해 모든 패치의 정보를 모읍니다.",
            )
        )
    dist_shape = _token(ctx, "distillation_token")
    if dist_shape:
        special.append("distillation")
        out.append(
            (
                f"A learned distillation token (distillation_token, {dist_shape}) follows it: "
                "DeiT's token for learning from a teacher model's predictions.",
                f"그 뒤에 학습되는 증류 토큰(distillation_token, {dist_shape})이 옵니다. DeiT에서 "
                "교사 모델의 예측으로부터 배우는 데 쓰는 토큰입니다.",
            )
        )
    pos_shape = _token(ctx, "position_embeddings")
    if pos_shape and len(pos_shape) == 3:
        n = pos_shape[1]
        if len(special) == 1:
            plus_en = f" plus one for the {special[0]} token"
        else:
            plus_en = f" plus one each for the {' and '.join(special)} tokens" if special else ""
        plus_ko = f", {'·'.join(special)} 토큰에 하나씩" if special else ""
        out.append(
            (
                f"Learned position embeddings (position_embeddings, {pos_shape}: one per patch"
                f"{plus_en}, {num(n)} in all) are added, so the model knows where each patch was.",
                f"학습되는 위치 임베딩(position_embeddings, {pos_shape}: 패치마다 하나{plus_ko}, "
                f"모두 {num(n)}개)을 더해, 모델이 각 패치의 위치를 알 수 있게 합니다.",
            )
        )
    if _token(ctx, "mask_token"):
        out.append(
            (
                "mask_token replaces the patches hidden when the model is trained to reconstruct "
                "them (masked image modeling); otherwise it is unused.",
                "mask_token은 가려진 패치를 복원하도록 학습할 때(마스크 이미지 모델링) 그 패치 "
                "대신 들어가며, 그 밖에는 쓰이지 않습니다.",
            )
        )
    drop = ctx.module._modules.get("dropout")
    if isinstance(drop, nn.Dropout):
        out.append(
            (
                f"Then dropout (p = {drop.p:g}).",
                f"그다음 드롭아웃(p = {drop.p:g})을 적용합니다.",
            )
        )
    return out
