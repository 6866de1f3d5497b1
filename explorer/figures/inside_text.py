"""The Inside view's sentences in English and Korean, and its plain-text summary of a module."""

from __future__ import annotations

from typing import Any

from ..tree.pages import format_shapes

__all__ = ["WORDS", "words", "summary", "short"]

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
