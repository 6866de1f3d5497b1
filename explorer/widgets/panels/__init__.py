"""Live task panels (sentiment, question answering) and how explore() picks one."""

from .base import LivePanel
from .choose import (
    TASKS,
    NotePanel,
    add_task_panel,
    detect_task,
    make_panel,
    resolve_source,
    standalone_panel,
)
from .qa import QAPanel
from .sentiment import SentimentPanel

__all__ = [
    "LivePanel",
    "SentimentPanel",
    "QAPanel",
    "NotePanel",
    "TASKS",
    "detect_task",
    "make_panel",
    "add_task_panel",
    "standalone_panel",
    "resolve_source",
]
