"""python -m explorer NAME --summary prints the budget table after the module tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import transformers as tf
from test_budget import deepseek_v3_counts, gpt2_counts, mixtral_counts

from explorer.__main__ import main

CONFIGS = Path(__file__).resolve().parents[1] / "explorer" / "load" / "configs"


def _row(out: str, name: str) -> str:
    """The budget table's line for ``name`` (the first line starting with it)."""
    return next(line for line in out.splitlines() if line.strip().startswith(name))


def test_summary_prints_the_budget_of_gpt2(capsys):
    assert main(["gpt2", "--summary", "--no-weights", "--depth", "1"]) == 0
    out = capsys.readouterr().out
    config = tf.GPT2Config.from_json_file(CONFIGS / "gpt2.json")
    total, embedding = gpt2_counts(config)
    tree, _, table = out.partition("\nbudget of GPT2LMHeadModel")
    assert f"parameters: {total:,}" in tree  # the tree comes first, as before
    assert f"{total - embedding:,}" in _row(table, "non-embedding")
    assert f"{embedding:,}" in _row(table, "embedding")
    per_token = 2 * config.n_layer * config.n_embd * 2  # bfloat16 K and V
    assert f"{per_token / 1024:.2f} KiB" in _row(table, "KV cache per token")
    assert "0 B" not in _row(table, "KV cache per token")
    assert "sources:" in table and "[1] module_tree" in table


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, config_file, counts",
    [
        ("mistralai/Mixtral-8x7B-v0.1", "mistralai--Mixtral-8x7B-v0.1.json", mixtral_counts),
        ("deepseek-ai/DeepSeek-V3", "deepseek-ai--DeepSeek-V3.json", deepseek_v3_counts),
    ],
)
def test_summary_of_mixture_of_experts_models(tmp_path, name, config_file, counts, cli):
    r = cli(name, "--summary", "--no-weights", "--depth", "2")
    assert r.returncode == 0, r.stderr
    config = tf.AutoConfig.for_model(**_json(CONFIGS / config_file))
    total, active, _ = counts(config)
    assert f"{total:,}" in _row(r.stdout, "parameters ")
    assert f"{active:,}" in _row(r.stdout, "active per token")
    assert "meta device" in r.stdout and "Traceback" not in r.stderr


def _json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))
