"""Text generation equal to transformers' text-generation pipeline, one token at a time: each
new token with the distribution it was drawn from."""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..args import check_int, check_text
from ..trace.run import run_generate
from .causal import ranked_tokens, token_texts
from .causal_inputs import (
    causal_inputs,
    check_causal,
    check_tokenizer,
    model_positions,
    pipeline_major,
)
from .checks import HeadRun, check_model

__all__ = [
    "GenerateDetails",
    "GenerateStep",
    "generate",
    "generate_details",
    "generate_run",
    "sampling_defaults",
    "PIPELINE_TEMPERATURE",
]

#: The temperature the text-generation pipeline samples with when the model's generation
#: config sets none (its ``_default_generation_config``, transformers 4.57 and 5).
PIPELINE_TEMPERATURE = 0.7
#: What ``generate`` samples with when neither the call nor the model's config says (its
#: global defaults, transformers 4.57 and 5).
GENERATE_DEFAULTS = {"temperature": 1.0, "top_k": 50, "top_p": 1.0}
_SAMPLING = ("temperature", "top_k", "top_p")


@dataclass
class GenerateStep:
    """One generated token and the distribution it was drawn from.

    Attributes
    ----------
    index : int
        The step, from 0.
    token : str
        The token decoded on its own (``" the"``).
    token_id : int
        Its id.
    score : float
        Its probability in the distribution it was drawn from (after temperature, top-k and
        top-p when sampling; greedy decoding took the largest).
    rank : int
        Its rank in that distribution (1: the likeliest).
    top : list of dict
        That distribution's likeliest tokens, ``{"token", "token_id", "score"}`` best first.
    """

    index: int
    token: str
    token_id: int
    score: float
    rank: int
    top: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data of this step."""
        return {
            "index": self.index, "token": self.token, "token_id": self.token_id,
            "score": self.score, "rank": self.rank, "top": [dict(r) for r in self.top],
        }  # fmt: skip


@dataclass
class GenerateDetails:
    """One generation: the text :func:`generate` returns and every step that made it.

    Attributes
    ----------
    text : str
        The prompt.
    generated_text : str
        What :func:`generate` returns as ``generated_text`` (the prompt and the new text, or
        only the new text with ``return_full_text=False``).
    new_text : str
        The new text alone, decoded as the pipeline decodes it.
    steps : list of GenerateStep
        One per new token (none with ``keep_top=None``, or for a model whose generation config
        asks for beam search).
    new_ids : list of int
        The generated token ids.
    finish : {"eos", "length", "stopped"}
        Why it ended: the end-of-sequence token, ``max_new_tokens``, or ``should_stop``.
    settings : dict
        ``max_new_tokens``, ``do_sample`` and, when sampling, the ``temperature``, ``top_k``,
        ``top_p`` and ``seed`` used.
    tokens, input_ids : list
        What the model read as the prompt.
    num_tokens, dropped : int
        Tokens of the whole prompt, and how many were cut from its start to fit.
    elapsed : float
        Seconds spent tokenizing and generating.
    """

    text: str
    generated_text: str
    new_text: str
    steps: list[GenerateStep]
    finish: str
    settings: dict
    new_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    input_ids: list[int] = field(default_factory=list)
    num_tokens: int = 0
    dropped: int = 0
    elapsed: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data: prompt, settings, the text made and each step's distribution."""
        return {
            "task": "text-generation",
            "text": self.text,
            "generated_text": self.generated_text,
            "new_text": self.new_text,
            "finish": self.finish,
            "settings": dict(self.settings),
            "new_ids": list(self.new_ids),
            "tokens": list(self.tokens),
            "input_ids": list(self.input_ids),
            "num_tokens": self.num_tokens,
            "dropped": self.dropped,
            "steps": [step.to_dict() for step in self.steps],
            "elapsed": self.elapsed,
        }

    def summary(self) -> str:
        """Plain text for exported pages: prompt, settings, the new text and its tokens."""
        s = self.settings
        how = "greedy"
        if s.get("do_sample"):
            how = (f"sampling (temperature {s['temperature']}, top-k {s['top_k']}, top-p "
                   f"{s['top_p']}, seed {s['seed']})")  # fmt: skip
        why = {"eos": "the end-of-sequence token", "length": "max_new_tokens",
               "stopped": "stopped by the user"}[self.finish]  # fmt: skip
        lines = [
            f"Prompt: {self.text if len(self.text) <= 600 else self.text[:600] + chr(0x2026)}",
            f"Generated {len(self.new_ids)} tokens, {how}; ended by {why}:",
            self.new_text,
            "Tokens: " + " | ".join(
                f"{step.token!r} {step.score:.3f}" for step in self.steps[:200]
            ),
        ]  # fmt: skip
        return "\n".join(lines)


def _check_float(value, name: str, low: float, high: float | None, low_open: bool = True):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if (value <= low if low_open else value < low) or (high is not None and value > high):
        bounds = f"{'>' if low_open else '>='} {low}" + (f" and <= {high}" if high else "")
        raise ValueError(f"{name} must be {bounds}, got {value!r}")
    return float(value)


def sampling_defaults(model) -> dict[str, Any]:
    """The ``temperature``, ``top_k`` and ``top_p`` the pipeline samples ``model`` with when
    the call sets none: the model's generation config's, and the pipeline's temperature 0.7
    when that config sets none."""
    from transformers import GenerationConfig

    own = getattr(model, "generation_config", None)
    base = GenerationConfig()  # transformers 5 leaves unset values None, 4 has the defaults
    found = {k: getattr(own, k, None) for k in GENERATE_DEFAULTS}
    if found["temperature"] is None or found["temperature"] == base.temperature:
        found["temperature"] = PIPELINE_TEMPERATURE  # the pipeline's own default
    return {k: GENERATE_DEFAULTS[k] if v is None else v for k, v in found.items()}


def _pipeline_text(tokenizer, inputs, sequence: list[int], full: bool) -> tuple[str, str]:
    """``(generated_text, new_text)`` decoded as the installed transformers' pipeline does."""
    skip = not getattr(tokenizer, "response_template", None)
    prompt = len(inputs.input_ids)
    if pipeline_major() >= 5:  # decodes the new tokens alone, the tokenizer's clean-up
        new = tokenizer.decode(sequence[prompt:], skip_special_tokens=skip)
    else:  # 4.x decodes all, cleaned up, and cuts the decoded prompt's length
        whole = tokenizer.decode(sequence, skip_special_tokens=True,
                                 clean_up_tokenization_spaces=True)  # fmt: skip
        cut = tokenizer.decode(sequence[:prompt], skip_special_tokens=True,
                               clean_up_tokenization_spaces=True)  # fmt: skip
        new = whole[len(cut) :]
    return (inputs.text + new if full else new), new


def _settings(model, max_new_tokens, do_sample, temperature, top_k, top_p, seed) -> dict:
    """Checked settings: what ``generate`` gets, and what the details report."""
    max_new_tokens = check_int(max_new_tokens, "max_new_tokens", minimum=1)
    if not isinstance(do_sample, bool):
        raise TypeError(f"do_sample must be True or False, got {do_sample!r}")
    temperature = _check_float(temperature, "temperature", 0.0, None)
    top_k = check_int(top_k, "top_k", minimum=0, allow_none=True)
    top_p = _check_float(top_p, "top_p", 0.0, 1.0)
    seed = check_int(seed, "seed", minimum=0, allow_none=True)
    given = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
    if not do_sample:
        named = [name for name in _SAMPLING if given[name] is not None]
        if named or seed is not None:
            names = ", ".join(named + (["seed"] if seed is not None else []))
            raise ValueError(
                f"{names} apply only when sampling: pass do_sample=True (greedy decoding "
                "always takes the likeliest token)"
            )
        return {"max_new_tokens": max_new_tokens, "do_sample": False}
    shown = {k: v if v is not None else sampling_defaults(model)[k] for k, v in given.items()}
    return {"max_new_tokens": max_new_tokens, "do_sample": True, **shown, "seed": seed}


def _generate_kwargs(model, tokenizer, settings: dict) -> dict:
    """What ``model.generate`` gets, as the pipeline would pass it."""
    kwargs = {"max_new_tokens": settings["max_new_tokens"], "do_sample": settings["do_sample"]}
    if settings["do_sample"]:
        kwargs.update({k: settings[k] for k in _SAMPLING})
    own = getattr(model, "generation_config", None)
    pad = getattr(tokenizer, "pad_token_id", None)
    if pad is not None and getattr(own, "pad_token_id", None) is None:
        kwargs["pad_token_id"] = pad  # as the pipeline adds it
    elif getattr(own, "pad_token_id", None) is None:
        eos = getattr(own, "eos_token_id", None)
        eos = eos[0] if isinstance(eos, (list, tuple)) and eos else eos
        if isinstance(eos, int):
            kwargs["pad_token_id"] = eos  # what generate() falls back to, without its warning
    return kwargs


def _eos_ids(model) -> set[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    eos = eos if isinstance(eos, (list, tuple)) else [eos]
    return {int(e) for e in eos if isinstance(e, int)}


def generate_run(
    model,
    tokenizer,
    text,
    max_new_tokens: int = 20,
    *,
    do_sample: bool = False,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    return_full_text: bool = True,
    handle_long_generation: str | None = None,
    add_special_tokens: bool | None = None,
    max_prompt_tokens: int | None = None,
    keep_top: int | None = 10,
    should_stop: Callable[[], bool] | None = None,
    on_step: Callable[[GenerateStep], Any] | None = None,
) -> HeadRun:
    """Generate from ``text``, keeping each step's distribution; see :func:`generate`.

    Parameters
    ----------
    model, tokenizer, text, max_new_tokens, do_sample, temperature, top_k, top_p, seed
        See :func:`generate`.
    return_full_text, handle_long_generation, add_special_tokens
        See :func:`generate`.
    max_prompt_tokens : int or None
        Read at most the last this-many tokens of the prompt (a live panel's limit).
    keep_top : int or None
        Likeliest tokens kept of each step's distribution (:attr:`GenerateStep.top`); None
        keeps no steps at all (``steps`` empty: what :func:`generate` needs).
    should_stop : callable or None
        Checked after each new token: True ends the generation there (``finish="stopped"``).
    on_step : callable or None
        ``on_step(GenerateStep)`` as each token is made (a panel streams them).

    Returns
    -------
    HeadRun
        ``details`` (:class:`GenerateDetails`); no trace.
    """
    began = time.perf_counter()
    check_text(text, "text")
    check_model(model, tokenizer, "generate")
    check_causal(model, "generate")
    check_tokenizer(tokenizer, "generate")
    settings = _settings(model, max_new_tokens, do_sample, temperature, top_k, top_p, seed)
    for name, value in (("return_full_text", return_full_text),):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    if handle_long_generation not in (None, "hole"):
        raise ValueError(
            f"handle_long_generation must be None or 'hole', got {handle_long_generation!r}"
        )
    keep_top = check_int(keep_top, "keep_top", minimum=1, allow_none=True)
    max_prompt_tokens = check_int(max_prompt_tokens, "max_prompt_tokens", minimum=1,
                                  allow_none=True)  # fmt: skip
    new = settings["max_new_tokens"]
    keep = _prompt_limit(model, tokenizer, text, new, handle_long_generation, max_prompt_tokens)
    inputs = causal_inputs(model, tokenizer, text, keep=keep, generation=True,
                           add_special_tokens=add_special_tokens)  # fmt: skip
    _check_room(model, len(inputs.input_ids), new)
    steps: list[GenerateStep] = []

    def on_token(token_id: int, scores: torch.Tensor) -> None:
        probs = torch.softmax(scores.float(), dim=-1)
        score = probs[token_id].item()
        step = GenerateStep(
            index=len(steps), token=token_texts(tokenizer, [token_id])[0], token_id=token_id,
            score=score, rank=int((probs > score).sum().item()) + 1,
            top=ranked_tokens(tokenizer, probs, keep_top) if keep_top is not None else [],
        )  # fmt: skip
        steps.append(step)
        if on_step is not None:
            on_step(step)

    made = run_generate(
        model, inputs.feed, should_stop=should_stop, seed=settings.get("seed"),
        on_token=on_token if keep_top is not None or on_step is not None else None,
        **_generate_kwargs(model, tokenizer, settings),
    )  # fmt: skip
    generated, new_text = _pipeline_text(tokenizer, inputs, made.sequence, return_full_text)
    finish = "stopped" if made.stopped else "length"
    if made.new_ids and made.new_ids[-1] in _eos_ids(model) and not made.stopped:
        finish = "eos"
    details = GenerateDetails(
        text=text, generated_text=generated, new_text=new_text, steps=steps, finish=finish,
        settings=settings, new_ids=made.new_ids, tokens=inputs.tokens, input_ids=inputs.input_ids,
        num_tokens=inputs.num_tokens, dropped=inputs.dropped,
        elapsed=time.perf_counter() - began,
    )  # fmt: skip
    return HeadRun(details)


def _prompt_limit(model, tokenizer, text, new: int, handle, max_prompt_tokens) -> int | None:
    """The most prompt tokens to read: the pipeline's "hole" rule, or a panel's limit."""
    limits = []
    if max_prompt_tokens is not None:
        positions = model_positions(model)
        limits.append(max_prompt_tokens)
        if positions is not None:
            limits.append(positions - new)
    if handle == "hole":  # the pipeline's rule, on the tokenizer's model_max_length
        most = getattr(tokenizer, "model_max_length", None)
        if isinstance(most, int):
            limits.append(most - new)
    if not limits:
        return None
    keep = min(limits)
    if keep <= 0:
        raise ValueError(
            f"max_new_tokens={new} leaves no room for the prompt in the model's window: ask "
            "for fewer new tokens"
        )
    return keep


def _check_room(model, prompt: int, new: int) -> None:
    """ValueError when the prompt and the new tokens do not fit in the model's positions."""
    positions = model_positions(model)
    if positions is not None and prompt + new > positions:
        raise ValueError(
            f"the prompt is {prompt:,} tokens and max_new_tokens={new}: together they pass "
            f"{type(model).__name__}'s window of {positions:,} positions. Shorten the prompt, "
            "ask for fewer tokens, or pass handle_long_generation='hole' (keeps the prompt's "
            "last tokens)"
        )


def generate_details(model, tokenizer, text, max_new_tokens: int = 20, **kwargs) -> GenerateDetails:
    """:func:`generate` with every step kept: :class:`GenerateDetails` (see :func:`generate_run`)."""
    return generate_run(model, tokenizer, text, max_new_tokens, **kwargs).details


def generate(
    model,
    tokenizer,
    text,
    max_new_tokens: int = 20,
    *,
    do_sample: bool = False,
    temperature: float | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    return_full_text: bool = True,
    handle_long_generation: str | None = None,
    add_special_tokens: bool | None = None,
) -> list[dict]:
    """Continue ``text``: what ``pipeline("text-generation")`` returns for the same arguments.

    Greedy by default (the pipeline samples by default: pass ``do_sample`` to both to compare).

    Parameters
    ----------
    model : causal language model
        A ``...ForCausalLM`` (GPT-2's ``GPT2LMHeadModel``, Llama, Qwen...). It comes back
        untouched, its ``generation_config`` included.
    tokenizer : tokenizer
        The model's tokenizer.
    text : str
        The prompt.
    max_new_tokens : int
        Most tokens to add (fewer when the model ends the text).
    do_sample : bool
        Sample each token from the model's distribution instead of taking the likeliest.
    temperature, top_k, top_p : number or None
        Sampling settings (only with ``do_sample``). None takes the model's generation config's,
        and for the temperature the pipeline's 0.7 when that sets none.
    seed : int or None
        Makes sampling reproducible: the same tokens as ``torch.manual_seed(seed)`` before the
        pipeline gives; the caller's random state is left as it was. None draws from torch's
        current random state.
    return_full_text : bool
        Return the prompt followed by the new text (True), or the new text alone.
    handle_long_generation : {None, "hole"}
        As the pipeline's: "hole" keeps the last tokens of a prompt too long to leave room
        for ``max_new_tokens``; None raises ValueError for a prompt past the model's window.
    add_special_tokens : bool or None
        As the pipeline's (None: the tokenizer's default).

    Returns
    -------
    list of dict
        ``[{"generated_text": str}]``.
    """
    details = generate_details(
        model, tokenizer, text, max_new_tokens, do_sample=do_sample, temperature=temperature,
        top_k=top_k, top_p=top_p, seed=seed, return_full_text=return_full_text,
        handle_long_generation=handle_long_generation, add_special_tokens=add_special_tokens,
        keep_top=None,  # the text only: no step's distribution is read
    )  # fmt: skip
    return [{"generated_text": details.generated_text}]
