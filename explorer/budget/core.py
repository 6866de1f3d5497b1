"""The Budget object: parameter conventions and memory figures, each with formula and source."""

from __future__ import annotations

from typing import Any

from ..anatomy import module_tree
from ..model_info import is_meta, unwrap_model
from ..placement import dispatched, weightless
from .cache import Attention, attention
from .figures import DTYPE_BYTES, Figure, check_gb, check_int, dtype_name, nbytes
from .walk import ACTIVE, EMBEDDING, STORED, account

__all__ = ["Budget", "budget", "TRAINING"]

COUNT_SOURCE = "module_tree: every parameter tensor once (tied or shared tensors once)"
KAPLAN = "Kaplan et al. 2020, Scaling Laws for Neural Language Models (N excludes embeddings)"
MOE_SOURCE = "mixture of experts (Shazeer et al. 2017): a token runs through k of E experts"
BYTES_SOURCE = "bytes per value: float32 4, float16 / bfloat16 2, int8 1, int4 0.5"
ZERO_SOURCE = "ZeRO (Rajbhandari et al. 2020), Sec. 3.1: mixed-precision Adam, 2+2+12 bytes"
GPU_SOURCE = "ceil((weights + KV cache) / memory of one GPU)"
#: Training precisions: bytes per weight, per gradient, for the Adam states, and what they are.
TRAINING = {
    "mixed": (2, 2, 12, "float16/bfloat16 weights 2 + gradients 2 + float32 master weights, "
                        "Adam momentum and variance 4 + 4 + 4"),
    "float32": (4, 4, 8, "float32 weights 4 + gradients 4 + Adam momentum and variance 4 + 4"),
}  # fmt: skip
GIB = 2**30


#: What the budget says of a model accelerate placed with weights off the accelerator.
OFFLOADED = (
    "accelerate keeps some weights on the CPU or disk and loads them for each forward pass; "
    "they are counted as stored"
)


class Budget:
    """What a model costs, in the usual conventions, each figure with its formula and source.

    Build it with :func:`budget`. Counts are exact (tied tensors once, as
    :func:`explorer.module_tree`) and need no weights: a model on the meta device works.

    Attributes
    ----------
    params, trainable, frozen, embedding, non_embedding, active
        :class:`~explorer.budget.figures.Figure` counts (ints carrying formula and source).
    stored_bytes
        Bytes of the parameters as stored now (their own dtypes).
    buffers
        Buffer values (not parameters, not in any count here).
    expert_sets
        Each mixture-of-experts layer's routed experts (:class:`ExpertSet`), empty for dense.
    tree
        The :func:`explorer.module_tree` the counts come from.
    config
        The model's config, or None.
    meta
        The model is on the meta device (shapes without weights).
    offloaded
        accelerate placed the model and keeps some of its weights on the CPU or disk, loading
        them for each forward pass (their tensors sit on meta, but the weights exist).
    """

    def __init__(self, model: Any):
        module = unwrap_model(model)
        self.model_type = type(module).__name__
        self.config = getattr(module, "config", None)
        on_meta = is_meta(module)
        self.offloaded = on_meta and dispatched(module) and not weightless(module, limit=1)
        self.meta = on_meta and not self.offloaded
        self.tree = module_tree(module)
        self._acc = account(self.tree, module, self.config)
        self.expert_sets = list(self._acc.expert_sets)
        self._attention: Attention | None = None
        root = self._acc.total
        total = self.tree.params
        self.buffers = self.tree.buffers
        self.params = Figure(total, "params", "parameters", "params", "sum of every parameter "
                             "tensor's elements, each tensor once", COUNT_SOURCE)  # fmt: skip
        train = self.tree.trainable_params
        self.trainable = Figure(
            train, "trainable", "trainable", "params", "parameters with requires_grad=True",
            COUNT_SOURCE,
        )  # fmt: skip
        self.frozen = Figure(
            total - train, "frozen", "frozen", "params", f"params - trainable = {total:,} - "
            f"{train:,}", COUNT_SOURCE,
        )  # fmt: skip
        emb = root[EMBEDDING]
        out = self._acc.output_embeddings
        self.embedding = Figure(
            emb, "embedding", "embedding", "params",
            "every nn.Embedding (token, position) + the output projection to the vocabulary "
            "(get_output_embeddings), each tensor once", KAPLAN,
            ("output projection: " + (f"{out} (its weight is tied: counted once)"
                                      if out and self.tree.find(out).params == 0
                                      else out or "none")),
        )  # fmt: skip
        self.non_embedding = Figure(
            total - emb, "non_embedding", "non-embedding", "params",
            f"params - embedding = {total:,} - {emb:,}", KAPLAN,
            "the parameter count N of the scaling laws",
        )  # fmt: skip
        self.stored_bytes = Figure(
            root[STORED], "weights_stored", "weights as stored", "bytes",
            "sum of numel x element size of each parameter tensor in its own dtype",
            COUNT_SOURCE, self._dtypes_note(),
        )  # fmt: skip

    # -- counts ---------------------------------------------------------------------------------
    def _dtypes_note(self) -> str:
        names = sorted(str(d).removeprefix("torch.") for d in self._acc.dtypes)
        note = "stored as " + (", ".join(names) or "nothing")
        if self.meta:
            note += " (on the meta device: what the weights would take, none are in memory)"
        elif self.offloaded:
            note += f" ({OFFLOADED})"
        return note

    @property
    def active(self) -> Figure:
        """Parameters used for one token: all for a dense model; for mixture-of-experts models,
        all but the routed experts a token skips (router and shared experts included).

        Raises
        ------
        ValueError
            When a model holds routed experts but neither it nor its config says how many
            experts each token uses.
        """
        missing = self._acc.missing_top_k
        if missing:
            raise ValueError(
                f"cannot count active parameters: the experts at {missing[0]!r} have no "
                "experts-per-token count in the model or its config (num_experts_per_tok)"
            )
        total = int(self.params)
        if not self.expert_sets:
            return Figure(total, "active", "active per token", "params",
                          f"dense model: every parameter = {total:,}", MOE_SOURCE,
                          "no routed experts found")  # fmt: skip
        skipped = sum(s.skipped for s in self.expert_sets)
        first = self.expert_sets[0]
        kinds = {(s.per_token, s.experts) for s in self.expert_sets}
        each = f"{first.per_token} of {first.experts}" if len(kinds) == 1 else "k of E (by layer)"
        return Figure(
            total - skipped, "active", "active per token", "params",
            f"params - routed experts a token skips = {total:,} - {skipped:,} "
            f"({len(self.expert_sets)} MoE layers, {each} experts per token)", MOE_SOURCE,
            f"experts per token read from {first.top_k_from}; router and shared experts "
            "count as active",
        )  # fmt: skip

    # -- memory ---------------------------------------------------------------------------------
    def weights_bytes(self, dtype: Any = None) -> Figure:
        """Bytes of the weights in ``dtype`` ("float32", "float16", "bfloat16", "int8", "int4"),
        or as stored now when ``dtype`` is None.
        """
        if dtype is None:
            return self.stored_bytes
        name = dtype_name(dtype)
        per = DTYPE_BYTES[name]
        note = "int4: packed values only; quantization scales and zero-points add a little" * (
            name == "int4"
        )
        return Figure(
            nbytes(int(self.params), name), f"weights_{name}", f"weights in {name}", "bytes",
            f"params x {per:g} = {int(self.params):,} x {per:g}", BYTES_SOURCE, note,
        )  # fmt: skip

    def training_bytes(self, precision: str = "mixed") -> Figure:
        """Weights, gradients and Adam states for training, per the ZeRO paper's count.

        ``precision`` is "mixed" (2 + 2 + 12 = 16 bytes per parameter) or "float32"
        (4 + 4 + 8 = 16). Frozen parameters keep only their weights. Activations are not
        included (they depend on batch, sequence length and checkpointing).
        """
        if not isinstance(precision, str) or precision not in TRAINING:
            raise ValueError(
                f"unknown precision {precision!r}: use one of {', '.join(map(repr, TRAINING))}"
            )
        w, g, o, what = TRAINING[precision]
        total, train = int(self.params), int(self.trainable)
        value = w * total + (g + o) * train
        return Figure(
            value, f"training_{precision}", f"training, {precision} precision", "bytes",
            f"{w} x params + ({g} + {o}) x trainable = {w} x {total:,} + {g + o} x {train:,}",
            ZERO_SOURCE, f"{what}; activations not included; no ZeRO sharding",
        )  # fmt: skip

    @property
    def attention(self) -> Attention:
        """The model's KV cache layout, read from its config (TypeError without one)."""
        if self._attention is None:
            self._attention = attention(self.config)
        return self._attention

    def kv_cache_bytes(
        self, tokens: int, batch: int = 1, dtype: Any = "bfloat16", expanded: bool = False
    ) -> Figure:
        """Bytes of the key-value cache for ``batch`` sequences of ``tokens`` tokens.

        Standard and grouped-query attention: 2 x layers x kv_heads x head_dim x bytes per
        token. Multi-head latent attention (DeepSeek-V2/V3): layers x (kv_lora_rank +
        qk_rope_head_dim) x bytes, the compressed cache; ``expanded=True`` gives keys and values
        expanded per head instead (as transformers 4 caches them). 0 for encoder-only models.
        """
        tokens = check_int("tokens", tokens, 0)
        batch = check_int("batch", batch, 1)
        name = dtype_name(dtype)
        att = self.attention
        elements = att.elements(tokens, batch, expanded)
        per = DTYPE_BYTES[name]
        terms = att.expanded_terms if expanded and att.expanded_per_layer else att.terms
        formula = att.formula
        if expanded and att.expanded_per_layer:
            formula = "layers x heads x (qk_nope_head_dim + qk_rope_head_dim + v_head_dim) x bytes"
        notes = list(att.notes)
        limit = getattr(self.config, "max_position_embeddings", None)
        if isinstance(limit, int) and tokens > limit:
            notes.append(f"{tokens:,} tokens is more than max_position_embeddings ({limit:,})")
        windowed = any(w is not None for w in att.windows)
        shown = f"{terms} x {per:g} bytes x {tokens:,} tokens x batch {batch}"
        if windowed:
            shown = f"{terms} x {per:g} bytes, per layer x min(tokens, window), x batch {batch}"
        key = "kv_cache_expanded" if expanded and att.expanded_per_layer else "kv_cache"
        return Figure(
            nbytes(elements, name), key, f"KV cache ({name})", "bytes",
            f"{formula} x tokens x batch: {shown}" if att.kind != "none" else att.formula,
            att.source, "; ".join(notes),
        )  # fmt: skip

    def gpus_needed(
        self, gpu_gb: float, dtype: Any = "bfloat16", tokens: int = 0, batch: int = 1
    ) -> Figure:
        """GPUs of ``gpu_gb`` GB each to hold the weights and the KV cache for inference.

        ``gpu_gb`` is the memory as sold (an "80 GB" GPU holds 80 x 2**30 bytes). The weights
        and the KV cache (``tokens`` per sequence, ``batch`` sequences, both in ``dtype``) are
        counted; activations, temporary buffers, the CUDA context and framework overhead, memory
        fragmentation and uneven splits across GPUs are not.
        """
        check_gb(gpu_gb)
        weights = self.weights_bytes(dtype)
        kv = self.kv_cache_bytes(tokens, batch, dtype) if tokens else 0
        total = int(weights) + int(kv)
        per_gpu = int(gpu_gb * GIB)
        n = max(1, -(-total // per_gpu))
        return Figure(
            n, "gpus", f"GPUs of {gpu_gb:g} GB for inference", "gpus",
            f"ceil((weights + KV cache) / GPU) = ceil(({int(weights):,} + {int(kv):,}) / "
            f"{per_gpu:,})", GPU_SOURCE,
            "leaves out activations, temporary buffers, the CUDA context and framework "
            "overhead (about 0.5-2 GB per GPU), fragmentation and uneven splits"
            + ("" if tokens else "; no KV cache (tokens=0)"),
            {"weights": int(weights), "kv_cache": int(kv), "total": total, "per_gpu": per_gpu},
        )  # fmt: skip

    # -- per module -----------------------------------------------------------------------------
    def active_by_path(self) -> dict[str, int]:
        """``{module path: active parameters}`` for every module (see :meth:`module`)."""
        return {path: row[ACTIVE] for path, row in self._acc.by_path.items()}

    def module(self, path: str, dtype: Any = "bfloat16") -> dict[str, Any]:
        """One module's share of each convention, as plain data.

        Parameters
        ----------
        path
            Dotted module path ("" for the whole model), as in :func:`explorer.module_tree`.
        dtype
            The dtype for ``bytes``.

        Returns
        -------
        dict
            ``path, type, params, embedding, non_embedding, routed`` (parameters of routed
            experts), ``active, skipped`` (routed parameters one token does not use), the shares
            of the model's totals, ``bytes`` in ``dtype``, ``stored_bytes``, ``experts`` (the
            expert sets at or under this path) and a ``note``.
        """
        from .shares import module_row

        return module_row(self, path, dtype)

    # -- views ----------------------------------------------------------------------------------
    def figures(
        self,
        tokens: int | None = None,
        batch: int = 1,
        dtype: Any = "bfloat16",
        gpu_gb: float = 80,
    ) -> list[Figure]:
        """Every figure, in table order; KV cache and GPUs for ``tokens`` x ``batch``.

        ``tokens`` defaults to 4,096 or the model's ``max_position_embeddings`` if smaller.
        """
        from .views import figures

        if tokens is None:
            limit = getattr(self.config, "max_position_embeddings", None)
            tokens = min(4096, limit) if isinstance(limit, int) and limit > 0 else 4096
        return figures(self, tokens, batch, dtype, gpu_gb)

    def rows(self, **kwargs: Any) -> list[dict[str, Any]]:
        """Plain dicts ``{key, name, value, unit, text, formula, source, note}`` per figure.

        A figure that cannot be computed (no config, unknown experts per token) has value None
        and says why in its note. Keyword arguments as for :meth:`figures`.
        """
        return [f.row() if isinstance(f, Figure) else f for f in self.figures(**kwargs)]

    table = rows

    def text(self, **kwargs: Any) -> str:
        """The figures as a text table (the CLI's ``--summary``); arguments as :meth:`rows`."""
        from .views import text

        return text(self.rows(**kwargs), self.model_type)

    def to_dict(self, **kwargs: Any) -> dict[str, Any]:
        """JSON-safe data for a view: the rows, the expert sets and what the model is.

        Keyword arguments as for :meth:`figures`.
        """
        return {
            "model_type": self.model_type,
            "meta": self.meta,
            "offloaded": self.offloaded,
            "rows": self.rows(**kwargs),
            "expert_sets": [s.to_dict() for s in self.expert_sets],
        }

    def __repr__(self) -> str:
        return (
            f"Budget({self.model_type}: params={int(self.params):,}, "
            f"non_embedding={int(self.non_embedding):,}, experts={len(self.expert_sets)})"
        )


def budget(model: Any) -> Budget:
    """What ``model`` costs: parameter conventions and memory budgets, each figure explained.

    Parameters
    ----------
    model
        An ``nn.Module`` (any device, including meta) or a transformers pipeline.

    Returns
    -------
    Budget
        ``params, trainable, frozen, embedding, non_embedding, active``; ``weights_bytes(dtype)``,
        ``training_bytes(precision)``, ``kv_cache_bytes(tokens, batch, dtype)``,
        ``gpus_needed(gpu_gb, ...)``; ``rows()`` / ``text()`` for views; ``module(path)`` per module.

    Examples
    --------
    >>> import torch.nn as nn
    >>> from explorer.budget import budget
    >>> b = budget(nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 10)))
    >>> int(b.params), int(b.embedding), int(b.non_embedding), int(b.weights_bytes("int8"))
    (90, 40, 50, 90)
    """
    return Budget(model)
