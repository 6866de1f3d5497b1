"""The Inside view's attention part for every family: the masked cells, and what the header says
about positions, head grouping, causality, windows, softcap and where the weights come from."""

from __future__ import annotations

import _tiny_models as tm
import numpy as np
import pytest
import transformers as tf
from test_attention import TEXT, TRANSFORMERS_5, build, cached, config, tokenizer
from test_figures_trace import decoded

import explorer
from explorer.export import page_data
from explorer.figures import trace as ft
from explorer.widgets.inside import InsideView
from explorer.widgets.panels import QAPanel, SentimentPanel

LLAMA = "model.layers.0.self_attn"
HEADS = "Heads: 4 query heads share 2 key/value heads (2 query heads per key/value head)"
CAUSAL = "Mask: causal: each token sees itself and the tokens before it"


def view(arch: str, text: str = TEXT, head: str = "cls"):
    """An Inside view on the family's tiny classifier (SDPA where it has one), typed ``text``."""
    panel = SentimentPanel(cached(arch, head), tokenizer(arch), text=text)
    return InsideView(panel)


def masked(inside) -> np.ndarray:
    return ~np.isnan(np.asarray(inside.attention_plot.figure.data[1].z, dtype=float))


def facts(inside) -> list[str]:
    """The header's lines as the view's text holds them (after the "Shown:" line)."""
    lines = inside.result.splitlines()
    shown = next(i for i, line in enumerate(lines) if line.startswith("Shown:"))
    return lines[shown + 1 :]


def test_a_decoder_classifier_in_the_explorer_shows_its_causal_triangle_and_grouped_heads():
    model, tok = cached("llama", "cls"), tokenizer("llama")
    exp = explorer.explore(model, tok)
    exp.panels.selected_index = list(exp.panels.children).index(exp.inside)
    exp.task_panel.text_box.value = TEXT
    exp.task_panel.flush()
    inside, t = exp.inside, exp.task_panel.trace
    exp.selected = LLAMA  # a click in the tree
    n = len(t.tokens)
    assert inside.kind == "attention" and inside._attn.info.path == LLAMA
    np.testing.assert_array_equal(np.asarray(inside.attention_plot.figure.data[0].z),
                                  t.attention(LLAMA)[0])  # fmt: skip
    np.testing.assert_array_equal(masked(inside), np.triu(np.ones((n, n), dtype=bool), k=1))
    assert facts(inside) == [
        "Positions: rotary (queries and keys are turned by their position)",
        HEADS,
        CAUSAL,
        "Weights: recomputed from the queries and keys the sdpa attention used",
    ]
    assert "<b>Positions</b>: rotary" in inside._attn.facts.value
    assert inside._attn.facts.layout.display is None
    assert "Positions" not in inside.stats.value  # said once, above the figure
    labels = [label for label, _ in inside.head_picker.options]
    assert labels == [f"head {i} \u00b7 key/value head {kv}" for i, kv in
                      [(1, 1), (2, 1), (3, 2), (4, 2)]]  # fmt: skip
    inside.head_picker.value = 2  # the browser picks the third head
    np.testing.assert_array_equal(np.asarray(inside.attention_plot.figure.data[0].z),
                                  t.attention(LLAMA)[2])  # fmt: skip
    assert "Shown: attention weights of head 3 of 4, which uses key/value head 2 of 2" in (
        inside.result
    )
    exp.explain_panel.lang = "ko"  # the Explain tab's language switch
    assert inside.head_picker.options[2][0] == "헤드 3 \u00b7 키/값 헤드 2"
    assert "<b>위치</b>: 회전(RoPE)" in inside._attn.facts.value
    assert "쿼리 헤드 4개가 키/값 헤드 2개를 나눠 씀" in inside._attn.facts.value
    assert "인과적" in inside._attn.facts.value
    assert "가려짐: 미래 토큰" in np.asarray(inside.attention_plot.figure.data[1].text).ravel()
    exp.explain_panel.lang = "en"
    for path in ("model.layers.0", f"{LLAMA}.q_proj"):  # a decoder layer, a projection: norms
        exp.selected = path
        assert inside.kind == "norms" and inside._attn.facts.layout.display == "none"
        assert inside.head_picker.layout.display == "none" and inside._attn.lines == []
    exp.selected = LLAMA
    part = {e["title"]: e for e in page_data(exp)["panels"]}["Inside"]  # the static view
    cover = decoded(part["figure"]["data"][1]["z"]).astype(float)
    np.testing.assert_array_equal(~np.isnan(cover), np.triu(np.ones((n, n), dtype=bool), k=1))
    assert part["figure"]["data"][1]["visible"] is True
    assert part["text"].endswith("\n".join(facts(inside))) and HEADS in part["text"]
    exp.selected = ""  # the model itself: the lens over the last token's score head
    assert inside.kind == "lens" and t.lens[-1] == t.prediction
    np.testing.assert_array_equal(np.asarray(inside.lens_plot.figure.data[0].z)[-1],
                                  [t.prediction[k] for k in t.labels])  # fmt: skip
    exp.close()


def test_modernbert_local_and_global_layers_each_say_what_they_are():
    inside = view("modernbert")
    t = inside.trace
    n = len(t.tokens)
    q, k = np.indices((n, n))
    inside.path = "model.layers.1.attn"  # local: 2 tokens either side
    assert "Layer: local: a local band \u00b12 (each token sees the 2 tokens on either side)" in (
        facts(inside)
    )
    np.testing.assert_array_equal(masked(inside), np.abs(q - k) > 2)
    text = np.asarray(inside.attention_plot.figure.data[1].text, dtype=object)
    assert set(text[np.abs(q - k) > 2]) == {"masked: outside the local band"}
    assert "Mask: bidirectional: each token sees every token" in facts(inside)
    inside.path = "model.layers.2.attn"  # global
    assert "Layer: global: it sees the whole input (other layers of this model use a window)" in (
        facts(inside)
    )
    assert not masked(inside).any() and inside.attention_plot.figure.data[1].visible is False
    inside.path = "model.layers.1.attn"  # back: its own view again
    assert any(line.startswith("Layer: local") for line in facts(inside))
    inside.lang = "ko"
    assert "지역 대역 \u00b12" in inside._attn.facts.value
    inside.path = "model.layers.0.attn"
    assert "전역: 입력 전체를 봄" in inside._attn.facts.value
    short = view("modernbert", text="hi")  # [CLS] hi [SEP]: the band covers it all
    short.path = "model.layers.1.attn"
    line = next(x for x in facts(short) if x.startswith("Layer:"))
    assert line.endswith("; it is longer than this input, so here it hides nothing")
    assert not masked(short).any()


@pytest.mark.parametrize(
    ("arch", "path", "want"),
    [
        ("gpt2", "transformer.h.0.attn", [
            "Positions: absolute (a learned position embedding is added to each token)",
            "Heads: 4, each with its own keys and values", CAUSAL]),
        ("phi3", "model.layers.0.self_attn", [
            "Positions: partial rotary (queries and keys are turned by their position on 50% of "
            "each head's dimensions)", HEADS, CAUSAL]),
        ("mistral", "model.layers.1.self_attn", [
            "Layer: local: a sliding window of 4 tokens (each token sees itself and the 3 before "
            "it)"]),
        ("gemma2", "model.layers.0.self_attn", [
            "Layer: local: a sliding window of 4 tokens (each token sees itself and the 3 before "
            "it)", "Softcap: each score becomes 0.5 \u00b7 tanh(score / 0.5) before the softmax",
            "Weights: the weights eager attention returned (eager)"]),
        ("gemma2", "model.layers.1.self_attn", [
            "Layer: global: it sees the whole input (other layers of this model use a window)"]),
        ("deberta_v2", "deberta.encoder.layer.0.attention.self", [
            "Positions: absolute (a learned position embedding is added to each token); "
            "relative, disentangled (content-to-position and position-to-content scores from "
            "relative distances)",
            "Weights: the probabilities the family's own attention code formed (own code)"]),
        ("deberta_v3", "deberta.encoder.layer.1.attention.self", [
            "Positions: relative, disentangled (content-to-position and position-to-content "
            "scores from relative distances)"]),
        ("mpnet", "mpnet.encoder.layer.0.attention.attn", [
            "Positions: absolute (a learned position embedding is added to each token); relative "
            "(a learned bias per head for each bucket of relative distance)"]),
        ("bert", "bert.encoder.layer.0.attention", [  # BERT's attention block: its self part
            "Mask: bidirectional: each token sees every token"]),
    ],
)  # fmt: skip
def test_each_family_says_how_it_attends(arch, path, want):
    inside = view(arch)
    inside.path = path
    t = inside.trace
    assert inside.kind == "attention", inside.messages
    info = t.attention_info(path)
    np.testing.assert_array_equal(masked(inside), ~info.allowed)
    np.testing.assert_array_equal(np.asarray(inside.attention_plot.figure.data[0].z),
                                  t.attention(path)[0])  # fmt: skip
    for line in want:
        assert line in facts(inside), facts(inside)
    assert (
        not any(line.startswith("Layer:") for line in facts(inside))
        or info.window
        or (info.is_global)
    )
    assert inside.attention_plot.figure.layout.title.text.startswith(info.path)


def test_korean_positions_and_sources():
    inside = view("deberta_v2")
    inside.lang = "ko"
    inside.path = "deberta.encoder.layer.0.attention.self"
    html = inside._attn.facts.value
    assert "절대 위치" in html and "상대 위치, 분리형" in html and "자체 어텐션 코드" in html
    inside = view("phi3")
    inside.lang = "ko"
    inside.path = "model.layers.0.self_attn"
    assert "부분 회전(RoPE) (각 헤드 차원의 50%만" in inside._attn.facts.value
    assert "sdpa 어텐션이 쓴 쿼리와 키로 다시 계산한 가중치" in inside._attn.facts.value


@pytest.fixture
def custom_kernel():
    """An attention function registered under a new name, as users add faster kernels."""
    from transformers import AttentionInterface
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    AttentionInterface.register("my_kernel", sdpa_attention_forward)
    yield "my_kernel"
    del AttentionInterface._global_mapping["my_kernel"]


def test_attention_the_trace_cannot_read_says_why_naming_the_family(custom_kernel):
    model = tf.AutoModelForSequenceClassification.from_config(
        config("llama"), attn_implementation=custom_kernel
    )
    panel = SentimentPanel(tm.init_weights(model), tokenizer("llama"), text=TEXT)
    inside = InsideView(panel)
    inside.path = LLAMA
    assert inside.kind == "norms" and inside.head_picker.layout.display == "none"
    (message,) = inside.messages
    assert message.startswith(f"No attention map for {LLAMA}: llama: {LLAMA} (LlamaAttention) "
                              "runs the 'my_kernel' attention implementation")  # fmt: skip
    assert "attn_implementation=&#x27;sdpa&#x27; or &#x27;eager&#x27;" in inside.notes.value
    assert inside._attn.facts.layout.display == "none"
    inside.path = ""
    assert inside.kind == "lens"  # the rest of the view is unaffected


def test_xlnet_attention_names_its_family():
    config = tf.XLNetConfig(vocab_size=30522, d_model=32, n_layer=2, n_head=2, d_inner=64,
                            num_labels=2)  # fmt: skip
    model = tm.init_weights(tf.XLNetForSequenceClassification(config))
    inside = InsideView(SentimentPanel(model, tm.cached_tokenizer(), text="a fine film"))
    inside.path = "transformer.layer.0.rel_attn"
    assert inside.messages[0].startswith(
        "No attention map for transformer.layer.0.rel_attn: xlnet: transformer.layer.0.rel_attn "
        "(XLNetRelativeAttention) is not an attention module this trace can read"
    )


@pytest.mark.parametrize("arch", ["gpt2", "llama", "modernbert", "deberta_v2"])
def test_the_lens_of_classifiers(arch):
    inside = view(arch)
    t = inside.trace
    assert inside.kind == "lens" and t.lens is not None
    z = np.asarray(inside.lens_plot.figure.data[0].z)
    np.testing.assert_array_equal(z, [[entry[k] for k in t.labels] for entry in t.lens])
    assert list(inside.lens_plot.figure.data[0].y) == ft.layer_labels(len(t.lens))


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
def test_a_decoder_question_answering_model(arch):
    model = build(arch, "qa")
    panel = QAPanel(model, tokenizer(arch), question="Where does Wolfgang live?",
                    context="My name is Wolfgang and I live in Berlin.")  # fmt: skip
    inside = InsideView(panel)
    t = panel.trace
    assert inside.kind == "lens" and t.lens[-1] is t.prediction
    start, end = inside.lens_plot.figure.data
    np.testing.assert_array_equal(np.asarray(start.z), np.array([s for s, _ in t.lens]))
    np.testing.assert_array_equal(np.asarray(end.z), np.array([e for _, e in t.lens]))
    inside.path = f"{model.base_model_prefix}.layers.1.self_attn"  # Qwen2's QA: "transformer"
    n = len(t.tokens)
    assert inside.kind == "attention" and CAUSAL in facts(inside)
    np.testing.assert_array_equal(masked(inside), np.triu(np.ones((n, n), dtype=bool), k=1))


def test_what_the_layer_ignores_is_said():
    """transformers 4's SDPA ignores Gemma 2's softcap: the view says so beside the weights."""
    if TRANSFORMERS_5:
        pytest.skip("Gemma 2 runs eager under transformers 5: its softcap is applied")
    model = build("gemma2", "cls", attn="sdpa")
    inside = InsideView(SentimentPanel(model, tokenizer("gemma2"), text=TEXT))
    inside.path = "model.layers.0.self_attn"
    assert inside.kind == "attention" and not any(x.startswith("Softcap") for x in facts(inside))
    (note,) = inside.messages
    assert "A softcap of 0.5 is configured, but SDPA does not apply it" in note
    assert "SDPA does not apply it" in inside.notes.value
