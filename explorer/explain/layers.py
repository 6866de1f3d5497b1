"""Describers of leaf layers: embedding tables, linear layers, dropout, identity, flatten."""

from __future__ import annotations

from torch import nn
from torch.nn.modules.dropout import _DropoutNd

from .language import josa, num
from .roles import embedding_role, linear_role


def describe_embedding(ctx):
    """An ``nn.Embedding`` table: its role (word, position, segment...), size and padding row."""
    m = ctx.module
    if not isinstance(m, nn.Embedding):
        return None
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


def describe_linear(ctx):
    """An ``nn.Linear``: its role in the model when its name tells it, and its sizes."""
    m = ctx.module
    if not isinstance(m, nn.Linear):
        return None
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


def describe_hf_conv1d(ctx):
    """GPT-2's ``Conv1D``: despite its name a linear layer with a transposed weight."""
    m = ctx.module
    if ctx.type != "Conv1D" or not (hasattr(m, "nf") and hasattr(m, "nx")):
        return None
    nx, nf = m.nx, m.nf
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


def describe_dropout(ctx):
    """A dropout layer: its probability, and where it is applied."""
    if not isinstance(ctx.module, _DropoutNd):
        return None
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


def describe_identity(ctx):
    """``nn.Identity``: a placeholder that returns its input."""
    if not isinstance(ctx.module, nn.Identity):
        return None
    return [
        (
            "Identity: returns its input unchanged (often a placeholder for a removed layer).",
            "입력을 그대로 돌려주는 항등(Identity) 모듈입니다(빠진 층의 자리를 채우는 용도로 "
            "자주 쓰입니다).",
        )
    ]


def describe_flatten(ctx):
    """``nn.Flatten``: which dimensions it merges."""
    m = ctx.module
    if not isinstance(m, nn.Flatten):
        return None
    return [
        (
            f"Flatten: merges dimensions {m.start_dim} to {m.end_dim} into one.",
            f"Flatten 모듈로, {m.start_dim}번부터 {m.end_dim}번까지의 차원을 하나로 합칩니다.",
        )
    ]
