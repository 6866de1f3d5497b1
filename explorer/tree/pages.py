"""The lazy-tree protocol: ModuleNode -> rows, pages, reveal, search and details, as plain data.

A viewer (the tree widget in a notebook, or the exported page with no kernel) asks for what it
opens, one request at a time: ``{"op": "children" | "reveal" | "search" | "details" | "copy",
...}``.
:meth:`TreePages.answer` gives the reply. Nothing here knows about widgets or the browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import adapters, placement
from ..anatomy import Group, ModuleNode, module_tree
from ..numbers import short_count
from .notes import adapter_notes, placement_notes
from .snippets import copy_text

__all__ = [
    "TreePages",
    "UnknownPathError",
    "group_key",
    "format_shapes",
    "PAGE",
    "MAX_MATCHES",
    "INITIAL_DEPTH",
]

PAGE = 200  # items of one children list sent per request (longer lists load page by page)
MAX_MATCHES = 200  # search results sent per query ("N more" for the rest)
INITIAL_DEPTH = 2  # levels below the root in the first message
_SEP = "\x00"  # joins a parent path and a group's first member name: a group key
_MAX_TENSORS = 200
_MAX_REPR = 20_000


class UnknownPathError(ValueError):
    """A path that names no module of the model."""


def error_reply(request: Any, exc: Exception) -> dict[str, Any]:
    """The reply to a request that failed: ``{"op": "error", "id", "message"}`` naming why."""
    rid = request.get("id") if isinstance(request, dict) else None
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return {"op": "error", "id": rid, "message": f"{type(exc).__name__}: {message}"}


class Answerer:
    """A lazy protocol's server side: ``answer(request)`` one request; :meth:`reply` never
    raises (a viewer waiting for a reply always gets one)."""

    def answer(self, request: Any) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def reply(self, request: Any) -> dict[str, Any]:
        """:meth:`answer`, or an ``{"op": "error", "id", "message"}`` reply: a viewer never waits."""
        try:
            return self.answer(request)
        except Exception as exc:
            return error_reply(request, exc)


def group_key(parent: str, group: Group) -> str:
    """The key a folded run of siblings is opened and loaded by: parent path + first member."""
    return parent + _SEP + group.members[0].name


def format_shapes(shapes: list[list[int]] | None) -> str:
    """``[[1, 9, 32]]`` -> ``"(1, 9, 32)"``; several outputs joined by ``" + "``."""
    if not shapes:
        return "no tensor output"
    return " + ".join("(" + ", ".join(str(n) for n in s) + ")" for s in shapes)


class TreePages(Answerer):
    """Answers a tree viewer's requests about one model, page by page.

    Parameters
    ----------
    model
        An ``nn.Module``, a pipeline, or a :class:`~explorer.anatomy.ModuleNode`.
    new_paths
        Module paths to badge as "new" (newly initialized: random weights).
    costs
        Optional :class:`explorer.budget.Budget` of the model, or a callable returning one (called
        once, on the first details asking for costs): each module's share of the counting
        conventions and its bytes, in :meth:`details` under ``"cost"``.

    Attributes
    ----------
    root : ModuleNode
        The tree.
    output_shapes : dict
        ``{path: [shape, ...]}`` of the last run, shown in :meth:`details` (empty: no run).
    costs
        As the parameter (settable later).
    cost_dtype : str
        The dtype of the ``"cost"`` bytes ("bfloat16" unless a view chose another).
    """

    def __init__(self, model: Any, new_paths: Iterable[str] = (), costs: Any = None) -> None:
        self.root = model if isinstance(model, ModuleNode) else module_tree(model)
        self.root.find("")  # builds the path index once
        self.new_paths = frozenset(str(p) for p in new_paths)
        self.output_shapes: dict[str, list[list[int]]] = {}
        self.costs = costs
        self.cost_dtype = "bfloat16"
        self._made: tuple[Any, Any] = (None, None)  # (costs callable, the Budget it gave)
        self._groups: dict[str, list] = {}
        self._size: int | None = None
        self._pdt: dict[str, tuple[str, ...]] = {}
        self._placement: Any = False  # a Placement, None (nothing to say) or False (not read)
        self._places: dict[str, tuple[str, ...]] = {}

    @property
    def size(self) -> int:
        """How many module paths the tree has (the root and aliases included)."""
        if self._size is None:
            self._size = sum(1 for _ in self.root.walk())
        return self._size

    # -- lookup ------------------------------------------------------------------------------------
    def node(self, path: str) -> ModuleNode:
        """The node at ``path``; raise :class:`UnknownPathError` naming it when there is none."""
        if not isinstance(path, str):
            raise UnknownPathError(f"a module path is a str, not {type(path).__name__}")
        try:
            return self.root.find(path)
        except KeyError:
            raise UnknownPathError(
                f"no module at path {path!r} in this {self.root.type} "
                "(paths are as in model.named_modules(); '' is the root)"
            ) from None

    def _parent(self, node: ModuleNode) -> ModuleNode | None:
        if node is self.root or not node.path:
            return None
        return self.root.find(node.path.rpartition(".")[0])

    def folded(self, node: ModuleNode) -> list:
        """``node.groups()``, computed once per node."""
        got = self._groups.get(node.path)
        if got is None:
            got = self._groups[node.path] = node.groups()
        return got

    # -- rows --------------------------------------------------------------------------------------
    def row(self, node: ModuleNode, parent: ModuleNode | None = None) -> dict[str, Any]:
        """One row as plain data: path, name, type, counts, badges; dtype/device when new."""
        out: dict[str, Any] = {
            "p": node.path,
            "n": node.name,
            "t": node.type,
            "c": node.params,
            "s": short_count(node.params),
            "k": len(node.children),
        }
        badges = []
        if node.path in self.new_paths:
            badges.append("new")
        if node.frozen:
            badges.append("frozen")
        if node.shared:
            badges.append("shared")
        if node.lazy:
            badges.append("lazy")
        if node.buffers and not node.params:
            badges.append("buffers")
        if node.alias_of is not None:
            badges.append("alias")
        found = adapters.kind(node.module)
        if found is not None:
            badges.append(found)
        places = self.places(node)
        if places and all(p in placement.OFFLOADED for p in places):
            badges.append("offloaded")
        if badges:
            out["b"] = badges
        if parent is None and node is not self.root:
            parent = self._parent(node)
        dtypes = self.param_dtypes(node)
        if dtypes and (parent is None or dtypes != self.param_dtypes(parent)):
            out["dt"] = ", ".join(dtypes)
        if node.devices and (parent is None or node.devices != parent.devices):
            out["dv"] = ", ".join(node.devices)
        return out

    def param_dtypes(self, node: ModuleNode) -> tuple[str, ...]:
        """Sorted dtypes of the parameters under ``node`` (buffers such as int64 ids left out)."""
        got = self._pdt.get(node.path)
        if got is None:
            found = {t["dtype"] for t in node.tensors if t["kind"] == "param"}
            for child in node.children:
                found.update(self.param_dtypes(child))
            got = self._pdt[node.path] = tuple(sorted(found))
        return got

    def placement(self) -> placement.Placement | None:
        """Where accelerate put each tensor, for a model it placed (None for any other)."""
        if self._placement is False:
            model = self.root.module
            placed = placement.dispatched(model)
            self._placement = placement.Placement(model) if placed else None
        return self._placement

    def places(self, node: ModuleNode) -> tuple[str, ...]:
        """Sorted distinct places of the tensors under ``node`` (see :meth:`Placement.own`);
        empty for a model accelerate did not place."""
        where = self.placement()
        if where is None:
            return ()
        got = self._places.get(node.path)
        if got is None:
            found = set(where.own(node.path).values())
            for child in node.children:
                found.update(self.places(child))
            got = self._places[node.path] = tuple(sorted(found))
        return got

    def notes(self, node: ModuleNode) -> list[list[str]]:
        """Extra ``[label, text]`` lines for the details: PEFT adapters and accelerate placement."""
        out = adapter_notes(self.root.module, node.module, node.path)
        where = self.placement()
        if where is not None:
            out += placement_notes(where, node.path, list(self.places(node)))
        return out

    @staticmethod
    def group_row(group: Group) -> dict[str, Any]:
        """The row of a folded run of identical siblings (``(0-5): 6 x TransformerBlock``)."""
        params = group.params
        return {
            "g": group.members[0].name,
            "n": group.name,
            "t": group.type,
            "x": group.count,
            "c": params,
            "s": short_count(params),
        }

    def _items(self, parent: ModuleNode, items: list, offset: int) -> dict[str, Any]:
        window = items[offset : offset + PAGE]
        rows = [
            self.group_row(it) if isinstance(it, Group) else self.row(it, parent) for it in window
        ]
        return {"offset": offset, "total": len(items), "items": rows}

    # -- requests ----------------------------------------------------------------------------------
    def children(self, path: str, group: str | None = None, offset: int = 0) -> dict[str, Any]:
        """One page of a node's folded children, or of a folded group's members.

        Returns ``{"key", "offset", "total", "items"}``: ``key`` is the path (or the group key).
        """
        node = self.node(path)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a non-negative int, got {offset!r}")
        if group is None:
            return {"key": path, **self._items(node, self.folded(node), offset)}
        for it in self.folded(node):
            if isinstance(it, Group) and it.members[0].name == group:
                return {"key": group_key(path, it), **self._items(node, it.members, offset)}
        raise UnknownPathError(f"no folded group starting at {group!r} under {path!r}")

    def initial(self) -> dict[str, Any]:
        """The first message: the root row and the first ``INITIAL_DEPTH`` levels of children.

        The root's own children page is always there (empty for a module without children), so
        a viewer never waits for it.
        """
        root = self.root
        kids: list[dict] = []
        todo = [(root, 0)]
        while todo:
            node, depth = todo.pop(0)
            if node is not root and (not node.children or depth >= INITIAL_DEPTH):
                continue
            kids.append(self.children(node.path))
            todo.extend(
                (it, depth + 1) for it in self.folded(node)[:PAGE] if it.__class__ is not Group
            )
        return {"root": self.row(root), "total": root.params, "kids": kids, "page": PAGE}

    def reveal(self, path: str) -> dict[str, Any]:
        """What a viewer needs to show ``path``: the page holding it at every level above.

        Returns ``{"path", "open", "kids"}``: keys to open (ancestors and folded groups, from the
        root down) and the children pages that contain the next step of the way.
        """
        self.node(path)
        opens: list[str] = []
        kids: list[dict] = []
        node = self.root
        for name in path.split(".") if path else []:
            opens.append(node.path)
            items = self.folded(node)
            for i, it in enumerate(items):
                if isinstance(it, Group):
                    j = next((j for j, m in enumerate(it.members) if m.name == name), -1)
                    if j >= 0:
                        kids.append({"key": node.path, **self._items(node, items, i - i % PAGE)})
                        key = group_key(node.path, it)
                        opens.append(key)
                        kids.append({"key": key, **self._items(node, it.members, j - j % PAGE)})
                        child = it.members[j]
                        break
                elif it.name == name:
                    kids.append({"key": node.path, **self._items(node, items, i - i % PAGE)})
                    child = it
                    break
            else:  # pragma: no cover - node() succeeded, so the path exists
                raise UnknownPathError(f"no module at path {path!r}")
            node = child
        return {"path": path, "open": opens, "kids": kids}

    def search(self, query: str, limit: int = MAX_MATCHES) -> dict[str, Any]:
        """Modules whose name or type contains ``query`` (case-insensitive), over the whole tree.

        A query with a dot matches full paths, where the match reaches into the module's own
        name (``"layer.3.ffn"`` finds that module, not everything below it). Returns ``{"q",
        "total", "matches", "rows"}``: the first ``limit`` matching paths in tree order, and rows
        (in tree order) for those matches and every ancestor needed to show them.
        """
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        q = query.strip().lower()
        out = {"q": query, "total": 0, "matches": [], "rows": []}
        if not q:
            return out
        dotted = "." in q
        matches: list[ModuleNode] = []
        total = 0
        for node in self.root.walk():
            if node is self.root:
                continue
            if dotted:  # the match must reach into the node's own name, not stop above it
                at = node.path.lower().rfind(q)
                hit = at >= 0 and at + len(q) > len(node.path) - len(node.name)
            else:
                hit = q in node.name.lower()
            if hit or q in node.type.lower():
                total += 1
                if len(matches) < limit:
                    matches.append(node)
        shown: dict[str, ModuleNode] = {}
        for m in matches:
            parts = m.path.split(".")
            for i in range(1, len(parts) + 1):
                p = ".".join(parts[:i])
                if p not in shown:
                    shown[p] = self.root.find(p)
        rows = [self.row(n) for n in shown.values()]
        out.update(total=total, matches=[m.path for m in matches], rows=rows)
        return out

    def budget(self, compute: bool = True) -> Any:
        """The :class:`explorer.budget.Budget` from ``costs`` (None without one).

        A callable ``costs`` is called once, when ``compute`` is true, and its Budget kept; with
        ``compute`` false, None until then.
        """
        costs = self.costs
        if not callable(costs):  # None or a Budget
            return costs
        if self._made[0] is not costs:
            if not compute:
                return None
            self._made = (costs, costs())
        return self._made[1]

    def cost(self, path: str, dtype: Any = None, compute: bool = True) -> dict[str, Any] | None:
        """The module's share of each counting convention and its bytes in ``dtype``
        (default :attr:`cost_dtype`): :meth:`explorer.budget.Budget.module`, or None without a
        budget (no ``costs``, or not computed yet and ``compute`` false).
        """
        node = self.node(path)
        got = self.budget(compute)
        return None if got is None else got.module(node.path, dtype or self.cost_dtype)

    def details(self, path: str, cost: bool | str = False) -> dict[str, Any]:
        """Everything the details pane shows for one module, as plain data (never HTML).

        ``cost`` adds ``"cost"`` (see :meth:`cost`): True computes the budget if needed,
        "ready" only reads one already computed (a first display stays fast), False leaves it
        out. Without ``costs`` there is none; if the budget fails, ``{"error": message}``.
        """
        if cost not in (True, False, "ready"):
            raise ValueError(f'cost must be True, False or "ready", got {cost!r}')
        node = self.node(path)
        out = node.summary()
        out["repr"] = node.repr[:_MAX_REPR]
        out["tensors"] = out["tensors"][:_MAX_TENSORS]
        out["n_tensors"] = len(node.tensors)
        out["new"] = node.path in self.new_paths or any(
            node.path.startswith(p + ".") or p == "" for p in self.new_paths
        )
        out["total"] = self.root.params
        out["output"] = self.output_text(node.path)
        notes = self.notes(node)
        if notes:
            out["notes"] = notes
        if cost:
            try:
                got = self.cost(node.path, compute=cost is True)
            except Exception as exc:  # the budget failing must not hide the rest of the details
                got = {"error": f"{type(exc).__name__}: {exc}"}
            if got is not None:
                out["cost"] = got
        return out

    def copy(self, path: str, what: str) -> dict[str, Any]:
        """One text of the "Copy" menu for the module at ``path``.

        ``what`` is "attribute" (``model.distilbert.transformer.layer[0]``), "submodule" (the
        ``get_submodule`` name), "state_dict" (its keys, one per line) or "lora" (PEFT
        ``target_modules`` values). Returns ``{"path", "what", "text"}``.
        """
        return {"path": path, "what": what, "text": copy_text(self.node(path), what)}

    def output_text(self, path: str) -> str | None:
        """The "output shape" line for ``path`` after the last run (None: no run shown)."""
        if not self.output_shapes:
            return None
        shapes = self.output_shapes.get(path)
        return format_shapes(shapes) if shapes else "not run for the last input"

    def answer(self, request: dict) -> dict[str, Any]:
        """The reply to one request (``{"op": ..., "id": ...}``); it carries the same ``id``."""
        if not isinstance(request, dict):
            raise TypeError(f"a request is a dict, not {type(request).__name__}")
        op = request.get("op")
        if op == "children":
            body = self.children(
                request.get("path", ""), request.get("group"), request.get("offset", 0)
            )
        elif op == "reveal":
            body = self.reveal(request.get("path", ""))
        elif op == "search":
            body = self.search(request.get("q", ""))
        elif op == "details":
            body = self.details(request.get("path", ""), request.get("cost", False))
        elif op == "copy":
            body = self.copy(request.get("path", ""), request.get("what", ""))
        else:
            raise ValueError(f"unknown request op {op!r}")
        return {"op": op, "id": request.get("id"), **body}

    def all_lists(self, max_depth: int | None = None) -> dict[str, list]:
        """Every children list a viewer can ask for, whole (all pages), by key.

        Parameters
        ----------
        max_depth
            Leave out the children of modules this many levels below the root (None: all).
        """
        lists: dict[str, list] = {}
        todo: list[tuple[str, str | None]] = []
        if max_depth is None or max_depth > 0:
            todo.append(("", None))
        while todo:
            path, group = todo.pop()
            node = self.node(path)
            if group is None:
                key, items = path, self.folded(node)
            else:
                it = next(
                    g
                    for g in self.folded(node)
                    if isinstance(g, Group) and g.members[0].name == group
                )
                key, items = group_key(path, it), it.members
            rows = [
                self.group_row(it) if isinstance(it, Group) else self.row(it, node) for it in items
            ]
            lists[key] = rows
            for r in rows:
                if "g" in r:
                    todo.append((path, r["g"]))
                elif r.get("k") and (max_depth is None or _depth(r["p"]) < max_depth):
                    todo.append((r["p"], None))
        return lists


def _depth(path: str) -> int:
    return path.count(".") + 1 if path else 0
