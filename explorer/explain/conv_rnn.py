"""Describers of convolutions, recurrent layers, pooling and rotary position tables."""

from __future__ import annotations

from torch import nn

from .language import num

_POOLS = (
    nn.modules.pooling._MaxPoolNd,
    nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
)


def _dims(value) -> str:
    return "×".join(str(v) for v in value) if isinstance(value, tuple) else str(value)


def describe_conv(ctx):
    """A 1D, 2D or 3D convolution: channels, kernel, stride, padding, bias."""
    m = ctx.module
    if not isinstance(m, nn.modules.conv._ConvNd):
        return None
    nd = len(m.kernel_size)
    k, s, pad = _dims(m.kernel_size), _dims(m.stride), _dims(m.padding)
    bias = m.bias is not None
    return [
        (
            f"A {nd}D convolution: {num(m.in_channels)} input channels → {num(m.out_channels)} "
            f"output channels, kernel {k}, stride {s}, padding {pad}, "
            + ("with a bias" if bias else "without a bias")
            + "; the same small filters slide over the whole input.",
            f"{nd}차원 합성곱 층입니다. 입력 채널 {num(m.in_channels)}개를 출력 채널 "
            f"{num(m.out_channels)}개로 바꾸며, 커널 크기 {k}, 스트라이드 {s}, 패딩 {pad}이고 "
            + ("편향(bias)을 사용합니다. " if bias else "편향(bias)은 없습니다. ")
            + "같은 작은 필터가 입력 전체를 훑으며 적용됩니다.",
        )
    ]


def describe_rnn(ctx):
    """An RNN, LSTM or GRU: sizes, layers, direction, dropout."""
    m, t = ctx.module, ctx.type
    if not isinstance(m, nn.RNNBase):
        return None
    kind = {
        "LSTM": (
            "with input, forget and output gates and a cell state",
            "입력·망각·출력 게이트와 셀 상태를 가진",
        ),
        "GRU": ("with reset and update gates", "리셋 게이트와 업데이트 게이트를 가진"),
    }.get(t, ("", ""))
    extra_en, extra_ko = [], []
    if m.bidirectional:
        extra_en.append("bidirectional (reads the sequence forwards and backwards)")
        extra_ko.append("양방향(시퀀스를 앞뒤 두 방향으로 읽음)")
    if m.batch_first:
        extra_en.append("batch_first=True")
        extra_ko.append("batch_first=True")
    if m.num_layers > 1 and m.dropout:
        extra_en.append(f"dropout {m.dropout} between layers")
        extra_ko.append(f"층 사이 드롭아웃 {m.dropout}")
    return [
        (
            f"A recurrent {t} layer {kind[0]}".rstrip()
            + f": reads the sequence one step at a time; input size {num(m.input_size)}, hidden "
            f"size {num(m.hidden_size)}, {m.num_layers} stacked layer(s)"
            + "".join(", " + e for e in extra_en)
            + ".",
            (kind[1] + " " if kind[1] else "")
            + f"{t} 순환 층으로, 시퀀스를 한 단계씩 읽습니다. 입력 크기 {num(m.input_size)}, "
            f"은닉 크기 {num(m.hidden_size)}, 층 {m.num_layers}개"
            + "".join(", " + e for e in extra_ko)
            + "입니다.",
        )
    ]


def describe_pool(ctx):
    """Max, average and adaptive pooling."""
    m, t = ctx.module, ctx.type
    if not isinstance(m, _POOLS):
        return None
    if t.startswith("Adaptive"):
        size = _dims(m.output_size)
        how = ("average", "평균") if "Avg" in t else ("maximum", "최댓값")
        return [
            (
                f"Adaptive {how[0]} pooling to output size {size}: takes the {how[0]} over "
                "whatever windows are needed to produce exactly that size.",
                f"적응형 풀링으로, 출력 크기 {size}에 맞춰 필요한 구간마다 {how[1]}을 구합니다.",
            )
        ]
    k, s = _dims(m.kernel_size), _dims(m.stride)
    if "Max" in t:
        return [
            (
                f"Max pooling: keeps the largest value in each window (kernel {k}, stride {s}).",
                f"최대 풀링 층으로, 각 구간(커널 {k}, 스트라이드 {s})에서 가장 큰 값만 남깁니다.",
            )
        ]
    return [
        (
            f"Average pooling: replaces each window (kernel {k}, stride {s}) by its mean.",
            f"평균 풀링 층으로, 각 구간(커널 {k}, 스트라이드 {s})을 평균값 하나로 바꿉니다.",
        )
    ]


def describe_rotary(ctx):
    """A rotary position embedding (RoPE) table (class name with ``Rotary``)."""
    if "Rotary" not in ctx.type:
        return None
    out = [
        (
            "Rotary position embedding (RoPE): computes the cos/sin tables that rotate each query "
            "and key by an angle that depends on the token's position, so attention scores "
            "depend on relative positions.",
            "회전 위치 임베딩(RoPE)입니다. 토큰 위치에 따라 쿼리와 키 벡터를 회전시키는 cos/sin "
            "표를 계산하므로, 어텐션 점수에 토큰 사이의 상대적 위치가 반영됩니다.",
        )
    ]
    cached = getattr(ctx.module, "max_seq_len_cached", None)
    rope = getattr(ctx.module, "rope_type", None)
    if isinstance(cached, int) and rope:
        out.append(
            (
                f"RoPE type: {rope}; tables prepared for {num(cached)} positions.",
                f"RoPE 종류는 {rope}이고, 위치 {num(cached)}개에 대한 표가 준비되어 있습니다.",
            )
        )
    return out
