"""The one run seam: every live forward pass of a model goes through :func:`run`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..model_info import check_weights
from ..placement import dispatched
from .attention import capture_attention
from .record import Recording, TraceCancelled, first_tensor, recording

__all__ = ["Run", "run", "eval_mode"]


@contextlib.contextmanager
def eval_mode(model: nn.Module, *, inference: bool = True):
    """Run with every submodule in eval mode, restoring each module's own flag afterwards.

    Gradients are off: ``torch.inference_mode`` by default, ``torch.no_grad`` with
    ``inference=False`` (tensors then keep their version counters, which a trace reads) and for
    a model accelerate placed (its hooks put new parameters in the model on every forward pass;
    made under inference mode they would stay inference tensors, which cannot train).
    """
    # Only the modules in training mode change, and through object.__setattr__: Module's own
    # __setattr__ costs ~10 us a call, ~3 ms a run for 100 modules set and restored.
    training, stack, seen = [], [model], set()
    while stack:  # model.modules() without its generator recursion (~3x faster)
        module = stack.pop()
        if id(module) not in seen:
            seen.add(id(module))
            if module.training:
                training.append(module)
            stack.extend(m for m in module._modules.values() if m is not None)
    inference = inference and not dispatched(model)
    try:
        for module in training:
            object.__setattr__(module, "training", False)
        with torch.inference_mode() if inference else torch.no_grad():
            yield
    finally:
        for module in training:
            object.__setattr__(module, "training", True)


@dataclass(repr=False, eq=False)
class Run:
    """What :func:`run` did: the model's output for each feed, and the traced feed's record.

    Attributes
    ----------
    outputs : list
        The model's output for each feed, in order.
    recording : Recording or None
        What every module computed in the traced feed (None when none was traced).
    traced : int or None
        Index of the traced feed.
    """

    outputs: list[Any]
    recording: Recording | None
    traced: int | None


def _stop_check(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TraceCancelled("the run was cancelled: should_stop() returned True")


def run(
    model: nn.Module,
    feeds: Sequence[dict],
    *,
    trace: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_forward: Callable[[], Any] | None = None,
) -> Run:
    """Run ``model(**feed)`` once per feed, in eval mode and without gradients.

    The only place a task head, a panel or a trace calls a model. The model comes back
    untouched: each module's ``training`` flag is restored and every hook is removed, also when
    a forward pass raises or is cancelled.

    Parameters
    ----------
    model : torch.nn.Module
        The model (its weights, modes, grads, device and dtype are kept).
    feeds : sequence of dict
        Keyword arguments of each forward pass (one per window of a long input).
    trace : int or None
        Index of the feed to record (every module's output, the stack's hidden states, the
        attention calls: see :mod:`explorer.trace.capture`); None
        records nothing and runs under ``torch.inference_mode``, with no hook at all.
    should_stop : callable or None
        Checked before each forward pass and, in the traced one, before every module runs;
        when it returns True the run stops with :class:`~explorer.trace.TraceCancelled`.
    on_forward : callable or None
        Called after each completed forward pass (a panel counts them).

    Returns
    -------
    Run
    """
    if should_stop is not None and not callable(should_stop):
        raise TypeError(f"should_stop must be callable, got {type(should_stop).__name__}")
    outputs: list[Any] = []
    rec: Recording | None = None
    with eval_mode(model, inference=trace is None):
        for i, feed in enumerate(feeds):
            _stop_check(should_stop)
            try:
                if i == trace:
                    mask = feed.get("attention_mask")
                    with (
                        recording(model, should_stop) as rec,
                        capture_attention(model, mask) as rec.attention,
                    ):
                        output = model(**feed)
                else:
                    output = model(**feed)
            except TraceCancelled:
                raise
            except Exception:
                check_weights(model)  # a model without weights: say so, not torch's riddle
                raise
            tensor = first_tensor(output)
            if tensor is not None and tensor.is_meta:
                check_weights(model)
            outputs.append(output)
            if on_forward is not None:
                on_forward()
    return Run(outputs, rec, trace)
