"""One traced run of a text model: the exact input, what each module computed, attention, lens."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from ..args import check_int
from ..model_info import inner_model
from . import attention as attn
from .attention_info import AttentionInfo, attention_info
from .capture import AttentionCapture
from .lens import NoLens, lens_values, note
from .outputs import ModuleOutput, describe, not_run, shapes_of
from .record import Recording, first_tensor, nonfinite_warnings
from .run import eval_mode

__all__ = ["Trace", "build_trace"]


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
        Computed when first read (a run shows it only when asked).
    lens_note : dict of str to str
        ``{"en": ..., "ko": ...}``: what the lens means (earlier entries are a probe the head was
        never trained for), or why there is none.
    elapsed : float
        Seconds spent tokenizing, running and reading the head.
    inputs : ClassifyInputs or QAWindowInputs
        What was fed, as :func:`explorer.heads.classify_inputs` / ``qa_inputs`` built it.
    head_output : numpy.ndarray or tuple
        The head's raw values: the logits (``"classify"``), or ``(start_logits, end_logits)``.
    warnings : list of str
        Plain sentences about what went wrong in the run, e.g. the first module whose output
        holds NaN or inf, in forward order (empty when nothing did).
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
    elapsed: float
    inputs: Any
    head_output: Any
    warnings: list[str]
    _model: nn.Module
    _rec: Recording
    _own: Any = None  # the head's value on the last hidden state, as the model computed it
    _shown: Callable | None = None  # head value -> what ``prediction`` holds
    _details: Callable | None = None  # (top_k, function_to_apply) -> ClassifyDetails
    _cache: dict = field(default_factory=dict)

    def classify_details(self, top_k=None, function_to_apply=None) -> Any:
        """This run as :func:`explorer.classify_details` reports it (``"classify"`` traces).

        The same numbers as ``classify_details(model, tokenizer, text)``: one forward pass
        serves both the prediction and the view of every module.
        """
        if self.task != "classify" or self._details is None:
            raise ValueError("classify_details needs a classification trace (no context given)")
        return self._details(top_k, function_to_apply)

    def _lens(self) -> tuple[list | None, dict[str, str]]:
        """``(lens, note)``, computed on first use, in eval mode without gradients."""
        if "lens" not in self._cache:
            rec, model = self._rec, self._model
            try:
                hidden = [rec.stack_input, *rec.stack_outputs()] if rec.stack else []
                with eval_mode(model, inference=False):
                    inner = inner_model(model)
                    values = lens_values(inner, self.task, hidden, self._own, self.feed)
                lens = [*map(self._shown, values[:-1]), self.prediction]
                self._cache["lens"] = (lens, note(model, None))
            except NoLens as exc:
                self._cache["lens"] = (None, note(model, exc))
        return self._cache["lens"]

    @property
    def lens(self) -> list | None:
        return self._lens()[0]

    @property
    def lens_note(self) -> dict[str, str]:
        return self._lens()[1]

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
        """Attention weights ``[query heads, tokens, tokens]`` of the attention module at ``path``.

        Equal to what transformers returns with eager attention and ``output_attentions=True``
        (float32), also when the model ran SDPA: they are recomputed from the queries and keys
        its own attention function was given (rotary positions and norms applied), with its
        mask, scaling and window. Under eager attention they are the ones eager formed. A layer
        holding one attention module may be named instead. ``call`` picks a call as in
        :meth:`output`. :meth:`attention_info` says how the layer attends.

        Raises
        ------
        KeyError
            No module at ``path``.
        ValueError
            Not attention this trace can read (the message names the family and what is
            missing), or it did not run.
        """
        captured, target, index = self._attention_call(path, call)
        found = captured.calls[target][index]
        kind = captured.kinds[target]
        return attn.weights(found, kind, captured.family, captured.mask).numpy()

    def attention_info(self, path: str, call: int = 0) -> AttentionInfo:
        """How the attention module at ``path`` attends in this run (see :class:`AttentionInfo`):
        position scheme, head grouping, causal or not, window, softcap, padding, and the
        ``allowed[query, key]`` cells it really used. Raises as :meth:`attention` does."""
        captured, target, index = self._attention_call(path, call)
        return attention_info(captured, target, index, lambda: self.attention(target, index))

    def _attention_call(self, path: str, call) -> tuple[AttentionCapture, str, int]:
        self._module(path)
        captured: AttentionCapture | None = self._rec.attention
        if captured is None:
            raise ValueError("this trace's run captured no attention (it was not run by trace.run)")
        target = attn.find_attention(self._rec.modules, path, captured.family)
        calls = captured.calls.get(target, [])
        if not calls:
            raise ValueError(f"{target or 'the model'}'s attention did not run for this input")
        return captured, target, self._call(target, calls, call)


def build_trace(
    model: nn.Module,
    rec: Recording,
    *,
    task: str,
    inputs: Any,
    own: Any,
    shown: Callable,
    raw: Any,
    text: str,
    context: str | None = None,
    windows: int = 1,
    truncated: bool = False,
    labels: list[str] | None = None,
    function: str | None = None,
    elapsed: float = 0.0,
    details: Callable | None = None,
) -> Trace:
    """The :class:`Trace` of one recorded forward pass (a head's traced run builds it).

    Parameters
    ----------
    model, rec
        The model and what :func:`explorer.trace.run.run` recorded of the pass.
    task
        The head: ``"classify"`` or ``"answer"``.
    inputs
        What was fed (the head's inputs object: ``tokens``, ``input_ids``, ``attention_mask``,
        ``feed``).
    own, shown, raw
        The head's value as the model computed it (tensors), how such a value is shown
        (``prediction`` and every lens entry), and the raw numbers for ``head_output``.
    text, context, windows, truncated, labels, function, elapsed, details
        As the :class:`Trace` attributes; ``details(top_k, function_to_apply)`` serves
        :meth:`Trace.classify_details`.
    """
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
        prediction=shown(own),
        elapsed=elapsed,
        inputs=inputs,
        head_output=raw,
        warnings=nonfinite_warnings(rec, own),
        _model=model,
        _rec=rec,
        _own=own,
        _shown=shown,
        _details=details,
    )
