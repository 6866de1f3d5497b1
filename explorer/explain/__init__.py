"""Plain-language explanations of any module of a model, in English and Korean."""

from __future__ import annotations

from ..model_info import unwrap_model
from . import blocks, containers, layers
from .context import Ctx, make_ctx
from .language import LANGS, josa, josa_ro, names, num

__all__ = ["explain", "describe", "make_ctx", "Ctx", "LANGS", "josa", "josa_ro", "names", "num"]


def _param_sentences(ctx: Ctx) -> list:
    out = []
    if ctx.total == 0:
        out.append(("It has no parameters.", "파라미터가 없습니다."))
    elif ctx.counted == ctx.total:
        out.append(
            (f"It has {num(ctx.total)} parameters.", f"파라미터는 {num(ctx.total)}개입니다.")
        )
    else:
        elsewhere = ctx.total - ctx.counted
        out.append(
            (
                f"It uses {num(ctx.total)} parameters; {num(elsewhere)} of them are shared with "
                f"another part of the model and counted there, so it adds {num(ctx.counted)}.",
                f"파라미터 {num(ctx.total)}개를 사용하지만, 그중 {num(elsewhere)}개는 모델의 다른 "
                f"부분과 공유되어 그쪽에서 한 번만 세므로 새로 더하는 파라미터는 "
                f"{num(ctx.counted)}개입니다.",
            )
        )
    for here, others in ctx.shared[:3]:
        out.append(
            (
                f"{here} is the same tensor as {names(others, 3)} (tied weights).",
                f"{here}{josa(here, '은', '는')} {names(others, 3)}"
                f"{josa(others[-1], '과', '와')} 같은 텐서입니다(가중치 공유).",
            )
        )
    if ctx.aliases:
        out.append(
            (
                f"The same module object is also registered at {names(ctx.aliases, 3)}.",
                f"같은 모듈 객체가 {names(ctx.aliases, 3)} 경로에도 등록되어 있습니다.",
            )
        )
    return out


def describe(ctx: Ctx) -> list:
    """All sentences about ``ctx``'s module as (en, ko) pairs, parameter count last."""
    for fn in (
        blocks.describe_model,
        containers.describe_moe,  # before leaves: a 4.x router is a plain Linear
        layers.describe_leaf,
        containers.describe_container,
    ):
        found = fn(ctx)
        if found:
            break
    else:
        found = containers.describe_generic(ctx)
    return list(found) + _param_sentences(ctx)


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
