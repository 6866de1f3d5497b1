"""Side-by-side comparison widget: synced fields and message routing over the lazy compare pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..compare import Comparison
from ..compare.pages import ComparePages
from .options import check_options

__all__ = ["CompareWidget"]

STATIC = Path(__file__).parents[1] / "static"  # built from js/ (tools/build_js.py)
LANGS = ("en", "ko")


class CompareWidget(anywidget.AnyWidget):
    """Two models' module trees side by side, aligned row by row; loads what is opened.

    Build it with ``explorer.compare(a, b)`` (a :class:`~explorer.compare.Comparison` displays as
    this widget), ``CompareWidget(comparison)`` or :meth:`from_comparison`.

    Parameters
    ----------
    comparison : Comparison
        What ``explorer.compare(a, b)`` returned.
    lang : {"en", "ko"}
        Language of the summary line and of the widget's own words.
    height : int
        Pixel height of the scrolling rows area.
    selected : str
        The initially selected path ("" is the root).

    Notes
    -----
    Synced traits (all JSON, no tensors; the rows are not among them):

    ``initial``
        Set once: the first page of the main list, the page size and the row counts by status
        (:meth:`explorer.compare.pages.ComparePages.initial`). Python to browser.
    ``summary``
        :meth:`~explorer.compare.summary.Summary.to_dict` with its path lists cut to 20
        entries (their full lengths in ``n_changed``, ``n_only_a``, ``n_only_b``); ``text`` in
        en / ko.
    ``labels``
        ``[label_a, label_b]`` column titles.
    ``lang``
        "en" or "ko". A host may set it (e.g. from a language switch).
    ``selected``
        The path of the clicked row ("" is the root), browser to Python and back; a host app
        can observe it (``widget.observe(fn, "selected")``) to show ``explorer.explain(model,
        path, lang)`` for the selected module. Set from Python, the browser opens the way to it.
    ``height``
        Pixel height of the scrolling rows area.

    Everything else travels as custom messages the browser asks for, answered by
    :class:`~explorer.compare.pages.ComparePages` (``.pages``): ``{"op": "page" | "reveal",
    "id": ...}``, each answered by one message carrying the same ``id``.
    """

    _esm = STATIC / "compare.js"
    _css = STATIC / "compare.css"

    initial = traitlets.Dict().tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    labels = traitlets.List(["A", "B"]).tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(520).tag(sync=True)

    def __init__(
        self,
        comparison: Comparison,
        *,
        lang: str = "en",
        height: int = 520,
        selected: str = "",
        **kwargs: Any,
    ) -> None:
        check_options(type(self), kwargs)
        for own in ("initial", "summary", "labels"):
            if own in kwargs:
                raise TypeError(f"CompareWidget sets {own!r} from the comparison; do not pass it")
        self.pages = ComparePages(comparison)
        super().__init__(
            initial=self.pages.initial(),
            summary=self.pages.summary(),
            labels=[comparison.label_a, comparison.label_b],
            lang=lang,
            height=height,
            **kwargs,
        )
        self.selected = selected
        self.on_msg(self._on_msg)

    @property
    def comparison(self) -> Comparison:
        """The :class:`~explorer.compare.Comparison` shown."""
        return self.pages.comparison

    @classmethod
    def from_comparison(cls, comparison: Comparison, **kwargs: Any) -> CompareWidget:
        """A widget showing ``comparison`` (same as ``CompareWidget(comparison, **kwargs)``).

        Parameters
        ----------
        comparison : Comparison
            What ``explorer.compare(a, b)`` returned.
        **kwargs
            ``lang="ko"``, ``height=400``, ``selected=...`` or other widget traits.
        """
        return cls(comparison, **kwargs)

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: dict) -> str:
        value = proposal["value"]
        if value not in LANGS:
            raise traitlets.TraitError(f"unknown lang {value!r}; choose one of 'en', 'ko'")
        return value

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict) -> str:
        value = proposal["value"]
        try:
            self.comparison.row(value)
        except KeyError as exc:
            raise traitlets.TraitError(exc.args[0]) from None
        return value

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.send(self.pages.reply(content))

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v:,}" for k, v in self.initial.get("counts", {}).items())
        return f"CompareWidget(A: {self.labels[0]}, B: {self.labels[1]}; {counts})"

    def state_bytes(self) -> int:
        """Size in bytes of the first message's state (all synced traits, JSON), as measured."""
        return len(json.dumps(self.get_state(), separators=(",", ":")).encode())
