"""Plotly figures for the task heads: class-probability bars and start/end logits over tokens."""

from __future__ import annotations

import plotly.graph_objects as go

from .style import BLUE, CLEAR, GREEN, GREY, GRID, ORANGE, PURPLE, esc, figure


def _bars_data(details) -> dict:
    labels = [esc(label) for label in details.labels]
    return dict(
        x=list(range(len(labels))),
        y=list(details.probabilities),
        customdata=[[label, logit] for label, logit in zip(labels, details.logits, strict=True)],
        ticktext=labels,
    )


# What the bars show, by how the logits became scores ("none": as given, e.g. by a function).
_SCORE_TITLES = {
    "softmax": "class probabilities (softmax)",
    "sigmoid": "label probabilities (sigmoid, each on its own)",
    "none": "scores",
}


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
    fig = figure(
        go.Bar(
            name="score",
            marker_color=BLUE,
            hovertemplate="%{customdata[0]}<br>score %{y:.4f}<br>logit %{customdata[1]:.4f}"
            "<extra></extra>",
        ),
        layout=dict(
            paper_bgcolor=CLEAR,  # the front-end's own background, light or dark
            plot_bgcolor=CLEAR,
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
        title = _SCORE_TITLES.get(details.function, "scores")
        title += " (text truncated)" if details.truncated else ""
    with fig.batch_update():
        bar = fig.data[0]
        bar.x, bar.y, bar.customdata = data["x"], data["y"], data["customdata"]
        fig.layout.xaxis.tickvals = data["x"]
        fig.layout.xaxis.ticktext = data["ticktext"]
        fig.layout.title.text = esc(title)
    return fig


# -- start/end logits over one window's tokens ------------------------------------------------------
# Translucent bands: the answer's, the question's (colours of :mod:`.style` otherwise).
_ANSWER_FILL, _QUESTION_FILL = "rgba(44, 158, 75, 0.28)", "rgba(138, 138, 138, 0.22)"
NEAR = 36  # tokens shown around the answer at first; the range slider reaches the others


def _window(details, window: int):
    n = len(details.windows)
    if isinstance(window, bool) or not isinstance(window, int):
        raise TypeError(f"window must be an int, got {type(window).__name__}")
    if not 0 <= window < n:
        raise ValueError(f"window {window} is out of range: this answer has {n} window(s)")
    return details.windows[window]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def answer_tokens(win, start: int, end: int) -> tuple[int, int] | None:
    """First and last token of ``win`` covering context characters ``start..end``.

    Parameters
    ----------
    win : QAWindow
        One window of an :class:`~explorer.heads.AnswerDetails`.
    start, end : int
        Character span in the context.

    Returns
    -------
    (int, int) or None
        Token positions in the window; None when the span is empty or not wholly in the window.
    """
    lo, hi = win.context_span
    if end <= start or not lo <= start < end <= hi:
        return None
    hits = [
        i
        for i, (ctx, (a, b)) in enumerate(zip(win.is_context, win.offsets, strict=True))
        if ctx and a < end and b > start
    ]
    return (hits[0], hits[-1]) if hits else None


def answer_window(details) -> int:
    """The window the top answer is reported from (0 when there is no answer).

    The window whose best span is the answer; else the one holding it with the highest
    start x end probability; for "no answer" (an empty span) the window with the lowest
    "no answer" score, the one that decided.
    """
    windows = details.windows
    if not details.results or not windows:
        return 0
    top = details.results[0]
    if top["end"] <= top["start"]:
        return min(range(len(windows)), key=lambda i: windows[i].null_score)
    for i, win in enumerate(windows):
        if win.best and (win.best["start"], win.best["end"]) == (top["start"], top["end"]):
            return i
    best, index = -1.0, 0
    for i, win in enumerate(windows):
        span = answer_tokens(win, top["start"], top["end"])
        if span is not None and win.start_probs[span[0]] * win.end_probs[span[1]] > best:
            best, index = win.start_probs[span[0]] * win.end_probs[span[1]], i
    return index


def _role(win, i: int) -> str:
    """``context``, ``question``, ``null`` (the "no answer" slot, [CLS]) or ``special``."""
    if win.is_context[i]:
        return "context"
    if win.sequence_ids[i] is None:
        return "null" if win.candidate[i] else "special"
    return "question"


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """Contiguous runs of True as (first, last) positions."""
    runs, first = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and first is None:
            first = i
        elif not flag and first is not None:
            runs.append((first, i - 1))
            first = None
    return runs


def _band(span, name: str, fill: str, line: dict, group: str, legend: bool) -> dict:
    return dict(
        type="rect", xref="x", yref="paper", x0=span[0] - 0.5, x1=span[1] + 0.5, y0=0, y1=1,
        fillcolor=fill, line=line, layer="below", name=name, legendgroup=group, showlegend=legend,
    )  # fmt: skip


def _tokens_word(span) -> str:
    return f"token {span[0]}" if span[0] == span[1] else f"tokens {span[0]}\u2013{span[1]}"


def _span_shapes(win, roles: list[str], answer, best) -> list[dict]:
    """Bands: question tokens, special tokens, the answer, this window's best span if not it."""
    shapes = []
    masked = all(not win.candidate[i] for i, r in enumerate(roles) if r == "question")
    name = "question (never the answer)" if masked else "question"
    for k, run in enumerate(_runs([r == "question" for r in roles])):
        shapes.append(_band(run, name, _QUESTION_FILL, dict(width=0), "question", k == 0))
    dotted = dict(color=GREY, width=1, dash="dot")
    for k, run in enumerate(_runs([r in ("null", "special") for r in roles])):
        name = "special tokens ([CLS] = \u201cno answer\u201d)"
        shapes.append(_band(run, name, CLEAR, dotted, "special", k == 0))
    if answer is not None:
        text, span = answer
        name = f"answer: \u201c{esc(_short(text, 30))}\u201d ({_tokens_word(span)})"
        if not text:
            name = f"answer: no answer ({esc(win.tokens[span[0]])}, token {span[0]})"
        line = dict(color=GREEN, width=1)
        shapes.append(_band(span, name, _ANSWER_FILL, line, "answer", True))
    if best is not None:
        text, span = best
        name = (
            f"this window\u2019s best: \u201c{esc(_short(text, 30))}\u201d ({_tokens_word(span)})"
        )
        line = dict(color=PURPLE, width=2, dash="dash")
        shapes.append(_band(span, name, CLEAR, line, "best", True))
    return shapes


def _tick(token: str, role: str) -> str:
    token = esc(token)
    if role == "context":
        return token
    return f'<span style="color:{GREY}"><i>{token}</i></span>'


def _hover_role(win, i: int, role: str) -> str:
    if role == "context":
        return f"context, characters {win.offsets[i][0]}\u2013{win.offsets[i][1]}"
    if role == "question":
        return "question: never the answer" if not win.candidate[i] else "question"
    if role == "null":
        return "the \u201cno answer\u201d slot"
    return "special token"


def window_note(details, index: int) -> str:
    """Plain text: how window ``index`` relates to the top answer ("" for a lone window holding it).

    E.g. "the answer\u2019s window", "the answer is not in this window (it is in window 2)".
    """
    win, home = _window(details, index), answer_window(details)
    top = details.results[0] if details.results else None
    if top is None:
        return "no answer"
    parts = details.sources[0] if getattr(details, "sources", None) else []
    if index == home:
        if len({p["window"] for p in parts}) > 1:
            others = sorted({p["window"] + 1 for p in parts} - {home + 1})
            return (
                f"the answer\u2019s window; its score adds {len(parts)} spans with the same text "
                f"(also in window{'s' if len(others) > 1 else ''} {', '.join(map(str, others))})"
            )
        return "the answer\u2019s window" if len(details.windows) > 1 else ""
    if not top["answer"]:
        return f"the \u201cno answer\u201d verdict comes from window {home + 1}"
    if answer_tokens(win, top["start"], top["end"]) is not None:
        return f"holds the answer too; it is reported from window {home + 1}"
    if win.best is not None and win.best["answer"].lower() == top["answer"].lower():
        return (
            f"its best span repeats the answer\u2019s text at characters {win.best['start']}\u2013"
            f"{win.best['end']}: equal texts add their scores (answer from window {home + 1})"
        )
    return f"the answer is not in this window (it is in window {home + 1})"


def _title(details, index: int) -> str:
    win, n = details.windows[index], len(details.windows)
    head = esc(_short(details.question, 90)) or "start and end logits"
    if n == 1:
        where = f"{len(win.tokens)} tokens, one window"
    else:
        a, b = win.context_span
        where = f"window {index + 1} of {n} (characters {a}\u2013{b})"
    note = window_note(details, index)
    line = esc(where + (f" \u2014 {note}" if note else ""))
    return f'{head}<br><span style="font-size:12px">{line}</span>'


def span_logits(details, window: int | None = None, title: str | None = None) -> go.Figure:
    """Start and end logits over the tokens of one window of an :class:`~explorer.heads.AnswerDetails`.

    Parameters
    ----------
    details : AnswerDetails
        Result of :func:`explorer.answer_details`.
    window : int or None
        Which window (chunk of the context) to show, from 0; None: the answer's window
        (:func:`answer_window`).
    title : str, optional
        Figure title (escaped), shown as the legend's title; defaults to the question and which
        window this is.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``start`` and ``end`` (logits) over token positions (tick labels are the
        escaped tokens; question and special tokens in grey italics, hollow markers where a
        token can never be the answer). Bands with legend entries mark the question tokens,
        the special tokens, the answer's tokens and, when it differs, the window's best span.
        The x range first shows ~:data:`NEAR` tokens around the answer; a range slider below
        shows all of them and widens the view. Backgrounds are transparent (light/dark pages).
    """
    # maxdisplayed: all markers in a view of ~NEAR tokens, a thinned few in the range slider
    marker = dict(size=7, maxdisplayed=NEAR + 4)
    traces = [
        go.Scatter(name=name, mode="lines+markers", line=dict(color=color, width=1.5),
                   marker=dict(marker, color=color, line=dict(color=color, width=1.5)))
        for name, color in (("start", BLUE), ("end", ORANGE))
    ]  # fmt: skip
    axis = dict(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    fig = figure(
        traces,
        layout=dict(
            template="none",
            paper_bgcolor=CLEAR,
            plot_bgcolor=CLEAR,
            height=440,
            margin=dict(l=55, r=20, t=20, b=40),
            hovermode="x",
            xaxis=dict(
                axis,
                type="linear",
                tickmode="array",
                tickangle=-60,
                title=dict(text="token (position in the window)", standoff=6),
                rangeslider=dict(thickness=0.09, bgcolor=CLEAR, bordercolor=GRID, borderwidth=1),
            ),  # fmt: skip
            yaxis=dict(axis, title=dict(text="logit: answer starts / ends here"), fixedrange=True),
            # The title is the legend's own (above its entries): one block that Plotly makes room
            # for, however many rows the entries wrap to (a figure title drawn at a fixed place
            # was covered by the legend in a narrow panel).
            legend=dict(
                orientation="h",
                x=0,
                xanchor="left",
                y=1.0,
                yanchor="bottom",
                bgcolor=CLEAR,
                title=dict(side="top", font=dict(size=14)),
            ),
        ),  # fmt: skip
    )
    for trace in fig.data:
        trace.hovertemplate = (
            "%{customdata[0]} (token %{customdata[3]}) \u00b7 %{customdata[2]}<br>" + trace.name
            + " logit %{y:.3f} \u00b7 probability %{customdata[1]}<extra></extra>"
        )  # fmt: skip
    update_span_logits(fig, details, window, title)
    return fig


def update_span_logits(fig, details, window: int | None = None, title: str | None = None):
    """Refresh a figure made by :func:`span_logits` in place, e.g. for another window.

    Parameters
    ----------
    fig : go.Figure, go.FigureWidget or PlotWidget
        Figure from :func:`span_logits`.
    details : AnswerDetails
        Result to show.
    window : int or None
        Window index, from 0; None: the answer's window.
    title : str, optional
        New title (escaped).

    Returns
    -------
    The same ``fig``.
    """
    home = answer_window(details)
    index = home if window is None else window
    win = _window(details, index)
    n = len(win.tokens)
    roles = [_role(win, i) for i in range(n)]
    top = details.results[0] if details.results else None
    answer = best = None
    own = win.best is not None and top is not None
    own = own and (win.best["start"], win.best["end"]) == (top["start"], top["end"])
    if own:  # the model's own start and end tokens (word alignment may widen the characters)
        answer = (top["answer"], (win.best["start_token"], win.best["end_token"]))
    elif top is not None and top["answer"]:
        span = answer_tokens(win, top["start"], top["end"])
        answer = (top["answer"], span) if span is not None else None
    elif top is not None and index == home and "null" in roles:
        answer = ("", (roles.index("null"),) * 2)
    if win.best is not None and not own:
        best = (win.best["answer"], (win.best["start_token"], win.best["end_token"]))
    focus = answer or best
    centre = (focus[1][0] + focus[1][1]) // 2 if focus else roles.index("context") if (
        "context" in roles) else 0  # fmt: skip
    lo = max(0, min(centre - NEAR // 2, n - NEAR))
    hi = min(n, lo + NEAR) - 1
    if title is None:
        title = _title(details, index)
    else:
        title = esc(title)
    x = list(range(n))
    symbols = ["circle" if win.candidate[i] else "circle-open" for i in range(n)]
    tokens = [esc(t) for t in win.tokens]
    kinds = [esc(_hover_role(win, i, r)) for i, r in enumerate(roles)]
    with fig.batch_update():
        for trace, logits, probs in (
            (fig.data[0], win.start_logits, win.start_probs),
            (fig.data[1], win.end_logits, win.end_probs),
        ):
            trace.x, trace.y = x, list(logits)
            trace.marker.symbol = symbols
            trace.customdata = [
                [t, f"{p:.3f}" if win.candidate[i] else "0 (masked)", k, i]
                for i, (t, p, k) in enumerate(zip(tokens, probs, kinds, strict=True))
            ]
        fig.layout.xaxis.tickvals = x
        fig.layout.xaxis.ticktext = [_tick(t, r) for t, r in zip(win.tokens, roles, strict=True)]
        fig.layout.xaxis.range = [lo - 0.5, hi + 0.5] if n else None
        fig.layout.xaxis.rangeslider.visible = n > NEAR
        fig.layout.shapes = _span_shapes(win, roles, answer, best)
        fig.layout.legend.title.text = title
    return fig
