"""Sequence classification, with the scores of transformers' TextClassificationPipeline."""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..args import check_int, check_text
from ..model_info import class_labels
from ..trace.core import build_trace
from ..trace.run import run
from .checks import HeadRun, check_model, head_advice, output_names
from .classify_inputs import ClassifyInputs, tokenized

__all__ = [
    "classify",
    "classify_details",
    "classify_run",
    "ClassifyDetails",
    "classify_logits",
    "details_from_logits",
    "apply_function",
    "function_name",
]

_FUNCTIONS = ("softmax", "sigmoid", "none")


@dataclass
class ClassifyDetails:
    """Everything one classification computed, for tables and plots.

    Attributes
    ----------
    text : str
        The input text.
    results : list of dict
        ``{"label", "score"}`` best first, cut to ``top_k`` (what :func:`classify` returns).
    labels : list of str
        Label names in class-index order (``config.id2label``).
    logits : list of float
        Raw model outputs in class-index order (the callable's scores for a plain callable).
    probabilities : list of float
        ``logits`` after ``function``, in class-index order.
    function : str
        ``"softmax"``, ``"sigmoid"`` or ``"none"``.
    tokens, input_ids, offsets : list
        Tokens fed to the model, their ids and character offsets into ``text`` (empty for callables).
    truncated : bool
        True when the text was longer than ``max_length`` tokens and was cut.
    num_tokens : int
        Token count of the whole text (before truncation).
    max_length : int or None
        The model's window in tokens.
    elapsed : float
        Seconds spent in tokenizer, model and post-processing.
    """

    text: str
    results: list[dict]
    labels: list[str]
    logits: list[float]
    probabilities: list[float]
    function: str
    tokens: list[str] = field(default_factory=list)
    input_ids: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    truncated: bool = False
    num_tokens: int = 0
    max_length: int | None = None
    elapsed: float = 0.0

    def to_dict(self) -> dict:
        """Everything as JSON-safe data (lists, dicts, numbers, strings)."""
        return asdict(self)


def function_name(function_to_apply, config) -> str:
    """The scoring function's name, chosen from the config as transformers' pipeline does.

    Parameters
    ----------
    function_to_apply : {"softmax", "sigmoid", "none"} or None
        An explicit choice (checked), or None to choose from ``config``.
    config : transformers config or None
        ``problem_type`` and ``num_labels`` decide (None: ``"none"``).
    """
    if function_to_apply is not None:
        name = getattr(function_to_apply, "value", function_to_apply)
        if not isinstance(name, str) or name.lower() not in _FUNCTIONS:
            raise ValueError(
                f"function_to_apply must be one of {_FUNCTIONS} or None, got {function_to_apply!r}"
            )
        return name.lower()
    if config is None:
        return "none"
    problem = getattr(config, "problem_type", None)
    num_labels = getattr(config, "num_labels", None)
    if problem == "regression":
        return "none"
    if problem == "multi_label_classification" or num_labels == 1:
        return "sigmoid"
    if problem == "single_label_classification" or (num_labels or 0) > 1:
        return "softmax"
    default = getattr(config, "function_to_apply", None)
    default = getattr(default, "value", default)
    return default.lower() if isinstance(default, str) and default.lower() in _FUNCTIONS else "none"


def apply_function(function: str, logits: np.ndarray) -> np.ndarray:
    """Apply the scoring function named by :func:`function_name` along the last axis."""
    if function == "softmax":
        shifted = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    if function == "sigmoid":
        return 1.0 / (1.0 + np.exp(-logits))
    return logits


def _ranked(labels, scores: np.ndarray, top_k) -> list[dict]:
    rows = [{"label": label, "score": s.item()} for label, s in zip(labels, scores, strict=True)]
    rows.sort(key=lambda row: row["score"], reverse=True)
    return rows if top_k is None else rows[:top_k]


def _callable_scores(model, text: str) -> tuple[list[str], np.ndarray]:
    """Call a plain ``text -> {label: score}`` function and validate what it returns."""
    scores = model(text)
    if not isinstance(scores, Mapping):
        raise TypeError(
            f"model callable must return a mapping label -> score, got {type(scores).__name__}"
        )
    if not scores:
        raise ValueError("model callable returned no labels")
    labels, values = [], []
    for label, value in scores.items():
        if not isinstance(label, str):
            raise TypeError(f"model callable returned a non-str label {label!r}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"score for label {label!r} must be a number, got {type(value).__name__}"
            )
        if not math.isfinite(value):
            raise ValueError(f"score for label {label!r} is not finite: {value!r}")
        labels.append(label)
        values.append(float(value))
    return labels, np.asarray(values, dtype=np.float64)


def classify_logits(model, output, task: str = "classify") -> torch.Tensor:
    """The one row of class logits in ``model``'s output, or a clear error naming what is there.

    Raises
    ------
    TypeError
        The output holds no sequence-classification logits (a question-answering model,
        a model without a head, or logits per token); the message names the head the model
        has and the function that runs it. ``task`` names the caller.
    """
    name = type(model).__name__
    need = f"{task}() needs a ...ForSequenceClassification model{head_advice(model)}"
    if isinstance(output, Mapping):
        if "logits" not in output or output["logits"] is None:
            raise TypeError(f"{name} returns {output_names(output)}, not logits: {need}")
        logits = output["logits"]
    elif isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        logits = output[0]
    else:
        raise TypeError(f"{name} returns {output_names(output)}, not logits: {need}")
    if logits.dim() != 2 or logits.shape[0] != 1:
        raise TypeError(
            f"{name} returns logits of shape {list(logits.shape)}, not one row of class scores "
            f"for the text ([1, labels]): {need}"
        )
    return logits[0]


def classify_details(model, tokenizer, text, top_k=None, function_to_apply=None) -> ClassifyDetails:
    """Classify ``text`` and keep every intermediate result.

    Parameters
    ----------
    model : transformers sequence-classification model or callable
        A ``...ForSequenceClassification`` module, or any callable ``text -> {label: score}``
        (then ``tokenizer`` may be None and its scores are ranked as given).
    tokenizer : tokenizer or None
        The model's tokenizer.
    text : str
        Text to classify; longer texts are truncated to the model's window (``truncated=True``).
    top_k : int or None
        Number of labels to return, best first; None returns all.
    function_to_apply : {"softmax", "sigmoid", "none"} or None
        None chooses from ``config.problem_type`` and ``num_labels`` like transformers' pipeline.

    Returns
    -------
    ClassifyDetails
    """
    return classify_run(model, tokenizer, text, top_k, function_to_apply).details


def classify_run(
    model,
    tokenizer,
    text,
    top_k=None,
    function_to_apply=None,
    *,
    traced: bool = False,
    should_stop=None,
    on_forward=None,
    task: str = "classify",
) -> HeadRun:
    """Classify ``text`` in one forward pass; with ``traced``, record that pass too.

    Parameters
    ----------
    model, tokenizer, text, top_k, function_to_apply
        See :func:`classify_details`.
    traced : bool
        Also return the :class:`~explorer.trace.Trace` of the same forward pass (what every
        module computed); a plain callable has none.
    should_stop, on_forward
        See :func:`explorer.trace.run.run`.
    task : str
        The function the user called, for error messages (``"trace"``...).

    Returns
    -------
    HeadRun
        ``details`` (:class:`ClassifyDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    check_text(text, "text")
    top_k = check_int(top_k, "top_k", minimum=1, allow_none=True)
    if not isinstance(model, torch.nn.Module) and callable(model):
        labels, logits = _callable_scores(model, text)
        function = function_name(function_to_apply, None)
        return HeadRun(_scored(text, labels, logits, function, top_k, began))
    check_model(model, tokenizer, task)
    function = function_name(function_to_apply, model.config)
    inputs = tokenized(model, tokenizer, text)
    done = run(model, [inputs.feed], trace=0 if traced else None, should_stop=should_stop,
               on_forward=on_forward)  # fmt: skip
    own = classify_logits(model, done.outputs[0], task)
    logits = own.detach().float().cpu().numpy()
    details = details_from_logits(model, inputs, logits, function, top_k, began)
    if not traced:
        return HeadRun(details)
    return HeadRun(details, _trace(model, inputs, done.recording, own, logits, details.elapsed))


def _trace(model, inputs: ClassifyInputs, rec, own, logits, elapsed: float):
    """The trace of a classification run: scores shown as :func:`classify` scores them."""
    labels = class_labels(model.config, len(logits))
    function = function_name(None, model.config)

    def shown(value) -> dict[str, float]:
        probs = apply_function(function, value.detach().float().cpu().numpy())
        return dict(zip(labels, probs.tolist(), strict=True))

    def details(top_k=None, function_to_apply=None) -> ClassifyDetails:
        chosen = function_name(function_to_apply, model.config)
        top_k = check_int(top_k, "top_k", minimum=1, allow_none=True)
        began = time.perf_counter() - elapsed  # the details report the traced run's time
        return details_from_logits(model, inputs, logits, chosen, top_k, began)

    return build_trace(
        model, rec, task="classify", inputs=inputs, own=own, shown=shown, raw=logits,
        text=inputs.text, truncated=inputs.truncated, labels=labels, function=function,
        elapsed=elapsed, details=details,
    )  # fmt: skip


def details_from_logits(
    model, inputs: ClassifyInputs, logits, function: str, top_k=None, began: float | None = None
) -> ClassifyDetails:
    """The :class:`ClassifyDetails` of one run: ``logits`` (1-D) of ``model`` on ``inputs``.

    :func:`classify_run` ends here, traced or not.
    """
    return _scored(
        inputs.text,
        class_labels(model.config, len(logits)),
        np.asarray(logits, dtype=np.float32),
        function,
        top_k,
        time.perf_counter() if began is None else began,
        tokens=inputs.tokens,
        input_ids=inputs.input_ids,
        offsets=inputs.offsets,
        truncated=inputs.truncated,
        num_tokens=inputs.num_tokens,
        max_length=inputs.max_length,
    )


def _scored(text, labels, logits, function, top_k, began, **tokens) -> ClassifyDetails:
    """Scores from logits, ranked: the one ending of both the model and the callable paths."""
    probs = apply_function(function, logits)
    return ClassifyDetails(
        text=text,
        results=_ranked(labels, probs, top_k),
        labels=labels,
        logits=logits.tolist(),
        probabilities=probs.tolist(),
        function=function,
        elapsed=time.perf_counter() - began,
        **tokens,
    )


def classify(model, tokenizer, text, top_k=None, function_to_apply=None) -> list[dict]:
    """Classify ``text``; the same scores as transformers' ``TextClassificationPipeline(top_k=None)``.

    Parameters
    ----------
    model, tokenizer, text, top_k, function_to_apply
        See :func:`classify_details`.

    Returns
    -------
    list of dict
        ``{"label": str, "score": float}`` best first. Use :func:`classify_details` to learn
        whether the text was truncated.
    """
    return classify_details(model, tokenizer, text, top_k, function_to_apply).results
