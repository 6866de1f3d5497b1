"""What a model costs: parameter-counting conventions and memory budgets, each figure explained."""

from __future__ import annotations

from typing import Any

from .core import TRAINING, Budget, budget
from .experts import ExpertSet
from .figures import DTYPE_BYTES, Figure

__all__ = [
    "Budget",
    "DTYPE_BYTES",
    "ExpertSet",
    "Figure",
    "TRAINING",
    "active_params_by_path",
    "budget",
    "module_budget",
]


def _budget_of(model_or_budget: Any) -> Budget:
    return model_or_budget if isinstance(model_or_budget, Budget) else Budget(model_or_budget)


def active_params_by_path(model_or_budget: Any) -> dict[str, int]:
    """``{module path: parameters one token uses}`` for every module ("" is the whole model).

    Equal to each module's parameter count for dense models. For mixture-of-experts models the
    routed experts count only what a token uses: a fused experts module (transformers 5) k/E of
    its parameters; per-expert modules (transformers 4) their expected share k/E, rounded so
    that the parts add up to the layer's exact figure. Accepts a model or a :class:`Budget`.
    """
    return _budget_of(model_or_budget).active_by_path()


def module_budget(model_or_budget: Any, path: str, dtype: Any = "bfloat16") -> dict[str, Any]:
    """One module's share of each convention and its bytes in ``dtype`` (see :meth:`Budget.module`).

    Accepts a model or a :class:`Budget` (pass the Budget to look at many modules cheaply).
    """
    return _budget_of(model_or_budget).module(path, dtype)
