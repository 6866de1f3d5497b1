"""Explanations of vision and audio models: heads named as heads, patch embeddings described."""

from __future__ import annotations

import pytest
import transformers as tf

from explorer import explain

VIT = dict(
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=64,
    image_size=32,
    patch_size=8,
)
W2V = dict(
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=64,
    conv_dim=(8, 8),
    conv_stride=(5, 2),
    conv_kernel=(10, 3),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=2,
    pad_token_id=0,
    vocab_size=20,
)


def build(name: str):
    makers = {
        "vit": lambda: tf.ViTForImageClassification(tf.ViTConfig(**VIT, num_labels=3)),
        "vit_bare": lambda: tf.ViTModel(tf.ViTConfig(**VIT)),
        "deit": lambda: tf.DeiTForImageClassificationWithTeacher(tf.DeiTConfig(**VIT)),
        "swin": lambda: tf.SwinForImageClassification(
            tf.SwinConfig(image_size=32, patch_size=4, embed_dim=8, depths=[1, 1], num_heads=[1, 2])
        ),
        "convnext": lambda: tf.ConvNextForImageClassification(
            tf.ConvNextConfig(hidden_sizes=[8, 16], depths=[1, 1], num_stages=2)
        ),
        "resnet": lambda: tf.ResNetForImageClassification(
            tf.ResNetConfig(hidden_sizes=[8, 16], depths=[1, 1], embedding_size=8)
        ),
        "w2v_ctc": lambda: tf.Wav2Vec2ForCTC(tf.Wav2Vec2Config(**W2V)),
        "w2v_cls": lambda: tf.Wav2Vec2ForSequenceClassification(tf.Wav2Vec2Config(**W2V)),
        "w2v_bare": lambda: tf.Wav2Vec2Model(tf.Wav2Vec2Config(**W2V)),
        "ast": lambda: tf.ASTForAudioClassification(
            tf.ASTConfig(
                **{**VIT, "image_size": None, "patch_size": 8},
                num_mel_bins=16,
                max_length=32,
                frequency_stride=8,
                time_stride=8,
            )
        ),
        "bert_pretraining": lambda: tf.BertForPreTraining(
            tf.BertConfig(
                hidden_size=32,
                num_hidden_layers=1,
                num_attention_heads=2,
                intermediate_size=64,
                vocab_size=99,
            )
        ),
    }
    return makers[name]()


@pytest.fixture(scope="module")
def models():
    return {}


def model(models, name):
    if name not in models:
        models[name] = build(name)
    return models[name]


def test_vit_is_a_classifier_with_its_head_named(models):
    vit = model(models, "vit")
    en, ko = explain(vit, ""), explain(vit, "", "ko")
    assert en.startswith(
        "ViTForImageClassification is the whole model, built for image classification: one label "
        "for a whole image. It is a ViT backbone (vit) with a task head on top: classifier (Linear)."
    )
    assert ko.startswith(
        "ViTForImageClassification은 이미지 분류(이미지 전체에 레이블 하나를 붙이는 작업)을 위한 "
        "전체 모델입니다. ViT 본체(백본, vit) 위에 태스크 헤드가 올라가 있습니다. 헤드 구성: "
        "classifier (Linear)."
    )
    assert "bare" not in en and "태스크 헤드가 없는" not in ko
    bare = model(models, "vit_bare")
    assert explain(bare, "").startswith("ViTModel is a bare ViT backbone without a task head")


def test_vit_embeddings_say_patches_cls_and_positions(models):
    vit = model(models, "vit")
    en = explain(vit, "vit.embeddings")
    for fact in (
        "patch_embeddings cuts the 32×32 image (3 channels) into non-overlapping 8×8 patches "
        "(16 of them) and maps each patch to a 32-dimensional vector",
        "(3 × 8×8 = 192 values → 32)",
        "A learned [CLS] token (cls_token, [1, 1, 32]) is put in front of the patches",
        "position_embeddings, [1, 17, 32]: one per patch plus one for the [CLS] token, 17 in all",
        "Then dropout (p = 0).",
        "It has 6,752 parameters.",
    ):
        assert fact in en
    ko = explain(vit, "vit.embeddings", "ko")
    for fact in (
        "32×32 크기 이미지(채널 3개)를 겹치지 않는 8×8 패치로 자르고(모두 16개)",
        "[CLS] 토큰(cls_token, [1, 1, 32])을 패치들 앞에 붙입니다",
        "position_embeddings, [1, 17, 32]: 패치마다 하나, [CLS] 토큰에 하나씩, 모두 17개",
    ):
        assert fact in ko
    assert "The module ViTEmbeddings" not in en and "Custom module" not in en
    patch = explain(vit, "vit.embeddings.patch_embeddings")
    assert patch.startswith("This patch embedding cuts the 32×32 image (3 channels)")
    deit = explain(model(models, "deit"), "deit.embeddings")
    assert "distillation_token" in deit and "[1, 18, 32]" in deit
    assert "one each for the [CLS] and distillation tokens" in deit
    ast = explain(model(models, "ast"), "audio_spectrogram_transformer.embeddings", "ko")
    assert "스펙트로그램(채널 1개)을 겹치지 않는 8×8 패치로" in ast


@pytest.mark.parametrize(
    "name,task,heads",
    [
        ("deit", "image classification with two heads", "cls_classifier (Linear)"),
        ("swin", "image classification", "classifier (Linear)"),
        ("convnext", "image classification", "classifier (Linear)"),
        ("resnet", "image classification", "classifier (Sequential)"),
        ("w2v_ctc", "speech recognition with CTC", "lm_head (Linear)"),
        ("w2v_cls", "audio classification: one label for a whole recording", "classifier"),
        ("ast", "audio classification", "classifier (ASTMLPHead)"),
        ("bert_pretraining", "pretraining", "cls (BertPreTrainingHeads)"),
    ],
)
def test_models_with_heads_are_not_called_bare(models, name, task, heads):
    m = model(models, name)
    en, ko = explain(m, ""), explain(m, "", "ko")
    assert "bare" not in en and "without a task head" not in en, en
    assert "태스크 헤드가 없는" not in ko, ko
    assert f"built for {task}" in en and heads in en and heads in ko
    assert "one label for a whole text" not in en


def test_bare_backbones_stay_bare_and_stems_stay_generic(models):
    assert explain(model(models, "w2v_bare"), "").startswith(
        "Wav2Vec2Model is a bare wav2vec2 backbone without a task head"
    )
    # ConvNeXt's stem makes a feature map, not a sequence of patch tokens: the generic text stays
    stem = explain(model(models, "convnext"), "convnext.embeddings")
    assert stem.startswith("The module ConvNextEmbeddings (from transformers.models.convnext")
