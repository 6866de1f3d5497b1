"""Known activation functions, what they compute (English and Korean), and their describer."""

from __future__ import annotations

from torch import nn

# Activation class name -> (short name, English description, Korean description).
_GELU = (
    "GELU",
    "GELU activation (Gaussian Error Linear Unit): computes x·Φ(x), where Φ is the standard "
    "normal CDF; a smooth version of ReLU that lets small negative values through a little.",
    "GELU 활성화 함수(Gaussian Error Linear Unit)입니다. x·Φ(x)를 계산하며(Φ는 표준정규분포의 "
    "누적분포함수), ReLU를 부드럽게 만든 형태라 작은 음수 값도 조금은 통과시킵니다.",
)
_GELU_TANH = (
    "GELU (tanh approximation)",
    "GELU activation computed with the tanh approximation "
    "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the variant GPT-2 uses; a smooth version of ReLU.",
    "tanh 근사식 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))로 계산하는 GELU 활성화 함수입니다. "
    "GPT-2가 쓰는 방식이며, ReLU를 부드럽게 만든 형태입니다.",
)
_SILU = (
    "SiLU",
    "SiLU activation (also called Swish): computes x·sigmoid(x), a smooth curve that behaves "
    "like ReLU for large inputs but is not exactly zero for negative ones.",
    "SiLU 활성화 함수(Swish라고도 합니다)로, x·sigmoid(x)를 계산합니다. 큰 입력에서는 ReLU처럼 "
    "동작하지만 음수 입력에서도 정확히 0이 되지는 않는 부드러운 곡선입니다.",
)
ACTIVATIONS = {
    "GELUActivation": _GELU,
    "GELU": _GELU,
    "NewGELUActivation": _GELU_TANH,
    "GELUTanh": _GELU_TANH,
    "PytorchGELUTanh": _GELU_TANH,
    "FastGELUActivation": _GELU_TANH,
    "GELUPytorchTanh": _GELU_TANH,
    "QuickGELUActivation": (
        "QuickGELU",
        "QuickGELU activation: x·sigmoid(1.702·x), a fast approximation of GELU.",
        "QuickGELU 활성화 함수로, GELU를 빠르게 근사한 x·sigmoid(1.702·x)를 계산합니다.",
    ),
    "SiLU": _SILU,
    "SiLUActivation": _SILU,
    "Swish": _SILU,
    "ReLU": (
        "ReLU",
        "ReLU activation: max(0, x), keeps positive values and turns negative ones into 0.",
        "ReLU 활성화 함수로 max(0, x)를 계산합니다. 양수는 그대로 두고 음수는 0으로 만듭니다.",
    ),
    "ReLU6": (
        "ReLU6",
        "ReLU6 activation: min(max(0, x), 6), a ReLU capped at 6.",
        "ReLU6 활성화 함수로 min(max(0, x), 6)을 계산합니다. 최댓값이 6으로 제한된 ReLU입니다.",
    ),
    "LeakyReLU": (
        "LeakyReLU",
        "LeakyReLU activation: keeps positive values and multiplies negative ones by a small slope.",
        "LeakyReLU 활성화 함수로, 양수는 그대로 두고 음수에는 작은 기울기를 곱합니다.",
    ),
    "ELU": (
        "ELU",
        "ELU activation: x for positive inputs, α·(exp(x) − 1) for negative ones.",
        "ELU 활성화 함수로, 양수는 x 그대로, 음수는 α·(exp(x) − 1)로 바꿉니다.",
    ),
    "Tanh": (
        "tanh",
        "tanh activation: squashes every value into the range (−1, 1).",
        "tanh 활성화 함수로, 모든 값을 (−1, 1) 범위로 눌러 담습니다.",
    ),
    "Sigmoid": (
        "sigmoid",
        "Sigmoid activation: squashes every value into the range (0, 1).",
        "시그모이드 활성화 함수로, 모든 값을 (0, 1) 범위로 눌러 담습니다.",
    ),
    "Softmax": (
        "softmax",
        "Softmax: turns a vector of scores into probabilities that are positive and sum to 1.",
        "소프트맥스로, 점수 벡터를 양수이면서 합이 1인 확률로 바꿉니다.",
    ),
    "LogSoftmax": (
        "log-softmax",
        "LogSoftmax: the logarithm of the softmax probabilities, computed stably.",
        "LogSoftmax로, 소프트맥스 확률의 로그를 수치적으로 안정하게 계산합니다.",
    ),
    "Mish": (
        "Mish",
        "Mish activation: x·tanh(softplus(x)), a smooth ReLU-like curve.",
        "Mish 활성화 함수로 x·tanh(softplus(x))를 계산하는, ReLU와 비슷한 부드러운 곡선입니다.",
    ),
    "Softplus": (
        "softplus",
        "Softplus activation: log(1 + exp(x)), a smooth version of ReLU that is always positive.",
        "Softplus 활성화 함수로 log(1 + exp(x))를 계산합니다. 항상 양수인 부드러운 ReLU입니다.",
    ),
}


def activation_info(module: nn.Module):
    """``(short name, en, ko)`` when ``module`` is a known activation, else None."""
    name = type(module).__name__
    if name == "GELU" and getattr(module, "approximate", "none") == "tanh":
        return _GELU_TANH
    return ACTIVATIONS.get(name)


def describe_activation(ctx):
    """A known activation function: what it computes, and where it sits (gate, FFN, pooler)."""
    info = activation_info(ctx.module)
    if not info:
        return None
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
