"""Explanations of leaf layers: embeddings, norms, dropout, activations, convolutions, RNNs."""

from __future__ import annotations

from torch import nn
from torch.nn.modules.dropout import _DropoutNd

from .activations import activation_info
from .conv_rnn import conv, pool, rnn, rotary
from .language import josa, num
from .roles import embedding_role, linear_role


def _embedding(ctx) -> list:
    m = ctx.module
    n, d = m.num_embeddings, m.embedding_dim
    out = embedding_role(ctx, n, d) or [
        (
            f"An embedding table of {num(n)} rows, each a {num(d)}-dimensional vector: it looks "
            f"up one vector for every integer ID from 0 to {num(n - 1)}.",
            f"{num(n)}개의 행으로 된 임베딩 테이블로, 각 행은 {num(d)}차원 벡터입니다. 0부터 "
            f"{num(n - 1)}까지의 정수 ID마다 벡터 하나를 찾아 줍니다.",
        )
    ]
    p = m.padding_idx
    if p is not None:
        out.append(
            (
                f"padding_idx={p}: row {p} belongs to the padding token and is never updated "
                "by training.",
                f"padding_idx={p}: {p}번 행은 패딩 토큰용이며 학습 중에 갱신되지 않습니다.",
            )
        )
    return out


def _size(fin: int, fout: int, bias: bool) -> tuple:
    return (
        f"Input dimension {num(fin)}, output dimension {num(fout)}, "
        + ("with a bias." if bias else "without a bias."),
        f"입력 차원 {num(fin)}, 출력 차원 {num(fout)}이며 "
        + ("편향(bias)을 사용합니다." if bias else "편향(bias)은 없습니다."),
    )


def _linear(ctx) -> list:
    m = ctx.module
    fin, fout, bias = m.in_features, m.out_features, m.bias is not None
    role = linear_role(ctx, fin, fout)
    if role:
        return role + [_size(fin, fout, bias)]
    formula = "y = xWᵀ + b" if bias else "y = xWᵀ"
    return [
        (
            f"A linear (fully connected) layer computing {formula}.",
            f"선형 변환층(완전 연결층)으로 {formula}{josa(formula[-1], '을', '를')} 계산합니다.",
        ),
        _size(fin, fout, bias),
    ]


def _hf_conv1d(ctx) -> list:
    nx, nf = ctx.module.nx, ctx.module.nf
    return linear_role(ctx, nx, nf) + [
        (
            f"Despite its name, this Conv1D (from GPT-2's code) is a plain linear layer: input "
            f"dimension {num(nx)}, output dimension {num(nf)}, with a bias; its weight is stored "
            f"transposed ({num(nx)} × {num(nf)}).",
            f"이름과 달리 이 Conv1D(GPT-2 코드에서 온 모듈)는 일반 선형 변환층입니다. 입력 차원 "
            f"{num(nx)}, 출력 차원 {num(nf)}이며 편향(bias)을 사용하고, 가중치는 전치된 모양"
            f"({num(nx)} × {num(nf)})으로 저장됩니다.",
        )
    ]


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


def _norm(ctx):
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


def _dropout_where(ctx):
    name, root = ctx.name, type(ctx.model).__name__
    if ctx.path == name and name == "dropout":
        if "SequenceClassification" in root or "TokenClassification" in root:
            return (
                "Here it is applied to the vector just before the classifier.",
                "여기서는 분류기 바로 앞의 벡터에 적용됩니다.",
            )
        if "QuestionAnswering" in root:
            return (
                "Here it is applied to the encoder's output just before qa_outputs.",
                "여기서는 qa_outputs 바로 앞에서 인코더 출력에 적용됩니다.",
            )
    if name == "resid_dropout":
        return (
            "Here it is applied to the attention output before the residual addition.",
            "여기서는 잔차 연결로 더하기 전의 어텐션 출력에 적용됩니다.",
        )
    core = ctx.inside("attention", "attn") and not any(
        "Attention" in type(c).__name__ for c in ctx.parent.children()
    )
    if core and name in ("dropout", "attn_dropout", "attention_dropout"):
        return (
            "Here it is applied to the attention weights.",
            "여기서는 어텐션 가중치에 적용됩니다.",
        )
    if ctx.parent_type == "FFN" or ctx.parent_type.endswith("MLP"):
        return (
            "Here it is applied to the feed-forward network's output.",
            "여기서는 피드 포워드 네트워크의 출력에 적용됩니다.",
        )
    if ctx.parent_type.endswith("Output"):
        return (
            "Here it is applied to the dense layer's output, before the residual addition and "
            "LayerNorm.",
            "여기서는 잔차 연결과 LayerNorm 전에 dense 층의 출력에 적용됩니다.",
        )
    if ctx.inside("embedding"):
        return (
            "Here it is applied to the normalized embeddings.",
            "여기서는 정규화된 임베딩에 적용됩니다.",
        )
    return None


def _dropout(ctx) -> list:
    p = ctx.module.p
    out = [
        (
            f"A dropout layer with dropout probability {p}: while training, each value is set to "
            f"0 with probability {p} and the rest are scaled by 1/(1-p); in evaluation mode "
            "(model.eval()) values pass through unchanged.",
            f"드롭아웃 레이어로, 드롭아웃 확률은 {p}입니다. 학습 중에는 각 값을 {p}의 확률로 0으로 "
            "만들고 나머지는 1/(1-p)배로 키우며, 평가 모드(model.eval())에서는 값을 그대로 "
            "통과시킵니다.",
        )
    ]
    if p == 0:
        out.append(
            ("With p=0 it never drops anything.", "확률이 0이라 실제로는 아무것도 버리지 않습니다.")
        )
    where = _dropout_where(ctx)
    return out + ([where] if where else [])


def _activation(ctx, info) -> list:
    out = [info[1:]]
    parent = ctx.parent
    if parent is not None and hasattr(parent, "gate_proj"):
        out.append(
            ("Here it is applied to gate_proj's output.", "여기서는 gate_proj의 출력에 적용됩니다.")
        )
    elif ctx.inside("ffn", "mlp", "intermediate", "dense"):
        out.append(
            (
                "Here it is the non-linearity between the two layers of the feed-forward network.",
                "여기서는 피드 포워드 네트워크의 두 선형 층 사이에서 비선형 함수로 쓰입니다.",
            )
        )
    elif ctx.inside("pooler"):
        out.append(
            (
                "Here it squashes the pooled vector into (−1, 1).",
                "여기서는 풀링된 벡터를 (−1, 1) 범위로 눌러 담습니다.",
            )
        )
    return out


def describe_leaf(ctx):
    """Sentences for a known layer type, or None."""
    m, t = ctx.module, ctx.type
    if isinstance(m, nn.Embedding):
        return _embedding(ctx)
    if isinstance(m, nn.Linear):
        return _linear(ctx)
    if t == "Conv1D" and hasattr(m, "nf") and hasattr(m, "nx"):
        return _hf_conv1d(ctx)
    if isinstance(m, nn.modules.conv._ConvNd):
        return conv(ctx)
    norm = _norm(ctx)
    if norm:
        return norm
    if isinstance(m, _DropoutNd):
        return _dropout(ctx)
    info = activation_info(m)
    if info:
        return _activation(ctx, info)
    if isinstance(m, nn.RNNBase):
        return rnn(ctx)
    pools = (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)
    adaptive = (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)
    if isinstance(m, pools + adaptive):
        return pool(ctx)
    if "Rotary" in t:
        return rotary(ctx)
    if isinstance(m, nn.Identity):
        return [
            (
                "Identity: returns its input unchanged (often a placeholder for a removed layer).",
                "입력을 그대로 돌려주는 항등(Identity) 모듈입니다(빠진 층의 자리를 채우는 용도로 "
                "자주 쓰입니다).",
            )
        ]
    if isinstance(m, nn.Flatten):
        return [
            (
                f"Flatten: merges dimensions {m.start_dim} to {m.end_dim} into one.",
                f"Flatten 모듈로, {m.start_dim}번부터 {m.end_dim}번까지의 차원을 하나로 합칩니다.",
            )
        ]
    return None


__all__ = ["describe_leaf"]
