"""``trace``: a head's run recorded module by module (classification, or QA's first window)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from torch import nn

from ..trace.core import Trace
from .classify import classify_run
from .fill_mask import fill_mask_run
from .qa import answer_run

__all__ = ["trace", "TRACE_RUNS"]

#: What :func:`trace` runs without a context, by the head the model's class name ends with
#: (first match wins): ``(suffix, run)`` where ``run(model, tokenizer, text, traced=True,
#: should_stop=..., task="trace")`` returns a :class:`~explorer.heads.HeadRun`. Anything else is traced as a
#: sequence classifier; a context always means question answering. One entry per head.
TRACE_RUNS: list[tuple[str, Callable[..., Any]]] = [
    ("ForSequenceClassification", classify_run),
    ("ForMaskedLM", partial(fill_mask_run, allow_no_mask=True)),
]


def trace(
    model: Any,
    tokenizer: Any,
    text: str,
    context: str | None = None,
    *,
    should_stop: Callable[[], bool] | None = None,
    **answer_kwargs: Any,
) -> Trace:
    """Run the model once on what :func:`classify` (or :func:`answer`) feeds it, recording
    what every module computed.

    Parameters
    ----------
    model : transformers model
        A ``...ForSequenceClassification`` model, a ``...ForMaskedLM`` one (the text may hold
        mask tokens; the lens shows the head's top tokens at every position), or a
        ``...ForQuestionAnswering`` one when ``context`` is given. It comes back untouched: weights, modes, ``requires_grad``,
        config and attention setting; every hook is removed, also when the forward raises.
    tokenizer : tokenizer
        The model's tokenizer (a fast one for question answering).
    text : str
        The text to classify, or the question.
    context : str or None
        The context of a question: the trace runs :func:`answer`'s first window.
    should_stop : callable or None
        Checked before every module runs; when it returns true the run stops with
        :class:`~explorer.trace.TraceCancelled` (the model still comes back untouched).
    **answer_kwargs
        Options of :func:`answer` that shape the windows (``max_seq_len``, ``doc_stride``...).

    Returns
    -------
    Trace

    Notes
    -----
    The same run as the head's own (:func:`explorer.heads.classify_run` /
    :func:`explorer.heads.answer_run` with ``traced=True``): a live panel gets its result and
    this trace from one forward pass. Hooks keep a reference to every module's output until
    the trace is dropped; statistics, attention weights and the lens are computed when asked
    for. Another thread running the same model meanwhile would be recorded too.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"trace: model must be a torch.nn.Module, got {type(model).__name__}")
    name = type(model).__name__
    if context is None:
        if answer_kwargs:
            raise TypeError(f"{sorted(answer_kwargs)} apply to question answering: pass context")
        if "ForQuestionAnswering" in name:
            raise TypeError(
                f"trace: {name} answers questions: pass the question as text and the passage as "
                "context= (trace(model, tokenizer, question, context=...))"
            )
        run = next((r for suffix, r in TRACE_RUNS if name.endswith(suffix)), classify_run)
        done = run(model, tokenizer, text, traced=True, should_stop=should_stop, task="trace")
    else:
        done = answer_run(model, tokenizer, text, context, traced=True, should_stop=should_stop,
                          task="trace", **answer_kwargs)  # fmt: skip
    return done.trace
