"""Describers of the sublayers inside a transformer block: embeddings, attention, FFN, pooler."""

from __future__ import annotations

from torch import nn

from .activations import activation_info
from .generic import describe_generic
from .language import num
from .structure import has_attention, is_attention, linear_size, parts_sentence

_MLP_TYPES = ("FFN", "MLP", "FeedForward", "DenseActDense", "DenseGatedActDense", "Intermediate")
_MLP_NAMES = ("ffn", "mlp", "feed_forward")


def describe_embeddings_block(ctx):
    """An ``...Embeddings`` block that sums token, position (and segment) embeddings."""
    embs = [(n, c) for n, c in ctx.children() if isinstance(c, nn.Embedding)]
    if not ctx.type.endswith("Embeddings") or not embs:
        return None
    listing = ", ".join(f"{n} ({num(c.num_embeddings)} × {num(c.embedding_dim)})" for n, c in embs)
    norm = any("norm" in n.lower() for n, _ in ctx.children())
    drop = any(isinstance(c, nn.Dropout) for _, c in ctx.children())
    after_en = " and ".join(
        x for x, ok in (("normalize the sum (LayerNorm)", norm), ("apply dropout", drop)) if ok
    )
    after_ko = " ".join(
        x for x, ok in (("LayerNorm으로 정규화하고", norm), ("드롭아웃을 적용합니다.", drop)) if ok
    )
    if after_ko.endswith("하고"):
        after_ko = after_ko[:-2] + "합니다."
    out = [
        (
            "The input embeddings turn token IDs into vectors: they "
            + ("add up " if len(embs) > 1 else "look up ")
            + listing
            + (f", then {after_en}." if after_en else "."),
            "입력 토큰을 벡터 공간에 임베딩하는 층입니다. "
            + ("다음 임베딩들을 더합니다: " if len(embs) > 1 else "다음 임베딩을 찾아 씁니다: ")
            + listing
            + "."
            + (f" 그다음 {after_ko}" if after_ko else ""),
        )
    ]
    words = [c for n, c in embs if n in ("word_embeddings", "wte", "embed_tokens")]
    poss = [c for n, c in embs if n in ("position_embeddings", "wpe")]
    if words and poss:
        v, p = num(words[0].num_embeddings), num(poss[0].num_embeddings)
        out.append(
            (
                f"Vocabulary size {v}; at most {p} positions.",
                f"어휘 크기는 {v}, 최대 시퀀스 길이는 {p}입니다.",
            )
        )
    return out


def _heads(m, config):
    heads = next(
        (
            getattr(m, a)
            for a in ("n_heads", "num_heads", "num_attention_heads")
            if isinstance(getattr(m, a, None), int)
        ),
        None,
    )
    hd = next(
        (
            getattr(m, a)
            for a in ("head_dim", "attention_head_size", "key_value_proj_dim")
            if isinstance(getattr(m, a, None), int)
        ),
        None,
    )
    cfg = getattr(m, "config", None) or config
    if heads is None and cfg is not None:
        heads = getattr(cfg, "num_attention_heads", None)
    kv = getattr(cfg, "num_key_value_heads", None) if cfg is not None else None
    return heads, hd, kv


def describe_attention(ctx):
    """An attention module (class name with ``Attention``), or a sublayer wrapping one."""
    m = ctx.module
    if not ctx.children() or not is_attention(m):
        return None
    inner = [(n, c) for n, c in ctx.children() if is_attention(c)]
    cross = getattr(m, "is_cross_attention", False) or any(
        w in (ctx.type + ctx.path) for w in ("Cross", "EncDec", "crossattention")
    )
    kind_en = "cross-attention" if cross else "self-attention"
    kind_ko = "교차 어텐션(cross-attention)" if cross else "자기 주의(self-attention)"
    if inner:
        return [
            (
                f"The {kind_en} sublayer. The inner attention ({inner[0][0]}) mixes information "
                "between tokens; the other parts project the result, add the sublayer's input "
                "back (residual connection) and normalize.",
                f"{kind_ko} 하위 층입니다. 안쪽의 어텐션({inner[0][0]})이 토큰 사이에서 정보를 "
                "섞고, 나머지 부분이 그 결과를 투영하고 하위 층의 입력을 다시 더한 뒤(잔차 연결) "
                "정규화합니다.",
            ),
            parts_sentence(ctx),
        ]
    out = [
        (
            f"Multi-head {kind_en}: every token makes a query, key and value; each query is "
            "compared with all keys to get attention weights, and the values are averaged with "
            "those weights.",
            f"다중 헤드 {kind_ko} 메커니즘입니다. 각 토큰이 쿼리, 키, 값 벡터를 만들고, 쿼리를 모든 "
            "토큰의 키와 비교해 어텐션 가중치를 구한 뒤 그 가중치로 값 벡터들의 가중 평균을 냅니다.",
        )
    ]
    if cross:
        out.append(
            (
                "Queries come from the decoder; keys and values come from the encoder's output.",
                "쿼리는 디코더에서, 키와 값은 인코더 출력에서 옵니다.",
            )
        )
    heads, hd, kv = _heads(m, ctx.config)
    if heads and hd:
        out.append(
            (
                f"{heads} heads of {num(hd)} dimensions each ({num(heads * hd)} in total).",
                f"헤드는 {heads}개이고 각 헤드는 {num(hd)}차원입니다(합계 {num(heads * hd)}차원).",
            )
        )
    elif heads:
        out.append((f"{heads} attention heads.", f"어텐션 헤드는 {heads}개입니다."))
    if heads and kv and kv != heads:
        out.append(
            (
                f"Grouped-query attention: the {heads} query heads share {kv} key/value heads.",
                f"그룹 쿼리 어텐션(GQA)으로, 쿼리 헤드 {heads}개가 키/값 헤드 {kv}개를 나누어 씁니다.",
            )
        )
    if getattr(m, "is_causal", False) and not cross:
        out.append(
            (
                "It is causal: each token only attends to itself and earlier tokens.",
                "인과적(causal) 어텐션이라 각 토큰은 자기 자신과 앞쪽 토큰만 볼 수 있습니다.",
            )
        )
    return out + [parts_sentence(ctx)]


def _act_name(ctx):
    for _, c in ctx.children():
        info = activation_info(c)
        if info:
            return info[0]
    return None


def describe_mlp(ctx):
    """A feed-forward network (FFN/MLP): gated, two layers, its first half, or the sublayer.

    A module that is an MLP by its class or attribute name but shows none of these parts gets
    the generic description: it must not fall through to the block or head describers.
    """
    t = ctx.type
    if not ctx.children():
        return None
    if not (t.endswith(_MLP_TYPES) or t == "T5LayerFF" or ctx.name in _MLP_NAMES):
        return None
    kids = dict(ctx.children())
    act = _act_name(ctx)
    gate = kids.get("gate_proj") or kids.get("wi_0")
    if gate is not None and linear_size(gate):
        h, i = linear_size(gate)
        g, u, d = (
            ("gate_proj", "up_proj", "down_proj") if "gate_proj" in kids else ("wi_0", "wi_1", "wo")
        )
        f = act or "act"
        return [
            (
                f"A gated feed-forward network (SwiGLU style), applied to each token separately: "
                f"{d}({f}({g}(x)) × {u}(x)), going {num(h)} → {num(i)} → {num(h)} dimensions.",
                f"게이트형 피드 포워드 네트워크(SwiGLU 방식)로, 각 토큰에 따로 적용됩니다. "
                f"{d}({f}({g}(x)) × {u}(x))를 계산하며 차원은 {num(h)} → {num(i)} → {num(h)}로 "
                "바뀝니다.",
            )
        ]
    lins = [(n, linear_size(c)) for n, c in ctx.children() if linear_size(c)]
    act_ko_name = {"GELU (tanh approximation)": "GELU(tanh 근사)"}.get(act, act)
    act_en = f", applies {act}" if act else ""
    act_ko = f", {act_ko_name} 활성화 함수를 거친 뒤" if act else ", 그다음"
    if len(lins) >= 2:
        (n1, (a, b)), (n2, (_, c)) = lins[0], lins[-1]
        return [
            (
                f"The feed-forward network (FFN), applied to each token separately: it first widens "
                f"the vector from {num(a)} to {num(b)} dimensions ({n1}){act_en}, then brings it "
                f"back to {num(c)} dimensions ({n2}).",
                f"피드 포워드 네트워크(FFN)로, 각 토큰에 따로 적용됩니다. 먼저 벡터를 {num(a)}차원에서 "
                f"{num(b)}차원으로 넓히고({n1}){act_ko} 다시 {num(c)}차원으로 되돌립니다({n2}).",
            )
        ]
    if len(lins) == 1:
        n1, (a, b) = lins[0]
        return [
            (
                f"The first half of the feed-forward network: widens each token's vector from "
                f"{num(a)} to {num(b)} dimensions ({n1})"
                + (f" and applies {act}" if act else "")
                + "; the next module brings it back.",
                f"피드 포워드 네트워크의 앞부분입니다. 각 토큰의 벡터를 {num(a)}차원에서 {num(b)}"
                f"차원으로 넓히고({n1})"
                + (f" {act_ko_name} 활성화 함수를 적용하며" if act else "")
                + ", 다음 모듈이 다시 원래 차원으로 되돌립니다.",
            )
        ]
    if not any("norm" in n.lower() for n, _ in ctx.children()):
        return describe_generic(ctx)
    return [
        (
            "The feed-forward sublayer: normalizes its input, runs the feed-forward network, "
            "applies dropout and adds the result back to the input (residual connection).",
            "피드 포워드 하위 층입니다. 입력을 정규화하고 피드 포워드 네트워크를 실행한 뒤, "
            "드롭아웃을 적용하고 결과를 입력에 다시 더합니다(잔차 연결).",
        ),
        parts_sentence(ctx),
    ]


def describe_sublayer_output(ctx):
    """BERT-style ``...Output`` / ``...SelfOutput``: dense, dropout, residual add, LayerNorm."""
    if not ctx.children() or not ctx.type.endswith("Output") or has_attention(ctx.module):
        return None
    sizes = [linear_size(c) for _, c in ctx.children() if linear_size(c)]
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
        parts_sentence(ctx),
    ]


def describe_pooler(ctx):
    """The pooler: first token's vector through a dense layer and tanh."""
    if not ctx.children() or "Pooler" not in ctx.type:
        return None
    sizes = [linear_size(c) for _, c in ctx.children() if linear_size(c)]
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
        parts_sentence(ctx),
    ]
