import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    return (mo,)


@app.cell
def _(mo):
    mo.md("""
    # The explorer in marimo

    marimo runs anywidgets natively, so the explorer's **module tree** (an anywidget) works
    here as in Jupyter, and its selection drives the cells below it. The Explorer itself is an
    ipywidgets `VBox`, which marimo does not draw: shown as a cell's output it appears as its
    **static view** (the `text/html` it carries for pages without a kernel), and
    `mo.iframe(fallback_html(view))` gives that view with its script: the whole tree, search,
    details and a zoomable treemap. Typing goes through marimo's own text area.

    The model is `sentence-transformers/all-MiniLM-L6-v2` with its real weights, which a
    Python package ships, so everything here works offline.
    """)
    return


@app.cell
def _():
    import explorer

    model, tokenizer = explorer.load("sentence-transformers/all-MiniLM-L6-v2")
    view = explorer.explore(model, tokenizer)
    return explorer, model, tokenizer, view


@app.cell
def _(mo, view):
    tree = mo.ui.anywidget(view.tree_widget)  # the live tree: click a row, the cells follow
    tree  # noqa: B018 (a cell shows its last expression)
    return (tree,)


@app.cell
def _(explorer, mo, model, tree, view):
    selected = tree.value.get("selected", "")
    node = view.tree.find(selected)
    mo.vstack(
        [
            mo.md(f"### `{selected or node.type}` · {node.type} · {node.params:,} parameters"),
            mo.md(explorer.explain(model, selected, tree=view.tree)),
        ]
    )
    return (selected,)


@app.cell
def _(selected, view):
    import plotly.graph_objects as go

    treemap = go.Figure(view.figure.figure)  # the Explorer's treemap, zoomed to the selection
    treemap.update_traces(level=view.level_for(selected))
    treemap  # noqa: B018
    return


@app.cell
def _(mo):
    text = mo.ui.text_area(
        value="A man is playing a guitar.", label="Type a sentence", full_width=True
    )
    text  # noqa: B018
    return (text,)


@app.cell
def _(mo, model, text, tokenizer):
    import torch

    REFERENCES = [
        "Someone plays music on a guitar.",
        "A woman is slicing an onion.",
        "The stock market fell sharply today.",
        "A dog runs across the park.",
    ]

    def embed(sentences):
        """Mean-pooled, normalised MiniLM sentence vectors (the model is only read)."""
        batch = tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    scores = (embed([text.value]) @ embed(REFERENCES).T)[0].tolist()
    ranked = sorted(zip(REFERENCES, scores), key=lambda pair: -pair[1])
    mo.md(
        "| sentence | cosine similarity |\n|---|---|\n"
        + "\n".join(f"| {s} | {v:+.3f} |" for s, v in ranked)
    )
    return


@app.cell
def _(view):
    view  # noqa: B018 - an ipywidgets Explorer: marimo shows its static view
    return


@app.cell
def _(mo, view):
    from explorer.export import fallback_html

    mo.iframe(fallback_html(view), height="780px")  # the static view, its script running
    return


if __name__ == "__main__":
    app.run()
