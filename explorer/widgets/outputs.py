"""How an Explorer shows in a notebook: the widget, then its static view for pages with no kernel."""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["WIDGET_VIEW", "with_static_view", "display_pair"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def with_static_view(data: dict[str, Any] | None, view: Callable[[], str]) -> dict | None:
    """``data`` (a widget's bundle) with ``view()`` (its static view) as ``text/html``.

    A failure to build the view never hides the widget: the bundle then carries its text.
    """
    if not data:
        return data
    try:
        data["text/html"] = view()
    except Exception as exc:
        warnings.warn(f"explorer: no static view ({type(exc).__name__}: {exc})", stacklevel=3)
        data["text/html"] = f"<pre>{html.escape(data['text/plain'])}</pre>"
    return data


def display_pair(data: dict[str, Any] | None, text: str) -> None:
    """Display a bundle from :func:`with_static_view` as two outputs: the widget, then the view.

    One output holding both shows only the widget wherever a widget renderer exists, also
    where its model is gone: ``nbconvert --execute`` saves the widget state, and its page then
    loads the widget manager from a CDN (blank offline); a notebook reopened after its kernel
    stopped says "model not found". As its own output the static view shows there; JupyterLab
    and Notebook 7 hide it beside a widget that renders (``export.html.beside_widget``), and the
    live tree hides it elsewhere. ``text`` is the view's ``text/plain``; a closed widget
    (``data`` None) shows only that.
    """
    from IPython.display import display

    view = (data or {}).get(WIDGET_VIEW)
    if view is None:
        display({"text/plain": text}, raw=True)
        return
    from ..export.html import beside_widget

    display({WIDGET_VIEW: view, "text/plain": ""}, raw=True)
    display({"text/html": beside_widget(data["text/html"]), "text/plain": text}, raw=True)
