"""Extractive question answering, equal to transformers 4.57's QuestionAnsweringPipeline."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..trace.core import build_trace
from ..trace.run import run
from .checks import HeadRun, head_advice, output_names
from .qa_inputs import QAInputs, QAWindowInputs, qa_inputs

__all__ = [
    "answer",
    "answer_details",
    "answer_run",
    "AnswerDetails",
    "QAWindow",
    "TooManyWindows",
    "start_end_logits",
]


class TooManyWindows(ValueError):
    """The context needs more windows (forward passes) than the caller allows.

    Attributes
    ----------
    windows, limit : int
        Windows the context needs, and the most allowed.
    """

    def __init__(self, windows: int, limit: int) -> None:
        super().__init__(f"the context needs {windows} windows of the model (at most {limit})")
        self.windows, self.limit = windows, limit


_MASKED = -10000.0  # logit given to tokens that cannot be part of an answer
_NO_NULL = 1000000  # "no null score seen yet", as in transformers


@dataclass
class QAWindow:
    """One window (chunk) of question + context fed to the model.

    Attributes
    ----------
    index : int
        Window number, from 0.
    tokens, input_ids : list
        Token strings and ids of the window.
    offsets : list of (int, int)
        Character offsets of each token into its own text (context tokens: into the context).
    sequence_ids : list of int or None
        0/1 = first/second text of the pair, None = special token.
    is_context : list of bool
        Token comes from the context.
    candidate : list of bool
        Token may start or end an answer (not masked; includes [CLS], the "no answer" slot).
    start_logits, end_logits : list of float
        Raw model outputs per token.
    start_probs, end_probs : list of float
        Softmax over the unmasked tokens of this window.
    null_score : float
        start_probs[0] * end_probs[0], the "no answer" score of this window.
    context_span : (int, int)
        Characters of the context this window covers.
    best : dict or None
        Best span of this window: start_token, end_token, score, start, end, answer.
    """

    index: int
    tokens: list[str]
    input_ids: list[int]
    offsets: list[tuple[int, int]]
    sequence_ids: list[int | None]
    is_context: list[bool]
    candidate: list[bool]
    start_logits: list[float]
    end_logits: list[float]
    start_probs: list[float]
    end_probs: list[float]
    null_score: float
    context_span: tuple[int, int]
    best: dict | None = None


@dataclass
class AnswerDetails:
    """Everything one question-answering call computed.

    Attributes
    ----------
    question, context : str
        The inputs.
    results : list of dict
        ``{"score", "start", "end", "answer"}`` best first (what :func:`answer` returns).
    windows : list of QAWindow
        One per chunk of the context.
    null_score : float or None
        Lowest "no answer" score over windows when ``handle_impossible_answer`` is set.
    question_first : bool
        Question is the first text of the pair (tokenizer.padding_side == "right").
    params : dict
        Effective top_k, doc_stride, max_answer_len, max_seq_len, max_question_len,
        handle_impossible_answer, align_to_words.
    elapsed : float
        Seconds spent in tokenizer, model and post-processing.
    sources : list of list of dict
        Where each result's score comes from: the spans with its text (case-folded) in every
        window, ``{"window", "start", "end", "score"}``; the pipeline adds equal texts' scores,
        so a result's score is the sum of its sources' (empty for "no answer").
    """

    question: str
    context: str
    results: list[dict]
    windows: list[QAWindow]
    null_score: float | None
    question_first: bool
    params: dict = field(default_factory=dict)
    elapsed: float = 0.0
    sources: list[list[dict]] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Everything as JSON-safe data (lists, dicts, numbers, strings)."""
        return asdict(self)


def _softmax(logits: np.ndarray, masked: np.ndarray) -> np.ndarray:
    values = np.where(masked, _MASKED, logits)
    values = np.exp(values - values.max(axis=-1, keepdims=True))
    return values / values.sum()


def _top_spans(start, end, k: int, max_answer_len: int, allowed: np.ndarray):
    """The ``k`` best (start, end) pairs of the banded outer product, then the allowed ones."""
    n = start.shape[0]
    scores = np.tril(np.triu(np.multiply.outer(start, end)), max_answer_len - 1)
    flat = scores.reshape(-1)
    if k == 1:
        order = np.array([np.argmax(flat)])
    elif flat.size <= k:
        order = np.argsort(-flat)
    else:
        part = np.argpartition(-flat, k)[:k]
        order = part[np.argsort(-flat[part])]
    starts, ends = np.unravel_index(order, (n, n))
    keep = allowed[starts] & allowed[ends]
    starts, ends = starts[keep], ends[keep]
    return starts, ends, scores[starts, ends]


def _char_span(enc, s: int, e: int, sequence: int, align_to_words: bool) -> tuple[int, int]:
    """Character span of tokens s..e, widened to whole words when asked (raw offsets on failure)."""
    if align_to_words:
        try:
            first = enc.word_to_chars(enc.token_to_word(s), sequence_index=sequence)[0]
            last = enc.word_to_chars(enc.token_to_word(e), sequence_index=sequence)[1]
            return first, last
        except Exception:
            pass
    return enc.offsets[s][0], enc.offsets[e][1]


def start_end_logits(model, output, task: str = "answer"):
    """The start and end logits (one value per token) in ``model``'s output, or a clear error.

    Raises
    ------
    TypeError
        The output holds no start/end logits (a classifier, or a model without a head); the
        message names the head the model has and the function that runs it.
    """
    if isinstance(output, Mapping):
        start, end = output.get("start_logits"), output.get("end_logits")
    elif isinstance(output, (tuple, list)) and len(output) >= 2:
        start, end = output[0], output[1]
    else:
        start = end = None
    if not (isinstance(start, torch.Tensor) and isinstance(end, torch.Tensor)):
        raise TypeError(
            f"{type(model).__name__} returns {output_names(output)}, not start_logits/end_logits: "
            f"{task}() needs a ...ForQuestionAnswering model{head_advice(model)}"
        )
    return start[0], end[0]


def _allowed(tokenizer, inputs: QAInputs, enc, ids: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Tokens that may start or end an answer: the context's, [CLS] (no answer), never padding."""
    if inputs.question_first:
        allowed = seq == 1
    else:
        allowed = np.ones(len(ids), dtype=bool)
    if tokenizer.cls_token_id is not None:
        allowed |= ids == tokenizer.cls_token_id
    if "attention_mask" in (getattr(tokenizer, "model_input_names", None) or ()):
        allowed &= np.asarray(enc.attention_mask, dtype=bool)
    return allowed


def _score_window(tokenizer, inputs: QAInputs, win: QAWindowInputs, start, end):
    """One window's probabilities, null score and best spans: ``(QAWindow, [span, ...])``.

    Spans are ``(score, start_char, end_char, text)``, best first, before merging across windows.
    """
    params = inputs.params
    align_to_words = params["align_to_words"]
    pre_k = params["top_k"] * 2 + 10 if align_to_words else params["top_k"]
    context_seq = 1 if inputs.question_first else 0
    enc = win.encoding
    ids = np.asarray(enc.ids)
    seq = np.array([-1 if s is None else s for s in enc.sequence_ids])
    allowed = _allowed(tokenizer, inputs, enc, ids, seq)
    start_p = _softmax(start, ~allowed)
    end_p = _softmax(end, ~allowed)
    null = (start_p[0] * end_p[0]).item()
    s_probs, e_probs = start_p.copy(), end_p.copy()
    s_probs[0] = e_probs[0] = 0.0
    # transformers' filter also lets token 0 through whenever any token is allowed
    ok = allowed.copy()
    ok[0] = ok[0] or bool(allowed.any())
    starts, ends, scores = _top_spans(s_probs, e_probs, pre_k, params["max_answer_len"], ok)
    shift = int((ids == tokenizer.pad_token_id).sum()) if not inputs.question_first else 0
    spans, best = [], None
    for s, e, score in zip(starts.tolist(), ends.tolist(), scores, strict=True):
        s, e = s - shift, e - shift
        a, b = _char_span(enc, s, e, context_seq, align_to_words)
        text = inputs.context[a:b]
        if best is None:
            best = {"start_token": s, "end_token": e, "score": score.item(),
                    "start": a, "end": b, "answer": text}  # fmt: skip
        spans.append((score.item(), a, b, text))
    window = _window(win.index, enc, seq, context_seq, allowed, start, end, start_p, end_p,
                     null, best)  # fmt: skip
    return window, spans


def _merge(windows: list[QAWindow], spans: list[list[tuple]], params: dict):
    """Answers over all windows, best first: equal texts (case-folded) add their scores.

    Returns ``(results, sources, null_score)``: ``sources[i]`` lists the spans whose scores
    make ``results[i]``'s (``{"window", "start", "end", "score"}``, in the order they were
    added); the null score is the lowest over windows, or None when
    ``handle_impossible_answer`` is off.
    """
    answers: list[dict] = []
    by_text: dict[str, dict] = {}
    parts: dict[int, list[dict]] = {}
    for w, window_spans in enumerate(spans):
        for score, a, b, text in window_spans:
            seen = by_text.get(text.lower())
            if seen is not None:
                seen["score"] += score
            else:
                seen = by_text[text.lower()] = {
                    "score": score,
                    "start": a,
                    "end": b,
                    "answer": text,
                }
                answers.append(seen)
            parts.setdefault(id(seen), []).append(
                {"window": w, "start": a, "end": b, "score": score}
            )
    null = None
    if params["handle_impossible_answer"]:
        null = min([_NO_NULL] + [w.null_score for w in windows])
        answers.append({"score": null, "start": 0, "end": 0, "answer": ""})
    results = sorted(answers, key=lambda row: row["score"], reverse=True)[: params["top_k"]]
    return results, [parts.get(id(row), []) for row in results], null


def answer_details(model, tokenizer, question, context, **options) -> AnswerDetails:
    """Answer ``question`` from ``context`` and keep every window's logits and spans.

    Parameters
    ----------
    model : transformers question-answering model
        A ``...ForQuestionAnswering`` module (never modified: mode, grads, device, dtype kept).
    tokenizer : fast tokenizer
        The model's tokenizer; character offsets need a fast (Rust) tokenizer.
    question, context : str
        Non-empty texts. Long contexts are split into overlapping windows.
    **options
        ``top_k``, ``doc_stride``, ``max_answer_len``, ``max_seq_len``, ``max_question_len``,
        ``handle_impossible_answer``, ``align_to_words``: see
        :data:`explorer.heads.qa_inputs.OPTIONS` (their defaults are the pipeline's).

    Returns
    -------
    AnswerDetails
    """
    return answer_run(model, tokenizer, question, context, **options).details


def answer_run(
    model,
    tokenizer,
    question,
    context,
    *,
    traced: bool = False,
    should_stop=None,
    on_forward=None,
    max_windows: int | None = None,
    task: str = "answer",
    **options,
) -> HeadRun:
    """Answer ``question`` from ``context``, one forward pass per window; with ``traced``, the
    first window's pass is recorded too (no extra pass).

    Parameters
    ----------
    model, tokenizer, question, context, **options
        See :func:`answer_details`.
    traced : bool
        Also return the :class:`~explorer.trace.Trace` of the first window.
    should_stop, on_forward
        See :func:`explorer.trace.run.run`.
    max_windows : int or None
        Raise :class:`TooManyWindows` (before anything runs) when the context needs more.
    task : str
        The function the user called, for error messages (``"trace"``...).

    Returns
    -------
    HeadRun
        ``details`` (:class:`AnswerDetails`) and ``trace`` (None unless traced).
    """
    began = time.perf_counter()
    inputs = qa_inputs(model, tokenizer, question, context, task=task, **options)
    if max_windows is not None and len(inputs.windows) > max_windows:
        raise TooManyWindows(len(inputs.windows), max_windows)
    done = run(model, [w.feed for w in inputs.windows], trace=0 if traced else None,
               should_stop=should_stop, on_forward=on_forward)  # fmt: skip
    windows, spans, own = [], [], None
    for win, output in zip(inputs.windows, done.outputs, strict=True):
        start_t, end_t = start_end_logits(model, output, task)
        if own is None:
            own = (start_t, end_t)  # the first window's, for the trace
        start = start_t.detach().float().cpu().numpy()
        end = end_t.detach().float().cpu().numpy()
        window, window_spans = _score_window(tokenizer, inputs, win, start, end)
        windows.append(window)
        spans.append(window_spans)
    results, sources, null = _merge(windows, spans, inputs.params)
    details = AnswerDetails(
        question=question,
        context=context,
        results=results,
        windows=windows,
        null_score=null,
        question_first=inputs.question_first,
        params=dict(inputs.params),
        elapsed=time.perf_counter() - began,
        sources=sources,
    )
    if not traced:
        return HeadRun(details)

    def shown(pair):
        return tuple(v.detach().float().cpu().numpy() for v in pair)

    trace = build_trace(
        model, done.recording, task="answer", inputs=inputs.windows[0], own=own, shown=shown,
        raw=shown(own), text=question, context=context, windows=len(inputs.windows),
        elapsed=details.elapsed,
    )  # fmt: skip
    return HeadRun(details, trace)


def _window(w, enc, seq, context_seq, allowed, start, end, start_p, end_p, null, best) -> QAWindow:
    in_context = seq == context_seq
    offsets = [tuple(o) for o in enc.offsets]
    spans = [offsets[i] for i in np.flatnonzero(in_context)]
    return QAWindow(
        index=w,
        tokens=list(enc.tokens),
        input_ids=list(enc.ids),
        offsets=offsets,
        sequence_ids=list(enc.sequence_ids),
        is_context=in_context.tolist(),
        candidate=allowed.tolist(),
        start_logits=start.tolist(),
        end_logits=end.tolist(),
        start_probs=start_p.tolist(),
        end_probs=end_p.tolist(),
        null_score=null,
        context_span=(spans[0][0], spans[-1][1]) if spans else (0, 0),
        best=best,
    )


def answer(model, tokenizer, question, context, **options) -> list[dict]:
    """Extractive QA with the results of transformers 4.57's QuestionAnsweringPipeline.

    Parameters
    ----------
    model, tokenizer, question, context, **options
        See :func:`answer_details`.

    Returns
    -------
    list of dict
        ``{"score": float, "start": int, "end": int, "answer": str}`` best first; ``start`` and
        ``end`` are character offsets into ``context``. Always a list, even for one answer.
    """
    return answer_details(model, tokenizer, question, context, **options).results
