"""Plain-language explanations of any module of a model, in English and Korean."""

from __future__ import annotations

from ..model_info import unwrap_model
from .context import Ctx, make_ctx
from .describers import DESCRIBERS, describe
from .language import LANGS, josa, josa_ro, names, num

__all__ = [
    "explain",
    "describe",
    "DESCRIBERS",
    "make_ctx",
    "Ctx",
    "LANGS",
    "josa",
    "josa_ro",
    "names",
    "num",
]


def explain(model, path: str = "", lang: str = "en", *, tree=None) -> str:
    """Explain one module of a model in plain language.

    Parameters
    ----------
    model : torch.nn.Module or transformers.Pipeline
        The model (a pipeline is explained through its ``.model``). It is only read.
    path : str, default ""
        Dotted module path as in ``model.named_modules()``, e.g.
        ``"distilbert.transformer.layer.0.ffn.lin1"``; ``""`` is the whole model.
    lang : {"en", "ko"}, default "en"
        Language of the explanation: English or Korean.
    tree : ModuleNode, optional
        ``explorer.module_tree(model)`` when the caller already has it (saves rebuilding it).

    Returns
    -------
    str
        A short paragraph: what the module does, its sizes and settings read from the module
        itself (vocabulary, dimensions, dropout, eps, activation, labels...) and its exact
        parameter count (tied weights counted once, at their first path).

    Raises
    ------
    ValueError
        If ``lang`` is not one of "en", "ko".
    KeyError
        If ``path`` names no module of ``model``.
    TypeError
        If ``model`` is neither an nn.Module nor a pipeline.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown lang {lang!r}; choose one of {', '.join(map(repr, LANGS))}")
    model = unwrap_model(model)
    sentences = describe(make_ctx(model, path, tree))
    index = LANGS.index(lang)
    return " ".join(s[index] for s in sentences)
