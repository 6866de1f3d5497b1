"""What PEFT put into a model (LoRA layers, trainable copies, the wrapper), read without importing peft.

PEFT's classes are recognised by the names in their class hierarchy (``LoraLayer``,
``ModulesToSaveWrapper``, ``PeftModel``...) and the attributes peft gives them, so ``import
explorer`` never imports peft and a model without adapters costs one set lookup per class.
Everything here only reads the model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = [
    "LoraAdapter",
    "AdapterLayer",
    "PeftSummary",
    "kind",
    "is_peft_model",
    "is_tuner_model",
    "base_model_of",
    "base_layer_of",
    "acts_as",
    "layer_info",
    "peft_summary",
    "part_of",
    "join",
]

#: Badge names for the kinds of adapter modules (see :func:`kind`).
KINDS = ("lora", "modules_to_save", "trainable_tokens", "adapter")


@functools.cache
def _class_names(cls: type) -> frozenset:
    return frozenset(c.__name__ for c in cls.__mro__)


def _names(module: Any) -> frozenset:
    return _class_names(type(module))


def _child(module: nn.Module, name: str) -> nn.Module | None:
    got = module.__dict__.get("_modules", {}).get(name)
    return got if isinstance(got, nn.Module) else None


def kind(module: Any) -> str | None:
    """What PEFT made of this module: "lora", "modules_to_save", "trainable_tokens", "adapter"
    (another PEFT method's layer, e.g. IA³ or LoHa) or None (not a PEFT module)."""
    if not isinstance(module, nn.Module):
        return None
    names = _names(module)
    if "LoraLayer" in names and isinstance(getattr(module, "r", None), dict):
        if _child(module, "base_layer") is not None:
            return "lora"
    if "ModulesToSaveWrapper" in names and _child(module, "modules_to_save") is not None:
        return "modules_to_save"
    if "TrainableTokensWrapper" in names and _child(module, "token_adapter") is not None:
        return "trainable_tokens"
    if "BaseTunerLayer" in names and _child(module, "base_layer") is not None:
        return "adapter"
    return None


def is_peft_model(module: Any) -> bool:
    """True for peft's ``PeftModel`` (and its task subclasses): the wrapper ``get_peft_model`` returns."""
    return (
        isinstance(module, nn.Module)
        and "PeftModel" in _names(module)
        and _child(module, "base_model") is not None
    )


def is_tuner_model(module: Any) -> bool:
    """True for a peft tuner such as ``LoraModel``: it holds the adapted model as ``.model``."""
    return (
        isinstance(module, nn.Module)
        and "BaseTuner" in _names(module)
        and _child(module, "model") is not None
    )


def base_model_of(model: Any) -> Any:
    """The model a PEFT wrapper adapts (``PeftModel.get_base_model()``); anything else as given.

    The LoRA layers live inside that model (peft puts them in place of the layers they adapt),
    so running its modules runs the adapters too.
    """
    if is_peft_model(model):
        inner = model._modules["base_model"]
        return inner._modules["model"] if is_tuner_model(inner) else inner
    if is_tuner_model(model):
        return model._modules["model"]
    return model


def base_layer_of(module: Any) -> Any:
    """The original layer a PEFT layer wraps (its ``base_layer``, or a wrapper's
    ``original_module``), followed through nested wrappers; anything else as given."""
    seen = set()
    while id(module) not in seen:
        seen.add(id(module))
        found = kind(module)
        if found in ("lora", "adapter"):
            module = module._modules["base_layer"]
        elif found == "modules_to_save":
            original = _child(module, "original_module")
            if original is None:
                return module
            module = original
        elif found == "trainable_tokens":
            inner = _child(module._modules["token_adapter"], "base_layer")
            if inner is None:
                return module
            module = inner
        else:
            return module
    return module


def acts_as(module: Any, cls: type | tuple) -> bool:
    """True when ``module`` is a ``cls``, or a PEFT layer wrapping one (it computes as one)."""
    return isinstance(module, cls) or isinstance(base_layer_of(module), cls)


def _numel(params) -> tuple[int, int]:
    """(all, trainable) elements of ``params``, each tensor once."""
    seen, total, train = set(), 0, 0
    for p in params:
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        if p.requires_grad:
            train += p.numel()
    return total, train


def _relative(parent: nn.Module, target: nn.Module) -> str:
    for name, sub in parent.named_modules():
        if sub is target:
            return name
    return ""


def join(path: str, rel: str) -> str:
    """``path.rel`` (either may be empty)."""
    return f"{path}.{rel}" if path and rel else path or rel


def _active(module: nn.Module) -> list[str]:
    got = module.__dict__.get("_active_adapter", getattr(type(module), "_active_adapter", None))
    if isinstance(got, str):
        return [got]
    return [str(a) for a in got] if isinstance(got, (list, tuple)) else []


def _disabled(module: nn.Module) -> bool:
    return bool(module.__dict__.get("_disable_adapters", False))


def _shape(x: Any) -> list[int]:
    weight = x if isinstance(x, torch.Tensor) else getattr(x, "weight", None)
    return list(weight.shape) if isinstance(weight, torch.Tensor) else []


def _dropout_p(module: Any) -> float:
    return float(module.p) if isinstance(module, nn.Dropout) else 0.0


def _all_zero(x: Any) -> bool | None:
    weight = x if isinstance(x, torch.Tensor) else getattr(x, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.is_meta:
        return None
    with torch.no_grad():
        return not bool(torch.count_nonzero(weight))


@dataclass
class LoraAdapter:
    """One LoRA adapter of one layer.

    Attributes
    ----------
    name : str
        The adapter's name ("default" unless named).
    r, alpha, scaling : number
        Rank, ``lora_alpha`` and the factor the update is multiplied by (``alpha / r``, or
        ``alpha / sqrt(r)`` with rsLoRA).
    dropout : float
        Dropout probability on the input of A.
    a_shape, b_shape : list of int
        Shapes of A and B (``[r, in]`` and ``[out, r]`` for a Linear).
    a_name, b_name : str
        Where A and B are, relative to the layer (``"lora_A.default"``).
    params, trainable : int
        Elements of this adapter's tensors (A, B, their biases, DoRA's magnitude) and how many
        of them require grad.
    rslora, dora, active, merged : bool
        Scaling by ``sqrt(r)``; DoRA's magnitude vector; the adapter is active; it is merged
        into the base weight now.
    b_zero : bool or None
        B is all zeros (peft's default start: the layer then computes what its base layer
        does); None when unknown (meta).
    """

    name: str
    r: Any
    alpha: Any
    scaling: Any
    dropout: float
    a_shape: list
    b_shape: list
    a_name: str
    b_name: str
    params: int
    trainable: int
    rslora: bool = False
    dora: bool = False
    active: bool = True
    merged: bool = False
    b_zero: bool | None = None


@dataclass
class AdapterLayer:
    """What one PEFT module adds to the layer it wraps, with counts that add up.

    Attributes
    ----------
    kind : str
        See :func:`kind`.
    type : str
        The wrapper's class, qualified by its PEFT method (``"lora.Linear"``).
    base_name, base_type : str
        Where the original layer is, relative to this module (``"base_layer"``,
        ``"original_module"``), and its class.
    base_params, base_trainable : int
        The original layer's parameters, and those that require grad (0: frozen).
    added_params, added_trainable : int
        Everything else in the module (adapters, trainable copies), and what requires grad.
    total : int
        ``base_params + added_params``: all parameters of the module.
    in_features, out_features : int or None
        The wrapped layer's sizes, when it has them.
    adapters : list of LoraAdapter
        LoRA adapters, in the order peft added them (``"lora"`` only).
    copies : dict of str to int
        ``modules_to_save``: each adapter's trainable copy and its parameter count.
    active : list of str
        Active adapter names.
    disabled : bool
        Adapters are switched off: the module computes what its original layer computes.
    method : str
        The PEFT method (``"lora"``, ``"ia3"``...) read from the class's module.
    """

    kind: str
    type: str
    base_name: str
    base_type: str
    base_params: int
    base_trainable: int
    added_params: int
    added_trainable: int
    total: int
    in_features: int | None = None
    out_features: int | None = None
    adapters: list = field(default_factory=list)
    copies: dict = field(default_factory=dict)
    active: list = field(default_factory=list)
    disabled: bool = False
    method: str = ""


def _method(module: nn.Module) -> str:
    parts = type(module).__module__.split(".")
    if "tuners" in parts and parts.index("tuners") + 1 < len(parts):
        return parts[parts.index("tuners") + 1]
    return parts[-1] if parts[0] == "peft" else ""


def _lora_adapters(module: nn.Module) -> list[LoraAdapter]:
    out = []
    merged = set(getattr(module, "merged_adapters", None) or [])
    active = set(_active(module))
    dicts = {n: _child(module, n) for n in ("lora_A", "lora_B", "lora_dropout")}
    emb_a = _child(module, "lora_embedding_A")
    emb_b = _child(module, "lora_embedding_B")
    magnitude = _child(module, "lora_magnitude_vector")
    for name, r in module.r.items():
        a = b = None
        a_name = b_name = ""
        if dicts["lora_A"] is not None and name in dicts["lora_A"]:
            a, a_name = dicts["lora_A"][name], f"lora_A.{name}"
            b, b_name = dicts["lora_B"][name], f"lora_B.{name}"
        elif emb_a is not None and name in emb_a:
            a, a_name = emb_a[name], f"lora_embedding_A.{name}"
            b, b_name = emb_b[name], f"lora_embedding_B.{name}"
        tensors = []
        for part in (a, b):
            if isinstance(part, nn.Module):
                tensors.extend(part.parameters())
            elif isinstance(part, torch.Tensor):
                tensors.append(part)
        if magnitude is not None and name in magnitude:
            tensors.extend(magnitude[name].parameters())
        params, trainable = _numel(tensors)
        drops = dicts["lora_dropout"]
        drop = drops[name] if drops is not None and name in drops else None
        dora = getattr(module, "use_dora", {})
        out.append(
            LoraAdapter(
                name=str(name),
                r=r,
                alpha=(getattr(module, "lora_alpha", {}) or {}).get(name),
                scaling=(getattr(module, "scaling", {}) or {}).get(name),
                dropout=_dropout_p(drop),
                a_shape=_shape(a),
                b_shape=_shape(b),
                a_name=a_name,
                b_name=b_name,
                params=params,
                trainable=trainable,
                rslora=bool((getattr(module, "use_rslora", {}) or {}).get(name, False)),
                dora=bool(dora.get(name, False)) if isinstance(dora, dict) else False,
                active=name in active,
                merged=name in merged,
                b_zero=_all_zero(b),
            )
        )
    return out


def layer_info(module: Any) -> AdapterLayer | None:
    """What a PEFT layer adds to the layer it wraps (None for any other module).

    ``base_params + added_params == total``, the module's parameters (each tensor once).
    """
    found = kind(module)
    if found is None:
        return None
    base = base_layer_of(module)
    base_name = _relative(module, base)
    total, total_train = _numel(module.parameters())
    base_total, base_train = _numel(base.parameters()) if base is not module else (0, 0)
    method = _method(module) or ("lora" if found == "lora" else "")
    qualified = f"{method}.{type(module).__name__}" if method else type(module).__name__
    info = AdapterLayer(
        kind=found,
        type=qualified,
        base_name=base_name,
        base_type=type(base).__name__,
        base_params=base_total,
        base_trainable=base_train,
        added_params=total - base_total,
        added_trainable=total_train - base_train,
        total=total,
        in_features=getattr(module, "in_features", None) if found != "modules_to_save" else None,
        out_features=getattr(module, "out_features", None) if found != "modules_to_save" else None,
        active=_active(module),
        disabled=_disabled(module),
        method=method,
    )
    if found == "lora":
        info.adapters = _lora_adapters(module)
    elif found == "modules_to_save":
        info.copies = {
            str(n): _numel(m.parameters())[0] for n, m in module._modules["modules_to_save"].items()
        }
    return info


@dataclass
class PeftSummary:
    """What a PEFT wrapper (``PeftModel`` or a tuner such as ``LoraModel``) adds to its model.

    Attributes
    ----------
    wrapper, base_type : str
        The wrapper's class and the adapted model's class.
    base_path : str
        Where the adapted model is, relative to the wrapper (``"base_model.model"``).
    configs : dict of str to dict
        Per adapter name: ``peft_type``, ``r``, ``lora_alpha``, ``lora_dropout``,
        ``target_modules``, ``modules_to_save``, ``task_type`` (what its config says).
    active : list of str
        Active adapter names.
    layers : dict of str to list of str
        Per kind (see :func:`kind`): paths of those modules, relative to the wrapper.
    targets : list of str
        Distinct last names of the adapted layers (``["query", "value"]``).
    params, trainable : int
        All parameters and those that require grad, each tensor once.
    own_trainable : int
        Parameters that require grad outside what the adapter layers add (0 when the model's own
        weights are all frozen, as PEFT leaves them).
    """

    wrapper: str
    base_type: str
    base_path: str
    configs: dict
    active: list
    layers: dict
    targets: list
    params: int
    trainable: int
    own_trainable: int = 0


def _config_facts(config: Any) -> dict:
    out = {}
    for key in (
        "peft_type",
        "task_type",
        "r",
        "lora_alpha",
        "lora_dropout",
        "target_modules",
        "modules_to_save",
        "use_rslora",
        "use_dora",
    ):
        value = getattr(config, key, None)
        value = getattr(value, "value", value)  # enums
        if isinstance(value, (set, frozenset)):
            value = sorted(str(v) for v in value)
        elif isinstance(value, (list, tuple)):
            value = list(dict.fromkeys(str(v) for v in value))
        if value is not None:
            out[key] = value
    return out


def peft_summary(model: Any) -> PeftSummary | None:
    """What a ``PeftModel`` or a tuner (``LoraModel``) adds; None for any other module."""
    if not (is_peft_model(model) or is_tuner_model(model)):
        return None
    base = base_model_of(model)
    layers: dict[str, list[str]] = {}
    targets: dict[str, None] = {}
    added: set[int] = set()  # what the adapter layers add: everything but their base layers
    for path, sub in model.named_modules():
        found = kind(sub)
        if found is not None:
            layers.setdefault(found, []).append(path)
            targets.setdefault(path.rpartition(".")[2], None)
            kept = {id(p) for p in base_layer_of(sub).parameters()}
            added.update(id(p) for p in sub.parameters() if id(p) not in kept)
    configs = getattr(model, "peft_config", None)
    configs = configs if isinstance(configs, dict) else {}
    tuner = model._modules["base_model"] if is_peft_model(model) else model
    active = _active(tuner) if is_tuner_model(tuner) else []
    if not active and is_peft_model(model):
        active = [a for a in [getattr(model, "active_adapter", None)] if isinstance(a, str)]
    params, trainable = _numel(model.parameters())
    _, own = _numel(p for p in model.parameters() if id(p) not in added)
    return PeftSummary(
        wrapper=type(model).__name__,
        base_type=type(base).__name__,
        base_path=_relative(model, base),
        configs={str(n): _config_facts(c) for n, c in configs.items()},
        active=active,
        layers=layers,
        targets=list(targets),
        params=params,
        trainable=trainable,
        own_trainable=own,
    )


def part_of(model: nn.Module, path: str) -> tuple[str, nn.Module, str] | None:
    """The PEFT layer that the module at ``path`` is a part of: ``(layer path, layer, the part's
    path inside it)``, e.g. ``("...query", <lora.Linear>, "lora_A.default")``; None otherwise."""
    parts = path.split(".") if path else []
    for cut in range(len(parts) - 1, 0, -1):
        holder = ".".join(parts[:cut])
        try:
            module = model.get_submodule(holder)
        except AttributeError:
            return None
        if kind(module) is not None:
            return holder, module, ".".join(parts[cut:])
    return None
