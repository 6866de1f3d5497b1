"""Routed experts of mixture-of-experts layers: where they are held and how many a token uses."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from torch import nn

__all__ = ["ExpertSet", "expert_layout", "experts_per_token"]

# Where models and configs keep the number of routed experts each token goes through.
_TOP_K = ("top_k", "num_experts_per_tok", "num_experts_per_token", "experts_per_token",
          "moe_top_k", "moe_topk", "num_selected_experts", "router_top_k")  # fmt: skip
# Configs: not ``top_k``, which transformers 4 configs also hold as a sampling default (50).
_CONFIG_TOP_K = _TOP_K[1:]


@dataclass(frozen=True)
class ExpertSet:
    """One layer's routed experts.

    Attributes
    ----------
    path
        Module path holding them: the fused experts module (transformers 5: one tensor per
        weight, experts along the first dimension) or the container of per-expert modules
        (transformers 4: ``ModuleList`` of MLPs).
    layout
        "fused" or "modules".
    experts, per_token
        Routed experts held (E) and how many of them one token goes through (k).
    params, active
        Parameters of the routed experts, and those one token uses (k experts' worth).
    top_k_from
        Where ``per_token`` was read, e.g. ``model.layers.3.mlp.gate.top_k`` or
        ``config.num_experts_per_tok``.
    note
        Anything uncertain (experts of different sizes), else "".
    """

    path: str
    layout: str
    experts: int
    per_token: int
    params: int
    active: int
    top_k_from: str
    note: str = ""

    @property
    def skipped(self) -> int:
        """Parameters of the routed experts one token does not use."""
        return self.params - self.active

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a view."""
        return {
            "path": self.path,
            "layout": self.layout,
            "experts": self.experts,
            "per_token": self.per_token,
            "params": self.params,
            "active": self.active,
            "skipped": self.skipped,
            "top_k_from": self.top_k_from,
            "note": self.note,
        }


@functools.lru_cache(maxsize=1024)
def _kind(cls: type) -> str:
    return cls.__name__.lower()


def _looks_like_experts(name: str, module: nn.Module) -> bool:
    kind = _kind(type(module))
    if "shared" in kind or name[:6].lower() == "shared":
        return False  # shared experts run for every token
    return name == "experts" or "experts" in kind


def expert_layout(name: str, module: nn.Module) -> tuple[str, int] | None:
    """``("fused", E)``, ``("modules", E)`` when ``module`` holds E routed experts, else None.

    Fused: a module named ``experts`` (or whose class name says Experts) whose own weights all
    have the same first dimension E >= 2. Modules: a ``ModuleList`` / ``ModuleDict`` so named
    holding E >= 2 modules of one class.
    """
    if not _looks_like_experts(name, module):
        return None
    own = [p for p in module._parameters.values() if p is not None]
    if own:
        if any(p.dim() < 2 for p in own):
            return None
        lead = {p.shape[0] for p in own}
        if len(lead) == 1 and (e := next(iter(lead))) >= 2:
            return "fused", int(e)
        return None
    if isinstance(module, (nn.ModuleList, nn.ModuleDict)):
        kids = [m for m in module._modules.values() if m is not None]
        if len(kids) >= 2 and len({type(m) for m in kids}) == 1:
            return "modules", len(kids)
    return None


def _int_attr(obj: Any, names: tuple[str, ...]) -> tuple[str, int] | None:
    for attr in names:
        value = getattr(obj, attr, None)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return attr, value
    return None


def experts_per_token(
    path: str, module: nn.Module, parent_path: str, parent: nn.Module | None, config: Any
) -> tuple[int, str] | None:
    """How many routed experts one token uses, and where it was read; None if nowhere.

    Looks at the experts module, then its mixture-of-experts block, then the block's other
    children (the router), then the model's config (and its text config).
    """
    found = _int_attr(module, _TOP_K)
    if found:
        return found[1], f"{path}.{found[0]}"
    if parent is not None:
        found = _int_attr(parent, _TOP_K)
        if found:
            return found[1], f"{parent_path + '.' if parent_path else ''}{found[0]}"
        for cname, child in parent._modules.items():
            if child is None or child is module:
                continue
            found = _int_attr(child, _TOP_K)
            if found:
                prefix = f"{parent_path}." if parent_path else ""
                return found[1], f"{prefix}{cname}.{found[0]}"
    configs = [("config", config)]
    get_text = getattr(config, "get_text_config", None)
    if callable(get_text):
        try:
            text = get_text()
        except Exception:  # a composite config without a text part
            text = None
        if text is not None and text is not config:
            configs.append(("config.text_config", text))
    for label, cfg in configs:
        found = _int_attr(cfg, _CONFIG_TOP_K) if cfg is not None else None
        if found:
            return found[1], f"{label}.{found[0]}"
    return None
