"""Describers of what PEFT puts in a model: the wrapper, the model it adapts, its adapter layers."""

from __future__ import annotations

from torch import nn

from ..adapters import (
    AdapterLayer,
    base_model_of,
    is_peft_model,
    is_tuner_model,
    kind,
    layer_info,
    peft_summary,
)
from .context import make_ctx
from .language import josa, josa_ro, names, num
from .models import describe_model

_UPDATE = "W + (alpha/r)·B·A"


def number_text(x) -> str:
    """A number as read: ``2.0`` -> ``"2"``, ``0.1`` -> ``"0.1"``."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "0%"


def _sizes(info: AdapterLayer) -> str:
    if info.in_features is None or info.out_features is None:
        return ""
    return f" ({num(info.in_features)} → {num(info.out_features)})"


def _adapter_sentence(a, info: AdapterLayer) -> tuple:
    how_en = "alpha/√r" if a.rslora else "alpha/r"
    drop_en = f"dropout {number_text(a.dropout)} on the input of A" if a.dropout else "no dropout"
    drop_ko = f"A의 입력에 드롭아웃 {number_text(a.dropout)}" if a.dropout else "드롭아웃 없음"
    en = (
        f'Adapter "{a.name}": r = {number_text(a.r)}, alpha = {number_text(a.alpha)}, so the update is scaled by '
        f"{how_en} = {number_text(a.scaling)}; {drop_en}"
    )
    ko = (
        f'어댑터 "{a.name}": r = {number_text(a.r)}, alpha = {number_text(a.alpha)}이므로 업데이트에 '
        f"{how_en} = {number_text(a.scaling)}{josa(number_text(a.scaling), '을', '를')} 곱합니다. {drop_ko}"
    )
    if a.dora:
        en += "; DoRA: a learned magnitude per output (lora_magnitude_vector) rescales the weight"
        ko += (
            ". DoRA: 출력마다 학습되는 크기(lora_magnitude_vector)가 가중치의 크기를 다시 정합니다"
        )
    if not a.active:
        en += " (not active now)"
        ko += "(지금은 비활성)"
    return en + ".", ko + "."


def _lora_sentences(ctx, info: AdapterLayer) -> list:
    sizes = _sizes(info)
    out = [
        (
            f"A LoRA layer ({info.type}) in place of the original {info.base_type}{sizes}, which "
            f"it keeps as {info.base_name}: it adds a low-rank update to the original output, as "
            f"if its weight were the frozen base weight plus a small trainable term, {_UPDATE}.",
            f"LoRA 층({info.type})으로, 원래의 {info.base_type}{sizes}{josa(info.base_type, '을', '를')} "
            f"{info.base_name}{josa_ro(info.base_name)} 그대로 두고 그 자리에 들어가 있습니다. 원래 출력에 저랭크"
            f"(low-rank) 업데이트를 더하므로, 가중치가 고정된 원래 가중치에 학습되는 작은 항을 더한 "
            f"{_UPDATE}인 것처럼 계산합니다.",
        )
    ]
    first = info.adapters[0] if info.adapters else None
    if first is not None and first.a_name:
        if info.in_features is not None and info.out_features is not None:
            a_en = f"projects the {num(info.in_features)}-dimensional input down to rank {number_text(first.r)}"
            a_ko = f"{num(info.in_features)}차원 입력을 랭크 {number_text(first.r)}{josa_ro(number_text(first.r))} 줄이고"
            b_en = f"projects it back up to {num(info.out_features)}"
            b_ko = f"다시 {num(info.out_features)}차원으로 늘립니다"
        else:
            a_en = f"maps the input down to rank {number_text(first.r)}"
            a_ko = f"입력을 랭크 {number_text(first.r)}{josa_ro(number_text(first.r))} 줄이고"
            b_en, b_ko = "maps it back up", "다시 원래 크기로 늘립니다"
        out.append(
            (
                f"A ({first.a_name}, {first.a_shape}) {a_en}; B ({first.b_name}, "
                f"{first.b_shape}) {b_en}.",
                f"A({first.a_name}, {first.a_shape})는 {a_ko}, B({first.b_name}, "
                f"{first.b_shape})는 {b_ko}.",
            )
        )
    out += [_adapter_sentence(a, info) for a in info.adapters]
    out.append(_trains(info, "A and B", "A와 B"))
    if info.disabled:
        out.append(
            (
                "Adapters are switched off now: the layer outputs what its base layer does.",
                "지금은 어댑터가 꺼져 있어 이 층은 원래 층과 같은 값을 출력합니다.",
            )
        )
    for a in info.adapters:
        if a.merged:
            out.append(
                (
                    f'Adapter "{a.name}" is merged into the base weight now: the base layer alone '
                    f"already computes {_UPDATE}.",
                    f'어댑터 "{a.name}"는 지금 원래 가중치에 합쳐져(merged) 있어, 원래 층만으로 '
                    f"{_UPDATE}{josa(_UPDATE, '을', '를')} 계산합니다.",
                )
            )
        elif a.b_zero and a.active and not info.disabled:
            out.append(
                (
                    f'B of adapter "{a.name}" is all zeros here (peft starts it at zero), so for '
                    "now the layer outputs exactly what its base layer does.",
                    f'어댑터 "{a.name}"의 B가 지금 모두 0입니다(peft는 B를 0에서 시작합니다). 그래서 '
                    "아직은 이 층이 원래 층과 정확히 같은 값을 출력합니다.",
                )
            )
    return out


def _trains(info: AdapterLayer, what_en: str, what_ko: str) -> tuple:
    if info.base_trainable == 0:
        base_en = f"the {num(info.base_params)} parameters of the original layer are frozen"
        base_ko = f"원래 층의 파라미터 {num(info.base_params)}개는 고정(frozen)되어 있습니다"
    else:
        base_en = (
            f"{num(info.base_trainable)} of the original layer's {num(info.base_params)} "
            "parameters train too"
        )
        base_ko = (
            f"원래 층의 파라미터 {num(info.base_params)}개 중 {num(info.base_trainable)}개도 "
            "학습됩니다"
        )
    return (
        f"What trains: {what_en}, {num(info.added_trainable)} of the {num(info.added_params)} "
        f"added parameters; {base_en}. Together {num(info.base_params)} + "
        f"{num(info.added_params)} = {num(info.total)}.",
        f"학습되는 것: {what_ko}, 더해진 파라미터 {num(info.added_params)}개 중 "
        f"{num(info.added_trainable)}개. {base_ko}. 합계 {num(info.base_params)} + "
        f"{num(info.added_params)} = {num(info.total)}.",
    )


def _saved_sentences(ctx, info: AdapterLayer) -> list:
    copies = names(info.copies, 4) or "none"
    active = names(info.active, 4) or "none"
    return [
        (
            f"peft's ModulesToSaveWrapper in place of {ctx.name} ({info.base_type}): it keeps the "
            f"original as {info.base_name}, frozen, and beside it a full trainable copy for each "
            f"adapter in modules_to_save ({copies}). The model runs the copy of the active "
            f"adapter ({active}); with the adapters off it runs the original again.",
            f"peft의 ModulesToSaveWrapper가 원래의 {ctx.name}({info.base_type}) 자리에 들어가 "
            f"있습니다. 원본은 {info.base_name}{josa_ro(info.base_name)} 고정(frozen)한 채 보관하고, 그 옆 "
            f"modules_to_save({copies})에 어댑터마다 학습되는 전체 복사본을 둡니다. 모델은 활성 "
            f"어댑터({active})의 복사본을 실행하고, 어댑터를 끄면 다시 원본을 실행합니다.",
        ),
        _trains(info, "the copies", "복사본"),
    ]


def describe_adapter_layer(ctx):
    """A PEFT layer: a LoRA layer (its base layer, rank, alpha, scaling, what trains), a
    ``ModulesToSaveWrapper`` (a trainable copy beside the original), another method's layer."""
    info = layer_info(ctx.module)
    if info is None:
        return None
    if info.kind == "lora":
        return _lora_sentences(ctx, info)
    if info.kind == "modules_to_save":
        return _saved_sentences(ctx, info)
    method = info.method or "adapter"
    return [
        (
            f"A PEFT {method} layer ({info.type}) in place of the original {info.base_type}"
            f"{_sizes(info)}, which it keeps as {info.base_name}; the adapter's own tensors "
            "change what it computes.",
            f"PEFT {method} 층({info.type})으로, 원래의 {info.base_type}{_sizes(info)}"
            f"{josa(info.base_type, '을', '를')} {info.base_name}{josa_ro(info.base_name)} 두고 그 자리에 들어가 "
            "있습니다. 어댑터 자신의 텐서가 계산 결과를 바꿉니다.",
        ),
        _trains(info, "the adapter", "어댑터"),
    ]


def _parts_text(summary) -> tuple[str, str]:
    en, ko = [], []
    for found, paths in summary.layers.items():
        tails = names(dict.fromkeys(p.rpartition(".")[2] for p in paths), 4)
        n = len(paths)
        if found == "lora":
            en.append(f"LoRA adapters on {n} layer{'s' if n != 1 else ''} ({tails})")
            ko.append(f"층 {n}개({tails})에 LoRA 어댑터")
        elif found == "modules_to_save":
            en.append(f"a trainable copy of {tails}")
            ko.append(f"{tails}의 학습용 복사본")
        else:
            en.append(f"{found} adapters on {n} layer{'s' if n != 1 else ''} ({tails})")
            ko.append(f"층 {n}개({tails})에 {found} 어댑터")
    return ", ".join(en) or "no adapter layers yet", ", ".join(ko) or "아직 어댑터 층 없음"


def _config_sentences(summary) -> list:
    out = []
    for name, cfg in summary.configs.items():
        kind_ = str(cfg.get("peft_type", "PEFT"))
        bits = [
            f"{key} = {number_text(cfg[key])}"
            for key in ("r", "lora_alpha", "lora_dropout")
            if key in cfg
        ]
        targets = cfg.get("target_modules")
        if targets:
            bits.append(
                "target_modules = " + (names(targets, 6) if isinstance(targets, list) else targets)
            )
        off = summary.active and name not in summary.active
        out.append(
            (
                f'Adapter "{name}" ({kind_}): {", ".join(bits) or "no settings read"}'
                + (" (not active)." if off else "."),
                f'어댑터 "{name}"({kind_}): {", ".join(bits) or "읽은 설정 없음"}'
                + ("(비활성)." if off else "."),
            )
        )
    return out


def _inner_sentences(ctx, inner: nn.Module) -> list:
    found = describe_model(make_ctx(inner, ""))
    return list(found or [])


def describe_peft_wrapper(ctx):
    """peft's ``PeftModel`` (what it wraps and adds, how many parameters train) or a tuner such
    as ``LoraModel`` (the model it holds and the layers it replaced)."""
    summary = peft_summary(ctx.module)
    if summary is None:
        return None
    parts_en, parts_ko = _parts_text(summary)
    base, w = summary.base_type, summary.wrapper
    trains = (
        f"Only {num(summary.trainable)} of {num(summary.params)} parameters train "
        f"({_pct(summary.trainable, summary.params)}).",
        f"전체 파라미터 {num(summary.params)}개 중 {num(summary.trainable)}개"
        f"({_pct(summary.trainable, summary.params)})만 학습됩니다.",
    )
    if summary.own_trainable:
        trains = (
            trains[0][:-1] + f"; {num(summary.own_trainable)} of them are the model's own "
            "weights, outside the adapters.",
            trains[1]
            + f" 그중 {num(summary.own_trainable)}개는 어댑터 밖, 모델 자체의 가중치입니다.",
        )
    if is_peft_model(ctx.module):
        keeps_en = "keeps the model's own weights frozen and " if not summary.own_trainable else ""
        keeps_ko = "모델 자체의 가중치는 고정하고, " if not summary.own_trainable else ""
        head = (
            f"{w} is peft's wrapper around {base}: it {keeps_en}adds small trainable parts: "
            f"{parts_en}.",
            f"{w}{josa(w, '은', '는')} {base}{josa(base, '을', '를')} 감싼 peft 래퍼입니다. "
            f"{keeps_ko}학습되는 작은 부분을 더합니다: {parts_ko}.",
        )
        inner = _inner_sentences(ctx, base_model_of(ctx.module))
        return [head, trains, *_config_sentences(summary), *inner]
    lora = "lora" in summary.layers
    update_en = (
        f" Each LoRA layer keeps the original as base_layer and computes as if its weight were "
        f"{_UPDATE}."
        if lora
        else ""
    )
    update_ko = (
        f" LoRA 층마다 원래 층을 base_layer로 두고, 가중치가 {_UPDATE}인 것처럼 계산합니다."
        if lora
        else ""
    )
    return [
        (
            f"{w} is peft's tuner: it holds the model being adapted (model: {base}) with "
            f"adapter layers put in place of its own: {parts_en}.{update_en}",
            f"{w}{josa(w, '은', '는')} peft의 튜너입니다. 적응시키는 모델(model: {base})을 "
            f"담고 있으며, 그 층들 자리에 어댑터 층을 넣었습니다: {parts_ko}.{update_ko}",
        ),
        *_config_sentences(summary),
        trains,
    ]


def describe_adapted_model(ctx):
    """The model a PEFT wrapper adapts (``base_model.model``): the whole model, adapters inside."""
    parent = ctx.parent
    if parent is None or not (is_peft_model(parent) or is_tuner_model(parent)):
        return None
    if base_model_of(parent) is not ctx.module or is_tuner_model(ctx.module):
        return None
    n = sum(1 for m in ctx.module.modules() if kind(m) is not None)
    t = ctx.type
    return [
        (
            f"The model that peft adapts ({t}), with its {n} adapter layer"
            f"{'s' if n != 1 else ''} inside it, in place of the layers they adapt.",
            f"peft가 적응시키는 모델({t})입니다. 어댑터 층 {n}개가 그 안에서 원래 층의 자리에 "
            "들어가 있습니다.",
        ),
        *_inner_sentences(ctx, ctx.module),
    ]
