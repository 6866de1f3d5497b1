"""Compare two models module by module: aligned diff rows, a summary, and a Jupyter widget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from .anatomy import ModuleNode, module_tree

__all__ = ["compare", "Comparison", "Row", "Summary", "STATUSES"]

STATUSES = ("same", "changed", "only_a", "only_b")
_LIST_IN_TEXT = 4  # paths named in the one-line text before "and N more"


# The summary line's phrases, one table per language (``Summary.text``). Values are filled in
# with str.format, so a label holding braces is printed as it is.
_PHRASES = {
    "en": {
        "head": "A ({label_a}, {total_a} parameters) vs B ({label_b}, {total_b} parameters): "
        "{modules} identical modules share {params} parameters",
        "dtype": " ({n} differ only in dtype)",
        "changed": "{n} changed ({names})",
        "only_a": "only in A: {names} ({params} parameters)",
        "only_b": "only in B: {names} ({params} parameters)",
        "nothing_else": "no other differences",
        "join": "; ",
    },
    "ko": {
        "head": "A({label_a}, 파라미터 {total_a}개)와 B({label_b}, 파라미터 {total_b}개) 비교: "
        "동일한 모듈 {modules}개가 파라미터 {params}개를 공유합니다",
        "dtype": "(그중 {n}개는 dtype만 다릅니다)",
        "changed": "설정이 다른 모듈 {n}개: {names}",
        "only_a": "A에만 있음: {names}(파라미터 {params}개)",
        "only_b": "B에만 있음: {names}(파라미터 {params}개)",
        "nothing_else": "그 밖의 차이는 없습니다",
        "join": ". ",
    },
}


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


def _tensor_key(node: ModuleNode) -> tuple:
    return tuple((t["name"], t["kind"], tuple(t["shape"])) for t in node.tensors)


def _dtype_key(node: ModuleNode) -> tuple:
    return tuple(t["dtype"] for t in node.tensors)


def _sharing_key(node: ModuleNode) -> tuple:
    return tuple(t["counted"] for t in node.tensors)


def _row(path: str, name: str, depth: int, a: ModuleNode | None, b: ModuleNode | None) -> Row:
    reasons: list[str] = []
    if a is None or b is None:
        status = "only_b" if a is None else "only_a"
    else:
        if a.type != b.type:
            reasons.append("type")
        if a.repr != b.repr:
            reasons.append("repr")
        if _tensor_key(a) != _tensor_key(b):
            reasons.append("tensors")
        elif _sharing_key(a) != _sharing_key(b):
            reasons.append("sharing")
        # A dtype alone (float16 vs bfloat16) is noted, not a change of the architecture.
        status = "changed" if reasons else "same"
        if _tensor_key(a) == _tensor_key(b) and _dtype_key(a) != _dtype_key(b):
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

    def visit(name: str, path: str, depth: int, a, b) -> bool:
        index = len(rows)
        rows.append(_row(path, name, depth, a, b))
        below = False
        for cname, ca, cb in _merged_children(a, b):
            cpath = f"{path}.{cname}" if path else cname
            below = visit(cname, cpath, depth + 1, ca, cb) or below
        if below:
            rows[index] = _replace(rows[index], differs_below=True)
        return below or rows[index].status != "same"

    # iterative depth is bounded by model nesting (tens of levels), recursion is fine
    visit("", "", 0, tree_a, tree_b)
    return rows


def _replace(row: Row, **changes) -> Row:
    return Row(**{**asdict(row), **changes})


def _top(rows: list[Row], status: str) -> list[Row]:
    """Rows with ``status`` whose parent row has another status (the top of each subtree)."""
    chosen = {r.path for r in rows if r.status == status}
    out = []
    for r in rows:
        parent = r.path.rsplit(".", 1)[0] if "." in r.path else ("" if r.path else None)
        if r.status == status and parent not in chosen:
            out.append(r)
    return out


def _list(paths: list[str]) -> str:
    shown = ", ".join(paths[:_LIST_IN_TEXT])
    if len(paths) > _LIST_IN_TEXT:
        shown += f" (+{len(paths) - _LIST_IN_TEXT})"
    return shown


@dataclass
class Summary:
    """What two models share and where they differ.

    Attributes
    ----------
    label_a, label_b
        The names the comparison uses for the two models.
    total_a, total_b
        Parameters of each whole model (tied weights counted once).
    shared_params, shared_modules
        Parameters held directly by modules whose path, type, repr and own tensors match in both
        models (each such module's own parameters, counted once), and how many such modules.
    changed
        ``[(path, repr_a, repr_b), ...]`` for every "changed" row except the root (whose type is
        simply the two models' class names).
    changed_params_a, changed_params_b
        Parameters held directly by the changed modules on each side.
    only_a, only_b
        Top paths of the parts found in one model only (their children are not repeated).
    only_a_params, only_b_params
        Parameters under those parts.
    dtype_only
        Identical modules whose tensors differ only in dtype (counted as "same", noted here).
    """

    label_a: str
    label_b: str
    total_a: int
    total_b: int
    shared_params: int
    shared_modules: int
    changed: list = field(default_factory=list)
    changed_params_a: int = 0
    changed_params_b: int = 0
    only_a: list = field(default_factory=list)
    only_b: list = field(default_factory=list)
    only_a_params: int = 0
    only_b_params: int = 0
    dtype_only: int = 0

    @classmethod
    def from_rows(cls, rows: list[Row], label_a: str, label_b: str) -> Summary:
        """Build the summary of aligned rows."""
        same = [r for r in rows if r.status == "same"]
        changed = [r for r in rows if r.status == "changed" and r.path]
        return cls(
            label_a=label_a,
            label_b=label_b,
            total_a=rows[0].params_a or 0,
            total_b=rows[0].params_b or 0,
            shared_params=sum(r.own_a for r in same),
            shared_modules=len(same),
            changed=[(r.path, r.repr_a, r.repr_b) for r in changed],
            changed_params_a=sum(r.own_a for r in changed),
            changed_params_b=sum(r.own_b for r in changed),
            only_a=[r.path for r in _top(rows, "only_a")],
            only_b=[r.path for r in _top(rows, "only_b")],
            only_a_params=sum(r.params_a for r in _top(rows, "only_a")),
            only_b_params=sum(r.params_b for r in _top(rows, "only_b")),
            dtype_only=sum(1 for r in same if "dtype" in r.reasons),
        )

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """JSON-safe dict of all fields plus the one-line text in both languages.

        Parameters
        ----------
        limit
            Keep at most this many entries of ``changed``, ``only_a`` and ``only_b`` (None: all).
            Their full lengths are always given as ``n_changed``, ``n_only_a`` and ``n_only_b``.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
        out = asdict(self)
        for key in ("changed", "only_a", "only_b"):
            out[f"n_{key}"] = len(out[key])
            out[key] = out[key][:limit]
        out["changed"] = [list(c) for c in out["changed"]]
        out["text"] = {"en": self.text("en"), "ko": self.text("ko")}
        return out

    def text(self, lang: str = "en") -> str:
        """One plain-language line: what is shared, what changed, what only one model has."""
        if lang not in _PHRASES:
            raise ValueError(f"unknown lang {lang!r}; choose one of 'en', 'ko'")
        say = _PHRASES[lang]
        names = [p for p, _, _ in self.changed]
        head = say["head"].format(
            label_a=self.label_a,
            label_b=self.label_b,
            total_a=f"{self.total_a:,}",
            total_b=f"{self.total_b:,}",
            modules=f"{self.shared_modules:,}",
            params=f"{self.shared_params:,}",
        )
        if self.dtype_only:
            head += say["dtype"].format(n=f"{self.dtype_only:,}")
        parts = [head]
        if names:
            parts.append(say["changed"].format(n=len(names), names=_list(names)))
        for side in ("only_a", "only_b"):
            paths = getattr(self, side)
            if paths:
                total = getattr(self, f"{side}_params")
                parts.append(say[side].format(names=_list(paths), params=f"{total:,}"))
        if not (names or self.only_a or self.only_b):
            parts.append(say["nothing_else"])
        return say["join"].join(parts) + "."

    def __str__(self) -> str:
        return self.text("en")


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
        of modules); the widget never sends it, it loads pages (:mod:`explorer.compare_pages`).
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
    tree_a = a if isinstance(a, ModuleNode) else module_tree(a)
    tree_b = b if isinstance(b, ModuleNode) else module_tree(b)
    if labels is None:
        labels = (_label(a, tree_a), _label(b, tree_b))
    label_a, label_b = (str(x) for x in labels)
    return Comparison(tree_a, tree_b, label_a, label_b)
