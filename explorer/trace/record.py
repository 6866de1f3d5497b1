"""Recording one forward pass: a light hook per module, hooks removed whatever happens."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from ..latest import Stale

__all__ = [
    "TraceCancelled",
    "Recording",
    "recording",
    "first_tensor",
    "layer_stack",
    "nonfinite_warnings",
]


class TraceCancelled(Stale):
    """Raised inside the forward pass when ``should_stop()`` turned true: the work is obsolete.

    A :class:`~explorer.latest.Stale`: a live panel's runner treats it as newer input arriving.
    """


def first_tensor(value: Any) -> torch.Tensor | None:
    """The tensor a module output stands for: itself, or the first tensor of a tuple/list/dict."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        for item in value:
            if isinstance(item, torch.Tensor):
                return item
    return None


def _version(value: Any) -> int | None:
    tensor = first_tensor(value)
    return None if tensor is None else tensor._version


def layer_stack(model: nn.Module) -> tuple[str, nn.ModuleList] | None:
    """The base model's stack of blocks: its ``ModuleList`` holding the most parameters.

    On ties the outer list wins (ALBERT's ``albert_layer_groups`` over the ``albert_layers``
    inside its one group). None when the model has no ``ModuleList``.
    """
    base = getattr(model, "base_model", None)
    base = base if isinstance(base, nn.Module) else model
    prefix = next(path for path, module in model.named_modules() if module is base)
    best, best_size = None, -1
    for path, module in base.named_modules():
        if isinstance(module, nn.ModuleList) and len(module):
            size = sum(p.numel() for p in module.parameters())
            if size > best_size:
                best, best_size = (path, module), size
    if best is None:
        return None
    path = f"{prefix}.{best[0]}" if prefix and best[0] else prefix or best[0]
    return path, best[1]


class Recording:
    """What the hooks saw: every call's output in call order, and the stack's first input.

    Attributes
    ----------
    paths : list of str
        Module paths in ``named_modules()`` order (a module reachable by two names keeps the
        first); hooks refer to modules by their index here.
    log : list of (int, object, int or None)
        ``(module index, output, version of its tensor)`` for each call, in the order calls ended.
    stack_input : torch.Tensor or None
        The hidden state entering the first call of a block of the stack.
    attention : AttentionCapture or None
        The run's attention calls (:mod:`explorer.trace.capture`), set by the run seam.
    """

    def __init__(self, model: nn.Module, stack: tuple[str, nn.ModuleList] | None) -> None:
        self.modules = dict(model.named_modules())
        self.paths = list(self.modules)
        self.index = {path: i for i, path in enumerate(self.paths)}
        self.log: list[tuple[int, Any, int | None]] = []
        self.stack_input: torch.Tensor | None = None
        self.stack = stack
        self.attention: Any = None
        self._by_path: dict[int, list[int]] | None = None

    def calls(self, path: str) -> list[int]:
        """Positions in ``log`` of the calls of ``path``, in order."""
        if self._by_path is None:
            by_path: dict[int, list[int]] = {}
            for position, (i, _, _) in enumerate(self.log):
                by_path.setdefault(i, []).append(position)
            self._by_path = by_path
        return self._by_path.get(self.index[path], [])

    def stack_outputs(self) -> list[torch.Tensor]:
        """The hidden state leaving each call of a block of the stack, in call order."""
        if self.stack is None:
            return []
        blocks = {id(m) for m in self.stack[1].children()}
        indices = {i for i, path in enumerate(self.paths) if id(self.modules[path]) in blocks}
        return [first_tensor(out) for i, out, _ in self.log if i in indices]


def _first_argument(module: nn.Module) -> str | None:
    params = list(inspect.signature(module.forward).parameters.values())
    return params[0].name if params else None


@contextlib.contextmanager
def recording(model: nn.Module, should_stop: Callable[[], bool] | None = None):
    """Hook every module of ``model`` for the block; yields the :class:`Recording`.

    Each hook only appends ``(index, output, version)`` to a list: statistics are computed
    later, on demand. With ``should_stop``, a pre-hook on every module raises
    :class:`TraceCancelled` as soon as it returns true. All hooks are removed on exit, also
    when the forward pass raises.
    """
    rec = Recording(model, layer_stack(model))
    log = rec.log
    blocks = set()
    if rec.stack is not None:
        blocks = {id(m) for m in rec.stack[1].children()}
    handles = []

    def make(i: int):
        def hook(_module, _args, output):
            log.append((i, output, _version(output)))

        return hook

    def make_block(i: int, first: str | None):
        def hook(_module, args, kwargs, output):
            if rec.stack_input is None:
                rec.stack_input = args[0] if args else kwargs.get(first)
            log.append((i, output, _version(output)))

        return hook

    def stop(_module, _args):
        if should_stop():
            raise TraceCancelled("the trace was cancelled: should_stop() returned True")

    try:
        for i, path in enumerate(rec.paths):
            module = rec.modules[path]
            if id(module) in blocks:
                hook = make_block(i, _first_argument(module))
                handles.append(module.register_forward_hook(hook, with_kwargs=True))
            else:
                handles.append(module.register_forward_hook(make(i)))
            if should_stop is not None:
                handles.append(module.register_forward_pre_hook(stop))
        yield rec
    finally:
        for handle in handles:
            handle.remove()


def _finite(value: Any) -> bool:
    """False when a float tensor in ``value`` (a tensor or a tuple of them) holds NaN or inf."""
    tensors = value if isinstance(value, (tuple, list)) else (value,)
    return all(
        torch.isfinite(t).all().item()
        for t in tensors
        if isinstance(t, torch.Tensor) and t.is_floating_point()
    )


def nonfinite_warnings(rec: Recording, head: Any) -> list[str]:
    """Plain sentences about NaN or inf in a run: empty when the head's value is finite, else
    naming the first module (in the order calls finished) whose output holds them."""
    if _finite(head):
        return []
    for i, out, _ in rec.log:
        tensor = first_tensor(out)
        if tensor is not None and not _finite(tensor):
            path = rec.paths[i]
            kind = type(rec.modules[path]).__name__
            return [
                f"The prediction holds NaN or infinite values. They first appear in the output of "
                f"{path or 'the model'} ({kind}), and every number computed from it is not a "
                "number either. Check that module's weights (a failed load, an overflow in float16) "
                "and the input."
            ]
    return [
        "The prediction holds NaN or infinite values, though no module's output did: the head "
        "computed them (check its weights)."
    ]
