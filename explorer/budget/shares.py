"""One module's share of each counting convention, as plain data for a tree's details."""

from __future__ import annotations

from typing import Any

from .figures import dtype_name, nbytes
from .walk import ACTIVE

__all__ = ["module_row"]


def module_row(b, path: str, dtype: Any = "bfloat16") -> dict[str, Any]:
    """See :meth:`explorer.budget.Budget.module` (``b`` is the Budget)."""
    node = b.tree.find(path)
    name = dtype_name(dtype)
    params, emb, routed, active, stored = b._acc.by_path[node.path]
    prefix = node.path + "." if node.path else ""
    sets = [s.to_dict() for s in b.expert_sets if not node.path or s.path == node.path
            or s.path.startswith(prefix)]  # fmt: skip
    inside = b._acc.set_of.get(node.path)
    note = ""
    if inside:
        s = next(s for s in b.expert_sets if s.path == inside)
        note = (
            f"one of the routed experts at {inside}: a token uses {s.per_token} of "
            f"{s.experts}, so its active figure is its expected share "
            f"{s.per_token}/{s.experts} (rounded so the parts add up)"
        )
    elif sets:
        skipped = sum(s["skipped"] for s in sets)
        note = f"{len(sets)} set(s) of routed experts: a token skips {skipped:,}"
    if node.path in b._acc.embedding_paths:
        note = (note + "; " if note else "") + "embedding table or output projection"

    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    total_active = b._acc.total[ACTIVE]
    return {
        "path": node.path,
        "type": node.type,
        "params": params,
        "embedding": emb,
        "non_embedding": params - emb,
        "routed": routed,
        "active": active,
        "skipped": params - active,
        "share_params": share(params, int(b.params)),
        "share_embedding": share(emb, int(b.embedding)),
        "share_non_embedding": share(params - emb, int(b.non_embedding)),
        "share_active": share(active, total_active),
        "dtype": name,
        "bytes": nbytes(params, name),
        "stored_bytes": stored,
        "experts": sets,
        "note": note,
    }
