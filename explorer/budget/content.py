"""What the Budget view shows for one set of inputs, as plain data (parsed and checked here)."""

from __future__ import annotations

import math
from typing import Any

from ..numbers import short_count
from .core import OFFLOADED, Budget
from .figures import DTYPE_BYTES, Figure, format_bytes

__all__ = ["DTYPES", "budget_content", "parse_count", "parse_gb"]

DTYPES = tuple(DTYPE_BYTES)  # float32, float16, bfloat16, int8, int4
_GPU_ROUNDING = "a GPU sold as G GB is taken to hold G x 2**30 bytes"


def parse_count(text: Any, what: str, low: int) -> int:
    """A whole number typed in a box (``4096``, ``4,096``, ``4_096``), ``low`` or more.

    Raises
    ------
    ValueError
        Naming ``what`` when the text is empty, not a whole number or below ``low``.
    """
    raw = str(text).strip()
    if not raw:
        raise ValueError(f"{what} is empty: type a whole number ({low} or more)")
    try:
        value = int(raw.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"{what} must be a whole number, got {raw!r}") from None
    if value < low:
        raise ValueError(f"{what} must be {low} or more, got {value:,}")
    return value


def parse_gb(text: Any) -> float:
    """GPU memory in GB typed in a box (``80``, ``24``, ``40.5``): a positive, finite number."""
    raw = str(text).strip()
    if not raw:
        raise ValueError("GPU memory is empty: type its size in GB (e.g. 80)")
    try:
        value = float(raw.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"GPU memory must be a number of GB, got {raw!r}") from None
    if not 0 < value < math.inf:
        raise ValueError(f"GPU memory must be more than 0 GB, got {raw}")
    return value


def _failed(key: str, name: str, unit: str, exc: Exception) -> dict[str, Any]:
    return {"key": key, "name": name, "value": None, "unit": unit, "text": "unknown",
            "formula": "", "source": "", "note": str(exc)}  # fmt: skip


def budget_content(b: Budget, dtype: str, tokens: Any, batch: Any, gpu_gb: Any) -> dict[str, Any]:
    """Everything the Budget view shows, as JSON-safe data.

    Parameters
    ----------
    b
        The model's :class:`explorer.budget.Budget`.
    dtype
        One of :data:`DTYPES`: the weights, the KV cache and the GPU count use it.
    tokens, batch, gpu_gb
        The context length, batch and GPU memory as typed (text or numbers); a bad one gives a
        message, and the figures that need it are left out.

    Returns
    -------
    dict
        ``model, meta, moe, mla, inputs`` (parsed, None where bad), ``counts``, ``memory``,
        ``kv`` (rows), ``gpu`` (``{count, line, detail, leaves_out, formula, ref}`` or None),
        ``sources`` and ``messages`` (one per bad input). A row is
        :meth:`explorer.budget.Figure.row` plus ``ref``, the 1-based index of its source (and
        ``short``, e.g. "46.7B", for counts).
    """
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    messages: list[str] = []
    inputs: dict[str, Any] = {}
    for key, parse in (
        ("tokens", lambda: parse_count(tokens, "context length", 0)),
        ("batch", lambda: parse_count(batch, "batch", 1)),
        ("gpu_gb", lambda: parse_gb(gpu_gb)),
    ):
        try:
            inputs[key] = parse()
        except ValueError as exc:
            inputs[key] = None
            messages.append(str(exc))
    sources: list[str] = []

    def row(fig: Any) -> dict[str, Any]:
        out = fig.row() if isinstance(fig, Figure) else dict(fig)
        src = out.get("source") or ""
        if src and src not in sources:
            sources.append(src)
        out["ref"] = sources.index(src) + 1 if src else 0
        if out.get("unit") == "params" and out.get("value") is not None:
            out["short"] = short_count(out["value"])  # "46.7B" above the exact count
        return out

    counts = [row(f) for f in (b.params, b.trainable, b.frozen, b.embedding, b.non_embedding)]
    moe = bool(b.expert_sets)
    if moe:
        try:
            counts.append(row(b.active))
        except ValueError as exc:
            counts.append(row(_failed("active", "active per token", "params", exc)))
    weights = b.weights_bytes(dtype)
    memory = [row(weights), row(b.stored_bytes)]
    memory += [row(b.training_bytes("mixed")), row(b.training_bytes("float32"))]
    tokens_n, batch_n, gb = inputs["tokens"], inputs["batch"], inputs["gpu_gb"]
    kv: list[dict[str, Any]] = []
    mla = False
    kv_figure = None
    if tokens_n is not None and batch_n is not None:
        what = f"{tokens_n:,} tokens x batch {batch_n:,} ({dtype})"
        try:
            kv_figure = b.kv_cache_bytes(tokens_n, batch_n, dtype)
            mla = b.attention.kind == "mla"
            kv.append(row(kv_figure))
            kv[-1]["name"] = f"KV cache, {'compressed latent (MLA), ' * mla}{what}"
            if mla:
                kv.append(row(b.kv_cache_bytes(tokens_n, batch_n, dtype, expanded=True)))
                kv[-1]["name"] = f"KV cache expanded per head (transformers 4), {what}"
                kv[-1]["note"] = ""  # the same note as the compressed cache's, shown once
        except (TypeError, ValueError) as exc:
            kv.append(row(_failed("kv_cache", f"KV cache ({dtype})", "bytes", exc)))
    gpu = None
    if gb is not None and tokens_n is not None and batch_n is not None:
        gpu = _gpu_line(b, gb, dtype, tokens_n if kv_figure is not None else 0, batch_n, mla)
        gpu["ref"] = row({"source": gpu.pop("source")})["ref"]
    return {
        "model": b.model_type,
        "meta": b.meta,
        "offloaded": OFFLOADED if b.offloaded else "",
        "moe": moe,
        "mla": mla,
        "dtype": dtype,
        "inputs": inputs,
        "counts": counts,
        "memory": memory,
        "kv": kv,
        "gpu": gpu,
        "sources": sources,
        "messages": messages,
    }


def _gpu_line(
    b: Budget, gb: float, dtype: str, tokens: int, batch: int, mla: bool
) -> dict[str, Any]:
    fig = b.gpus_needed(gb, dtype, tokens, batch)
    parts = fig.parts
    n = int(fig)
    kv_text = f" + KV cache {format_bytes(parts['kv_cache'])}" if tokens else " (no KV cache)"
    detail = (
        f"weights {format_bytes(parts['weights'])}{kv_text} = {format_bytes(parts['total'])}, "
        f"{n} x {format_bytes(parts['per_gpu'])} available"
    )
    if mla and tokens:
        expanded = int(b.kv_cache_bytes(tokens, batch, dtype, expanded=True))
        more = max(1, -(-(parts["weights"] + expanded) // parts["per_gpu"]))
        detail += (
            f"; with the KV cache expanded per head (transformers 4): {more} x GPU "
            f"({format_bytes(expanded)} of KV cache)"
        )
    return {
        "count": n,
        "line": f"fits on {n} x GPU of {gb:g} GB",
        "detail": detail,
        "leaves_out": f"Leaves out {fig.note.removeprefix('leaves out ')}; {_GPU_ROUNDING}",
        "formula": fig.formula,
        "source": fig.source,
    }
