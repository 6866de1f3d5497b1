"""Argument checks every layer shares: ints and texts, with errors that name the argument."""

from __future__ import annotations

import numbers

__all__ = ["check_int", "check_text"]


def check_text(value, name: str, *, allow_blank: bool = False) -> str:
    """Return ``value`` if it is a non-empty str, else raise TypeError/ValueError naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not allow_blank and not value.strip():
        raise ValueError(f"{name} is empty")
    return value


def check_int(value, name: str, *, minimum: int, allow_none: bool = False):
    """Return ``value`` if it is an int >= ``minimum`` (or None when allowed), else raise."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
