"""Fill-mask: a masked LM's guesses for each mask token, as transformers' FillMaskPipeline gives them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..args import check_int
from ..trace.core import build_trace
from ..trace.mlm_lens import top_tokens
from ..trace.run import run
from .checks import HeadRun, head_advice, output_names
from .fill_mask_inputs import FillMaskInputs, fill_mask_inputs

__all__ = ["FillMaskDetails", "fill_mask", "fill_mask_details", "fill_mask_run"]


@dataclass
class FillMaskDetails:
    """Everything one fill-mask run computed.

    Attributes
    ----------
    text : str
        The input text.
    results : list
        What :func:`fill_mask` returns, as transformers' pipeline does: a list of
        ``{"score", "token", "token_str", "sequence"}`` best first for one mask, a list of such
        lists (one per mask, in text order) for several.
    masks : list of list of dict
        The same rows, always one list per mask.
    positions : list of int
        Token index of each mask in ``tokens``.
    mask_token : str
        The tokenizer's own mask token (``"[MASK]"`` for BERT, ``"<mask>"`` for RoBERTa).
    top_k : int
        Guesses asked for per mask (fewer when ``targets`` holds fewer tokens).
    targets : list of int or None
        Token ids the guesses were limited to (None: the whole vocabulary).
    notes : list of str
        What was replaced or dropped among the targets (the pipeline logs these as warnings).
    tokens, input_ids, offsets : list
        Tokens fed to the model, their ids and character offsets into ``text``.
    truncated : bool
        True when the text was longer than ``max_length`` tokens and was cut.
    num_tokens : int
        Token count of the whole text (before truncation).
    max_length : int or None
        The model's window in tokens.
    masks_in_text : int
        Mask tokens written in the whole text (more than ``len(positions)`` when some were cut).
    elapsed : float
        Seconds spent in tokenizer, model and post-processing.
    """

    text: str
    results: list
    masks: list[list[dict]]
    positions: list[int]
    mask_token: str
    top_k: int
    targets: list[int] | None = None
    notes: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    input_ids: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    truncated: bool = False
    num_tokens: int = 0
    max_length: int | None = None
    masks_in_text: int = 0
    elapsed: float = 0.0

    def summary(self) -> str:
        """Plain text: the text, then each mask's guesses with their probabilities."""
        lines = [f"Text: {self.text}"]
        if not self.masks:
            lines.append(f"No {self.mask_token} in the text: nothing to fill.")
        for number, rows in enumerate(self.masks, 1):
            guesses = ", ".join(f"{r['token_str']!r} {r['score']:.4f}" for r in rows)
            lines.append(f"{self.mask_token} {number}: {guesses}")
        if self.truncated:
            lines.append(
                f"The text was cut to the model's {self.max_length:,} tokens "
                f"(it has {self.num_tokens:,})."
            )
        return "\n".join(lines + self.notes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data: the inputs, every mask's guesses and what was cut."""
        return {
            "task": "fill-mask",
            "text": self.text,
            "mask_token": self.mask_token,
            "masks": [[dict(row) for row in rows] for rows in self.masks],
            "positions": list(self.positions),
            "top_k": self.top_k,
            "targets": None if self.targets is None else list(self.targets),
            "notes": list(self.notes),
            "tokens": list(self.tokens),
            "input_ids": list(self.input_ids),
            "truncated": self.truncated,
            "num_tokens": self.num_tokens,
            "max_length": self.max_length,
            "masks_in_text": self.masks_in_text,
            "elapsed": self.elapsed,
        }


def _mlm_logits(model, output, n: int, task: str) -> torch.Tensor:
    """The ``[tokens, vocabulary]`` logits of a masked LM's output, or a clear TypeError."""
    name = type(model).__name__
    need = f"{task}() needs a masked language model (...ForMaskedLM){head_advice(model)}"
    logits = output.get("logits") if isinstance(output, Mapping) else None
    if logits is None and isinstance(output, (tuple, list)) and output:
        logits = output[0]
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"{name} returns {output_names(output)}, not logits: {need}")
    vocab = getattr(model.config, "vocab_size", None)
    if logits.dim() != 3 or logits.shape[:2] != (1, n) or logits.shape[-1] != vocab:
        raise TypeError(
            f"{name} returns logits of shape {list(logits.shape)}, not a score for each of the "
            f"{vocab} vocabulary tokens at each of the {n} positions: {need}"
        )
    return logits[0]


def fill_mask_run(
    model,
    tokenizer,
    text,
    top_k=5,
    targets=None,
    *,
    traced: bool = False,
    should_stop=None,
    on_forward=None,
    allow_no_mask: bool = False,
    task: str = "fill_mask",
) -> HeadRun:
    """Fill the masks of ``text`` in one forward pass; with ``traced``, record that pass too.

    Parameters
    ----------
    model, tokenizer, text, top_k, targets
        See :func:`fill_mask`.
    traced : bool
        Also return the :class:`~explorer.trace.Trace` of the same pass (task ``"fill_mask"``:
        its lens holds the head's top tokens at every position, for every layer).
    should_stop, on_forward
        See :func:`explorer.trace.run.run`.
    allow_no_mask : bool
        Run a text without a mask token too (its details hold no guesses): what
        :func:`explorer.trace` and the live panel do, to show the model's work on any text.
    task : str
        The function the user called, for error messages (``"trace"``...).

    Returns
    -------
    HeadRun
        ``details`` (:class:`FillMaskDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    top_k = check_int(top_k, "top_k", minimum=1)
    inputs = fill_mask_inputs(model, tokenizer, text, targets, allow_no_mask=allow_no_mask,
                              task=task)  # fmt: skip
    done = run(model, [inputs.feed], trace=0 if traced else None, should_stop=should_stop,
               on_forward=on_forward)  # fmt: skip
    logits = _mlm_logits(model, done.outputs[0], len(inputs.input_ids), task)
    chosen, positions = inputs.targets, inputs.positions
    masks = _guesses(tokenizer, inputs.input_ids, logits, positions, top_k, chosen)
    details = FillMaskDetails(
        text=text,
        results=(masks[0] if len(masks) == 1 else masks),
        masks=masks,
        positions=positions,
        mask_token=inputs.mask_token,
        top_k=min(top_k, len(chosen)) if chosen is not None else top_k,
        targets=chosen,
        notes=inputs.notes,
        tokens=inputs.tokens,
        input_ids=inputs.input_ids,
        offsets=inputs.offsets,
        truncated=inputs.truncated,
        num_tokens=inputs.num_tokens,
        max_length=inputs.max_length,
        masks_in_text=inputs.masks_in_text,
    )
    details.elapsed = time.perf_counter() - began
    if not traced:
        return HeadRun(details)
    return HeadRun(details, _trace(model, tokenizer, inputs, done.recording, logits, details))


def _guesses(tokenizer, ids: list[int], logits, positions, top_k: int, chosen) -> list:
    """Each mask's rows, computed as transformers' FillMaskPipeline.postprocess computes them."""
    if not positions:
        return []
    probs = logits[positions].softmax(dim=-1)  # in the logits' dtype, as the pipeline does
    if chosen is not None:
        probs = probs[..., chosen]
    values, picks = probs.topk(min(top_k, probs.shape[-1]))
    single = len(positions) == 1
    pad = getattr(tokenizer, "pad_token_id", None)
    base = np.asarray(ids)
    masks = []
    for index, (row_values, row_picks) in enumerate(zip(values.tolist(), picks.tolist())):
        rows = []
        for score, pick in zip(row_values, row_picks):
            token = chosen[pick] if chosen is not None else pick
            filled = base.copy()
            filled[positions[index]] = token
            if pad is not None:
                filled = filled[filled != pad]
            rows.append({
                "score": score,
                "token": token,
                "token_str": tokenizer.decode([token]),
                "sequence": tokenizer.decode(filled.tolist(), skip_special_tokens=single),
            })  # fmt: skip
        masks.append(rows)
    return masks


def _trace(model, tokenizer, inputs: FillMaskInputs, rec, logits, details: FillMaskDetails):
    """The trace of a fill-mask run: the prediction and every lens entry are the top tokens at
    each position (``{"ids", "tokens", "probs"}``, ``[positions][rank]``)."""
    names: dict[int, str] = {}

    def shown(value) -> dict[str, list]:
        probs, ids = (v.detach().cpu() for v in value)
        id_rows = ids.tolist()
        for token in {t for row in id_rows for t in row} - names.keys():
            names[token] = tokenizer.decode([token])
        return {
            "ids": id_rows,
            "tokens": [[names[t] for t in row] for row in id_rows],
            "probs": probs.float().tolist(),
        }

    raw = logits[details.positions].detach().float().cpu().numpy()
    return build_trace(
        model, rec, task="fill_mask", inputs=inputs, own=top_tokens(logits), shown=shown,
        raw=raw, text=inputs.text, truncated=inputs.truncated, function="softmax",
        elapsed=details.elapsed,
    )  # fmt: skip


def fill_mask_details(model, tokenizer, text, top_k=5, targets=None) -> FillMaskDetails:
    """Fill the masks of ``text`` and keep every intermediate result (see :func:`fill_mask`).

    Returns
    -------
    FillMaskDetails
    """
    return fill_mask_run(model, tokenizer, text, top_k, targets).details


def fill_mask(model, tokenizer, text, top_k=5, targets=None) -> list:
    """Guess the masked tokens of ``text``: what transformers' ``pipeline("fill-mask")`` returns.

    Parameters
    ----------
    model : transformers masked language model
        A ``...ForMaskedLM`` module (BERT, DistilBERT, RoBERTa, ALBERT, ELECTRA...). It comes
        back untouched.
    tokenizer : tokenizer
        The model's tokenizer; its own mask token marks the gaps (``tokenizer.mask_token``:
        ``"[MASK]"`` for BERT, ``"<mask>"`` for RoBERTa).
    text : str
        Text with one or several mask tokens; longer texts are cut to the model's window.
    top_k : int
        Guesses per mask, best first.
    targets : str or list of str, optional
        Score only these tokens (a word that is not one token counts as its first token).

    Returns
    -------
    list
        One mask: ``[{"score", "token", "token_str", "sequence"}, ...]`` best first. Several
        masks: one such list per mask, in text order (each mask scored on its own, the others
        left masked, as the pipeline does).

    Raises
    ------
    TypeError
        Not a masked language model (the message names its head and the function that runs
        it), or a
        tokenizer without a mask token.
    ValueError
        Empty text, no mask token in it (the message names the tokenizer's), or every mask
        past the model's window.
    """
    return fill_mask_details(model, tokenizer, text, top_k, targets).results
