"""python -m explorer: --summary on offline names and directories, --html, exit codes."""

import os
import socket
import time

import pytest
import torch
from _view import part
from transformers import DistilBertConfig, DistilBertForQuestionAnswering, DistilBertModel

from explorer.__main__ import main, summary_lines
from explorer.export.encode import TreeReader


def _tiny():
    return DistilBertConfig(vocab_size=99, dim=16, n_layers=3, n_heads=2, hidden_dim=24)


@pytest.mark.slow  # a subprocess each
def test_summary_of_an_offline_name(tmp_path, cli):
    r = cli("distilbert-base-cased-distilled-squad", "--summary", "--no-weights")
    assert r.returncode == 0, r.stderr
    assert "65,192,450" in r.stdout.splitlines()[1]  # published count of the seed's QA model
    assert "DistilBertForQuestionAnswering" in r.stdout and "qa_outputs: Linear" in r.stdout
    assert "0-5: 6 x TransformerBlock" in r.stdout  # repeated blocks folded as torch prints them
    assert r.stderr.startswith("warning:") and "Traceback" not in r.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # a subprocess each
def test_an_unreachable_hub_falls_back_about_as_fast_as_offline(tmp_path, cli):
    """Without HF_HUB_OFFLINE and no hub (here a closed local port) the CLI used to spend ~23 s
    in huggingface_hub's retries before falling back; now a probe decides within seconds."""
    args = ("distilbert-base-uncased", "--summary", "--no-weights")
    start = time.perf_counter()
    offline = cli(*args)
    offline_time = time.perf_counter() - start
    skip = {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT"}
    env = {k: v for k, v in os.environ.items() if k not in skip and "proxy" not in k.lower()}
    port = _closed_port()
    env.update(HF_HOME=str(tmp_path / "hf2"), HF_ENDPOINT=f"http://127.0.0.1:{port}")
    start = time.perf_counter()
    unreachable = cli(*args, env=env)
    unreachable_time = time.perf_counter() - start
    assert offline.returncode == unreachable.returncode == 0, unreachable.stderr
    assert unreachable.stdout == offline.stdout  # the same fallback model
    assert f"the hub is unreachable: no connection to 127.0.0.1:{port}" in unreachable.stderr
    assert "Retrying" not in unreachable.stderr
    assert unreachable_time - offline_time < 10, (unreachable_time, offline_time)  # was +23 s


@pytest.mark.slow  # a subprocess each
def test_summary_of_a_local_dir_marks_the_new_head(tmp_path, cli):
    DistilBertModel(_tiny()).save_pretrained(tmp_path / "backbone")
    r = cli(tmp_path / "backbone", "--summary", "--task", "question-answering")
    assert r.returncode == 0, r.stderr
    total = sum(p.numel() for p in DistilBertForQuestionAnswering(_tiny()).parameters())
    assert f"parameters: {total:,}" in r.stdout
    new_lines = [line for line in r.stdout.splitlines() if line.endswith("[new]")]
    assert len(new_lines) == 1 and new_lines[0].strip().startswith("qa_outputs: Linear")
    assert "newly initialized (random, not from the checkpoint): qa_outputs" in r.stdout


@pytest.mark.slow  # a subprocess each
def test_html(tmp_path, cli):
    out = tmp_path / "page.html"
    r = cli("distilbert-base-uncased", "--no-weights", "--html", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text("utf-8")
    # The whole tree by default (no --depth): the deepest Linear of a block is in the page.
    lists = TreeReader(part(page, "tree")).all_lists()
    rows = {r["p"]: r for items in lists.values() for r in items if "p" in r}
    assert "distilbert.transformer.layer.5.ffn.lin2" in rows
    assert rows["distilbert"]["c"] == 66_362_880  # the backbone of DistilBertForMaskedLM


def test_load_error_is_one_line_with_exit_code_1(capsys):
    assert main(["surely-not-a-model-xyz", "--summary"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: OSError:") and "\n" not in err
    assert "known offline names" in err


@pytest.mark.parametrize(
    "argv",
    [["gpt2"], ["gpt2", "--summary", "--depth", "-1"], ["gpt2", "--summary", "--task", "nope"], []],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_summary_lines_fold_and_mark(tmp_path):
    from explorer.anatomy import module_tree

    model = DistilBertForQuestionAnswering(_tiny())
    tree = module_tree(model)
    lines = summary_lines(tree, depth=1, new_modules=["qa_outputs"])
    assert lines[0].startswith("(model): DistilBertForQuestionAnswering")
    assert lines[0].split()[-1] == f"{sum(p.numel() for p in model.parameters()):,}"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "distilbert",
        "qa_outputs",
        "dropout",
    ]
    assert lines[2].endswith("[new]") and not lines[1].endswith("[new]")
    deep = summary_lines(tree, depth=4)
    block = next(line for line in deep if "x TransformerBlock" in line)
    each = sum(p.numel() for p in model.distilbert.transformer.layer[0].parameters())
    assert block.strip().startswith("0-2: 3 x TransformerBlock") and f"({each:,} each)" in block
    assert len(summary_lines(tree, depth=0)) == 1
    with torch.device("meta"):
        meta_tree = module_tree(DistilBertForQuestionAnswering(_tiny()))
    assert summary_lines(meta_tree, 4) == deep
