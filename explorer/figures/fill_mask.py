"""Plotly figures for fill-mask: each mask's guesses as bars, and the token lens (layers x tokens)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import BLUE, CLEAR, GRID, figure
from .trace import layer_labels, token_labels

__all__ = [
    "TEXT",
    "MAX_MASKS_SHOWN",
    "mask_bars",
    "update_mask_bars",
    "token_lens_figure",
    "update_token_lens",
]

#: Masks drawn at most (the status line says how many more there are).
MAX_MASKS_SHOWN = 8

#: The figures' texts in English and Korean.
TEXT = {
    "en": {
        "title": "Guesses for each {mask} (probability)",
        "none": "no {mask} in the text",
        "mask": "{mask} {n} (token {position})",
        "probability": "probability",
        "token": "token id",
        "lens": "Lens: the masked-LM head's likeliest token at every position, layer by layer "
        "(only the last row is the prediction)",
        "top": "top-1 probability",
        "layer": "layer",
        "input": "input token",
    },
    "ko": {
        "title": "각 {mask}의 추측 (확률)",
        "none": "텍스트에 {mask}가 없습니다",
        "mask": "{mask} {n} (토큰 {position})",
        "probability": "확률",
        "token": "토큰 id",
        "lens": "렌즈: 각 층에서 마스크 언어 모델 헤드가 위치마다 가장 그럴듯하다고 본 토큰 "
        "(마지막 행만 예측)",
        "top": "1위 확률",
        "layer": "층",
        "input": "입력 토큰",
    },
}


def _words(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(map(repr, TEXT))}, got {lang!r}")
    return TEXT[lang]


def _esc_all(texts: Sequence[str]) -> list[str]:
    """Escaped labels, repeats told apart (see :func:`explorer.figures.trace.token_labels`)."""
    return token_labels([str(t) for t in texts])


def _axis_name(kind: str, index: int) -> str:
    return kind if index == 0 else f"{kind}{index + 1}"


def mask_bars(details, lang: str = "en") -> go.Figure:
    """One horizontal bar chart per mask (at most :data:`MAX_MASKS_SHOWN`), stacked top to bottom.

    Parameters
    ----------
    details : FillMaskDetails
        A fill-mask result (:func:`explorer.fill_mask_details`); with no mask the figure is
        empty and its title says so.
    lang : {"en", "ko"}
        Language of the titles.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace ``i`` holds mask ``i``'s guesses best first: ``x`` the probabilities, ``y`` the
        guessed tokens (escaped, repeats told apart), the token ids in the hover.
    """
    words = _words(lang)
    masks = details.masks[:MAX_MASKS_SHOWN]
    shown = details.mask_token
    rows = max(len(masks), 1)
    gap = 0.12 / rows if rows > 1 else 0.0
    height_each = 48 + 24 * max((len(m) for m in masks), default=3)
    layout: dict = dict(
        template="none",
        paper_bgcolor=CLEAR,
        plot_bgcolor=CLEAR,
        height=int(70 + rows * height_each),
        margin=dict(l=130, r=20, t=50, b=40),
        showlegend=False,
        title=dict(
            text=_esc_all([words["title" if masks else "none"].format(mask=shown)])[0],
            x=0.01,
            xanchor="left",
        ),
    )
    traces = []
    for i, rows_of_mask in enumerate(masks):
        top = 1.0 - i / rows
        bottom = 1.0 - (i + 1) / rows + gap
        x_name, y_name = _axis_name("xaxis", i), _axis_name("yaxis", i)
        title = words["mask"].format(mask=shown, n=i + 1, position=details.positions[i])
        layout[y_name] = dict(
            domain=[max(bottom, 0.0), top], type="category", autorange="reversed",
            anchor=_axis_name("x", i), automargin=True, gridcolor=GRID,
            title=dict(text=_esc_all([title])[0], standoff=4),
        )  # fmt: skip
        layout[x_name] = dict(
            anchor=_axis_name("y", i), rangemode="tozero", gridcolor=GRID, zerolinecolor=GRID,
            title=dict(text=words["probability"]) if i == len(masks) - 1 else None,
        )  # fmt: skip
        traces.append(
            go.Bar(
                orientation="h",
                x=[row["score"] for row in rows_of_mask],
                y=_esc_all([row["token_str"] for row in rows_of_mask]),
                customdata=[[row["token"]] for row in rows_of_mask],
                xaxis=_axis_name("x", i),
                yaxis=_axis_name("y", i),
                marker_color=BLUE,
                texttemplate="%{x:.3g}",
                textposition="auto",
                hovertemplate=f"%{{y}}<br>{words['probability']} %{{x:.6f}}"
                f"<br>{words['token']} %{{customdata[0]}}<extra></extra>",
            )
        )
    if not masks:
        layout["xaxis"] = dict(visible=False)
        layout["yaxis"] = dict(visible=False)
    return figure(traces, layout=layout)


def update_mask_bars(fig, details, lang: str = "en"):
    """Show ``details`` in a figure from :func:`mask_bars` (a ``go.Figure`` or a ``PlotWidget``),
    in place: its traces and axes are replaced (the number of masks may change). Returns ``fig``."""
    fresh = mask_bars(details, lang)
    target = getattr(fig, "figure", fig)
    target.data = ()
    target.add_traces(list(fresh.data))
    target.layout = fresh.layout
    refresh = getattr(fig, "refresh", None)
    if callable(refresh):
        refresh()
    return fig


# -- the token lens (Inside view) -----------------------------------------------------------------
def token_lens_figure(lang: str = "en") -> go.Figure:
    """An empty token lens; fill it with :func:`update_token_lens`.

    One heatmap: a row per layer (the embeddings first, the prediction last), a column per
    input token; each cell is the head's likeliest token there (its text) and its probability
    (its colour), the hover lists the top tokens.
    """
    words = _words(lang)
    heat = go.Heatmap(
        colorscale="Viridis",
        zmin=0.0,
        zmax=1.0,
        colorbar=dict(thickness=12, title=dict(text=words["top"])),
        hovertemplate=f"{words['layer']}: %{{y}}<br>{words['input']}: %{{x}}"
        "<br>%{customdata}<extra></extra>",
        texttemplate="%{text}",
    )
    layout = dict(
        template="none",
        paper_bgcolor=CLEAR,
        plot_bgcolor=CLEAR,
        height=420,
        margin=dict(l=60, r=20, t=56, b=40),
        title=dict(text=_esc_all([words["lens"]])[0], x=0.01, xanchor="left", font=dict(size=14)),
        xaxis=dict(type="category", tickangle=-60, automargin=True, gridcolor=GRID),
        yaxis=dict(type="category", autorange="reversed", automargin=True, gridcolor=GRID),
    )
    return figure(heat, layout=layout)


def update_token_lens(fig, lens: Sequence[dict], tokens: Sequence[str], lang: str = "en"):
    """Show a fill-mask trace's lens (``{"ids", "tokens", "probs"}`` per layer, each
    ``[position][rank]``) over the input ``tokens`` in a figure from :func:`token_lens_figure`,
    in place. Returns ``fig``."""
    if any(len(entry["tokens"]) != len(tokens) for entry in lens):
        raise ValueError(f"{len(tokens)} input tokens for a lens over other positions")
    z = np.array([[row[0] for row in entry["probs"]] for entry in lens], dtype=float)
    best = [_esc_all([row[0] for row in entry["tokens"]]) for entry in lens]
    hover = [
        [
            "<br>".join(f"{t} {p:.4f}" for t, p in zip(_esc_all(names), probs, strict=True))
            for names, probs in zip(entry["tokens"], entry["probs"], strict=True)
        ]
        for entry in lens
    ]
    rows = layer_labels(len(lens), lang)
    with fig.batch_update():
        trace = fig.data[0]
        trace.z, trace.x, trace.y = z, token_labels(tokens), rows
        trace.text, trace.customdata = best, hover
        trace.texttemplate = "%{text}" if len(tokens) <= 40 else None
        fig.layout.height = int(min(900, max(360, 120 + 30 * len(rows))))
    return fig
