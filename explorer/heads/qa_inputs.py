"""What extractive QA feeds the model: checked settings, the context's windows, their exact inputs."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from ..args import check_int, check_text
from .checks import check_model, model_feeds

__all__ = ["QAInputs", "QAWindowInputs", "qa_inputs", "count_windows", "OPTIONS", "settings"]

#: The options of extractive question answering and their defaults, as transformers 4.57's
#: QuestionAnsweringPipeline has them (the one list of them: every QA function takes these):
#:
#: - ``top_k`` (1): answers to return; fewer when fewer exist.
#: - ``doc_stride`` (None: ``min(max_seq_len // 2, 128)``): overlap between windows, in tokens.
#: - ``max_answer_len`` (15): longest answer, in tokens.
#: - ``max_seq_len`` (None: ``min(tokenizer.model_max_length, 384)``): window length in tokens.
#: - ``max_question_len`` (64): accepted for compatibility; unused with a fast tokenizer.
#: - ``handle_impossible_answer`` (False): add the "no answer" candidate (start = end = 0, "").
#: - ``align_to_words`` (True): widen answers to whole words.
OPTIONS = {
    "top_k": 1,
    "doc_stride": None,
    "max_answer_len": 15,
    "max_seq_len": None,
    "max_question_len": 64,
    "handle_impossible_answer": False,
    "align_to_words": True,
}


@dataclass
class QAWindowInputs:
    """One window (chunk) of question + context, exactly as the model is fed it.

    Attributes
    ----------
    index : int
        Window number, from 0.
    encoding : tokenizers.Encoding
        The fast tokenizer's encoding of the window (tokens, ids, offsets, sequence and word ids).
    feed : dict of str to torch.Tensor
        The keyword arguments of the forward pass: ``[1, n]`` tensors on the model's device
        (and ``use_cache=False`` where the forward takes it).
    """

    index: int
    encoding: Any = field(repr=False)
    feed: dict = field(repr=False)

    @property
    def tokens(self) -> list[str]:
        """The tokenizer's own tokens, special tokens included."""
        return list(self.encoding.tokens)

    @property
    def input_ids(self) -> list[int]:
        """The token ids fed to the model."""
        return list(self.encoding.ids)

    @property
    def attention_mask(self) -> list[int]:
        """The mask fed to the model (all ones when it is fed none)."""
        if "attention_mask" in self.feed:
            return list(self.encoding.attention_mask)
        return [1] * len(self.encoding.ids)


@dataclass
class QAInputs:
    """Everything :func:`answer` feeds the model: checked settings and one entry per window.

    Attributes
    ----------
    question, context : str
        The inputs.
    params : dict
        Effective top_k, doc_stride, max_answer_len, max_seq_len, max_question_len,
        handle_impossible_answer, align_to_words.
    question_first : bool
        Question is the first text of the pair (tokenizer.padding_side == "right").
    windows : list of QAWindowInputs
        One per chunk of the context, in order.
    """

    question: str
    context: str
    params: dict
    question_first: bool
    windows: list[QAWindowInputs]


def settings(model, tokenizer, options: dict, *, task: str = "answer") -> dict:
    """The checked :data:`OPTIONS`, defaults filled in as transformers 4.57 chooses them.

    Raises
    ------
    TypeError
        An unknown option (named, with the closest known one) or a value of the wrong type.
    ValueError
        A value out of range.
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], OPTIONS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(
            f"{task}() got unexpected keyword arguments {unknown}{hint}; "
            f"it takes {', '.join(OPTIONS)}"
        )
    o = {**OPTIONS, **options}
    top_k = check_int(o["top_k"], "top_k", minimum=1)
    max_answer_len = check_int(o["max_answer_len"], "max_answer_len", minimum=1)
    max_question_len = check_int(o["max_question_len"], "max_question_len", minimum=1)
    max_seq_len = o["max_seq_len"]
    if max_seq_len is None:
        max_seq_len = min(int(getattr(tokenizer, "model_max_length", 384) or 384), 384)
    max_seq_len = check_int(max_seq_len, "max_seq_len", minimum=4)
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and 0 < positions < max_seq_len:
        max_seq_len = positions  # longer windows would index past the position embeddings
    doc_stride = o["doc_stride"]
    if doc_stride is None:
        doc_stride = min(max_seq_len // 2, 128)
    doc_stride = check_int(doc_stride, "doc_stride", minimum=0)
    if doc_stride >= max_seq_len:
        raise ValueError(
            f"doc_stride ({doc_stride}) must be smaller than max_seq_len ({max_seq_len})"
        )
    return dict(
        top_k=top_k,
        doc_stride=doc_stride,
        max_answer_len=max_answer_len,
        max_seq_len=max_seq_len,
        max_question_len=max_question_len,
        handle_impossible_answer=bool(o["handle_impossible_answer"]),
        align_to_words=bool(o["align_to_words"]),
    )


def _checked(model, tokenizer, question, context, task: str) -> None:
    check_text(question, "question")
    check_text(context, "context")
    check_model(model, tokenizer, task)
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(f"{task} needs a fast tokenizer (it maps tokens to characters via offsets)")


def _length(tokenizer, text: str) -> int:
    """Tokens in ``text`` alone, without special tokens (a fast tokenizer's Rust backend counts
    them directly: the Python call around it costs ~0.6 ms, more than the count)."""
    backend = getattr(tokenizer, "backend_tokenizer", None) if tokenizer.is_fast else None
    if backend is not None:
        try:
            n = len(backend.encode(text, add_special_tokens=False).ids)
        except Exception:  # a previous call's truncation setting refuses a long text: ask below
            n = None
        cut = backend.truncation  # a previous call's setting: a count at its limit may be cut
        if n is not None and (cut is None or n < cut["max_length"]):
            return n
    return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])


def _room(tokenizer, question: str, max_seq_len: int) -> tuple[int, int]:
    """``(question tokens, context tokens that fit in one window)``."""
    q_len = _length(tokenizer, question)
    return q_len, max_seq_len - q_len - tokenizer.num_special_tokens_to_add(pair=True)


def _check_room(tokenizer, question, context, max_seq_len, doc_stride) -> None:
    """Fail clearly where the tokenizer would fail obscurely (or panic)."""
    q_len, room = _room(tokenizer, question, max_seq_len)
    if room <= 0:
        raise ValueError(
            f"question is {q_len} tokens long, leaving no room for the context within "
            f"max_seq_len={max_seq_len} (as in transformers, max_question_len does not shorten "
            "the question with a fast tokenizer)"
        )
    if doc_stride >= room:
        if _length(tokenizer, context) > room:
            raise ValueError(
                f"doc_stride ({doc_stride}) must be smaller than the {room} context tokens that fit "
                f"in one window (max_seq_len={max_seq_len} minus the question and special tokens)"
            )


def qa_inputs(model, tokenizer, question, context, *, task: str = "answer", **options) -> QAInputs:
    """Check the arguments, split the context into windows and build each window's model inputs.

    Parameters
    ----------
    model, tokenizer, question, context
        See :func:`explorer.heads.answer_details`.
    task : str
        The function the user called, for error messages.
    **options
        The question-answering options (:data:`OPTIONS`).

    Returns
    -------
    QAInputs
        What :func:`explorer.heads.answer_details` feeds the model, window by window.
    """
    _checked(model, tokenizer, question, context, task)
    params = settings(model, tokenizer, options, task=task)
    _check_room(tokenizer, question, context, params["max_seq_len"], params["doc_stride"])
    question_first = tokenizer.padding_side == "right"
    encoded = tokenizer(
        text=question if question_first else context,
        text_pair=context if question_first else question,
        truncation="only_second" if question_first else "only_first",
        max_length=params["max_seq_len"],
        stride=params["doc_stride"],
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    feeds = model_feeds(model, tokenizer, encoded, range(len(encoded.encodings)))
    windows = [
        QAWindowInputs(w, enc, feed)
        for w, (enc, feed) in enumerate(zip(encoded.encodings, feeds, strict=True))
    ]
    return QAInputs(question, context, params, question_first, windows)


def count_windows(model, tokenizer, question, context, **options) -> int:
    """How many windows (model runs) :func:`answer` needs, from token counts alone.

    Cheaper than :func:`qa_inputs`: nothing is split, nothing runs.

    Parameters
    ----------
    model, tokenizer, question, context
        As for :func:`explorer.heads.answer`.
    **options
        The question-answering options (:data:`OPTIONS`).

    Returns
    -------
    int
    """
    params = settings(model, tokenizer, options, task="count_windows")
    _checked(model, tokenizer, question, context, "count_windows")
    stride = params["doc_stride"]
    _, room = _room(tokenizer, question, params["max_seq_len"])
    c_len = _length(tokenizer, context)
    if c_len <= room or room <= stride:
        return 1
    return 1 + math.ceil((c_len - room) / (room - stride))
