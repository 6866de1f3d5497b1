"""What one module computed in a trace: shape, norm per token and summary statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .record import first_tensor

__all__ = ["ModuleOutput", "describe", "shapes_of"]


@dataclass
class ModuleOutput:
    """One call of one module in a trace.

    A module called several times in one forward pass (ALBERT's shared layer runs once per
    layer) has one record per call: ``call`` says which, ``calls`` how many there were.

    Attributes
    ----------
    path : str
        The module's path (``""`` is the model itself).
    kind : str
        The module's class name.
    ran : bool
        False when the module was not called for this input (``note`` says why).
    call, calls : int
        Which call this is (from 0) and how many calls the module had.
    shape : tuple of int or None
        Shape of the output's tensor (the first one of a tuple or a model output).
    shapes : list of list of int
        Shapes of every tensor in the output (one level into tuples and model outputs).
    token_norms : numpy.ndarray or None
        L2 norm over the hidden dimensions, one value per token, for outputs shaped
        ``[1, tokens, ...]`` with at least 3 dimensions; None otherwise.
    mean, std, min, max : float or None
        Over every value of the output's tensor (``std`` is the population one).
    note : str
        A plain sentence when something is missing or special; empty otherwise.
    tensor : torch.Tensor or None
        The output's tensor itself (detached; not a copy).
    """

    path: str
    kind: str
    ran: bool
    call: int = 0
    calls: int = 0
    shape: tuple[int, ...] | None = None
    shapes: list[list[int]] = field(default_factory=list)
    token_norms: np.ndarray | None = field(default=None, repr=False)
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    note: str = ""
    tensor: torch.Tensor | None = field(default=None, repr=False)


def shapes_of(value: Any, depth: int = 0) -> list[list[int]]:
    """Shapes of the tensors in a module output: a tensor, a tuple/list or a model output."""
    if isinstance(value, torch.Tensor):
        return [list(value.shape)]
    if depth > 1:
        return []
    items = value.values() if isinstance(value, Mapping) else value
    if isinstance(value, (Mapping, tuple, list)):
        return [s for item in items for s in shapes_of(item, depth + 1)]
    return []


def not_run(path: str, module: nn.Module) -> ModuleOutput:
    """The record of a module the forward pass never called."""
    kind = type(module).__name__
    if isinstance(module, (nn.ModuleList, nn.ModuleDict)):
        note = f"{kind} is a container: it is never called itself, the modules in it are."
    else:
        note = f"{path or kind} did not run for this input: the forward pass did not call it."
    return ModuleOutput(path=path, kind=kind, ran=False, note=note)


def describe(
    path: str, module: nn.Module, output: Any, changed: bool, call: int, calls: int, tokens: int
) -> ModuleOutput:
    """The record of one call: shapes always, statistics when the output holds a tensor."""
    kind = type(module).__name__
    record = ModuleOutput(path, kind, True, call, calls, shapes=shapes_of(output))
    tensor = first_tensor(output)
    if tensor is None:
        record.note = f"{path or kind} returned no tensor (it returned {type(output).__name__})."
        return record
    record.tensor = tensor.detach()
    record.shape = tuple(tensor.shape)
    if changed:
        record.note = (
            "This output was changed in place later in the forward pass: the values are the "
            "changed ones."
        )
    if tensor.numel() == 0 or tensor.is_complex():
        return record
    values = tensor.detach().float()
    low, high = torch.aminmax(values)
    std, mean = torch.std_mean(values, correction=0)
    record.mean, record.std = mean.item(), std.item()
    record.min, record.max = low.item(), high.item()
    if values.dim() >= 3 and values.shape[0] == 1 and values.shape[1] == tokens:
        dims = tuple(range(1, values.dim() - 1))
        norms = torch.linalg.vector_norm(values[0], dim=dims)
        record.token_norms = norms.cpu().numpy()
    return record
