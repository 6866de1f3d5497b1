"""One traced run of a text model: the exact input, every module's output, attention and lens."""

from .attention import is_attention
from .attention_info import AttentionInfo
from .core import Trace, trace
from .outputs import ModuleOutput
from .record import TraceCancelled

__all__ = ["trace", "Trace", "ModuleOutput", "TraceCancelled", "AttentionInfo", "is_attention"]
