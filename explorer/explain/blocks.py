"""Explanations of containers: whole models, backbones, blocks, attention, FFN, lists, others."""

from __future__ import annotations

from torch import nn

from .activations import activation_info
from .language import josa, names, num

_TASKS = [
    (
        "ForSequenceClassification",
        "sequence classification: one label for a whole text, e.g. positive or negative sentiment",
        "시퀀스 분류(예: 감성 분석처럼 텍스트 전체에 레이블 하나를 붙이는 작업)",
    ),
    (
        "ForQuestionAnswering",
        "extractive question answering: finding the answer to a question as a span of the context",
        "추출형 질의 응답(질문에 대한 답을 문맥 안의 한 구간으로 찾아내는 작업)",
    ),
    (
        "ForTokenClassification",
        "token classification: one label per token, e.g. named entities",
        "토큰 분류(예: 개체명 인식처럼 토큰마다 레이블을 붙이는 작업)",
    ),
    (
        "ForMaskedLM",
        "masked language modeling: predicting hidden (masked) tokens",
        "마스크 언어 모델링(가려진 토큰을 맞히는 작업)",
    ),
    (
        "ForCausalLM",
        "causal language modeling: predicting the next token, which is how it generates text",
        "인과적 언어 모델링(다음 토큰을 예측하며 텍스트를 생성하는 작업)",
    ),
    (
        "LMHeadModel",
        "causal language modeling: predicting the next token, which is how it generates text",
        "인과적 언어 모델링(다음 토큰을 예측하며 텍스트를 생성하는 작업)",
    ),
    (
        "ForConditionalGeneration",
        "sequence-to-sequence generation: an encoder reads the input, a decoder writes the output",
        "시퀀스-투-시퀀스 생성(인코더가 입력을 읽고 디코더가 출력을 만드는 작업)",
    ),
    (
        "ForMultipleChoice",
        "multiple choice: scoring each candidate answer",
        "객관식 문제 풀이(각 보기에 점수를 매기는 작업)",
    ),
]
_FAMILY = {
    "distilbert": "DistilBERT",
    "bert": "BERT",
    "roberta": "RoBERTa",
    "gpt2": "GPT-2",
    "llama": "Llama",
    "mistral": "Mistral",
    "t5": "T5",
    "albert": "ALBERT",
    "electra": "ELECTRA",
    "qwen2": "Qwen2",
}


def _is_hf_model(m) -> bool:
    return hasattr(m, "config") and hasattr(m, "base_model_prefix")


def _is_attention(m) -> bool:
    return "Attention" in type(m).__name__


def _has_attention(m) -> bool:
    return any(_is_attention(x) for x in m.modules())


def _linear_size(m):
    if isinstance(m, nn.Linear):
        return m.in_features, m.out_features
    if type(m).__name__ == "Conv1D" and hasattr(m, "nf"):
        return m.nx, m.nf
    return None


def _family(ctx) -> str:
    kind = getattr(ctx.config, "model_type", "") or ""
    return _FAMILY.get(kind, kind or type(ctx.model).__name__)


def _hidden(ctx):
    return getattr(ctx.config, "hidden_size", None) if ctx.config is not None else None


def _parts(ctx) -> str:
    return names((f"{n} ({type(c).__name__})" for n, c in ctx.children()), 8)


def _stack(module):
    """``(relative path, ModuleList, block type, count)`` of the first list of blocks, or None."""
    for rel, m in module.named_modules():
        if isinstance(m, nn.ModuleList) and len(m) and all(_has_attention(b) for b in m):
            kinds = {type(b).__name__ for b in m}
            return rel, m, " / ".join(sorted(kinds)), len(m)
    return None


def _decoder(module) -> bool:
    return any(
        _is_attention(m) and (getattr(m, "is_causal", False) or getattr(m, "is_decoder", False))
        for m in module.modules()
    )


def _stack_sentence(ctx, subject_en: str, subject_ko: str):
    found = _stack(ctx.module)
    if not found:
        return None
    _, _, block, n = found
    h = _hidden(ctx)
    return (
        f"{subject_en} has {n} {block} block{'s' if n != 1 else ''}"
        + (f" with hidden size {num(h)}." if h else "."),
        f"{subject_ko} {block} 블록 {n}개로 이루어져 있습니다"
        + (f"(은닉 크기 {num(h)})." if h else "."),
    )


def describe_model(ctx):
    """The whole Hugging Face model (root path), or None for anything else."""
    if ctx.path or not _is_hf_model(ctx.module):
        return None
    cls = ctx.type
    task = next(((en, ko) for suffix, en, ko in _TASKS if cls.endswith(suffix)), None)
    prefix = getattr(ctx.module, "base_model_prefix", "")
    backbone = getattr(ctx.module, prefix, None) if prefix else None
    h = _hidden(ctx)
    if task is not None and not isinstance(backbone, nn.Module):
        out = [
            (
                f"{cls} is the whole model, built for {task[0]}.",
                f"{cls}{josa(cls, '은', '는')} {task[1]}을 위한 전체 모델입니다.",
            ),
            (f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}."),
        ]
    elif task is None:
        out = [
            (
                f"{cls} is a bare {_family(ctx)} backbone without a task head"
                + (f": it outputs one {num(h)}-dimensional vector per token." if h else "."),
                f"{cls}{josa(cls, '은', '는')} 태스크 헤드가 없는 {_family(ctx)} 본체(백본)입니다."
                + (f" 토큰마다 {num(h)}차원 벡터(은닉 상태)를 출력합니다." if h else ""),
            ),
            (f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}."),
        ]
    else:
        heads = [(n, c) for n, c in ctx.children() if c is not backbone]
        head_text = names((f"{n} ({type(c).__name__})" for n, c in heads), 8)
        out = [
            (
                f"{cls} is the whole model, built for {task[0]}.",
                f"{cls}{josa(cls, '은', '는')} {task[1]}을 위한 전체 모델입니다.",
            ),
            (
                f"It is a {_family(ctx)} backbone ({prefix}) with a task head on top: {head_text}.",
                f"{_family(ctx)} 본체(백본, {prefix}) 위에 태스크 헤드가 올라가 있습니다. 헤드 "
                f"구성: {head_text}.",
            )
            if heads
            else (f"Its backbone is {prefix}.", f"본체(백본)는 {prefix}입니다."),
        ]
    if isinstance(backbone, nn.Module):
        stack = _stack_sentence(ctx, "The backbone", "백본은")
    else:
        rel = (_stack(ctx.module) or ("",))[0]
        stack = _stack_sentence(ctx, f"Its {rel}", f"{rel}{josa(rel, '은', '는')}")
    return out + ([stack] if stack else [])


def _backbone(ctx) -> list:
    found = _stack(ctx.module)
    h = _hidden(ctx)
    fam = _family(ctx)
    block = f"{found[3]} {found[2]} block{'s' if found[3] != 1 else ''}" if found else "blocks"
    block_ko = f"{found[2]} 블록 {found[3]}개" if found else "블록들"
    return [
        (
            f"The {fam} backbone ({ctx.type}): embeddings followed by a stack of {block}; it "
            + (
                f"outputs one {num(h)}-dimensional vector per token"
                if h
                else "outputs a vector per token"
            )
            + ", which the task head on top uses.",
            f"{fam} 본체(백본, {ctx.type})입니다. 임베딩 뒤에 {block_ko}{josa(block_ko, '이', '가')} "
            "쌓여 있으며, 토큰마다 "
            + (f"{num(h)}차원 벡터를" if h else "벡터를")
            + " 출력하고 그 위의 태스크 헤드가 이 출력을 사용합니다.",
        ),
        (f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}."),
    ]


def _embeddings(ctx) -> list:
    embs = [(n, c) for n, c in ctx.children() if isinstance(c, nn.Embedding)]
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


def _attention(ctx) -> list:
    m = ctx.module
    inner = [(n, c) for n, c in ctx.children() if _is_attention(c)]
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
            (f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}."),
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
    if ctx.children():
        out.append((f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}."))
    return out


def _act_name(ctx):
    for _, c in ctx.children():
        info = activation_info(c)
        if info:
            return info[0]
    return None


def _mlp(ctx) -> list:
    kids = dict(ctx.children())
    act = _act_name(ctx)
    gate = kids.get("gate_proj") or kids.get("wi_0")
    if gate is not None and _linear_size(gate):
        h, i = _linear_size(gate)
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
    lins = [(n, _linear_size(c)) for n, c in ctx.children() if _linear_size(c)]
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
        return None
    return [
        (
            "The feed-forward sublayer: normalizes its input, runs the feed-forward network, "
            "applies dropout and adds the result back to the input (residual connection).",
            "피드 포워드 하위 층입니다. 입력을 정규화하고 피드 포워드 네트워크를 실행한 뒤, "
            "드롭아웃을 적용하고 결과를 입력에 다시 더합니다(잔차 연결).",
        ),
        (f"Parts: {_parts(ctx)}.", f"구성: {_parts(ctx)}."),
    ]
