"""The Inside tab in JupyterLab shows what an attention layer allows: a decoder's causal triangle and
grouped heads, ModernBERT's local band and global layers, in light and dark themes."""

from __future__ import annotations

from playwright.sync_api import expect

from .checks import assert_contrast, kernel_json, set_theme, wait_kernel_json
from .harness import REPO, cell, open_and_run, screenshot, write_notebook

NAME = "inside_attention.ipynb"
TINY = ("vocab_size=30522, hidden_size=32, intermediate_size=64, num_attention_heads=4, "
        "pad_token_id=0, num_labels=2")  # fmt: skip
CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})\n"
    "import torch, transformers as tf, _tiny_models as tm, explorer\n"
    "torch.set_num_threads(1)\n"
    "tok = tm.tokenizer()\n"
    f"config = tf.LlamaConfig({TINY}, num_hidden_layers=2, num_key_value_heads=2)\n"
    "llama = tm.init_weights(tf.LlamaForSequenceClassification(config))\n"
    "lv = explorer.explore(llama, tok, height=260)\nlv",
    f"config = tf.ModernBertConfig({TINY}, num_hidden_layers=3, local_attention=4,\n"
    "    global_attn_every_n_layers=2, bos_token_id=101, eos_token_id=102, cls_token_id=101,\n"
    "    sep_token_id=102)\n"
    "modernbert = tm.init_weights(tf.ModernBertForSequenceClassification(config))\n"
    "mv = explorer.explore(modernbert, tok, height=260)\nmv",
]
TEXT = "the film was long but the ending was wonderful"
# The colour of the pixel at the centre of cell (row, column) of the n x n heatmap image ``index``
# of the plot (0: the weights, 1: the masked cells), as [r, g, b, alpha].
PIXEL_JS = """async (plot, [index, row, col, n]) => {
  const image = plot.querySelectorAll('g.hm image')[index];
  if (!image) return null;
  const img = new Image();
  img.src = image.getAttribute('href');
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const x = Math.floor((col + 0.5) / n * img.naturalWidth);
  const y = Math.floor((row + 0.5) / n * img.naturalHeight);
  return [...ctx.getImageData(x, y, 1, 1).data];
}"""
GREY = [150, 150, 150, 255]
GROUP = "(0-n): n x Layer"  # the folded layers' group row


def open_rows(out, *paths: str) -> None:
    """Click tree rows open in turn; ``GROUP`` opens the folded run of equal layers."""
    for path in paths:
        if path == GROUP:
            out.locator(".xt-group").first.click()
        else:
            out.locator(f'.xt-row[data-key="{path}"]').click()


def hover_cell(page, heat, row: int, col: int, n: int):
    """Move the mouse over cell (row, col) of the heatmap; the hover label."""
    image = heat.locator("g.hm image").first
    image.scroll_into_view_if_needed()
    area = image.bounding_box()
    page.mouse.move(area["x"] + (col + 0.5) * area["width"] / n,
                    area["y"] + (row + 0.5) * area["height"] / n)  # fmt: skip
    return heat.locator(".hoverlayer .hovertext")


def pixel(heat, index: int, row: int, col: int, n: int):
    return heat.evaluate(PIXEL_JS, [index, row, col, n])


def open_inside(page, server, index: int, var: str, text: str, *rows: str):
    """Type ``text`` in explorer ``var`` (code cell ``index``), open its Inside tab and click
    ``rows`` in its tree; the cell's output, the Inside view and its facts."""
    out = cell(page, index)
    box = out.locator(".xp-sentiment .xp-text textarea")
    box.fill("")
    box.press_sequentially(text, delay=10)
    wait_kernel_json(server, NAME, f"{var}.inside.trace and {var}.inside.trace.text", text,
                     timeout=60)  # fmt: skip
    out.get_by_role("tab", name="Inside").click()
    open_rows(out, *rows)
    wait_kernel_json(server, NAME, f"{var}.inside.path", rows[-1])
    inside = out.locator(".xp-inside")
    return out, inside, inside.locator(".xp-inside-facts")


def heatmap(page, inside, title: str):
    """The Inside view's plot whose title holds ``title``."""
    return inside.locator(".xp-inside-plot").filter(has=page.locator(".g-gtitle", has_text=title))


def test_the_heatmap_shows_what_each_layer_allows(jupyter_server, browser_page):
    page, server = browser_page, jupyter_server
    page.set_viewport_size({"width": 1280, "height": 1400})
    write_notebook(server.root_dir, NAME, CELLS)
    open_and_run(page, server, NAME, timeout=300)

    # A decoder classifier: type, open Inside, click the first layer's attention in the tree.
    rows = ("model", "model.layers", GROUP, "model.layers.0", "model.layers.0.self_attn")
    _, inside, facts = open_inside(page, server, 0, "lv", TEXT, *rows)
    assert kernel_json(server, NAME, "lv.inside.kind") == "attention"
    expect(facts).to_contain_text(
        "Positions: rotary (queries and keys are turned by their position)"
    )
    expect(facts).to_contain_text("Heads: 4 query heads share 2 key/value heads")
    expect(facts).to_contain_text("Mask: causal: each token sees itself and the tokens before it")
    picker = inside.locator(".widget-dropdown select").first
    picker.select_option(label="head 3 \u00b7 key/value head 2")
    heat = heatmap(page, inside, "head 3 of 4")
    expect(heat.locator("g.hm image")).to_have_count(2, timeout=30_000)  # weights, masked cells
    expect(heat.locator(".g-gtitle")).to_contain_text("grey cells are masked: future token")
    n = kernel_json(server, NAME, "len(lv.inside.trace.tokens)")
    assert n > 8

    # The future is grey and says why; the past holds the weight.
    assert pixel(heat, 1, 1, n - 1, n) == GREY
    assert pixel(heat, 1, n - 1, 1, n)[3] == 0  # nothing drawn over an allowed cell
    assert pixel(heat, 0, n - 1, 1, n)[3] == 255  # the weight's own colour shows
    hover = hover_cell(page, heat, 1, n - 1, n)
    expect(hover).to_contain_text("masked: future token")
    expr = f"float(lv.inside.trace.attention('model.layers.0.self_attn')[2][{n - 1}][1])"
    want = kernel_json(server, NAME, expr)
    hover = hover_cell(page, heat, n - 1, 1, n)
    expect(hover).to_contain_text(f"{want:.6f}")
    page.mouse.move(0, 0)
    screenshot(page, "inside_causal_light", inside)

    # ModernBERT: a local layer (a band of 2 tokens either side) and a global one.
    long = "a long and winding story that never seems to end, and yet the cast is lovely"
    rows = ("model", "model.layers", GROUP, "model.layers.1", "model.layers.1.attn")
    out, inside, facts = open_inside(page, server, 1, "mv", long, *rows)
    expect(facts).to_contain_text("Layer: local: a local band \u00b12")
    expect(facts).to_contain_text("Mask: bidirectional")
    heat = heatmap(page, inside, "model.layers.1.attn: attention")
    expect(heat.locator("g.hm image")).to_have_count(2, timeout=30_000)
    m = kernel_json(server, NAME, "len(mv.inside.trace.tokens)")
    assert m > 8
    assert pixel(heat, 1, 0, m - 1, m) == GREY  # far beyond the band: masked
    assert pixel(heat, 1, 0, 2, m)[3] == 0 and pixel(heat, 1, 5, 3, m)[3] == 0  # inside it
    expect(hover_cell(page, heat, 0, m - 1, m)).to_contain_text("masked: outside the local band")
    page.mouse.move(0, 0)
    screenshot(page, "inside_local_light", inside)
    open_rows(out, "model.layers.0", "model.layers.0.attn")
    wait_kernel_json(server, NAME, "mv.inside.path", "model.layers.0.attn")
    expect(facts).to_contain_text("Layer: global: it sees the whole input")
    heat = heatmap(page, inside, "model.layers.0.attn: attention")
    expect(heat.locator("g.hm image")).to_have_count(1)  # nothing masked in a global layer
    expect(heat.locator(".g-gtitle")).not_to_contain_text("grey cells")

    # Dark theme: the facts read, the masked cells keep their grey, backgrounds stay clear.
    set_theme(page, "JupyterLab Dark")
    out.locator('.xt-row[data-key="model.layers.1.attn"]').click()
    wait_kernel_json(server, NAME, "mv.inside.path", "model.layers.1.attn")
    heat = heatmap(page, inside, "model.layers.1.attn: attention")
    expect(heat.locator("g.hm image")).to_have_count(2)
    assert pixel(heat, 1, 0, m - 1, m) == GREY
    assert_contrast(facts, "attention facts, dark", at_least=4)
    assert_contrast(cell(page, 0).locator(".xp-inside-facts"), "decoder facts, dark", at_least=3)
    screenshot(page, "inside_local_dark", inside)
    screenshot(page, "inside_causal_dark", cell(page, 0).locator(".xp-inside"))
    page.set_viewport_size({"width": 800, "height": 1400})
    expect(heat.locator("g.hm image")).to_have_count(2)
    screenshot(page, "inside_local_dark_narrow", inside)
    set_theme(page, "JupyterLab Light")  # the setting outlives the page: later tests
    assert_contrast(facts, "attention facts, light", at_least=4)
    screenshot(page, "inside_local_light_narrow", inside)
    assert page.dialogs == [] and page.page_errors == []
