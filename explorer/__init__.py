"""transformers-explorer: look inside PyTorch and Hugging Face transformers models from Jupyter."""

# Public functions share names with the modules that define them (explorer.treemap is both);
# importing them here, after their modules, keeps `explorer.treemap(...)` the function.
from .anatomy import ModuleNode, module_tree
from .compare import Comparison, compare
from .explain import explain
from .export import save_html
from .heads import answer, answer_details, classify, classify_details
from .load import load
from .treemap import treemap
from .widgets.app import Explorer, explore

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "Explorer",
    "ModuleNode",
    "__version__",
    "answer",
    "answer_details",
    "classify",
    "classify_details",
    "compare",
    "explain",
    "explore",
    "load",
    "module_tree",
    "save_html",
    "treemap",
]
