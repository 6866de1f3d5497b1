"""The Explorer: module tree + parameter treemap + tabs, linked by one selected path, wired here alone."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import ipywidgets
import traitlets
from torch import nn

from ..anatomy import ModuleNode, module_tree
from ..facts import TREE_HEIGHT, VIEW_MAX_SECTORS
from ..model_info import load_info, new_module_paths, unwrap_model
from ..treemap import ROOT_ID, treemap_spec
from .options import check_options
from .outputs import display_pair, with_static_view
from .plot import PlotWidget, plotly_lib
from .tree import ModuleTree, UnknownPathError
from .treemap_link import TreemapLink

__all__ = ["Explorer", "explore", "UnknownPathError"]

_NO_INSIDE = (
    " The Inside tab (attention per head, the lens, per-token norms) follows a live panel's "
    "input, so it is not shown either."
)


class Explorer(ipywidgets.VBox):
    """A model's module tree beside its parameter treemap, with tabs below them.

    The Explorer alone wires its views: a tab receives what it needs (its head's run, the
    selection, a line in the tree's details, its part of the static view), never the Explorer.

    Parameters
    ----------
    model
        An ``nn.Module`` or a transformers pipeline (its ``.model`` is explored). Never modified.
    tokenizer
        Kept for panels that need one; a pipeline's own tokenizer when not given.
    height
        Height in pixels of the tree and the treemap.
    max_sectors
        At most this many treemap sectors (see :func:`explorer.treemap`).

    Attributes
    ----------
    selected : str
        The selected module path ("" is the root): the one link between the views. It is the
        tree's synced field (``tree_widget.selected``), validated once per change: set it from
        code and the tree reveals the row and the treemap zooms; click either view and it
        changes; ``observe(handler, "selected")`` follows it. An unknown path raises
        :class:`~explorer.widgets.tree.UnknownPathError` (a ``ValueError`` and a
        ``TraitError``) naming it, and nothing changes.
    model, tokenizer
        What was explored (``model`` is the ``nn.Module``; ``source`` is what was passed).
    tree : ModuleNode
        The anatomy of the model.
    tree_widget : ModuleTree
        The tree view (anywidget).
    figure : explorer.widgets.plot.PlotWidget
        The treemap (``figure.figure`` is the ``go.Figure``); ``figure.data[0].level`` is the
        zoomed sector.
    panels : ipywidgets.Tab
        The tabs (see :meth:`add_panel`); hidden while there are none.
    task_panel, inside, explain_panel, budget_view
        The tabs :func:`explore` adds (None when absent).
    output_shapes : dict
        ``{path: [shape, ...]}`` of the live panel's last run (shown in the tree's details).
    load_info : dict or None
        ``model._explorer_load_info`` when the model came from :func:`explorer.load`.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        height: int = TREE_HEIGHT,
        max_sectors: int = VIEW_MAX_SECTORS,
        **kwargs: Any,
    ) -> None:
        check_options(type(self), kwargs)
        plotly_lib()  # opens its comm now: the browser evaluates plotly.js while we work
        self.source = model
        self.model = unwrap_model(model)
        self.tokenizer = tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
        self.load_info = load_info(self.model)
        self.tree: ModuleNode = module_tree(self.model)
        self.tree_widget = ModuleTree(
            self.tree,
            new_paths=new_module_paths(self.model),
            height=height,
            static_key=secrets.token_hex(8),  # pairs the live tree with its static view
        )
        # Side by side while both get 340 px or more, stacked below that (narrow notebooks,
        # a file browser open): the row wraps, and each view keeps a usable width.
        self.tree_widget.layout = ipywidgets.Layout(flex="1 1 340px", min_width="min(340px, 100%)")
        # Plain data, not a go.Figure: plotly.py's import and validation would cost ~0.4 s on a
        # kernel's first Explorer (the go.Figure is made only if figure.figure/.data is read).
        spec = treemap_spec(self.tree, max_sectors=max_sectors, height=height)
        spec["layout"].update(autosize=True, paper_bgcolor="rgba(0,0,0,0)")
        spec["layout"]["margin"]["t"] = 28  # pathbar room
        trace = spec["data"][0]
        trace["level"] = ROOT_ID
        # PlotWidget, not go.FigureWidget: FigureWidget reports clicks through a synced field
        # that hover events overwrite before it reaches the kernel (clicks got lost in Chromium),
        # and it ships plotly.js (~5 MB) with every figure. PlotWidget sends each click as its
        # own message and shares one plotly.js per kernel.
        self.figure = PlotWidget.from_spec(spec)
        self._map = TreemapLink(
            self.figure, trace["ids"], trace["parents"], self._select, self.tree_widget.open_module
        )
        self.panels = ipywidgets.Tab(layout=ipywidgets.Layout(display="none"))
        self.task_panel: Any = None
        self.output_shapes: dict[str, list[list[int]]] = {}
        self.explain_panel: Any = None
        self.inside: Any = None
        self.budget_view: Any = None
        self._callbacks: list[Callable[[str, ModuleNode], Any]] = []
        self._on_tab: dict[int, Callable[[bool], Any]] = {}  # id(tab) -> shown(visible)
        self._linked: set[int] = set()  # tabs whose language follows the Explain tab
        plot = ipywidgets.Box(
            [self.figure], layout={"flex": "1.2 1 340px", "min_width": "min(340px, 100%)"}
        )
        plot.add_class("xt-figure-box")  # tree.css lets the figure fill it (see there)
        main = ipywidgets.HBox(
            [self.tree_widget, plot],
            layout=ipywidgets.Layout(width="100%", align_items="stretch", flex_flow="row wrap"),
        )
        super().__init__([main, self.panels], **kwargs)
        self.add_class("xp-explorer")
        self.tree_widget.observe(self._selection_changed, "selected")
        self.panels.observe(self._tab_changed, "selected_index")

    # -- selection: the tree's synced field is the one truth --------------------------------------
    @property
    def selected(self) -> str:
        return self.tree_widget.selected

    @selected.setter
    def selected(self, path: str) -> None:
        self.tree_widget.selected = path

    def _select(self, path: str) -> None:
        self.tree_widget.selected = path

    def observe(self, handler: Any, names: Any = traitlets.All, type: str = "change") -> None:
        """As ``HasTraits.observe``; ``"selected"`` is observed on the tree, where it lives."""
        rest = self._split_selected(names, lambda: self.tree_widget.observe(handler, "selected"))
        if rest:
            super().observe(handler, rest, type)

    def unobserve(self, handler: Any, names: Any = traitlets.All, type: str = "change") -> None:
        rest = self._split_selected(names, lambda: self.tree_widget.unobserve(handler, "selected"))
        if rest:
            super().unobserve(handler, rest, type)

    @staticmethod
    def _split_selected(names: Any, on_selected: Callable[[], Any]) -> Any:
        if names is traitlets.All:
            return names
        names = [names] if isinstance(names, str) else list(names)
        if "selected" in names:
            on_selected()
        return [n for n in names if n != "selected"]

    def _selection_changed(self, change: dict) -> None:
        path, node = change["new"], self.tree_widget.selected_node
        self._map.show(path)
        for callback in list(self._callbacks):
            callback(path, node)

    def sector_for(self, path: str) -> str:
        """The treemap sector id showing ``path``: its own, else its nearest ancestor's."""
        self.tree_widget.node(path)
        return self._map.sector_for(path)

    def level_for(self, path: str) -> str:
        """The treemap level that shows ``path``: its sector, or its parent's for a leaf sector."""
        self.tree_widget.node(path)
        return self._map.level_for(path)

    def on_select(self, callback: Callable[[str, ModuleNode], Any]) -> None:
        """Call ``callback(path, node)`` whenever the selection changes (from any view or code)."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self._callbacks.append(callback)

    # -- tabs ---------------------------------------------------------------------------------------
    def add_panel(
        self,
        widget: ipywidgets.Widget,
        title: str,
        on_select: Callable[[str, ModuleNode], Any] | None = None,
        on_shown: Callable[[bool], Any] | None = None,
    ) -> ipywidgets.Widget:
        """Add ``widget`` as a tab below the tree and treemap; return it.

        Parameters
        ----------
        widget
            Any ipywidget (a panel).
        title
            The tab's title (shown as text).
        on_select
            Optional ``callback(path, node)`` called now with the current selection and again
            whenever it changes: the way a panel follows the selected module.
        on_shown
            Optional ``callback(visible)`` called now and whenever the tab is shown or hidden.
        """
        if not isinstance(widget, ipywidgets.Widget):
            raise TypeError(f"a panel must be an ipywidgets widget, got {type(widget).__name__}")
        if not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        self.panels.children = (*self.panels.children, widget)
        self.panels.set_title(len(self.panels.children) - 1, title)
        self.panels.layout.display = None
        if on_select is not None:
            self.on_select(on_select)
            on_select(self.selected, self.tree_widget.selected_node)
        if on_shown is not None:
            self._on_tab[id(widget)] = on_shown
            on_shown(self._shown_tab() is widget)
        return widget

    def _shown_tab(self) -> ipywidgets.Widget | None:
        index, tabs = self.panels.selected_index, self.panels.children
        return tabs[index] if index is not None and 0 <= index < len(tabs) else None

    def _tab_changed(self, _change: Any = None) -> None:
        shown = self._shown_tab()
        for tab in self.panels.children:
            callback = self._on_tab.get(id(tab))
            if callback is not None:
                callback(tab is shown)

    def add_task_panel(self, task: Any = "auto") -> ipywidgets.Widget | None:
        """Detect the model's head and add its live panel (``task`` as in :func:`explore`).

        The panel's last run gives each module's output shape in the tree's details
        (``output_shapes``) and follows the selection. Returns the panel (also ``.task_panel``),
        or a note panel saying why there is none (a known head that cannot run here; with
        ``task="auto"``, a model with no head a panel runs), or None for ``task=None``.
        """
        from .panels import LivePanel, NotePanel, detect_task, make_panel, no_panel_reason

        found = detect_task(self.source, task)
        made = make_panel(self.model, self.tokenizer, found)
        if made is None:
            if found is None and task == "auto":  # say why, rather than show nothing
                note = NotePanel(no_panel_reason(self.source) + _NO_INSIDE)
                self.add_panel(note, "Live panel")
                self.task_panel = note
                return note
            return None
        title, panel = made
        if isinstance(panel, LivePanel):
            self._shapes_changed(panel.output_shapes)
            panel.on_shapes(self._shapes_changed)
            self.add_panel(panel, title, on_select=panel.show_shape)
        else:
            self.add_panel(panel, title)
        self.task_panel = panel
        return panel

    def _shapes_changed(self, shapes: dict) -> None:
        self.output_shapes = shapes
        self.tree_widget.set_output_shapes(shapes)  # the tree's details show them

    def add_explain(self, lang: str = "en") -> ipywidgets.Widget:
        """Add the "Explain" tab: the selected module in plain English or Korean, with a switch.

        Returns the :class:`~explorer.widgets.explain.ExplainPanel` (also ``.explain_panel``);
        the Inside tab's language follows its switch.
        """
        from .explain import ExplainPanel

        self.explain_panel = ExplainPanel(self.model, self.tree, lang=lang)
        self._follow_language()
        return self.add_panel(self.explain_panel, "Explain", on_select=self.explain_panel.show)

    def add_inside(self, lang: str | None = None) -> ipywidgets.Widget | None:
        """Add the "Inside" tab: the selected module's work on the live panel's current input.

        The model itself shows the lens, an attention module its weights per head, every
        module its per-token norms, shape and statistics; all follow the typing and the
        selection, and the language of the Explain tab. Returns the
        :class:`~explorer.widgets.inside.InsideView` (also ``.inside``), or None when there is
        no live panel running a PyTorch model (no task panel, or one that only says why: no
        weights, no tokenizer), which adds nothing.
        """
        from .inside import InsideView
        from .panels import LivePanel

        panel = self.task_panel
        if not isinstance(panel, LivePanel) or not isinstance(
            getattr(panel, "model", None), nn.Module
        ):
            return None
        explain_lang = getattr(self.explain_panel, "lang", None)
        self.inside = InsideView(panel, lang=lang or explain_lang or "en")
        self._follow_language()

        def shown(visible: bool) -> None:
            self.inside.visible = visible  # a hidden tab draws nothing per keystroke

        return self.add_panel(self.inside, "Inside", on_select=self.inside.show, on_shown=shown)

    def _follow_language(self) -> None:
        """The Inside tab's and the live panel's language follow the Explain tab's switch."""
        if self.explain_panel is None:
            return
        for tab in (self.inside, self.task_panel):
            if tab is not None and tab.has_trait("lang") and id(tab) not in self._linked:
                traitlets.dlink((self.explain_panel, "lang"), (tab, "lang"))
                self._linked.add(id(tab))

    def add_budget(self) -> ipywidgets.Widget:
        """Add the "Budget" tab: what the model costs in each counting convention, its weights
        in a chosen dtype, training memory, the KV cache for a context length, the GPUs needed,
        each figure with its formula and source; for mixture-of-experts models, a treemap sized
        by the parameters one token uses. The tree's details show each module's share.

        The budget is computed when the tab is first shown (or a module's details first need
        it), never for the first display. Returns the
        :class:`~explorer.widgets.budget.BudgetView` (also ``.budget_view``).
        """
        from ..budget import budget
        from .budget import BudgetView

        pages, tree = self.tree_widget.pages, self.tree_widget
        made: list = []

        def costs():
            if not made:
                made.append(budget(self.model))
                pages.costs = made[0]  # computed: details asking only for a ready one get it too
            return made[0]

        view = BudgetView(self.model, costs=costs, lazy=True)
        pages.costs, pages.cost_dtype = costs, view.dtype

        def on_dtype(change: dict) -> None:
            pages.cost_dtype = change["new"]
            if made:  # the browser asks for the selected module's details (and cost) again
                tree.refresh_details()

        def shown(visible: bool) -> None:
            if visible and not view.loaded:
                had = bool(made)
                view.load()
                if not had:
                    tree.refresh_details()

        view.observe(on_dtype, "dtype")
        self.budget_view = view
        return self.add_panel(view, "Budget", on_shown=shown)

    # -- export ----------------------------------------------------------------------------------
    def _export_source(self) -> dict[str, Any]:
        """What :func:`explorer.save_html` writes for this Explorer, as it is now: each tab
        gives its own part (``export_part()``)."""
        from ..export import panel_part

        parts = []
        for i, tab in enumerate(self.panels.children):
            part = panel_part(tab)
            if part:
                parts.append({"title": self.panels.get_title(i) or f"Panel {i + 1}", **part})
        return {
            "model": self.model,
            "tree": self.tree,
            "pages": self.tree_widget.pages,
            "figure": self.figure,  # its .to_dict() needs no plotly.py; .figure is the go.Figure
            "selected": self.selected,
            "height": self.tree_widget.height,
            "panels": parts,
            "budget": self._budget_snapshot(),
            "lang": getattr(self.explain_panel, "lang", "en"),
        }

    def _budget_snapshot(self) -> dict[str, Any] | None:
        """The Budget tab's figures for its current inputs: when already computed, or cheap
        (budget() of a 76k-module model takes seconds: not for every display)."""
        view = self.budget_view
        if view is None or not (view.loaded or self.tree_widget.pages.size <= 5000):
            return None
        try:
            return view.to_dict()
        except Exception:  # a model with no config: the rest of the page still shows
            return None

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view, plus a static ``text/html`` view for pages with no kernel.

        :func:`explorer.export.fallback_html` of this Explorer as it is now (tree, treemap,
        selection, the panels' last results). IPython shows the two as separate outputs
        (:meth:`_ipython_display_`); other hosts take this one bundle.
        """
        from ..export import fallback_html

        data = super()._repr_mimebundle_(**kwargs)
        # The live tree hides the static view marked with its key (front-ends without CSS rules).
        key = self.tree_widget.static_key
        return with_static_view(data, lambda: fallback_html(self, beside=key))

    def _ipython_display_(self) -> None:
        """Show the Explorer as two outputs: the widget, then its static view (see
        :func:`explorer.widgets.outputs.display_pair`: where each shows, and why)."""
        bundle = self._repr_mimebundle_  # None once the widget is closed (ipywidgets)
        display_pair(bundle() if callable(bundle) else None, repr(self))

    def __repr__(self) -> str:
        return (
            f"Explorer({self.tree.type}, {self.tree.params:,} parameters, "
            f"selected={self.selected!r})"
        )


def explore(
    model: Any, tokenizer: Any = None, *, task: Any = "auto", lang: str = "en", **kwargs: Any
) -> Any:
    """Explore a model: a collapsible module tree beside its parameter treemap, linked.

    Parameters
    ----------
    model
        A ``torch.nn.Module``, a transformers pipeline, a directory written by
        ``save_pretrained`` (loaded with :func:`explorer.load`), or a plain callable
        ``text -> {label: score}``. Nothing about it is changed.
    tokenizer
        The model's tokenizer: the live task panel needs it (a pipeline brings its own).
    task
        "auto" detects the head (``...ForSequenceClassification`` / ``...ForQuestionAnswering``
        class or ``config.architectures``, or a pipeline's ``.task``) and adds its live panel;
        "text-classification", "sentiment-analysis" or "question-answering" choose one;
        None or "none" add no panel.
    lang
        Language of the "Explain" tab, which explains the selected module: "en" or "ko"
        (the tab has a switch).
    **kwargs
        Passed to :class:`Explorer` (``height``, ``max_sectors``).

    Returns
    -------
    Explorer or SentimentPanel
        An :class:`Explorer` (its live panel is ``.task_panel``); for a plain callable, which has
        no modules to show, just its :class:`~explorer.widgets.panels.SentimentPanel`.

    Examples
    --------
    >>> w = explorer.explore(model, tokenizer)       # doctest: +SKIP
    >>> w.selected = "distilbert.transformer.layer.0"  # doctest: +SKIP
    """
    from .panels import resolve_source, standalone_panel

    check_options(Explorer, kwargs, also=("height", "max_sectors"))
    model, tokenizer = resolve_source(model, tokenizer)
    panel = standalone_panel(model, task)
    if panel is not None:
        return panel
    explorer = Explorer(model, tokenizer, **kwargs)
    explorer.add_task_panel(task)
    explorer.add_inside(lang)
    explorer.add_explain(lang)
    explorer.add_budget()
    return explorer
