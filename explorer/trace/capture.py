"""Attention captured where the model computes it, during the one run: references, no copies.

Modules that look their attention function up in transformers' registry
(``ALL_ATTENTION_FUNCTIONS``, ModernBERT's own table in transformers 4) find, for the duration of
the run, a wrapper in the entry their config names. The wrapper calls the original with the same arguments and, only for
this model's attention modules on this thread, keeps references to what it was given. Families with their own attention code get small hooks on the parts that hold what is
needed (the probabilities entering DeBERTa's and MPNet's dropout, BERT-era query/key projections,
ModernBERT's rotary tables). Every entry and hook is restored on exit, also when the run raises.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = [
    "REGISTRY_NAMES",
    "Call",
    "FunctionCall",
    "AttentionCapture",
    "capturing",
    "registry_name",
    "implementation",
]

#: Global names through which an attention module's forward looks its function up.
REGISTRY_NAMES = ("ALL_ATTENTION_FUNCTIONS", "MODERNBERT_ATTENTION_FUNCTION")


@functools.lru_cache(maxsize=512)
def _forward_names(cls: type) -> frozenset[str]:
    forward = inspect.unwrap(cls.forward)
    code = getattr(forward, "__code__", None)
    return frozenset(code.co_names) if code is not None else frozenset()


def registry_name(module: nn.Module) -> str | None:
    """The registry the module's own ``forward`` looks its attention function up in, or None."""
    names = _forward_names(type(module))
    return next((n for n in REGISTRY_NAMES if n in names), None)


def implementation(module: nn.Module) -> str | None:
    """``config._attn_implementation`` of the module's config (the key it looks up), or None."""
    config = getattr(module, "config", None)
    value = getattr(config, "_attn_implementation", None)
    return value if isinstance(value, str) else None


@dataclass
class FunctionCall:
    """One call of an attention function: the key it was found under and what it was given
    (what it returns is not kept: eager's weights are in the module's own output)."""

    key: str
    function: Callable
    args: tuple  # the values (``value``) are dropped: weights do not need them
    kwargs: dict
    versions: tuple = ()

    def changed(self) -> bool:
        """True when a tensor argument was changed in place after the function read it."""
        return _versions(self.args) != self.versions

    def bound(self) -> dict[str, Any]:
        """The call's arguments by parameter name (module first), as the function read them."""
        signature = _signature(self.function)
        bound = signature.bind(*self.args, **self.kwargs)
        names = dict(bound.arguments)
        for name, param in signature.parameters.items():
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                names.update(names.pop(name, {}))
        return names


def _versions(values: tuple) -> tuple:
    """Version counters of the tensors among ``values`` (None for the rest, and for tensors
    made under ``torch.inference_mode``, which keep none)."""
    found = []
    for value in values:
        try:
            found.append(value._version if isinstance(value, torch.Tensor) else None)
        except RuntimeError:
            found.append(None)
    return tuple(found)


@functools.lru_cache(maxsize=64)
def _signature(function: Callable) -> inspect.Signature:
    return inspect.signature(function)


@dataclass
class Call:
    """One call of one attention module: its inputs and output, and what its parts deposited.

    Under SDPA the module's inputs and output are not kept (``()``, ``{}``, None): the
    function call holds what the weights need. ``parts`` holds ``"function"`` (a :class:`FunctionCall`), ``"probs"``, ``"query"``, ``"key"``
    or ``"rotary"`` depending on the family.
    """

    path: str
    module: nn.Module
    args: tuple
    kwargs: dict
    output: Any
    parts: dict[str, Any] = field(default_factory=dict)


class AttentionCapture:
    """The attention calls of one run, per module path, and the attention mask fed to the model.

    Attributes
    ----------
    modules : dict of str to nn.Module
        The attention modules watched, by path (a module reachable by two names keeps the first).
    kinds : dict of str to str
        How each is read (see :func:`explorer.trace.attention.attention_kind`).
    calls : dict of str to list of Call
        Each module's calls in order.
    mask : list of int or None
        The ``attention_mask`` row fed to the model (1 = a real token).
    family : str
        The model's ``config.model_type``, for messages.
    model : nn.Module or None
        The model run.
    """

    def __init__(
        self, modules: dict[str, nn.Module], kinds: dict[str, str], mask, family: str = "",
        model: nn.Module | None = None,
    ) -> None:  # fmt: skip
        self.family = family
        self.model = model
        self.thread = threading.get_ident()
        self.facts: dict[str, Any] = {}  # model-wide facts, computed once when first asked
        self.modules = modules
        self.kinds = kinds
        self.mask = mask
        self.calls: dict[str, list[Call]] = {path: [] for path in modules}
        self._paths = {id(m): p for p, m in modules.items()}
        self._pending: dict[int, dict[str, Any]] = {}

    def deposit(self, owner: nn.Module, name: str, value: Any) -> None:
        """Keep ``value`` for the current call of the attention module ``owner`` (calls from
        other threads running the same model are not this run's)."""
        if threading.get_ident() != self.thread:
            return
        self._pending.setdefault(id(owner), {})[name] = value

    def watches(self, module: nn.Module) -> bool:
        """True for one of this capture's attention modules."""
        return id(module) in self._paths

    def finish(self, module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
        """Record one finished call of an attention module (of this capture's thread)."""
        if threading.get_ident() != self.thread:
            return
        path = self._paths[id(module)]
        parts = self._pending.pop(id(module), {})
        function = parts.get("function")
        if function is not None and function.key == "sdpa":  # all it needs is in the function call
            args, kwargs, output = (), {}, None
        self.calls[path].append(Call(path, module, args, kwargs, output, parts))


# -- the wrapped registry entries: installed once per (table, key), whatever the thread ----------

_LOCK = threading.Lock()
_LOCAL = threading.local()


@dataclass
class _Entry:
    table: dict
    key: str
    original: Callable
    wrapper: Callable
    users: int = 0


_ENTRIES: dict[tuple[int, str], _Entry] = {}


def _active() -> list[AttentionCapture]:
    captures = getattr(_LOCAL, "captures", None)
    if captures is None:
        captures = _LOCAL.captures = []
    return captures


def _wrap(key: str, original: Callable) -> Callable:
    @functools.wraps(original)
    def wrapper(module, *args, **kwargs):
        captures = getattr(_LOCAL, "captures", None)
        capture = None
        if captures:
            capture = next((c for c in reversed(captures) if c.watches(module)), None)
        returned = original(module, *args, **kwargs)
        if capture is not None:
            kept = _needed((module, *args), original)
            call = FunctionCall(key, original, kept, kwargs, _versions(kept))
            capture.deposit(module, "function", call)
        return returned

    return wrapper


def _needed(args: tuple, function: Callable) -> tuple:
    """The arguments without the values (a registry function's fourth parameter, ``value``):
    weights need the queries and keys only, so the values are not kept alive."""
    names = list(_signature(function).parameters)
    if len(args) > 3 and len(names) > 3 and names[3] == "value":
        return (*args[:3], None, *args[4:])
    return args


def _table(registry: Any, key: str) -> dict | None:
    """The dict a lookup of ``key`` in ``registry`` reads (an AttentionInterface's local mapping
    first, then its class-wide one; a plain dict itself), or None when the key is not there."""
    if isinstance(registry, dict):
        return registry if key in registry else None
    for name in ("_local_mapping", "_global_mapping"):
        table = getattr(registry, name, None)
        if isinstance(table, dict) and key in table:
            return table
    return None


def _install(table: dict, key: str) -> _Entry:
    with _LOCK:
        entry = _ENTRIES.get((id(table), key))
        if entry is None:
            original = table[key]
            entry = _Entry(table, key, original, _wrap(key, original))
            table[key] = entry.wrapper
            _ENTRIES[id(table), key] = entry
        entry.users += 1
        return entry


def _uninstall(entry: _Entry) -> None:
    with _LOCK:
        entry.users -= 1
        if entry.users == 0:
            del _ENTRIES[id(entry.table), entry.key]
            if (
                entry.table.get(entry.key) is entry.wrapper
            ):  # else someone replaced it: theirs stays
                entry.table[entry.key] = entry.original


def _tables(capture: AttentionCapture) -> list[tuple[dict, str]]:
    """The registry entries this capture's modules will look up."""
    found: dict[tuple[int, str], tuple[dict, str]] = {}
    for module in capture.modules.values():
        name, key = registry_name(module), implementation(module)
        if name is None or key is None:
            continue
        registry = inspect.unwrap(type(module).forward).__globals__.get(name)
        table = _table(registry, key)
        if table is not None:
            found[id(table), key] = (table, key)
    return list(found.values())


def _hooks(capture: AttentionCapture, parts: Callable) -> list:
    """A hook on each attention module (its inputs and output) and on the parts its family needs."""
    handles = []

    def finish(module, args, kwargs, output):
        capture.finish(module, args, kwargs, output)

    def keep(owner: nn.Module, name: str, index: int | None):
        def hook(_module, args, output):
            capture.deposit(owner, name, output if index is None else output[index])

        return hook

    for path, module in capture.modules.items():
        for name, child, index in parts(capture.kinds[path], module):
            handles.append(child.register_forward_hook(keep(module, name, index)))
        handles.append(module.register_forward_hook(finish, with_kwargs=True))
    return handles


@contextlib.contextmanager
def capturing(
    modules: dict[str, nn.Module], kinds: dict[str, str], mask, parts: Callable, family: str = "",
    model: nn.Module | None = None,
):  # fmt: skip
    """Capture the attention calls of ``modules`` during the block; yields the capture.

    Parameters
    ----------
    modules, kinds
        The attention modules to watch and how each is read.
    mask : list of int or None
        The attention mask fed to the model.
    parts : callable
        ``parts(kind, module)`` lists ``(name, child module, output index or None)``: children
        whose output the family's reader needs.
    family, model
        The model's ``config.model_type`` and the model, kept for messages and facts.
    """
    capture = AttentionCapture(modules, kinds, mask, family, model)
    entries, handles = [], []
    active = _active()
    active.append(capture)
    try:
        for table, key in _tables(capture):
            entries.append(_install(table, key))
        handles = _hooks(capture, parts)
        yield capture
    finally:
        for handle in handles:
            handle.remove()
        for entry in entries:
            _uninstall(entry)
        active.remove(capture)
