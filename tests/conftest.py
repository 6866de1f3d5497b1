"""Shared test setup: never reach a model hub; fixtures every test module may use."""

import os
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import _tiny_models as tm  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    """Tiny models run ~10x faster on one thread on a busy 2-core machine; restored afterwards."""
    yield from tm.one_thread()


@pytest.fixture(scope="session")
def sst2():
    """The tiny DistilBERT sentiment classifier and its tokenizer (shared: only read it)."""
    return tm.cached("distilbert_sst2"), tm.cached_tokenizer(token_type_ids=False)


@pytest.fixture(scope="session")
def qa():
    """The tiny DistilBERT question-answering model and its tokenizer (shared: only read it)."""
    return tm.cached("distilbert_qa"), tm.cached_tokenizer(token_type_ids=False)


@pytest.fixture(scope="session")
def seed_pair():
    """The seed notes' two models, full size on the meta device (no weights, no memory):
    ``{"seq": DistilBertForSequenceClassification, "qa": DistilBertForQuestionAnswering}``."""
    from _models import full_size

    return {"seq": full_size("distilbert-sst2"), "qa": full_size("distilbert-squad")}


@pytest.fixture
def cli(tmp_path):
    """``cli(*args, env=None)``: run ``python -m explorer ARGS`` offline with a private HF home."""

    def run(*args, env=None, timeout=600):
        env = env or dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
        return subprocess.run(
            [sys.executable, "-m", "explorer", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )

    return run
