"""The one run seam: every live forward pass of a model goes through :func:`run`."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..model_info import check_weights, modules
from ..placement import dispatched
from .attention import capture_attention
from .record import Recording, TraceCancelled, first_tensor, recording

__all__ = ["Run", "run", "eval_mode", "Generated", "run_generate"]


@contextlib.contextmanager
def eval_mode(model: nn.Module, *, inference: bool = True):
    """Run with every submodule in eval mode, restoring each module's own flag afterwards.

    Gradients are off: ``torch.inference_mode`` by default, ``torch.no_grad`` with
    ``inference=False`` (tensors then keep their version counters, which a trace reads) and for
    a model accelerate placed (its hooks put new parameters in the model on every forward pass;
    made under inference mode they would stay inference tensors, which cannot train).
    """
    # Only the modules in training mode change, and through object.__setattr__: Module's own
    # __setattr__ costs ~10 us a call, ~3 ms a run for 100 modules set and restored.
    training = [m for m in modules(model) if m.training]
    inference = inference and not dispatched(model)
    try:
        for module in training:
            object.__setattr__(module, "training", False)
        with torch.inference_mode() if inference else torch.no_grad():
            yield
    finally:
        for module in training:
            object.__setattr__(module, "training", True)


@dataclass(repr=False, eq=False)
class Run:
    """What :func:`run` did: the model's output for each feed, and the traced feed's record.

    Attributes
    ----------
    outputs : list
        The model's output for each feed, in order.
    recording : Recording or None
        What every module computed in the traced feed (None when none was traced).
    traced : int or None
        Index of the traced feed.
    """

    outputs: list[Any]
    recording: Recording | None
    traced: int | None


def _stop_check(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise TraceCancelled("the run was cancelled: should_stop() returned True")


def run(
    model: nn.Module,
    feeds: Sequence[dict],
    *,
    trace: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_forward: Callable[[], Any] | None = None,
) -> Run:
    """Run ``model(**feed)`` once per feed, in eval mode and without gradients.

    The only place a task head, a panel or a trace calls a model. The model comes back
    untouched: each module's ``training`` flag is restored and every hook is removed, also when
    a forward pass raises or is cancelled.

    Parameters
    ----------
    model : torch.nn.Module
        The model (its weights, modes, grads, device and dtype are kept).
    feeds : sequence of dict
        Keyword arguments of each forward pass (one per window of a long input).
    trace : int or None
        Index of the feed to record (every module's output, the stack's hidden states, the
        attention calls: see :mod:`explorer.trace.capture`); None
        records nothing and runs under ``torch.inference_mode``, with no hook at all.
    should_stop : callable or None
        Checked before each forward pass and, in the traced one, before every module runs;
        when it returns True the run stops with :class:`~explorer.trace.TraceCancelled`.
    on_forward : callable or None
        Called after each completed forward pass (a panel counts them).

    Returns
    -------
    Run
    """
    if should_stop is not None and not callable(should_stop):
        raise TypeError(f"should_stop must be callable, got {type(should_stop).__name__}")
    outputs: list[Any] = []
    rec: Recording | None = None
    with eval_mode(model, inference=trace is None):
        for i, feed in enumerate(feeds):
            _stop_check(should_stop)
            try:
                if i == trace:
                    mask = feed.get("attention_mask")
                    with (
                        recording(model, should_stop) as rec,
                        capture_attention(model, mask) as rec.attention,
                    ):
                        output = model(**feed)
                else:
                    output = model(**feed)
            except TraceCancelled:
                raise
            except Exception:
                check_weights(model)  # a model without weights: say so, not torch's riddle
                raise
            tensor = first_tensor(output)
            if tensor is not None and tensor.is_meta:
                check_weights(model)
            outputs.append(output)
            if on_forward is not None:
                on_forward()
    return Run(outputs, rec, trace)


@dataclass(repr=False, eq=False)
class Generated:
    """What :func:`run_generate` did: the ids ``model.generate`` returned, and why it ended.

    Attributes
    ----------
    sequence : list of int
        The prompt's ids followed by the new ones (``generate``'s one output row).
    new_ids : list of int
        The new ids only.
    scores : list of torch.Tensor
        For each new token, the scores it was chosen from (``[vocab]`` float32, after the
        logits processors: temperature, top-k, top-p...; a softmax of them is the distribution
        the token was drawn from, or whose largest value greedy decoding took).
    stopped : bool
        True when ``should_stop()`` ended the generation early.
    """

    sequence: list[int]
    new_ids: list[int]
    scores: list[Any] = field(default_factory=list)
    stopped: bool = False


_WATCH: list[type] = []  # the StoppingCriteria class and its list, made on first use


def _watch_class() -> tuple[type, type]:
    """A transformers ``StoppingCriteria`` that reports each new token and stops on request
    (and ``StoppingCriteriaList``): made on first use, as transformers is heavy to import."""
    if not _WATCH:
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Watch(StoppingCriteria):
            def __init__(self, prompt: int, should_stop, on_token) -> None:
                self.prompt, self.should_stop, self.on_token = prompt, should_stop, on_token
                self.scores: list[torch.Tensor] = []
                self.stopped = False

            def __call__(self, input_ids, scores, **kwargs):
                if input_ids.shape[0] == 1 and scores:  # one sequence: greedy or sampling
                    step = scores[-1][0]
                    self.scores.append(step)
                    if self.on_token is not None:
                        self.on_token(int(input_ids[0, -1]), step)
                stop = self.should_stop is not None and bool(self.should_stop())
                self.stopped = self.stopped or stop
                return torch.full((input_ids.shape[0],), stop, dtype=torch.bool,
                                  device=input_ids.device)  # fmt: skip

        _WATCH.extend((Watch, StoppingCriteriaList))
    return _WATCH[0], _WATCH[1]


@contextlib.contextmanager
def _seeded(seed: int | None, device: torch.device):
    """Seed torch's generator for the block (``seed`` None: as it is), restoring it afterwards."""
    if seed is None:
        yield
        return
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def _kept_generation_config(model: nn.Module):
    """Give the model back its own ``generation_config``, as it was, whatever ``generate`` did."""
    own = getattr(model, "generation_config", None)
    state = copy.deepcopy(own.__dict__) if own is not None else None
    try:
        yield
    finally:
        if own is not None:
            if own.__dict__ != state:
                own.__dict__.clear()
                own.__dict__.update(state)
            if model.generation_config is not own:
                model.generation_config = own


def run_generate(
    model: nn.Module,
    feed: dict,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_token: Callable[[int, torch.Tensor], Any] | None = None,
    seed: int | None = None,
    **generate_kwargs: Any,
) -> Generated:
    """Generate with ``model.generate(**feed, **generate_kwargs)``: the run seam's entry for
    generation, which calls the model once per new token.

    In eval mode and without gradients, like :func:`run`; the model comes back untouched (its
    modules' ``training`` flags and its ``generation_config`` as they were). One sequence.

    Parameters
    ----------
    model : transformers model that can generate
        The model (its weights, modes, grads, device, dtype and generation config are kept).
    feed : dict
        ``input_ids`` (``[1, n]``) and ``attention_mask``, as ``generate`` takes them.
    should_stop : callable or None
        Checked before generating (True: :class:`~explorer.trace.TraceCancelled`, nothing
        runs) and after each new token (True: the generation ends there, ``stopped=True``).
    on_token : callable or None
        ``on_token(token_id, scores)`` after each new token, with the scores it was chosen
        from (see :attr:`Generated.scores`); a live panel streams the tokens from it.
    seed : int or None
        Seeds torch's random generator for this generation only (the caller's random state is
        restored afterwards): sampling with the same seed gives the same tokens, as
        ``torch.manual_seed(seed)`` before ``pipeline(...)`` does. None uses it as it is.
    **generate_kwargs
        Passed to ``model.generate`` (``max_new_tokens``, ``do_sample``, ``temperature``...).

    Returns
    -------
    Generated
    """
    for name, value in (("should_stop", should_stop), ("on_token", on_token)):
        if value is not None and not callable(value):
            raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    _stop_check(should_stop)
    prompt = int(feed["input_ids"].shape[-1])
    watch_class, criteria = _watch_class()
    watch = watch_class(prompt, should_stop, on_token)
    kwargs = dict(generate_kwargs, output_scores=True, return_dict_in_generate=True)
    kwargs["stopping_criteria"] = criteria([watch])
    device = feed["input_ids"].device
    with _kept_generation_config(model), eval_mode(model), _seeded(seed, device):
        out = model.generate(**feed, **kwargs)
    sequences = getattr(out, "sequences", out)
    sequence = sequences[0].tolist()
    return Generated(sequence, sequence[prompt:], watch.scores, watch.stopped)
