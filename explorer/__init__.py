"""transformers-explorer: look inside PyTorch and Hugging Face transformers models from Jupyter."""

# Public functions share names with the modules that define them (explorer.treemap is both);
# importing them here, after their modules, keeps `explorer.treemap(...)` the function.
from .anatomy import ModuleNode, module_tree
from .treemap import treemap

__version__ = "0.1.0"

__all__ = ["ModuleNode", "__version__", "module_tree", "treemap"]
