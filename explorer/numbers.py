"""How counts are written for people: short forms and shares."""

from __future__ import annotations

__all__ = ["short_count", "share"]


def short_count(n: float) -> str:
    """Short form of a count: 66955010 -> '67.0M', 6738415616 -> '6.74B', 950 -> '950'."""
    n = float(n)
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            v = n / size
            digits = 2 if abs(v) < 10 else 1 if abs(v) < 100 else 0
            return f"{v:.{digits}f}{unit}"
    return f"{int(n)}"


def share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``: "12.3%", "<0.1%" for a tiny non-zero share."""
    if whole <= 0:
        return "0%"
    pct = 100.0 * part / whole
    return f"{pct:.1f}%" if pct >= 0.1 or pct == 0 else "<0.1%"
