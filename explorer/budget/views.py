"""The budget as rows of plain data and as a text table."""

from __future__ import annotations

import textwrap
from typing import Any

from .figures import Figure, check_gb, check_int, dtype_name

__all__ = ["figures", "text"]


def _failed(key: str, name: str, unit: str, exc: Exception) -> dict[str, Any]:
    return {"key": key, "name": name, "value": None, "unit": unit, "text": "unknown",
            "formula": "", "source": "", "note": f"{type(exc).__name__}: {exc}"}  # fmt: skip


def figures(b, tokens: int, batch: int, dtype: Any, gpu_gb: float) -> list:
    """Every figure of budget ``b`` in table order; a failing one becomes a row saying why.

    Bad arguments (dtype, tokens, batch, gpu_gb) raise, as the methods do.
    """
    dtype = dtype_name(dtype)
    check_int("tokens", tokens, 0)
    check_int("batch", batch, 1)
    check_gb(gpu_gb)
    out: list = [b.params, b.trainable, b.frozen, b.embedding, b.non_embedding]

    def attempt(key: str, name: str, unit: str, make) -> None:
        try:
            out.append(make())
        except (TypeError, ValueError) as exc:
            out.append(_failed(key, name, unit, exc))

    attempt("active", "active per token", "params", lambda: b.active)
    out.append(b.stored_bytes)
    for name in ("float32", "bfloat16", "int8", "int4"):
        fig = b.weights_bytes(name)
        if name == "bfloat16":
            fig.name = "weights in float16 / bfloat16"
        out.append(fig)
    out.append(b.training_bytes("mixed"))
    out.append(b.training_bytes("float32"))

    def kv(n: int, per: int, key: str, label: str, expanded: bool = False):
        fig = b.kv_cache_bytes(n, per, dtype, expanded=expanded)
        return Figure(int(fig), key, label, "bytes", fig.formula, fig.source, fig.note)

    attempt("kv_cache_per_token", "KV cache per token", "bytes",
            lambda: kv(1, 1, "kv_cache_per_token", f"KV cache per token ({dtype})"))  # fmt: skip
    mla = False
    try:
        mla = b.attention.kind == "mla"
    except (TypeError, ValueError):  # no config: the KV rows say why
        pass
    if mla:
        attempt("kv_cache_expanded_per_token", "KV cache per token, expanded per head", "bytes",
                lambda: kv(1, 1, "kv_cache_expanded_per_token",
                           f"KV cache per token, expanded per head ({dtype})", True))  # fmt: skip
    label = f"KV cache, {tokens:,} tokens x batch {batch} ({dtype})"
    attempt("kv_cache", label, "bytes", lambda: kv(tokens, batch, "kv_cache", label))
    if mla:
        label_x = f"KV cache expanded per head, {tokens:,} tokens x batch {batch} ({dtype})"
        attempt("kv_cache_expanded", label_x, "bytes",
                lambda: kv(tokens, batch, "kv_cache_expanded", label_x, True))  # fmt: skip

    def gpus():
        try:
            return b.gpus_needed(gpu_gb, dtype, tokens, batch)
        except (TypeError, ValueError) as exc:  # no KV cache layout: weights only
            fig = b.gpus_needed(gpu_gb, dtype, 0, batch)
            fig.note = f"weights only, KV cache unknown ({exc}); " + fig.note
            return fig

    attempt("gpus", f"GPUs of {gpu_gb:g} GB", "gpus", gpus)
    return out


def text(rows: list[dict[str, Any]], model_type: str, width: int = 100) -> str:
    """A text table: name and value per row, its formula below, notes once, sources numbered."""
    sources: list[str] = []
    seen_notes: set[str] = set()
    name_width = max(len(r["name"]) for r in rows)
    value_width = max(len(r["text"]) for r in rows)
    lines = [f"budget of {model_type} (KiB, MiB, GiB, TiB: powers of 1024)"]
    wrap = textwrap.TextWrapper(width=width, initial_indent="      ", subsequent_indent="        ")
    for r in rows:
        lines.append(f"  {r['name']:<{name_width}}  {r['text']:>{value_width}}")
        ref = ""
        if r["source"]:
            if r["source"] not in sources:
                sources.append(r["source"])
            ref = f" [{sources.index(r['source']) + 1}]"
        if r["formula"]:
            lines.extend(wrap.wrap(f"= {r['formula']}{ref}"))
        if r["note"] and r["note"] not in seen_notes:
            seen_notes.add(r["note"])
            lines.extend(wrap.wrap(f"note: {r['note']}"))
    lines.append("sources:")
    lines.extend(f"  [{i}] {s}" for i, s in enumerate(sources, 1))
    return "\n".join(lines)
