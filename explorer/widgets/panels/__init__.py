"""Live task panels (sentiment, question answering) and how explore() picks one."""

from .base import LivePanel, PanelHint
from .choose import (
    TASKS,
    NotePanel,
    detect_task,
    make_panel,
    resolve_source,
    standalone_panel,
)
from .qa import QAPanel
from .sentiment import SentimentPanel

__all__ = [
    "LivePanel",
    "PanelHint",
    "SentimentPanel",
    "QAPanel",
    "NotePanel",
    "TASKS",
    "detect_task",
    "make_panel",
    "standalone_panel",
    "resolve_source",
]
