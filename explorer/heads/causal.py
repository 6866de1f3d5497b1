"""The next token of a causal language model: its distribution after exactly what the
text-generation pipeline feeds, in one forward pass (traced: with the logit lens)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ..args import check_int, check_text
from ..trace.core import build_trace
from ..trace.lens import LOGIT_LENS_POSITIONS, LensTop, NoLens, head_of
from ..trace.mlm_lens import top_tokens
from ..trace.run import eval_mode, run
from .causal_inputs import (
    CausalInputs,
    causal_inputs,
    check_causal,
    check_tokenizer,
    model_positions,
)
from .checks import HeadRun, check_model, output_names

__all__ = [
    "NextTokenDetails",
    "next_token",
    "next_token_details",
    "next_token_run",
    "lm_logits",
    "ranked_tokens",
    "token_texts",
]


@dataclass
class NextTokenDetails:
    """The next-token distribution after one text, for tables and plots.

    Attributes
    ----------
    text : str
        The prompt.
    results : list of dict
        ``{"token", "token_id", "score"}`` best first, cut to ``top_k`` (what
        :func:`next_token` returns): the decoded token, its id and its softmax probability.
    tokens, input_ids : list
        What the model read (the tokenizer's own tokens, special tokens included).
    num_tokens : int
        Tokens of the whole prompt.
    dropped : int
        Tokens cut from the start because the prompt is longer than ``max_length``.
    max_length : int or None
        The most tokens read: the model's positions, or a panel's smaller limit.
    positions : int or None
        The model's own window (``max_position_embeddings``).
    elapsed : float
        Seconds spent in tokenizer, model and post-processing.
    """

    text: str
    results: list[dict]
    tokens: list[str] = field(default_factory=list)
    input_ids: list[int] = field(default_factory=list)
    num_tokens: int = 0
    dropped: int = 0
    max_length: int | None = None
    positions: int | None = None
    elapsed: float = 0.0

    @property
    def truncated(self) -> bool:
        """True when the start of the text was cut: the model read only its last tokens."""
        return self.dropped > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data: the prompt, what was read, the ranked next tokens."""
        return {
            "task": "next-token",
            "text": self.text,
            "results": [dict(row) for row in self.results],
            "tokens": list(self.tokens),
            "input_ids": list(self.input_ids),
            "num_tokens": self.num_tokens,
            "dropped": self.dropped,
            "max_length": self.max_length,
            "elapsed": self.elapsed,
        }

    def summary(self) -> str:
        """Plain text for exported pages: the prompt and the likeliest next tokens."""
        shown = self.text if len(self.text) <= 600 else self.text[:600] + "\u2026"
        lines = [f"Text: {shown}"]
        if self.truncated:
            lines.append(
                f"(the model read only the last {len(self.input_ids):,} of its "
                f"{self.num_tokens:,} tokens)"
            )
        lines.append(f"Next token after {len(self.input_ids):,} tokens:")
        lines += [
            f"{i}. {row['token']!r} (id {row['token_id']}) {row['score']:.4f}"
            for i, row in enumerate(self.results, 1)
        ]
        return "\n".join(lines)


def lm_logits(model, output) -> torch.Tensor:
    """The ``[positions, vocab]`` logits of a causal LM's output (the last positions when the
    forward kept only those), or a clear error naming what is there."""
    name = type(model).__name__
    need = "next_token() needs a causal language model's logits, one row per token"
    logits = output.get("logits") if isinstance(output, Mapping) else None
    if logits is None and isinstance(output, (tuple, list)) and output:
        logits = output[0] if isinstance(output[0], torch.Tensor) else None
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"{name} returns {output_names(output)}, not logits: {need}")
    if logits.dim() != 3 or logits.shape[0] != 1:
        raise TypeError(
            f"{name} returns logits of shape {list(logits.shape)}, not [1, tokens, vocabulary]: "
            f"{need}"
        )
    return logits[0]


def token_texts(tokenizer, ids) -> list[str]:
    """Each id decoded on its own, as the tokenizer writes it (``" the"``; ``"�"`` for a piece
    of a character split over tokens)."""
    ids = [int(i) for i in ids]
    unique = list(dict.fromkeys(ids))
    texts = dict(zip(unique, tokenizer.batch_decode([[i] for i in unique]), strict=True))
    return [texts[i] for i in ids]


def ranked_tokens(tokenizer, probs: torch.Tensor, top_k: int | None) -> list[dict]:
    """``{"token", "token_id", "score"}`` rows for the ``top_k`` largest of ``probs``
    (``[vocab]``), best first (all of them for None)."""
    k = probs.shape[-1] if top_k is None else min(top_k, probs.shape[-1])
    values, ids = probs.topk(k)
    ids_list = ids.tolist()
    return [
        {"token": text, "token_id": i, "score": v}
        for text, i, v in zip(token_texts(tokenizer, ids_list), ids_list, values.tolist(),
                              strict=True)
    ]  # fmt: skip


def next_token_details(
    model, tokenizer, text, top_k: int | None = 10, *, add_special_tokens=None
) -> NextTokenDetails:
    """The next-token distribution after ``text``, with what the model read.

    Parameters
    ----------
    model : causal language model
        A ``...ForCausalLM`` (GPT-2's ``GPT2LMHeadModel``, Llama, Qwen...).
    tokenizer : tokenizer
        The model's tokenizer.
    text : str
        The prompt; one longer than the model's window is cut from the start (``dropped``).
    top_k : int or None
        Tokens to return, best first; None returns the whole vocabulary.
    add_special_tokens : bool or None
        As the text-generation pipeline's option (None: the tokenizer's default).

    Returns
    -------
    NextTokenDetails
    """
    return next_token_run(
        model, tokenizer, text, top_k, add_special_tokens=add_special_tokens
    ).details


def next_token_run(
    model,
    tokenizer,
    text,
    top_k: int | None = 10,
    *,
    add_special_tokens=None,
    max_tokens: int | None = None,
    traced: bool = False,
    should_stop=None,
    on_forward=None,
    task: str = "next_token",
) -> HeadRun:
    """The next token after ``text`` in one forward pass; with ``traced``, that pass recorded.

    Parameters
    ----------
    model, tokenizer, text, top_k, add_special_tokens
        See :func:`next_token_details`.
    max_tokens : int or None
        Read at most this many tokens (the last ones); None: the model's window.
    traced : bool
        Also return the :class:`~explorer.trace.Trace` of the same pass; its lens is the
        logit lens (the final norm and LM head on every layer's hidden state).
    should_stop, on_forward
        See :func:`explorer.trace.run.run`.
    task : str
        The caller's name in error messages (``"trace"`` when :func:`explorer.trace` runs it).

    Returns
    -------
    HeadRun
        ``details`` (:class:`NextTokenDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    check_text(text, "text")
    top_k = check_int(top_k, "top_k", minimum=1, allow_none=True)
    max_tokens = check_int(max_tokens, "max_tokens", minimum=1, allow_none=True)
    check_model(model, tokenizer, task)
    check_causal(model, task)
    check_tokenizer(tokenizer, task)
    positions = model_positions(model)
    limits = [v for v in (positions, max_tokens) if v is not None]
    keep = min(limits) if limits else None
    inputs = causal_inputs(
        model, tokenizer, text, keep=keep, add_special_tokens=add_special_tokens, logits=1
    )  # the last position's logits only, as generate's first step (the lens reads the others)
    done = run(model, [inputs.feed], trace=0 if traced else None, should_stop=should_stop,
               on_forward=on_forward)  # fmt: skip
    logits = lm_logits(model, done.outputs[0])
    last = logits[-1].detach().float()
    results = ranked_tokens(tokenizer, torch.softmax(last, dim=-1), top_k)
    details = NextTokenDetails(
        text=text,
        results=results,
        tokens=inputs.tokens,
        input_ids=inputs.input_ids,
        num_tokens=inputs.num_tokens,
        dropped=inputs.dropped,
        max_length=keep,
        positions=positions,
    )
    details.elapsed = time.perf_counter() - began
    if not traced:
        return HeadRun(details)
    return HeadRun(details, _trace(model, tokenizer, inputs, done.recording, logits, details))


class _Prediction(Mapping):
    """A next-token trace's prediction at the logit lens's positions, computed when first read
    (a keystroke's run computes the last position's logits only): the last position from the
    model's own logits, the others by the lens on the last block's output (the final norm and
    LM head, as the model applies them; the lens checks they give the model's own numbers)."""

    def __init__(self, compute: Callable[[], dict]) -> None:
        self._compute, self._rows = compute, None

    def _data(self) -> dict:
        if self._rows is None:
            self._rows = self._compute()
        return self._rows

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self):
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return f"_Prediction({self._data()!r})"


def _trace(model, tokenizer, inputs: CausalInputs, rec, logits, details: NextTokenDetails):
    """The trace of a next-token run. Its lens (the logit lens) has one entry per layer: at each
    of the last positions, the likeliest tokens (``positions``, ``ids``, ``tokens``, ``probs``)."""
    n = len(inputs.input_ids)
    first = max(0, n - LOGIT_LENS_POSITIONS)
    own = top_tokens(logits[-1:].detach())  # the model's own prediction: the last position

    def rows(probs, ids, start: int) -> dict[str, Any]:
        ids_list = ids.tolist()
        flat = token_texts(tokenizer, [i for row in ids_list for i in row])
        k = ids.shape[-1]
        return {
            "positions": list(range(start, n)),
            "ids": ids_list,
            "tokens": [flat[r * k : (r + 1) * k] for r in range(len(ids_list))],
            "probs": probs.detach().float().cpu().numpy(),
        }

    def prediction() -> dict[str, Any]:
        outputs = rec.stack_outputs()
        try:
            _, head = head_of(model, "next_token")
            with eval_mode(model, inference=False):
                probs, ids = (t.clone() for t in head(outputs[-1], inputs.feed).rows)
        except (NoLens, IndexError, RuntimeError, ValueError, TypeError):
            return rows(*own, n - 1)  # no lens: the last position alone
        probs[-1:], ids[-1:] = own  # the last position: the model's own numbers exactly
        return rows(probs, ids, first)

    def shown(value) -> Mapping:
        return rows(*value.rows, first) if isinstance(value, LensTop) else _Prediction(prediction)

    return build_trace(
        model, rec, task="next_token", inputs=inputs, own=own, shown=shown,
        raw=logits[-1].detach().float().cpu().numpy(), text=inputs.text,
        truncated=inputs.truncated, elapsed=details.elapsed,
    )  # fmt: skip


def next_token(model, tokenizer, text, top_k: int | None = 10, *, add_special_tokens=None):
    """The likeliest next tokens after ``text``, best first.

    The distribution is the model's softmax after exactly the tokens
    ``pipeline("text-generation")`` feeds for ``text`` (the tokenizer's defaults, so a Llama
    tokenizer's BOS too, after ``config.prefix`` if the model has one): greedy generation's
    first token is the first row.

    Parameters
    ----------
    model, tokenizer, text, top_k, add_special_tokens
        See :func:`next_token_details`.

    Returns
    -------
    list of dict
        ``{"token": str, "token_id": int, "score": float}``, ``score`` the probability.
    """
    details = next_token_details(
        model, tokenizer, text, top_k, add_special_tokens=add_special_tokens
    )
    return details.results
