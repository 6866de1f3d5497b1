"""The lazy comparison protocol: a Comparison -> pages of aligned rows and folds, as plain data.

A viewer (the comparison widget) shows one flat list: the aligned rows, parents first, where
each run of identical rows is one folded line. It gets the first page with its first message
(:meth:`ComparePages.initial`) and asks for the rest, one request at a time:
``{"op": "page" | "reveal", "id": ..., ...}``. :meth:`ComparePages.answer` gives the reply,
carrying the same ``id``; :meth:`ComparePages.reply` turns a failure into
``{"op": "error", "id", "message"}``. Nothing here knows about widgets or the browser.

Lists and pages
---------------
A list has a key: ``"main"`` (the rows outside folds, and one item per fold) or
``"fold:<start>"`` (the rows of the fold that starts at row ``start`` of ``Comparison.rows``).
A page is ``{"key", "offset", "total", "items"}``: at most :data:`PAGE` items from ``offset``.

A row item holds ``path, name, depth, status`` and, where a model has the path, ``type_a,
repr_a, params_a`` / ``type_b, repr_b, params_b`` (left out where absent; for a "same" row
``type_b`` and ``repr_b`` are left out too: they equal A's; a text longer than
:data:`MAX_REPR` characters is cut, ending in "…"). ``reasons`` (why a row is
"changed", or "dtype"), ``below`` (true: something under this row differs) and ``top`` (true:
the row carries its status tag: every "changed" row, and the top row of a part only one model
has) appear only when set. A fold item is ``{"fold": key, "count", "params", "depth", "first",
"last"}``: how many rows it holds, their own parameters, and its first row's depth and path.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from ..tree.pages import Answerer
from .core import Comparison, Row

__all__ = ["ComparePages", "PAGE", "MAIN", "MAX_LISTED", "MAX_REPR"]

PAGE = 200  # items of one list sent per request (longer lists load page by page)
MAIN = "main"  # key of the top-level list
MAX_LISTED = 20  # entries of the summary's path lists sent to a viewer (full counts beside them)
MAX_REPR = 1000  # characters of a module's one-line text sent per row (the rest as "…")
_FOLD = "fold:"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 1] + "…"


class ComparePages(Answerer):
    """Answers a comparison viewer's requests, page by page.

    Parameters
    ----------
    comparison : Comparison
        What ``explorer.compare(a, b)`` returned. Only read.

    Attributes
    ----------
    comparison : Comparison
        The comparison served.
    """

    def __init__(self, comparison: Comparison) -> None:
        if not isinstance(comparison, Comparison):
            raise TypeError(
                f"expected an explorer.compare(...) result, not {type(comparison).__name__}"
            )
        self.comparison = comparison
        rows = comparison.rows
        self._at = {r.path: i for i, r in enumerate(rows)}
        self._folds = {f["start"]: f for f in comparison.folds()}
        self._starts = sorted(self._folds)
        self._by_key = {_FOLD + str(start): f for start, f in self._folds.items()}
        # the main list: a row index (int) or a fold (dict) per item
        self._main: list[int | dict] = []
        self._main_at: dict[int, int] = {}  # row index (or fold start) -> main item index
        i = 0
        while i < len(rows):
            fold = self._folds.get(i)
            self._main_at[i] = len(self._main)
            if fold is None:
                self._main.append(i)
                i += 1
            else:
                self._main.append(fold)
                i = fold["stop"]

    # -- items -------------------------------------------------------------------------------------
    def row_item(self, row: Row) -> dict[str, Any]:
        """One row as a viewer gets it (see the module docstring for its keys)."""
        out: dict[str, Any] = {
            "path": row.path,
            "name": row.name,
            "depth": row.depth,
            "status": row.status,
        }
        if row.type_a is not None:
            out.update(type_a=row.type_a, repr_a=_cut(row.repr_a), params_a=row.params_a)
        if row.type_b is not None:
            if row.status != "same":  # a "same" row's B text equals A's: not sent twice
                out.update(type_b=row.type_b, repr_b=_cut(row.repr_b))
            out["params_b"] = row.params_b
        if row.reasons:
            out["reasons"] = list(row.reasons)
        if row.differs_below:
            out["below"] = True
        if self._tagged(row):
            out["top"] = True
        return out

    def _tagged(self, row: Row) -> bool:
        if row.status in ("same", "changed"):
            return row.status == "changed"
        parent = row.path.rpartition(".")[0]  # the root is in both models: never only_a/only_b
        return self.comparison.row(parent).status != row.status

    def fold_item(self, fold: dict[str, int]) -> dict[str, Any]:
        """One folded run of identical rows as a viewer gets it."""
        rows = self.comparison.rows
        return {
            "fold": _FOLD + str(fold["start"]),
            "count": fold["count"],
            "params": fold["params"],
            "depth": rows[fold["start"]].depth,
            "first": rows[fold["start"]].path,
            "last": rows[fold["stop"] - 1].path,
        }

    def _entries(self, key: str) -> list | range:
        """The entries of list ``key``: row indices, and fold dicts in the main list."""
        if key == MAIN:
            return self._main
        fold = self._by_key.get(key) if isinstance(key, str) else None
        if fold is not None:
            return range(fold["start"], fold["stop"])
        raise ValueError(
            f"no list {key!r}: the keys are {MAIN!r} and 'fold:<start>' for a folded run "
            f"(its first row's index)"
        )

    # -- requests ----------------------------------------------------------------------------------
    def page(self, key: str = MAIN, offset: int = 0) -> dict[str, Any]:
        """Items ``offset`` to ``offset + PAGE`` of list ``key``: ``{key, offset, total, items}``."""
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a non-negative int, got {offset!r}")
        entries = self._entries(key)
        rows = self.comparison.rows
        items = [
            self.fold_item(e) if isinstance(e, dict) else self.row_item(rows[e])
            for e in entries[offset : offset + PAGE]
        ]
        return {"key": key, "offset": offset, "total": len(entries), "items": items}

    def initial(self) -> dict[str, Any]:
        """The first message: the main list's first page, the page size and counts by status."""
        counts = {s: 0 for s in ("same", "changed", "only_a", "only_b")}
        for r in self.comparison.rows:
            counts[r.status] += 1
        return {"page": self.page(MAIN, 0), "size": PAGE, "counts": counts}

    def summary(self) -> dict[str, Any]:
        """The summary a viewer shows: :meth:`Summary.to_dict` with lists cut to MAX_LISTED."""
        return self.comparison.summary.to_dict(limit=MAX_LISTED)

    def reveal(self, path: str) -> dict[str, Any]:
        """What a viewer needs to show ``path``: the pages holding it and the fold to open.

        Returns ``{"path", "open", "pages"}``: ``open`` lists the key of the fold holding the
        row (empty when it is not folded); ``pages`` the main page holding the row or its fold,
        then the fold's page holding the row.
        """
        if not isinstance(path, str):
            raise TypeError(f"a module path is a str, not {type(path).__name__}")
        index = self._at.get(path)
        if index is None:
            self.comparison.row(path)  # raises the KeyError naming the path
        k = bisect_right(self._starts, index) - 1
        fold = self._folds[self._starts[k]] if k >= 0 else None
        if fold is not None and index < fold["stop"]:
            at = self._main_at[fold["start"]]
            key = _FOLD + str(fold["start"])
            inner = index - fold["start"]
            pages = [self.page(MAIN, at - at % PAGE), self.page(key, inner - inner % PAGE)]
            return {"path": path, "open": [key], "pages": pages}
        at = self._main_at[index]
        return {"path": path, "open": [], "pages": [self.page(MAIN, at - at % PAGE)]}

    def answer(self, request: dict) -> dict[str, Any]:
        """The reply to one request (``{"op": ..., "id": ...}``); it carries the same ``id``."""
        if not isinstance(request, dict):
            raise TypeError(f"a request is a dict, not {type(request).__name__}")
        op = request.get("op")
        if op == "page":
            body = self.page(request.get("key", MAIN), request.get("offset", 0))
        elif op == "reveal":
            body = self.reveal(request.get("path", ""))
        else:
            raise ValueError(f"unknown request op {op!r}; the ops are 'page' and 'reveal'")
        return {"op": op, "id": request.get("id"), **body}
