"""transformers-explorer: look inside PyTorch and Hugging Face transformers models from Jupyter."""

from __future__ import annotations

import functools
from typing import Any

# Public functions share names with the modules that define them (explorer.treemap is both);
# importing them here, after their modules, keeps `explorer.treemap(...)` the function.
from .anatomy import ModuleNode, module_tree
from .budget import Budget, budget
from .compare import Comparison, compare
from .explain import explain
from .heads import (
    answer,
    answer_details,
    classify,
    classify_details,
    fill_mask,
    fill_mask_details,
    generate,
    generate_details,
    next_token,
    next_token_details,
    tag,
    tag_details,
    trace,
    zero_shot,
    zero_shot_details,
)
from .load import load
from .trace import Trace, TraceCancelled
from .treemap import treemap as _plain_treemap
from .version import __version__


@functools.wraps(_plain_treemap)
def treemap(*args: Any, **kwargs: Any) -> Any:
    from .export.figure import treemap as figure  # plotly and the SVG view: on first use

    return figure(*args, **kwargs)


treemap.__doc__ = (_plain_treemap.__doc__ or "").replace(
    "    plotly.graph_objects.Figure\n",
    "    plotly.graph_objects.Figure\n"
    "        Also shown as a static SVG where no Plotly renderer is (nbconvert pages, GitHub).\n",
)

__all__ = [
    "Budget",
    "Comparison",
    "Explorer",
    "ModuleNode",
    "Trace",
    "TraceCancelled",
    "__version__",
    "answer",
    "answer_details",
    "budget",
    "classify",
    "classify_details",
    "compare",
    "explain",
    "explore",
    "fill_mask",
    "fill_mask_details",
    "generate",
    "generate_details",
    "load",
    "module_tree",
    "next_token",
    "next_token_details",
    "save_html",
    "tag",
    "tag_details",
    "trace",
    "treemap",
    "zero_shot",
    "zero_shot_details",
]

# Names whose modules load ipywidgets/anywidget or plotly: resolved on first use (PEP 562), so
# `import explorer` and `explorer.module_tree(...)` stay light.
_LAZY = {
    "Explorer": ("explorer.widgets.app", "Explorer"),
    "explore": ("explorer.widgets.app", "explore"),
    "save_html": ("explorer.export", "save_html"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _comparison_widget(comparison: Comparison, **kwargs: Any) -> Any:
    """A comparison's notebook view (the widget layer, loaded when first shown)."""
    from .widgets.compare import CompareWidget

    return CompareWidget.from_comparison(comparison, **kwargs)


Comparison.widget_factory = staticmethod(_comparison_widget)
