"""Extra lines for a module's details pane: what PEFT added there and where accelerate put it."""

from __future__ import annotations

from typing import Any

from torch import nn

from ..adapters import AdapterLayer, LoraAdapter, join, kind, layer_info, part_of, peft_summary
from ..placement import Placement

__all__ = ["adapter_text", "adapter_notes", "placement_notes"]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "0%"


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def adapter_text(a: LoraAdapter) -> str:
    """One adapter's settings in a line: ``default: r=4, alpha=8, scaling=2, dropout 0.1``."""
    how = "alpha/sqrt(r)" if a.rslora else "alpha/r"
    bits = [
        f"r={_fmt(a.r)}",
        f"alpha={_fmt(a.alpha)}",
        f"scaling={_fmt(a.scaling)} ({how})",
        f"dropout {_fmt(a.dropout)}",
    ]
    if a.dora:
        bits.append("DoRA")
    state = [s for s, on in (("inactive", not a.active), ("merged", a.merged)) if on]
    return f"{a.name}: " + ", ".join(bits) + (f" ({', '.join(state)})" if state else "")


def adapter_notes(model: nn.Module, module: nn.Module, path: str) -> list[list[str]]:
    """Lines for a details pane about PEFT: ``[[label, text], ...]`` (empty for other modules).

    A LoRA layer gets its base layer, every adapter's settings, what trains and counts that add
    up; a ``ModulesToSaveWrapper`` its original and copies; a PEFT wrapper what it adds; a
    part of an adapter layer (A, B, base layer, a copy) which layer it belongs to.
    """
    out: list[list[str]] = []
    info = layer_info(module)
    if info is not None:
        base_path = join(path, info.base_name)
        sizes = (
            f", {info.in_features} → {info.out_features}"
            if info.in_features is not None and info.out_features is not None
            else ""
        )
        if info.kind == "modules_to_save":
            out.append(["adapter", f"PEFT modules_to_save: trainable copies beside {base_path}"])
            out.append(["original", f"{base_path} ({info.base_type}){_frozen(info)}"])
            for name, n in info.copies.items():
                active = "" if name in info.active else " (inactive)"
                out.append(
                    [f"copy {name}", f"{join(path, 'modules_to_save.' + name)}: {n:,}{active}"]
                )
        else:
            label = "LoRA" if info.kind == "lora" else f"PEFT {info.method or 'adapter'}"
            out.append(
                ["adapter", f"{label} ({info.type}) on {base_path} ({info.base_type}{sizes})"]
            )
            for a in info.adapters:
                out.append([f"LoRA {a.name}", adapter_text(a).partition(": ")[2]])
            out.append(["base weight", f"{info.base_params:,} parameters{_frozen(info)}"])
        out.append(
            [
                "adapter trains",
                f"{info.added_trainable:,} of {info.added_params:,} added parameters",
            ]
        )
        out.append(
            [
                "counts",
                f"{info.base_params:,} original + {info.added_params:,} added = {info.total:,}",
            ]
        )
        if info.disabled:
            out.append(["disabled", "adapters are off: it computes what the original layer does"])
        return out
    summary = peft_summary(module)
    if summary is not None:
        for name, cfg in summary.configs.items():
            facts = ", ".join(
                f"{k}={_fmt(v) if not isinstance(v, list) else ', '.join(v)}"
                for k, v in cfg.items()
                if k != "task_type"
            )
            active = "" if name in summary.active or not summary.active else " (inactive)"
            out.append([f"adapter {name}", facts + active])
        counts = ", ".join(f"{len(v)} {k}" for k, v in summary.layers.items())
        out.append(["adapted layers", counts or "none"])
        out.append(
            [
                "trainable",
                f"{summary.trainable:,} of {summary.params:,} "
                f"({_pct(summary.trainable, summary.params)})",
            ]
        )
        out.append(["wraps", f"{join(path, summary.base_path)} ({summary.base_type})"])
        return out
    found = part_of(model, path)
    if found is not None:
        holder, layer, rel = found
        out.append(["part of", f"{holder} ({kind(layer)}): {rel}"])
    return out


def _frozen(info: AdapterLayer) -> str:
    if not info.base_params:
        return ""
    if info.base_trainable == 0:
        return ", frozen"
    return f", {info.base_trainable:,} of them train"


def placement_notes(placement: Placement, path: str, places: list[str]) -> list[list[str]]:
    """Lines for a details pane: ``[["placed", ...], ["device_map", ...], ["inputs go to", ...]]``.

    ``places`` are the distinct places of the tensors under the module at ``path``.
    """
    out = []
    if places:
        out.append(["placed", placement.describe(places)])
    entry = placement.mapped(path)
    if entry is not None:
        key, where = entry
        out.append(["device_map", f"{key or '(the whole model)'} → {where}"])
    if not path and placement.execution is not None:
        out.append(["inputs go to", f"{placement.execution} (the execution device of its hooks)"])
    return out
