"""The module tree widget: synced fields and message routing over the lazy-tree protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..anatomy import ModuleNode
from ..facts import TREE_HEIGHT
from ..tree import TreePages
from ..tree import UnknownPathError as _UnknownPath
from .options import check_options

__all__ = ["ModuleTree", "UnknownPathError"]

STATIC = Path(__file__).parents[1] / "static"  # built from js/ (tools/build_js.py)


class UnknownPathError(_UnknownPath, traitlets.TraitError):
    """A path that names no module of the model (both a ``TraitError`` and a ``ValueError``)."""


class ModuleTree(anywidget.AnyWidget):
    """A collapsible tree of a model's modules that loads what is opened, and nothing more.

    Parameters
    ----------
    model
        An ``nn.Module``, a pipeline, or a :class:`~explorer.anatomy.ModuleNode`.
    new_paths
        Module paths to badge as "new" (newly initialized: random weights).
    height
        Height in pixels of the widget (search box, rows and details together).
    selected
        The initially selected path ("" is the root).

    Notes
    -----
    Synced traits: ``selected`` (the selected module path, both ways; validated), ``initial``
    (the root and its first levels, set once), ``height``, ``shapes_rev`` (bumped: the details
    changed, ask again; see :meth:`refresh_details`), ``static_key`` (the live tree hides the
    static views marked with it: an Explorer's output shown beside its widget). Everything else
    travels as custom messages the browser asks for, answered by
    :class:`explorer.tree.pages.TreePages` (``.pages``): ``{"op": "children" | "reveal" |
    "search" | "details", "id": ...}``, each answered by one message carrying the same ``id``.
    """

    _esm = STATIC / "tree.js"
    _css = STATIC / "tree.css"

    selected = traitlets.Unicode("").tag(sync=True)
    initial = traitlets.Dict().tag(sync=True)
    height = traitlets.Int(TREE_HEIGHT).tag(sync=True)
    # Bumped when the output shapes of the last run change: the browser asks for details again.
    shapes_rev = traitlets.Int(0).tag(sync=True)
    static_key = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        model: Any,
        *,
        new_paths: list[str] | tuple[str, ...] = (),
        height: int = TREE_HEIGHT,
        selected: str = "",
        **kwargs: Any,
    ) -> None:
        check_options(type(self), kwargs)
        self.pages = TreePages(model, new_paths)
        super().__init__(initial=self.pages.initial(), height=height, **kwargs)
        self.selected = selected
        self.on_msg(self._on_msg)

    @property
    def root(self) -> ModuleNode:
        """The model's :class:`~explorer.anatomy.ModuleNode` tree."""
        return self.pages.root

    def node(self, path: str) -> ModuleNode:
        """The node at ``path``; raise :class:`UnknownPathError` naming it when there is none."""
        try:
            return self.pages.node(path)
        except _UnknownPath as exc:
            raise UnknownPathError(str(exc)) from None

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict) -> str:
        self._selected_node = self.node(proposal["value"])  # resolved once per selection
        return proposal["value"]

    @property
    def selected_node(self) -> ModuleNode:
        """The :class:`~explorer.anatomy.ModuleNode` of ``selected`` (resolved when it was set)."""
        node = getattr(self, "_selected_node", None)
        if node is None or node.path != self.selected:
            node = self._selected_node = self.node(self.selected)
        return node

    def set_output_shapes(self, shapes: dict[str, list[list[int]]] | None) -> None:
        """Show each module's output shape for the last input (``{path: [shape, ...]}``).

        Runs on every keystroke: the browser gets the selected module's new line in one small
        message, with no request back (other modules' lines come with their details).
        """
        self.pages.output_shapes = dict(shapes or {})
        path = self.selected
        self.send({"op": "output", "path": path, "output": self.pages.output_text(path)})

    def refresh_details(self) -> None:
        """Have the browser ask for the selected module's details again (they changed)."""
        self.shapes_rev += 1

    def open_module(self, path: str) -> None:
        """Open the module at ``path`` in the browser, its children listed (and focus it)."""
        self.node(path)
        self.send({"op": "open", "path": path})

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.send(self.pages.reply(content))

    def state_bytes(self) -> int:
        """Size in bytes of the first message's state (all synced traits, JSON), as measured."""
        return len(json.dumps(self.get_state(), separators=(",", ":")).encode())
