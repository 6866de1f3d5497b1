"""Zero-shot classification with an NLI model, as transformers' ZeroShotClassificationPipeline does."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model_info import class_labels
from ..trace.core import build_trace
from ..trace.run import run
from .checks import HeadRun
from .classify import apply_function, classify_logits, function_name
from .zero_shot_inputs import DEFAULT_TEMPLATE, ZeroShotInputs, zero_shot_inputs

__all__ = ["ZeroShotDetails", "zero_shot", "zero_shot_details", "zero_shot_run"]


@dataclass
class ZeroShotDetails:
    """Everything one zero-shot run computed.

    Attributes
    ----------
    text : str
        The text classified.
    results : dict
        What :func:`zero_shot` returns: ``{"sequence", "labels", "scores"}``, labels best first.
    labels : list of str
        The candidate labels in the order given.
    hypotheses : list of str
        The hypothesis fed after the text for each label.
    scores : list of float
        Each label's score, in the order given.
    ranking : list of int
        Indices into ``labels``, best first (the order of ``results``).
    entailment_logits : list of float
        Each pair's entailment logit, in the order given.
    logits : list of list of float
        Each pair's logits over the model's own classes (``nli_labels``).
    nli_labels : list of str
        The model's classes (``config.id2label``): entailment, neutral, contradiction...
    entailment_id, contradiction_id : int
        The classes the scores read (the contradiction column is used with ``multi_label``).
    multi_label : bool
        True when each label was scored on its own (entailment against contradiction, as the
        pipeline does also for a single label); False when the entailment logits were
        softmaxed over the labels.
    template : str
        The hypothesis template.
    tokens : list of str
        The first pair's tokens (text, then its hypothesis).
    truncated : bool
        The text was cut to fit the model's window beside a hypothesis.
    num_tokens : int
        Tokens of the text (see :class:`~explorer.heads.zero_shot_inputs.ZeroShotInputs`).
    max_length : int or None
        The model's window in tokens.
    elapsed : float
        Seconds spent in tokenizer, model and post-processing (all the labels' passes).
    """

    text: str
    results: dict
    labels: list[str]
    hypotheses: list[str]
    scores: list[float]
    ranking: list[int]
    entailment_logits: list[float]
    logits: list[list[float]]
    nli_labels: list[str]
    entailment_id: int
    contradiction_id: int
    multi_label: bool
    template: str = DEFAULT_TEMPLATE
    tokens: list[str] = field(default_factory=list)
    truncated: bool = False
    num_tokens: int = 0
    max_length: int | None = None
    elapsed: float = 0.0

    def summary(self) -> str:
        """Plain text: the text, the template, and each label's score best first."""
        how = "each label on its own" if self.multi_label else "softmax over the labels"
        lines = [f"Text: {self.text}", f"Hypothesis: {self.template} ({how})"]
        lines += [
            f"{label}: {score:.4f}"
            for label, score in zip(self.results["labels"], self.results["scores"], strict=True)
        ]
        if self.truncated:
            lines.append(
                f"The text was cut to fit the model's {self.max_length:,} tokens beside each "
                f"hypothesis (it has {self.num_tokens:,})."
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data: inputs, ranked result, and each label's pass."""
        return {
            "task": "zero-shot-classification",
            "text": self.text,
            "template": self.template,
            "multi_label": self.multi_label,
            "result": {
                "sequence": self.results["sequence"],
                "labels": list(self.results["labels"]),
                "scores": list(self.results["scores"]),
            },
            "labels": list(self.labels),
            "hypotheses": list(self.hypotheses),
            "scores": list(self.scores),
            "ranking": list(self.ranking),
            "entailment_logits": list(self.entailment_logits),
            "logits": [list(row) for row in self.logits],
            "nli_labels": list(self.nli_labels),
            "entailment_id": self.entailment_id,
            "contradiction_id": self.contradiction_id,
            "truncated": self.truncated,
            "num_tokens": self.num_tokens,
            "max_length": self.max_length,
            "elapsed": self.elapsed,
        }


def zero_shot_run(
    model,
    tokenizer,
    text,
    candidate_labels,
    hypothesis_template=DEFAULT_TEMPLATE,
    multi_label=False,
    *,
    traced: bool = False,
    should_stop=None,
    on_forward=None,
) -> HeadRun:
    """Score each candidate label with one forward pass per label; with ``traced``, record the
    first label's pass.

    Parameters
    ----------
    model, tokenizer, text, candidate_labels, hypothesis_template, multi_label
        See :func:`zero_shot`.
    traced : bool
        Also return the :class:`~explorer.trace.Trace` of the first label's pass: a
        classification trace of the pair (``text``, then ``context`` = its hypothesis), its
        prediction the model's own classes (entailment, neutral, contradiction).
    should_stop, on_forward
        See :func:`explorer.trace.run.run` (checked before each label's pass).

    Returns
    -------
    HeadRun
        ``details`` (:class:`ZeroShotDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    if not isinstance(multi_label, bool):
        raise TypeError(f"multi_label must be a bool, got {type(multi_label).__name__}")
    inputs = zero_shot_inputs(model, tokenizer, text, candidate_labels, hypothesis_template)
    feeds = [pair.feed for pair in inputs.pairs]
    done = run(model, feeds, trace=0 if traced else None, should_stop=should_stop,
               on_forward=on_forward)  # fmt: skip
    own = [classify_logits(model, output) for output in done.outputs]
    logits = np.stack([row.detach().float().cpu().numpy() for row in own])
    details = _details(model, inputs, logits, multi_label)
    details.elapsed = time.perf_counter() - began
    if not traced:
        return HeadRun(details)
    return HeadRun(details, _trace(model, inputs, done.recording, own[0], logits[0], details))


def _details(model, inputs: ZeroShotInputs, logits: np.ndarray, multi_label: bool):
    """The scores from each pair's logits (``[labels, classes]``), as the pipeline makes them."""
    entail = inputs.entailment_id
    contradiction = -1 if entail == 0 else 0
    each = multi_label or len(inputs.labels) == 1
    if each:  # entailment against contradiction, for each label on its own
        scores = apply_function("softmax", logits[:, [contradiction, entail]])[:, 1]
    else:  # the entailment logits softmaxed over the labels
        scores = apply_function("softmax", logits[:, entail])
    order = list(reversed(scores.argsort()))  # the pipeline's ranking, ties included
    nli = class_labels(model.config, logits.shape[1])
    return ZeroShotDetails(
        text=inputs.text,
        results={
            "sequence": inputs.text,
            "labels": [inputs.labels[i] for i in order],
            "scores": scores[order].tolist(),
        },
        labels=list(inputs.labels),
        hypotheses=[pair.hypothesis for pair in inputs.pairs],
        scores=scores.tolist(),
        ranking=[int(i) for i in order],
        entailment_logits=logits[:, entail].tolist(),
        logits=logits.tolist(),
        nli_labels=nli,
        entailment_id=entail,
        contradiction_id=contradiction % logits.shape[1],
        multi_label=each,
        template=inputs.template,
        tokens=inputs.pairs[0].tokens,
        truncated=inputs.truncated,
        num_tokens=inputs.num_tokens,
        max_length=inputs.max_length,
    )


def _trace(model, inputs: ZeroShotInputs, rec, own, logits, details: ZeroShotDetails):
    """The trace of the first label's pass, shown as a classification of the pair."""
    function = function_name(None, model.config)
    labels = details.nli_labels

    def shown(value) -> dict[str, float]:
        probs = apply_function(function, value.detach().float().cpu().numpy())
        return dict(zip(labels, probs.tolist(), strict=True))

    pair = inputs.pairs[0]
    return build_trace(
        model, rec, task="classify", inputs=pair, own=own, shown=shown, raw=logits,
        text=inputs.text, context=pair.hypothesis, truncated=pair.kept < inputs.num_tokens,
        labels=labels, function=function, elapsed=details.elapsed,
    )  # fmt: skip


def zero_shot_details(
    model,
    tokenizer,
    text,
    candidate_labels,
    hypothesis_template=DEFAULT_TEMPLATE,
    multi_label=False,
) -> ZeroShotDetails:
    """Classify ``text`` zero-shot and keep every intermediate result (see :func:`zero_shot`).

    Returns
    -------
    ZeroShotDetails
    """
    return zero_shot_run(
        model, tokenizer, text, candidate_labels, hypothesis_template, multi_label
    ).details


def zero_shot(
    model,
    tokenizer,
    text,
    candidate_labels,
    hypothesis_template=DEFAULT_TEMPLATE,
    multi_label=False,
) -> dict:
    """Classify ``text`` into labels chosen now: what ``pipeline("zero-shot-classification")`` returns.

    Each label becomes a hypothesis (``hypothesis_template.format(label)``) fed after the text
    to an NLI model, one forward pass per label; the entailment logit says how well it fits.

    Parameters
    ----------
    model : transformers NLI model
        A ``...ForSequenceClassification`` trained on entailment: one of its labels
        (``config.label2id``) starts with "entail". It comes back untouched.
    tokenizer : tokenizer
        The model's tokenizer.
    text : str
        The text to classify (cut to the model's window beside each hypothesis).
    candidate_labels : list of str or str
        The labels, or one comma-separated str (``"sports, politics"``).
    hypothesis_template : str
        A sentence with ``{}`` where the label goes.
    multi_label : bool
        False: the entailment logits are softmaxed over the labels (the scores add up to 1).
        True: each label is scored on its own, entailment against contradiction (also what a
        single label gets).

    Returns
    -------
    dict
        ``{"sequence": text, "labels": [...], "scores": [...]}``, labels best first.

    Raises
    ------
    TypeError
        Not a sequence classifier (the message names the function that fits), or bad types.
    ValueError
        Empty text or labels, a template without ``{}``, a model without an entailment label.
    """
    return zero_shot_details(
        model, tokenizer, text, candidate_labels, hypothesis_template, multi_label
    ).results
