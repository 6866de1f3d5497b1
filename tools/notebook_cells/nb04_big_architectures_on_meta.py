"""Cells of notebooks/04-big-architectures-on-meta.ipynb: 7B to 671B models without weights."""

FILENAME = "04-big-architectures-on-meta.ipynb"

CELLS = [
    (
        "md",
        """
        # 4. Big architectures without weights: Llama-2-7B, Mixtral-8x7B, DeepSeek-V3

        The two DistilBERT models of the notes have 65-67 million parameters. Today's open
        language models have thousands of times more: their weights take 13 GB (Llama-2-7B in
        16-bit), 93 GB (Mixtral-8x7B) and about 700 GB (DeepSeek-V3, published in 8-bit). You do
        not need any of that to see how they are built.

        `explorer.load(name, weights=False)` reads only the model's `config.json` and builds the
        model on PyTorch's **meta** device: every module and every tensor *shape* exists, no value
        does, so it takes no memory and about a second. Online the config comes from the hub;
        offline from the copy shipped with explorer. (Llama 2 and Mixtral are gated on the hub:
        without a token that accepted their licence, explorer uses the shipped copy and warns.)
        The parameter counts are exact.

        > 가중치 없이(meta 디바이스) 거대한 모델의 구조와 정확한 파라미터 수를 살펴봅니다.

        What you will see: the exact counts, the explorer and treemap of each model, Llama (a
        dense model) against Mixtral (a mixture of experts), what a mixture-of-experts block
        is, in English and Korean, and what each model costs in memory and GPUs.
        """,
    ),
    (
        "code",
        """
        import explorer

        NAMES = ["meta-llama/Llama-2-7b-hf", "mistralai/Mixtral-8x7B-v0.1", "deepseek-ai/DeepSeek-V3"]
        models = {name: explorer.load(name, weights=False) for name in NAMES}
        """,
    ),
    (
        "md",
        """
        ## Exact parameter counts

        Each parameter tensor is counted once, even when two modules share it (tied input and
        output embeddings, as in GPT-2; these three models do not tie them). The model card names ("7B", "8x7B", "671B") are rounded: the
        tree gives the exact figure.
        """,
    ),
    (
        "code",
        """
        for name, loaded in models.items():
            tree = explorer.module_tree(loaded.model)
            meta = "meta" if loaded.meta else "real weights"
            print(f"{name:<30} {tree.type:<24} {tree.params:>17,} parameters ({meta})")
        """,
    ),
    (
        "md",
        """
        ## Llama-2-7B: a dense decoder

        32 identical decoder layers, each with self-attention (`q_proj`, `k_proj`, `v_proj`,
        `o_proj`) and a gated MLP (`gate_proj`, `up_proj`, `down_proj`). Every token goes through
        every weight. In the treemap, the 32 layers share the area evenly; the input embedding
        and the output `lm_head` (32,000 × 4,096 each) are the two slices outside them.
        """,
    ),
    (
        "code",
        """
        llama = models["meta-llama/Llama-2-7b-hf"].model
        llama_view = explorer.explore(llama)
        llama_view.selected = "model.layers.0.mlp"
        llama_view
        """,
    ),
    (
        "md",
        """
        ## Mixtral-8x7B: the same skeleton, with experts

        Mixtral keeps Llama's layout but replaces each layer's MLP with a **sparse
        mixture-of-experts** block: 8 expert MLPs and a small router (`gate`) that sends each
        token to the 2 best-scoring experts. The experts hold almost all the parameters, but each
        token uses only 2 of the 8, so about 13 billion parameters are active per token.

        In transformers 5 the 8 experts of a layer are stored together in one module (`experts`,
        with stacked weight tensors) rather than as 8 separate modules. transformers 4 names the
        block `block_sparse_moe` instead of `mlp` (and keeps 8 expert modules): the cells below
        read which one the model has.
        """,
    ),
    (
        "code",
        """
        mixtral = models["mistralai/Mixtral-8x7B-v0.1"].model
        block = "mlp" if hasattr(mixtral.model.layers[0], "mlp") else "block_sparse_moe"
        moe = f"model.layers.0.{block}"  # the mixture-of-experts block of the first layer
        mixtral_view = explorer.explore(mixtral)
        mixtral_view.selected = f"{moe}.experts"
        mixtral_view
        """,
    ),
    (
        "code",
        """
        explorer.treemap(mixtral)
        """,
    ),
    (
        "md",
        """
        ## Llama vs Mixtral, module by module

        The comparison shows where the two designs part: the dense MLP's three projections exist
        only in Llama, the router and the experts only in Mixtral. Other rows differ in smaller
        ways: Mixtral uses grouped-query attention (8 key/value heads instead of 32, so smaller
        `k_proj` and `v_proj`), and the two configs store their weights in different dtypes
        (`float16` vs `bfloat16`). A dtype alone does not make a row changed: it is noted
        (`reasons` holds `"dtype"`, and the summary counts those rows), so `q_proj` and `o_proj`
        count among the matching modules.
        """,
    ),
    (
        "code",
        """
        cmp = explorer.compare(llama, mixtral, labels=("Llama-2-7B", "Mixtral-8x7B"))
        print(cmp.summary.text("en"))
        print()
        layer0 = [r for r in cmp.rows if r.path.startswith("model.layers.0.") and r.status != "same"]
        for row in layer0:
            why = f"  ({', '.join(row.reasons)})" if row.reasons else ""
            print(f"{row.status:<8} {row.path:<40} A: {row.repr_a}{why}")
            print(f"{'':<8} {'':<40} B: {row.repr_b}")
        """,
    ),
    (
        "code",
        """
        cmp
        """,
    ),
    (
        "md",
        """
        ## What a mixture-of-experts block is

        `explorer.explain` reads the block itself: the number of experts, how many each token
        uses, and the sizes.
        """,
    ),
    (
        "code",
        """
        for path in [moe, f"{moe}.gate", f"{moe}.experts"]:
            print(f"Mixtral {path}:")
            print("  en:", explorer.explain(mixtral, path))
            print("  ko:", explorer.explain(mixtral, path, lang="ko"))
            print()
        print("Llama model.layers.0.mlp (dense, for contrast):")
        print("  en:", explorer.explain(llama, "model.layers.0.mlp"))
        """,
    ),
    (
        "md",
        """
        ## DeepSeek-V3: 671 billion parameters

        DeepSeek-V3 pushes the idea further: 61 layers, of which the first 3 have a dense MLP and
        the other 58 a mixture of 256 small routed experts (8 used per token) plus one *shared*
        expert every token goes through. Its attention is also different (multi-head latent
        attention: `q_a_proj`, `kv_a_proj_with_mqa` and friends compress queries, keys and values
        through small latent vectors). The config also describes a multi-token-prediction module
        that transformers does not build, so the count below is that of the main model.
        """,
    ),
    (
        "code",
        """
        deepseek = models["deepseek-ai/DeepSeek-V3"].model
        for path in [
            "model.layers.0.mlp",
            "model.layers.3.mlp",
            "model.layers.3.mlp.gate",
            "model.layers.3.mlp.experts",
            "model.layers.3.mlp.shared_experts",
        ]:
            print(f"{path}: {explorer.explain(deepseek, path)}")
            print()
        deepseek_view = explorer.explore(deepseek)
        deepseek_view.selected = "model.layers.3.mlp"
        deepseek_view
        """,
    ),
    (
        "md",
        """
        ## What they cost: parameters, memory, GPUs

        "How big is it?" has several answers. `explorer.budget(model)` gives each one with the
        formula it comes from and its source, from the shapes alone (no weights needed):

        - **parameters**, trainable and frozen; **embedding** and **non-embedding** (the count
          N of the scaling laws, which leaves out the embeddings);
        - **active per token**: a mixture-of-experts model sends each token through k of its E
          routed experts, so one token uses far fewer parameters than the model holds;
        - **memory**: the weights in a dtype (bytes per value x parameters), training with Adam
          (16 bytes per parameter; activations not included), and the **KV cache** a generating
          model keeps per token (it grows with the context length and the batch);
        - **GPUs**: how many GPUs of a given memory hold the weights and the KV cache (leaving
          out activations, the CUDA context and framework overhead).

        > 모델의 비용: 파라미터 수(전체·임베딩 제외·토큰당 활성), 가중치·학습·KV 캐시 메모리, 필요한 GPU 수.
        """,
    ),
    (
        "code",
        """
        TOKENS = 4096
        head = f"{'model':<30}{'parameters':>17}{'active per token':>18}"
        print(head + f"{'weights (bf16)':>16}{'KV cache':>12}{'80 GB GPUs':>12}")
        costs = {}
        for name, loaded in models.items():
            b = costs[name] = explorer.budget(loaded.model)
            weights = b.weights_bytes("bfloat16") / 2**30
            kv = b.kv_cache_bytes(TOKENS, batch=1, dtype="bfloat16") / 2**30
            gpus = b.gpus_needed(80, "bfloat16", tokens=TOKENS)
            line = f"{name:<30}{b.params:>17,}{b.active:>18,}"
            print(line + f"{weights:>12.1f} GiB{kv:>8.2f} GiB{int(gpus):>12}")
        print(f"(KV cache: {TOKENS:,} tokens, batch 1, bfloat16; 1 GiB = 2**30 bytes)")
        """,
    ),
    (
        "md",
        """
        Mixtral holds 46.7B parameters but a token uses 12.9B of them (2 of 8 experts); DeepSeek-V3
        holds 671B and uses about 37B (8 of 256 routed experts, plus the shared one). The
        memory, however, follows what is held: every expert must be in memory, because the next
        token may pick any of them.

        The KV cache tells the attention designs apart. Llama-2-7B caches a key and a value
        for each of its 32 heads in each of its 32 layers; Mixtral's grouped-query attention
        keeps 8 key/value heads (4 times less); DeepSeek's multi-head latent attention caches
        one small latent vector per layer, and rebuilds keys and values from it. Every figure
        carries its formula (`.formula`) and source (`.source`); `text()` prints them all:
        """,
    ),
    (
        "code",
        """
        deepseek_costs = costs["deepseek-ai/DeepSeek-V3"]
        print(deepseek_costs.text(tokens=TOKENS))
        """,
    ),
    (
        "md",
        """
        transformers 4 cached DeepSeek's keys and values *expanded* per head (the "expanded"
        rows): 71 times more memory than the latent the paper describes, which serving engines
        and transformers 5 keep.

        Per module, `module(path, dtype)` gives its share of each count. The routed experts of one
        DeepSeek layer hold a large share of the parameters, and a token skips most of them:
        """,
    ),
    (
        "code",
        """
        row = deepseek_costs.module("model.layers.3.mlp.experts", "bfloat16")
        print(f"{row['path']}: {row['params']:,} parameters = {row['share_params']:.2%} of all")
        print(f"  a token uses {row['active']:,} of them and skips {row['skipped']:,}")
        print(f"  {row['share_active']:.2%} of the active parameters")
        print(f"  {row['bytes'] / 2**30:.1f} GiB in bfloat16")
        """,
    ),
    (
        "md",
        """
        In the explorer, the **Budget** tab shows the same figures, with a dtype switch, boxes for
        the context length, the batch and the GPU memory, and each formula on hover; the tree's
        details show the selected module's share. For a mixture of experts, it can also draw the
        treemap sized by the parameters one token uses: the experts shrink to k/E of their size.
        """,
    ),
    (
        "code",
        """
        budget_tab = mixtral_view.budget_view.load()  # the Budget tab of the Mixtral explorer
        budget_tab.dtype = "int4"
        budget_tab.show_active = True
        budget_tab
        """,
    ),
    (
        "md",
        """
        ## No weights, no predictions

        A model on the meta device has shapes and no values, so there is nothing to run: the
        explorer shows no live panel for these models, and `explorer.load(name)` with
        `weights=True` downloads the full checkpoint online (tens to hundreds of gigabytes). Offline,
        explorer refuses to fill memory with random weights for models this large and builds them
        on meta anyway, with a warning.
        """,
    ),
]
