"""The attention heatmap: one head's weights, with the cells the layer masked drawn apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .style import SCALE, esc, figure
from .trace import _axis, _layout, _text, _token_height, token_labels

__all__ = ["TEXT", "MASKED", "REASONS", "attention_heatmap", "masked_reasons", "update_attention"]

#: The shade of a masked cell: a neutral grey, apart from every Viridis colour, on light and dark
#: pages alike (Viridis' zero is dark violet).
MASKED = "rgb(150, 150, 150)"
#: Why a cell is masked, in the order they are checked (a padded key is padding first of all).
REASONS = ("padding", "future", "window", "band", "mask")

#: The figure's texts in English and Korean.
TEXT = {
    "en": {
        "query": "query token (attending)",
        "key": "key token (attended to)",
        "weight": "weight",
        "attention": "{path}: attention of head {head} of {heads}",
        "legend": "grey cells are masked: {reasons}",
        "masked": "masked: {reason}",
        "padding": "padding",
        "future": "future token",
        "window": "outside the sliding window",
        "band": "outside the local band",
        "mask": "the attention mask hides it",
    },
    "ko": {
        "query": "쿼리 토큰 (주의를 보내는 쪽)",
        "key": "키 토큰 (주의를 받는 쪽)",
        "weight": "가중치",
        "attention": "{path}: 헤드 {head}/{heads}의 어텐션",
        "legend": "회색 칸은 가려진 칸: {reasons}",
        "masked": "가려짐: {reason}",
        "padding": "패딩",
        "future": "미래 토큰",
        "window": "슬라이딩 윈도 밖",
        "band": "지역 대역 밖",
        "mask": "어텐션 마스크가 가림",
    },
}


def _words(lang: str) -> dict[str, str]:
    _text(lang)  # the same error for an unknown language as the other figures
    return TEXT[lang]


def attention_heatmap(lang: str = "en") -> go.Figure:
    """An empty attention heatmap; fill it with :func:`update_attention`.

    Two heatmaps over the same cells: the head's weights (rows are query tokens, top to bottom in
    input order; columns key tokens; the hover gives both tokens, escaped, and the exact weight)
    and above them, in a neutral grey, the cells the layer did not allow, whose hover says why.
    """
    words = _words(lang)
    where = f"{esc(words['query'])}: %{{y}}<br>{esc(words['key'])}: %{{x}}"
    heat = go.Heatmap(
        colorscale=SCALE,
        zmin=0.0,
        colorbar=dict(title=dict(text=esc(words["weight"])), thickness=12),
        hovertemplate=f"{where}<br>%{{z:.6f}}<extra></extra>",
    )
    masked = go.Heatmap(
        colorscale=[[0.0, MASKED], [1.0, MASKED]],
        showscale=False,
        hoverongaps=False,
        hovertemplate=f"{where}<br>%{{text}}<extra></extra>",
        visible=False,
    )
    layout = _layout(
        _token_height(12),
        xaxis=_axis(type="category", tickangle=-60, title=dict(text=esc(words["key"]))),
        # An explicit standoff: Plotly's default left the Korean title over the token labels.
        yaxis=_axis(
            type="category",
            autorange="reversed",
            title=dict(text=esc(words["query"]), standoff=14),
        ),
    )
    return figure([heat, masked], layout=layout)


def masked_reasons(info: Any) -> np.ndarray:
    """``[queries, keys]`` str: why each cell the layer did not allow is masked ("" if allowed).

    ``info`` is an :class:`~explorer.trace.AttentionInfo` (its ``allowed``, ``padded``,
    ``causal`` and ``window``). A masked cell is ``"padding"`` (its key or query is padding),
    ``"future"`` (a causal layer's later key), ``"window"`` / ``"band"`` (beyond a causal sliding
    window / a bidirectional local band), else ``"mask"`` (the mask the layer was given).
    """
    allowed = np.asarray(info.allowed, dtype=bool)
    q, k = np.indices(allowed.shape)
    out = np.full(allowed.shape, "", dtype=object)
    padded = np.zeros(allowed.shape[1], dtype=bool)
    padded[[i for i in info.padded if i < allowed.shape[1]]] = True
    rows = np.zeros(allowed.shape[0], dtype=bool)
    rows[[i for i in info.padded if i < allowed.shape[0]]] = True
    outside = np.zeros(allowed.shape, dtype=bool)
    if info.window is not None:
        back, ahead = info.window
        outside = (k < q - back) | (k > q + ahead)
    rules = (
        ("padding", padded[None, :] | rows[:, None]),
        ("future", (k > q) if info.causal else np.zeros_like(allowed)),
        ("band" if info.window is not None and info.window[1] > 0 else "window", outside),
        ("mask", np.ones_like(allowed)),
    )
    for reason, where in rules:
        out[~allowed & where & (out == "")] = reason
    return out


def update_attention(
    fig, weights: np.ndarray, tokens: Sequence[str], path: str, head: int, lang: str = "en",
    info: Any = None,
):  # fmt: skip
    """Show head ``head`` of ``weights`` (``[heads, tokens, tokens]``) in a figure from
    :func:`attention_heatmap` (a ``go.Figure`` or a ``PlotWidget``), in place.

    The first heatmap's ``z`` is ``weights[head]`` as given (float32, exact: a masked cell's
    weight is 0, as in eager attention); the colour scale runs from 0 to the head's largest
    weight. With ``info`` (the layer's :class:`~explorer.trace.AttentionInfo`), the cells it did
    not allow are drawn over them in grey, each hover naming the reason (see
    :func:`masked_reasons`), and the title's second line says what grey means. Returns ``fig``.
    """
    weights = np.asarray(weights)
    if weights.ndim != 3 or weights.shape[1] != weights.shape[2]:
        raise ValueError(f"weights must be [heads, tokens, tokens], got shape {weights.shape}")
    if not 0 <= head < weights.shape[0]:
        raise ValueError(f"head {head} is out of range: there are {weights.shape[0]} heads")
    if weights.shape[1] != len(tokens):
        raise ValueError(f"{len(tokens)} tokens for weights over {weights.shape[1]} tokens")
    words = _words(lang)
    reasons = masked_reasons(info) if info is not None else np.full(weights.shape[1:], "")
    if reasons.shape != weights.shape[1:]:
        raise ValueError(f"the layer's mask is {reasons.shape}, the weights {weights.shape[1:]}")
    z = weights[head]
    labels = token_labels(tokens)
    masked = reasons != ""
    title = esc(words["attention"].format(path=path, head=head + 1, heads=weights.shape[0]))
    if masked.any():
        present = [words[r] for r in REASONS if (reasons == r).any()]
        legend = esc(words["legend"].format(reasons=", ".join(present)))
        title += f"<br><span style='font-size:11px'>{legend}</span>"
    with fig.batch_update():
        heat, cover = fig.data[0], fig.data[1]
        heat.z, heat.x, heat.y = z, labels, labels
        heat.zmax = float(z.max()) if z.size and float(z.max()) > 0 else 1.0
        cover.x, cover.y = labels, labels
        cover.z = np.where(masked, 1.0, np.nan)
        cover.text = [[esc(words["masked"].format(reason=words[r])) if r else "" for r in row]
                      for row in reasons]  # fmt: skip
        cover.visible = bool(masked.any())
        fig.layout.title.text = title
        fig.layout.margin.t = 72 if masked.any() else 56
        fig.layout.height = _token_height(len(labels))
    return fig
