"""One pass over module_tree's nodes: embedding, routed-expert and active parameters per path."""

from __future__ import annotations

import gc
from typing import Any

from torch import nn
from torch.nn.parameter import UninitializedTensorMixin

from ..anatomy import ModuleNode
from .experts import ExpertSet, expert_layout, experts_per_token

__all__ = ["Accounts", "account"]

# Per path: [params, embedding, routed, active, stored bytes of the parameters]
PARAMS, EMBEDDING, ROUTED, ACTIVE, STORED = range(5)


class Accounts:
    """What :func:`account` found: per-path figures, the expert sets, the embedding tables.

    Attributes
    ----------
    total
        ``[params, embedding, routed, active, stored bytes]`` of the whole model.
    expert_sets
        Every layer's routed experts found.
    missing_top_k
        Paths of routed experts for which no experts-per-token count was found.
    embedding_paths
        Module paths of the embedding tables and the output projection.
    output_embeddings
        Path of ``get_output_embeddings()``, or None.
    dtypes
        The torch dtypes of the counted parameters.
    """

    def __init__(self) -> None:
        self.total: list[int] = [0] * 5
        self.expert_sets: list[ExpertSet] = []
        self.missing_top_k: list[str] = []
        self.embedding_paths: list[str] = []
        self.output_embeddings: str | None = None
        self.dtypes: set = set()
        self._rows: dict[str, list[int]] = {}
        self._spread: list[tuple[ModuleNode, int]] = []  # per-expert sets: (set node, active)
        self._set_of: dict[str, str] = {}

    @property
    def by_path(self) -> dict[str, list[int]]:
        """``path -> [params, embedding, routed, active, stored bytes]`` for every node.

        Each tensor is counted at the node where module_tree counts it. Inside a set of
        per-expert modules, each node's active figure is its share of the set's (worked out on
        first use: it touches every expert module).
        """
        if self._spread:
            pending, self._spread = self._spread, []
            for node, active in pending:
                self._share_out(node, active, node.path)
        return self._rows

    @property
    def set_of(self) -> dict[str, str]:
        """For a path inside a set of per-expert modules, the set's path."""
        self.by_path  # noqa: B018 (completes the shares)
        return self._set_of

    def _share_out(self, node: ModuleNode, amount: int, set_path: str) -> None:
        rows = self._rows
        stack = [(c, part) for c, part in zip(node.children, _split(amount, node.children, 0))]
        while stack:
            child, part = stack.pop()
            row = rows[child.path]
            row[ROUTED] = row[PARAMS]
            row[ACTIVE] = part
            self._set_of[child.path] = set_path
            if child.children:
                own = row[PARAMS] - sum(c.params for c in child.children)
                parts = _split(part, child.children, own)
                stack.extend(zip(child.children, parts))


def _lazy(t: Any) -> bool:
    return isinstance(t, UninitializedTensorMixin)


def _split(amount: int, nodes: list[ModuleNode], own: int) -> list[int]:
    """Split ``amount`` over ``nodes`` (after ``own``) by their params, in integers adding up."""
    weights = [own] + [n.params for n in nodes]
    total = sum(weights)
    if total == 0:
        return [0] * len(nodes)
    exact = [amount * w for w in weights]
    parts = [e // total for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] % total), i))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    return parts[1:]


def _output_embeddings(root: nn.Module) -> nn.Module | None:
    get = getattr(root, "get_output_embeddings", None)
    if not callable(get):
        return None
    try:
        out = get()
    except Exception:  # some models raise instead of returning None
        return None
    return out if isinstance(out, nn.Module) else None


def account(tree: ModuleNode, root: nn.Module, config: Any) -> Accounts:
    """Walk ``tree`` (from module_tree of ``root``) beside the modules themselves.

    Parameters
    ----------
    tree
        ``module_tree(root)``: its counts and counted flags decide where each tensor counts.
    root
        The model (already unwrapped from a pipeline).
    config
        The model's config or None (read for experts per token when the model does not say).
    """
    acc = Accounts()
    out = _output_embeddings(root)
    rows = acc._rows
    dtypes = acc.dtypes
    emb_counted: set[str] = set()  # full tensor paths counted as embedding
    emb_elsewhere: list[dict] = []  # embedding tensors module_tree counts at another path

    def own(node: ModuleNode, module: nn.Module) -> list[int]:
        """This node's own counted parameters: [params, 0, 0, params, stored bytes]."""
        params = node.own_params
        if params == 0:
            return [0, 0, 0, 0, 0]
        seen = stored = 0
        for p in module._parameters.values():
            if p is not None and not isinstance(p, UninitializedTensorMixin):
                n = p.numel()
                seen += n
                stored += n * p.element_size()
                dtypes.add(p.dtype)
        if seen != params:  # some are tied to a tensor counted elsewhere: module_tree says which
            names = {t["name"] for t in node.tensors if t["kind"] == "param" and t["counted"]}
            held = [p for n, p in module._parameters.items() if n in names and not _lazy(p)]
            stored = sum(p.numel() * p.element_size() for p in held)
        return [params, 0, 0, params, stored]

    def embedding(node: ModuleNode, row: list[int]) -> None:
        acc.embedding_paths.append(node.path)
        for t in node.tensors:
            if t["kind"] != "param" or t["lazy"]:
                continue
            if t["counted"]:
                row[EMBEDDING] += t["numel"]
                emb_counted.add(t["path"])
            else:
                emb_elsewhere.append(t)

    def visit(tree: ModuleNode, root: nn.Module) -> list:
        """Each node's row: its own on the way down, its children's added on the way up.

        An explicit stack in the order a recursion would take (models nest without limit).
        """
        done: dict[int, list] = {}  # id(node) -> finished row, until its parent takes it
        stack: list[tuple] = [(tree, root, None, None, None)]
        while stack:
            node, module, parent, up, layout = stack.pop()
            if layout is None:  # on the way down
                row = own(node, module)
                if module is out or isinstance(module, nn.Embedding):
                    embedding(node, row)
                    if module is out and acc.output_embeddings is None:
                        acc.output_embeddings = node.path
                layout = expert_layout(node.name, module) if parent is not None else None
                done[id(node)] = row
                stack.append((node, module, parent, up, layout or ()))
                kids = module._modules
                stack.extend(
                    (child, kids[child.name], node, module, None)
                    for child in reversed(node.children)
                )
                continue
            row = done[id(node)]
            for child in node.children:
                c = done.pop(id(child))
                row[0] += c[0]
                row[1] += c[1]
                row[2] += c[2]
                row[3] += c[3]
                row[4] += c[4]
            rows[node.path] = row
            if layout:
                experts(node, module, parent, up, row, *layout)
        return done.pop(id(tree))

    def experts(node, module, parent, up, row, kind: str, n: int) -> None:
        if kind == "fused":
            own_counted = [t for t in node.tensors if t["kind"] == "param" and t["counted"]]
            routed = sum(t["numel"] for t in own_counted)
            one = sum(t["numel"] // n for t in own_counted)
            sizes = [one] * n
        else:
            routed = row[PARAMS] - (node.own_params or 0)
            sizes = sorted((c.params for c in node.children), reverse=True)
        row[ROUTED] = routed
        found = experts_per_token(node.path, module, parent.path, up, config)
        if found is None:
            acc.missing_top_k.append(node.path)
            return
        k, where = min(found[0], n), found[1]
        active = sum(sizes[:k])
        note = "experts differ in size: the k largest are counted" * (len(set(sizes)) > 1)
        row[ACTIVE] = row[PARAMS] - routed + active
        acc.expert_sets.append(ExpertSet(node.path, kind, n, k, routed, active, where, note))
        if kind == "modules":
            acc._spread.append((node, active))

    # As module_tree does: pause cyclic garbage collection, which would rescan the whole tree
    # again and again while this pass allocates its small lists.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        acc.total = visit(tree, root)
    finally:
        if was_enabled:
            gc.enable()
    _count_elsewhere(tree, rows, emb_counted, emb_elsewhere)
    return acc


def _count_elsewhere(tree, rows, emb_counted: set, pending: list[dict]) -> None:
    """Count an embedding tensor module_tree counts at a non-embedding path, there, once."""
    for t in pending:
        if emb_counted.intersection(t["shared_with"]):
            continue  # already counted at an embedding table or the output projection
        for full in t["shared_with"]:
            path, _, name = full.rpartition(".")
            holder = tree.find(path)
            if any(x["name"] == name and x["counted"] for x in holder.tensors):
                emb_counted.add(full)
                parts = path.split(".") if path else []
                for i in range(len(parts) + 1):
                    rows[".".join(parts[:i])][EMBEDDING] += t["numel"]
                break
