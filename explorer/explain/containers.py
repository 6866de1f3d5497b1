"""Explanations of containers (blocks, lists, stacks, heads) and of unknown modules."""

from __future__ import annotations

from torch import nn

from .blocks import (
    _attention,
    _backbone,
    _decoder,
    _embeddings,
    _has_attention,
    _is_attention,
    _is_hf_model,
    _linear_size,
    _mlp,
    _parts,
    _stack,
)
from .language import names, num

_MLP_TYPES = ("FFN", "MLP", "FeedForward", "DenseActDense", "DenseGatedActDense", "Intermediate")


def _parts_sentence(ctx):
    return (f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}.")


def _index_in_list(ctx):
    parent = ctx.parent
    if isinstance(parent, nn.ModuleList) and ctx.name.isdigit():
        return int(ctx.name), len(parent)
    return None


def _block(ctx) -> list:
    where = _index_in_list(ctx)
    i, n = where if where else (None, None)
    pos_en = f" {i + 1} of {n} (index {i})" if where else ""
    pos_ko = f"블록 {n}개 중 {i + 1}번째(인덱스 {i})" if where else ""
    cross = any("Cross" in type(m).__name__ or "EncDec" in n for n, m in ctx.module.named_modules())
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
        _parts_sentence(ctx),
    ]
    if where and n > 1:
        out.append(
            (
                f"All {n} blocks have the same structure but their own weights.",
                f"블록 {n}개는 구조가 같지만 가중치는 각자 따로 가집니다.",
            )
        )
    return out


def _module_list(ctx) -> list:
    kids = ctx.children()
    n = len(kids)
    if not n:
        return [("An empty ModuleList.", "비어 있는 목록(ModuleList)입니다.")]
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
    if all(_has_attention(c) for _, c in kids):
        each = sum(p.numel() for p in kids[0][1].parameters())
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


def _encoder(ctx) -> list:
    rel, _, block, n = _stack(ctx.module)
    dec = _decoder(ctx.module)
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
        out.append(_parts_sentence(ctx))
    return out


def _output(ctx) -> list:
    sizes = [_linear_size(c) for _, c in ctx.children() if _linear_size(c)]
    size = f" ({num(sizes[0][0])} → {num(sizes[0][1])})" if sizes else ""
    if ctx.type.endswith("SelfOutput"):
        en = "Finishes the attention sublayer: a dense projection{}, dropout, then adds the "
        ko = "어텐션 하위 층을 마무리합니다. 선형 변환{}과 드롭아웃을 거친 뒤 "
    else:
        en = "Finishes the feed-forward sublayer: a dense layer{} back to the model size, dropout, "
        en += "then adds the "
        ko = "피드 포워드 하위 층을 마무리합니다. 원래 크기로 되돌리는 선형 변환{}과 드롭아웃을 거친 뒤 "
    return [
        (
            en.format(size) + "sublayer's input (residual connection) and applies LayerNorm.",
            ko.format(size) + "하위 층의 입력을 더하고(잔차 연결) LayerNorm을 적용합니다.",
        ),
        _parts_sentence(ctx),
    ]


def _pooler(ctx) -> list:
    sizes = [_linear_size(c) for _, c in ctx.children() if _linear_size(c)]
    size = f" ({num(sizes[0][0])} → {num(sizes[0][1])})" if sizes else ""
    return [
        (
            f"The pooler: takes the first token's vector ([CLS]), passes it through a dense "
            f"layer{size} and tanh; the result (the pooled output) summarizes the whole input "
            "for classification heads.",
            f"풀러(pooler)입니다. 첫 번째 토큰([CLS])의 벡터를 선형 변환층{size}과 tanh에 "
            "통과시켜 입력 전체를 요약하는 벡터(pooled output)를 만들며, 분류 헤드가 이 벡터를 "
            "사용합니다.",
        ),
        _parts_sentence(ctx),
    ]


def _sequential(ctx) -> list:
    kids = ctx.children()
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


def describe_moe(ctx):
    """Mixture-of-experts parts (block, router, experts), or None."""
    m, t = ctx.module, ctx.type
    k, n = getattr(m, "top_k", None), getattr(m, "num_experts", None)
    up = ctx.parent
    if up is not None and ("Moe" in ctx.parent_type or "MoE" in ctx.parent_type):
        # transformers 4.x keeps the router as a plain Linear `gate` and the experts as a
        # ModuleList of per-expert MLPs inside the MoE block, which holds the counts.
        k = k or getattr(up, "top_k", None) or getattr(up, "num_experts_per_tok", None)
        n = n or getattr(up, "num_experts", None) or getattr(up, "num_local_experts", None)
        if ctx.name == "gate" and n:
            t = "Router"
        elif ctx.name == "experts" and isinstance(m, nn.ModuleList) and n:
            return [
                (
                    f"The {n} experts of a mixture-of-experts layer, each its own feed-forward "
                    "network (one module per expert); each token only runs through the few "
                    "experts its router picks.",
                    f"전문가 혼합(MoE) 층의 전문가 {n}개입니다. 각 전문가는 자기만의 피드 포워드 "
                    "네트워크(전문가마다 모듈 하나)이며, 각 토큰은 라우터가 고른 몇 개의 전문가만 "
                    "거칩니다.",
                )
            ]
    if "Router" in t and n:
        pick = f"top {k}" if k else "best"
        return [
            (
                f"The router of a mixture-of-experts layer: scores each of the {n} experts for "
                f"every token and sends the token to its {pick} experts, whose outputs are mixed "
                "with the router's weights.",
                f"전문가 혼합(MoE) 층의 라우터입니다. 토큰마다 전문가 {n}개에 점수를 매겨 상위 "
                f"{k or 1}개 전문가에게 보내고, 그 출력들을 라우터의 가중치로 섞습니다.",
            )
        ]
    if t.endswith("Experts") and n:
        h, i = getattr(m, "hidden_dim", None), getattr(m, "intermediate_dim", None)
        size = f" ({num(h)} → {num(i)} → {num(h)})" if h and i else ""
        return [
            (
                f"The {n} experts of a mixture-of-experts layer, each its own feed-forward "
                f"network{size}, stored together as stacked tensors; each token only runs through "
                "the few experts its router picks.",
                f"전문가 혼합(MoE) 층의 전문가 {n}개입니다. 각 전문가는 자기만의 피드 포워드 "
                f"네트워크{size}이며, 가중치는 하나로 쌓인 텐서에 함께 저장됩니다. 각 토큰은 "
                "라우터가 고른 몇 개의 전문가만 거칩니다.",
            )
        ]
    if "Moe" in t or "MoE" in t:
        return [
            (
                "A mixture-of-experts feed-forward layer: a router picks a few experts for each "
                "token"
                + (f" (top {k})" if k else "")
                + " and mixes their outputs, so only part of the parameters work on any token.",
                "전문가 혼합(MoE) 피드 포워드 층입니다. 라우터가 토큰마다 몇 개의 전문가를 골라"
                + (f"(상위 {k}개)" if k else "")
                + " 그 출력을 섞으므로, 한 토큰에는 전체 파라미터 중 일부만 쓰입니다.",
            ),
            _parts_sentence(ctx),
        ]
    return None


def describe_container(ctx):
    """Sentences for a known kind of container, or None."""
    m, t, name = ctx.module, ctx.type, ctx.name
    moe = describe_moe(ctx)
    if moe:
        return moe
    if not ctx.children():
        return None
    if _is_hf_model(m) and not (name in ("encoder", "decoder") and _stack(m) is not None):
        return _backbone(ctx)
    if isinstance(m, nn.Sequential):
        return _sequential(ctx)
    if isinstance(m, nn.ModuleList):
        return _module_list(ctx)
    if isinstance(m, nn.ModuleDict):
        keys = names(k for k, _ in ctx.children())
        return [
            (
                f"A ModuleDict: a named collection of {len(ctx.children())} modules ({keys}); the "
                "model's code decides how they are used.",
                f"ModuleDict로, 이름이 붙은 모듈 {len(ctx.children())}개({keys})를 담고 있습니다. "
                "어떻게 쓰이는지는 모델 코드가 정합니다.",
            )
        ]
    if t.endswith("Embeddings") and any(isinstance(c, nn.Embedding) for _, c in ctx.children()):
        return _embeddings(ctx)
    if _is_attention(m):
        return _attention(ctx)
    if t.endswith(_MLP_TYPES) or t == "T5LayerFF" or name in ("ffn", "mlp", "feed_forward"):
        return _mlp(ctx)
    if t.endswith("Output") and not _has_attention(m):
        return _output(ctx)
    if "Pooler" in t:
        return _pooler(ctx)
    if _has_attention(m) and _stack(m) is None:
        return _block(ctx)
    if _stack(m) is not None:
        return _encoder(ctx)
    if "Head" in t or "Predictions" in t:
        return [
            (
                f"A task head ({t}) that turns the backbone's vectors into the task's outputs.",
                f"백본의 벡터를 작업에 맞는 출력으로 바꾸는 태스크 헤드({t})입니다.",
            ),
            _parts_sentence(ctx),
        ]
    return None


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
    own = [
        f"{n} {list(x.shape)}"
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
