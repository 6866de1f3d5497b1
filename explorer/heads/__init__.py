"""Task heads on text: sequence classification and extractive QA (= transformers 4.57's pipeline)."""

from .classify import ClassifyDetails, classify, classify_details
from .qa import AnswerDetails, QAWindow, answer, answer_details

__all__ = [
    "classify",
    "classify_details",
    "ClassifyDetails",
    "answer",
    "answer_details",
    "AnswerDetails",
    "QAWindow",
]
