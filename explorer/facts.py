"""Facts the package states in more than one place, each written once (the JS build reads them too)."""

from __future__ import annotations

__all__ = [
    "DTYPE_BYTES",
    "KEY_SEP",
    "OTHER_SUFFIX",
    "VIEW_MAX_SECTORS",
    "FIGURE_MAX_SECTORS",
    "TREE_HEIGHT",
    "BROWSER_FACTS",
]

#: Bytes per element for the dtype names the budget accepts (int4 packs two values in a byte).
DTYPE_BYTES: dict[str, float] = {
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
    "int4": 0.5,
}

#: Joins a parent path and a folded group's first member name (a group's key in the tree and
#: the comparison), and a treemap holder's id and ``"other"`` (its "N more" sector). A module
#: name never holds it.
KEY_SEP = "\x00"

#: Suffix of the treemap's aggregated "N more" sectors: ``holder id + OTHER_SUFFIX``.
OTHER_SUFFIX = KEY_SEP + "other"

#: Treemap sectors an explorer view draws (the Explorer, its exported page, the Budget tab's
#: treemap of active parameters): enough for every block, light enough to redraw at once.
VIEW_MAX_SECTORS = 2000

#: Default sectors of a plain :func:`explorer.treemap` figure (no widget redraws it per click).
FIGURE_MAX_SECTORS = 5000

#: Height in pixels of the tree and the treemap, in the notebook and in exported pages.
TREE_HEIGHT = 560

#: The facts the browser code needs, as the JS build writes them into ``js/generated/facts.js``.
BROWSER_FACTS = {"DTYPE_BYTES": DTYPE_BYTES, "KEY_SEP": KEY_SEP, "OTHER_SUFFIX": OTHER_SUFFIX}
