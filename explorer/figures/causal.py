"""Plotly figure of a causal LM's next-token distribution: one bar per likely token, best on top."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from .style import BLUE, CLEAR, GRID, ORANGE, esc, figure
from .trace import token_labels, visible_token

__all__ = ["token_bars", "update_token_bars"]

_LABEL = 24  # characters of a token written on the axis


def token_bars(title: str = "") -> go.Figure:
    """An empty next-token bar chart; fill it with :func:`update_token_bars`.

    Horizontal bars, the likeliest token on top; the hover gives the token as decoded, its id
    and its probability.
    """
    bar = go.Bar(
        orientation="h",
        marker_color=BLUE,
        hovertemplate="%{customdata[0]}<br>id %{customdata[1]}<br>probability %{x:.6f}"
        "<extra></extra>",
    )
    layout = dict(
        template="none",
        paper_bgcolor=CLEAR,
        plot_bgcolor=CLEAR,
        height=320,
        margin=dict(l=110, r=20, t=50, b=40),
        title=dict(text=esc(title), x=0.01, xanchor="left", font=dict(size=14)),
        xaxis=dict(title=dict(text="probability"), rangemode="tozero",
                   gridcolor=GRID, automargin=True),
        yaxis=dict(type="category", autorange="reversed", automargin=True),
    )  # fmt: skip
    return figure(bar, layout=layout)


def update_token_bars(fig, rows: Sequence[dict], title: str, chosen: int | None = None):
    """Show ``rows`` (``{"token", "token_id", "score"}``, best first) in a figure from
    :func:`token_bars`, in place; the row at index ``chosen`` (a generated token) is
    coloured apart. Token texts are escaped. Returns ``fig``."""
    labels = token_labels([visible_token(row["token"], _LABEL) for row in rows])
    hover = [[esc(repr(row["token"])), int(row["token_id"])] for row in rows]
    colors = [ORANGE if i == chosen else BLUE for i in range(len(rows))]
    with fig.batch_update():
        bar = fig.data[0]
        bar.x = [float(row["score"]) for row in rows]
        bar.y = labels
        bar.customdata = hover
        bar.marker.color = colors
        fig.layout.title.text = esc(title)
        fig.layout.height = int(max(220, 90 + 24 * len(rows)))
    return fig
