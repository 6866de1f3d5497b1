"""transformers-explorer: look inside PyTorch and Hugging Face transformers models from Jupyter."""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> module that defines it. Imported on first use so that `import explorer`
# stays cheap (no torch, plotly or widget import until a feature is used).
_EXPORTS = {
    "module_tree": "anatomy",
    "ModuleNode": "anatomy",
    "treemap": "treemap",
    "explore": "widgets.app",
    "Explorer": "widgets.app",
    "classify": "heads",
    "answer": "heads",
    "classify_details": "heads",
    "answer_details": "heads",
    "compare": "compare",
    "Comparison": "compare",
    "explain": "explain",
    "load": "load",
    "save_html": "export",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"explorer.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
