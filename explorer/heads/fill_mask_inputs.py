"""What fill-mask feeds a masked LM: the text's tokens, where its masks are, the targets' ids."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..args import check_text
from ..model_info import inner_model
from .checks import HEADS, check_model, head_advice
from .classify_inputs import ClassifyInputs, tokenized

__all__ = ["FillMaskInputs", "fill_mask_inputs", "check_masked_lm", "mask_token", "target_ids"]

_MLM_SUFFIXES = ("ForMaskedLM", "WithLMHeadModel")
# Mask tokens of other tokenizers, to say "you typed <mask> but this one wants [MASK]".
_OTHER_MASKS = ("[MASK]", "<mask>", "[mask]", "<MASK>", "<extra_id_0>")


@dataclass
class FillMaskInputs(ClassifyInputs):
    """Exactly what :func:`~explorer.heads.fill_mask` feeds the model for one text: the fields
    of :class:`~explorer.heads.ClassifyInputs` (the text tokenized once, cut to the model's
    window) and where its masks are.

    Attributes
    ----------
    mask_token : str
        The tokenizer's own mask token.
    positions : list of int
        Token index of each mask token fed.
    masks_in_text : int
        Mask tokens written in the whole text (more than ``len(positions)`` when some were cut).
    targets : list of int or None
        The token ids the guesses are limited to (None: the whole vocabulary).
    notes : list of str
        What became of targets that are not one token of the vocabulary.
    """

    mask_token: str = ""
    positions: list[int] = field(default_factory=list)
    masks_in_text: int = 0
    targets: list[int] | None = None
    notes: list[str] = field(default_factory=list)


def fill_mask_inputs(
    model, tokenizer, text, targets=None, *, allow_no_mask: bool = False, task: str = "fill_mask"
) -> FillMaskInputs:
    """Check the arguments, tokenize ``text`` once and find its masks, as :func:`fill_mask` does.

    Parameters
    ----------
    model, tokenizer, text, targets
        See :func:`explorer.heads.fill_mask`.
    allow_no_mask : bool
        Accept a text without a mask token (see :func:`explorer.heads.fill_mask_run`).
    task : str
        The function the user called, for error messages.

    Returns
    -------
    FillMaskInputs
    """
    check_text(text, "text")
    check_model(model, tokenizer, task)
    check_masked_lm(model, task)
    token, token_id = mask_token(tokenizer)
    chosen, notes = target_ids(tokenizer, targets) if targets is not None else (None, [])
    base = tokenized(model, tokenizer, text)
    positions = [i for i, t in enumerate(base.input_ids) if t == token_id]
    written = text.count(token)
    if not positions and not allow_no_mask:
        if written:
            raise ValueError(
                f"every {token} in the text is past the model's window of {base.max_length:,} "
                f"tokens (the text has {base.num_tokens:,}): put the mask nearer the start"
            )
        raise _no_mask(text, token)
    return FillMaskInputs(
        **{f.name: getattr(base, f.name) for f in fields(ClassifyInputs)},
        mask_token=token, positions=positions, masks_in_text=max(written, len(positions)),
        targets=chosen, notes=notes,
    )  # fmt: skip


def mask_token(tokenizer) -> tuple[str, int]:
    """The tokenizer's mask token and its id; TypeError when it defines none."""
    token = getattr(tokenizer, "mask_token", None)
    token_id = getattr(tokenizer, "mask_token_id", None)
    if token is None or token_id is None:
        name = getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__
        raise TypeError(
            f"fill_mask needs a tokenizer with a mask token, and {name!r} defines none "
            "(tokenizer.mask_token is None): use the masked language model's own tokenizer"
        )
    return str(token), int(token_id)


def check_masked_lm(model, task: str = "fill_mask") -> None:
    """TypeError naming the head ``model`` has and the function that runs it, when its class
    says it is not a masked LM (a class that says nothing is judged by its output)."""
    inner = inner_model(model)
    names = {type(model).__name__, type(inner).__name__}
    if any(mlm in name for name in names for mlm in _MLM_SUFFIXES):
        return
    if any(ending in name for name in names for ending, _, _ in HEADS):
        raise TypeError(
            f"{task}() needs a masked language model (...ForMaskedLM){head_advice(inner)}"
        )


def target_ids(tokenizer, targets) -> tuple[list[int], list[str]]:
    """The token ids ``targets`` name, chosen as transformers' pipeline chooses them, and notes.

    A target that is a token of the vocabulary is that token; any other is tokenized and its
    first token used (noted); one giving no token is dropped (noted). Duplicates are merged.

    Raises
    ------
    TypeError
        ``targets`` is neither a str nor a list of str.
    ValueError
        No target gives a token.
    """
    if isinstance(targets, str):
        targets = [targets]
    if not isinstance(targets, (list, tuple)) or not all(isinstance(t, str) for t in targets):
        raise TypeError(f"targets must be a str or a list of str, got {targets!r}")
    try:
        vocab = tokenizer.get_vocab()
    except Exception:  # the pipeline also goes on without a vocabulary
        vocab = {}
    ids, notes = [], []
    for target in targets:
        found = vocab.get(target)
        if found is None:
            pieces = tokenizer(
                target, add_special_tokens=False, return_attention_mask=False,
                return_token_type_ids=False, max_length=1, truncation=True,
            )["input_ids"]  # fmt: skip
            if not pieces:
                notes.append(f"Target {target!r} gives no token and was left out.")
                continue
            found = pieces[0]
            shown = tokenizer.convert_ids_to_tokens(found)
            notes.append(f"Target {target!r} is not one token: its first token {shown!r} is used.")
        ids.append(int(found))
    ids = list(set(ids))  # the pipeline's own order, so equal scores rank as it ranks them
    if not ids:
        raise ValueError(f"none of the targets {list(targets)!r} gives a token of the vocabulary")
    return ids, notes


def _no_mask(text: str, token: str) -> ValueError:
    other = next((m for m in _OTHER_MASKS if m != token and m in text), None)
    typed = f" (the text has {other!r}, which is not this tokenizer's mask token)" if other else ""
    return ValueError(
        f"the text has no mask token{typed}: write {token} where the missing word goes, "
        f"e.g. 'Paris is the {token} of France.'"
    )
