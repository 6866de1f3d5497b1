"""Where accelerate put a model's parts (device_map, CPU and disk offload), read from its hooks.

accelerate's ``dispatch_model`` / ``from_pretrained(device_map=...)`` leave offloaded weights on the
``meta`` device and attach a hook (``module._hf_hook``) that loads them from a weights map for
each forward pass. Such a model runs although it has meta tensors; a model built on the meta
device with no such map does not. Nothing here imports accelerate or changes the model.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

from .adapters import base_model_of

__all__ = [
    "OFFLOADED",
    "dispatched",
    "device_map",
    "execution_device",
    "weightless",
    "Placement",
]

#: Places of offloaded tensors: kept on disk, or in CPU memory, and loaded for each forward.
OFFLOADED = ("disk", "cpu (offloaded)")
_LIMIT = 5


def _roots(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model and, for a PEFT wrapper, the model it adapts, with its path."""
    out = [("", model)]
    inner = base_model_of(model)
    if inner is not model:
        path = next((p for p, m in model.named_modules() if m is inner), "")
        out.append((path, inner))
    return out


def hook_of(module: nn.Module) -> Any:
    """accelerate's device hook on ``module`` (inside a ``SequentialHook`` too), or None."""
    hook = module.__dict__.get("_hf_hook")
    if hook is None:
        return None
    for h in [hook, *(getattr(hook, "hooks", None) or ())]:
        if hasattr(h, "execution_device") and hasattr(h, "weights_map"):
            return h
    return None


def dispatched(model: Any) -> bool:
    """True when accelerate placed ``model`` (a ``hf_device_map`` or a hook at its root)."""
    if not isinstance(model, nn.Module):
        return False
    return any(
        isinstance(getattr(m, "hf_device_map", None), dict) or hook_of(m) is not None
        for _, m in _roots(model)
    )


def device_map(model: nn.Module) -> dict[str, str]:
    """``hf_device_map`` with full module paths (a PEFT wrapper's prefix added), values as str."""
    out = {}
    for prefix, root in _roots(model):
        found = getattr(root, "hf_device_map", None)
        if isinstance(found, dict):
            for path, where in found.items():
                full = f"{prefix}.{path}" if prefix and path else prefix or path
                out[full] = f"cuda:{where}" if isinstance(where, int) else str(where)
    return out


def execution_device(model: nn.Module) -> torch.device | None:
    """Where accelerate's hooks expect the inputs: the root hook's execution device, else the
    first hooked module's (in ``named_modules`` order); None when nothing is hooked."""
    if not dispatched(model):
        return None
    for _, module in model.named_modules():
        hook = hook_of(module)
        if hook is not None and hook.execution_device is not None:
            dev = hook.execution_device
            return torch.device(f"cuda:{dev}" if isinstance(dev, int) else dev)
    return None


def _own_tensors(module: nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    for items in (module._parameters, module._buffers):
        for name, t in items.items():
            if t is not None:
                yield name, t


def _storage(weights_map: Any, key: str) -> tuple[str, Any] | None:
    """Where ``weights_map`` keeps ``key``: ``("disk" | "cpu (offloaded)", identity)``, or None.

    The identity is the same for two names loading the same stored tensor (tied weights).
    Never loads a tensor.
    """
    while hasattr(weights_map, "dataset") and hasattr(weights_map, "prefix"):  # PrefixedDataset
        key = f"{weights_map.prefix}{key}"
        weights_map = weights_map.dataset
    state = getattr(weights_map, "state_dict", None)
    index = getattr(weights_map, "index", None)
    if isinstance(state, dict) and isinstance(index, dict):  # OffloadedWeightsLoader
        if key in state:
            return "cpu (offloaded)", ("id", id(state[key]))
        info = index.get(key)
        if info is None:
            return None
        if isinstance(info, dict) and info.get("safetensors_file") is not None:
            return "disk", ("file", info["safetensors_file"], info.get("weight_name", key))
        return "disk", ("dat", str(getattr(weights_map, "save_folder", "")), key)
    if isinstance(weights_map, dict):
        return ("cpu (offloaded)", ("id", id(weights_map[key]))) if key in weights_map else None
    if isinstance(weights_map, Mapping):
        try:
            return (
                ("cpu (offloaded)", ("key", id(weights_map), key)) if key in weights_map else None
            )
        except Exception:  # a lazy map that fails to answer: treat as missing
            return None
    return None


class Placement:
    """Where each tensor of a model lives, and what loads it when it is offloaded.

    Parameters
    ----------
    model : nn.Module
        Any module; for one accelerate did not place, every tensor is simply on its device.

    Attributes
    ----------
    device_map : dict of str to str
        :func:`device_map` (empty when there is none).
    execution : torch.device or None
        :func:`execution_device`.
    """

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.device_map = device_map(model)
        self.execution = execution_device(model)
        self._hooked = dispatched(model)
        self._own: dict[str, dict[str, str]] = {}
        self._ident: dict[str, Any] = {}  # full tensor name -> identity of its stored tensor
        self._missing: list[str] = []
        self._read()

    def _read(self) -> None:
        hooks: list[tuple[str, Any]] = []  # hooks that load submodules' tensors too
        for path, module in self.model.named_modules():
            prefix = f"{path}." if path else ""
            hooks = [(p, h) for p, h in hooks if path.startswith(p + ".") or not p]
            hook = hook_of(module) if self._hooked else None
            if hook is not None and hook.offload and getattr(hook, "place_submodules", False):
                hooks.append((path, hook))
            places = {}
            for name, t in _own_tensors(module):
                if not t.is_meta:
                    places[name] = str(t.device)
                    continue
                got = None
                if hook is not None and hook.offload and hook.weights_map is not None:
                    got = _storage(hook.weights_map, name)
                for at, outer in reversed(hooks):
                    if got is None and outer.weights_map is not None:
                        rel = path[len(at) + 1 :] if at else path
                        got = _storage(outer.weights_map, f"{rel}.{name}" if rel else name)
                if got is None:
                    places[name] = "meta (no weights)"
                    self._missing.append(prefix + name)
                else:
                    places[name] = got[0]
                    self._ident[prefix + name] = got[1]
            if places:
                self._own[path] = places

    def own(self, path: str) -> dict[str, str]:
        """``{tensor name: place}`` of the module's own tensors: a device ("cpu", "cuda:0"),
        "disk" or "cpu (offloaded)" (loaded for each forward pass), or "meta (no weights)"."""
        return dict(self._own.get(path, {}))

    def missing(self) -> list[str]:
        """Full names of meta tensors that nothing loads: the model cannot run while there are any."""
        return list(self._missing)

    def same_tensor(self) -> dict[str, Any]:
        """``{full tensor name: identity}`` for offloaded tensors: equal identities load the same
        stored tensor (tied weights that accelerate untied on the meta device)."""
        return dict(self._ident)

    def mapped(self, path: str) -> tuple[str, str] | None:
        """The ``device_map`` entry covering ``path``: ``(its module path, its device)``."""
        best = None
        for key, where in self.device_map.items():
            if key == path or not key or path.startswith(key + "."):
                if best is None or len(key) > len(best[0]):
                    best = (key, where)
        return best

    def describe(self, places: list[str]) -> str:
        """A line saying what ``places`` (a module's distinct places) mean for running it."""
        run = str(self.execution) if self.execution is not None else "the execution device"
        said = []
        for place in places:
            if place == "disk":
                said.append(f"disk (accelerate loads these weights to {run} for each forward pass)")
            elif place == "cpu (offloaded)":
                said.append(
                    f"cpu memory, offloaded (accelerate moves them to {run} for each forward pass)"
                )
            elif place == "meta (no weights)":
                said.append("meta, and nothing loads these weights")
            else:
                said.append(place)
        return "; ".join(said)


def weightless(model: Any, limit: int = _LIMIT) -> list[str]:
    """Up to ``limit`` names of tensors on the meta device that nothing loads (empty: it can run).

    A model accelerate placed keeps offloaded weights on meta and loads them through its hooks:
    those count as loaded. A model built under ``torch.device("meta")`` has only weightless ones.
    """
    if not isinstance(model, nn.Module):
        return []
    if not dispatched(model):
        out = []
        for name, t in [*model.named_parameters(), *model.named_buffers()]:
            if t.is_meta:
                out.append(name)
                if len(out) >= limit:
                    break
        return out
    return Placement(model).missing()[:limit]


def offload_ties(model: Any) -> dict[int, int]:
    """``{id(tensor): id(first tensor)}`` for offloaded tensors that load one stored tensor.

    accelerate replaces an offloaded parameter by a new meta tensor after every forward pass,
    so tied weights (an embedding and the output layer) stop being one object; they still load
    the same stored tensor. Empty for a model accelerate did not place.
    """
    if not dispatched(model):
        return {}
    same = Placement(model).same_tensor()
    tensors = {}
    for path, module in model.named_modules():
        prefix = f"{path}." if path else ""
        for name, t in _own_tensors(module):
            tensors.setdefault(prefix + name, t)
    first: dict[Any, int] = {}
    out = {}
    for name, ident in same.items():
        t = tensors.get(name)
        if t is None:
            continue
        out[id(t)] = first.setdefault(ident, id(t))
    return {k: v for k, v in out.items() if k != v}
