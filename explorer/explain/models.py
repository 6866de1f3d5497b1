"""Describers of whole Hugging Face models and of backbones nested in them."""

from __future__ import annotations

from torch import nn

from .language import josa, names, num
from .structure import find_stack, hidden_size, is_hf_model, parts_sentence

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
    (
        "ForImageClassification",
        "image classification: one label for a whole image",
        "이미지 분류(이미지 전체에 레이블 하나를 붙이는 작업)",
    ),
    (
        "ForImageClassificationWithTeacher",
        "image classification with two heads: one on the [CLS] token and a distillation head "
        "trained to match a teacher model; their logits are averaged",
        "이미지 분류(두 헤드, 즉 [CLS] 토큰의 헤드와 교사 모델을 따라 하도록 학습된 증류 헤드의 "
        "로짓을 평균하는 작업)",
    ),
    (
        "ForAudioClassification",
        "audio classification: one label for a whole recording",
        "오디오 분류(녹음 전체에 레이블 하나를 붙이는 작업)",
    ),
    (
        "ForCTC",
        "speech recognition with CTC: scores over the vocabulary for every audio frame, "
        "collapsed into text",
        "CTC 음성 인식(오디오 프레임마다 어휘 점수를 내고 이를 합쳐 텍스트로 만드는 작업)",
    ),
    (
        "ForSemanticSegmentation",
        "semantic segmentation: a label for every pixel",
        "의미 분할(픽셀마다 레이블을 붙이는 작업)",
    ),
    (
        "ForObjectDetection",
        "object detection: a box and a label for each object in an image",
        "객체 탐지(이미지 속 물체마다 상자와 레이블을 찾는 작업)",
    ),
    (
        "ForMaskedImageModeling",
        "masked image modeling: reconstructing hidden image patches",
        "마스크 이미지 모델링(가려진 이미지 패치를 복원하는 작업)",
    ),
    (
        "ForDepthEstimation",
        "depth estimation: a distance for every pixel",
        "깊이 추정(픽셀마다 거리를 예측하는 작업)",
    ),
    (
        "ForPreTraining",
        "pretraining: the objectives it was first trained with, one head each",
        "사전 학습(처음 학습할 때 쓰인 목표마다 헤드를 하나씩 두고 푸는 작업)",
    ),
    (
        "ForNextSentencePrediction",
        "next-sentence prediction: whether the second text follows the first",
        "다음 문장 예측(두 번째 텍스트가 첫 번째 텍스트에 이어지는지 판단하는 작업)",
    ),
]
# Sequence classification of sound: the same head, a recording instead of a text.
_AUDIO_CLASSIFICATION = next(t[1:] for t in _TASKS if t[0] == "ForAudioClassification")
_AUDIO_INPUTS = ("input_values", "input_features")
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
    "vit": "ViT",
    "audio-spectrogram-transformer": "AST",
}


def _family(ctx) -> str:
    kind = getattr(ctx.config, "model_type", "") or ""
    return _FAMILY.get(kind, kind or type(ctx.model).__name__)


def _stack_sentence(ctx, subject_en: str, subject_ko: str):
    found = find_stack(ctx.module)
    if not found:
        return None
    _, _, block, n = found
    h = hidden_size(ctx)
    return (
        f"{subject_en} has {n} {block} block{'s' if n != 1 else ''}"
        + (f" with hidden size {num(h)}." if h else "."),
        f"{subject_ko} {block} 블록 {n}개로 이루어져 있습니다"
        + (f"(은닉 크기 {num(h)})." if h else "."),
    )


def describe_model(ctx):
    """The whole Hugging Face model (the root path): its task, backbone, head and blocks."""
    if ctx.path or not is_hf_model(ctx.module):
        return None
    cls = ctx.type
    task = next(((en, ko) for suffix, en, ko in _TASKS if cls.endswith(suffix)), None)
    if cls.endswith("ForSequenceClassification"):
        if getattr(ctx.module, "main_input_name", "") in _AUDIO_INPUTS:
            task = _AUDIO_CLASSIFICATION
    prefix = getattr(ctx.module, "base_model_prefix", "")
    backbone = getattr(ctx.module, prefix, None) if prefix else None
    h = hidden_size(ctx)
    heads = [(n, c) for n, c in ctx.children() if c is not backbone]
    if task is None and isinstance(backbone, nn.Module) and heads:
        # a head this list does not name: still the whole model, not a bare backbone
        head_text = names((f"{n} ({type(c).__name__})" for n, c in heads), 8)
        out = [
            (
                f"{cls} is the whole model: a {_family(ctx)} backbone ({prefix}) with a head on "
                f"top: {head_text}.",
                f"{cls}{josa(cls, '은', '는')} {_family(ctx)} 본체(백본, {prefix}) 위에 헤드를 "
                f"올린 전체 모델입니다. 헤드 구성: {head_text}.",
            )
        ]
    elif task is not None and not isinstance(backbone, nn.Module):
        out = [
            (
                f"{cls} is the whole model, built for {task[0]}.",
                f"{cls}{josa(cls, '은', '는')} {task[1]}을 위한 전체 모델입니다.",
            ),
            parts_sentence(ctx),
        ]
    elif task is None:
        out = [
            (
                f"{cls} is a bare {_family(ctx)} backbone without a task head"
                + (f": it outputs one {num(h)}-dimensional vector per token." if h else "."),
                f"{cls}{josa(cls, '은', '는')} 태스크 헤드가 없는 {_family(ctx)} 본체(백본)입니다."
                + (f" 토큰마다 {num(h)}차원 벡터(은닉 상태)를 출력합니다." if h else ""),
            ),
            parts_sentence(ctx),
        ]
    else:
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
        rel = (find_stack(ctx.module) or ("",))[0]
        stack = _stack_sentence(ctx, f"Its {rel}", f"{rel}{josa(rel, '은', '는')}")
    return out + ([stack] if stack else [])


def describe_backbone(ctx):
    """A Hugging Face model nested in another (e.g. ``distilbert`` in a classifier).

    An encoder or decoder that is itself a ``PreTrainedModel`` (T5's ``T5Stack``) is left to
    :func:`~explorer.explain.containers.describe_stack`.
    """
    if not ctx.children() or not is_hf_model(ctx.module):
        return None
    if ctx.name in ("encoder", "decoder") and find_stack(ctx.module) is not None:
        return None
    found = find_stack(ctx.module)
    h = hidden_size(ctx)
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
        parts_sentence(ctx),
    ]
