"""Live task panels (one per text head), the registry explore() picks them from, and note panels."""

from .base import LivePanel, PanelHint
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
from .fill_mask import FillMaskPanel
from .qa import QAPanel
from .sentiment import SentimentPanel
from .zero_shot import ZeroShotPanel

__all__ = [
    "LivePanel",
    "PanelHint",
    "SentimentPanel",
    "QAPanel",
    "FillMaskPanel",
    "ZeroShotPanel",
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
