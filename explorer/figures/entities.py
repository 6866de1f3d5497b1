"""Plotly figure of token classification: every token's label probabilities, the chosen ones ticked."""

from __future__ import annotations

import plotly.graph_objects as go

from .style import CLEAR, GRID, SCALE, esc, figure
from .trace import _axis, _layout

__all__ = ["TEXT", "NEAR", "token_scores", "update_token_scores"]

_TICK = "\u2713"  # marks each token's most probable label
NEAR = 40  # tokens shown at first; the range slider below reaches the others

#: The figure's texts in English and Korean.
TEXT = {
    "en": {
        "title": "Label probabilities of each token (\u2713 = the token's label)",
        "window": "window {i} of {n}",
        "cut": "text truncated",
        "token": "token (position in the window)",
        "label": "label",
        "probability": "probability",
        "special": "special token: transformers gives it no result",
        "chars": "characters {a}\u2013{b}",
        "chosen": " \u2190 this token's label",
    },
    "ko": {
        "title": "토큰별 레이블 확률 (\u2713 = 토큰의 레이블)",
        "window": "창 {i}/{n}",
        "cut": "텍스트가 잘림",
        "token": "토큰 (창 안의 위치)",
        "label": "레이블",
        "probability": "확률",
        "special": "특수 토큰: transformers는 결과를 내지 않습니다",
        "chars": "문자 {a}\u2013{b}",
        "chosen": " \u2190 이 토큰의 레이블",
    },
}


def _words(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(map(repr, TEXT))}, got {lang!r}")
    return TEXT[lang]


def token_scores(details=None, window: int = 0, lang: str = "en") -> go.Figure:
    """A heatmap of one window's label probabilities: a column per token, a row per label.

    Parameters
    ----------
    details : TagDetails or None
        Result of :func:`explorer.tag_details` (None: an empty figure).
    window : int
        Which window, from 0.
    lang : {"en", "ko"}
        Language of the texts.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap (probabilities 0-1, Viridis) with a tick on each token's most probable
        label; the hover names the token, its characters and the label's probability. Special
        tokens are in italics (no result is given for them). More than :data:`NEAR` tokens:
        the first ones are shown and a range slider reaches the rest. Backgrounds are
        transparent (light and dark pages).
    """
    words = _words(lang)
    heat = go.Heatmap(
        colorscale=SCALE,
        zmin=0.0,
        zmax=1.0,
        colorbar=dict(thickness=12, title=dict(text=esc(words["probability"]))),
        texttemplate="%{text}",
        hovertemplate="%{customdata[0]} (token %{customdata[3]}) \u00b7 %{customdata[1]}<br>"
        "%{y}: %{z:.4f}%{customdata[2]}<extra></extra>",
        xgap=1,
        ygap=1,
    )
    layout = _layout(
        300,
        xaxis=_axis(
            type="linear",
            tickmode="array",
            tickangle=-60,
            title=dict(text=esc(words["token"]), standoff=6),
            rangeslider=dict(thickness=0.08, bgcolor=CLEAR, bordercolor=GRID, borderwidth=1),
        ),
        yaxis=_axis(type="category", autorange="reversed", fixedrange=True,
                    title=dict(text=esc(words["label"]))),
    )  # fmt: skip
    fig = figure(heat, layout=layout)
    if details is not None:
        update_token_scores(fig, details, window, lang)
    return fig


def update_token_scores(fig, details, window: int = 0, lang: str = "en"):
    """Show ``details`` (window ``window``) in a figure from :func:`token_scores`, in place.

    Returns the same ``fig`` (a ``go.Figure`` or a ``PlotWidget``).
    """
    words = _words(lang)
    n_windows = len(details.windows)
    if isinstance(window, bool) or not isinstance(window, int):
        raise TypeError(f"window must be an int, got {type(window).__name__}")
    if not 0 <= window < max(n_windows, 1):
        raise ValueError(f"window {window} is out of range: this result has {n_windows} window(s)")
    win = details.windows[window] if n_windows else None
    labels = [esc(label) for label in details.labels]
    tokens = [] if win is None else [esc(t) for t in win.tokens]
    n = len(tokens)
    z = win.probabilities.T.tolist() if n else []
    chosen = win.predicted if n else []
    text, custom = [], []
    for row in range(len(labels)):
        text.append([_TICK if chosen[i] == row and not win.special[i] else "" for i in range(n)])
        custom.append([_cell(win, i, row == chosen[i], tokens, words) for i in range(n)])
    title = esc(words["title"])
    extra = []
    if n_windows > 1:
        extra.append(words["window"].format(i=window + 1, n=n_windows))
    if details.truncated:
        extra.append(words["cut"])
    if extra:
        title += f'<br><span style="font-size:12px">{esc(" · ".join(extra))}</span>'
    x = list(range(n))
    with fig.batch_update():
        heat = fig.data[0]
        heat.z, heat.x, heat.y, heat.text, heat.customdata = z, x, labels, text, custom
        fig.layout.xaxis.tickvals = x
        fig.layout.xaxis.ticktext = [
            f"<i>{t}</i>" if win.special[i] else t for i, t in enumerate(tokens)
        ]
        fig.layout.xaxis.range = [-0.5, min(n, NEAR) - 0.5] if n else None
        fig.layout.xaxis.rangeslider.visible = n > NEAR
        fig.layout.height = 150 + 24 * len(labels) + (40 if n > NEAR else 0)
        fig.layout.title.text = title
        fig.layout.xaxis.title.text = esc(words["token"])
        fig.layout.yaxis.title.text = esc(words["label"])
        heat.colorbar.title.text = esc(words["probability"])
    return fig


def _cell(win, i: int, chosen: bool, tokens: list[str], words: dict) -> list[str]:
    """Hover data of one cell: the token, where it is, whether it is the token's label."""
    if win.special[i]:
        where = words["special"]
    elif win.offsets is not None:
        a, b = win.offsets[i]
        where = words["chars"].format(a=a, b=b)
    else:
        where = ""
    return [tokens[i], esc(where), esc(words["chosen"]) if chosen else "", i]
