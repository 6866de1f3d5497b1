"""Plotly figures of one traced run: attention weights, per-token norms and the lens by layer."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "TEXT",
    "token_labels",
    "layer_labels",
    "attention_heatmap",
    "update_attention",
    "norms_bar",
    "update_norms",
    "lens_figure",
    "update_lens",
]

_CLEAR, _GRID, _BAR = "rgba(0, 0, 0, 0)", "rgba(128, 128, 128, 0.25)", "#2f80ed"
_SCALE = "Viridis"  # legible on light and dark pages; the lowest values are dark violet
_ZW = "\u200b"  # zero-width space: tells repeated tokens apart on a category axis, invisibly

#: Figure texts in English and Korean (the Explorer's two languages).
TEXT = {
    "en": {
        "query": "query token (attending)",
        "key": "key token (attended to)",
        "weight": "weight",
        "attention": "{path}: attention of head {head} of {heads}",
        "norm": "norm",
        "norms": "{path}: norm of each token's output vector",
        "token": "token",
        "embeddings": "embeddings",
        "block": "block {i}",
        "prediction": "{label} = prediction",
        "layer": "layer",
        "class": "class",
        "lens": "Lens: the model's head on each layer (only the last row is the prediction)",
        "qa_lens": "Lens: start and end logits on each layer (only the last rows are the model's)",
        "start": "start logit",
        "end": "end logit",
        "score": {"softmax": "probability", "sigmoid": "score (sigmoid)", "none": "value"},
    },
    "ko": {
        "query": "쿼리 토큰 (주의를 보내는 쪽)",
        "key": "키 토큰 (주의를 받는 쪽)",
        "weight": "가중치",
        "attention": "{path}: 헤드 {head}/{heads}의 어텐션",
        "norm": "노름",
        "norms": "{path}: 토큰별 출력 벡터의 노름",
        "token": "토큰",
        "embeddings": "임베딩",
        "block": "블록 {i}",
        "prediction": "{label} = 예측",
        "layer": "층",
        "class": "클래스",
        "lens": "렌즈: 각 층에 모델의 헤드를 적용한 값 (마지막 행만 예측)",
        "qa_lens": "렌즈: 각 층의 시작·끝 로짓 (마지막 행만 모델의 값)",
        "start": "시작 로짓",
        "end": "끝 로짓",
        "score": {"softmax": "확률", "sigmoid": "점수 (시그모이드)", "none": "값"},
    },
}


def _text(lang: str) -> dict:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(map(repr, TEXT))}, got {lang!r}")
    return TEXT[lang]


def _esc(value) -> str:
    """Text as Plotly must show it: HTML-escaped (Plotly renders tags in labels and hovers)."""
    return html.escape(str(value), quote=True)


def token_labels(tokens: Sequence[str]) -> list[str]:
    """Category labels for tokens: escaped, repeats told apart by trailing zero-width spaces.

    A category axis merges equal labels, so the second "the" becomes ``"the\\u200b"``: it
    reads the same but keeps its own row or column. An empty token shows as "∅".
    """
    seen: dict[str, int] = {}
    out = []
    for token in tokens:
        label = _esc(token) or "\u2205"
        count = seen.get(label, 0)
        seen[label] = count + 1
        out.append(label + _ZW * count)
    return out


def layer_labels(count: int, lang: str = "en") -> list[str]:
    """``["embeddings", "block 1", ..., "block N = prediction"]`` for ``count`` lens entries."""
    words = _text(lang)
    labels = [words["embeddings"]] + [words["block"].format(i=i) for i in range(1, count)]
    labels[-1] = words["prediction"].format(label=labels[-1]) if count > 1 else labels[-1]
    return labels[:count]


def _axis(**extra) -> dict:
    return dict(gridcolor=_GRID, zerolinecolor=_GRID, linecolor=_GRID, automargin=True, **extra)


def _layout(height: int, **extra) -> dict:
    """Transparent backgrounds (the page's theme shows through), a left-aligned title."""
    return dict(
        template="none",
        paper_bgcolor=_CLEAR,
        plot_bgcolor=_CLEAR,
        height=height,
        margin=dict(l=60, r=20, t=56, b=40),
        title=dict(x=0.01, xanchor="left", y=0.97, yanchor="top", font=dict(size=14)),
        **extra,
    )


def _token_height(n: int) -> int:
    return int(min(900, max(380, 160 + 16 * n)))


# -- attention ---------------------------------------------------------------------------------
def attention_heatmap(lang: str = "en") -> go.Figure:
    """An empty attention heatmap; fill it with :func:`update_attention`.

    Rows are query tokens (top to bottom in input order), columns key tokens; the hover gives
    both tokens (escaped) and the exact weight.
    """
    words = _text(lang)
    heat = go.Heatmap(
        colorscale=_SCALE,
        zmin=0.0,
        colorbar=dict(title=dict(text=_esc(words["weight"])), thickness=12),
        hovertemplate=f"{_esc(words['query'])}: %{{y}}<br>{_esc(words['key'])}: %{{x}}"
        "<br>%{z:.6f}<extra></extra>",
    )
    layout = _layout(
        _token_height(12),
        xaxis=_axis(type="category", tickangle=-60, title=dict(text=_esc(words["key"]))),
        # An explicit standoff: Plotly's default left the Korean title over the token labels.
        yaxis=_axis(type="category", autorange="reversed",
                    title=dict(text=_esc(words["query"]), standoff=14)),
    )  # fmt: skip
    return go.Figure(heat, layout=layout)


def update_attention(
    fig, weights: np.ndarray, tokens: Sequence[str], path: str, head: int, lang: str = "en"
):
    """Show head ``head`` of ``weights`` (``[heads, tokens, tokens]``) in a figure from
    :func:`attention_heatmap` (a ``go.Figure`` or a ``PlotWidget``), in place.

    The heatmap's ``z`` is ``weights[head]`` as given (float32, exact); the colour scale runs
    from 0 to the head's largest weight. Returns ``fig``.
    """
    weights = np.asarray(weights)
    if weights.ndim != 3 or weights.shape[1] != weights.shape[2]:
        raise ValueError(f"weights must be [heads, tokens, tokens], got shape {weights.shape}")
    if not 0 <= head < weights.shape[0]:
        raise ValueError(f"head {head} is out of range: there are {weights.shape[0]} heads")
    if weights.shape[1] != len(tokens):
        raise ValueError(f"{len(tokens)} tokens for weights over {weights.shape[1]} tokens")
    z = weights[head]
    labels = token_labels(tokens)
    title = _text(lang)["attention"].format(path=path, head=head + 1, heads=weights.shape[0])
    with fig.batch_update():
        trace = fig.data[0]
        trace.z, trace.x, trace.y = z, labels, labels
        trace.zmax = float(z.max()) if z.size and float(z.max()) > 0 else 1.0
        fig.layout.title.text = _esc(title)
        fig.layout.height = _token_height(len(labels))
    return fig


# -- per-token norms ---------------------------------------------------------------------------
def norms_bar(lang: str = "en") -> go.Figure:
    """An empty bar chart of per-token norms; fill it with :func:`update_norms`."""
    words = _text(lang)
    bar = go.Bar(
        marker_color=_BAR,
        hovertemplate=f"%{{x}}<br>{_esc(words['norm'])} %{{y:.6g}}<extra></extra>",
    )
    layout = _layout(
        300,
        xaxis=_axis(type="category", tickangle=-60, title=dict(text=_esc(words["token"]))),
        yaxis=_axis(title=dict(text=_esc(words["norm"])), rangemode="tozero"),
    )
    return go.Figure(bar, layout=layout)


def update_norms(fig, norms: np.ndarray, tokens: Sequence[str], path: str, lang: str = "en"):
    """Show one L2 norm per token in a figure from :func:`norms_bar`, in place; returns ``fig``."""
    norms = np.asarray(norms)
    if norms.shape != (len(tokens),):
        raise ValueError(f"{len(tokens)} tokens for norms of shape {norms.shape}")
    with fig.batch_update():
        trace = fig.data[0]
        trace.x, trace.y = token_labels(tokens), norms
        fig.layout.title.text = _esc(_text(lang)["norms"].format(path=path))
    return fig


# -- the lens ----------------------------------------------------------------------------------
def lens_figure(task: str, lang: str = "en") -> go.Figure:
    """An empty lens figure for ``task`` ("classify" or "answer"); fill it with :func:`update_lens`.

    Classification: one heatmap, a row per layer (embeddings first, the prediction last) and a
    column per class. Question answering: two heatmaps over the tokens, start logits above and
    end logits below, a row per layer, one colour scale.
    """
    words = _text(lang)
    if task == "classify":
        heat = go.Heatmap(
            colorscale=_SCALE,
            colorbar=dict(thickness=12),
            hovertemplate=f"{_esc(words['layer'])}: %{{y}}<br>{_esc(words['class'])}: %{{x}}"
            "<br>%{z:.6f}<extra></extra>",
            texttemplate="%{z:.2f}",
        )
        layout = _layout(
            360,
            xaxis=_axis(type="category", title=dict(text=_esc(words["class"]))),
            yaxis=_axis(type="category", autorange="reversed"),
        )
        layout["title"]["text"] = _esc(words["lens"])
        return go.Figure(heat, layout=layout)
    if task != "answer":
        raise ValueError(f"task must be 'classify' or 'answer', got {task!r}")
    traces = [
        go.Heatmap(
            coloraxis="coloraxis",
            xaxis=xaxis,
            yaxis=yaxis,
            name=_esc(words[which]),
            hovertemplate=f"{_esc(words['layer'])}: %{{y}}<br>{_esc(words['token'])}: %{{x}}"
            f"<br>{_esc(words[which])} %{{z:.6g}}<extra></extra>",
        )
        for which, xaxis, yaxis in (("start", "x", "y"), ("end", "x2", "y2"))
    ]
    layout = _layout(
        560,
        coloraxis=dict(colorscale=_SCALE, colorbar=dict(thickness=12, title=dict(text="logit"))),
        xaxis=_axis(type="category", anchor="y", showticklabels=False),
        yaxis=_axis(type="category", autorange="reversed", domain=[0.56, 1.0],
                    title=dict(text=_esc(words["start"]))),
        xaxis2=_axis(type="category", anchor="y2", tickangle=-60, matches="x"),
        yaxis2=_axis(type="category", autorange="reversed", domain=[0.0, 0.44],
                     title=dict(text=_esc(words["end"]))),
    )  # fmt: skip
    layout["title"]["text"] = _esc(words["qa_lens"])
    return go.Figure(traces, layout=layout)


def update_lens(
    fig,
    lens: Sequence,
    *,
    labels: Sequence[str] | None = None,
    tokens: Sequence[str] | None = None,
    function: str | None = None,
    lang: str = "en",
):
    """Show a trace's lens in a figure from :func:`lens_figure`, in place; returns ``fig``.

    Parameters
    ----------
    fig : go.Figure or PlotWidget
        From ``lens_figure("classify")`` (``lens`` holds ``{label: score}`` dicts, ``labels``
        names their columns) or ``lens_figure("answer")`` (``lens`` holds ``(start, end)``
        arrays over ``tokens``).
    function : str or None
        How classification scores were made ("softmax", "sigmoid", "none"): softmax and
        sigmoid scores are drawn on a fixed 0-1 scale.
    """
    words = _text(lang)
    rows = layer_labels(len(lens), lang)
    if len(fig.data) == 1:  # classification
        if labels is None:
            raise ValueError("a classification lens needs its labels")
        z = np.array([[entry[label] for label in labels] for entry in lens], dtype=float)
        fixed = function in ("softmax", "sigmoid")
        scale = words["score"].get(function or "none", words["score"]["none"])
        with fig.batch_update():
            trace = fig.data[0]
            trace.z, trace.x, trace.y = z, token_labels(labels), rows
            trace.zmin, trace.zmax = (0.0, 1.0) if fixed else (None, None)
            trace.zauto = not fixed
            trace.colorbar.title.text = _esc(scale)
            trace.texttemplate = "%{z:.2f}" if len(labels) <= 12 else None
        return fig
    if tokens is None:
        raise ValueError("a question-answering lens needs its tokens")
    starts = np.array([np.asarray(entry[0], dtype=np.float32) for entry in lens])
    ends = np.array([np.asarray(entry[1], dtype=np.float32) for entry in lens])
    if starts.shape[-1:] != (len(tokens),):
        raise ValueError(f"{len(tokens)} tokens for lens logits of shape {starts.shape}")
    columns = token_labels(tokens)
    with fig.batch_update():
        for trace, z in zip(fig.data, (starts, ends), strict=True):
            trace.z, trace.x, trace.y = z, columns, rows
    return fig
