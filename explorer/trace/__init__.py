"""What a model computes for one input: the run seam (``run``), its record, the Trace, attention, lens."""

from .attention import is_attention
from .attention_info import AttentionInfo
from .core import Trace, build_trace
from .outputs import ModuleOutput
from .record import TraceCancelled
from .run import Run, run

__all__ = [
    "Trace", "build_trace", "ModuleOutput", "TraceCancelled", "Run", "run", "AttentionInfo",
    "is_attention",
]  # fmt: skip
