"""The Inside view: what the selected module computed for the input typed in the live panel."""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets
import traitlets
from torch import nn

from ..export import export_part
from ..figures import trace as ft
from ..figures.fill_mask import token_lens_figure, update_token_lens
from ..figures.inside_text import summary, words
from .options import check_options
from .panels.base import LivePanel
from .panels.chrome import PanelChrome
from .plot import PlotWidget

__all__ = ["InsideView", "is_attention"]

_INPUTS = ("text_box", "question_box", "context_box")  # the panels' input boxes, mirrored here
_PAIRS = ({"query", "key"}, {"q_lin", "k_lin"})


def is_attention(module: nn.Module) -> bool:
    """True for a module the view reads as attention: "Attention" in its class name, or its own
    query and key projections (``query``/``key`` or ``q_lin``/``k_lin``)."""
    names = set(dict(module.named_children()))
    return "attention" in type(module).__name__.lower() or any(p <= names for p in _PAIRS)


def _lens_figure(task: str, lang: str) -> Any:
    """The empty lens figure for a trace's task (a masked LM's shows tokens per position)."""
    return token_lens_figure(lang) if task == "fill_mask" else ft.lens_figure(task, lang)


def _paragraphs(texts: list[str]) -> str:
    """Escaped paragraphs: the only way model and user text reaches this view's HTML."""
    return "".join(f"<p>{html.escape(t, quote=True)}</p>" for t in texts if t)


class InsideView(ipywidgets.VBox):
    """Every module's work on the current input of a live panel, for the selected module.

    Selecting the model itself (path ``""``) shows the lens (the head on every layer);
    an attention module shows its weights with a head picker; every module shows the norm
    of each token's output vector, its shape and statistics. Figures are updated in place
    when the panel delivers a new trace (each keystroke) and when the selection changes.

    Parameters
    ----------
    panel : LivePanel
        A sentiment or question-answering panel; its traces are shown (its input boxes are
        mirrored at the top, so typing here drives it too).
    lang : {"en", "ko"}
        Language of the view's own texts (module notes from the trace are in English).

    Attributes
    ----------
    path : str
        The module shown (set it, or call :meth:`show`).
    head, call : int
        The attention head shown (from 0) and, for a module run several times, which call.
    kind : str
        What is shown: "lens", "attention", "norms" or "message" (text only).
    trace : Trace or None
        The run shown (the panel's last one).
    figure : PlotWidget or None
        The main figure shown (lens, attention heatmap, or the norms), None for text only.
    result : str
        Plain text: the module, the input, the output's shape and statistics, what is shown.
    messages : list of str
        The notes shown (why something is missing, what the lens is).
    render_seconds : float
        Time the last update of the view took (the trace itself excluded).
    """

    lang = traitlets.Unicode("en")
    path = traitlets.Unicode("")
    head = traitlets.Int(0)
    call = traitlets.Int(0)

    def __init__(self, panel: LivePanel, *, lang: str = "en", **kwargs: Any) -> None:
        check_options(type(self), kwargs)
        if not isinstance(panel, LivePanel):
            raise TypeError(f"InsideView needs a live task panel, got {type(panel).__name__}")
        words(lang)
        self.panel = panel
        model = getattr(panel, "model", None)
        self._modules = dict(model.named_modules()) if isinstance(model, nn.Module) else {}
        self.trace: Any = None
        self.kind, self.result, self.messages = "message", "", []
        self.render_seconds = 0.0
        self._closed = self._quiet = self._ready = False
        self._visible, self._behind = True, False  # see .visible
        self._drawn: dict[str, Any] = {}  # plot name -> what it shows now (skip equal redraws)
        self._weights: tuple = (None, None)  # ((trace id, path, call), attention weights)
        self._boxes, self._links = self._mirror(panel)
        self.heading = ipywidgets.HTML()
        self.heading.add_class("xp-inside-heading")
        self.notes = ipywidgets.HTML()
        self.notes.add_class("xp-inside-notes")
        self.head_picker = ipywidgets.Dropdown(options=[("head 1", 0)], value=0, description="Head")
        self.call_picker = ipywidgets.Dropdown(options=[("call 1 of 1", 0)], value=0)
        for picker in (self.head_picker, self.call_picker):
            picker.layout = ipywidgets.Layout(width="auto", display="none")
        self._pickers = ipywidgets.HBox([self.head_picker, self.call_picker])
        self.attention_plot = PlotWidget(ft.attention_heatmap(lang))
        self.norms_plot = PlotWidget(ft.norms_bar(lang))
        self.lens_plot: PlotWidget | None = None
        self._lens_task: str | None = None
        self.stats = ipywidgets.HTML()
        self.stats.add_class("xp-inside-stats")
        self._chrome = PanelChrome()
        super().__init__(**kwargs)
        self.add_class("xp-panel")
        self.add_class("xp-inside")
        self.lang = lang
        self._set_children()
        self.head_picker.observe(self._picked, "value")
        self.call_picker.observe(self._picked, "value")
        panel.on_trace(self._on_trace)
        self.trace = panel.trace
        self._ready = True
        self._render()

    # -- wiring -----------------------------------------------------------------------------------
    @staticmethod
    def _mirror(panel: LivePanel) -> tuple[list, list]:
        """Copies of the panel's input boxes, linked to them: typing here is typing there."""
        boxes, links = [], []
        for name in _INPUTS:
            source = getattr(panel, name, None)
            if not isinstance(source, (ipywidgets.Text, ipywidgets.Textarea)):
                continue
            extra = {"rows": 2} if isinstance(source, ipywidgets.Textarea) else {}
            box = type(source)(
                value=source.value, placeholder=source.placeholder,
                description=source.description, continuous_update=True,
                layout=ipywidgets.Layout(width="100%"), **extra,
            )  # fmt: skip
            box.add_class("xp-inside-input")
            boxes.append(box)
            links.append(ipywidgets.link((source, "value"), (box, "value")))
        return boxes, links

    def _set_children(self) -> None:
        """Each plot sits in a Box whose display hides it (a PlotWidget's ``layout`` is the
        figure's)."""
        names = ("lens_plot", "attention_plot", "norms_plot")
        old = getattr(self, "_plot_boxes", {})
        self._plot_boxes = {}
        for name in names:
            plot = getattr(self, name)
            if plot is None:
                continue
            box = old.get(name)
            if box is None or box.children != (plot,):
                box = ipywidgets.Box([plot], layout=ipywidgets.Layout(display="none"))
                box.add_class("xp-inside-plot")
            self._plot_boxes[name] = box
        self.children = (
            *self._boxes, self.heading, self.notes, self._pickers, *self._plot_boxes.values(),
            self.stats, self._chrome,
        )  # fmt: skip

    def _on_trace(self, trace: Any) -> None:
        """The panel's listener: a new trace (or None) on every input change."""
        if self._closed:
            return
        self.trace = trace
        self._weights, self._drawn = (None, None), {}  # a new trace: everything is redrawn
        self._render()

    def show(self, path: str, _node: Any = None) -> None:
        """Show the module at ``path`` (the Explorer's ``on_select`` callback)."""
        self.path = path if isinstance(path, str) else ""

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: dict) -> str:
        words(proposal["value"])
        return proposal["value"]

    @traitlets.observe("lang")
    def _lang_changed(self, change: dict) -> None:
        if change["old"] == change["new"] or not self._ready:
            return
        lang = change["new"]
        self._retext(self.attention_plot, ft.attention_heatmap(lang))
        self._retext(self.norms_plot, ft.norms_bar(lang))
        if self.lens_plot is not None:
            self._retext(self.lens_plot, _lens_figure(self._lens_task, lang))
        self._drawn.clear()
        self._render(force=True)  # one change, like a selection: current even while hidden

    @staticmethod
    def _retext(plot: PlotWidget, fresh: Any) -> None:
        """Give ``plot`` the texts of ``fresh`` (same figure, another language), data kept."""
        plot.figure.update_layout(fresh.layout.to_plotly_json())
        for old, new in zip(plot.figure.data, fresh.data, strict=True):
            props = new.to_plotly_json()
            props.pop("type", None)
            old.update(props)

    @traitlets.observe("path", "head", "call")
    def _selection_changed(self, _change: dict) -> None:
        # Drawn even while the tab is hidden: a selection is one change, not a keystroke each,
        # and code reading .kind / .result after setting the selection gets them current.
        if not self._quiet and self._ready:
            self._render(force=True)

    def _picked(self, _change: dict) -> None:
        if self._quiet:
            return
        self.head, self.call = self.head_picker.value, self.call_picker.value

    # -- what is shown ----------------------------------------------------------------------------
    @property
    def figure(self) -> PlotWidget | None:
        """The main figure shown now (for the exported page), or None when only text is."""
        plots = {"lens": self.lens_plot, "attention": self.attention_plot, "norms": self.norms_plot}
        return plots.get(self.kind)

    @property
    def visible(self) -> bool:
        """Whether the tab is shown; while hidden, new traces are drawn only when it opens."""
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self._visible = bool(value)
        if self._visible and self._behind:
            self._render()

    def catch_up(self) -> None:
        """Draw what a hidden tab skipped (before an export reads ``figure`` and ``result``)."""
        if self._behind:
            self._render(force=True)

    def export_part(self) -> dict[str, Any] | None:
        """This tab's part of the static view: what it shows now (a hidden tab catches up)."""
        self.catch_up()
        return export_part(self.figure, self.result)

    def _render(self, force: bool = False) -> None:
        if not (self._visible or force):  # typing goes on elsewhere: no figure per keystroke
            self._behind = True
            return
        self._behind = False
        began = time.perf_counter()
        self._quiet = True
        try:
            shown = self._render_now()
        except Exception as exc:  # a view failing must never break the panel feeding it
            shown = set()
            self.messages = [words(self.lang)["failed"].format(why=f"{type(exc).__name__}: {exc}")]
            self.kind, self.result = "message", self.messages[0]
        finally:
            self._quiet = False
        for name, box in self._plot_boxes.items():
            box.layout.display = None if name in shown else "none"
        if "attention_plot" not in shown:
            self.head_picker.layout.display = "none"
        self.notes.value = _paragraphs(self.messages)
        self.stats.value = _paragraphs(self.result.split("\n")[1:])  # the heading names it
        self.render_seconds = time.perf_counter() - began

    def _where(self) -> str:
        return self.path or words(self.lang)["model"]

    def _render_now(self) -> set[str]:
        """Update what the selection needs for the current trace; the names of the plots shown."""
        w, path, t = words(self.lang), self.path, self.trace
        module = self._modules.get(path)
        kind = type(module).__name__ if module is not None else "?"
        self.heading.value = f"<b>{html.escape(self._where())}</b> \u00b7 {html.escape(kind)}"
        self.messages, self.kind = [], "message"
        self.call_picker.layout.display = "none"
        if t is None:
            self.result = self._no_trace()
            return set()
        try:
            calls = t.calls(path)
        except KeyError as exc:
            self.result = w["unknown"].format(where=self._where(), why=exc.args[0])
            self.messages = [self.result]
            return set()
        call = self._pick_call(calls)
        out = t.output(path, call) if calls else t.output(path)
        shown: set[str] = set()
        line = ""
        if path == "":
            line = self._lens(t, shown)
        elif module is not None and is_attention(module):
            line = self._attention(t, path, call, shown)
        if path != "":
            norms_line = self._norms(t, path, out, module, shown)
            line = line or norms_line
        if t.windows > 1:
            self.messages.append(w["windows"].format(n=t.windows))
        if t.truncated:
            self.messages.append(w["truncated"].format(n=len(t.tokens)))
        if out.ran and out.note and out.tensor is not None:
            self.messages.append(out.note)  # e.g. changed in place later (English)
        self.kind = next((k for k in ("lens", "attention", "norms") if f"{k}_plot" in shown),
                         "message")  # fmt: skip
        self.result = summary(t, path, kind, out, line, self.lang)
        return shown

    def _no_trace(self) -> str:
        """Why there is nothing to show (also set as the only message); returns it."""
        w = words(self.lang)
        model = getattr(self.panel, "model", None)
        if not isinstance(model, nn.Module):
            text = w["not_module"].format(kind=type(model).__name__)
        else:
            status = getattr(getattr(self.panel, "status", None), "value", "") or w["no_input"]
            text = w["no_trace"].format(why=status)
        self.messages = [text]
        return text

    def _pick_call(self, calls: int) -> int:
        """Offer a call picker for a module run several times (ALBERT's shared layer)."""
        w = words(self.lang)
        options = [(w["call_n"].format(i=i + 1, n=calls), i) for i in range(max(calls, 1))]
        if list(self.call_picker.options) != options:
            self.call_picker.options = options
        call = min(self.call, len(options) - 1)
        self.call_picker.value = call
        self.call_picker.layout.display = None if calls > 1 else "none"
        return call

    def _lens(self, t: Any, shown: set[str]) -> str:
        w = words(self.lang)
        self.messages.append(t.lens_note.get(self.lang, t.lens_note["en"]))
        if t.lens is None:
            return ""
        plot = self._lens_for(t.task)
        key = (id(t), self.lang)
        if self._drawn.get("lens") != key:
            if t.task == "classify":
                ft.update_lens(plot, t.lens, labels=t.labels, function=t.function, lang=self.lang)
            elif t.task == "fill_mask":
                update_token_lens(plot, t.lens, t.tokens, lang=self.lang)
            else:
                ft.update_lens(plot, t.lens, tokens=t.tokens, lang=self.lang)
            self._drawn["lens"] = key
        shown.add("lens_plot")
        return w["shown_lens"]

    def _lens_for(self, task: str) -> PlotWidget:
        """The lens figure for ``task``, made on first use (and again only if the task changes)."""
        if self.lens_plot is None or self._lens_task != task:
            old = self.lens_plot
            self.lens_plot, self._lens_task = PlotWidget(_lens_figure(task, self.lang)), task
            self._drawn.pop("lens", None)
            self._set_children()
            if old is not None:
                old.close()
        return self.lens_plot

    def _attention(self, t: Any, path: str, call: int, shown: set[str]) -> str:
        w = words(self.lang)
        cached = self._weights
        if cached[0] != (id(t), path, call):  # a head switch reuses them
            try:
                cached = self._weights = ((id(t), path, call), t.attention(path, call))
            except ValueError as exc:
                self.messages.append(w["no_attention"].format(where=path, why=exc))
                return ""
        weights = cached[1]
        heads = weights.shape[0]
        options = [(w["head_n"].format(i=i + 1), i) for i in range(heads)]
        if list(self.head_picker.options) != options:
            self.head_picker.options = options
        head = min(self.head, heads - 1)
        self.head_picker.value = head
        self.head_picker.description = w["head"]
        self.head_picker.layout.display = None
        key = (id(t), path, call, head, self.lang)
        if self._drawn.get("attention") != key:
            ft.update_attention(self.attention_plot, weights, t.tokens, path, head, self.lang)
            self._drawn["attention"] = key
        shown.add("attention_plot")
        return w["shown_attention"].format(head=head + 1, heads=heads)

    def _norms(self, t: Any, path: str, out: Any, module: Any, shown: set[str]) -> str:
        w = words(self.lang)
        if not out.ran:
            key = "container" if isinstance(module, (nn.ModuleList, nn.ModuleDict)) else "not_run"
            self.messages.append(w[key].format(where=path, note=out.note))
            return ""
        if out.tensor is None:
            self.messages.append(w["no_tensor"].format(where=path, note=out.note))
            return ""
        if out.token_norms is None:
            shape = "(" + ", ".join(map(str, out.shape)) + ")"
            self.messages.append(w["no_tokens"].format(where=path, shape=shape, n=len(t.tokens)))
            return ""
        key = (id(t), path, out.call, self.lang)
        if self._drawn.get("norms") != key:
            ft.update_norms(self.norms_plot, out.token_norms, t.tokens, path, self.lang)
            self._drawn["norms"] = key
        shown.add("norms_plot")
        return w["shown_norms"]

    # -- lifetime -------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop following the panel and close this view's own widgets (not the panel)."""
        if "_drawn" in self.__dict__:
            self._closed = True
            for link in self._links:
                link.unlink()
            owned = [*self._boxes, self.heading, self.notes, self.head_picker, self.call_picker,
                     self._pickers, self.attention_plot, self.norms_plot, self.lens_plot,
                     *self._plot_boxes.values(), self.stats, self._chrome]  # fmt: skip
            for widget in owned:
                if widget is not None:
                    widget.close()
        super().close()

    def __repr__(self) -> str:
        return f"InsideView(path={self.path!r}, kind={self.kind!r})"
