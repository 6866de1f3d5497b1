"""The Explorer's "Explain" panel: the selected module in plain English or Korean."""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets
import traitlets

from ..anatomy import ModuleNode
from ..explain import explain
from .options import check_options
from .panels.chrome import PanelChrome

__all__ = ["ExplainPanel", "LANGS"]

LANGS = {"en": "English", "ko": "한국어"}


class ExplainPanel(ipywidgets.VBox):
    """Explains one module of a model; follows the Explorer's selection.

    Parameters
    ----------
    model
        The ``nn.Module`` whose modules are explained.
    tree
        Its :func:`~explorer.module_tree` (reused, so counts are not built again).
    lang
        ``"en"`` or ``"ko"``; the switch in the panel changes it.

    Attributes
    ----------
    lang : str
        The language shown (``"en"`` or ``"ko"``); setting it re-explains the current path.
    path : str
        The module explained now.
    text : str
        The explanation shown, as plain text.
    """

    lang = traitlets.Unicode("en")
    path = traitlets.Unicode("")
    text = traitlets.Unicode("")

    def __init__(self, model: Any, tree: ModuleNode, lang: str = "en", **kwargs: Any) -> None:
        check_options(type(self), kwargs)
        self._model = model
        self._tree = tree
        self._switch = ipywidgets.ToggleButtons(
            options=[(label, code) for code, label in LANGS.items()],
            value=self._check_lang(lang),
            tooltips=["Explain in English", "한국어로 설명"],
            style={"button_width": "88px"},
        )
        self._title = ipywidgets.HTML()
        self._body = ipywidgets.HTML(layout={"max_width": "80em"})
        self._switch.observe(lambda ch: setattr(self, "lang", ch["new"]), "value")
        self._chrome = PanelChrome()
        super().__init__([self._switch, self._title, self._body, self._chrome], **kwargs)
        self.add_class("xp-panel")
        self.add_class("xp-explain")
        self.lang = self._switch.value
        self.show("")

    @staticmethod
    def _check_lang(lang: str) -> str:
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(map(repr, LANGS))}, got {lang!r}")
        return lang

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: dict) -> str:
        return self._check_lang(proposal["value"])

    @traitlets.observe("lang")
    def _lang_changed(self, change: dict) -> None:
        self._switch.value = change["new"]
        self.show(self.path)

    def show(self, path: str, _node: ModuleNode | None = None) -> str:
        """Explain the module at ``path`` (also the Explorer's ``on_select`` callback)."""
        try:
            text = explain(self._model, path, lang=self.lang, tree=self._tree)
        except Exception as exc:  # an explanation failing must not break the explorer
            text = f"No explanation for {path or '(root)'}: {type(exc).__name__}: {exc}"
        self.path = path
        self.text = text
        try:
            title = f"{path or '(root)'} · {self._tree.find(path).type}"
        except (KeyError, TypeError):
            title = path or "(root)"
        # Model text is escaped: these widgets render HTML.
        self._title.value = f"<b>{escape(title)}</b>"
        paras = [p for p in text.split("\n") if p.strip()]
        self._body.value = "".join(f"<p>{escape(p)}</p>" for p in paras)
        return text
