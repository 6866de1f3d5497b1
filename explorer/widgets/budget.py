"""The Budget view: what a model costs in each convention, in memory and in GPUs, explained."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets
import traitlets

from ..budget import Budget, budget
from ..budget.content import DTYPES, budget_content
from ..facts import VIEW_MAX_SECTORS
from ..model_info import unwrap_model
from ..treemap import ROOT_ID, treemap_spec
from .options import check_options
from .panels.chrome import PanelChrome
from .plot import PlotWidget

__all__ = ["BudgetView", "BudgetTable", "DTYPES"]

STATIC = Path(__file__).parents[1] / "static"  # built from js/ (tools/build_js.py)


class BudgetTable(anywidget.AnyWidget):
    """The figures and inputs of a :class:`BudgetView` in the browser (text only, no HTML).

    Synced traits: the inputs as typed (``dtype``, ``tokens``, ``batch``, ``gpu_gb``,
    ``show_active``) and what to show (``content``: see
    :func:`explorer.budget.content.budget_content`; ``{"pending": ...}`` until
    computed).
    """

    _esm = STATIC / "budget.js"
    _css = STATIC / "budget.css"

    dtype = traitlets.Unicode("bfloat16").tag(sync=True)
    tokens = traitlets.Unicode("4096").tag(sync=True)
    batch = traitlets.Unicode("1").tag(sync=True)
    gpu_gb = traitlets.Unicode("80").tag(sync=True)
    show_active = traitlets.Bool(False).tag(sync=True)
    content = traitlets.Dict().tag(sync=True)


class BudgetView(ipywidgets.VBox):
    """What a model costs: its parameter counts in each convention, the bytes of its weights in
    a chosen dtype, training memory, the KV cache for a context length and the GPUs needed.

    Each figure shows its formula on hover and names its source. For mixture-of-experts models
    it can show the treemap sized by the parameters one token uses.

    Parameters
    ----------
    model
        An ``nn.Module`` (any device, meta included) or a pipeline; read, never changed.
    costs
        Its :class:`explorer.budget.Budget`, or a callable returning one (shared with other
        views); default ``explorer.budget(model)``.
    lazy
        Compute the budget on :meth:`load` (the Explorer calls it when the tab is first shown)
        instead of at once.
    dtype, tokens, batch, gpu_gb
        Initial inputs (``tokens`` default: 4,096 or the model's ``max_position_embeddings`` if
        smaller).

    Attributes
    ----------
    dtype : str
        The weights' dtype: "float32", "float16", "bfloat16", "int8" or "int4".
    tokens, batch, gpu_gb : str
        Context length, batch and GPU memory (GB) as typed; a bad value shows a message.
    show_active : bool
        Show the treemap sized by active parameters (mixture-of-experts models).
    content : dict
        What the view shows now (see :func:`~explorer.budget.content.budget_content`).
    table : BudgetTable
        The browser part; ``active_treemap`` the :class:`PlotWidget` of the active treemap
        (None until shown).
    """

    dtype = traitlets.Unicode("bfloat16")
    tokens = traitlets.Unicode("4096")
    batch = traitlets.Unicode("1")
    gpu_gb = traitlets.Unicode("80")
    show_active = traitlets.Bool(False)

    def __init__(
        self,
        model: Any,
        *,
        costs: Budget | Callable[[], Budget] | None = None,
        lazy: bool = False,
        dtype: str = "bfloat16",
        tokens: int | str | None = None,
        batch: int | str = 1,
        gpu_gb: float | str = 80,
        **kwargs: Any,
    ) -> None:
        check_options(type(self), kwargs)
        if dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}: use one of {', '.join(DTYPES)}")
        self._model = model
        self._costs = costs
        self._budget: Budget | None = costs if isinstance(costs, Budget) else None
        self.active_treemap: PlotWidget | None = None
        if tokens is None:
            config = getattr(unwrap_model(model), "config", None)
            limit = getattr(config, "max_position_embeddings", None)
            tokens = min(4096, limit) if isinstance(limit, int) and limit > 0 else 4096
        self.table = BudgetTable(content={"pending": "computing the budget…"})
        self._plot_box = ipywidgets.VBox(layout={"display": "none", "width": "100%"})
        self._plot_box.add_class("xp-budget-plot")
        super().__init__([self.table, self._plot_box, PanelChrome()], **kwargs)
        self.add_class("xp-panel")
        self.add_class("xp-budget")
        for name in ("dtype", "tokens", "batch", "gpu_gb", "show_active"):
            traitlets.link((self, name), (self.table, name))
        self.set_trait("dtype", dtype)
        self.set_trait("tokens", str(tokens))
        self.set_trait("batch", str(batch))
        self.set_trait("gpu_gb", f"{gpu_gb:g}" if isinstance(gpu_gb, float) else str(gpu_gb))
        self.observe(self._redraw, ["dtype", "tokens", "batch", "gpu_gb"])
        self.observe(self._toggle_active, "show_active")
        if not lazy:
            self.load()

    # -- the budget ------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        """The budget has been computed and is shown."""
        return self._budget is not None and not self.table.content.get("pending")

    @property
    def budget(self) -> Budget:
        """The model's :class:`~explorer.budget.Budget` (computed on first use)."""
        if self._budget is None:
            costs = self._costs
            self._budget = costs() if callable(costs) else budget(self._model)
        return self._budget

    def load(self) -> BudgetView:
        """Compute the budget (once) and show it; return the view."""
        if not self.loaded:
            self._redraw()
        return self

    @traitlets.validate("dtype")
    def _check_dtype(self, proposal: dict) -> str:
        if proposal["value"] not in DTYPES:
            raise traitlets.TraitError(
                f"unknown dtype {proposal['value']!r}: use one of {', '.join(DTYPES)}"
            )
        return proposal["value"]

    @property
    def content(self) -> dict[str, Any]:
        return self.table.content

    @property
    def message(self) -> str:
        """What is wrong with the inputs ("" when nothing is)."""
        return "; ".join(self.table.content.get("messages", []))

    def _redraw(self, _change: Any = None) -> None:
        if self._budget is None and _change is not None:
            return  # not loaded yet: the inputs are used when it is
        self.table.content = budget_content(
            self.budget, self.dtype, self.tokens, self.batch, self.gpu_gb
        )

    def to_dict(self) -> dict[str, Any]:
        """The budget for the current inputs (bad ones replaced by the defaults), as
        :meth:`explorer.budget.Budget.to_dict` gives it, plus ``inputs``: for a static page."""
        got = budget_content(self.budget, self.dtype, self.tokens, self.batch, self.gpu_gb)
        inputs = {k: v for k, v in got["inputs"].items() if v is not None}
        out = self.budget.to_dict(dtype=self.dtype, **inputs)
        out["inputs"] = {"dtype": self.dtype, **inputs}
        return out

    # -- the treemap sized by active parameters -----------------------------------------------
    def _toggle_active(self, change: dict) -> None:
        if change["new"] and self.active_treemap is None:
            b = self.budget
            spec = treemap_spec(b, max_sectors=VIEW_MAX_SECTORS, height=480, size="active")
            spec["layout"].update(autosize=True, paper_bgcolor="rgba(0,0,0,0)")
            spec["layout"]["margin"]["t"] = 28  # pathbar room
            spec["data"][0]["level"] = ROOT_ID
            self.active_treemap = PlotWidget.from_spec(spec)  # budget.css: fills the box
            caption = ipywidgets.Label(
                f"{b.model_type}, sized by the parameters one token uses: routed experts (in "
                "their own colour) count k of E. Hover a sector for what a token skips."
            )
            self._plot_box.children = (caption, self.active_treemap)
        self._plot_box.layout.display = "flex" if change["new"] else "none"
