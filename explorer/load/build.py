"""Build a model from a config and read what a load left random: classes, dtypes, new heads."""

from __future__ import annotations

import copy
from collections import Counter
from functools import lru_cache

__all__ = [
    "TASKS",
    "DOWNLOAD_KWARGS",
    "MODEL_ONLY_KWARGS",
    "model_class",
    "dtype_kwarg",
    "dtype_key",
    "config_dtype",
    "build",
    "count_params",
    "predict_new",
    "outermost_modules",
]

#: The tasks :func:`explorer.load` accepts and the Auto class each one picks.
TASKS = {
    "text-classification": "AutoModelForSequenceClassification",
    "sentiment-analysis": "AutoModelForSequenceClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "fill-mask": "AutoModelForMaskedLM",
    "zero-shot-classification": "AutoModelForSequenceClassification",
    "feature-extraction": "AutoModel",
}
#: Keyword arguments that only steer downloading; AutoConfig.from_pretrained accepts them too.
DOWNLOAD_KWARGS = frozenset(
    {"revision", "cache_dir", "token", "local_files_only", "force_download", "subfolder"}
)
#: Keyword arguments of from_pretrained that are not config overrides.
MODEL_ONLY_KWARGS = frozenset(
    {
        "dtype", "torch_dtype", "device_map", "low_cpu_mem_usage", "attn_implementation",
        "use_safetensors", "ignore_mismatched_sizes", "output_loading_info", "proxies",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def _dtype_renamed() -> bool:
    """True when transformers calls it ``dtype`` and warns on ``torch_dtype`` (4.56 and later).

    Decided by the feature, not the version number: from that release on ``torch_dtype`` is a
    deprecated property of ``PretrainedConfig`` forwarding to ``dtype``; before, it is a plain
    attribute that each config sets and ``dtype`` does not exist.
    """
    import transformers

    return isinstance(getattr(transformers.PretrainedConfig, "torch_dtype", None), property)


def dtype_kwarg(dtype) -> dict:
    """``{"dtype": dtype}``, or ``{"torch_dtype": dtype}`` for transformers before the rename.

    Parameters
    ----------
    dtype : torch.dtype or None
        The dtype to pass to ``from_config`` or ``from_pretrained``.

    Returns
    -------
    dict
        One keyword argument under the name this transformers reads without a warning.
    """
    return {"dtype" if _dtype_renamed() else "torch_dtype": dtype}


def dtype_key() -> str:
    """The config key of the weights' dtype in this transformers: ``dtype`` or ``torch_dtype``."""
    return "dtype" if _dtype_renamed() else "torch_dtype"


def config_dtype(config):
    """The floating-point dtype ``config`` asks for, or None.

    Reads ``config.dtype`` (or ``config.torch_dtype`` before the rename) without touching the
    deprecated ``torch_dtype`` property, which logs "`torch_dtype` is deprecated!".

    Parameters
    ----------
    config : transformers.PretrainedConfig

    Returns
    -------
    torch.dtype or None
    """
    import torch

    dtype = getattr(config, dtype_key(), None)
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype, None)
    return dtype if isinstance(dtype, torch.dtype) and dtype.is_floating_point else None


def model_class(task: str | None, config):
    """The class to build: the task's Auto class, else the checkpoint's own architecture.

    Parameters
    ----------
    task : str or None
        A key of :data:`TASKS`, or None.
    config : transformers.PretrainedConfig

    Returns
    -------
    type
        An Auto class or a ``PreTrainedModel`` subclass (``AutoModel`` when the config names no
        architecture this transformers has).
    """
    import transformers

    if task is not None:
        return getattr(transformers, TASKS[task])
    for arch in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, arch, None)
        if isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel):
            return cls
    return transformers.AutoModel


def build(cls, config, device: str, dtype=None, **kwargs):
    """Build ``cls`` from ``config`` on ``device`` (random values on CPU, none on meta).

    Parameters
    ----------
    cls : type
        An Auto class or a ``PreTrainedModel`` subclass.
    config : transformers.PretrainedConfig
        Left unchanged (``_from_config`` writes the dtype into the config it gets: a copy).
    device : str
        ``"cpu"`` or ``"meta"``.
    dtype : torch.dtype, optional
        The parameters' dtype; None keeps transformers' default.
    **kwargs
        More keyword arguments for ``from_config``.

    Returns
    -------
    torch.nn.Module
        The new model, in eval mode.
    """
    import torch

    config = copy.deepcopy(config)
    kwargs.update(dtype_kwarg(dtype) if dtype is not None else {})
    make = cls.from_config if hasattr(cls, "_model_mapping") else cls._from_config
    with torch.device(device):
        model = make(config, **kwargs)
    return model.eval()


def count_params(model) -> int:
    """Number of parameters, a tied (shared) tensor counted once."""
    seen = {id(p): p.numel() for p in model.parameters()}
    return sum(seen.values())


def predict_new(model, config) -> list[str]:
    """Head weights a checkpoint of ``config.architectures[0]`` would not provide to ``model``.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The model built for the asked task (usually on meta).
    config : transformers.PretrainedConfig
        The checkpoint's config.

    Returns
    -------
    list of str
        State-dict keys outside the backbone that the checkpoint's architecture lacks or holds in
        another shape, e.g. ``["qa_outputs.weight", "qa_outputs.bias"]``; empty when the model is
        the checkpoint's own class or a bare backbone.
    """
    import torch

    ckpt_cls = model_class(None, config)
    prefix = getattr(model, "base_model_prefix", "") or ""
    if ckpt_cls is type(model) or not hasattr(ckpt_cls, "_from_config"):
        return []
    if not prefix or not isinstance(getattr(model, prefix, None), torch.nn.Module):
        return []  # a bare backbone: no head to predict
    try:
        ckpt = build(ckpt_cls, config, "meta")
    except Exception:  # an architecture that cannot be built from this config: no prediction
        return []

    def strip(key: str) -> str:
        return key[len(prefix) + 1 :] if key.startswith(prefix + ".") else key

    have = {strip(k): tuple(v.shape) for k, v in ckpt.state_dict().items()}
    return [
        k
        for k, v in model.state_dict().items()
        if not k.startswith(prefix + ".") and have.get(strip(k)) != tuple(v.shape)
    ]


def outermost_modules(model, keys: list[str]) -> list[str]:
    """Outermost module paths all of whose state-dict entries are in ``keys``.

    Parameters
    ----------
    model : torch.nn.Module
    keys : list of str
        State-dict keys, e.g. the newly initialized ones.

    Returns
    -------
    list of str
        ``["qa_outputs"]`` for a new QA head, ``[""]`` (the root) when every key is listed; a key
        that is not in the state dict contributes its parent path.
    """
    if not keys:
        return []
    new_keys, total, new = set(keys), Counter(), Counter()
    all_keys = list(model.state_dict().keys())
    for key in all_keys:
        parts = key.split(".")
        for i in range(len(parts)):
            prefix = ".".join(parts[:i])
            total[prefix] += 1
            new[prefix] += key in new_keys
    full = [p for p in total if total[p] == new[p]]
    full_set = set(full)

    def covered(path: str) -> bool:
        parts = path.split(".") if path else []
        return any(".".join(parts[:i]) in full_set for i in range(len(parts)))

    out = [p for p in full if not covered(p)]
    out += [k.rpartition(".")[0] for k in keys if k not in set(all_keys)]  # not in state_dict
    return list(dict.fromkeys(out))
