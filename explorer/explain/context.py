"""What a describer may read about one module: the describe context (Ctx) and how it is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from torch import nn
from torch.nn.parameter import UninitializedTensorMixin

from ..anatomy import module_tree
from ..model_info import tensors


@dataclass
class Ctx:
    """Everything a describer may read about one module of a model."""

    model: nn.Module
    module: nn.Module
    path: str
    counted: int = 0
    total: int = 0
    shared: list = field(default_factory=list)  # [(own param name, [other full names])]
    aliases: list = field(default_factory=list)  # other paths of this same module object

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def type(self) -> str:
        return type(self.module).__name__

    @property
    def config(self):
        return getattr(self.model, "config", None)

    @cached_property
    def ancestors(self) -> list:
        """``[(path, module), ...]`` from the root down to the parent."""
        out, parts = [("", self.model)], self.path.split(".") if self.path else []
        for i in range(1, len(parts)):  # one step down each time: any depth in linear time
            out.append((".".join(parts[:i]), out[-1][1].get_submodule(parts[i - 1])))
        return out if self.path else []

    @property
    def parent(self):
        return self.ancestors[-1][1] if self.ancestors else None

    @property
    def parent_type(self) -> str:
        return type(self.parent).__name__ if self.parent is not None else ""

    @property
    def parent_name(self) -> str:
        return self.ancestors[-1][0].rsplit(".", 1)[-1] if self.ancestors else ""

    def inside(self, *words: str) -> bool:
        """True when the parent's type or attribute name contains one of ``words``."""
        hay = (self.parent_type + " " + self.parent_name).lower()
        return any(w.lower() in hay for w in words)

    def children(self) -> list:
        return list(self.module.named_children())

    def child(self, name: str) -> Ctx:
        return make_ctx(self.model, f"{self.path}.{name}" if self.path else name)


def _counts(node, module: nn.Module, path: str):
    """Parameters counted at ``path`` (module_tree's rule: each tensor once, at its first path),
    parameters the module uses, and its tensors that other paths hold too (tied weights)."""
    prefix = f"{path}." if path else ""
    total = sum(  # a lazy module's tensors have no size yet: 0, as module_tree counts them
        p.numel() for p in tensors(module) if not isinstance(p, UninitializedTensorMixin)
    )
    shared = []
    for sub in node.walk():
        for t in sub.tensors:
            others = [o for o in t["shared_with"] if not o.startswith(prefix)]
            if t["kind"] == "param" and others:
                shared.append((t["path"], others))
    return node.params, total, shared


def make_ctx(model: nn.Module, path: str, tree=None) -> Ctx:
    """Build the context for the module at ``path`` (raises KeyError naming an unknown path)."""
    if not isinstance(path, str):
        raise TypeError(
            f"path must be a str like 'distilbert.embeddings', not {type(path).__name__}"
        )
    try:
        module = model.get_submodule(path)
    except AttributeError:
        raise KeyError(
            f"no module at path {path!r} in {type(model).__name__} "
            "(paths are the names printed by model.named_modules(), '' for the whole model)"
        ) from None
    if tree is None:
        tree = module_tree(model)
    node = tree.find(path)
    counted, total, shared = _counts(node, module, path)
    # Every path holding this module object: its first path and the nodes naming it as theirs
    # (the tree lists a module at each of its paths, as named_modules(remove_duplicate=False)).
    first = node.alias_of or path
    aliases = [
        n.path for n in tree.walk() if (n.path == first or n.alias_of == first) and n.path != path
    ]
    return Ctx(model, module, path, counted, total, shared, aliases)
