"""Compare two models module by module: aligned diff rows and a summary (widgets/compare.py shows them)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar

from ..adapters import base_model_of, is_peft_model, is_tuner_model
from ..anatomy import ModuleNode, module_tree
from ..model_info import unwrap_model
from .summary import Summary

__all__ = ["compare", "Comparison", "Row", "Summary", "STATUSES"]

STATUSES = ("same", "changed", "only_a", "only_b")


@dataclass(frozen=True)
class Row:
    """One module path present in either model.

    Attributes
    ----------
    path, name, depth
        Dotted path ("" is the root), its last part, and its depth (root 0).
    status
        "same" (same type, same repr and same own tensors), "changed" (same path, something
        differs: see ``reasons``), "only_a" or "only_b" (the path exists in one model only).
    type_a, type_b, repr_a, repr_b
        Class names and torch's one-line texts on each side; None where the path is absent.
    params_a, params_b
        Parameters under this path on each side (tied weights counted once, at their first path,
        as ``module_tree``); None where absent.
    own_a, own_b
        Parameters counted directly on this module (not in its children); None where absent.
    reasons
        For "changed": which of "type", "repr", "tensors" (own parameter/buffer names, shapes or
        dtypes) and "sharing" (a tensor tied in one model and not in the other) differ.
    differs_below
        True when some row under this path is not "same".
    """

    path: str
    name: str
    depth: int
    status: str
    type_a: str | None
    type_b: str | None
    repr_a: str | None
    repr_b: str | None
    params_a: int | None
    params_b: int | None
    own_a: int | None
    own_b: int | None
    reasons: tuple = ()
    differs_below: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of all fields."""
        out = asdict(self)
        out["reasons"] = list(self.reasons)
        return out


def _row(path: str, name: str, depth: int, a: ModuleNode | None, b: ModuleNode | None) -> Row:
    reasons: list[str] = []
    if a is None or b is None:
        status = "only_b" if a is None else "only_a"
    else:
        if a.type != b.type:
            reasons.append("type")
        if a.repr != b.repr:
            reasons.append("repr")
        # (name, kind, shape, dtype, counted) per own tensor; most pairs are equal as a whole
        key_a, key_b = a.tensor_key, b.tensor_key
        dtype_only = False
        if key_a != key_b:
            if [k[:3] for k in key_a] != [k[:3] for k in key_b]:
                reasons.append("tensors")
            else:
                if [k[4] for k in key_a] != [k[4] for k in key_b]:
                    reasons.append("sharing")
                dtype_only = [k[3] for k in key_a] != [k[3] for k in key_b]
        # A dtype alone (float16 vs bfloat16) is noted, not a change of the architecture.
        status = "changed" if reasons else "same"
        if dtype_only:
            reasons.append("dtype")
    return Row(
        path=path,
        name=name,
        depth=depth,
        status=status,
        type_a=a.type if a else None,
        type_b=b.type if b else None,
        repr_a=a.repr if a else None,
        repr_b=b.repr if b else None,
        params_a=a.params if a else None,
        params_b=b.params if b else None,
        own_a=a.own_params if a else None,
        own_b=b.own_params if b else None,
        reasons=tuple(reasons),
    )


def _merged_children(a: ModuleNode | None, b: ModuleNode | None) -> list:
    """Children of both sides as (name, node_a, node_b), in A's order with B-only children
    placed where they sit among B's children."""
    kids_a = a.children if a else []
    kids_b = b.children if b else []
    by_b = {c.name: (i, c) for i, c in enumerate(kids_b)}
    names_a = {c.name for c in kids_a}
    out, done_b = [], 0
    for ca in kids_a:
        hit = by_b.get(ca.name)
        if hit:
            j, cb = hit
            for cb_before in kids_b[done_b:j]:
                if cb_before.name not in names_a:
                    out.append((cb_before.name, None, cb_before))
            done_b = max(done_b, j + 1)
            out.append((ca.name, ca, cb))
        else:
            out.append((ca.name, ca, None))
    out.extend((cb.name, None, cb) for cb in kids_b[done_b:] if cb.name not in names_a)
    return out


def align(tree_a: ModuleNode, tree_b: ModuleNode) -> list[Row]:
    """One row per module path in either tree, in pre-order (parents before their children)."""
    rows: list[Row] = []
    parents: list[int] = []  # index of each row's parent row (-1 for the root)
    # As in module_tree: the rows are small objects that all stay alive, so cyclic garbage
    # collection would only rescan them (and both trees) again and again; paused meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        # An explicit stack, not recursion: models can nest thousands of levels deep.
        stack = [("", "", 0, tree_a, tree_b, -1)]
        while stack:
            name, path, depth, a, b, parent = stack.pop()
            index = len(rows)
            rows.append(_row(path, name, depth, a, b))
            parents.append(parent)
            kids = _merged_children(a, b)
            for cname, ca, cb in reversed(kids):
                cpath = f"{path}.{cname}" if path else cname
                stack.append((cname, cpath, depth + 1, ca, cb, index))
        # Children come after their parent: going backwards, each row is final before its
        # parent hears whether something under it differs.
        below = [False] * len(rows)
        for i in range(len(rows) - 1, -1, -1):
            if below[i]:
                rows[i] = replace(rows[i], differs_below=True)
            if i and (below[i] or rows[i].status != "same"):
                below[parents[i]] = True
    finally:
        if was_enabled:
            gc.enable()
    return rows


def folds(rows: list[Row], min_run: int = 2) -> list[dict[str, int]]:
    """Runs of consecutive rows whose whole subtree is identical, as ``{start, stop, count,
    params}`` (``rows[start:stop]``; params: parameters held directly by those modules)."""
    out, start = [], None
    for i, row in enumerate([*rows, None]):
        quiet = row is not None and row.status == "same" and not row.differs_below
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            if i - start >= min_run:
                run = rows[start:i]
                out.append(
                    {
                        "start": start,
                        "stop": i,
                        "count": i - start,
                        "params": sum(r.own_a for r in run),
                    }
                )
            start = None
    return out


def _label(model: Any, tree: ModuleNode) -> str:
    return tree.type if tree is not None else type(model).__name__


def _unwrapped(a: Any, b: Any) -> tuple[Any, Any, tuple[str, str]]:
    """A PEFT-wrapped model compared with a plain one is compared through the model it adapts
    (its LoRA layers are in there), so paths line up without ``base_model.model.``; the
    wrapper's class name is returned for the label ("" for a side left as given)."""
    models = [m if isinstance(m, ModuleNode) else unwrap_model(m) for m in (a, b)]
    peft = [is_peft_model(m) or is_tuner_model(m) for m in models]
    if peft[0] == peft[1]:
        return a, b, ("", "")
    inner = [base_model_of(m) if p else m for m, p in zip(models, peft, strict=True)]
    names = tuple(type(m).__name__ if p else "" for m, p in zip(models, peft, strict=True))
    return inner[0], inner[1], names


class Comparison:
    """Two models side by side; shows as a widget in Jupyter.

    Attributes
    ----------
    rows : list of Row
        One row per module path in either model, parents before children.
    summary : Summary
        Shared and different parameters and modules, with ``text(lang)``.
    tree_a, tree_b : ModuleNode
        The two anatomy trees compared.
    label_a, label_b : str
        Names used for the two models (their class names unless given).
    """

    #: Makes the notebook view of a comparison (``factory(comparison, **kwargs)``). The package
    #: sets it to the widget layer's CompareWidget when ``explorer`` is imported, so this module
    #: never imports widgets; without it a comparison shows as its text summary.
    widget_factory: ClassVar[Callable[..., Any] | None] = None

    def __init__(self, tree_a: ModuleNode, tree_b: ModuleNode, label_a: str, label_b: str):
        self.tree_a, self.tree_b = tree_a, tree_b
        self.label_a, self.label_b = label_a, label_b
        self.rows = align(tree_a, tree_b)
        self.summary = Summary.from_rows(self.rows, label_a, label_b)
        self._index = {r.path: r for r in self.rows}
        self._widget = None

    def row(self, path: str) -> Row:
        """The row at ``path`` (KeyError naming the path if neither model has it)."""
        try:
            return self._index[path]
        except KeyError:
            raise KeyError(f"neither model has a module at path {path!r}") from None

    def by_status(self, status: str) -> list[Row]:
        """Rows with one status ("same", "changed", "only_a", "only_b")."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)}")
        return [r for r in self.rows if r.status == status]

    def folds(self) -> list[dict[str, int]]:
        """Runs of identical rows the widget folds (see :func:`folds`)."""
        return folds(self.rows)

    def payload(self) -> dict[str, Any]:
        """The whole comparison as one JSON-safe dict: every row, the folds, summary and labels.

        For your own tools or a file. It grows with the models (megabytes for tens of thousands
        of modules); the widget never sends it, it loads pages (:mod:`explorer.compare.pages`).
        """
        return {
            "rows": [r.to_dict() for r in self.rows],
            "folds": self.folds(),
            "summary": self.summary.to_dict(),
            "labels": [self.label_a, self.label_b],
        }

    def widget(self, **kwargs: Any):
        """A new :class:`~explorer.widgets.compare.CompareWidget` for this comparison."""
        if Comparison.widget_factory is None:
            raise RuntimeError("no widget layer: import explorer to show comparisons as widgets")
        return Comparison.widget_factory(self, **kwargs)

    def _repr_mimebundle_(self, **kwargs: Any):
        if Comparison.widget_factory is None:
            return {"text/plain": repr(self)}
        if self._widget is None:
            self._widget = self.widget()
        bundle = self._widget._repr_mimebundle_(**kwargs)
        # Where no widget renders (GitHub, nbviewer, a terminal) the summary is what shows.
        if isinstance(bundle, tuple):
            data, meta = bundle
            return {**data, "text/plain": repr(self)}, meta
        return {**(bundle or {}), "text/plain": repr(self)}

    def __repr__(self) -> str:
        counts = {s: len(self.by_status(s)) for s in STATUSES}
        return f"<Comparison {counts}: {self.summary.text('en')}>"


def compare(a: Any, b: Any, *, labels: tuple[str, str] | None = None) -> Comparison:
    """Compare two models module by module.

    Parameters
    ----------
    a, b : torch.nn.Module, transformers.Pipeline or ModuleNode
        The models (a pipeline is compared through its ``.model``). They are only read.
    labels : (str, str), optional
        Names for the two models; their class names by default.

    Returns
    -------
    Comparison
        ``.rows`` (one :class:`Row` per path in either model, with ``status`` "same", "changed",
        "only_a" or "only_b"), ``.summary`` and, in Jupyter, a side-by-side widget.

    Examples
    --------
    >>> cmp = explorer.compare(sentiment_model, qa_model)      # doctest: +SKIP
    >>> print(cmp.summary)                                      # doctest: +SKIP
    >>> [r.path for r in cmp.rows if r.status == "only_b"]      # doctest: +SKIP
    ['qa_outputs']
    """
    a, b, wrapped = _unwrapped(a, b)
    tree_a = a if isinstance(a, ModuleNode) else module_tree(a)
    tree_b = b if isinstance(b, ModuleNode) else module_tree(b)
    if labels is None:
        labels = tuple(
            f"{w} (the {_label(m, t)} it adapts)" if w else _label(m, t)
            for m, t, w in zip((a, b), (tree_a, tree_b), wrapped, strict=True)
        )
    label_a, label_b = (str(x) for x in labels)
    return Comparison(tree_a, tree_b, label_a, label_b)
