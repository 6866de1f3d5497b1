"""A figure is an exact integer that also carries its name, formula, source and note."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..facts import DTYPE_BYTES
from ..numbers import short_count

__all__ = [
    "Figure",
    "DTYPE_BYTES",
    "check_gb",
    "check_int",
    "dtype_name",
    "nbytes",
    "format_bytes",
    "format_value",
]

_TORCH = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
          torch.int8: "int8"}  # fmt: skip


def dtype_name(dtype: Any) -> str:
    """The budget's name for ``dtype`` (a name such as "bfloat16" or a torch dtype).

    Raises
    ------
    ValueError
        For a name or torch dtype the budget has no byte size for.
    TypeError
        For anything else (None, a number...).
    """
    if isinstance(dtype, torch.dtype):
        if dtype not in _TORCH:
            raise ValueError(f"unknown dtype {dtype}: use one of {', '.join(DTYPE_BYTES)}")
        return _TORCH[dtype]
    if not isinstance(dtype, str):
        raise TypeError(f"dtype must be a name such as 'bfloat16', not {type(dtype).__name__}")
    name = dtype.removeprefix("torch.")
    if name not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype {dtype!r}: use one of {', '.join(DTYPE_BYTES)}")
    return name


def check_int(name: str, value: Any, low: int) -> int:
    """``value`` when it is an int >= ``low``; TypeError or ValueError naming ``name`` if not."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be {low} or more, got {value}")
    return value


def check_gb(gpu_gb: Any) -> float:
    """``gpu_gb`` when it is a positive, finite number of GB; TypeError or ValueError if not."""
    if isinstance(gpu_gb, bool) or not isinstance(gpu_gb, (int, float)):
        raise TypeError(f"gpu_gb must be a number of GB, not {type(gpu_gb).__name__}")
    if not 0 < gpu_gb < math.inf:
        raise ValueError(f"gpu_gb must be a positive number of GB, got {gpu_gb!r}")
    return gpu_gb


def nbytes(elements: int, dtype: str) -> int:
    """Bytes of ``elements`` values of ``dtype`` (int4: half a byte each, rounded up)."""
    return math.ceil(elements * DTYPE_BYTES[dtype])


class Figure(int):
    """An exact integer (a count of parameters, bytes or GPUs) with how it was obtained.

    It is an ``int`` (compare, add and format it as one) that also carries a ``name``, the
    ``formula`` with the numbers put in, a short ``source`` and a ``note`` (what it leaves out),
    so a view can show them next to the value.

    Attributes
    ----------
    key, name, unit, formula, source, note
        Short identifier, readable name, "params" / "bytes" / "gpus", and the texts above.
    parts
        Named components of the figure (e.g. weights and KV cache of a GPU count), or empty.
    """

    def __new__(
        cls,
        value: int = 0,
        key: str = "",
        name: str = "",
        unit: str = "params",
        formula: str = "",
        source: str = "",
        note: str = "",
        parts: dict | None = None,
    ):
        self = super().__new__(cls, value)
        self.key, self.name, self.unit = key, name, unit
        self.formula, self.source, self.note = formula, source, note
        self.parts = dict(parts or {})
        return self

    @property
    def value(self) -> int:
        """The figure as a plain ``int``."""
        return int(self)

    def row(self) -> dict[str, Any]:
        """Plain, JSON-safe data: ``key, name, value, unit, text, formula, source, note``."""
        return {
            "key": self.key,
            "name": self.name,
            "value": int(self),
            "unit": self.unit,
            "text": format_value(int(self), self.unit),
            "formula": self.formula,
            "source": self.source,
            "note": self.note,
        }

    def __repr__(self) -> str:
        return f"Figure({self.key}={int(self):,} {self.unit})"

    __str__ = int.__repr__  # str() and print() show the number itself


def format_bytes(n: int) -> str:
    """Binary units: 1536 -> '1.50 KiB', 13476839424 -> '12.55 GiB'."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} B"


def format_value(value: int | None, unit: str) -> str:
    """A figure for people: counts with separators and short form, bytes in binary units."""
    if value is None:
        return "unknown"
    if unit == "bytes":
        return format_bytes(value)
    if unit == "params":
        return f"{value:,} ({short_count(value)})" if value >= 1000 else f"{value:,}"
    return f"{value:,}"
