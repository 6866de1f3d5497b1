"""Describers of normalization layers: LayerNorm, RMSNorm, batch and group normalization."""

from __future__ import annotations

from torch import nn

from .language import josa, num


def _norm_role(ctx) -> list:
    name, low = ctx.name, ctx.name.lower()
    if ctx.inside("embedding"):
        return [("Normalizes the summed embeddings.", "더해진 임베딩 벡터를 정규화하는 층입니다.")]
    if name == "sa_layer_norm" or ctx.parent_type.endswith("SelfOutput"):
        return [
            (
                "Normalizes the output of self-attention after it is added to the block's input "
                "(residual connection).",
                "자기 주의 출력을 잔차 연결로 입력과 더한 뒤 정규화하는 층입니다.",
            )
        ]
    if name == "output_layer_norm" or ctx.parent_type.endswith("Output"):
        return [
            (
                "Normalizes the feed-forward network's output after it is added to its input "
                "(residual connection).",
                "피드 포워드 네트워크(FFN)의 출력을 잔차 연결로 입력과 더한 뒤 정규화하는 층입니다.",
            )
        ]
    if name in ("ln_1", "input_layernorm"):
        return [
            (
                "Normalizes the block's input before self-attention (pre-norm).",
                "자기 주의에 들어가기 전에 블록의 입력을 정규화합니다(pre-norm 방식).",
            )
        ]
    if name in ("ln_2", "post_attention_layernorm"):
        return [
            (
                "Normalizes the hidden states after the attention output has been added back "
                "(residual), before they enter the feed-forward network (MLP).",
                "어텐션 출력이 잔차로 더해진 뒤, 피드 포워드 네트워크(MLP)에 들어가기 전에 "
                "정규화합니다.",
            )
        ]
    if low in ("ln_f", "final_layer_norm", "final_layernorm", "norm_f") or (
        name == "norm" and ctx.parent_type.endswith("Model")
    ):
        return [
            (
                "Final normalization, applied to the output of the last block.",
                "마지막 블록의 출력에 적용되는 최종 정규화 층입니다.",
            )
        ]
    if name == "layer_norm" and ctx.parent_type.startswith("T5Layer"):
        return [
            (
                "Normalizes this sublayer's input (pre-norm); the sublayer's result is then "
                "added back to its input.",
                "이 하위 층의 입력을 정규화합니다(pre-norm). 하위 층의 결과는 다시 입력에 더해집니다.",
            )
        ]
    return []


def describe_norm(ctx):
    """LayerNorm, RMSNorm (also T5LayerNorm), batch and group norm: what they compute, eps."""
    m, t = ctx.module, ctx.type
    weight = getattr(m, "weight", None)
    eps = getattr(m, "eps", getattr(m, "variance_epsilon", None))
    eps_s = f"eps={eps!r}"
    if isinstance(m, nn.LayerNorm):
        d = num(m.normalized_shape[-1])
        affine = m.elementwise_affine
        shift = affine and getattr(m, "bias", None) is not None
        en = (
            f"LayerNorm over the last {d} features: subtracts each vector's mean, divides by its "
            f"standard deviation ({eps_s} keeps the division stable), then "
            + ("applies a learned scale and shift." if shift else "")
            + ("applies a learned scale (no shift)." if affine and not shift else "")
            + ("applies nothing learned (elementwise_affine=False)." if not affine else "")
        )
        ko = (
            f"마지막 {d}개 특징에 대한 LayerNorm입니다. 각 벡터에서 평균을 빼고 표준편차로 나눈 뒤"
            f"({eps_s}{josa(eps_s, '은', '는')} 0으로 나누는 것을 막습니다), "
            + ("학습된 스케일과 이동(shift) 값을 적용합니다." if shift else "")
            + ("학습된 스케일만 적용합니다(이동 값 없음)." if affine and not shift else "")
            + ("학습되는 값은 적용하지 않습니다(elementwise_affine=False)." if not affine else "")
        )
        return _norm_role(ctx) + [(en, ko)]
    rms = isinstance(m, getattr(nn, "RMSNorm", ())) or "RMSNorm" in t or t == "T5LayerNorm"
    if rms:
        shape = getattr(m, "normalized_shape", None)
        dim = weight.shape[-1] if weight is not None else (shape[-1] if shape else None)
        over = f"over the last {num(dim)} features" if dim else ""
        ko_over = f"마지막 {num(dim)}개 특징에 대한 " if dim else ""
        if eps is None:
            eps_s = "eps=None (the dtype's machine epsilon)"
        out = _norm_role(ctx) + [
            (
                f"RMSNorm {over}: divides each vector by its root mean square ({eps_s} keeps the "
                "division stable) and multiplies by a learned scale; unlike LayerNorm it neither "
                "subtracts the mean nor adds a shift.",
                f"{ko_over}RMSNorm입니다. 각 벡터를 제곱평균제곱근(RMS)으로 나눈 뒤({eps_s}"
                f"{josa(eps_s, '은', '는')} 0으로 "
                "나누는 것을 막습니다) 학습된 스케일을 곱합니다. LayerNorm과 달리 평균을 빼지도, "
                "이동(shift) 값을 더하지도 않습니다.",
            )
        ]
        if t == "T5LayerNorm":
            out.append(
                (
                    "Despite its name, T5LayerNorm is this kind of RMS norm.",
                    "T5LayerNorm은 이름과 달리 이런 RMS 정규화입니다.",
                )
            )
        return out
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        return [
            (
                f"Batch normalization of {num(m.num_features)} channels: normalizes each channel "
                f"with the batch's mean and variance while training and with running averages in "
                f"evaluation ({eps_s}).",
                f"채널 {num(m.num_features)}개에 대한 배치 정규화입니다. 학습 중에는 배치의 평균과 "
                f"분산으로, 평가 모드에서는 누적 평균으로 각 채널을 정규화합니다({eps_s}).",
            )
        ]
    if isinstance(m, nn.GroupNorm):
        return [
            (
                f"Group normalization: splits {num(m.num_channels)} channels into "
                f"{num(m.num_groups)} groups and normalizes each group ({eps_s}).",
                f"그룹 정규화입니다. 채널 {num(m.num_channels)}개를 {num(m.num_groups)}개 그룹으로 "
                f"나누어 그룹마다 정규화합니다({eps_s}).",
            )
        ]
    return None
