"""Exact module anatomy: any ``nn.Module`` -> a tree of ``ModuleNode`` with counts that add up."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from .model_info import unwrap_model
from .placement import offload_ties

__all__ = ["ModuleNode", "Group", "module_tree"]

# Lazy modules hold UninitializedParameter / UninitializedBuffer until their first forward.
from torch.nn.parameter import UninitializedTensorMixin as _Uninit


class _Context:
    """What all nodes of one tree share: tensor sharing and the folding signatures."""

    __slots__ = ("shared_paths", "sig_ids", "ties")

    def __init__(self, ties: dict[int, int] | None = None) -> None:
        self.shared_paths: dict[int, list[str]] = {}  # id(tensor) -> every full path holding it
        self.sig_ids: dict[tuple, int] = {}
        # id(tensor) -> id of the tensor it is: offloaded tied weights accelerate untied
        self.ties: dict[int, int] = ties or {}


class ModuleNode:
    """One module at one path of a model, with exact counts for its whole subtree.

    Each parameter tensor is counted once, at its first path in ``model.named_parameters()`` order;
    every other place holding the same tensor shows it as shared and counts 0 for it. Buffers are
    reported separately and never counted as parameters.

    Attributes
    ----------
    name, path, type, repr
        Attribute name ("" at the root), dotted path ("" at the root, as ``named_modules()``),
        class name, and torch's own one-line text (``repr(module)`` for a module without children,
        the class name plus its ``extra_repr()`` for a container).
    children
        Child nodes in ``print(model)`` order; a module registered at two paths appears at both.
    params, own_params, trainable_params
        Counted parameters under this path, directly on this module, and those that require grad.
    buffers, bytes
        Buffer elements under this path, and bytes of the counted parameters and buffers.
    dtypes, devices
        Sorted distinct dtypes / devices of the tensors under this path.
    tensors
        This module's own parameters and buffers: ``name, shape, dtype, device, numel, kind,
        requires_grad, counted, lazy, persistent`` (in ``state_dict``), ``path, shared_with``
        (other full paths holding the tensor).
    tensor_key
        The same tensors as ``(name, kind, shape, dtype, counted)`` tuples, without the dicts.
    shared
        Some tensor directly here is held at another path too (tied or shared weights).
    alias_of
        The first path of this module object when it is registered at more than one path.
    lazy, frozen, depth
        Holds uninitialized (lazy) tensors; has parameters and none of them trains; levels below
        the root.

    Notes
    -----
    Counts are computed when the tree is built. Text and per-tensor details (``repr``,
    ``tensors``, ``dtypes``, ``devices``, the folding signature) are read from the module the
    first time they are asked for, so building stays cheap for models with many modules.
    """

    __slots__ = (
        "name",
        "path",
        "type",
        "depth",
        "children",
        "params",
        "own_params",
        "trainable_params",
        "buffers",
        "bytes",
        "shared",
        "alias_of",
        "lazy",
        "frozen",
        "_module",
        "_raw",
        "_ctx",
        "_repr",
        "_sig",
        "_dtypes",
        "_devices",
        "_tensors",
        "_index",
    )

    def __init__(self, name: str, path: str, module: nn.Module, depth: int, ctx: _Context):
        self.name = name
        self.path = path
        self.type = type(module).__name__
        self.depth = depth
        self.children: list[ModuleNode] = []
        self.params = self.own_params = self.trainable_params = self.buffers = self.bytes = 0
        self.shared = self.lazy = self.frozen = False
        self.alias_of: str | None = None
        self._module = module
        self._raw: list[tuple] = []  # (name, tensor, kind, counted, lazy) per own tensor
        self._ctx = ctx
        self._repr = self._sig = self._dtypes = self._devices = self._tensors = self._index = None

    # -- details read on demand ---------------------------------------------------------------
    @property
    def module(self) -> nn.Module:
        """The module itself (read it, never change it)."""
        return self._module

    @property
    def repr(self) -> str:
        """Torch's own one-line text for this module."""
        if self._repr is None:
            self._repr = _one_line(self._module, bool(self.children))
        return self._repr

    @property
    def dtypes(self) -> list[str]:
        """Sorted distinct dtypes of the tensors under this path."""
        if self._dtypes is None:
            found = {_dtype_name(t.dtype) for _, t, *_ in self._raw}
            for c in self.children:
                found.update(c.dtypes)
            self._dtypes = sorted(found)
        return self._dtypes

    @property
    def devices(self) -> list[str]:
        """Sorted distinct devices of the tensors under this path."""
        if self._devices is None:
            found = {_device_name(t.device) for _, t, *_ in self._raw}
            for c in self.children:
                found.update(c.devices)
            self._devices = sorted(found)
        return self._devices

    @property
    def tensors(self) -> list[dict[str, Any]]:
        """This module's own parameters and buffers, as JSON-safe dicts."""
        if self._tensors is None:
            prefix = self.path + "." if self.path else ""
            shared = self._ctx.shared_paths
            transient = getattr(self._module, "_non_persistent_buffers_set", ())
            out = []
            for tname, t, kind, counted, is_lazy in self._raw:
                full = prefix + tname
                others = shared.get(self._ctx.ties.get(id(t), id(t)))
                out.append(
                    {
                        "name": tname,
                        "shape": [] if is_lazy else list(t.shape),
                        "dtype": _dtype_name(t.dtype),
                        "device": _device_name(t.device),
                        "numel": 0 if is_lazy else t.numel(),
                        "kind": kind,
                        "requires_grad": kind == "param" and bool(t.requires_grad),
                        "counted": counted,
                        "lazy": is_lazy,
                        "persistent": kind == "param" or tname not in transient,
                        "path": full,
                        "shared_with": [p for p in others if p != full] if others else [],
                    }
                )
            self._tensors = out
        return self._tensors

    @property
    def tensor_key(self) -> tuple:
        """This module's own tensors as ``(name, kind, shape, dtype, counted)`` tuples.

        The facts of :attr:`tensors` that tell whether two modules hold alike tensors, read
        straight from the module's tensor list without building (and keeping) the dicts:
        ``shape`` is a tuple (``()`` for a lazy tensor), ``dtype`` a name such as "float32".
        Cheap enough to ask for on every node of a large model (``explorer.compare`` does).
        """
        return tuple(
            [
                (tname, kind, () if is_lazy else tuple(t.shape), _dtype_name(t.dtype), counted)
                for tname, t, kind, counted, is_lazy in self._raw
            ]
        )

    @property
    def signature(self) -> int:
        """Equal for subtrees that print and count the same: the basis of folding."""
        if self._sig is None:
            key = (
                self.type,
                self.repr,
                self.own_params,
                self.trainable_params,
                self.alias_of is not None,
                tuple([r[3] for r in self._raw]),
                tuple(self.dtypes),
                tuple(self.devices),
                tuple([(c.name, c.signature) for c in self.children]),
            )
            ids = self._ctx.sig_ids
            self._sig = ids.setdefault(key, len(ids))
        return self._sig

    # -- navigation -----------------------------------------------------------------------------
    def walk(self) -> Iterator[ModuleNode]:
        """Yield this node and every node below it, in pre-order (``print(model)`` order)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find(self, path: str) -> ModuleNode:
        """Return the node at ``path`` (relative to this node's model root).

        Raises
        ------
        KeyError
            If no module is registered at that path.
        """
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        if self._index is None:
            self._index = {node.path: node for node in self.walk()}
        try:
            return self._index[path]
        except KeyError:
            raise KeyError(f"no module at path {path!r}") from None

    def groups(self) -> list[ModuleNode | Group]:
        """Children with runs of identical consecutive siblings folded, as torch prints them.

        ``(0-5): 6 x TransformerBlock`` becomes one :class:`Group` holding the six member nodes;
        a child that is not repeated appears as itself. No node is lost.
        """
        out: list[ModuleNode | Group] = []
        kids = self.children
        i = 0
        while i < len(kids):
            j = i + 1
            while j < len(kids) and kids[j].signature == kids[i].signature:
                j += 1
            if j - i > 1:
                out.append(Group(kids[i:j]))
            else:
                out.append(kids[i])
            i = j
        return out

    # -- serialisation --------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """This node's own facts as JSON-safe data, without children."""
        return {
            "name": self.name,
            "path": self.path,
            "type": self.type,
            "repr": self.repr,
            "depth": self.depth,
            "params": self.params,
            "own_params": self.own_params,
            "trainable_params": self.trainable_params,
            "buffers": self.buffers,
            "bytes": self.bytes,
            "dtypes": list(self.dtypes),
            "devices": list(self.devices),
            "tensors": [dict(t, shape=list(t["shape"])) for t in self.tensors],
            "shared": self.shared,
            "alias_of": self.alias_of,
            "lazy": self.lazy,
            "frozen": self.frozen,
            "n_children": len(self.children),
        }

    def to_dict(self, max_depth: int | None = None, fold: bool = False) -> dict[str, Any]:
        """JSON-safe nested data for this subtree.

        Parameters
        ----------
        max_depth
            Levels of children to include below this node (None: all). Nodes cut off keep
            ``n_children`` so a viewer can ask for them later.
        fold
            Fold runs of identical siblings into ``{"group": True, "name": "0-5", "count": 6,
            "members": [...]}`` entries (members are full nodes, nothing is dropped).
        """
        out = self.summary()
        if max_depth is not None and max_depth <= 0:
            return out
        nxt = None if max_depth is None else max_depth - 1
        if fold:
            out["children"] = [
                g.to_dict(nxt) if isinstance(g, Group) else g.to_dict(nxt, fold=True)
                for g in self.groups()
            ]
        else:
            out["children"] = [c.to_dict(nxt) for c in self.children]
        return out

    def __repr__(self) -> str:  # a short, useful repr in notebooks
        return (
            f"ModuleNode(path={self.path!r}, type={self.type!r}, params={self.params:,}, "
            f"children={len(self.children)})"
        )


class Group:
    """A run of identical consecutive siblings, e.g. ``(0-5): 6 x TransformerBlock``."""

    __slots__ = ("members",)

    def __init__(self, members: list[ModuleNode]):
        self.members = members

    @property
    def name(self) -> str:
        return f"{self.members[0].name}-{self.members[-1].name}"

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def type(self) -> str:
        return self.members[0].type

    @property
    def params(self) -> int:
        return sum(m.params for m in self.members)

    def to_dict(self, max_depth: int | None = None) -> dict[str, Any]:
        """JSON-safe data: the run's label and its member nodes (folded themselves)."""
        return {
            "group": True,
            "name": self.name,
            "count": self.count,
            "type": self.type,
            "params": self.params,
            "trainable_params": sum(m.trainable_params for m in self.members),
            "buffers": sum(m.buffers for m in self.members),
            "bytes": sum(m.bytes for m in self.members),
            "paths": [m.path for m in self.members],
            "members": [m.to_dict(max_depth, fold=True) for m in self.members],
        }

    def __repr__(self) -> str:
        return f"Group({self.name!r}: {self.count} x {self.type})"


_MODULE_REPR = nn.Module.__repr__


def _one_line(module: nn.Module, has_children: bool) -> str:
    """Torch's own text for a module: repr() for leaves, class name + extra_repr for containers."""
    name = module._get_name()
    try:
        extra = module.extra_repr()
    except Exception as exc:  # a broken extra_repr must not break the tree
        extra = f"<extra_repr failed: {type(exc).__name__}>"
    if has_children:
        return f"{name}({extra})" if extra else name
    if type(module).__repr__ is not _MODULE_REPR:
        try:
            return repr(module)
        except Exception:
            return f"{name}({extra})"
    if "\n" in extra:  # what nn.Module.__repr__ prints for a multi-line extra_repr
        return name + "(\n  " + extra.replace("\n", "\n  ") + "\n)"
    return f"{name}({extra})"


_DTYPE_NAMES: dict[torch.dtype, str] = {}
_DEVICE_NAMES: dict[torch.device, str] = {}


def _dtype_name(dtype: torch.dtype) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype).removeprefix("torch.")
    return name


def _device_name(device: torch.device) -> str:
    name = _DEVICE_NAMES.get(device)
    if name is None:
        name = _DEVICE_NAMES[device] = str(device)
    return name


class _Builder:
    """One pass over ``_modules`` in print order, counting each tensor at its first path."""

    def __init__(self, ties: dict[int, int] | None = None) -> None:
        self.ctx = _Context(ties)
        self.module_first: dict[int, str] = {}  # id(module) -> first path
        self.tensor_first: dict[int, tuple] = {}  # id(tensor) -> (full path, node) where counted
        self.tensor_more: dict[int, list[tuple]] = {}  # id(tensor) -> later (full path, node)
        self.on_stack: set[int] = set()

    def build(self, module: nn.Module, name: str, path: str, depth: int, in_alias: bool):
        mid = id(module)
        alias_of = self.module_first.get(mid)
        if alias_of is None:
            self.module_first[mid] = path
        else:
            in_alias = True
        node = ModuleNode(name, path, module, depth, self.ctx)
        node.alias_of = alias_of
        prefix = path + "." if path else ""
        own = trainable = nbuf = nbytes = 0
        lazy = False
        first = self.tensor_first
        ties = self.ctx.ties
        raw = node._raw
        for kind, items in (("param", module._parameters), ("buffer", module._buffers)):
            if not items:
                continue
            is_param = kind == "param"
            for tname, t in items.items():
                if t is None:
                    continue
                is_lazy = isinstance(t, _Uninit)
                tid = ties.get(id(t), id(t)) if ties else id(t)
                counted = not in_alias and tid not in first
                raw.append((tname, t, kind, counted, is_lazy))
                if is_lazy:
                    lazy = True
                if not counted:
                    self.tensor_more.setdefault(tid, []).append((prefix + tname, node))
                    continue
                first[tid] = (prefix + tname, node)
                if is_lazy:
                    continue
                numel = t.numel()
                nbytes += numel * t.element_size()
                if is_param:
                    own += numel
                    if t.requires_grad:
                        trainable += numel
                else:
                    nbuf += numel
        total, total_train = own, trainable
        kids = module._modules
        if kids and mid not in self.on_stack:  # a module containing itself is not entered again
            self.on_stack.add(mid)
            children = node.children
            for cname, child in kids.items():
                if child is None:
                    continue
                c = self.build(child, cname, prefix + cname, depth + 1, in_alias)
                children.append(c)
                total += c.params
                total_train += c.trainable_params
                nbuf += c.buffers
                nbytes += c.bytes
                if c.lazy:
                    lazy = True
            self.on_stack.discard(mid)
        node.own_params = own
        node.params = total
        node.trainable_params = total_train
        node.buffers = nbuf
        node.bytes = nbytes
        node.lazy = lazy
        node.frozen = total > 0 and total_train == 0
        return node

    def link_shared(self) -> None:
        """Record, for every tensor held at several paths, all of them; flag their holders."""
        shared = self.ctx.shared_paths
        for tid, more in self.tensor_more.items():
            entries = [self.tensor_first[tid], *more] if tid in self.tensor_first else more
            shared[tid] = [p for p, _ in entries]
            for _, node in entries:
                node.shared = True


def module_tree(model: Any) -> ModuleNode:
    """Build the exact, explorable tree of any ``nn.Module`` (or a pipeline's ``.model``).

    Works on any device, including ``meta`` (no memory, no forward pass): counts come from
    tensor shapes and identities, never from data pointers.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a transformers pipeline.

    Returns
    -------
    ModuleNode
        The root node; ``root.params == sum(p.numel() for p in model.parameters())``.

    Examples
    --------
    >>> import torch.nn as nn, explorer
    >>> root = explorer.module_tree(nn.Sequential(nn.Linear(4, 2), nn.ReLU()))
    >>> root.params, [c.repr for c in root.children]
    (10, ['Linear(in_features=4, out_features=2, bias=True)', 'ReLU()'])
    """
    module = unwrap_model(model)
    builder = _Builder(offload_ties(module))
    # The build allocates a few small containers per module and tensor and frees none of them:
    # cyclic garbage collection would only rescan them again and again (half the time on 25k
    # modules), so it is paused for the build and restored after.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root = builder.build(module, "", "", 0, False)
        builder.link_shared()
    finally:
        if was_enabled:
            gc.enable()
    return root
