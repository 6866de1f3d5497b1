"""The live fill-mask panel: a masked LM's guesses for each mask token of the typed text."""

from __future__ import annotations

from typing import Any, ClassVar

import ipywidgets
import torch

from ...figures.fill_mask import MAX_MASKS_SHOWN, mask_bars, update_mask_bars
from ...heads.fill_mask import FillMaskDetails, fill_mask_run
from ...heads.fill_mask_inputs import check_masked_lm, mask_token
from ...model_info import check_runnable, untrained_note, unwrap
from ..options import check_options
from ..plot import PlotWidget
from .base import LivePanel, text_html
from .text_input import TextInput

__all__ = ["FillMaskPanel", "default_text"]


def default_text(mask: str) -> str:
    """The panel's first text, with the tokenizer's own mask token."""
    return f"Paris is the {mask} of France."


class FillMaskPanel(TextInput, LivePanel):
    """Type a text with mask tokens; see the model's likeliest tokens for each mask.

    Parameters
    ----------
    model : masked language model or pipeline
        A ``...ForMaskedLM`` module (or a fill-mask pipeline).
    tokenizer : tokenizer
        The model's tokenizer: its own mask token (``tokenizer.mask_token``) marks the gaps and
        is shown in the box's placeholder and hint.
    text : str or None
        Initial text (run at once); None: a sentence with one mask.
    top_k : int
        Initial number of guesses per mask (the ``top_k`` slider, 1 to 20).
    targets : str or list of str, optional
        Score only these tokens (see :func:`explorer.fill_mask`).

    Attributes
    ----------
    mask : str
        The tokenizer's mask token (``"[MASK]"``, ``"<mask>"``...).
    text_box : ipywidgets.Textarea
        The input (``continuous_update``: every keystroke reaches the kernel).
    hint : ipywidgets.HTML
        How to write a gap with this tokenizer's mask token (escaped text that wraps).
    top_k : ipywidgets.IntSlider
        Guesses per mask.
    figure : explorer.widgets.plot.PlotWidget
        One bar chart per mask (the first :data:`~explorer.figures.fill_mask.MAX_MASKS_SHOWN`).
    details : FillMaskDetails or None
        What is shown (None when nothing is).
    note : ipywidgets.Label
        What was cut from a long text (empty when it fits).
    """

    WORDS: ClassVar[dict[str, dict[str, str]]] = {
        "en": {
            "placeholder": "Type a text with {mask} where a word is missing",
            "hint": "Write {mask} (this tokenizer's mask token) where a word is missing; "
            "several masks are each guessed on their own.",
            "top_k": "top k",
            "empty": "Type a text with {mask} where a word is missing.",
            "no_mask": "No {mask} in the text: write {mask} where a word is missing. The Inside "
            "tab shows what the model guesses at every token meanwhile.",
            "best": "{mask} {n} \u2192 {token} {score:.3f}",
            "masks": "{n} masks",
            "more": "showing {shown} of {n} masks",
            "tokens": "{n} tokens",
            "cut": "Text truncated: it is {n:,} tokens long and the model reads only the first "
            "{limit:,}.",
            "cut_masks": " {lost} of its {masks} {mask} tokens are past the cut and not guessed.",
        },
        "ko": {
            "placeholder": "단어가 빠진 자리에 {mask}를 넣어 텍스트를 입력하세요",
            "hint": "단어가 빠진 자리에 {mask}(이 토크나이저의 마스크 토큰)를 쓰세요. "
            "마스크가 여럿이면 각각 따로 추측합니다.",
            "top_k": "상위 k",
            "empty": "단어가 빠진 자리에 {mask}를 넣어 텍스트를 입력하세요.",
            "no_mask": "텍스트에 {mask}가 없습니다. 단어가 빠진 자리에 {mask}를 쓰세요. 그동안 "
            "Inside 탭에서 모델이 토큰마다 무엇을 추측하는지 볼 수 있습니다.",
            "best": "{mask} {n} \u2192 {token} {score:.3f}",
            "masks": "마스크 {n}개",
            "more": "마스크 {n}개 중 {shown}개 표시",
            "tokens": "토큰 {n}개",
            "cut": "텍스트가 잘렸습니다: 토큰 {n:,}개 중 모델은 처음 {limit:,}개만 읽습니다.",
            "cut_masks": " {mask} {masks}개 중 {lost}개는 잘린 부분에 있어 추측하지 않습니다.",
        },
    }

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        text: str | None = None,
        top_k: int = 5,
        targets: Any = None,
        **kwargs: Any,
    ) -> None:
        model, tokenizer = unwrap(model, tokenizer)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"FillMaskPanel needs a ...ForMaskedLM model, got {type(model).__name__}"
            )
        check_runnable(model, tokenizer)
        check_masked_lm(model)
        mask, _ = mask_token(tokenizer)
        text = default_text(mask) if text is None else text
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= 20:
            raise ValueError(f"top_k must be an int from 1 to 20, got {top_k!r}")
        check_options(type(self), kwargs)
        super().__init__(**kwargs)
        self.model, self.tokenizer, self.mask, self.targets = model, tokenizer, mask, targets
        self.details: FillMaskDetails | None = None
        self.text_box = ipywidgets.Textarea(
            value=text, continuous_update=True, rows=3, layout=ipywidgets.Layout(width="100%")
        )
        self.text_box.add_class("xp-text")
        self.hint = ipywidgets.HTML("", layout=ipywidgets.Layout(width="100%"))
        self.top_k = ipywidgets.IntSlider(value=top_k, min=1, max=20)
        self.note = ipywidgets.Label("", layout=ipywidgets.Layout(width="100%"))
        self.note.add_class("xp-note")
        self.figure = PlotWidget(mask_bars(self._blank(), self.lang))
        self.set_warning(untrained_note(model))
        self.children = (
            self.warning, self.text_box, self.hint, self.top_k, self.status, self.note,
            self.figure, self.shape_line, self.chrome,
        )  # fmt: skip
        self.add_class("xp-fill-mask")
        self._relabel()
        self.text_box.observe(self._changed, "value")
        self.top_k.observe(self._changed, "value")
        self._start()  # the first result is there when the panel is displayed

    def _blank(self) -> FillMaskDetails:
        return FillMaskDetails("", [], [], [], self.mask, 5)

    def _relabel(self) -> None:
        self.text_box.placeholder = self.words("placeholder", mask=self.mask)
        self.hint.value = text_html(self.words("hint", mask=self.mask))
        self.top_k.description = self.words("top_k")

    def _inputs(self) -> tuple[str, int]:
        return self.text_box.value, self.top_k.value

    def _hint(self, inputs: tuple[str, int]) -> str | None:
        return self.words("empty", mask=self.mask) if not inputs[0].strip() else None

    def _compute(self, inputs: tuple[str, int], stale) -> tuple[FillMaskDetails, Any]:
        """One traced forward pass: every mask's guesses and what every module computed."""
        text, top_k = inputs
        done = fill_mask_run(
            self.model, self.tokenizer, text, top_k, self.targets, traced=True,
            should_stop=stale, on_forward=self._forward_done, allow_no_mask=True,
        )  # fmt: skip
        return done.details, done.trace

    def _show(self, details: FillMaskDetails) -> None:
        self.details = details
        update_mask_bars(self.figure, details, self.lang)
        if not details.masks:
            self._set_status(self.words("no_mask", mask=self.mask), "info")
        else:
            first = details.masks[0][0]
            best = first["token_str"].strip()
            parts = [self.words("best", mask=self.mask, n=1, token=best, score=first["score"])]
            if len(details.masks) > 1:
                parts.append(self.words("masks", n=len(details.masks)))
            if len(details.masks) > MAX_MASKS_SHOWN:
                parts.append(self.words("more", shown=MAX_MASKS_SHOWN, n=len(details.masks)))
            parts.append(self.words("tokens", n=len(details.tokens)))
            parts.append(f"{details.elapsed * 1000:.0f} ms")
            self._set_status(" \u00b7 ".join(parts))
        note = ""
        if details.truncated:
            note = self.words("cut", n=details.num_tokens, limit=details.max_length)
            lost = details.masks_in_text - len(details.masks)
            if lost > 0:
                note += self.words("cut_masks", lost=lost, masks=details.masks_in_text,
                                   mask=self.mask)  # fmt: skip
        self.note.value = note

    def _clear(self, message: str) -> None:
        self.details = None
        self.note.value = ""
        update_mask_bars(self.figure, self._blank(), self.lang)
        super()._clear(message)

    def _owned(self):
        return (*super()._owned(), self.text_box, self.hint, self.top_k, self.note, self.figure)
