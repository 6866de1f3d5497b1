"""The plotly.js source every explorer view draws with (widgets and exported pages alike)."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["plotly_js"]


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js source, read from the installed plotly package (no network)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
