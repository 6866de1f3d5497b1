"""How to name one module in code: attribute path, get_submodule name, state_dict keys, LoRA target."""

from __future__ import annotations

import keyword
import re
from typing import Any

from ..anatomy import ModuleNode

__all__ = [
    "attribute_path",
    "state_dict_keys",
    "lora_targets",
    "copy_text",
    "COPY_TEXTS",
    "MAX_KEYS",
]

MAX_KEYS = 2000  # state_dict keys listed for one module before "… N more"
# Module types PEFT's LoRA can wrap (torch layers and transformers' GPT-2 style Conv1D).
_LORA_TYPES = {"Linear", "Conv1d", "Conv2d", "Conv3d", "Embedding", "Conv1D", "MultiheadAttention"}


def attribute_path(path: str, root: str = "model") -> str:
    """The Python expression reaching the module at ``path`` from ``root``.

    ``"distilbert.transformer.layer.0"`` -> ``"model.distilbert.transformer.layer[0]"``: indices
    of lists and Sequentials in brackets, other names that are not identifiers as ``["key"]``.
    """
    out = root
    for part in path.split(".") if path else []:
        if part.isdigit():
            out += f"[{part}]"
        elif part.isidentifier() and not keyword.iskeyword(part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def state_dict_keys(node: ModuleNode, limit: int = MAX_KEYS) -> list[str]:
    """The ``model.state_dict()`` keys of the parameters and persistent buffers under ``node``.

    Keys are full paths from the model's root, in ``state_dict`` order (a tied weight appears at
    every path holding it, as in ``state_dict``). At most ``limit`` keys, then ``"… N more"``.
    """
    keys: list[str] = []
    total = 0
    for sub in node.walk():
        for t in sub.tensors:
            if not t["persistent"]:
                continue
            total += 1
            if len(keys) < limit:
                keys.append(t["path"])
    if total > limit:
        keys.append(f"… {total - limit:,} more")
    return keys


def _leaf_names(node: ModuleNode) -> list[str]:
    """Distinct names of the LoRA-capable leaves under ``node`` (itself included), in order."""
    names: dict[str, None] = {}
    for sub in node.walk():
        if sub.type in _LORA_TYPES and not sub.children and sub.name:
            names.setdefault(sub.name)
    return list(names)


def lora_targets(node: ModuleNode) -> dict[str, Any]:
    """PEFT ``LoraConfig(target_modules=...)`` values for ``node``.

    Returns ``{"names": [...], "regex": str | None, "note": str}``: ``names`` (a list) targets
    every module of the model with those names, the usual choice ("all q_lin layers");
    ``regex`` (PEFT full-matches it against module paths) targets only the LoRA-capable layers
    inside this very module. Empty ``names`` when nothing here can take a LoRA adapter.
    """
    names = _leaf_names(node)
    if not names:
        return {
            "names": [],
            "regex": None,
            "note": f"no layer LoRA can wrap here ({', '.join(sorted(_LORA_TYPES))})",
        }
    if not node.children:
        regex = re.escape(node.path)
    else:
        alts = "|".join(re.escape(n) for n in names)
        prefix = re.escape(node.path) + r"\." if node.path else ""
        regex = f"{prefix}(.*\\.)?({alts})"
    return {
        "names": names,
        "regex": regex,
        "note": "names: every layer with these names in the model; regex: only the ones here",
    }


COPY_TEXTS = ("attribute", "submodule", "state_dict", "lora")


def copy_text(node: ModuleNode, what: str) -> str:
    """One text a "Copy" menu offers for ``node`` (a plain string, ready for the clipboard).

    ``what``: "attribute", "submodule", "state_dict" or "lora" (see :data:`COPY_TEXTS`).
    """
    if what == "attribute":
        return attribute_path(node.path)
    if what == "submodule":
        return node.path
    if what == "state_dict":
        return "\n".join(state_dict_keys(node))
    if what == "lora":
        lora = lora_targets(node)
        if not lora["names"]:
            return f"# {lora['note']}"
        where = node.path or "the model"
        return (
            f"target_modules={lora['names']!r}\n"
            f"# or only the layers in {where}:\ntarget_modules={lora['regex']!r}"
        )
    raise ValueError(f"unknown copy text {what!r}; choose one of {', '.join(COPY_TEXTS)}")
