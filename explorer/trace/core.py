"""One traced run of a text model: the exact input, what each module computed, attention, lens."""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from ..heads.checks import check_int, eval_mode
from ..heads.classify import (
    ClassifyDetails,
    apply_function,
    classify_inputs,
    classify_logits,
    details_from_logits,
    function_name,
)
from ..heads.qa import start_end_logits
from ..heads.qa_inputs import qa_inputs
from ..model_info import class_labels, inner_model
from . import attention as attn
from .lens import NoLens, lens_values, note
from .outputs import ModuleOutput, describe, not_run, shapes_of
from .record import Recording, TraceCancelled, first_tensor, recording

__all__ = ["Trace", "trace"]


@dataclass(repr=False, eq=False)
class Trace:
    """What one forward pass computed, module by module (see :func:`trace`).

    Attributes
    ----------
    task : {"classify", "answer"}
        Which head's input was run.
    text : str
        The text (the question for ``"answer"``).
    context : str or None
        The context for ``"answer"``.
    tokens : list of str
        The tokenizer's own tokens, special tokens included.
    input_ids, attention_mask : list of int
        Exactly what was fed (the mask is all ones when the model is fed none).
    feed : dict of str to torch.Tensor
        The keyword arguments of the forward pass.
    windows : int
        Windows the whole context needs (``"answer"``; the trace runs the first); 1 otherwise.
    truncated : bool
        The text was cut to the model's window (``"classify"``).
    labels : list of str or None
        Class names in index order (``"classify"``).
    function : str or None
        ``"softmax"``, ``"sigmoid"`` or ``"none"``: how logits become scores (``"classify"``).
    prediction : dict or tuple
        The model's own prediction: ``{label: probability}`` (equal to :func:`classify`'s
        scores) or ``(start_logits, end_logits)`` arrays with one value per token.
    lens : list or None
        The model's own head applied to every hidden state: the embeddings' output (the input
        of the first block), then each block's output. Entries have the form of
        ``prediction``; the last one IS ``prediction``. None when the lens cannot be built.
    lens_note : dict of str to str
        ``{"en": ..., "ko": ...}``: what the lens means (earlier entries are a probe the head was
        never trained for), or why there is none.
    elapsed : float
        Seconds spent tokenizing, running and reading the head.
    inputs : ClassifyInputs or QAWindowInputs
        What was fed, as :func:`explorer.heads.classify_inputs` / ``qa_inputs`` built it.
    head_output : numpy.ndarray or tuple
        The head's raw values: the logits (``"classify"``), or ``(start_logits, end_logits)``.
    """

    task: str
    text: str
    context: str | None
    tokens: list[str]
    input_ids: list[int]
    attention_mask: list[int]
    feed: dict
    windows: int
    truncated: bool
    labels: list[str] | None
    function: str | None
    prediction: Any
    lens: list | None
    lens_note: dict[str, str]
    elapsed: float
    inputs: Any
    head_output: Any
    _model: nn.Module
    _rec: Recording
    _cache: dict = field(default_factory=dict)

    def classify_details(self, top_k=None, function_to_apply=None) -> ClassifyDetails:
        """This run as :func:`explorer.classify_details` reports it (``"classify"`` traces).

        The same numbers as ``classify_details(model, tokenizer, text)``: one forward pass
        serves both the prediction and the view of every module.
        """
        if self.task != "classify":
            raise ValueError("classify_details needs a classification trace (no context given)")
        function = function_name(function_to_apply, self._model.config)
        top_k = check_int(top_k, "top_k", minimum=1, allow_none=True)
        began = time.perf_counter() - self.elapsed  # the details report the traced run's time
        return details_from_logits(
            self._model, self.inputs, self.head_output, function, top_k, began
        )

    def __repr__(self) -> str:
        return (
            f"Trace({type(self._model).__name__}, task={self.task!r}, tokens={len(self.tokens)}, "
            f"modules run={len(self.paths)})"
        )

    def _module(self, path: str) -> nn.Module:
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, got {type(path).__name__}")
        module = self._rec.modules.get(path)
        if module is None:
            close = difflib.get_close_matches(path, self._rec.paths, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise KeyError(f"no module {path!r} in {type(self._model).__name__}{hint}")
        return module

    def _call(self, path: str, positions: list[int], call) -> int:
        call = check_int(call, "call", minimum=-len(positions))
        if call >= len(positions):
            raise ValueError(
                f"{path or 'the model'} ran {len(positions)} time(s) in this trace; "
                f"call={call} is out of range"
            )
        return call % len(positions)

    def calls(self, path: str) -> int:
        """How many times the module at ``path`` ran (0: never; ALBERT's shared layer: once per
        layer)."""
        self._module(path)
        return len(self._rec.calls(path))

    @property
    def paths(self) -> list[str]:
        """Paths of the modules that ran, in the order they first finished."""
        seen = dict.fromkeys(self._rec.paths[i] for i, _, _ in self._rec.log)
        return list(seen)

    @property
    def shapes(self) -> dict[str, list[list[int]]]:
        """``{path: [output shape, ...]}`` of each module that ran, at its first call."""
        first: dict[str, list[list[int]]] = {}
        for i, out, _ in self._rec.log:
            path = self._rec.paths[i]
            if path not in first:
                first[path] = shapes_of(out)
        return first

    def output(self, path: str, call: int = 0) -> ModuleOutput:
        """What the module at ``path`` computed.

        Parameters
        ----------
        path : str
            A path of ``model.named_modules()`` (``""`` is the model itself).
        call : int
            Which call of a module that ran several times (from 0; negative counts from the
            end). Default: the first. ``ModuleOutput.calls`` says how many there were.

        Returns
        -------
        ModuleOutput
            ``ran=False`` with a ``note`` when the module did not run; ``tensor=None`` with a
            ``note`` when its output holds no tensor.

        Raises
        ------
        KeyError
            No module at ``path``.
        """
        module = self._module(path)
        positions = self._rec.calls(path)
        if not positions:
            return not_run(path, module)
        index = self._call(path, positions, call)
        if (path, index) not in self._cache:
            _, out, version = self._rec.log[positions[index]]
            tensor = first_tensor(out)
            changed = tensor is not None and version is not None and tensor._version != version
            self._cache[path, index] = describe(
                path, module, out, changed, index, len(positions), len(self.tokens)
            )
        return self._cache[path, index]

    def attention(self, path: str, call: int = 0) -> np.ndarray:
        """Attention weights ``[heads, tokens, tokens]`` of the attention module at ``path``.

        Equal to what transformers returns with eager attention and ``output_attentions=True``
        (float32), also when the model ran SDPA: they are recomputed from the queries and keys
        its own projections produced, with the attention mask. A layer holding one attention
        module may be named instead. ``call`` picks a call as in :meth:`output`.

        Raises
        ------
        KeyError
            No module at ``path``.
        ValueError
            Not an attention module this trace can read (the message says what is missing),
            or it did not run.
        """
        self._module(path)
        spec = attn.layout(self._rec.modules, path)
        queries, keys = self._rec.calls(spec.query), self._rec.calls(spec.key)
        if not queries:
            raise ValueError(f"{path or 'the model'}'s attention did not run for this input")
        if len(queries) != len(keys):
            raise ValueError(
                f"{spec.query} ran {len(queries)} times but {spec.key} {len(keys)} times: "
                "the queries and keys cannot be paired"
            )
        index = self._call(path, queries, call)
        query = first_tensor(self._rec.log[queries[index]][1])
        key = first_tensor(self._rec.log[keys[index]][1])
        return attn.weights(query, key, spec, self.attention_mask)


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
        A ``...ForSequenceClassification`` model, or a ``...ForQuestionAnswering`` one when
        ``context`` is given. It comes back untouched: weights, modes, ``requires_grad``,
        config and attention setting; every hook is removed, also when the forward raises.
    tokenizer : tokenizer
        The model's tokenizer (a fast one for question answering).
    text : str
        The text to classify, or the question.
    context : str or None
        The context of a question: the trace runs :func:`answer`'s first window.
    should_stop : callable or None
        Checked before every module runs; when it returns true the run stops with
        :class:`TraceCancelled` (the model still comes back untouched).
    **answer_kwargs
        Options of :func:`answer` that shape the windows (``max_seq_len``, ``doc_stride``...).

    Returns
    -------
    Trace

    Notes
    -----
    Hooks keep a reference to every module's output until the trace is dropped; statistics are
    computed when asked for. Another thread running the same model meanwhile would be recorded
    too. The shapes :attr:`Trace.shapes` make a separate shape-recording pass unnecessary.
    """
    began = time.perf_counter()
    if should_stop is not None and not callable(should_stop):
        raise TypeError(f"should_stop must be callable, got {type(should_stop).__name__}")
    task = "classify" if context is None else "answer"
    if task == "classify":
        if answer_kwargs:
            raise TypeError(f"{sorted(answer_kwargs)} apply to question answering: pass context")
        inputs = classify_inputs(model, tokenizer, text)
        windows, truncated = 1, inputs.truncated
    else:
        all_windows = qa_inputs(model, tokenizer, text, context, **answer_kwargs).windows
        inputs, windows, truncated = all_windows[0], len(all_windows), False
    if should_stop is not None and should_stop():
        raise TraceCancelled("the trace was cancelled: should_stop() returned True")
    with eval_mode(model, inference=False):
        with recording(model, should_stop) as rec:
            output = model(**inputs.feed)
        own = (classify_logits if task == "classify" else start_end_logits)(model, output)
        try:
            hidden = [rec.stack_input, *rec.stack_outputs()] if rec.stack else []
            lens, why = lens_values(inner_model(model), task, hidden, own), None
        except NoLens as exc:
            lens, why = None, exc
    labels = function = None
    if task == "classify":
        labels = class_labels(model.config, own.shape[0])
        function = function_name(None, model.config)
    shown = _shown(labels, function)
    prediction = shown(own)
    raw = _shown(None, None) if task == "answer" else (lambda t: t.detach().float().cpu().numpy())
    return Trace(
        task=task,
        text=text,
        context=context,
        tokens=inputs.tokens,
        input_ids=inputs.input_ids,
        attention_mask=inputs.attention_mask,
        feed=inputs.feed,
        windows=windows,
        truncated=truncated,
        labels=labels,
        function=function,
        prediction=prediction,
        lens=None if lens is None else [*map(shown, lens[:-1]), prediction],
        lens_note=note(model, why),
        elapsed=time.perf_counter() - began,
        inputs=inputs,
        head_output=raw(own),
        _model=model,
        _rec=rec,
    )


def _shown(labels: list[str] | None, function: str | None) -> Callable:
    """How head values are shown: ``{label: score}`` scored as :func:`classify` does, or
    ``(start_logits, end_logits)`` arrays."""
    if labels is None:
        return lambda pair: tuple(v.detach().float().cpu().numpy() for v in pair)

    def scores(logits) -> dict[str, float]:
        probs = apply_function(function, logits.detach().float().cpu().numpy())
        return dict(zip(labels, probs.tolist(), strict=True))

    return scores
