"""What zero-shot classification feeds an NLI model: the labels, the hypotheses, one pair per label."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..args import check_text
from ..model_info import inner_model
from .checks import HEADS, check_model, head_advice, model_feed, model_window

__all__ = [
    "DEFAULT_TEMPLATE",
    "ZeroShotPair",
    "ZeroShotInputs",
    "candidate_labels",
    "entailment_id",
    "hypotheses",
    "zero_shot_inputs",
]

#: transformers' default hypothesis template.
DEFAULT_TEMPLATE = "This example is {}."


@dataclass
class ZeroShotPair:
    """What one forward pass is fed: the text as premise, one label's hypothesis after it.

    Attributes
    ----------
    label, hypothesis : str
        The candidate label and the sentence the template made of it.
    tokens, input_ids, attention_mask : list
        The pair's tokens and ids (special tokens included) and the mask fed.
    feed : dict of str to torch.Tensor
        The keyword arguments of the forward pass (``[1, n]`` tensors).
    kept : int
        Tokens of the text kept in this pair (the rest was cut to fit the model's window).
    text_tokens : int or None
        Tokens of the whole text, kept or cut (None from a slow tokenizer, which does not say).
    """

    label: str
    hypothesis: str
    tokens: list[str]
    input_ids: list[int]
    attention_mask: list[int]
    feed: dict = field(repr=False)
    kept: int = 0
    text_tokens: int | None = None


@dataclass
class ZeroShotInputs:
    """Everything :func:`zero_shot` feeds: one :class:`ZeroShotPair` per candidate label.

    Attributes
    ----------
    text : str
        The text (the premise of every pair).
    labels : list of str
        The candidate labels, in the order given.
    template : str
        The hypothesis template.
    pairs : list of ZeroShotPair
        One per label, in the same order.
    entailment_id : int
        The class index of "entailment" in the model's labels.
    truncated : bool
        The text was cut to fit the model's window beside some hypothesis.
    num_tokens : int
        Tokens of the whole text (without special tokens); counted only when a pair reached
        the window, else the tokens the first pair kept.
    max_length : int or None
        The model's window in tokens.
    """

    text: str
    labels: list[str]
    template: str
    pairs: list[ZeroShotPair]
    entailment_id: int
    truncated: bool = False
    num_tokens: int = 0
    max_length: int | None = None


def candidate_labels(labels) -> list[str]:
    """The candidate labels as transformers' pipeline reads them: a list of str as given, or a
    str split at commas (each stripped, empty ones dropped). TypeError/ValueError when none."""
    if isinstance(labels, str):
        labels = [label.strip() for label in labels.split(",") if label.strip()]
    elif isinstance(labels, (list, tuple)):
        bad = [label for label in labels if not isinstance(label, str)]
        if bad:
            raise TypeError(f"candidate_labels must be str, got {bad[0]!r}")
        labels = list(labels)
    else:
        raise TypeError(
            "candidate_labels must be a list of str or a comma-separated str, got "
            f"{type(labels).__name__}"
        )
    if not labels:
        raise ValueError(
            "candidate_labels is empty: give at least one label, e.g. ['sports', 'politics'] "
            "or 'sports, politics'"
        )
    return labels


def hypotheses(template, labels: list[str]) -> list[str]:
    """Each label put in ``template``; ValueError when the template has no place for it."""
    check_text(template, "hypothesis_template")
    try:
        first = template.format(labels[0])
    except (IndexError, KeyError, ValueError) as exc:
        raise ValueError(
            f"hypothesis_template {template!r} cannot be filled with a label "
            f"({type(exc).__name__}: {exc}): write {{}} where the label goes, e.g. "
            f"{DEFAULT_TEMPLATE!r}"
        ) from None
    if first == template:
        raise ValueError(
            f"hypothesis_template {template!r} has no {{}} where the label goes: every label "
            f"would give the same hypothesis (e.g. {DEFAULT_TEMPLATE!r})"
        )
    return [template.format(label) for label in labels]


def entailment_id(config) -> int | None:
    """The class index whose label starts with "entail" (any case), found in ``config.label2id``
    as transformers' pipeline finds it; None when there is none."""
    for label, index in (getattr(config, "label2id", None) or {}).items():
        if str(label).lower().startswith("entail"):
            return int(index)
    return None


def check_nli(model) -> int:
    """The model's entailment index, or a clear error: another head (TypeError naming the
    function that fits) or a classifier without an entailment label (ValueError)."""
    name = type(model).__name__
    inner = inner_model(model)
    names = {name, type(inner).__name__}
    other = [e for n in names for e, _, _ in HEADS if e in n and e != "ForSequenceClassification"]
    if other and not any("ForSequenceClassification" in n for n in names):
        raise TypeError(
            "zero_shot() needs an NLI model (...ForSequenceClassification trained on "
            f"entailment){head_advice(inner)}"
        )
    found = entailment_id(model.config)
    if found is None:
        labels = ", ".join(map(str, (getattr(model.config, "label2id", None) or {}))) or "none"
        raise ValueError(
            f"zero_shot needs an NLI model whose labels include entailment, and {name}'s labels "
            f"(config.label2id) are {labels}: none starts with 'entail'. Use classify() for this "
            "model, or an NLI checkpoint such as typeform/distilbert-base-uncased-mnli"
        )
    return found


def zero_shot_inputs(
    model, tokenizer, text, labels, hypothesis_template=DEFAULT_TEMPLATE
) -> ZeroShotInputs:
    """Check the arguments and tokenize each (text, hypothesis) pair as :func:`zero_shot` does.

    Parameters
    ----------
    model : NLI sequence-classification model
        Its labels must include entailment; its window bounds each pair (the text is cut, the
        hypothesis never).
    tokenizer : tokenizer
        The model's tokenizer.
    text : str
        The text to classify.
    labels : list of str or str
        Candidate labels, or one comma-separated str.
    hypothesis_template : str
        A sentence with ``{}`` where each label goes.

    Returns
    -------
    ZeroShotInputs
    """
    check_text(text, "text")
    labels = candidate_labels(labels)
    sentences = hypotheses(hypothesis_template, labels)
    check_model(model, tokenizer, "zero_shot")
    entail = check_nli(model)
    window = model_window(model, tokenizer)
    pairs = [_pair(model, tokenizer, text, lab, hyp, window) for lab, hyp in zip(labels, sentences)]
    full = pairs[0].text_tokens
    if full is None:  # a slow tokenizer: count the text's tokens when a pair may have cut it
        full = pairs[0].kept
        if window is not None and any(len(p.input_ids) >= window for p in pairs):
            full = len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])
    return ZeroShotInputs(
        text=text,
        labels=labels,
        template=hypothesis_template,
        pairs=pairs,
        entailment_id=entail,
        truncated=any(p.kept < full for p in pairs),
        num_tokens=full,
        max_length=window,
    )


def _pair(model, tokenizer, text: str, label: str, hypothesis: str, window) -> ZeroShotPair:
    """One pair tokenized as the pipeline does (only the text is cut), and its forward feed."""
    try:
        encoded = tokenizer(
            text, hypothesis, truncation="only_first" if window else False, max_length=window
        )
    except Exception as exc:
        if "too short" not in str(exc):
            raise
        raise ValueError(
            f"the hypothesis {hypothesis!r} alone does not fit the model's window of {window:,} "
            "tokens beside the text: shorten the label or the template"
        ) from None
    ids = list(encoded["input_ids"])
    feed = model_feed(model, tokenizer, encoded)
    mask = list(encoded["attention_mask"]) if "attention_mask" in feed else [1] * len(ids)
    total = None
    if getattr(encoded, "encodings", None):
        first = encoded.encodings[0]
        kept = sum(1 for s in first.sequence_ids if s == 0)
        cut = sum(1 for part in first.overflowing for s in part.sequence_ids if s == 0)
        total = kept + cut
    else:  # a slow tokenizer: what is left beside the hypothesis and the special tokens
        extra = tokenizer.num_special_tokens_to_add(pair=True)
        kept = len(ids) - extra - len(tokenizer(hypothesis, add_special_tokens=False)["input_ids"])
    return ZeroShotPair(
        label=label,
        hypothesis=hypothesis,
        tokens=tokenizer.convert_ids_to_tokens(ids),
        input_ids=ids,
        attention_mask=mask,
        feed=feed,
        kept=kept,
        text_tokens=total,
    )
