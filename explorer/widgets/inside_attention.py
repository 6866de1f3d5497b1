"""The Inside view's attention part: one layer's weights per head, its mask, and how it attends."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets
from torch import nn

from ..explain.structure import is_attention as named_attention
from ..figures import attention as fa
from ..figures.inside_text import attention_facts, head_label, words
from ..trace import is_attention
from ..trace.attention import attention_kind
from .plot import PlotWidget

__all__ = ["AttentionPart", "facts_html"]


def facts_html(facts: list[tuple[str, str]]) -> str:
    """The facts as escaped paragraphs, each label in bold."""
    esc = html.escape
    return "".join(f"<p><b>{esc(label)}</b>: {esc(text, quote=True)}</p>" for label, text in facts)


class AttentionPart:
    """What the Inside view shows of an attention module: the head picker, the facts of the
    layer (positions, heads, mask, window, softcap, where the weights come from) and the
    heatmap with the cells the layer masked drawn apart.

    The trace decides what is attention (:func:`explorer.trace.is_attention`); a module whose
    class says it is attention, or that the trace knows but cannot read, gets the trace's reason.

    Parameters
    ----------
    model : nn.Module or None
        The panel's model (the tree's paths are its ``named_modules()``).
    lang : {"en", "ko"}
        The language of the figure.

    Attributes
    ----------
    head_picker : ipywidgets.Dropdown
        One option per query head (with the key/value head it uses when heads are grouped).
    facts : ipywidgets.HTML
        The layer's facts, shown above the heatmap.
    plot : PlotWidget
        The heatmap.
    info : AttentionInfo or None
        The layer shown last.
    lines : list of str
        The facts as plain ``"label: sentence"`` lines (for the view's text).
    """

    def __init__(self, model: Any, lang: str) -> None:
        self.model = model if isinstance(model, nn.Module) else None
        self._modules = dict(model.named_modules()) if self.model is not None else {}
        self.head_picker = ipywidgets.Dropdown(options=[("head 1", 0)], value=0, description="Head")
        self.head_picker.layout = ipywidgets.Layout(width="auto", display="none")
        self.facts = ipywidgets.HTML(layout=ipywidgets.Layout(display="none"))
        self.facts.add_class("xp-inside-facts")
        self.plot = PlotWidget(fa.attention_heatmap(lang))
        self.info: Any = None
        self.lines: list[str] = []
        self._read: tuple = (None, None, None)  # ((trace id, path, call), weights, info)
        self._targets: dict[str, bool] = {}

    def wants(self, path: str) -> bool:
        """Whether the module at ``path`` gets this part: attention the trace reads, attention it
        knows but cannot read (then its reason is shown), or a class named ``...Attention...``
        (e.g. BERT's ``attention`` holding ``self``)."""
        if path not in self._targets:
            module = self._modules.get(path)
            self._targets[path] = module is not None and (
                is_attention(self.model, path)
                or attention_kind(module) is not None
                or named_attention(module)
            )
        return self._targets[path]

    def reset(self) -> None:
        """Forget the weights read (a new trace)."""
        self._read = (None, None, None)

    def hide(self) -> None:
        """Nothing of this part shows (another kind of module is selected)."""
        self.head_picker.layout.display = "none"
        self.facts.layout.display = "none"
        self.info, self.lines = None, []

    def show(self, t: Any, path: str, call: int, head: int, lang: str, drawn: dict,
             messages: list[str]) -> str:  # fmt: skip
        """Draw head ``head`` of call ``call`` of the attention at ``path`` in trace ``t``.

        Returns the "Shown: ..." line, or "" with the trace's reason added to ``messages``
        when there is nothing to draw. ``drawn`` holds what each plot shows (equal redraws
        are skipped).
        """
        w = words(lang)
        self.hide()
        if self._read[0] != (id(t), path, call):  # a head switch reuses them
            try:
                info = t.attention_info(path, call)
                self._read = ((id(t), path, call), t.attention(info.path, info.call), info)
            except ValueError as exc:
                messages.append(w["no_attention"].format(where=path, why=exc))
                return ""
        _, weights, info = self._read
        heads = weights.shape[0]
        options = [(head_label(info, i, lang), i) for i in range(heads)]
        if list(self.head_picker.options) != options:
            self.head_picker.options = options
        head = min(head, heads - 1)
        self.head_picker.value = head
        self.head_picker.description = w["head"]
        self.head_picker.layout.display = None
        facts = attention_facts(info, lang)
        self.info, self.lines = info, [f"{label}: {text}" for label, text in facts]
        self.facts.value = facts_html(facts)
        self.facts.layout.display = None
        messages.extend(info.notes)  # e.g. a softcap SDPA ignores (English, from the trace)
        key = (id(t), path, call, head, lang)
        if drawn.get("attention") != key:
            fa.update_attention(self.plot, weights, t.tokens, info.path, head, lang, info)
            drawn["attention"] = key
        if info.kv_heads == heads:
            return w["shown_attention"].format(head=head + 1, heads=heads)
        kv = info.kv_head_of[head] + 1
        return w["shown_grouped"].format(head=head + 1, heads=heads, kv=kv, kvs=info.kv_heads)

    def close(self) -> None:
        """Close this part's widgets."""
        for widget in (self.head_picker, self.facts, self.plot):
            widget.close()
