"""explorer.heads next_token / generate on causal LMs: equal to transformers' text-generation
pipeline (5.x here; CI repeats it under 4.57), the logit lens, bad input, the model untouched."""

import copy
import json
import math

import _tiny_decoders as td
import _tiny_models as tm
import numpy as np
import pytest
import torch
import transformers

import explorer
from explorer.heads import causal_inputs, generate, generate_details, next_token, next_token_run
from explorer.heads.generation import PIPELINE_TEMPERATURE, sampling_defaults

MAJOR = int(transformers.__version__.split(".")[0])
PAIRS = [(kind, tok) for kind in td.KINDS for tok in ("bpe", "bert")]
TEXTS = [
    "The cat sat on the",
    "서울의 봄은",
    "emoji 😀 and <b>tags</b> & more",
    " leading space, then a newline\n",
]
SETTINGS = [
    {"do_sample": False},
    {"do_sample": True, "seed": 3},
    {"do_sample": True, "seed": 7, "temperature": 1.3, "top_k": 20, "top_p": 0.9},
    {"do_sample": True, "seed": 11, "temperature": 0.5, "top_k": 0},
]
_PIPES: dict = {}


def own_tokenizer(kind: str):
    """A private tokenizer: the pipeline changes its tokenizer (padding side, in 5.x)."""
    if kind == "bert":
        return tm.tokenizer(token_type_ids=False)
    return copy.deepcopy(td.bpe_tokenizer())


def pipe_for(kind: str, tok: str):
    """transformers' own text-generation pipeline on the shared tiny model."""
    if (kind, tok) not in _PIPES:
        model, _ = td.cached(kind, tok)
        _PIPES[kind, tok] = transformers.pipeline(
            "text-generation", model=model, tokenizer=own_tokenizer(tok)
        )
    return _PIPES[kind, tok]


def pipeline_run(pipe, text, max_new_tokens, seed=None, **kwargs):
    """The pipeline on ``text``, seeded as the sampling tests seed it."""
    if seed is not None:
        torch.manual_seed(seed)
    return pipe(text, max_new_tokens=max_new_tokens, **kwargs)


# -- what is fed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,tok", PAIRS)
def test_feeds_exactly_what_the_pipeline_feeds(kind, tok):
    model, tokenizer = td.cached(kind, tok)
    pipe = pipe_for(kind, tok)
    for text in TEXTS:
        want = pipe.preprocess(text)["input_ids"][0].tolist()
        assert causal_inputs(model, tokenizer, text).input_ids == want
        want = pipe.preprocess(text, add_special_tokens=False)["input_ids"][0].tolist()
        assert causal_inputs(model, tokenizer, text, add_special_tokens=False).input_ids == want
    # the BERT tokenizer adds [CLS] ... [SEP] unless told not to: the pipeline feeds them
    if tok == "bert":
        got = causal_inputs(model, tokenizer, "the cat")
        assert got.tokens == ["[CLS]", "the", "cat", "[SEP]"]


# -- next token -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,tok", PAIRS)
def test_next_token_is_the_pipelines_first_step(kind, tok):
    model, tokenizer = td.cached(kind, tok)
    pipe = pipe_for(kind, tok)
    for text in TEXTS:
        got = next_token(model, tokenizer, text, top_k=8)
        assert [r["score"] for r in got] == sorted((r["score"] for r in got), reverse=True)
        first = pipe(text, max_new_tokens=1, do_sample=False, return_tensors=True)
        prompt = len(pipe.preprocess(text)["input_ids"][0])
        assert got[0]["token_id"] == first[0]["generated_token_ids"][prompt]
        if MAJOR >= 5:  # the 5.x pipeline returns the step's logits when asked
            out = pipe(text, max_new_tokens=1, do_sample=False, return_dict_in_generate=True,
                       output_logits=True)  # fmt: skip
            logits = torch.tensor(out[0]["logits"][0])
        else:  # 4.57's drops them: generate on the pipeline's own feed, as its _forward calls it
            feed = pipe.preprocess(text)
            made = model.generate(
                input_ids=feed["input_ids"], attention_mask=feed["attention_mask"],
                max_new_tokens=1, do_sample=False, return_dict_in_generate=True,
                output_logits=True, pad_token_id=pipe.generation_config.pad_token_id,
            )  # fmt: skip
            logits = made.logits[0][0]
        probs = torch.softmax(logits.float(), dim=-1)
        for row in got:
            want = probs[row["token_id"]].item()
            assert math.isclose(row["score"], want, rel_tol=1e-5, abs_tol=1e-9), (row, want)
            assert row["token"] == tokenizer.decode([row["token_id"]])


def test_top_k_none_gives_the_whole_vocabulary():
    model, tokenizer = td.cached("gpt2", "bpe")
    rows = next_token(model, tokenizer, "The cat", top_k=None)
    assert len(rows) == model.config.vocab_size
    assert math.isclose(sum(r["score"] for r in rows), 1.0, rel_tol=1e-5)
    assert len({r["token_id"] for r in rows}) == len(rows)


def test_a_prompt_past_the_window_reads_its_last_tokens():
    model, tokenizer = td.cached("gpt2", "bpe")  # 128 positions
    text = "The cat sat on the mat. " * 60
    run = next_token_run(model, tokenizer, text, 5)
    d = run.details
    assert d.truncated and d.num_tokens > 128 and len(d.input_ids) == 128
    assert d.dropped == d.num_tokens - 128
    ids = tokenizer(text)["input_ids"]
    assert d.input_ids == ids[-128:]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids[-128:]])).logits[0, -1]
    probs = torch.softmax(logits, -1)
    for row in d.results:
        assert math.isclose(row["score"], probs[row["token_id"]].item(), rel_tol=1e-5)
    assert "the model read only the last 128 of its" in d.summary()
    # a panel's smaller limit: the last 16 tokens
    d16 = next_token_run(model, tokenizer, text, 5, max_tokens=16).details
    assert d16.input_ids == ids[-16:] and d16.max_length == 16


# -- generation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,tok", PAIRS)
@pytest.mark.parametrize("settings", SETTINGS, ids=["greedy", "sample", "sample-all", "no-top-k"])
def test_generate_equals_the_pipeline(kind, tok, settings):
    model, tokenizer = td.cached(kind, tok)
    pipe = pipe_for(kind, tok)
    for text in TEXTS:
        for full in (True, False):
            got = generate(model, tokenizer, text, 12, return_full_text=full, **settings)
            want = pipeline_run(pipe, text, 12, return_full_text=full, **settings)
            assert got == want, (text, full)


def test_sampling_defaults_are_the_pipelines():
    model, tokenizer = td.cached("gpt2", "bpe")
    assert sampling_defaults(model) == {
        "temperature": PIPELINE_TEMPERATURE,
        "top_k": 50,
        "top_p": 1.0,
    }
    d = generate_details(model, tokenizer, "The cat", 4, do_sample=True, seed=0)
    assert d.settings == {
        "max_new_tokens": 4, "do_sample": True, "temperature": 0.7, "top_k": 50, "top_p": 1.0,
        "seed": 0,
    }  # fmt: skip
    # a model whose generation config sets a temperature samples with it, as the pipeline does
    own = td.build("gpt2")
    own.generation_config.temperature = 1.7
    assert sampling_defaults(own)["temperature"] == 1.7
    pipe = transformers.pipeline("text-generation", model=own, tokenizer=own_tokenizer("bpe"))
    got = generate(own, tokenizer, "The cat", 10, do_sample=True, seed=5)
    assert got == pipeline_run(pipe, "The cat", 10, do_sample=True, seed=5)


def test_a_seed_makes_sampling_reproducible_and_leaves_the_random_state():
    model, tokenizer = td.cached("llama", "bpe")
    torch.manual_seed(99)
    state = torch.get_rng_state()
    runs = [generate(model, tokenizer, "Once upon", 16, do_sample=True, seed=s) for s in (1, 1, 2)]
    assert torch.equal(torch.get_rng_state(), state)  # the caller's random state: untouched
    assert runs[0] == runs[1] and runs[0] != runs[2]
    # without a seed, sampling draws from torch's current state, as the pipeline does
    torch.manual_seed(4)
    drawn = generate(model, tokenizer, "Once upon", 16, do_sample=True)
    assert drawn == generate(model, tokenizer, "Once upon", 16, do_sample=True, seed=4)


@pytest.mark.parametrize("settings", SETTINGS[:3], ids=["greedy", "sample", "sample-all"])
def test_each_step_keeps_the_distribution_it_was_drawn_from(settings):
    model, tokenizer = td.cached("qwen2", "bpe")
    d = generate_details(model, tokenizer, "The cat sat", 8, **settings)
    assert len(d.steps) == 8 and d.finish == "length"
    # generate's own scores of each step (after temperature, top-k, top-p), same seed
    feed = tokenizer("The cat sat", return_tensors="pt")
    kwargs = {k: v for k, v in d.settings.items() if k not in ("seed",)}
    with torch.random.fork_rng():
        if d.settings.get("seed") is not None:
            torch.manual_seed(d.settings["seed"])
        made = model.generate(**feed, **kwargs, output_scores=True, return_dict_in_generate=True,
                              pad_token_id=tokenizer.eos_token_id)  # fmt: skip
    new = made.sequences[0, feed["input_ids"].shape[1] :].tolist()
    assert d.new_ids == new
    for step, scores, token in zip(d.steps, made.scores, new, strict=True):
        probs = torch.softmax(scores[0].float(), -1)
        assert step.token_id == token and step.token == tokenizer.decode([token])
        assert math.isclose(step.score, probs[token].item(), rel_tol=1e-5)
        assert step.rank == int((probs > probs[token]).sum()) + 1
        assert [r["token_id"] for r in step.top] == probs.topk(10).indices.tolist()
        if not settings["do_sample"]:
            assert step.rank == 1
    if not settings["do_sample"]:  # the first step's distribution is next_token's
        first = next_token(model, tokenizer, "The cat sat", 10)
        assert [r["token_id"] for r in first] == [r["token_id"] for r in d.steps[0].top]
        for a, b in zip(first, d.steps[0].top, strict=True):
            assert math.isclose(a["score"], b["score"], rel_tol=1e-5)


def test_generation_ends_at_the_end_of_sequence_token():
    model, tokenizer = td.build("gpt2"), td.bpe_tokenizer()
    ids = generate_details(model, tokenizer, "The cat", 12).new_ids
    k = next(i for i in range(1, len(ids)) if ids[i] not in ids[:i])  # a token new at step k
    model.generation_config.eos_token_id = ids[k]  # this test's own model
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=own_tokenizer("bpe"))
    d = generate_details(model, tokenizer, "The cat", 6)
    assert d.finish == "eos" and len(d.steps) == k + 1 and d.new_ids == ids[: k + 1]
    assert generate(model, tokenizer, "The cat", 6) == pipe("The cat", max_new_tokens=6,
                                                              do_sample=False)  # fmt: skip


def test_should_stop_ends_the_generation_where_it_is():
    model, tokenizer = td.cached("gpt2", "bpe")
    seen = []
    d = generate_details(model, tokenizer, "The cat", 20, on_step=seen.append,
                         should_stop=lambda: len(seen) >= 3)  # fmt: skip
    assert d.finish == "stopped" and len(d.steps) == 3 and seen == d.steps
    full = generate_details(model, tokenizer, "The cat", 20)
    assert full.new_ids[:3] == d.new_ids  # what was made before the stop is kept
    with pytest.raises(explorer.TraceCancelled):
        generate_details(model, tokenizer, "The cat", 20, should_stop=lambda: True)


def test_a_long_prompt_needs_room_or_the_hole():
    model, tokenizer = td.cached("gpt2", "bpe")  # 128 positions
    text = "The dog ate the bone. " * 40
    with pytest.raises(ValueError, match="window of 128 positions.*handle_long_generation"):
        generate(model, tokenizer, text, 10)
    short = own_tokenizer("bpe")
    short.model_max_length = 100  # the pipeline's "hole" cuts to the tokenizer's length
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=own_tokenizer("bpe"))
    pipe.tokenizer.model_max_length = 100
    got = generate(model, short, text, 10, handle_long_generation="hole")
    assert got == pipe(text, max_new_tokens=10, do_sample=False, handle_long_generation="hole")
    d = generate_details(model, short, text, 10, handle_long_generation="hole")
    assert len(d.input_ids) == 90 and d.dropped == d.num_tokens - 90
    # a panel's own limit keeps room for the new tokens in the model's window
    d = generate_details(model, tokenizer, text, 10, max_prompt_tokens=500)
    assert len(d.input_ids) == 118


# -- bad input ------------------------------------------------------------------------------------


def test_errors_name_the_problem():
    model, tokenizer = td.cached("gpt2", "bpe")
    for call in (next_token, generate):
        with pytest.raises(ValueError, match="text is empty"):
            call(model, tokenizer, "   ")
        with pytest.raises(TypeError, match="text must be a str"):
            call(model, tokenizer, None)
        with pytest.raises(TypeError, match="a tokenizer is required"):
            call(model, None, "hi")
    bad = [
        (dict(max_new_tokens=0), ValueError, "max_new_tokens must be >= 1"),
        (dict(do_sample="yes"), TypeError, "do_sample must be True or False"),
        (dict(temperature=0.8), ValueError, "temperature apply only when sampling"),
        (dict(seed=1), ValueError, "seed apply only when sampling"),
        (dict(do_sample=True, temperature=0), ValueError, "temperature must be > 0"),
        (dict(do_sample=True, top_p=1.5), ValueError, "top_p must be > 0.0 and <= 1.0"),
        (dict(do_sample=True, top_k=-1), ValueError, "top_k must be >= 0"),
        (dict(do_sample=True, temperature=float("nan")), TypeError, "finite number"),
        (dict(handle_long_generation="cut"), ValueError, "must be None or 'hole'"),
        (dict(return_full_text="no"), TypeError, "return_full_text must be True or False"),
    ]
    for kwargs, kind, message in bad:
        with pytest.raises(kind, match=message):
            generate(model, tokenizer, "The cat", **kwargs)
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        next_token(model, tokenizer, "The cat", top_k=0)


def test_a_head_forced_on_the_wrong_model_names_the_function_that_fits(sst2, qa):
    tokenizer = td.bert_tokenizer()
    cases = [
        (sst2[0], "use classify()"),
        (qa[0], "use answer()"),
        (transformers.BertForMaskedLM(tm._bert_config()).eval(), "use fill_mask()"),
        (transformers.GPT2Model(transformers.GPT2Config(n_embd=32, n_layer=1, n_head=2)).eval(),
         "GPT2Model is a bare backbone without a task head"),
        (transformers.XLNetLMHeadModel(transformers.XLNetConfig(
            d_model=32, n_layer=1, n_head=2, d_inner=64, vocab_size=30522)).eval(),
         "permutation masks"),
    ]  # fmt: skip
    for model, message in cases:
        for call in (next_token, generate):
            with pytest.raises(TypeError, match=message):
                call(model, tokenizer, "the cat")
    with pytest.raises(TypeError, match="permutation masks"):  # trace() picks next_token's run
        explorer.trace(cases[-1][0], tokenizer, "the cat")


def test_a_tokenizer_that_cannot_decode_is_named():
    model, tokenizer = td.cached("gpt2", "bpe")

    def encode_only(text, **kwargs):  # a callable that tokenizes but cannot decode
        return tokenizer(text, **kwargs)

    for call in (next_token, generate):
        with pytest.raises(TypeError, match="turns ids back into text; function has no decode"):
            call(model, encode_only, "the cat")


def test_a_tokenizer_from_another_model_is_named():
    model, _ = td.cached("gpt2", "bpe")  # 400 embedding rows
    for call in (next_token, generate):
        with pytest.raises(ValueError, match="the tokenizer does not fit the model"):
            call(model, td.bert_tokenizer(), "the cat sat")


def test_a_model_without_weights_says_so():
    with torch.device("meta"):
        model = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_embd=32, n_layer=1,
                                                                     n_head=2))  # fmt: skip
    with pytest.raises(ValueError, match="the weights are not loaded"):
        next_token(model, td.bpe_tokenizer(), "the cat")


# -- the model comes back untouched ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gpt2", "llama"])
def test_the_model_comes_back_untouched(kind):
    model, tokenizer = td.build(kind), td.bpe_tokenizer()
    model.train()
    model.lm_head.weight.requires_grad_(False)
    before = tm.fingerprint(model)
    config = model.config.to_dict()
    generation = model.generation_config.to_dict()
    hooks = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    side = tokenizer.padding_side
    next_token(model, tokenizer, "The cat sat")
    generate(model, tokenizer, "The cat sat", 5)
    generate(model, tokenizer, "The cat sat", 5, do_sample=True, seed=1, temperature=1.1)
    t = explorer.trace(model, tokenizer, "The cat sat")
    assert t.lens is not None
    assert tm.fingerprint(model) == before
    assert model.config.to_dict() == config
    assert model.generation_config.to_dict() == generation
    assert hooks == sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    assert tokenizer.padding_side == side


def test_gpt2s_task_params_leave_the_config_as_it_was():
    """GPT-2's published config has text-generation task params (4.57's pipeline reads them)."""
    config = transformers.GPT2Config(n_embd=32, n_layer=2, n_head=2, vocab_size=400, n_positions=64,
        bos_token_id=0, eos_token_id=0,
        task_specific_params={"text-generation": {"do_sample": True, "max_length": 50}},
    )  # fmt: skip
    model = tm.init_weights(transformers.GPT2LMHeadModel(config))
    tokenizer = td.bpe_tokenizer()
    before = (model.config.to_dict(), model.generation_config.to_dict())
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=own_tokenizer("bpe"))
    want = pipe("The cat", max_new_tokens=6, do_sample=False)
    after_pipe = (model.config.to_dict(), model.generation_config.to_dict())
    assert generate(model, tokenizer, "The cat", 6) == want
    assert (model.config.to_dict(), model.generation_config.to_dict()) == after_pipe
    assert after_pipe[0]["task_specific_params"] == before[0]["task_specific_params"]


# -- the trace and its logit lens -----------------------------------------------------------------

FINAL_NORM = {"gpt2": "transformer.ln_f", "llama": "model.norm", "qwen2": "model.norm",
              "opt": "model.decoder.final_layer_norm"}  # fmt: skip
BLOCKS = {"gpt2": "transformer.h", "llama": "model.layers", "qwen2": "model.layers",
          "opt": "model.decoder.layers"}  # fmt: skip


@pytest.mark.parametrize("kind", td.KINDS)
def test_the_trace_of_a_causal_lm_has_the_logit_lens(kind):
    model, tokenizer = td.cached(kind, "bpe")
    text = "The cat sat on the mat"
    t = explorer.trace(model, tokenizer, text)
    assert t.task == "next_token" and t.tokens == causal_inputs(model, tokenizer, text).tokens
    lens = t.lens
    assert lens is not None, t.lens_note
    assert len(lens) == model.config.num_hidden_layers + 1 and lens[-1] is t.prediction
    n = len(t.tokens)
    top = next_token(model, tokenizer, text, top_k=5)
    last = t.prediction
    assert last["positions"] == list(range(n)) and last["ids"][-1] == [r["token_id"] for r in top]
    assert last["tokens"][-1] == [r["token"] for r in top]
    for got, row in zip(last["probs"][-1], top, strict=True):
        assert math.isclose(float(got), row["score"], rel_tol=1e-5)
    # the run computed the last position's logits only; the prediction at the other positions
    # (read when the lens is) is the model's own too: its full forward gives the same
    kept = 1 if "logits_to_keep" in t.feed else n  # OPT takes none in transformers 4.57
    assert t.output("").shape == (1, kept, model.config.vocab_size)
    with torch.no_grad():
        full = model(input_ids=torch.tensor([t.input_ids])).logits[0].float()
    want = torch.softmax(full, -1).topk(5)
    assert last["ids"] == want.indices.tolist()
    np.testing.assert_allclose(last["probs"], want.values.numpy(), rtol=1e-5, atol=1e-7)
    # a middle entry is the final norm and the LM head on that block's output
    norm = model.get_submodule(FINAL_NORM[kind])
    hidden = t.output(f"{BLOCKS[kind]}.0").tensor
    with torch.no_grad():
        probs = torch.softmax(model.get_output_embeddings()(norm(hidden))[0].float(), -1)
    ids = probs.topk(5).indices.tolist()
    assert lens[1]["ids"] == ids
    assert [float(p) for p in lens[1]["probs"][-1]] == pytest.approx(
        probs[-1].topk(5).values.tolist(), rel=1e-5
    )


def test_the_logit_lens_reads_the_last_positions_of_a_long_input():
    model, tokenizer = td.cached("gpt2", "bpe")
    t = explorer.trace(model, tokenizer, "The cat sat on the mat. " * 60)
    assert t.truncated and len(t.tokens) == 128
    assert t.lens[0]["positions"] == list(range(128 - 32, 128))
    assert len(t.lens[0]["ids"]) == 32


# -- what the details say -------------------------------------------------------------------------


def test_details_are_json_data_and_plain_text():
    model, tokenizer = td.cached("gpt2", "bpe")
    nt = next_token_run(model, tokenizer, "<b>The</b> cat", 3).details
    data = json.loads(json.dumps(nt.to_dict()))
    assert data["results"] == nt.results and data["text"] == "<b>The</b> cat"
    assert "Next token after" in nt.summary() and repr(nt.results[0]["token"]) in nt.summary()
    gd = generate_details(model, tokenizer, "The cat", 4, do_sample=True, seed=2)
    data = json.loads(json.dumps(gd.to_dict()))
    assert data["generated_text"] == gd.generated_text and len(data["steps"]) == 4
    assert data["steps"][0]["top"][0]["token_id"] == gd.steps[0].top[0]["token_id"]
    assert "sampling (temperature 0.7, top-k 50, top-p 1.0, seed 2)" in gd.summary()
    assert gd.new_text in gd.summary()
