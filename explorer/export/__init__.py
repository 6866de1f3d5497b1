"""One self-contained HTML page of a model: module tree, parameter treemap, last predictions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .data import page_data, plotly_figure, result_text
from .html import page_html, script_json

__all__ = ["save_html", "page_data", "page_html", "script_json", "result_text", "plotly_figure"]


def save_html(
    model_or_explorer: Any,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    max_depth: int | None = None,
) -> Path:
    """Write one self-contained HTML page: module tree, parameter treemap, last predictions.

    The page opens from disk with no network and no kernel: the tree widget's own script, the
    data and plotly.js are all inside it. Model text reaches the page only as text.

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
