"""The treemap side of the selection: which sector shows a module, where to zoom, what a click means."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..facts import OTHER_SUFFIX
from ..treemap import ROOT_ID
from .plot import PlotWidget

__all__ = ["TreemapLink"]


class TreemapLink:
    """Keeps a treemap :class:`PlotWidget` showing the selected module, and turns its clicks
    into selections.

    Parameters
    ----------
    figure
        The treemap, drawn from a :func:`explorer.treemap.treemap_spec` (first trace).
    ids, parents
        That trace's sector ids and their parents' ids.
    select
        ``select(path)``: make ``path`` the selection (validated by its owner).
    open_module
        ``open_module(path)``: list the module's children, opened, in the tree ("N more").
    """

    def __init__(
        self,
        figure: PlotWidget,
        ids: list[str],
        parents: list[str],
        select: Callable[[str], Any],
        open_module: Callable[[str], Any],
    ) -> None:
        self.figure = figure
        self._select, self._open = select, open_module
        self._ids = ids
        self._sectors = set(ids)
        self._parent = dict(zip(ids, parents, strict=True))
        self._branches = set(parents)
        self._level = ROOT_ID
        # Plotly's own click zoom is animated, and the redraw that outlines the selection would
        # land in the middle of it (NaN sector paths, no labels): clicks only report, we zoom.
        figure.treemap_zoom = False
        figure.on_click(self._on_click)

    def sector_for(self, path: str) -> str:
        """The sector id showing ``path`` (a valid module path): its own, else its nearest
        ancestor's."""
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

    def show(self, path: str) -> None:
        """Zoom to the level showing ``path`` and outline its sector (small modules too).

        The same redraw whether the selection came from the tree, a treemap click or code.
        """
        sector = self.sector_for(path)
        level = self.level_for(path)
        with self.figure.hold_sync():  # one message, one redraw
            self.figure.highlight = None if sector == ROOT_ID else sector
            if level != self._level:
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

    def _on_click(self, points: list[dict]) -> None:
        """A treemap click: select its module (which zooms there, see :meth:`show`)."""
        sector = self._clicked_id(points)
        if sector not in self._parent:
            return
        if sector.endswith(OTHER_SUFFIX):
            # "N more" (the smaller modules summed into one sector): select the module that
            # holds them (the treemap shows its sectors) and list them, opened, in the tree.
            holder = sector[: -len(OTHER_SUFFIX)]
            self._select(holder)
            self._open(holder)
            return
        if sector == self._level and sector != ROOT_ID:
            # A click on the zoomed sector's own header is Plotly's "zoom out" gesture.
            sector = self._parent[sector]
        self._select("" if sector == ROOT_ID else sector)
