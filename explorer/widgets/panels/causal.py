"""The live causal-LM panel: the next token's bars as you type, and generation token by token."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import ipywidgets
import torch

from ...export import export_part
from ...figures.causal import token_bars, update_token_bars
from ...heads.causal import NextTokenDetails, next_token_run
from ...heads.causal_inputs import check_causal, check_tokenizer
from ...heads.generation import GenerateDetails, GenerateStep, generate_run, sampling_defaults
from ...model_info import check_runnable, untrained_note, unwrap
from ..plot import PlotWidget
from .base import BUSY_AFTER, LivePanel
from .generation import GenerationControls
from .text_input import TextInput

__all__ = ["CausalPanel", "DEFAULT_PROMPT", "LIVE_TOKENS", "CausalResult"]

DEFAULT_PROMPT = "The capital of France is"
#: Most prompt tokens the live panel reads (the last ones): each keystroke stays one short
#: forward pass, also for models whose window is 100,000 tokens. The functions read it all.
LIVE_TOKENS = 512

WORDS = {
    "en": {
        "placeholder": "Type a prompt: the bars show the likeliest next tokens",
        "empty": "Type a prompt to see its next token.",
        "next_title": "Next token after {n} tokens",
        "step_title": "Step {i} of {n}: {token} was {how} this distribution{extra}",
        "drawn": "drawn from",
        "taken": "the likeliest in",
        "not_top": " (its rank: {rank})",
        "status": "next: {token} {score:.3f} \u00b7 {n} tokens \u00b7 {ms} ms",
        "generating": "generating\u2026 {n} of {most} tokens",
        "generated": "generated {n} tokens ({how}) \u00b7 ended by {why} \u00b7 {ms} ms",
        "eos": "the end-of-sequence token",
        "length": "the new-tokens limit",
        "stopped": "Stop",
        "truncated": "Prompt cut: it is {total:,} tokens long and the panel reads only the last "
        "{kept:,} (next_token() and generate() read up to the model's window).",
        "decoding": "Decoding",
        "decoding_tip": "greedy: always the likeliest token; sampling: drawn from the "
        "distribution (temperature, top-k, top-p), the same seed giving the same tokens",
        "greedy": "greedy",
        "sampling": "sampling",
        "sampled": "sampling: temperature {t:g}, top-k {k}, top-p {p:g}, seed {seed}",
        "temperature": "temperature",
        "top_k": "top-k",
        "top_p": "top-p",
        "seed": "seed",
        "new_tokens": "new tokens",
        "generate": "Generate",
        "stop": "Stop",
        "back": "\u21a9 next token",
        "back_tip": "Show the next token after the prompt",
        "step_tip": "step {i}: {token}, probability {score:.3f} (rank {rank}); click to see the "
        "distribution it was drawn from",
    },
    "ko": {
        "placeholder": "프롬프트를 입력하세요: 막대는 가장 그럴듯한 다음 토큰입니다",
        "empty": "다음 토큰을 보려면 프롬프트를 입력하세요.",
        "next_title": "토큰 {n}개 다음에 올 토큰",
        "step_title": "{n}단계 중 {i}단계: {token}은(는) 이 분포{how}{extra}",
        "drawn": "에서 뽑혔습니다",
        "taken": "에서 가장 그럴듯한 토큰입니다",
        "not_top": " (순위: {rank})",
        "status": "다음: {token} {score:.3f} \u00b7 토큰 {n}개 \u00b7 {ms} ms",
        "generating": "생성 중\u2026 {most}개 중 {n}개",
        "generated": "토큰 {n}개 생성 ({how}) \u00b7 끝난 이유: {why} \u00b7 {ms} ms",
        "eos": "문장 끝 토큰",
        "length": "새 토큰 수 한도",
        "stopped": "중지",
        "truncated": "프롬프트가 잘렸습니다: 토큰 {total:,}개 중 패널은 마지막 {kept:,}개만 "
        "읽습니다 (next_token()과 generate()는 모델의 창 전체를 읽습니다).",
        "decoding": "디코딩",
        "decoding_tip": "그리디: 언제나 가장 그럴듯한 토큰; 샘플링: 분포에서 뽑음(온도, top-k, "
        "top-p), 같은 시드는 같은 토큰",
        "greedy": "그리디",
        "sampling": "샘플링",
        "sampled": "샘플링: 온도 {t:g}, top-k {k}, top-p {p:g}, 시드 {seed}",
        "temperature": "온도",
        "top_k": "top-k",
        "top_p": "top-p",
        "seed": "시드",
        "new_tokens": "새 토큰 수",
        "generate": "생성",
        "stop": "중지",
        "back": "\u21a9 다음 토큰",
        "back_tip": "프롬프트 다음 토큰 보기",
        "step_tip": "{i}단계: {token}, 확률 {score:.3f} (순위 {rank}); 클릭하면 이 토큰이 뽑힌 "
        "분포를 봅니다",
    },
}


@dataclass
class CausalResult:
    """What the panel shows, for its static view: the next token and the last generation."""

    next: NextTokenDetails | None
    generation: GenerateDetails | None

    def summary(self) -> str:
        """Plain text: the next tokens, then the generation's text and tokens."""
        parts = [d.summary() for d in (self.next, self.generation) if d is not None]
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data of both."""
        return {
            "next_token": self.next.to_dict() if self.next is not None else None,
            "generation": self.generation.to_dict() if self.generation is not None else None,
        }


class CausalPanel(TextInput, LivePanel):
    """Type a prompt, see the likeliest next tokens; generate from it, token by token.

    Parameters
    ----------
    model : causal language model or pipeline
        A ``...ForCausalLM`` (``GPT2LMHeadModel``, Llama, Qwen...) or a text-generation pipeline.
    tokenizer : tokenizer, optional
        Required for a module (a pipeline brings its own).
    text : str
        Initial prompt (run at once).
    top_k : int
        Bars shown: the likeliest tokens, and the tokens kept of each generation step.
    max_new_tokens : int
        Where the new-tokens slider starts.
    max_tokens : int
        Most prompt tokens the panel reads (the last ones).

    Attributes
    ----------
    text_box : ipywidgets.Textarea
        The prompt (``continuous_update``: every keystroke runs the model once).
    figure : explorer.widgets.plot.PlotWidget
        The bars: the next token after the prompt, or the distribution a generated token was
        drawn from (that token coloured apart).
    details : NextTokenDetails or None
        The next token shown (None when nothing is).
    generation : GenerateDetails or None
        The last generation for the current prompt (None: none, or the prompt changed).
    controls : GenerationControls
        Decoding settings, Generate / Stop, the generated text and its tokens.
    shown_step : int or None
        The generation step whose distribution the bars show (None: the next token).
    streamed : list of GenerateStep
        The steps of the generation in flight, as they arrived.
    note : ipywidgets.Label
        The truncation note (empty when the prompt fits).
    """

    WORDS = WORDS

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        text: str = DEFAULT_PROMPT,
        top_k: int = 10,
        max_new_tokens: int = 20,
        max_tokens: int = LIVE_TOKENS,
        **kwargs: Any,
    ) -> None:
        model, tokenizer = unwrap(model, tokenizer)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"CausalPanel needs a causal language model, got {type(model).__name__}"
            )
        check_runnable(model, tokenizer)
        check_causal(model, "next_token")
        check_tokenizer(tokenizer, "next_token")
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        for name, value, low in (("top_k", top_k, 1), ("max_new_tokens", max_new_tokens, 1),
                                 ("max_tokens", max_tokens, 2)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
        super().__init__(**kwargs)
        self.model, self.tokenizer = model, tokenizer
        self.top_k, self.max_tokens = top_k, max_tokens
        self.details: NextTokenDetails | None = None
        self.generation: GenerateDetails | None = None
        self.shown_step: int | None = None
        self.streamed: list[GenerateStep] = []
        self._gen_id = 0  # the generation whose tokens may still be shown
        self._gen_began = 0.0
        self._stop_asked = False
        self.text_box = ipywidgets.Textarea(value=text, continuous_update=True, rows=3,
                                            layout=ipywidgets.Layout(width="100%"))  # fmt: skip
        self.text_box.add_class("xp-text")
        self.note = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.note.add_class("xp-note")
        self.figure = PlotWidget(token_bars(""))
        self.controls = GenerationControls(
            sampling_defaults(model), max_new_tokens, self.words, self._generate_clicked,
            self._stop_clicked, self._pick,
        )  # fmt: skip
        self.set_warning(untrained_note(model))
        self.children = (
            self.warning, self.text_box, self.status, self.note, self.figure, self.controls,
            self.shape_line, self.chrome,
        )  # fmt: skip
        self.add_class("xp-causal")
        self._relabel()
        self.text_box.observe(self._text_changed, "value")
        self._start()

    def _relabel(self) -> None:
        self.text_box.placeholder = self.words("placeholder")
        if hasattr(self, "controls"):
            self.controls.relabel()

    # -- the next token (the base class's runner) -------------------------------------------------
    def _inputs(self) -> tuple:
        return ("next", self.text_box.value)

    def _hint(self, inputs: tuple) -> str | None:
        return self.words("empty") if not inputs[1].strip() else None

    def _text_changed(self, change: Any = None) -> None:
        """Typing: the generation in flight (or shown) belonged to the old prompt."""
        self._forget_generation()
        self._changed(change)

    def _compute(self, inputs: tuple, stale) -> tuple[Any, Any]:
        if inputs[0] == "generate":
            return self._generate(inputs, stale), None
        done = next_token_run(
            self.model, self.tokenizer, inputs[1], self.top_k, max_tokens=self.max_tokens,
            traced=True, should_stop=stale, on_forward=self._forward_done,
        )  # fmt: skip
        return done.details, done.trace

    def _show(self, details: NextTokenDetails) -> None:
        self.details = details
        if self.shown_step is None or self._step(self.shown_step) is None:
            self._show_next(details)
        else:
            self._show_step(self.shown_step)
        top = details.results[0] if details.results else None
        if top is not None:
            self._set_status(self.words(
                "status", token=repr(top["token"]), score=top["score"], n=len(details.input_ids),
                ms=f"{details.elapsed * 1000:.0f}",
            ))  # fmt: skip
        self.note.value = (
            self.words("truncated", total=details.num_tokens, kept=len(details.input_ids))
            if details.truncated and details.max_length == self.max_tokens
            else ""
        )
        if self.generation is not None:
            self._show_generation(self.generation)

    def _show_next(self, details: NextTokenDetails) -> None:
        self.shown_step = None
        self.controls.mark(None)
        title = self.words("next_title", n=len(details.input_ids))
        update_token_bars(self.figure, details.results, title)

    def _clear(self, message: str) -> None:
        self.details = None
        self.note.value = ""
        self.shown_step = None
        update_token_bars(self.figure, [], "")
        super()._clear(message)

    # -- generation -------------------------------------------------------------------------------
    def _generate_clicked(self) -> None:
        """Generate from the prompt in the box, on the runner: newest wins, typing cancels it."""
        if self._closed:
            return
        text = self.text_box.value
        hint = self._hint(("generate", text))
        if hint is not None:
            self._set_status(hint, "info")
            return
        self._forget_generation()
        self._stop_asked = False
        self._gen_began = time.perf_counter()
        self.controls.start(text)
        self._runner.submit(
            ("generate", text, self._gen_id, tuple(self.controls.settings().items()))
        )
        if self._loop is not None and self._busy_timer is None:
            self._busy_timer = self._loop.call_later(BUSY_AFTER, self._show_busy)

    def _stop_clicked(self) -> None:
        """End the generation in flight: what it made so far is shown."""
        self._stop_asked = True

    def _forget_generation(self) -> None:
        self._gen_id += 1
        self.generation, self.streamed = None, []
        self.controls.clear()
        if self.shown_step is not None and self.details is not None:
            self._show_next(self.details)
        self.shown_step = None

    def _generate(self, inputs: tuple, stale) -> GenerateDetails:
        """One generation, on the worker thread in a kernel; each token is posted to the view."""
        _, text, gen_id, settings = inputs

        def on_step(step: GenerateStep) -> None:
            if stale():
                return
            if self._loop is not None:
                self._loop.add_callback(self._stream, gen_id, step)
            else:
                self._stream(gen_id, step)

        return generate_run(
            self.model, self.tokenizer, text, **dict(settings), max_prompt_tokens=self.max_tokens,
            keep_top=self.top_k, should_stop=lambda: stale() or self._stop_asked, on_step=on_step,
        ).details  # fmt: skip

    def _stream(self, gen_id: int, step: GenerateStep) -> None:
        """A new token reaches the view (on the kernel's thread), unless its generation is over."""
        if gen_id != self._gen_id or self._closed:
            return
        self.streamed.append(step)
        self.controls.add_step(step)
        ids = [s.token_id for s in self.streamed]
        self.controls.show_text(self.text_box.value, self.tokenizer.decode(ids))
        most = self.controls.max_new_tokens.value
        self._set_status(self.words("generating", n=len(ids), most=most))

    def _deliver(self, inputs: Any, outcome: Any) -> None:
        if inputs[0] != "generate":
            super()._deliver(inputs, outcome)
            return
        self._not_busy()  # the trace and shapes stay those of the prompt's next token
        self.error = None
        if inputs[2] == self._gen_id:
            self._show_generation(outcome[0])

    def _deliver_error(self, inputs: Any, exc: BaseException) -> None:
        if inputs[0] != "generate":
            super()._deliver_error(inputs, exc)
            return
        self._not_busy()  # a failed generation leaves the prompt's next token shown
        self.controls.clear()
        self.error = f"{type(exc).__name__}: {exc}"
        self._set_status(self.error, "bad")

    def _show_generation(self, details: GenerateDetails) -> None:
        self.generation = details
        self.streamed = list(details.steps)
        self.controls.finish(details, details.text)
        s = details.settings
        how = self.words("greedy")
        if s["do_sample"]:
            how = self.words("sampled", t=s["temperature"], k=s["top_k"], p=s["top_p"],
                             seed=s["seed"])  # fmt: skip
        self._set_status(self.words(
            "generated", n=len(details.steps), how=how, why=self.words(details.finish),
            ms=f"{details.elapsed * 1000:.0f}",
        ))  # fmt: skip
        if details.dropped and not self.note.value:
            self.note.value = self.words("truncated", total=details.num_tokens,
                                         kept=len(details.input_ids))  # fmt: skip

    def _step(self, index: int) -> GenerateStep | None:
        steps = self.generation.steps if self.generation is not None else self.streamed
        return steps[index] if 0 <= index < len(steps) else None

    def _pick(self, index: int | None) -> None:
        """A click on a generated token (None: on the next-token button)."""
        if index is None or self._step(index) is None:
            if self.details is not None:
                self._show_next(self.details)
            return
        self._show_step(index)

    def _show_step(self, index: int) -> None:
        """Show the distribution step ``index``'s token was drawn from, that token apart."""
        step = self._step(index)
        self.shown_step = index
        self.controls.mark(index)
        rows = list(step.top)
        chosen = next((i for i, r in enumerate(rows) if r["token_id"] == step.token_id), None)
        extra = ""
        if chosen is None:  # sampled from below the kept top: show it as one more bar
            rows.append({"token": step.token, "token_id": step.token_id, "score": step.score})
            chosen, extra = len(rows) - 1, self.words("not_top", rank=step.rank)
        total = len(self.generation.steps) if self.generation is not None else len(self.streamed)
        sampled = self.generation is not None and self.generation.settings.get("do_sample")
        title = self.words(
            "step_title", i=index + 1, n=total, token=repr(step.token),
            how=self.words("drawn" if sampled else "taken"), extra=extra,
        )  # fmt: skip
        update_token_bars(self.figure, rows, title, chosen=chosen)

    def result_json(self) -> str:
        """The last results as JSON text (what "Copy as JSON" copies): ``{"next_token": ...,
        "generation": ...}`` (None where there is none); ValueError when neither is shown."""
        if self.details is None and self.generation is None:
            raise ValueError(self.words("nothing_to_copy"))
        data = CausalResult(self.details, self.generation).to_dict()
        return json.dumps(data, ensure_ascii=False, indent=1)

    def export_part(self) -> dict[str, Any] | None:
        """The static view: the bars shown and, as text, the next token and the generation."""
        result = CausalResult(self.details, self.generation)
        return export_part(self.figure, result if result.summary() else None)

    def _owned(self):
        return (*super()._owned(), self.text_box, self.note, self.figure, self.controls)
