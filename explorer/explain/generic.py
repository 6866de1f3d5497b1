"""The describer of last resort: a true description of any module from what torch shows."""

from __future__ import annotations

from torch import nn
from torch.nn.parameter import UninitializedTensorMixin

from .language import names


def _short_repr(m: nn.Module) -> str:
    if list(m.children()):
        extra = m.extra_repr()
        text = f"{type(m).__name__}({extra})" if extra else type(m).__name__
    else:
        text = repr(m)
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


def describe_generic(ctx) -> list:
    """A true description of any module from its type name, submodules, tensors and repr."""
    m, t = ctx.module, ctx.type
    origin = type(m).__module__
    if origin.startswith("torch."):
        what_en, what_ko = f"The torch module {t}", f"torch 모듈 {t}입니다."
    elif origin.startswith("transformers."):
        what_en, what_ko = f"The module {t} (from {origin})", f"{origin}의 모듈 {t}입니다."
    else:
        what_en, what_ko = f"Custom module {t}", f"사용자 정의 모듈 {t}입니다."
    kids = [k for k, _ in ctx.children()]
    if kids:
        has_en = f" with {len(kids)} submodules ({names(kids)})"
        has_ko = f" 하위 모듈 {len(kids)}개({names(kids)})를 가지고 있습니다."
    else:
        has_en, has_ko = " with no submodules", " 하위 모듈은 없습니다."
    own = [  # a lazy module's tensors have no shape until its first forward
        f"{n} {'(lazy)' if isinstance(x, UninitializedTensorMixin) else list(x.shape)}"
        for n, x in list(m.named_parameters(recurse=False)) + list(m.named_buffers(recurse=False))
    ]
    out = [
        (
            f"{what_en}{has_en}; torch describes it as: {_short_repr(m)}.",
            f"{what_ko}{has_ko} torch의 설명(repr): {_short_repr(m)}.",
        )
    ]
    if own:
        out.append(
            (
                f"Its own tensors: {names(own)}.",
                f"이 모듈이 직접 가진 텐서: {names(own)}.",
            )
        )
    return out
