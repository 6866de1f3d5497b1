"""Plotly figures for the task heads: class-probability bars and start/end logits over tokens."""

from __future__ import annotations

import html

import plotly.graph_objects as go

_START, _END, _SPAN = "#1f77b4", "#d62728", "rgba(44, 160, 44, 0.18)"


def _esc(value) -> str:
    """Text as Plotly must show it: HTML-escaped (Plotly renders tags in labels and hovers)."""
    return html.escape(str(value), quote=True)


def _bars_data(details) -> dict:
    labels = [_esc(label) for label in details.labels]
    return dict(
        x=list(range(len(labels))),
        y=list(details.probabilities),
        customdata=[[label, logit] for label, logit in zip(labels, details.logits, strict=True)],
        ticktext=labels,
    )


def class_bars(details, title: str | None = None) -> go.Figure:
    """Bar chart of class scores from a :class:`~explorer.heads.ClassifyDetails`.

    Parameters
    ----------
    details : ClassifyDetails
        Result of :func:`explorer.classify_details`.
    title : str, optional
        Figure title (escaped); defaults to the scoring function.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace, bars in class-index order; labels come from ``config.id2label`` and the
        hover shows each logit.
    """
    fig = go.Figure(
        go.Bar(
            name="score",
            marker_color=_START,
            hovertemplate="%{customdata[0]}<br>score %{y:.4f}<br>logit %{customdata[1]:.4f}"
            "<extra></extra>",
        ),
        layout=dict(
            template="plotly_white",
            height=320,
            margin=dict(l=50, r=20, t=50, b=60),
            xaxis=dict(type="category", tickmode="array"),
            yaxis=dict(title=dict(text="score")),
        ),
    )
    update_class_bars(fig, details, title)
    return fig


def update_class_bars(fig, details, title: str | None = None):
    """Refresh a figure made by :func:`class_bars` in place (works on a ``go.FigureWidget``).

    Parameters
    ----------
    fig : go.Figure or go.FigureWidget
        Figure from :func:`class_bars`.
    details : ClassifyDetails
        New result.
    title : str, optional
        New title (escaped).

    Returns
    -------
    The same ``fig``.
    """
    data = _bars_data(details)
    if title is None:
        title = f"{details.function} scores" + (" (text truncated)" if details.truncated else "")
    with fig.batch_update():
        bar = fig.data[0]
        bar.x, bar.y, bar.customdata = data["x"], data["y"], data["customdata"]
        fig.layout.xaxis.tickvals = data["x"]
        fig.layout.xaxis.ticktext = data["ticktext"]
        fig.layout.title.text = _esc(title)
    return fig


def _window(details, window: int):
    n = len(details.windows)
    if isinstance(window, bool) or not isinstance(window, int):
        raise TypeError(f"window must be an int, got {type(window).__name__}")
    if not 0 <= window < n:
        raise ValueError(f"window {window} is out of range: this answer has {n} window(s)")
    return details.windows[window]


def span_logits(details, window: int = 0, title: str | None = None) -> go.Figure:
    """Start and end logits over the tokens of one window of an :class:`~explorer.heads.AnswerDetails`.

    Parameters
    ----------
    details : AnswerDetails
        Result of :func:`explorer.answer_details`.
    window : int
        Which window (chunk of the context) to show, from 0.
    title : str, optional
        Figure title (escaped); defaults to the question and the window's best span.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``start`` and ``end`` over token positions (a category axis labelled with the
        escaped tokens); the window's best span is shaded by a rectangle shape.
    """
    fig = go.Figure(
        [
            go.Scatter(name="start", mode="lines+markers", line_color=_START),
            go.Scatter(name="end", mode="lines+markers", line_color=_END),
        ],
        layout=dict(
            template="plotly_white",
            height=360,
            margin=dict(l=50, r=20, t=60, b=90),
            xaxis=dict(type="category", tickmode="array", tickangle=-60),
            yaxis=dict(title=dict(text="logit")),
            legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
        ),
    )
    for trace in fig.data:
        trace.hovertemplate = (
            "%{customdata[0]}<br>" + trace.name + " logit %{y:.3f}<br>probability "
            "%{customdata[1]:.3f}<extra></extra>"
        )
    update_span_logits(fig, details, window, title)
    return fig


def update_span_logits(fig, details, window: int = 0, title: str | None = None):
    """Refresh a figure made by :func:`span_logits` in place, e.g. for another window.

    Parameters
    ----------
    fig : go.Figure or go.FigureWidget
        Figure from :func:`span_logits`.
    details : AnswerDetails
        Result to show.
    window : int
        Window index, from 0.
    title : str, optional
        New title (escaped).

    Returns
    -------
    The same ``fig``.
    """
    win = _window(details, window)
    tokens = [_esc(token) for token in win.tokens]
    x = list(range(len(tokens)))
    best = win.best
    if title is None:
        found = f"best: {best['answer']!r} ({best['score']:.3f})" if best else "no span"
        title = f"{details.question} | window {window + 1}/{len(details.windows)} | {found}"
    shapes = []
    if best is not None:
        shapes.append(
            dict(
                type="rect",
                xref="x",
                yref="paper",
                x0=best["start_token"] - 0.5,
                x1=best["end_token"] + 0.5,
                y0=0,
                y1=1,
                fillcolor=_SPAN,
                line_width=0,
                layer="below",
            )
        )
    with fig.batch_update():
        for trace, logits, probs in (
            (fig.data[0], win.start_logits, win.start_probs),
            (fig.data[1], win.end_logits, win.end_probs),
        ):
            trace.x, trace.y = x, list(logits)
            trace.customdata = [[t, p] for t, p in zip(tokens, probs, strict=True)]
        fig.layout.xaxis.tickvals = x
        fig.layout.xaxis.ticktext = tokens
        fig.layout.shapes = shapes
        fig.layout.title.text = _esc(title)
    return fig
