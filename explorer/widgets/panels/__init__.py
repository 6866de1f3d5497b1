"""Live task panels (one per text head), the registry explore() picks them from, and note panels."""

from .base import LivePanel, PanelHint
from .causal import CausalPanel
from .choose import (
    PANELS,
    TASKS,
    NotePanel,
    PanelSpec,
    detect_task,
    make_panel,
    no_panel_reason,
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
    "CausalPanel",
    "NotePanel",
    "PanelSpec",
    "PANELS",
    "TASKS",
    "detect_task",
    "make_panel",
    "no_panel_reason",
    "standalone_panel",
    "resolve_source",
]
