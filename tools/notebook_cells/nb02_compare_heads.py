"""Cells of notebooks/02-compare-heads.ipynb: the two DistilBERT heads side by side, explained."""

FILENAME = "02-compare-heads.ipynb"

CELLS = [
    (
        "md",
        """
        # 2. Comparing the two heads

        The learner's notes end with: *the two models are alike, only the output layers differ.*
        This notebook checks that claim module by module with `explorer.compare`, then asks
        `explorer.explain` what each key layer does, in English and in Korean.

        > 두 모델의 공통점과 차이점을 모듈 단위로 비교하고, 주요 층을 영어와 한국어로 설명합니다.

        No weights are needed for any of this: the models are built with `weights=False` on
        PyTorch's `meta` device (shapes and exact counts, no values, no memory). Online only the
        two `config.json` files are downloaded; offline the configs shipped with explorer are used.
        """,
    ),
    (
        "code",
        """
        import explorer

        sst2 = explorer.load("distilbert-base-uncased-finetuned-sst-2-english", weights=False)
        squad = explorer.load("distilbert-base-cased-distilled-squad", weights=False)
        print(sst2)
        print(squad)
        """,
    ),
    (
        "md",
        """
        ## The comparison

        `explorer.compare(a, b)` walks both module trees together. Every module path gets one row
        with a status: `same` (same type, settings and tensor shapes), `changed` (same path,
        something differs), `only_a` or `only_b`. In Jupyter the comparison shows as a
        side-by-side view that folds each run of whole identical subtrees (modules that match,
        with everything inside them matching too) into one line: here the position embeddings,
        the embeddings' LayerNorm and dropout, and all six transformer blocks.
        """,
    ),
    (
        "code",
        """
        cmp = explorer.compare(sst2.model, squad.model, labels=("sentiment (SST-2)", "QA (SQuAD)"))
        cmp
        """,
    ),
    (
        "md",
        """
        ## The summary, in English and Korean

        The numbers answer the notes' question precisely. The first counts the modules that match
        (same type, settings and tensor shapes) and the parameters they hold; the second, how many
        of them sit in whole identical subtrees (the folded line above shows the same number). The
        two in between, `distilbert` and `distilbert.embeddings`, are containers with a changed
        module inside. Then come what changed and what only one model has.
        """,
    ),
    (
        "code",
        """
        print(cmp.summary.text("en"))
        print()
        print(cmp.summary.text("ko"))
        """,
    ),
    (
        "md",
        """
        ## Only the rows that differ

        Three kinds of difference show up:

        * the **head**: `pre_classifier` + `classifier` (sentiment) vs `qa_outputs` (QA);
        * the **dropout** before the head: `p=0.2` vs `p=0.1`, exactly as the notes say;
        * the **word embeddings**: the sentiment model is *uncased* (30,522 tokens), the QA model
          *cased* (28,996 tokens). The notes list both numbers without remarking on them: the two
          checkpoints were distilled from different BERTs, so their backbones hold different
          weights even where the shapes match. (`compare` looks at structure: types, settings and
          tensor shapes, never at values.)
        """,
    ),
    (
        "code",
        """
        for row in cmp.rows:
            if row.status != "same" and row.path:
                print(f"{row.status:<8} {row.path}")
                print(f"         A: {row.repr_a}")
                print(f"         B: {row.repr_b}")
                if row.reasons:
                    print(f"         differs in: {', '.join(row.reasons)}")
        """,
    ),
    (
        "md",
        """
        ## What each layer does

        `explorer.explain(model, path, lang)` writes a short paragraph about one module: its role,
        its sizes and settings read from the module itself, and its exact parameter count. These
        are the layers the notes explain; compare the Korean lines with the notes' own wording.

        > `lang="ko"`로 한국어 설명을 볼 수 있습니다.
        """,
    ),
    (
        "code",
        """
        KEY_LAYERS = [
            (sst2.model, "distilbert.embeddings.word_embeddings"),
            (sst2.model, "distilbert.transformer"),
            (sst2.model, "pre_classifier"),
            (sst2.model, "classifier"),
            (sst2.model, "dropout"),
            (squad.model, "qa_outputs"),
            (squad.model, "dropout"),
        ]
        for model, path in KEY_LAYERS:
            print(f"## {type(model).__name__}.{path}")
            print("en:", explorer.explain(model, path, lang="en"))
            print("ko:", explorer.explain(model, path, lang="ko"))
            print()
        """,
    ),
    (
        "md",
        """
        ## One transformer block, part by part

        Inside each of the six blocks: self-attention (`q_lin`, `k_lin`, `v_lin`, `out_lin`), a
        layer norm, the feed-forward network (`lin1` 768 → 3072, GELU, `lin2` 3072 → 768) and
        another layer norm. The explanations below are the same for both models, since the
        blocks are identical in shape.
        """,
    ),
    (
        "code",
        """
        block = "distilbert.transformer.layer.0"
        for part in ["attention.q_lin", "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.activation"]:
            print(f"{part}:")
            print("  ", explorer.explain(sst2.model, f"{block}.{part}"))
            print("  ", explorer.explain(sst2.model, f"{block}.{part}", lang="ko"))
        """,
    ),
    (
        "md",
        """
        ## Explore with explanations at hand

        The same explanations are available for any module you select. Here the explorer starts
        on the QA head; pick another module in the tree or the treemap, then run the next cell to
        explain whatever is selected.
        """,
    ),
    (
        "code",
        """
        view = explorer.explore(squad.model)
        view.selected = "qa_outputs"
        view
        """,
    ),
    (
        "code",
        """
        print(f"selected: {view.selected!r}")
        print(explorer.explain(squad.model, view.selected, lang="ko"))
        """,
    ),
]
