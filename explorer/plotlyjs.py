"""The plotly.js source every explorer view draws with (widgets and exported pages alike)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["plotly_js", "bundle_path", "TRACES", "FULL_ENV"]

STATIC = Path(__file__).parent / "static"
# The trace types in the shipped bundle (plotly.js core + these; tools/build_plotly.sh builds it
# from this list). A figure with any other trace type would silently draw nothing: PlotWidget
# refuses one, and tests/test_plot.py checks the bundle and explorer's figures against this.
TRACES = ("bar", "heatmap", "scatter", "treemap")
# Benchmarks only (benchmarks/bench_first_display.py): "1" serves plotly's full plotly.js.
FULL_ENV = "EXPLORER_PLOTLYJS_FULL"


def bundle_path() -> Path:
    """The shipped plotly.js bundle, ``explorer/static/plotly-<version>-explorer.min.js``.

    Raises
    ------
    FileNotFoundError
        When the package holds no bundle (or more than one): rebuild it with
        ``tools/build_plotly.sh``.
    """
    found = sorted(STATIC.glob("plotly-*-explorer.min.js"))
    if len(found) != 1:
        raise FileNotFoundError(
            f"expected one plotly-*-explorer.min.js in {STATIC}, found {[p.name for p in found]}:"
            " build it with tools/build_plotly.sh"
        )
    return found[0]


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js source: the package's own bundle (traces in :data:`TRACES`), read once.

    ~1.3 MB instead of the ~4.8 MB of plotly's full build, so a widget's first figure and an
    exported page load faster. No network.
    """
    if os.environ.get(FULL_ENV) == "1":
        from plotly.offline import get_plotlyjs

        return get_plotlyjs()
    return bundle_path().read_text("utf-8")
