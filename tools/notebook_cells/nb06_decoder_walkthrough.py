"""Cells of notebooks/06-decoder-walkthrough.ipynb: a GPT-2-style decoder, token by token."""

FILENAME = "06-decoder-walkthrough.ipynb"

CELLS = [
    (
        "md",
        """
        # 6. A decoder, token by token: distilgpt2

        The first notebooks looked at encoders (DistilBERT) that read a whole sentence and then
        classify it or mark an answer in it. Language models such as GPT-2, Llama or Qwen are
        **decoders**: they read the text from left to right and predict the **next token**. Writing
        a text is predicting one token, appending it, and predicting again.

        This notebook takes `distilgpt2`, a 6-layer GPT-2 (82 million parameters), and shows:
        its structure and exact counts, the next-token distribution after a prompt (the one the
        `text-generation` pipeline picks from), generation greedy and sampled, each generated
        token with the distribution it was drawn from, the **logit lens** (what every layer would
        predict), the attention of a decoder, and what its cache of keys and values costs.

        > GPT-2 같은 디코더는 왼쪽에서 오른쪽으로 읽으며 다음 토큰을 예측합니다. 다음 토큰 분포,
        > 생성(그리디·샘플링), 로짓 렌즈, 어텐션을 차례로 살펴봅니다.

        **Online** `explorer.load` downloads the real weights and GPT-2's own tokenizer.
        **Offline** (no network, or `HF_HUB_OFFLINE=1`) it builds the same architecture from the
        config shipped with explorer with **random weights**, and GPT-2's byte-level tokenizer is
        not available: explorer then **stands in the bert-base-uncased tokenizer** that a package
        ships (its 30,522 ids fit GPT-2's 50,257 embedding rows). The structure, the counts and
        the mechanics are exact; the tokens and the predictions are not the real model's. Every
        cell below prints which case you are in.
        """,
    ),
    (
        "code",
        """
        import explorer

        PROMPT = "The capital of France is"
        lm = explorer.load("distilgpt2")
        model, tok = lm
        print("class:    ", type(model).__name__)
        print("source:   ", lm.source)
        print("untrained:", lm.untrained)
        print("tokenizer:", type(tok).__name__)
        for note in lm.info["notes"][1:]:
            print("note:", note)
        """,
    ),
    (
        "md",
        """
        ## The structure: one stack of blocks between two embeddings

        `print(model)` lists GPT-2's parts: `wte` turns each token id into a 768-number vector,
        `wpe` adds one vector per position (1,024 positions), then 6 identical blocks (`h`), each
        with self-attention (`attn`: `c_attn` computes queries, keys and values in one 768 → 2,304
        layer) and an MLP (768 → 3,072 → 768), and a final LayerNorm `ln_f`. `lm_head` turns the
        last vector back into one score per token of the vocabulary.

        `lm_head` has no weights of its own: it **shares** `wte`'s matrix (tied embeddings), so
        the 50,257 × 768 table is counted once. `explorer.module_tree` counts exactly.
        """,
    ),
    (
        "code",
        """
        print(model)
        root = explorer.module_tree(model)
        print(f"{root.type}: {root.params:,} parameters")
        print("lm_head shares wte's weight:", model.lm_head.weight is model.transformer.wte.weight)
        explorer.treemap(model)
        """,
    ),
    (
        "md",
        """
        ## The explorer and its Next token panel

        For a causal language model the explorer's live panel is **Next token**: type in the box
        and the bars show the likeliest next tokens after what you typed, redrawn at every key.
        Below it, **Generate** writes the continuation token by token (greedy, or sampling with a
        temperature, top-k, top-p and a seed), **Stop** stops it, and clicking a generated token
        shows the distribution it was drawn from.

        > Next token 패널: 입력할 때마다 다음 토큰 막대가 바뀝니다. Generate는 토큰을 하나씩
        > 생성하고, 생성된 토큰을 클릭하면 그 토큰이 뽑힌 분포를 보여 줍니다.
        """,
    ),
    (
        "code",
        """
        view = explorer.explore(model, tok)
        view.task_panel.text = PROMPT  # what typing in the box does
        view.task_panel.flush()
        view
        """,
    ),
    (
        "md",
        """
        ## The next token

        `explorer.next_token` feeds the model exactly what `pipeline("text-generation")` feeds it
        (the tokenizer's defaults: GPT-2's adds nothing, a Llama tokenizer adds its `<s>`, BERT's
        adds `[CLS]` and `[SEP]`), runs it **once**, and turns the scores at the **last position**
        into probabilities with a softmax. The first row is the token greedy generation writes
        next. (Offline, the random model also scores the 19,735 embedding rows past the stand-in
        tokenizer's 30,522 tokens: that tokenizer writes those ids as empty strings, `''`.)
        """,
    ),
    (
        "code",
        """
        details = explorer.next_token_details(model, tok, PROMPT, top_k=5)
        print("fed:", details.tokens)
        for row in details.results:
            print(f"  {row['token']!r:>14}  id {row['token_id']:>6}  p = {row['score']:.4f}")
        """,
    ),
    (
        "md",
        """
        ## Generation: greedy and sampled

        `explorer.generate` returns what the pipeline returns for the same arguments. It is
        **greedy** by default: every step takes the likeliest token, so the same prompt always
        gives the same text. With `do_sample=True` every token is **drawn** from the
        distribution, reshaped by the temperature (below 1: sharper, above 1: flatter), top-k
        (keep the k likeliest) and top-p (keep the likeliest that together reach p); a `seed`
        makes a sample reproducible.

        `generate_details` keeps every step: the token, its probability in the distribution it
        was drawn from, and its rank there (greedy: always 1).
        """,
    ),
    (
        "code",
        """
        greedy = explorer.generate(model, tok, PROMPT, max_new_tokens=8)
        print("greedy:      ", greedy)
        sampled = [
            explorer.generate(model, tok, PROMPT, 8, do_sample=True, temperature=0.9, top_k=40, seed=s)
            for s in (1, 1, 2)
        ]
        print("seed 1 twice the same:", sampled[0] == sampled[1])
        print("seed 2:      ", sampled[2])
        steps = explorer.generate_details(model, tok, PROMPT, 5, do_sample=True, top_p=0.9, seed=3)
        for step in steps.steps:
            print(f"  step {step.index + 1}: {step.token!r:>14}  p = {step.score:.4f}  rank {step.rank}")
        print("ended by:", steps.finish)
        """,
    ),
    (
        "md",
        """
        ## The logit lens: what each layer would predict

        The last block's output goes through `ln_f` and `lm_head` to become the prediction. The
        **logit lens** applies the same two steps to the output of *every* block (and of the
        embeddings), at every position: a grid of layers × positions, each cell naming the token
        that layer would predict next. Only the last row is the model's prediction; the earlier
        rows are a probe, often readable in trained models from the middle layers on. In the
        explorer, select the model itself (the root of the tree) and open the **Inside** tab.

        > 로짓 렌즈: 각 층의 출력에 마지막 정규화(ln_f)와 lm_head를 적용해, 층마다 위치마다 다음
        > 토큰을 읽습니다. 마지막 행만 모델의 실제 예측입니다.
        """,
    ),
    (
        "code",
        """
        trace = explorer.trace(model, tok, PROMPT)
        lens = trace.lens
        print("lens rows:", len(lens), "(the embeddings, then 6 blocks)")
        print("last row = the prediction:", lens[-1] is trace.prediction)
        print("top token at the last position, layer by layer:")
        for layer, entry in enumerate(lens):
            print(f"  {layer}: {entry['tokens'][-1][0]!r:>14}  p = {entry['probs'][-1][0]:.4f}")
        print("= next_token's first row:", lens[-1]["ids"][-1][0] == details.results[0]["token_id"])

        view.selected = ""  # the model itself: the Inside tab shows the logit-lens grid
        view.inside.visible = True
        print(view.inside.kind, "|", view.inside.messages[0][:60], "...")
        view.inside
        """,
    ),
    (
        "md",
        """
        ## Attention in a decoder: only the past

        In a decoder each token attends only to itself and the tokens **before** it (a causal
        mask): the upper triangle of every attention map is zero, which is what lets the model
        be trained to predict every next token of a text at once. `trace.attention(path)` reads
        the weights of one attention module, head by head (12 heads here), from the model's own
        attention computation; selecting the module in the explorer shows them in the
        **Inside** tab.
        """,
    ),
    (
        "code",
        """
        import numpy as np

        ATTENTION = "transformer.h.0.attn"
        weights = trace.attention(ATTENTION)
        print("attention | weights", weights.shape, "| each row sums to 1:",
              bool(np.allclose(weights.sum(-1), 1, atol=1e-5)))
        print("nothing above the diagonal (causal):", bool(np.allclose(np.triu(weights, k=1), 0)))
        view.selected = ATTENTION
        print(view.inside.kind, "|", view.inside.result)
        view.inside
        """,
    ),
    (
        "md",
        """
        ## What generation costs: the key-value cache

        To write token *n + 1* the model needs the keys and values of all *n* tokens before it at
        every layer. `generate` keeps them in a cache instead of recomputing them: 2 (keys and
        values) × 6 layers × 768 numbers per token. For 1,024 tokens in 16-bit floats that is
        18,874,368 bytes (18 MiB), next to the 164 MB of the weights in the same precision.
        """,
    ),
    (
        "code",
        """
        budget = explorer.budget(model)
        print(f"KV cache, 1,024 tokens, float16: {budget.kv_cache_bytes(1024, 1, 'float16').value:,.0f} bytes")
        print(f"weights, float16: {budget.weights_bytes('float16').value:,.0f} bytes")
        """,
    ),
]
