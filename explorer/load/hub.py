"""Online path: from_pretrained from the hub, its local cache or a directory; the tokenizer."""

from __future__ import annotations

import os
from typing import Any

from .build import (
    DOWNLOAD_KWARGS,
    MODEL_ONLY_KWARGS,
    build,
    config_dtype,
    dtype_key,
    model_class,
    predict_new,
)

__all__ = ["from_pretrained", "load_tokenizer", "is_unreachable", "first_line"]

_TOK_FILES = (
    "tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "spiece.model",
    "tokenizer.model", "sentencepiece.bpe.model",
)  # fmt: skip
# Download arguments that apply to the tokenizer's files as well as the model's.
_TOK_DOWNLOAD_KWARGS = ("revision", "cache_dir", "token", "local_files_only")


def first_line(exc: BaseException) -> str:
    """``"TypeName: first line of the message"`` of an exception."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def is_unreachable(exc: BaseException) -> bool:
    """True for the errors from_pretrained raises when the hub cannot be asked.

    Parameters
    ----------
    exc : BaseException
        What ``from_pretrained`` raised.

    Returns
    -------
    bool
        True for OS and connection errors (a file missing from the local cache is an OSError
        too) and for the errors of requests, httpx, urllib3 and huggingface_hub.
    """
    if isinstance(exc, (OSError, ConnectionError, TimeoutError)):
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"requests", "httpx", "httpx2", "urllib3", "huggingface_hub"}


def _with_dtype_name(kwargs: dict) -> dict:
    """``kwargs`` with ``dtype``/``torch_dtype`` under the name this transformers reads."""
    key = dtype_key()
    other = "torch_dtype" if key == "dtype" else "dtype"
    if other not in kwargs:
        return kwargs
    kwargs = dict(kwargs)
    value = kwargs.pop(other)
    kwargs.setdefault(key, value)
    return kwargs


def from_pretrained(src: str, task, weights: bool, kwargs: dict) -> tuple[Any, dict]:
    """Load from a hub name or a directory with transformers' ``from_pretrained``.

    Parameters
    ----------
    src : str
        A hub name or a directory written by ``save_pretrained``.
    task : str or None
        A key of :data:`explorer.load.build.TASKS`, or None for the checkpoint's architecture.
    weights : bool
        False reads only the config and builds the model on the meta device, predicting the
        head a checkpoint would not provide.
    kwargs : dict
        Passed to ``from_pretrained`` (``local_files_only=True`` keeps it to the local cache).
        ``dtype`` and ``torch_dtype`` are both accepted, under either transformers.

    Returns
    -------
    tuple of (torch.nn.Module, dict)
        The model and the partial load info: ``missing_keys``, ``unexpected_keys``,
        ``mismatched_keys`` ([key, checkpoint shape or None, model shape]), ``newly_initialized``,
        ``predicted`` and ``notes``.
    """
    import transformers

    kwargs = _with_dtype_name(kwargs)
    download = {k: v for k, v in kwargs.items() if k in DOWNLOAD_KWARGS}
    info: dict = {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "notes": []}
    if not weights:
        overrides = {k: v for k, v in kwargs.items() if k not in MODEL_ONLY_KWARGS}
        config = transformers.AutoConfig.from_pretrained(src, trust_remote_code=False, **overrides)
        cls = model_class(task, config)
        model = build(cls, config, "meta", config_dtype(config))
        info["newly_initialized"] = predict_new(model, config)
        info["predicted"] = bool(info["newly_initialized"])
        return model, info
    config = transformers.AutoConfig.from_pretrained(src, trust_remote_code=False, **download)
    cls = model_class(task, config)
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


def load_tokenizer(path: str, cls_name: str | None = None, kwargs: dict | None = None):
    """The tokenizer of a hub name or directory, or None and why not.

    Parameters
    ----------
    path : str
        A hub name or a directory.
    cls_name : str, optional
        A tokenizer class of transformers to use instead of ``AutoTokenizer`` (a ``...Fast``
        name falls back to the slow class when transformers has no such name).
    kwargs : dict, optional
        The keyword arguments given to :func:`explorer.load`; its ``revision``, ``cache_dir``,
        ``token`` and ``local_files_only`` apply to the tokenizer too.

    Returns
    -------
    tuple of (tokenizer or None, str or None)
        The tokenizer and None, or None and a note such as ``"no tokenizer: ..."``.
    """
    import transformers

    if os.path.isdir(path) and not any(os.path.exists(os.path.join(path, f)) for f in _TOK_FILES):
        return None, "no tokenizer: the directory holds no tokenizer files"
    download = {k: v for k, v in (kwargs or {}).items() if k in _TOK_DOWNLOAD_KWARGS}
    try:
        if cls_name:
            cls = getattr(transformers, cls_name, None) or getattr(transformers, cls_name[:-4])
            tokenizer = cls.from_pretrained(path, **download)
        else:
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, trust_remote_code=False, **download
            )
    except Exception as exc:  # the tokenizer is optional: report why it is missing
        return None, f"no tokenizer: {first_line(exc)}"
    if len(tokenizer) < 10:  # transformers 5 makes an empty one (special tokens only) from nothing
        return None, "no tokenizer: no vocabulary was found"
    return tokenizer, None
