"""One traced run of a text model: the exact input, every module's output, attention and lens."""

from .core import Trace, trace
from .outputs import ModuleOutput
from .record import TraceCancelled

__all__ = ["trace", "Trace", "ModuleOutput", "TraceCancelled"]
