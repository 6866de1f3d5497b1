"""Side-by-side comparison widget: two aligned module trees, the shared backbone folded (anywidget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .options import check_options

__all__ = ["CompareWidget"]

STATIC = Path(__file__).parent / "static"
LANGS = ("en", "ko")


class CompareWidget(anywidget.AnyWidget):
    """Two models' module trees side by side, aligned row by row.

    Build it with ``explorer.compare(a, b)`` (a :class:`~explorer.compare.Comparison` displays as
    this widget) or :meth:`from_comparison`.

    Notes
    -----
    Synced traits (all JSON, no tensors):

    ``rows``
        One dict per module path in either model, parents first: ``path, name, depth, status``
        ("same", "changed", "only_a", "only_b"), ``type_a, type_b, repr_a, repr_b, params_a,
        params_b`` (None where absent; for "same" rows ``type_b``/``repr_b`` are None because
        they equal A's), ``reasons``, ``differs_below``. Python to browser.
    ``folds``
        Runs of rows with identical subtrees, ``{start, stop, count, params}`` (``rows[start:
        stop]``), shown as one "N identical modules" line that opens. Python to browser.
    ``summary``
        :meth:`~explorer.compare.Summary.to_dict` (numbers, changed list, ``text`` in en / ko).
    ``labels``
        ``[label_a, label_b]`` column titles.
    ``lang``
        "en" or "ko": the language of the summary line and of the widget's own words. A host
        may set it (e.g. from a language switch).
    ``selected``
        The path of the clicked row ("" is the root), browser to Python and back; a host app
        can observe it (``widget.observe(fn, "selected")``) to show ``explorer.explain(model,
        path, lang)`` for the selected module.
    ``height``
        Pixel height of the scrolling rows area.
    """

    _esm = STATIC / "compare.js"
    _css = STATIC / "compare.css"

    rows = traitlets.List([]).tag(sync=True)
    folds = traitlets.List([]).tag(sync=True)
    summary = traitlets.Dict({}).tag(sync=True)
    labels = traitlets.List(["A", "B"]).tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(520).tag(sync=True)

    @traitlets.validate("lang")
    def _valid_lang(self, proposal):
        value = proposal["value"]
        if value not in LANGS:
            raise traitlets.TraitError(f"unknown lang {value!r}; choose one of 'en', 'ko'")
        return value

    @traitlets.validate("selected")
    def _valid_selected(self, proposal):
        value = proposal["value"]
        paths = {r["path"] for r in self.rows}
        if self.rows and value not in paths:
            raise traitlets.TraitError(f"neither model has a module at path {value!r}")
        return value

    @classmethod
    def from_comparison(cls, comparison, **kwargs: Any) -> CompareWidget:
        """A widget showing ``comparison`` (an :class:`~explorer.compare.Comparison`).

        Parameters
        ----------
        comparison : Comparison
            What ``explorer.compare(a, b)`` returned.
        **kwargs
            Initial trait values, e.g. ``lang="ko"`` or ``height=400``.
        """
        check_options(cls, kwargs)
        return cls(**comparison.payload(), **kwargs)
