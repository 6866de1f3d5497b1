"""Task heads on text: sequence classification and extractive QA (= transformers 4.57's pipeline)."""

from .classify import ClassifyDetails, ClassifyInputs, classify, classify_details, classify_inputs
from .qa import AnswerDetails, QAWindow, answer, answer_details
from .qa_inputs import QAInputs, QAWindowInputs, count_windows, qa_inputs

__all__ = [
    "classify",
    "classify_details",
    "ClassifyDetails",
    "classify_inputs",
    "ClassifyInputs",
    "answer",
    "answer_details",
    "AnswerDetails",
    "QAWindow",
    "qa_inputs",
    "QAInputs",
    "QAWindowInputs",
    "count_windows",
]
