"""Plotly figures of one traced run: per-token norms and the lens by layer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import BLUE, CLEAR, GRID, SCALE, esc, figure

__all__ = [
    "TEXT",
    "token_labels",
    "layer_labels",
    "norms_bar",
    "update_norms",
    "lens_figure",
    "update_lens",
    "update_token_lens",
    "visible_token",
    "logit_lens_figure",
    "update_logit_lens",
]

_ZW = "\u200b"  # zero-width space: tells repeated tokens apart on a category axis, invisibly

#: Figure texts in English and Korean (the Explorer's two languages).
TEXT = {
    "en": {
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
        "tag_lens": "Lens: each layer's probability for each token's final label (only the last "
        "row is the model's)",
        "tag_top": "this layer's top label",
        "final": "final label",
        "start": "start logit",
        "end": "end logit",
        "score": {"softmax": "probability", "sigmoid": "score (sigmoid)", "none": "value"},
        "logit_lens": "Logit lens: the likeliest next token at each position, read from every "
        "layer (only the last row is the model's)",
        "input_token": "input token (each column predicts the token after it)",
        "top": "top-1 probability",
        "predicted": "likeliest next tokens",
    },
    "ko": {
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
        "tag_lens": "렌즈: 각 층이 토큰마다 최종 레이블에 주는 확률 (마지막 행만 모델의 값)",
        "tag_top": "이 층의 최고 레이블",
        "final": "최종 레이블",
        "start": "시작 로짓",
        "end": "끝 로짓",
        "score": {"softmax": "확률", "sigmoid": "점수 (시그모이드)", "none": "값"},
        "logit_lens": "로짓 렌즈: 각 층에서 읽은 위치별 가장 그럴듯한 다음 토큰 (마지막 행만 "
        "모델의 예측)",
        "input_token": "입력 토큰 (각 열은 그다음 토큰을 예측)",
        "top": "1위 확률",
        "predicted": "가장 그럴듯한 다음 토큰",
    },
}


def _text(lang: str) -> dict:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(map(repr, TEXT))}, got {lang!r}")
    return TEXT[lang]


def token_labels(tokens: Sequence[str]) -> list[str]:
    """Category labels for tokens: escaped, repeats told apart by trailing zero-width spaces.

    A category axis merges equal labels, so the second "the" becomes ``"the\\u200b"``: it
    reads the same but keeps its own row or column. An empty token shows as "∅".
    """
    seen: dict[str, int] = {}
    out = []
    for token in tokens:
        label = esc(token) or "\u2205"
        count = seen.get(label, 0)
        seen[label] = count + 1
        out.append(label + _ZW * count)
    return out


def visible_token(text: str, limit: int | None = None) -> str:
    """A decoded token as a label: spaces, newlines and tabs made visible ("␣the", "↵"), at
    most ``limit`` characters (elided with "…"); not escaped (:func:`token_labels` and
    ``esc`` escape)."""
    shown = str(text).replace("\n", "\u21b5").replace("\t", "\u21e5").replace("\r", "\u240d")
    core = shown.strip(" ")
    if not core:
        shown = "\u2423" * len(shown)
    elif core != shown:
        head = len(shown) - len(shown.lstrip(" "))
        tail = len(shown) - len(shown.rstrip(" "))
        shown = "\u2423" * head + core + "\u2423" * tail
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "\u2026"
    return shown or "\u2205"


def layer_labels(count: int, lang: str = "en") -> list[str]:
    """``["embeddings", "block 1", ..., "block N = prediction"]`` for ``count`` lens entries."""
    words = _text(lang)
    labels = [words["embeddings"]] + [words["block"].format(i=i) for i in range(1, count)]
    labels[-1] = words["prediction"].format(label=labels[-1]) if count > 1 else labels[-1]
    return labels[:count]


def _axis(**extra) -> dict:
    return dict(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True, **extra)


def _layout(height: int, **extra) -> dict:
    """Transparent backgrounds (the page's theme shows through), a left-aligned title."""
    return dict(
        template="none",
        paper_bgcolor=CLEAR,
        plot_bgcolor=CLEAR,
        height=height,
        margin=dict(l=60, r=20, t=56, b=40),
        title=dict(x=0.01, xanchor="left", y=0.97, yanchor="top", font=dict(size=14)),
        **extra,
    )


def _token_height(n: int) -> int:
    return int(min(900, max(380, 160 + 16 * n)))


# -- per-token norms ---------------------------------------------------------------------------
def norms_bar(lang: str = "en") -> go.Figure:
    """An empty bar chart of per-token norms; fill it with :func:`update_norms`."""
    words = _text(lang)
    bar = go.Bar(
        marker_color=BLUE,
        hovertemplate=f"%{{x}}<br>{esc(words['norm'])} %{{y:.6g}}<extra></extra>",
    )
    layout = _layout(
        300,
        xaxis=_axis(type="category", tickangle=-60, title=dict(text=esc(words["token"]))),
        yaxis=_axis(title=dict(text=esc(words["norm"])), rangemode="tozero"),
    )
    return figure(bar, layout=layout)


def update_norms(fig, norms: np.ndarray, tokens: Sequence[str], path: str, lang: str = "en"):
    """Show one L2 norm per token in a figure from :func:`norms_bar`, in place; returns ``fig``."""
    norms = np.asarray(norms)
    if norms.shape != (len(tokens),):
        raise ValueError(f"{len(tokens)} tokens for norms of shape {norms.shape}")
    with fig.batch_update():
        trace = fig.data[0]
        trace.x, trace.y = token_labels(tokens), norms
        fig.layout.title.text = esc(_text(lang)["norms"].format(path=path))
    return fig


# -- the lens ----------------------------------------------------------------------------------
def lens_figure(task: str, lang: str = "en") -> go.Figure:
    """An empty lens figure for ``task`` ("classify", "answer" or "tag"); fill it with
    :func:`update_lens` (:func:`update_token_lens` for "tag").

    Classification: one heatmap, a row per layer (embeddings first, the prediction last) and a
    column per class. Question answering: two heatmaps over the tokens, start logits above and
    end logits below, a row per layer, one colour scale.
    """
    words = _text(lang)
    if task == "classify":
        heat = go.Heatmap(
            colorscale=SCALE,
            colorbar=dict(thickness=12),
            hovertemplate=f"{esc(words['layer'])}: %{{y}}<br>{esc(words['class'])}: %{{x}}"
            "<br>%{z:.6f}<extra></extra>",
            texttemplate="%{z:.2f}",
        )
        layout = _layout(
            360,
            xaxis=_axis(type="category", title=dict(text=esc(words["class"]))),
            yaxis=_axis(type="category", autorange="reversed"),
        )
        layout["title"]["text"] = esc(words["lens"])
        return figure(heat, layout=layout)
    if task == "tag":
        return _token_lens_figure(words)
    if task == "next_token":
        return logit_lens_figure(lang)
    if task != "answer":
        raise ValueError(f"task must be 'classify', 'answer', 'tag' or 'next_token', got {task!r}")
    traces = [
        go.Heatmap(
            coloraxis="coloraxis",
            xaxis=xaxis,
            yaxis=yaxis,
            name=esc(words[which]),
            hovertemplate=f"{esc(words['layer'])}: %{{y}}<br>{esc(words['token'])}: %{{x}}"
            f"<br>{esc(words[which])} %{{z:.6g}}<extra></extra>",
        )
        for which, xaxis, yaxis in (("start", "x", "y"), ("end", "x2", "y2"))
    ]
    layout = _layout(
        560,
        coloraxis=dict(colorscale=SCALE, colorbar=dict(thickness=12, title=dict(text="logit"))),
        xaxis=_axis(type="category", anchor="y", showticklabels=False),
        yaxis=_axis(type="category", autorange="reversed", domain=[0.56, 1.0],
                    title=dict(text=esc(words["start"]))),
        xaxis2=_axis(type="category", anchor="y2", tickangle=-60, matches="x"),
        yaxis2=_axis(type="category", autorange="reversed", domain=[0.0, 0.44],
                     title=dict(text=esc(words["end"]))),
    )  # fmt: skip
    layout["title"]["text"] = esc(words["qa_lens"])
    return figure(traces, layout=layout)


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
            trace.colorbar.title.text = esc(scale)
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


# -- the lens of a token classifier ---------------------------------------------------------------
def _token_lens_figure(words: dict) -> go.Figure:
    """A row per layer, a column per token: the probability each layer gives to the label the
    model finally chose for the token (hover: the layer's own top label)."""
    heat = go.Heatmap(
        colorscale=SCALE,
        zmin=0.0,
        zmax=1.0,
        colorbar=dict(thickness=12),
        hovertemplate=f"{esc(words['layer'])}: %{{y}}<br>{esc(words['token'])}: %{{x}}"
        f"<br>{esc(words['final'])} %{{customdata[0]}}: %{{z:.4f}}"
        f"<br>{esc(words['tag_top'])}: %{{customdata[1]}} %{{customdata[2]:.4f}}<extra></extra>",
    )
    layout = _layout(
        360,
        xaxis=_axis(type="category", tickangle=-60, title=dict(text=esc(words["token"]))),
        yaxis=_axis(type="category", autorange="reversed"),
    )
    layout["title"]["text"] = esc(words["tag_lens"])
    return figure(heat, layout=layout)


def update_token_lens(fig, lens: Sequence, *, tokens: Sequence[str], labels: Sequence[str],
                      lang: str = "en"):  # fmt: skip
    """Show a token classifier's lens in a figure from ``lens_figure("tag")``, in place.

    Parameters
    ----------
    fig : go.Figure or PlotWidget
        From ``lens_figure("tag")``.
    lens : sequence of numpy.ndarray
        ``[tokens, labels]`` probabilities per layer (:attr:`explorer.trace.Trace.lens`); the
        last entry is the model's prediction.
    tokens, labels : sequence of str
        The trace's tokens and label names.
    """
    words = _text(lang)
    entries = [np.asarray(entry, dtype=np.float32) for entry in lens]
    if any(entry.shape != (len(tokens), len(labels)) for entry in entries):
        raise ValueError(f"{len(tokens)} tokens x {len(labels)} labels for lens entries of shapes "
                         f"{[entry.shape for entry in entries]}")  # fmt: skip
    final = entries[-1].argmax(axis=-1) if entries else np.zeros(0, dtype=int)
    columns = np.arange(len(tokens))
    z = np.array([entry[columns, final] for entry in entries])
    names = np.array([esc(label) for label in labels], dtype=object)
    custom = [
        [[names[f], names[t], float(entry[i, t])] for i, (f, t) in
         enumerate(zip(final, entry.argmax(axis=-1), strict=True))]
        for entry in entries
    ]  # fmt: skip
    with fig.batch_update():
        heat = fig.data[0]
        heat.z, heat.x, heat.y = z, token_labels(tokens), layer_labels(len(entries), lang)
        heat.customdata = custom
        heat.colorbar.title.text = esc(words["score"]["softmax"])
    return fig


# -- the logit lens of a causal LM --------------------------------------------------------------
_CELL = 8  # characters of a predicted token written in its cell


def logit_lens_figure(lang: str = "en") -> go.Figure:
    """An empty logit-lens grid; fill it with :func:`update_logit_lens`.

    A row per layer (embeddings first, the model's prediction last), a column per input
    position; each cell names the likeliest next token read from that layer at that position,
    coloured by its probability; the hover lists the likeliest tokens.
    """
    words = _text(lang)
    heat = go.Heatmap(
        colorscale=SCALE,
        zmin=0.0,
        zmax=1.0,
        colorbar=dict(thickness=12, title=dict(text=esc(words["top"]))),
        texttemplate="%{text}",
        textfont=dict(size=10),
        hovertemplate=f"{esc(words['layer'])}: %{{y}}<br>{esc(words['token'])}: %{{x}}"
        f"<br>{esc(words['predicted'])}:<br>%{{customdata}}<extra></extra>",
    )
    layout = _layout(
        360,
        xaxis=_axis(type="category", tickangle=-60, title=dict(text=esc(words["input_token"]))),
        yaxis=_axis(type="category", autorange="reversed"),
    )
    layout["title"]["text"] = esc(words["logit_lens"])
    return figure(heat, layout=layout)


def update_logit_lens(fig, lens: Sequence[dict], tokens: Sequence[str], lang: str = "en"):
    """Show a causal LM trace's logit lens in a figure from :func:`logit_lens_figure`, in place.

    Parameters
    ----------
    fig : go.Figure or PlotWidget
        From :func:`logit_lens_figure`.
    lens : sequence of dict
        :attr:`explorer.trace.Trace.lens` of a ``"next_token"`` trace: per layer,
        ``positions`` (into ``tokens``) and, per position, the likeliest ``tokens`` and their
        ``probs``.
    tokens : sequence of str
        The trace's input tokens.

    Returns
    -------
    The same ``fig``.
    """
    if not lens:
        raise ValueError("the logit lens has no layers")
    positions = list(lens[0]["positions"])
    if positions and not 0 <= positions[0] <= positions[-1] < len(tokens):
        raise ValueError(f"lens positions {positions[0]}..{positions[-1]} for {len(tokens)} tokens")
    z = np.array([[float(p[0]) for p in entry["probs"]] for entry in lens], dtype=float)
    text = [[esc(visible_token(row[0], _CELL)) for row in entry["tokens"]] for entry in lens]
    hover = [
        [
            "<br>".join(
                f"{esc(visible_token(t, 40))} {float(p):.4f}"
                for t, p in zip(row, probs, strict=True)
            )
            for row, probs in zip(entry["tokens"], entry["probs"], strict=True)
        ]
        for entry in lens
    ]
    columns = token_labels([tokens[i] for i in positions])
    rows = layer_labels(len(lens), lang)
    with fig.batch_update():
        trace = fig.data[0]
        trace.z, trace.x, trace.y = z, columns, rows
        trace.text, trace.customdata = text, hover
        fig.layout.height = int(min(900, max(300, 140 + 30 * len(rows))))
    return fig
