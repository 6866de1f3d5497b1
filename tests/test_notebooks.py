"""The notebooks: generated from tools/, committed without outputs, run offline top to bottom."""

import json
import math
import re
import runpy
import sys
import time
from pathlib import Path

import nbclient  # noqa: E402  (dev dependencies: the tests need them)
import nbformat  # noqa: E402
import pytest
import transformers

pytestmark = pytest.mark.notebook  # every test here executes a notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GENERATOR = ROOT / "tools" / "make_notebooks.py"
NAMES = [
    "01-seed-walkthrough.ipynb",
    "02-compare-heads.ipynb",
    "03-bring-your-own-model.ipynb",
    "04-big-architectures-on-meta.ipynb",
    "06-decoder-walkthrough.ipynb",
]
CELL_TIMEOUT = 120  # seconds per cell


# -- counts derived from the layer shapes the seed notes print -------------------------------------
def _linear(fin: int, fout: int) -> int:
    return fin * fout + fout


def _distilbert(vocab: int, dim: int = 768, hidden: int = 3072, layers: int = 6) -> int:
    """DistilBertModel: word + position embeddings, LayerNorm, then 6 TransformerBlocks."""
    embeddings = vocab * dim + 512 * dim + 2 * dim
    block = 4 * _linear(dim, dim) + _linear(dim, hidden) + _linear(hidden, dim) + 2 * (2 * dim)
    return embeddings + layers * block


SST2_HEAD = _linear(768, 768) + _linear(768, 2)  # pre_classifier + classifier
QA_HEAD = _linear(768, 2)  # qa_outputs
SST2_TOTAL = _distilbert(30522) + SST2_HEAD
SQUAD_TOTAL = _distilbert(28996) + QA_HEAD


def _llama(vocab: int, dim: int, hidden: int, layers: int, kv_dim: int, labels: int) -> int:
    """LlamaForSequenceClassification: embeddings, blocks (q, k, v, o without biases, the gated
    MLP, two RMSNorm weights), the final RMSNorm, ``score`` without a bias."""
    block = 2 * dim * dim + 2 * dim * kv_dim + 3 * dim * hidden + 2 * dim
    return vocab * dim + layers * block + dim + dim * labels


DECODER_TOTAL = _llama(30522, dim=64, hidden=128, layers=2, kv_dim=32, labels=2)


# -- running ---------------------------------------------------------------------------------------
def _kernel_env(tmp_path: Path, monkeypatch) -> Path:
    """A python3 kernelspec for this interpreter, no hub, a private HF cache; returns the cwd."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # searched before all others
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE"):
        monkeypatch.delenv(var, raising=False)
    # The notebooks write files (an HTML page) next to themselves: run a copy, keep the repo clean.
    cwd = tmp_path / "notebooks"
    cwd.mkdir()
    return cwd


def _execute(name: str, tmp_path: Path, monkeypatch):
    cwd = _kernel_env(tmp_path, monkeypatch)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    began = time.perf_counter()
    client.execute()
    print(f"{name}: {time.perf_counter() - began:.1f} s")
    return nb, cwd


def _errors(nb) -> list[str]:
    return [
        f"{o.ename}: {o.evalue}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "error"
    ]


def _text(nb) -> str:
    """Everything the notebook printed or showed as text."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


def _run(name: str, tmp_path: Path, monkeypatch) -> tuple[str, Path]:
    nb, cwd = _execute(name, tmp_path, monkeypatch)
    assert _errors(nb) == []
    return _text(nb), cwd


# -- the committed files ---------------------------------------------------------------------------
def test_generator_reproduces_the_committed_notebooks(tmp_path):
    make = runpy.run_path(str(GENERATOR))
    assert [make["build"](src)[0] for src in make["sources"]()] == NAMES
    assert make["main"](["--out", str(tmp_path)]) == 0
    for name in NAMES:
        assert (tmp_path / name).read_text() == (NOTEBOOKS / name).read_text(), name


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_have_no_outputs_and_open_with_a_markdown_cell(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "python3"


# -- running each notebook -------------------------------------------------------------------------
def test_01_seed_walkthrough(tmp_path, monkeypatch):
    text, cwd = _run(NAMES[0], tmp_path, monkeypatch)
    for line in [  # the seed's printed layers
        "(word_embeddings): Embedding(30522, 768, padding_idx=0)",
        "(word_embeddings): Embedding(28996, 768, padding_idx=0)",
        "(0-5): 6 x TransformerBlock(",
        "(lin1): Linear(in_features=768, out_features=3072, bias=True)",
        "(pre_classifier): Linear(in_features=768, out_features=768, bias=True)",
        "(classifier): Linear(in_features=768, out_features=2, bias=True)",
        "(dropout): Dropout(p=0.2, inplace=False)",
        "(qa_outputs): Linear(in_features=768, out_features=2, bias=True)",
    ]:
        assert line in text
    assert f"DistilBertForSequenceClassification: {SST2_TOTAL:,} parameters" in text
    assert f"DistilBertForQuestionAnswering: {SQUAD_TOTAL:,} parameters" in text
    # Offline the models are the packaged configs with random weights, and the notebook says so.
    assert text.count("source:    offline-config") == 2
    assert text.count("untrained: True") >= 2
    assert re.search(r"'label': '(POSITIVE|NEGATIVE)'", text)
    assert "'answer':" in text
    assert "offline: a stand-in tokenizer, the uncased BERT vocabulary cut to 28,996 rows" in text
    assert re.search(r"panel: (answer '|no answer)", text)  # Korean and 'agile' run, no error
    assert "Error" not in text.split("panel:")[1].split("\n")[0]
    assert "newly initialized modules: ['qa_outputs']" in text
    assert "newly initialized tensors: ['qa_outputs.weight', 'qa_outputs.bias']" in text
    assert f"Explorer(DistilBertForSequenceClassification, {SST2_TOTAL:,} parameters" in text
    # The Inside tab on the notes' sentence: 13 words and 2 special tokens through 6 blocks
    # of 12 heads (the lens: the embeddings' output, then each block's).
    tokens = "['[CLS]', 'he', 'looked', 'at', 'the', 'blue', 'sky', '.', 'blue', 'is', 'his', "
    assert tokens + "'favorite', 'color', '.', '[SEP]']" in text
    assert "lens | lens rows: 7" in text and "last row = the prediction: True" in text
    assert "the head was never trained on those layers" in text
    assert "attention | weights (12, 15, 15) | each row sums to 1: True" in text
    assert "Output shape (1, 15, 768); mean " in text
    assert "Shown: attention weights of head 4 of 12" in text
    assert "distilbert.transformer.layer.5.output_layer_norm (LayerNorm)" in text
    assert "출력 모양 (1, 15, 768); 평균 " in text and "표시: 토큰별 출력 벡터의 노름" in text
    assert "lens | start logits by layer: (7, " in text
    assert "last row = the model's start logits: True" in text
    # The decoder section: 2 layers of width 64, 4 query heads sharing 2 key/value heads.
    for line in [
        f"random weights: {DECODER_TOTAL:,} parameters",
        "(rotary_emb): LlamaRotaryEmbedding()",
        "(k_proj): Linear(in_features=64, out_features=32, bias=False)",
        "(score): Linear(in_features=64, out_features=2, bias=False)",
        "positions\n  DistilBERT: Embedding(512, 768)\n  decoder:    LlamaRotaryEmbedding, 0 weights",
        "norm\n  DistilBERT: LayerNorm((768,), eps=1e-12, elementwise_affine=True",
        "  decoder:    LlamaRMSNorm((64,), eps=1e-06)",
        "mask\n  DistilBERT: bidirectional\n  decoder:    causal",
        "Positions: rotary (queries and keys are turned by their position)",
        "Heads: 4 query heads share 2 key/value heads",
        "Mask: causal: each token sees itself and the tokens before it",
        "Shown: attention weights of head 3 of 4, which uses key/value head 2 of 2",
        f"masked cells (the future): {15 * 14 // 2} of {15 * 15}",
    ]:
        assert line in text, line
    assert "lens | lens rows: 3" in text and text.count("last row = the prediction: True") == 2
    page = cwd / "seed-sentiment-explorer.html"
    assert page.stat().st_size > 0 and "<html" in page.read_text(encoding="utf-8")[:500].lower()


def test_02_compare_heads(tmp_path, monkeypatch):
    text, _ = _run(NAMES[1], tmp_path, monkeypatch)
    # What both models share: position embeddings, the embeddings' LayerNorm, six blocks (the
    # word embeddings differ: 30522 vs 28996 rows), as the prose before the summary says.
    shared = _distilbert(vocab=0)  # no word-embedding rows
    assert f"match (same type, settings and tensor shapes; {shared:,} parameters)" in text
    assert f"only in A: pre_classifier, classifier ({SST2_HEAD:,} parameters)" in text
    assert f"only in B: qa_outputs ({QA_HEAD:,} parameters)" in text
    assert f"A에만 있음: pre_classifier, classifier(파라미터 {SST2_HEAD:,}개)" in text
    assert "A: Dropout(p=0.2, inplace=False)" in text and "B: Dropout(p=0.1, inplace=False)" in text
    assert "A: Embedding(30522, 768, padding_idx=0)" in text
    assert "B: Embedding(28996, 768, padding_idx=0)" in text
    # The seed's own Korean wording for the dropout and the two heads.
    assert "드롭아웃 확률은 0.2입니다" in text and "드롭아웃 확률은 0.1입니다" in text
    assert "입력 차원 768, 출력 차원 2" in text and "입력 차원 768, 출력 차원 768" in text
    assert f"{_linear(768, 3072):,}" in text  # ffn.lin1 explained with its exact count


def test_03_bring_your_own_model(tmp_path, monkeypatch):
    text, _ = _run(NAMES[2], tmp_path, monkeypatch)
    assert "source: local | newly initialized: []" in text
    lstm = 1000 * 32 + 2 * 4 * (64 * (32 + 64) + 2 * 64) + _linear(128, 2)  # bidirectional
    cnn = (1 * 8 * 9 + 8) + (8 * 16 * 9 + 16) + _linear(16, 10)
    assert f"Explorer(TinyTextLSTM, {lstm:,} parameters" in text
    assert f"Explorer(Sequential, {cnn:,} parameters" in text
    # The stand-in API: 3 positive words, no negative ones -> (3 + 1) / (3 + 2), passed through.
    assert "[{'label': 'POSITIVE', 'score': 0.8}" in text
    assert "SentimentPanel(" in text
    assert "source: packaged-weights | untrained: False" in text
    # Real MiniLM weights: a paraphrase is close, an unrelated sentence is not.
    scores = dict(
        (s, float(v)) for v, s in re.findall(r"similarity to .*?: ([+-][0-9.]+)  '(.*?)'", text)
    )
    assert scores["His favorite color is blue."] > 0.8
    assert scores["The stock market fell sharply today."] < 0.3


def test_04_big_architectures_on_meta(tmp_path, monkeypatch):
    text, _ = _run(NAMES[3], tmp_path, monkeypatch)
    for name, count in [  # published parameter counts
        ("meta-llama/Llama-2-7b-hf", "6,738,415,616"),
        ("mistralai/Mixtral-8x7B-v0.1", "46,702,792,704"),
        ("deepseek-ai/DeepSeek-V3", "671,026,404,352"),
    ]:
        assert re.search(rf"{re.escape(name)} +\w+ +{count} parameters \(meta\)", text), name
    if int(transformers.__version__.split(".")[0]) >= 5:  # Mixtral's block: `mlp`, as Llama's
        assert "only in A: model.layers.0.mlp.gate_proj" in text
        assert "only in B: model.layers.0.mlp.gate, model.layers.0.mlp.experts" in text
    else:  # transformers 4 names it `block_sparse_moe`
        assert "only in A: model.layers.0.mlp, model.layers.1.mlp" in text
        assert "only in B: model.layers.0.block_sparse_moe, model.layers.1.block_sparse_moe" in text
    assert "top 2" in text and "256" in text
    assert "Explorer(DeepseekV3ForCausalLM, 671,026,404,352 parameters" in text
    _check_04_budget(text)


def _check_04_budget(text: str) -> None:
    """The budget section: counts, bytes, KV caches and GPUs from published architectures."""
    gib, tokens = 2**30, 4096
    # KV values per token: 2 (K, V) x layers x kv heads x head size; MLA: layers x (512 + 64)
    kv_values = {
        "meta-llama/Llama-2-7b-hf": 2 * 32 * 32 * 128,
        "mistralai/Mixtral-8x7B-v0.1": 2 * 32 * 8 * 128,  # grouped-query: 8 kv heads
        "deepseek-ai/DeepSeek-V3": 61 * (512 + 64),
    }
    active_range = {  # published: dense; 12.9B active (Mixtral paper); "37B activated"
        "meta-llama/Llama-2-7b-hf": (6_738_415_616, 6_738_415_616),
        "mistralai/Mixtral-8x7B-v0.1": (12.85e9, 12.95e9),
        "deepseek-ai/DeepSeek-V3": (37e9, 38e9),
    }
    for name, values in kv_values.items():
        m = re.search(
            rf"{re.escape(name)} +([\d,]+) +([\d,]+) +([\d.]+) GiB +([\d.]+) GiB +(\d+)", text
        )
        assert m, name
        params, active = (int(g.replace(",", "")) for g in m.groups()[:2])
        low, high = active_range[name]
        assert low <= active <= high, (name, active)
        weights = 2 * params  # bfloat16
        kv = 2 * values * tokens
        assert m[3] == f"{weights / gib:.1f}" and m[4] == f"{kv / gib:.2f}", name
        assert int(m[5]) == math.ceil((weights + kv) / (80 * gib)), name
    assert "71.1x more" in text  # MLA: 128 heads x (128 + 64 + 128) / (512 + 64)
    assert "KV cache expanded per head, 4,096 tokens x batch 1 (bfloat16)" in text
    routed = 3 * 7168 * 2048  # one DeepSeek-V3 routed expert: gate, up, down projections
    assert f"model.layers.3.mlp.experts: {256 * routed:,} parameters" in text
    assert f"a token uses {8 * routed:,} of them and skips {248 * routed:,}" in text
    assert f"{256 * routed * 2 / gib:.1f} GiB in bfloat16" in text


def _gpt2(vocab: int = 50257, dim: int = 768, positions: int = 1024, layers: int = 6) -> int:
    """GPT2LMHeadModel: wte + wpe, blocks (2 LayerNorms, c_attn, c_proj, c_fc, c_proj), ln_f;
    lm_head shares wte's matrix."""
    block = 2 * (2 * dim) + _linear(dim, 3 * dim) + _linear(dim, dim)
    block += _linear(dim, 4 * dim) + _linear(4 * dim, dim)
    return vocab * dim + positions * dim + layers * block + 2 * dim


def _markdown(name: str) -> str:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_06_decoder_walkthrough(tmp_path, monkeypatch):
    name = "06-decoder-walkthrough.ipynb"
    prose = " ".join(_markdown(name).split())
    total, dim, layers, vocab, bert = _gpt2(), 768, 6, 50257, 30522
    kv = 2 * layers * dim * 1024 * 2  # keys and values x layers x width x tokens x float16
    # the numbers the prose quotes, from the architecture
    assert f"{round(total / 1e6)} million parameters" in prose
    assert f"768 → {3 * dim:,} layer" in prose and f"768 → {4 * dim:,} → 768" in prose
    assert f"{vocab:,} × 768" in prose and "(1,024 positions)" in prose
    assert f"its {bert:,} ids fit GPT-2's {vocab:,} embedding rows" in prose
    assert f"the {vocab - bert:,} embedding rows past the stand-in tokenizer's {bert:,}" in prose
    assert f"that is {kv:,} bytes ({kv // 2**20} MiB)" in prose
    assert f"the {round(2 * total / 1e6)} MB of the weights" in prose
    assert "6 identical blocks" in prose and f"2 (keys and values) × {layers} layers" in prose

    text, _ = _run(name, tmp_path, monkeypatch)
    assert "class:     GPT2LMHeadModel" in text
    assert "source:    offline-config" in text and "untrained: True" in text
    assert "standing in for distilgpt2's own" in text
    for line in [
        "(wte): Embedding(50257, 768)",
        "(wpe): Embedding(1024, 768)",
        "(0-5): 6 x GPT2Block(",
        "(c_attn): Conv1D(nf=2304, nx=768)",
        "(c_fc): Conv1D(nf=3072, nx=768)",
        "(lm_head): Linear(in_features=768, out_features=50257, bias=False)",
    ]:
        assert line in text
    assert f"GPT2LMHeadModel: {total:,} parameters" in text
    assert "lm_head shares wte's weight: True" in text
    assert f"Explorer(GPT2LMHeadModel, {total:,} parameters" in text
    # offline the stand-in BERT tokenizer adds [CLS] and [SEP], as the pipeline feeds them
    assert "fed: ['[CLS]', 'the', 'capital', 'of', 'france', 'is', '[SEP]']" in text
    assert len(re.findall(r"id +\d+  p = 0\.\d{4}", text)) == 5
    assert "greedy:       [{'generated_text': 'The capital of France is" in text
    assert "seed 1 twice the same: True" in text
    assert len(re.findall(r"step \d: .* p = 0\.\d{4}  rank \d+", text)) == 5
    assert "ended by: length" in text
    assert f"lens rows: {layers + 1} (the embeddings, then {layers} blocks)" in text
    assert "last row = the prediction: True" in text and "= next_token's first row: True" in text
    assert len(re.findall(r"^  \d: .* p = \d\.\d{4}$", text, re.M)) == layers + 1
    assert "lens | Each entry applies the model's own head" in text
    # the attention of a decoder: 12 heads over the 7 tokens fed, nothing above the diagonal
    assert "attention | weights (12, 7, 7) | each row sums to 1: True" in text
    assert "nothing above the diagonal (causal): True" in text
    assert "attention | transformer.h.0.attn (GPT2Attention)" in text
    assert "Shown: attention weights of head 1 of 12" in text
    assert "Mask: causal: each token sees itself and the tokens before it" in text
    assert "(12 heads here)" in prose
    assert f"KV cache, 1,024 tokens, float16: {kv:,} bytes" in text
    assert f"weights, float16: {2 * total:,} bytes" in text
