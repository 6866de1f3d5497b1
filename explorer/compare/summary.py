"""The summary of a model comparison: what two models share and where they differ, in words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Summary"]

_LIST_IN_TEXT = 4  # paths named in the one-line text before "(+N)"

# The summary line's phrases, one table per language (``Summary.text``). Values are filled in
# with str.format, so a label holding braces is printed as it is. Each number says what it
# counts: "match" is a row's own type, settings and tensor shapes; "whole identical subtrees"
# are matching rows with everything under them matching too (the rows the widget folds, named
# in the same words there: WORDS.fold in js/compare/words.js).
_PHRASES = {
    "en": {
        "head": "A ({label_a}, {total_a} parameters) vs B ({label_b}, {total_b} parameters): "
        "{modules} modules match (same type, settings and tensor shapes; {params} parameters"
        "{dtype}), {whole} of them in whole identical subtrees",
        "dtype": "; only the dtype differs in {n} of them",
        "changed": "{n} changed ({names})",
        "changed_below": "{n} changed below the top-level module ({names})",
        "only_a": "only in A: {names} ({params} parameters)",
        "only_b": "only in B: {names} ({params} parameters)",
        "nothing_else": "no other differences",
        "join": "; ",
    },
    "ko": {
        "head": "A({label_a}, 파라미터 {total_a}개)와 B({label_b}, 파라미터 {total_b}개) 비교: "
        "일치하는 모듈 {modules}개(타입·설정·텐서 모양이 같음, 파라미터 {params}개{dtype}), "
        "그중 {whole}개는 통째로 동일한 하위 트리에 속합니다",
        "dtype": ", {n}개는 dtype만 다름",
        "changed": "달라진 모듈 {n}개: {names}",
        "changed_below": "최상위 모듈 아래에서 달라진 모듈 {n}개: {names}",
        "only_a": "A에만 있음: {names}(파라미터 {params}개)",
        "only_b": "B에만 있음: {names}(파라미터 {params}개)",
        "nothing_else": "그 밖의 차이는 없습니다",
        "join": ". ",
    },
}


def _parent(path: str) -> str | None:
    """The parent row's path ("" for a top-level child, None for the root)."""
    return path.rpartition(".")[0] if path else None


def _top(rows: list, status: str) -> list:
    """Rows with ``status`` whose parent row has another status (the top of each subtree)."""
    chosen = {r.path for r in rows if r.status == status}
    return [r for r in rows if r.status == status and _parent(r.path) not in chosen]


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
        Modules that match: same path, type, repr and own tensors in both models (rows with
        status "same", whatever lies under them), and the parameters they hold directly (each
        such module's own parameters, counted once).
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
        Matching modules whose tensors differ only in dtype (counted as "same", noted here).
    whole_modules
        Matching modules with everything under them matching too: the rows of whole identical
        subtrees (the widget folds each run of two or more of them into one line). At most
        ``shared_modules``; the others are containers with a difference somewhere inside.
    root_changed
        The top-level modules themselves differ (the root row is "changed"; it is not in
        ``changed``).
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
    whole_modules: int = 0
    root_changed: bool = False

    @classmethod
    def from_rows(cls, rows: list, label_a: str, label_b: str) -> Summary:
        """Build the summary of aligned rows.

        Parameters
        ----------
        rows : list of explorer.compare.Row
            ``explorer.compare.align``'s rows, the root first.
        label_a, label_b : str
            Names of the two models.
        """
        same = [r for r in rows if r.status == "same"]
        changed = [r for r in rows if r.status == "changed" and r.path]
        top_a, top_b = _top(rows, "only_a"), _top(rows, "only_b")
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
            only_a=[r.path for r in top_a],
            only_b=[r.path for r in top_b],
            only_a_params=sum(r.params_a for r in top_a),
            only_b_params=sum(r.params_b for r in top_b),
            dtype_only=sum(1 for r in same if "dtype" in r.reasons),
            whole_modules=sum(1 for r in same if not r.differs_below),
            root_changed=rows[0].status == "changed",
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
        """One plain-language line: what matches, what changed, what only one model has."""
        if lang not in _PHRASES:
            raise ValueError(f"unknown lang {lang!r}; choose one of 'en', 'ko'")
        say = _PHRASES[lang]
        names = [p for p, _, _ in self.changed]
        dtype = say["dtype"].format(n=f"{self.dtype_only:,}") if self.dtype_only else ""
        parts = [
            say["head"].format(
                label_a=self.label_a,
                label_b=self.label_b,
                total_a=f"{self.total_a:,}",
                total_b=f"{self.total_b:,}",
                modules=f"{self.shared_modules:,}",
                params=f"{self.shared_params:,}",
                dtype=dtype,
                whole=f"{self.whole_modules:,}",
            )
        ]
        if names:
            phrase = say["changed_below" if self.root_changed else "changed"]
            parts.append(phrase.format(n=f"{len(names):,}", names=_list(names)))
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
