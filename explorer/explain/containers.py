"""Describers of containers: Sequential, ModuleList, ModuleDict, blocks, stacks, task heads."""

from __future__ import annotations

from torch import nn

from ..model_info import named_modules, tensors
from .language import names, num
from .structure import find_stack, has_attention, is_decoder, parts_sentence


def describe_sequential(ctx):
    """An ``nn.Sequential``: its modules in the order they run."""
    kids = ctx.children()
    if not kids or not isinstance(ctx.module, nn.Sequential):
        return None
    chain = " → ".join(f"{k} ({type(c).__name__})" for k, c in kids[:12])
    if len(kids) > 12:
        chain += " → …"
    return [
        (
            f"A Sequential container: runs its {len(kids)} modules in order, each output feeding "
            f"the next: {chain}.",
            f"Sequential 컨테이너로, 모듈 {len(kids)}개를 순서대로 실행하며 각 출력이 다음 입력이 "
            f"됩니다: {chain}.",
        )
    ]


def describe_module_list(ctx):
    """An ``nn.ModuleList``: a list of blocks, of same-type modules, or of mixed modules."""
    kids = ctx.children()
    n = len(kids)
    if not n or not isinstance(ctx.module, nn.ModuleList):
        return None
    kinds = {type(c).__name__ for _, c in kids}
    if len(kinds) > 1:
        listing = names((f"{k} ({type(c).__name__})" for k, c in kids), 8)
        return [
            (
                f"A list (ModuleList) of {n} modules: {listing}.",
                f"목록(ModuleList)으로, 모듈 {n}개를 담고 있습니다: {listing}.",
            )
        ]
    kind = kinds.pop()
    rng = f"indices {kids[0][0]}-{kids[-1][0]}" if n > 1 else f"index {kids[0][0]}"
    rng_ko = rng.replace("indices", "인덱스").replace("index", "인덱스")
    plural = "s" if n != 1 else ""
    if all(has_attention(c) for _, c in kids):
        each = sum(p.numel() for p in tensors(kids[0][1]))
        return [
            (
                f"A list (ModuleList) of {n} {kind} block{plural} ({rng}); the model runs them one "
                "after another, each block's output feeding the next. Each block has "
                f"{num(each)} parameters.",
                f"{kind} 블록 {n}개({rng_ko})를 담은 목록(ModuleList)입니다. 모델은 이 블록들을 "
                "차례로 실행하며, 각 블록의 출력이 다음 블록의 입력이 됩니다. 블록 하나의 "
                f"파라미터는 {num(each)}개입니다.",
            )
        ]
    return [
        (
            f"A list (ModuleList) of {n} {kind} module{plural} ({rng}); the model's code decides "
            "how they are used.",
            f"{kind} 모듈 {n}개({rng_ko})를 담은 목록(ModuleList)입니다. 어떻게 쓰이는지는 모델 "
            "코드가 정합니다.",
        )
    ]


def describe_module_dict(ctx):
    """An ``nn.ModuleDict``: a named collection the model's code uses as it likes."""
    if not ctx.children() or not isinstance(ctx.module, nn.ModuleDict):
        return None
    keys = names(k for k, _ in ctx.children())
    return [
        (
            f"A ModuleDict: a named collection of {len(ctx.children())} modules ({keys}); the "
            "model's code decides how they are used.",
            f"ModuleDict로, 이름이 붙은 모듈 {len(ctx.children())}개({keys})를 담고 있습니다. "
            "어떻게 쓰이는지는 모델 코드가 정합니다.",
        )
    ]


def _index_in_list(ctx):
    parent = ctx.parent
    if isinstance(parent, nn.ModuleList) and ctx.name.isdigit():
        return int(ctx.name), len(parent)
    return None


def describe_block(ctx):
    """A transformer block: holds an attention but no list of blocks."""
    m = ctx.module
    if not ctx.children() or not has_attention(m) or find_stack(m) is not None:
        return None
    where = _index_in_list(ctx)
    i, n = where if where else (None, None)
    pos_en = f" {i + 1} of {n} (index {i})" if where else ""
    pos_ko = f"블록 {n}개 중 {i + 1}번째(인덱스 {i})" if where else ""
    cross = any(
        "Cross" in type(sub).__name__ or "EncDec" in sub_path for sub_path, sub in named_modules(m)
    )
    head_ko = (
        f"{ctx.type} 형식의 트랜스포머 블록으로, {pos_ko}입니다. "
        if where
        else f"{ctx.type} 형식의 트랜스포머 블록입니다. "
    )
    out = [
        (
            f"Transformer block{pos_en}, a {ctx.type}: self-attention lets the tokens exchange "
            "information"
            + (", cross-attention reads the encoder's output" if cross else "")
            + ", then the feed-forward network transforms each token on its own; residual "
            "connections add each sublayer's input back to its output.",
            head_ko
            + "자기 주의로 토큰끼리 정보를 주고받"
            + ("고 교차 어텐션으로 인코더 출력을 읽은" if cross else "은")
            + " 뒤, 피드 포워드 네트워크가 각 토큰을 따로 변환합니다. 잔차 연결이 각 하위 층의 "
            "입력을 출력에 다시 더해 줍니다.",
        ),
        parts_sentence(ctx),
    ]
    if where and n > 1:
        out.append(
            (
                f"All {n} blocks have the same structure but their own weights.",
                f"블록 {n}개는 구조가 같지만 가중치는 각자 따로 가집니다.",
            )
        )
    return out


def describe_stack(ctx):
    """A transformer encoder or decoder: a module holding a list of blocks."""
    found = find_stack(ctx.module)
    if found is None:
        return None
    rel, _, block, n = found
    dec = is_decoder(ctx.module)
    what_en, what_ko = ("decoder", "디코더") if dec else ("encoder", "인코더")
    out = [
        (
            f"The Transformer {what_en}: a stack of {n} {block} block{'s' if n != 1 else ''} ({rel}) "
            "that run one "
            "after another, each refining every token's vector using the others.",
            f"{n}개의 {block} 블록({rel})으로 구성된 트랜스포머 {what_ko}입니다. 블록들이 차례로 "
            "실행되며, 각 블록이 다른 토큰들을 참고해 모든 토큰의 벡터를 다듬습니다.",
        )
    ]
    if dec:
        out.append(
            (
                "As a decoder, each token only sees the tokens before it.",
                "디코더이므로 각 토큰은 자기보다 앞에 있는 토큰만 볼 수 있습니다.",
            )
        )
    if len(ctx.children()) > 1:
        out.append(parts_sentence(ctx))
    return out


def describe_head(ctx):
    """A task head (``...Head``, ``...Predictions``) on top of the backbone."""
    t = ctx.type
    if not ctx.children() or not ("Head" in t or "Predictions" in t):
        return None
    return [
        (
            f"A task head ({t}) that turns the backbone's vectors into the task's outputs.",
            f"백본의 벡터를 작업에 맞는 출력으로 바꾸는 태스크 헤드({t})입니다.",
        ),
        parts_sentence(ctx),
    ]
