"""The Explorer: module tree + parameter treemap + panels, linked by one selected path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets
import traitlets

from ..anatomy import ModuleNode, module_tree
from ..model_info import load_info, new_module_paths, unwrap_model
from ..treemap import ROOT_ID, treemap_spec
from .options import check_options
from .plot import PlotWidget, plotly_lib
from .tree import ModuleTree, UnknownPathError

__all__ = ["Explorer", "explore", "UnknownPathError"]

_OTHER = "\x00other"  # suffix of the treemap's aggregated "N more" sectors
_RESULT_ATTRS = ("last_result", "details", "result")  # where a panel keeps its last result


class Explorer(ipywidgets.VBox):
    """A model's module tree beside its parameter treemap, with room for more panels.

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
        The selected module path ("" is the root). The single link between the views: set it
        from code and the tree reveals the row and the treemap zooms; click either view and it
        changes. An unknown path raises :class:`~explorer.widgets.tree.UnknownPathError`
        (a ``ValueError`` and a ``TraitError``) naming it, and nothing changes.
    model, tokenizer
        What was explored (``model`` is the ``nn.Module``; ``source`` is what was passed).
    tree : ModuleNode
        The anatomy of the model.
    tree_widget : ModuleTree
        The tree view (anywidget); ``tree_widget.selected`` is the synced field.
    figure : explorer.widgets.plot.PlotWidget
        The treemap (``figure.figure`` is the ``go.Figure``); ``figure.data[0].level`` is the
        zoomed sector.
    panels : ipywidgets.Tab
        Extra panels (see :meth:`add_panel`); hidden while there are none.
    load_info : dict or None
        ``model._explorer_load_info`` when the model came from :func:`explorer.load`.
    """

    selected = traitlets.Unicode("")

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        height: int = 560,
        max_sectors: int = 2000,
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
            self.tree, new_paths=new_module_paths(self.model), height=height
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
        self._ids = trace["ids"]
        self._sectors = set(self._ids)
        self._parent = dict(zip(self._ids, trace["parents"]))
        self._branches = set(trace["parents"])
        self._level = ROOT_ID
        self._clicking = False
        self.figure.on_click(self._on_sector_click)
        self.panels = ipywidgets.Tab(layout=ipywidgets.Layout(display="none"))
        self.explain_panel = None  # see add_explain()
        self.inside = None  # see add_inside()
        self.budget_view = None  # see add_budget()
        self._callbacks: list[Callable[[str, ModuleNode], Any]] = []
        plot = ipywidgets.Box(
            [self.figure], layout={"flex": "1.2 1 340px", "min_width": "min(340px, 100%)"}
        )
        plot.add_class("xt-figure-box")  # tree.css lets the figure fill it (see there)
        main = ipywidgets.HBox(
            [self.tree_widget, plot],
            layout=ipywidgets.Layout(width="100%", align_items="stretch", flex_flow="row wrap"),
        )
        super().__init__([main, self.panels], **kwargs)
        self.tree_widget.observe(self._tree_changed, "selected")

    # -- selection: tree_widget.selected is the synced truth, Explorer.selected mirrors it -------
    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict) -> str:
        self.tree_widget.node(proposal["value"])
        return proposal["value"]

    @traitlets.observe("selected")
    def _selected_changed(self, change: dict) -> None:
        self.tree_widget.selected = change["new"]

    def _tree_changed(self, change: dict) -> None:
        path = change["new"]
        self.selected = path
        self._zoom(path)
        sector = self.sector_for(path)  # outlined: small modules too, not only zoomed to
        self.figure.highlight = None if sector == ROOT_ID else sector
        node = self.tree.find(path)
        for callback in list(self._callbacks):
            callback(path, node)

    def sector_for(self, path: str) -> str:
        """The treemap sector id showing ``path``: its own, else its nearest ancestor's."""
        self.tree_widget.node(path)
        while path:
            if path in self._sectors:
                return path
            path = path.rpartition(".")[0]
        return ROOT_ID

    def level_for(self, path: str) -> str:
        """The treemap level that shows ``path``: its sector, or its parent's for a leaf sector."""
        sector = self.sector_for(path)
        if sector not in self._branches and sector != ROOT_ID:
            return self._parent[sector]  # a leaf is shown among its siblings
        return sector

    def _zoom(self, path: str) -> None:
        level = self.level_for(path)
        if level == self._level or self._clicking:
            return
        self._level = level
        self.figure.restyle(0, level=level)  # sends only the level

    def _clicked_id(self, points: list[dict]) -> str | None:
        """The treemap id of the first clicked point (by ``id``, else by ``pointNumber``)."""
        ids = self._ids
        for p in points:
            if not isinstance(p, dict) or p.get("curveNumber", 0) != 0:
                continue
            if isinstance(p.get("id"), str):
                return p["id"]
            i = p.get("pointNumber")
            if isinstance(i, int) and 0 <= i < len(ids):
                return ids[i]
        return None

    def _on_sector_click(self, points: list[dict]) -> None:
        """A treemap click: Plotly has already zoomed, so select without zooming again."""
        sector = self._clicked_id(points)
        if sector not in self._parent:
            return
        if sector.endswith(_OTHER):
            # "N more" (the smaller modules summed into one sector): select the module that
            # holds them (the treemap shows its sectors) and list them, opened, in the tree.
            holder = sector[: -len(_OTHER)]
            self.selected = holder
            self.tree_widget.open_module(holder)
            return
        if sector == self._level and sector != ROOT_ID:
            # A click on the zoomed sector's own header is Plotly's "zoom out" gesture.
            sector = self._parent[sector]
        self._level = sector  # where the browser is now (a restyle mid-transition is lost)
        self._clicking = True
        try:
            self.selected = "" if sector == ROOT_ID else sector
        finally:
            self._clicking = False

    # -- panels ------------------------------------------------------------------------------------
    def on_select(self, callback: Callable[[str, ModuleNode], Any]) -> None:
        """Call ``callback(path, node)`` whenever the selection changes (from any view or code)."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        self._callbacks.append(callback)

    def add_explain(self, lang: str = "en") -> ipywidgets.Widget:
        """Add the "Explain" tab: the selected module in plain English or Korean, with a switch.

        Returns the :class:`~explorer.widgets.explain.ExplainPanel` (also ``.explain_panel``).
        """
        from .explain import ExplainPanel

        self.explain_panel = ExplainPanel(self.model, self.tree, lang=lang)
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
        from .inside import add_inside_view

        self.inside = add_inside_view(self, lang)
        return self.inside

    def add_budget(self) -> ipywidgets.Widget:
        """Add the "Budget" tab: what the model costs in each counting convention, its weights
        in a chosen dtype, training memory, the KV cache for a context length, the GPUs needed,
        each figure with its formula and source; for mixture-of-experts models, a treemap sized
        by the parameters one token uses. The tree's details show each module's share.

        The budget is computed when the tab is first shown (or a module's details first need
        it), never for the first display. Returns the
        :class:`~explorer.widgets.budget.BudgetView` (also ``.budget_view``).
        """
        from .budget import add_budget_view

        self.budget_view = add_budget_view(self)
        return self.budget_view

    def add_panel(
        self,
        widget: ipywidgets.Widget,
        title: str,
        on_select: Callable[[str, ModuleNode], Any] | None = None,
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
            on_select(self.selected, self.tree.find(self.selected))
        return widget

    # -- export ----------------------------------------------------------------------------------
    def _export_source(self) -> dict[str, Any]:
        """What :func:`explorer.save_html` writes for this Explorer, as it is now."""
        return {
            "model": self.model,
            "tree": self.tree,
            "pages": self.tree_widget.pages,
            "figure": self.figure,  # its .to_dict() needs no plotly.py; .figure is the go.Figure
            "selected": self.selected,
            "height": self.tree_widget.height,
            "panels": self._panel_snapshots(),
            "budget": self._budget_snapshot(),
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

    def _panel_snapshots(self) -> list[dict[str, Any]]:
        """Title, figure JSON and last-result text of each panel that has any of them."""
        import json

        from ..export import plotly_figure, result_text

        out = []
        for i, panel in enumerate(self.panels.children):
            catch_up = getattr(panel, "catch_up", None)
            if callable(catch_up):  # a hidden tab draws what it skipped, for the page
                catch_up()
            result = next(
                (r for r in (getattr(panel, n, None) for n in _RESULT_ATTRS) if r is not None),
                None,
            )
            title = self.panels.get_title(i) or getattr(panel, "title", None) or f"Panel {i + 1}"
            fig = getattr(panel, "figure", None)
            fig = plotly_figure(fig) if fig is not None else None  # no plotly import for none
            entry = {
                "title": str(title),
                "figure": json.loads(fig.to_json()) if fig is not None else None,
                "text": result_text(result),
            }
            if entry["figure"] is not None or entry["text"]:
                out.append(entry)
        return out

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view, plus a static ``text/html`` view for pages with no kernel.

        A front-end with a live kernel (JupyterLab, Notebook 7, Voila) shows the widget: it
        ranks the widget view above HTML. nbconvert without saved widget state, nbviewer and
        GitHub show the HTML: :func:`explorer.export.fallback_html` of this Explorer as it is
        now (tree, treemap, selection, the panels' last results).
        """
        data = super()._repr_mimebundle_(**kwargs)
        if not data:
            return data
        from ..export import fallback_html

        try:
            data["text/html"] = fallback_html(self)
        except Exception as exc:  # the static view must never hide the widget
            import html
            import warnings

            warnings.warn(f"explorer: no static view ({type(exc).__name__}: {exc})", stacklevel=2)
            data["text/html"] = f"<pre>{html.escape(data['text/plain'])}</pre>"
        return data

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
    from .panels import add_task_panel, resolve_source, standalone_panel

    check_options(Explorer, kwargs, also=("height", "max_sectors"))
    model, tokenizer = resolve_source(model, tokenizer)
    panel = standalone_panel(model, task)
    if panel is not None:
        return panel
    explorer = Explorer(model, tokenizer, **kwargs)
    add_task_panel(explorer, task)
    explorer.add_inside(lang)
    explorer.add_explain(lang)
    explorer.add_budget()
    return explorer
