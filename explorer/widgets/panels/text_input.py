"""A panel whose main input is one text box: ``panel.text`` reads it and sets it as typing does."""

from __future__ import annotations

__all__ = ["TextInput"]


class TextInput:
    """Mixin for a :class:`~explorer.widgets.panels.LivePanel` with a ``text_box`` widget."""

    @property
    def text(self) -> str:
        """The text in the box (setting it is what typing does)."""
        return self.text_box.value

    @text.setter
    def text(self, value: str) -> None:
        self.text_box.value = value
