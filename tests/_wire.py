"""A widget's comm as the browser sees it: what Python publishes, and messages sent to Python."""

from __future__ import annotations

from typing import Any


class Wire:
    """Records what a live widget publishes and delivers browser messages to it.

    Parameters
    ----------
    widget
        An ipywidgets / anywidget widget with an open comm (any widget made in a test has one).

    Attributes
    ----------
    widget
        The widget.
    sent : list of dict
        The ``data`` of every message the widget published since the Wire was made (state
        updates ``{"method": "update", "state": ...}``, custom messages ``{"method": "custom",
        "content": ...}``).
    """

    def __init__(self, widget: Any) -> None:
        self.widget, self.sent = widget, []
        comm, publish = widget.comm, widget.comm.publish_msg

        def record(msg_type, data=None, metadata=None, buffers=None, **keys):
            self.sent.append(data)
            return publish(msg_type, data, metadata, buffers, **keys)

        comm.publish_msg = record

    def ask(self, **request: Any) -> dict:
        """Send a custom message the way ipywidgets delivers one; return the widget's one reply."""
        before = len(self.sent)
        msg = {"content": {"data": {"method": "custom", "content": request}}, "buffers": []}
        self.widget._handle_msg(msg)
        custom = [d["content"] for d in self.sent[before:] if d.get("method") == "custom"]
        assert len(custom) == 1, custom
        return custom[0]

    def set_from_browser(self, **state: Any) -> None:
        """Change synced traits the way a browser does (a state update message)."""
        msg = {"content": {"data": {"method": "update", "state": state}}, "buffers": []}
        self.widget._handle_msg(msg)
