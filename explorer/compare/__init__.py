"""Compare two models module by module: aligned rows, a summary in words, and rows page by page."""

from .core import STATUSES, Comparison, Row, compare
from .summary import Summary

__all__ = ["compare", "Comparison", "Row", "Summary", "STATUSES"]
