"""A model's static view: one renderer for the notebook fallback (an HTML fragment) and save_html."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .data import export_part, page_data, panel_part, plotly_figure, result_text
from .html import page_html, script_json, view_html

__all__ = [
    "save_html",
    "fallback_html",
    "page_data",
    "page_html",
    "view_html",
    "script_json",
    "result_text",
    "plotly_figure",
    "export_part",
    "panel_part",
]


def fallback_html(
    model_or_explorer: Any, *, title: str | None = None, beside: str | None = None
) -> str:
    """The static view as one self-contained HTML fragment: what a notebook keeps beside the
    widget, for pages with no kernel (nbconvert, Jupyter Book, nbviewer, GitHub).

    Module tree (nested ``<details>`` with no script; the whole tree, search and details once
    its inline script runs), an SVG treemap, the selected module's details and explanation, and
    the panels' last results. No network; CSS scoped to the fragment; ids unique per call.

    Parameters
    ----------
    model_or_explorer
        As for :func:`save_html`.
    title
        Heading (text); default: the model's class name.
    beside
        The ``static_key`` of the live tree this view stands in for: where that tree renders
        (a front-end with the kernel), it hides this view.

    Returns
    -------
    str
        The ``text/html`` fragment.
    """
    return view_html(page_data(model_or_explorer, title=title, figures=False), beside=beside)


def save_html(
    model_or_explorer: Any,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    max_depth: int | None = None,
) -> Path:
    """Write one self-contained HTML page: module tree, parameter treemap, last predictions.

    The page opens from disk with no network and no kernel: the view of :func:`fallback_html`
    in a page shell, plus plotly.js when a panel has a figure to draw. Model text reaches the
    page only as text.

    Parameters
    ----------
    model_or_explorer
        A ``torch.nn.Module``, a transformers pipeline, or an :class:`explorer.Explorer` (its
        selection, treemap and panels' last figures and results are included). Never modified.
    path
        The ``.html`` file to write (overwritten if it is a file; its directory must exist).
    title
        Page title (text); default: the model's class name.
    max_depth
        Levels below the root to include in the tree and treemap (None: all).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``model_or_explorer`` is not a module, pipeline or Explorer, or ``path`` not a path.
    FileNotFoundError
        If the directory of ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a directory.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
    out = Path(path)
    if out.is_dir():
        raise IsADirectoryError(f"{str(out)!r} is a directory; give a file name like page.html")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(out)!r}: directory {str(out.parent)!r} does "
                                "not exist")  # fmt: skip
    text = page_html(page_data(model_or_explorer, title=title, max_depth=max_depth))
    out.write_text(text, encoding="utf-8")
    return out
