"""The lazy module tree as plain data: pages, reveal, search, details, and each module's names in code."""

from .pages import (
    INITIAL_DEPTH,
    MAX_MATCHES,
    PAGE,
    TreePages,
    UnknownPathError,
    error_reply,
    format_shapes,
    group_key,
)
from .snippets import COPY_TEXTS, attribute_path, copy_text, lora_targets, state_dict_keys

__all__ = [
    "TreePages",
    "UnknownPathError",
    "error_reply",
    "format_shapes",
    "group_key",
    "PAGE",
    "MAX_MATCHES",
    "INITIAL_DEPTH",
    "COPY_TEXTS",
    "attribute_path",
    "copy_text",
    "lora_targets",
    "state_dict_keys",
]
