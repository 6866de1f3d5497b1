"""Which modules are attention a trace can read, and their weights from what the run captured.

The weights equal what transformers returns with eager attention and ``output_attentions=True``.
Under SDPA (which never forms them) they are recomputed from the queries and keys the model's
own attention function was given (rotary and norms already applied), with its mask, scaling and
causal flag, exactly as SDPA uses them; under eager attention they are the eager function's own.
Families with their own attention code are read where their code forms the weights (see
:mod:`explorer.trace.capture`).
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import weakref

import torch
from torch import nn

from .capture import Call, FunctionCall, capturing, implementation, registry_name

__all__ = [
    "attention_kind",
    "attention_problem",
    "is_attention",
    "find_attention",
    "capture_attention",
    "weights",
    "module_mask",
    "allowed_from",
    "sdpa_inputs",
    "projection_layout",
    "own_scaling",
]

#: Implementations whose weights are read: SDPA's recomputed, eager's as returned.
READABLE = ("sdpa", "eager")
# Own attention code whose probabilities pass through the module's ``dropout`` child
_PROBABILITIES = ("DisentangledSelfAttention", "MPNetSelfAttention")
_PROJECTIONS = (("query", "key"), ("q_lin", "k_lin"))
_HEAD_COUNTS = ("num_attention_heads", "n_heads", "num_heads")


def _children(module: nn.Module) -> dict[str, nn.Module]:
    return dict(module.named_children())


def attention_kind(module: nn.Module) -> str | None:
    """How a trace reads ``module``'s attention, or None when it is not attention it knows.

    ``"function"``: its forward looks its attention function up in transformers' registry;
    ``"modernbert"``: ModernBERT's own function table (transformers 4); ``"probabilities"``:
    DeBERTa's and MPNet's own code, whose probabilities enter the ``dropout`` child;
    ``"projections"``: BERT-era code with ``query``/``key`` (or ``q_lin``/``k_lin``) children.
    """
    name = registry_name(module)
    if name == "ALL_ATTENTION_FUNCTIONS":
        return "function"
    if name == "MODERNBERT_ATTENTION_FUNCTION":
        return "modernbert"
    names = _children(module)
    if type(module).__name__ in _PROBABILITIES and isinstance(names.get("dropout"), nn.Dropout):
        return "probabilities"
    if any(q in names and k in names for q, k in _PROJECTIONS):
        return "projections"
    return None


def _family(module: nn.Module, family: str | None) -> str:
    if family:
        return family
    return str(getattr(getattr(module, "config", None), "model_type", "") or type(module).__name__)


def attention_problem(module: nn.Module, path: str, family: str | None = None) -> str | None:
    """Why ``module`` is not attention a trace can read (naming the family), or None when it is."""
    kind = attention_kind(module)
    where = f"{path or 'the model'} ({type(module).__name__})"
    family = _family(module, family)
    if kind is None:
        return (
            f"{family}: {where} is not an attention module this trace can read: it calls no "
            "attention function of transformers and has no query/key projections (query and "
            "key, or q_lin and k_lin)"
        )
    if kind in ("function", "modernbert"):
        impl = implementation(module)
        if impl not in READABLE:
            return (
                f"{family}: {where} runs the {impl!r} attention implementation; this trace reads "
                "'sdpa' (recomputed) and 'eager' (as returned): load the model with "
                "attn_implementation='sdpa' or 'eager'"
            )
        return None
    if kind == "projections":
        if not any(isinstance(getattr(module, n, None), int) for n in _HEAD_COUNTS):
            return f"{family}: {where} has no head count ({', '.join(_HEAD_COUNTS)})"
        relative = getattr(module, "position_embedding_type", "absolute")
        if relative not in (None, "absolute") or "distance_embedding" in _children(module):
            return (
                f"{family}: {where} uses relative position embeddings ({relative}): its attention "
                "adds position scores this trace does not recompute"
            )
        if getattr(module, "is_decoder", False) or getattr(module, "is_causal", False):
            return (
                f"{family}: {where} is a decoder's (causal) attention in transformers 4's own "
                "code; this trace reads encoder attention there"
            )
    return None


def is_attention(model: nn.Module, path: str) -> bool:
    """True when the module at ``path`` is attention a trace of ``model`` can read.

    Parameters
    ----------
    model : nn.Module
        The model.
    path : str
        A path of ``model.named_modules()``.
    """
    module = dict(model.named_modules()).get(path)
    return module is not None and attention_problem(module, path) is None


def find_attention(modules: dict[str, nn.Module], path: str, family: str | None = None) -> str:
    """The path of the attention module at ``path``, or of the one attention module under it.

    Raises
    ------
    ValueError
        Nothing readable there (the message names the family and what is missing), or several.
    """
    module = modules[path]
    if attention_kind(module) is None:
        prefix = f"{path}." if path else ""
        found = [p for p in modules if p.startswith(prefix) and attention_kind(modules[p])]
        if len(found) > 1:
            listed = ", ".join(found[:4]) + (", …" if len(found) > 4 else "")
            raise ValueError(f"{path or 'the model'} holds {len(found)} attention modules: "
                             f"pick one of {listed}")  # fmt: skip
        if found:
            path, module = found[0], modules[found[0]]
    why = attention_problem(module, path, family)
    if why is not None:
        raise ValueError(why)
    return path


def _parts(kind: str, module: nn.Module) -> list[tuple[str, nn.Module, int | None]]:
    """Children whose output the reader of ``kind`` needs: ``(name, child, index)``."""
    names = _children(module)
    if kind == "probabilities":
        return [("probs", names["dropout"], None)]
    if kind == "projections":
        q, k = next((q, k) for q, k in _PROJECTIONS if q in names and k in names)
        return [("query", names[q], None), ("key", names[k], None)]
    if kind == "modernbert" and isinstance(names.get("rotary_emb"), nn.Module):
        return [("rotary", names["rotary_emb"], None)]
    return []


@contextlib.contextmanager
def capture_attention(model: nn.Module, mask):
    """Capture every readable attention call of ``model`` during the block (one forward pass).

    ``mask`` is the ``attention_mask`` fed (a ``[1, tokens]`` tensor or a list; None: none).
    Yields an :class:`~explorer.trace.capture.AttentionCapture` whose ``family`` is the model's
    ``config.model_type``. Registry entries and hooks are restored on exit, whatever happens.
    """
    if isinstance(mask, torch.Tensor):
        mask = mask.reshape(-1, mask.shape[-1])[0].tolist()
    family = str(getattr(getattr(model, "config", None), "model_type", "") or "")
    modules, kinds = _readable(model, family)
    with capturing(modules, kinds, mask, _parts, family, model) as capture:
        yield capture


# model -> (what the scan depends on, readable attention modules by path, their kinds)
_SCANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _readable(model: nn.Module, family: str) -> tuple[dict[str, nn.Module], dict[str, str]]:
    """The model's attention modules a trace can read, and how: scanned once per structure.

    The scan is kept while the model has the same modules and attention implementation (a
    keystroke's run reuses it; adding LoRA layers or switching to eager scans again).
    """
    config = getattr(model, "config", None)
    key = (tuple(map(id, model.modules())), getattr(config, "_attn_implementation", None))
    known = _SCANS.get(model)
    if known is not None and known[0] == key:
        return known[1], known[2]
    modules: dict[str, nn.Module] = {}
    kinds: dict[str, str] = {}
    for path, module in model.named_modules():  # each module once (shared ones at first path)
        kind = attention_kind(module)
        if kind is not None and attention_problem(module, path, family) is None:
            modules[path], kinds[path] = module, kind
    _SCANS[model] = (key, modules, kinds)
    return modules, kinds


# -- masks --------------------------------------------------------------------------------------


def allowed_from(mask, queries: int, keys: int, causal: bool) -> torch.Tensor:
    """``[queries, keys]`` bool: which keys each query may see under ``mask`` (batch row 0).

    ``mask`` is None (everything, or the causal triangle), a bool mask (True = attend), an
    additive float mask (0 = attend, the dtype's minimum or -inf = hidden) or a 0/1 int mask.
    """
    if mask is None:
        allowed = torch.ones(queries, keys, dtype=torch.bool)
        return torch.tril(allowed) if causal else allowed
    m = mask.detach()
    while m.dim() > 2:
        m = m[0]
    if m.dim() == 1:
        m = m[None]
    m = m[..., :keys]
    if m.dtype == torch.bool:
        allowed = m
    elif m.is_floating_point():
        allowed = m > torch.finfo(m.dtype).min / 2
    else:
        allowed = m != 0
    return allowed.expand(queries, keys).cpu()


def _additive(mask, keys: int) -> torch.Tensor | None:
    """The mask as eager attention adds it to the scores (float32, batch row 0), or None."""
    if mask is None:
        return None
    m = mask.detach()[..., :keys]
    while m.dim() > 3:
        m = m[0]
    if m.dtype == torch.bool:
        return torch.zeros(m.shape).masked_fill(~m.cpu(), torch.finfo(torch.float32).min)
    if m.is_floating_point():
        return m.float().cpu()
    return torch.zeros(m.shape).masked_fill(m.cpu() == 0, torch.finfo(torch.float32).min)


def module_mask(call: Call):
    """The ``attention_mask`` argument the attention module was called with (None if none)."""
    try:
        bound = inspect.signature(call.module.forward).bind_partial(*call.args, **call.kwargs)
    except TypeError:
        return call.kwargs.get("attention_mask")
    value = bound.arguments.get("attention_mask")
    return value if isinstance(value, torch.Tensor) else None


# -- weights ------------------------------------------------------------------------------------


def _softmax(q: torch.Tensor, k: torch.Tensor, scale: float, additive) -> torch.Tensor:
    """``softmax(q kᵀ · scale + mask)`` in float32: q ``[heads, n, d]``, k ``[kv heads, m, d]``."""
    q, k = q.detach().float().cpu(), k.detach().float().cpu()
    if k.shape[0] != q.shape[0]:
        k = k.repeat_interleave(q.shape[0] // k.shape[0], dim=0)  # repeat_kv: head h uses h // g
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if additive is not None:
        scores = scores + additive
    return torch.softmax(scores, dim=-1)


def sdpa_inputs(fn: FunctionCall) -> dict:
    """What transformers' ``sdpa_attention_forward`` computed with: ``query``, ``key`` (batch row
    0), ``mask`` (sliced to the keys), ``scale``, ``causal`` and the other keyword arguments."""
    args = fn.bound()
    module, query, key = args["module"], args["query"], args["key"]
    if args.get("position_bias") is not None:
        raise ValueError(
            f"{type(module).__name__} passes a position bias to SDPA; this trace does not "
            "recompute it"
        )
    mask = args.get("attention_mask")
    if isinstance(mask, torch.Tensor) and mask.dim() == 4:
        mask = mask[:, :, :, : key.shape[-2]]
    flag = args.get("is_causal")
    causal = bool(
        query.shape[2] > 1
        and mask is None
        and (flag if flag is not None else getattr(module, "is_causal", True))
    )
    scale = args.get("scaling")
    scale = float(scale) if scale is not None else query.shape[-1] ** -0.5
    return {**args, "query": query[0], "key": key[0], "mask": mask, "scale": scale,
            "causal": causal}  # fmt: skip


def _function_weights(call: Call, family: str) -> torch.Tensor:
    fn: FunctionCall | None = call.parts.get("function")
    if fn is None or fn.key == "eager":
        return _returned(call, family)
    if fn.key != "sdpa":
        raise ValueError(
            f"{family}: {call.path} ran the {fn.key!r} attention function; this trace reads "
            "'sdpa' and 'eager'"
        )
    s = sdpa_inputs(fn)
    n, m = s["query"].shape[1], s["key"].shape[1]
    additive = _additive(s["mask"], m)
    if additive is None and s["causal"]:
        additive = _additive(allowed_from(None, n, m, True), m)
    return _softmax(s["query"], s["key"], s["scale"], additive)


def _returned(call: Call, family: str) -> torch.Tensor:
    """The weights the module returned (eager attention's second output)."""
    out = call.output
    found = out[1] if isinstance(out, (tuple, list)) and len(out) > 1 else None
    if not isinstance(found, torch.Tensor) or found.dim() != 4:
        impl = implementation(call.module)
        raise ValueError(
            f"{family}: {call.path} returned no attention weights and its {impl!r} attention "
            "function was not seen by this trace"
        )
    return found[0].detach().float().cpu()


def _modernbert_weights(call: Call, family: str) -> torch.Tensor:
    """ModernBERT in transformers 4: its rotary tables and masks, as its eager and SDPA code
    use them."""
    fn: FunctionCall | None = call.parts.get("function")
    rotary = call.parts.get("rotary")
    if fn is None or rotary is None:
        raise ValueError(f"{family}: {call.path} ran without the attention function this trace "
                         "watches (or its rotary embedding)")  # fmt: skip
    args = fn.bound()
    apply = sys.modules[type(call.module).__module__].apply_rotary_pos_emb
    query, key, _ = args["qkv"].transpose(3, 1).unbind(dim=2)
    query, key = apply(query, key, *rotary)
    local = tuple(args["local_attention"]) != (-1, -1)
    mask = args["sliding_window_mask"] if local else args["attention_mask"]
    scale = call.module.head_dim**-0.5
    return _softmax(query[0], key[0], scale, _additive(mask, key.shape[-2]))


def projection_layout(module: nn.Module, width: int) -> tuple[int, int, float]:
    """``(heads, head_dim, scale)`` of BERT-era attention with a ``width``-wide query projection."""
    heads = next(
        getattr(module, n) for n in _HEAD_COUNTS if isinstance(getattr(module, n, None), int)
    )
    head_dim = getattr(module, "attention_head_size", None)
    if not isinstance(head_dim, int) or head_dim <= 0 or width % head_dim:
        head_dim = width // heads
    scale = getattr(module, "scaling", None)
    return width // head_dim, head_dim, scale if isinstance(scale, float) else head_dim**-0.5


def own_scaling(module: nn.Module) -> float | None:
    """The factor on ``q · k`` in DeBERTa's and MPNet's own code (DeBERTa divides by
    ``sqrt(head_dim · (1 + relative terms))``)."""
    size = getattr(module, "attention_head_size", None)
    if not isinstance(size, int):
        return None
    types = getattr(module, "pos_att_type", None)
    factor = 1 + sum(t in (types or ()) for t in ("c2p", "p2c")) if types is not None else 1
    return float((size * factor) ** -0.5)


def _projection_weights(call: Call, family: str, mask: list[int] | None) -> torch.Tensor:
    """BERT-era code of transformers 4: the query and key projections' outputs ``[1, n, h*d]``."""
    query, key = call.parts["query"], call.parts["key"]
    heads, head_dim, scale = projection_layout(call.module, query.shape[-1])
    q = query[0].reshape(query.shape[1], heads, head_dim).transpose(0, 1)
    k = key[0].reshape(key.shape[1], heads, head_dim).transpose(0, 1)
    hidden = None
    if mask is not None and len(mask) == key.shape[1] and not all(mask):
        hidden = torch.tensor([[bool(m) for m in mask]])
    return _softmax(q, k, scale, _additive(hidden, key.shape[1]))


def _probabilities(call: Call, family: str) -> torch.Tensor:
    probs = call.parts.get("probs")
    if not isinstance(probs, torch.Tensor) or probs.dim() != 4:
        raise ValueError(f"{family}: {call.path} formed no attention probabilities this trace saw")
    return probs[0].detach().float().cpu()


def weights(call: Call, kind: str, family: str, mask: list[int] | None) -> torch.Tensor:
    """``[heads, queries, keys]`` float32 weights of one captured call (see the module doc)."""
    _check_unchanged(call, family)
    if kind == "function":
        return _function_weights(call, family)
    if kind == "modernbert":
        return _modernbert_weights(call, family)
    if kind == "probabilities":
        return _probabilities(call, family)
    return _projection_weights(call, family, mask)


def _check_unchanged(call: Call, family: str) -> None:
    """Refuse tensors changed in place after the attention read them (never a wrong number)."""
    fn: FunctionCall | None = call.parts.get("function")
    if fn is not None and fn.changed():
        raise ValueError(
            f"{family}: the queries or keys of {call.path} were changed in place after its "
            "attention function read them; its weights cannot be recomputed"
        )
