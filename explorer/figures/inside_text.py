"""The Inside view's sentences in English and Korean, and its plain-text summary of a module."""

from __future__ import annotations

from typing import Any

from ..tree.pages import format_shapes

__all__ = ["WORDS", "words", "summary", "short", "attention_facts", "head_label"]

WORDS = {
    "en": {
        "model": "the model",
        "input": "Input",
        "question": "Question",
        "context": "Context",
        "head": "Head",
        "call": "Call",
        "head_n": "head {i}",
        "call_n": "call {i} of {n}",
        "no_trace": "Nothing to look inside yet: {why}",
        "no_input": "type an input in the box above.",
        "not_module": "This panel runs {kind}, not a PyTorch model: it has no modules to look "
        "inside.",
        "not_run": "{note}",
        "container": "{note}",
        "no_tensor": "{note}",
        "no_tokens": "{where}'s output has shape {shape}: it has no token axis (it is not "
        "shaped [1, {n} tokens, …]), so there is no per-token view.",
        "no_attention": "No attention map for {where}: {why}",
        "no_lens": "{note}",
        "windows": "The context needs {n} windows of the model; these views show the first.",
        "truncated": "The text was cut to the model's window: these views show its first "
        "{n} tokens.",
        "truncated_last": "The text was cut to the model's window: these views show its last "
        "{n} tokens.",
        "unknown": "{where} is not a module of this model: {why}",
        "failed": "This view failed ({why}); the other tabs are unaffected.",
        "shown_lens": "Shown: the lens, the head applied to every layer (the last row is the "
        "prediction)",
        "shown_attention": "Shown: attention weights of head {head} of {heads}",
        "shown_grouped": "Shown: attention weights of head {head} of {heads}, which uses "
        "key/value head {kv} of {kvs}",
        "head_kv": "head {i} \u00b7 key/value head {kv}",
        "positions": "Positions",
        "absolute": "absolute (a learned position embedding is added to each token)",
        "rotary": "rotary (queries and keys are turned by their position)",
        "partial": "partial rotary (queries and keys are turned by their position on {share} of "
        "each head's dimensions)",
        "disentangled": "relative, disentangled (content-to-position and position-to-content "
        "scores from relative distances)",
        "bias": "relative (a learned bias per head for each bucket of relative distance)",
        "no_positions": "none this view recognises",
        "heads": "Heads",
        "grouped": "{heads} query heads share {kv} key/value heads ({g} query heads per "
        "key/value head)",
        "one_kv": "{heads} query heads share 1 key/value head (multi-query)",
        "own_kv": "{heads}, each with its own keys and values",
        "mask": "Mask",
        "causal": "causal: each token sees itself and the tokens before it",
        "bidirectional": "bidirectional: each token sees every token",
        "padding": "; padding tokens ({n}) are hidden from every token",
        "layer": "Layer",
        "global": "global: it sees the whole input (other layers of this model use a window)",
        "sliding": "local: a sliding window of {size} tokens (each token sees itself and the "
        "{back} before it)",
        "band": "local: a local band \u00b1{back} (each token sees the {back} tokens on either "
        "side)",
        "span": "local: a window of {back} tokens back and {ahead} ahead",
        "wide": "; it is longer than this input, so here it hides nothing",
        "softcap": "Softcap",
        "capped": "each score becomes {cap} \u00b7 tanh(score / {cap}) before the softmax",
        "weights": "Weights",
        "eager_weights": "the weights eager attention returned ({impl})",
        "own_weights": "the probabilities the family's own attention code formed ({impl})",
        "recomputed": "recomputed from the queries and keys the {impl} attention used",
        "shown_norms": "Shown: the norm of each token's output vector",
        "shape": "Output shape {shape}",
        "stats": "mean {mean}, std {std}, min {min}, max {max}",
        "tokens": "{n} tokens",
    },
    "ko": {
        "model": "모델 전체",
        "input": "입력",
        "question": "질문",
        "context": "문맥",
        "head": "헤드",
        "call": "호출",
        "head_n": "헤드 {i}",
        "call_n": "호출 {i}/{n}",
        "no_trace": "아직 들여다볼 것이 없습니다: {why}",
        "no_input": "위 입력 칸에 텍스트를 입력하세요.",
        "not_module": "이 패널은 PyTorch 모델이 아니라 {kind}을(를) 실행합니다: 들여다볼 모듈이 "
        "없습니다.",
        "not_run": "{where}은(는) 이 입력에서 실행되지 않았습니다: 순전파가 이 모듈을 호출하지 "
        "않았습니다.",
        "container": "{where}은(는) 컨테이너입니다: 자신은 호출되지 않고, 그 안의 모듈들이 "
        "호출됩니다.",
        "no_tensor": "{where}의 출력에는 텐서가 없습니다.",
        "no_tokens": "{where}의 출력 모양은 {shape}입니다: 토큰 축이 없어서([1, 토큰 {n}개, …] "
        "모양이 아님) 토큰별로 볼 수 없습니다.",
        "no_attention": "{where}의 어텐션 맵이 없습니다: {why}",
        "no_lens": "{note}",
        "windows": "문맥이 모델 창 {n}개로 나뉩니다. 여기서는 첫 번째 창을 보여 줍니다.",
        "truncated": "텍스트가 모델의 창에 맞게 잘렸습니다. 여기서는 앞의 토큰 {n}개를 보여 "
        "줍니다.",
        "truncated_last": "텍스트가 모델의 창에 맞게 잘렸습니다. 여기서는 마지막 토큰 {n}개를 "
        "보여 줍니다.",
        "unknown": "{where}은(는) 이 모델의 모듈이 아닙니다: {why}",
        "failed": "이 보기를 그리지 못했습니다({why}). 다른 탭은 영향을 받지 않습니다.",
        "shown_lens": "표시: 렌즈, 모든 층에 헤드를 적용한 값 (마지막 행이 예측)",
        "shown_attention": "표시: 헤드 {head}/{heads}의 어텐션 가중치",
        "shown_grouped": "표시: 헤드 {head}/{heads}의 어텐션 가중치 (키/값 헤드 {kv}/{kvs} 사용)",
        "head_kv": "헤드 {i} \u00b7 키/값 헤드 {kv}",
        "positions": "위치",
        "absolute": "절대 위치 (학습된 위치 임베딩을 각 토큰에 더함)",
        "rotary": "회전(RoPE) (쿼리와 키를 위치만큼 회전)",
        "partial": "부분 회전(RoPE) (각 헤드 차원의 {share}만 쿼리와 키를 위치만큼 회전)",
        "disentangled": "상대 위치, 분리형 (상대 거리로 내용→위치, 위치→내용 점수를 더함)",
        "bias": "상대 위치 (상대 거리 구간마다 헤드별로 학습된 편향을 더함)",
        "no_positions": "이 보기가 알아보는 위치 정보 없음",
        "heads": "헤드",
        "grouped": "쿼리 헤드 {heads}개가 키/값 헤드 {kv}개를 나눠 씀 (키/값 헤드 하나에 쿼리 "
        "헤드 {g}개)",
        "one_kv": "쿼리 헤드 {heads}개가 키/값 헤드 1개를 나눠 씀 (멀티 쿼리)",
        "own_kv": "{heads}개, 각자 자신의 키와 값",
        "mask": "마스크",
        "causal": "인과적: 각 토큰은 자신과 앞선 토큰만 봄",
        "bidirectional": "양방향: 각 토큰이 모든 토큰을 봄",
        "padding": "; 패딩 토큰({n}개)은 어떤 토큰에게도 보이지 않음",
        "layer": "층",
        "global": "전역: 입력 전체를 봄 (이 모델의 다른 층은 윈도를 씀)",
        "sliding": "지역: 크기 {size}인 슬라이딩 윈도 (각 토큰은 자신과 앞의 토큰 {back}개를 봄)",
        "band": "지역: 지역 대역 \u00b1{back} (각 토큰은 양쪽으로 토큰 {back}개씩 봄)",
        "span": "지역: 뒤로 토큰 {back}개, 앞으로 {ahead}개를 보는 윈도",
        "wide": "; 이 입력보다 길어서 여기서는 가리는 것이 없음",
        "softcap": "소프트캡",
        "capped": "소프트맥스 전에 각 점수가 {cap} \u00b7 tanh(점수 / {cap})가 됨",
        "weights": "가중치",
        "eager_weights": "eager 어텐션이 돌려준 가중치 ({impl})",
        "own_weights": "이 계열의 자체 어텐션 코드가 만든 확률 ({impl})",
        "recomputed": "{impl} 어텐션이 쓴 쿼리와 키로 다시 계산한 가중치",
        "shown_norms": "표시: 토큰별 출력 벡터의 노름",
        "shape": "출력 모양 {shape}",
        "stats": "평균 {mean}, 표준편차 {std}, 최솟값 {min}, 최댓값 {max}",
        "tokens": "토큰 {n}개",
    },
}


def words(lang: str) -> dict[str, str]:
    """The sentences of ``lang`` ("en" or "ko"); ValueError naming the choices otherwise."""
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {', '.join(map(repr, WORDS))}, got {lang!r}")
    return WORDS[lang]


def short(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters with "…"."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def summary(trace: Any, path: str, kind: str, output: Any, shown: str, lang: str) -> str:
    """Plain text saying what the view shows: module, input, output shape and statistics.

    Parameters
    ----------
    trace : Trace
        The traced run.
    path, kind : str
        The module's path and class name.
    output : ModuleOutput or None
        Its output record (None: not read).
    shown : str
        The line naming what the figure shows ("" for none).
    lang : str
        "en" or "ko".
    """
    w = words(lang)
    lines = [f"{path or w['model']} ({kind})"]
    tokens = w["tokens"].format(n=len(trace.tokens))
    if trace.task == "answer":
        lines.append(f"{w['question']}: \u201c{short(trace.text)}\u201d ({tokens})")
        lines.append(f"{w['context']}: \u201c{short(trace.context or '')}\u201d")
    else:
        lines.append(f"{w['input']}: \u201c{short(trace.text)}\u201d ({tokens})")
    if output is not None and output.ran and output.shapes:
        line = w["shape"].format(shape=format_shapes(output.shapes))
        if output.mean is not None:
            stats = {k: _number(getattr(output, k)) for k in ("mean", "std", "min", "max")}
            line += "; " + w["stats"].format(**stats)
        lines.append(line)
    if shown:
        lines.append(shown)
    return "\n".join(lines)


def head_label(info: Any, head: int, lang: str) -> str:
    """The head picker's label of query head ``head`` (from 0): with the key/value head it uses
    when heads are grouped."""
    w = words(lang)
    if info is None or info.kv_heads == info.heads:
        return w["head_n"].format(i=head + 1)
    return w["head_kv"].format(i=head + 1, kv=info.kv_head_of[head] + 1)


def _positions(info: Any, w: dict[str, str]) -> str:
    parts = []
    if info.positions in ("absolute", "absolute + relative"):
        parts.append(w["absolute"])
    if "relative" in info.positions:
        parts.append(w["disentangled" if "disentangled" in info.positions_note else "bias"])
    if info.positions == "rotary":
        fraction = info.rotary_fraction
        partial = fraction is not None and fraction < 1
        parts.append(w["partial"].format(share=f"{fraction:.0%}") if partial else w["rotary"])
    return "; ".join(parts) or w["no_positions"]


def _heads(info: Any, w: dict[str, str]) -> str:
    if info.kv_heads == info.heads:
        return w["own_kv"].format(heads=info.heads)
    if info.kv_heads == 1:
        return w["one_kv"].format(heads=info.heads)
    return w["grouped"].format(heads=info.heads, kv=info.kv_heads, g=info.heads // info.kv_heads)


def _layer(info: Any, w: dict[str, str], tokens: int) -> str:
    if info.window is None:
        return w["global"]
    back, ahead = info.window
    if ahead == 0:
        text = w["sliding"].format(size=back + 1, back=back)
    elif ahead == back:
        text = w["band"].format(back=back)
    else:
        text = w["span"].format(back=back, ahead=ahead)
    if back >= tokens - 1 and (ahead >= tokens - 1 or info.causal):
        text += w["wide"]
    return text


def attention_facts(info: Any, lang: str) -> list[tuple[str, str]]:
    """``(label, sentence)`` pairs saying how one attention layer attends, from its
    :class:`~explorer.trace.AttentionInfo`: positions, heads, mask, the layer's window (in a
    model with windows), softcap, and where the weights come from."""
    w = words(lang)
    tokens = len(info.allowed)
    mask = w["causal" if info.causal else "bidirectional"]
    if info.padded:
        mask += w["padding"].format(n=len(info.padded))
    facts = [(w["positions"], _positions(info, w)), (w["heads"], _heads(info, w)),
             (w["mask"], mask)]  # fmt: skip
    if info.window is not None or info.is_global is not None:
        facts.append((w["layer"], _layer(info, w, tokens)))
    if info.softcap is not None:
        facts.append((w["softcap"], w["capped"].format(cap=f"{info.softcap:g}")))
    impl = info.implementation
    if impl == "own code":
        source = w["own_weights"].format(impl=impl)
    elif info.source.startswith("the weights eager"):
        source = w["eager_weights"].format(impl=impl)
    else:
        source = w["recomputed"].format(impl=impl)
    facts.append((w["weights"], source))
    return facts
