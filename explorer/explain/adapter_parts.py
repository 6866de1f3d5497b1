"""Describers of the parts of PEFT's adapter layers: LoRA's A, B and dropout, a base layer, a copy."""

from __future__ import annotations

from torch import nn

from ..adapters import kind, layer_info, part_of
from .adapters import number_text
from .language import josa, josa_ro, names

_DICTS = {
    "lora_A": (
        "the down-projection A of each adapter",
        "어댑터마다의 축소 행렬 A",
        "A trains; with B it forms the update (alpha/r)·B·A added to the frozen base weight.",
        "A는 학습되며, B와 함께 고정된 원래 가중치에 더해지는 업데이트 (alpha/r)·B·A를 이룹니다.",
    ),
    "lora_B": (
        "the up-projection B of each adapter",
        "어댑터마다의 확대 행렬 B",
        "B trains; peft starts it at zero so that training starts from the original model.",
        "B는 학습되며, peft는 학습이 원래 모델에서 출발하도록 B를 0에서 시작합니다.",
    ),
    "lora_embedding_A": (
        "the matrix A of each adapter for an embedding layer",
        "임베딩 층용 어댑터마다의 행렬 A",
        "Used only when the base layer is an embedding.",
        "원래 층이 임베딩일 때만 쓰입니다.",
    ),
    "lora_embedding_B": (
        "the matrix B of each adapter for an embedding layer",
        "임베딩 층용 어댑터마다의 행렬 B",
        "Used only when the base layer is an embedding.",
        "원래 층이 임베딩일 때만 쓰입니다.",
    ),
    "lora_dropout": (
        "the dropout applied to the input of A, per adapter",
        "어댑터마다 A의 입력에 적용하는 드롭아웃",
        "An Identity stands for a dropout of 0; the base layer sees the input without it.",
        "드롭아웃이 0이면 Identity가 들어 있으며, 원래 층은 드롭아웃 없이 입력을 받습니다.",
    ),
    "lora_magnitude_vector": (
        "DoRA's learned magnitude per output, per adapter",
        "어댑터마다 DoRA가 학습하는 출력별 크기",
        "Used only by adapters with use_dora=True.",
        "use_dora=True인 어댑터만 씁니다.",
    ),
    "modules_to_save": (
        "the trainable copies of the original layer, one per adapter",
        "어댑터마다 하나씩 있는 원래 층의 학습용 복사본",
        "The model runs the copy of the active adapter.",
        "모델은 활성 어댑터의 복사본을 실행합니다.",
    ),
}


def describe_adapter_dict(ctx):
    """The ``ModuleDict`` / ``ParameterDict`` parts of a PEFT layer (``lora_A``, ``lora_B``,
    ``lora_dropout``, ``modules_to_save``...): what they hold, per adapter."""
    parent = ctx.parent
    if ctx.name not in _DICTS or parent is None or kind(parent) is None:
        return None
    if not isinstance(ctx.module, (nn.ModuleDict, nn.ParameterDict)):
        return None
    what_en, what_ko, more_en, more_ko = _DICTS[ctx.name]
    keys = list(ctx.module.keys())
    holder = ctx.parent_name
    if not keys:
        base = layer_info(parent).base_type
        return [
            (
                f"Empty here: {ctx.name} of the PEFT layer {holder} holds {what_en}. {more_en}",
                f"여기서는 비어 있습니다: PEFT 층 {holder}의 {ctx.name}에는 {what_ko}{josa(what_ko, '이', '가')} "
                f"들어갑니다. {more_ko} 이 층의 원래 층은 {base}입니다.",
            )
        ]
    listed = names((f'"{k}"' for k in keys), 4)
    return [
        (
            f"{ctx.name} of the PEFT layer {holder} holds {what_en}; adapters here: {listed}. "
            f"{more_en}",
            f"PEFT 층 {holder}의 {ctx.name}에는 {what_ko}{josa(what_ko, '이', '가')} 들어 있습니다. "
            f"이 층의 어댑터: {listed}. {more_ko}",
        )
    ]


def describe_role(ctx):
    """Sentences added after a module's own description when it is a part of a PEFT layer: the
    base layer it keeps, LoRA's A or B of an adapter, its dropout, a trainable copy."""
    found = part_of(ctx.model, ctx.path)
    if found is None:
        return None
    holder_path, layer, rel = found
    holder = holder_path.rpartition(".")[2]
    info = layer_info(layer)
    first, _, name = rel.partition(".")
    if rel == info.base_name and info.kind in ("lora", "adapter"):
        frozen = info.base_trainable == 0
        return [
            (
                f"It is the original layer that the PEFT layer {holder} wraps: its weights "
                + ("are frozen" if frozen else "train too")
                + f"; {holder} adds the adapter's update to what it computes.",
                f"PEFT 층 {holder}{josa(holder, '이', '가')} 감싼 원래 층입니다. 가중치는 "
                + ("고정(frozen)되어 있고" if frozen else "함께 학습되며")
                + f", {holder}{josa(holder, '이', '가')} 이 층의 계산 결과에 어댑터의 업데이트를 더합니다.",
            )
        ]
    if rel == info.base_name and info.kind == "modules_to_save":
        return [
            (
                f"It is the original {holder}, kept frozen beside its trainable copies; it runs "
                "only when the adapters are off.",
                f"원래의 {holder}입니다. 학습용 복사본 옆에 고정(frozen)된 채 보관되며, 어댑터가 "
                "꺼졌을 때만 실행됩니다.",
            )
        ]
    adapter = next((a for a in info.adapters if a.name == name), None)
    if first in ("lora_A", "lora_embedding_A") and adapter is not None and "." not in name:
        return [
            (
                f'In the LoRA layer {holder} this is A of adapter "{name}": it maps the input down '
                f"to rank {number_text(adapter.r)}; B maps it back up, and (alpha/r)·B·A = "
                f"{number_text(adapter.scaling)}·B·A is added to the frozen base weight.",
                f'LoRA 층 {holder}에서 어댑터 "{name}"의 A입니다. 입력을 랭크 {number_text(adapter.r)}{josa_ro(number_text(adapter.r))} '
                f"줄이고, B가 다시 늘리며, (alpha/r)·B·A = {number_text(adapter.scaling)}·B·A가 고정된 "
                "원래 가중치에 더해집니다.",
            )
        ]
    if first in ("lora_B", "lora_embedding_B") and adapter is not None and "." not in name:
        out = [
            (
                f'In the LoRA layer {holder} this is B of adapter "{name}": it maps rank '
                f"{number_text(adapter.r)} back up to the layer's output size.",
                f'LoRA 층 {holder}에서 어댑터 "{name}"의 B입니다. 랭크 {number_text(adapter.r)}에서 다시 '
                "층의 출력 크기로 늘립니다.",
            )
        ]
        if adapter.b_zero:
            out.append(
                (
                    "It is all zeros here (peft's start), so the adapter adds nothing yet.",
                    "지금 모두 0이므로(peft의 초기값) 어댑터는 아직 아무것도 더하지 않습니다.",
                )
            )
        return out
    if first == "lora_dropout" and adapter is not None and "." not in name:
        return [
            (
                f'It is the dropout LoRA applies to the input of A (adapter "{name}") in '
                f"{holder}; the base layer sees the input without it.",
                f'{holder}에서 LoRA가 A의 입력에 적용하는 드롭아웃입니다(어댑터 "{name}"). 원래 '
                "층은 드롭아웃 없이 입력을 받습니다.",
            )
        ]
    if first == "modules_to_save" and name in info.copies and "." not in name:
        return [
            (
                f'It is adapter "{name}"\'s trainable copy of {holder}: the model runs it while '
                "that adapter is active.",
                f'어댑터 "{name}"의 {holder} 학습용 복사본입니다. 그 어댑터가 활성일 때 모델이 '
                "이것을 실행합니다.",
            )
        ]
    return None
