"""A LoRA model and an accelerate-placed model in a real JupyterLab: badges and details lines show."""

from __future__ import annotations

from playwright.sync_api import expect

from .harness import REPO, cell, kernel_exec, open_and_run, screenshot, write_notebook

QUERY = "base_model.model.bert.encoder.layer.0.attention.self.query"
CELLS = [
    f"import sys, tempfile\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import explorer, _tiny_models as tiny\n"
    "from peft import LoraConfig, get_peft_model\n"
    "cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.1, target_modules=['query', 'value'],\n"
    "                 task_type='SEQ_CLS')\n"
    "lora = get_peft_model(tiny.build('bert_multilabel'), cfg)\n"
    "w = explorer.explore(lora, tiny.tokenizer())\n"
    "w",
    "import transformers as tf\n"
    "where = tempfile.mkdtemp()\n"
    "tiny.build('bert_multilabel').save_pretrained(where + '/m')\n"
    "placed = tf.AutoModelForSequenceClassification.from_pretrained(where + '/m', device_map={\n"
    "    'bert.embeddings': 'cpu', 'bert.encoder': 'cpu', 'bert.pooler': 'disk',\n"
    "    'classifier': 'cpu'}, offload_folder=where + '/off')\n"
    "w2 = explorer.explore(placed, tiny.tokenizer())\n"
    "w2",
    "print('ready')",
]


def row(scope, path):
    return scope.locator(f'.xt-row[data-key="{path}"]')


def test_lora_and_offload_badges_and_details(jupyter_server, browser_page):
    page, name = browser_page, "adapters.ipynb"
    write_notebook(jupyter_server.root_dir, name, CELLS)
    open_and_run(page, jupyter_server, name, timeout=240)

    tree = cell(page, 0)
    kernel_exec(jupyter_server, name, f"w.selected = {QUERY!r}")
    query = row(tree, QUERY)
    expect(query).to_have_attribute("aria-selected", "true")
    expect(query.locator(".xt-badge-lora")).to_have_text("lora")
    details = tree.locator(".xt-details")
    expect(details).to_contain_text(f"LoRA (lora.Linear) on {QUERY}.base_layer (Linear, 32 → 32)")
    expect(details).to_contain_text("r=4, alpha=8, scaling=2 (alpha/r), dropout 0.1")
    expect(details).to_contain_text("1,056 original + 256 added = 1,312")
    kernel_exec(jupyter_server, name, "w.selected = 'base_model.model.classifier'")
    head = row(tree, "base_model.model.classifier")
    expect(head.locator(".xt-badge-modules_to_save")).to_have_text("modules_to_save")
    expect(details).to_contain_text("99 original + 99 added = 198")
    screenshot(page, "tree_lora_details", tree)

    placed = cell(page, 1)
    kernel_exec(jupyter_server, name, "w2.selected = 'bert.pooler'")  # reveals it
    pooler = row(placed, "bert.pooler")
    expect(pooler).to_have_attribute("aria-selected", "true")
    expect(pooler.locator(".xt-badge-offloaded")).to_have_text("offloaded")
    expect(row(placed, "bert.embeddings")).to_be_visible()
    expect(row(placed, "bert.embeddings").locator(".xt-badge-offloaded")).to_have_count(0)
    placed_details = placed.locator(".xt-details")
    expect(placed_details).to_contain_text(
        "disk (accelerate loads these weights to cpu for each forward pass)"
    )
    expect(placed_details).to_contain_text("bert.pooler → disk")
    screenshot(page, "tree_offloaded_details", placed)
    # the Budget tab counts the offloaded weights as stored and says where they are
    placed.get_by_role("tab", name="Budget").click()
    expect(placed.locator(".xb-note").first).to_contain_text(
        "accelerate keeps some weights on the CPU or disk and loads them for each forward pass"
    )
    expect(placed).not_to_contain_text("none are in memory")
    screenshot(page, "budget_offloaded", placed)
