"""Keyword arguments of our widgets: a misspelled one is a TypeError naming it, never ignored."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = ["check_options"]


def check_options(cls: type, kwargs: dict[str, Any], also: Iterable[str] = ()) -> None:
    """Raise ``TypeError`` naming every key of ``kwargs`` that ``cls`` does not take.

    Parameters
    ----------
    cls
        A widget class: its public traits (``layout``, ``height``...) are accepted.
    kwargs
        The keyword arguments left after the constructor took its own.
    also
        More accepted names (options passed on to another object).
    """
    if not kwargs:
        return
    names = {n for n in cls.class_trait_names() if not n.startswith("_")} | set(also)
    unknown = sorted(k for k in kwargs if k not in names)
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, sorted(names), n=1)
        hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise TypeError(
        f"{cls.__name__} got unexpected keyword argument{'s' if len(unknown) > 1 else ''} "
        + ", ".join(hints)
    )
