"""The generation part of the causal-LM panel: its settings, Generate and Stop, and the tokens
as they stream in (each one a button showing the distribution it was drawn from)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets

from ...figures.trace import visible_token
from ...heads.generation import GenerateDetails, GenerateStep

__all__ = ["GenerationControls", "MAX_NEW_TOKENS"]

MAX_NEW_TOKENS = 256  # the slider's end: a live panel's generation stays a few seconds long
_BUTTON = 18  # characters of a token written on its button


def _row(children) -> ipywidgets.HBox:
    """A row that wraps on narrow screens."""
    return ipywidgets.HBox(children, layout=ipywidgets.Layout(flex_flow="row wrap", width="100%"))


class GenerationControls(ipywidgets.VBox):
    """Greedy or sampling settings, Generate / Stop, and the generated tokens.

    Parameters
    ----------
    defaults : dict
        ``temperature``, ``top_k``, ``top_p`` the sliders start at (the model's sampling).
    max_new_tokens : int
        The new-tokens slider's start.
    words : callable
        ``words(key, **values)``: the panel's texts in its language.
    on_generate, on_stop, on_pick : callable
        Called for a click on Generate, on Stop, and on a token (``on_pick(index)``; None: the
        next-token button before the tokens).

    Attributes
    ----------
    sampling : ipywidgets.Dropdown
        Greedy (False) or sampling (True); the sampling sliders are disabled while greedy.
    temperature, top_p : ipywidgets.FloatSlider
    top_k, max_new_tokens : ipywidgets.IntSlider
        ``top_k`` 0 keeps every token.
    seed : ipywidgets.BoundedIntText
        The sampling seed: the same seed gives the same tokens.
    generate_button, stop_button : ipywidgets.Button
    text_view : ipywidgets.HTML
        The prompt's end and the generated text (escaped).
    steps : ipywidgets.HBox
        The "next token" button, then one button per generated token.
    """

    def __init__(
        self,
        defaults: dict,
        max_new_tokens: int,
        words: Callable[..., str],
        on_generate: Callable[[], Any],
        on_stop: Callable[[], Any],
        on_pick: Callable[[int | None], Any],
    ) -> None:
        self._words, self._on_pick = words, on_pick
        auto = dict(
            layout=ipywidgets.Layout(width="auto", min_width="16em", flex="1 1 16em"),
            style={"description_width": "initial"},  # labels in full, in both languages
        )
        slide = dict(auto, continuous_update=False)
        self.sampling = ipywidgets.Dropdown(options=[("", False), ("", True)], value=False, **auto)
        self.temperature = ipywidgets.FloatSlider(
            value=min(max(float(defaults["temperature"]), 0.05), 2.0), min=0.05, max=2.0,
            step=0.05, **slide,
        )  # fmt: skip
        self.top_k = ipywidgets.IntSlider(value=min(int(defaults["top_k"]), 200), min=0, max=200,
                                          **slide)  # fmt: skip
        self.top_p = ipywidgets.FloatSlider(
            value=min(max(float(defaults["top_p"]), 0.05), 1.0), min=0.05, max=1.0, step=0.05,
            **slide,
        )  # fmt: skip
        self.seed = ipywidgets.BoundedIntText(value=0, min=0, max=2**31 - 1, **auto)
        self.max_new_tokens = ipywidgets.IntSlider(
            value=max_new_tokens, min=1, max=max(MAX_NEW_TOKENS, max_new_tokens), **slide,
        )  # fmt: skip
        self.generate_button = ipywidgets.Button(button_style="primary", icon="play")
        self.stop_button = ipywidgets.Button(icon="stop", disabled=True)
        self.generate_button.on_click(lambda _b: on_generate())
        self.stop_button.on_click(lambda _b: on_stop())
        self.text_view = ipywidgets.HTML("", layout=ipywidgets.Layout(width="100%"))
        self.text_view.add_class("xp-generated")
        self.back = ipywidgets.Button(layout=ipywidgets.Layout(width="auto"))
        self.back.add_class("xp-step")
        self.back.on_click(lambda _b: self._picked(None))
        self.steps = _row([])
        self.steps.add_class("xp-steps")
        self._buttons: list[ipywidgets.Button] = []
        self._shown: int | None = None
        self.sampling.observe(self._mode_changed, "value")
        super().__init__([
            _row([self.sampling, self.max_new_tokens, self.generate_button, self.stop_button]),
            _row([self.temperature, self.top_k, self.top_p, self.seed]),
            self.text_view, self.steps,
        ])  # fmt: skip
        self.add_class("xp-generation")
        self._mode_changed()
        self.relabel()

    # -- settings ---------------------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The keyword arguments of :func:`explorer.generate` these controls ask for."""
        if not self.sampling.value:
            return {"max_new_tokens": self.max_new_tokens.value, "do_sample": False}
        return {
            "max_new_tokens": self.max_new_tokens.value, "do_sample": True,
            "temperature": self.temperature.value, "top_k": self.top_k.value,
            "top_p": self.top_p.value, "seed": self.seed.value,
        }  # fmt: skip

    def _mode_changed(self, _change: Any = None) -> None:
        for box in (self.temperature, self.top_k, self.top_p, self.seed):
            box.disabled = not self.sampling.value

    def relabel(self) -> None:
        """Set every label in the panel's language."""
        w = self._words
        sampling = self.sampling.value
        self.sampling.options = [(w("greedy"), False), (w("sampling"), True)]
        self.sampling.value = sampling
        self.sampling.description = w("decoding")
        self.sampling.tooltip = w("decoding_tip")
        self.temperature.description = w("temperature")
        self.top_k.description = w("top_k")
        self.top_p.description = w("top_p")
        self.seed.description = w("seed")
        self.max_new_tokens.description = w("new_tokens")
        self.generate_button.description = w("generate")
        self.stop_button.description = w("stop")
        self.back.description = w("back")
        self.back.tooltip = w("back_tip")

    # -- the stream -------------------------------------------------------------------------------
    def running(self, on: bool) -> None:
        """Enable Stop while a generation runs."""
        self.stop_button.disabled = not on

    def clear(self) -> None:
        """No generation shown (the prompt changed)."""
        self.running(False)
        self.text_view.value = ""
        self._set_buttons([])

    def start(self, prompt: str) -> None:
        """A generation from ``prompt`` starts: nothing generated yet."""
        self.running(True)
        self._set_buttons([])
        self.show_text(prompt, "")

    def show_text(self, prompt: str, new: str) -> None:
        """The prompt's last line (muted) and the new text, escaped."""
        tail = prompt[-300:]
        head = "\u2026" if len(prompt) > len(tail) else ""
        self.text_view.value = (
            '<div class="xp-secondary" style="white-space:pre-wrap;overflow-wrap:anywhere">'
            f'{html.escape(head + tail)}<b style="color:var(--xp-fg)">{html.escape(new)}</b>'
            "</div>"
        )

    def add_step(self, step: GenerateStep) -> None:
        """One more generated token: its button."""
        self._set_buttons([*self._buttons, self._button(step)])

    def finish(self, details: GenerateDetails, prompt: str) -> None:
        """The generation ended: its buttons and its text as :func:`explorer.generate` made it."""
        self.running(False)
        if len(self._buttons) != len(details.steps):
            self._set_buttons([self._button(step) for step in details.steps])
        self.show_text(prompt, details.new_text)

    def _button(self, step: GenerateStep) -> ipywidgets.Button:
        button = ipywidgets.Button(
            description=visible_token(step.token, _BUTTON),
            tooltip=self._words(
                "step_tip",
                i=step.index + 1,
                token=repr(step.token),
                score=step.score,
                rank=step.rank,
            ),  # fmt: skip
            layout=ipywidgets.Layout(width="auto"),
        )
        button.add_class("xp-step")
        button.on_click(lambda _b, i=step.index: self._picked(i))
        return button

    def _set_buttons(self, buttons: list[ipywidgets.Button]) -> None:
        old = [b for b in self._buttons if b not in buttons]
        self._buttons = buttons
        self.steps.children = [self.back, *buttons] if buttons else []
        for button in old:
            button.close()
        self.mark(self._shown)

    def mark(self, index: int | None) -> None:
        """Highlight the button of the distribution shown (None: the next token's)."""
        self._shown = index
        self.back.button_style = "info" if index is None else ""
        for i, button in enumerate(self._buttons):
            button.button_style = "info" if i == index else ""

    def _picked(self, index: int | None) -> None:
        self.mark(index)
        self._on_pick(index)

    def close(self) -> None:
        """Close the controls and every widget they made."""
        for widget in (*self._buttons, self.back, self.sampling, self.temperature, self.top_k,
                       self.top_p, self.seed, self.max_new_tokens, self.generate_button,
                       self.stop_button, self.text_view, self.steps, *self.children):  # fmt: skip
            widget.close()
        super().close()
