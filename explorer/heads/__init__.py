"""Task heads on text, one module per task, each equal to transformers' own pipeline; every head
runs the model through the one run seam (:func:`explorer.trace.run.run`)."""

from .checks import HeadRun
from .classify import ClassifyDetails, classify, classify_details, classify_run
from .classify_inputs import ClassifyInputs, classify_inputs
from .fill_mask import FillMaskDetails, fill_mask, fill_mask_details, fill_mask_run
from .fill_mask_inputs import FillMaskInputs, fill_mask_inputs
from .qa import AnswerDetails, QAWindow, TooManyWindows, answer, answer_details, answer_run
from .qa_inputs import OPTIONS as QA_OPTIONS
from .qa_inputs import QAInputs, QAWindowInputs, count_windows, qa_inputs
from .traced import trace
from .zero_shot import ZeroShotDetails, zero_shot, zero_shot_details, zero_shot_run
from .zero_shot_inputs import ZeroShotInputs, ZeroShotPair, zero_shot_inputs

__all__ = [
    "HeadRun",
    "classify",
    "classify_details",
    "classify_run",
    "ClassifyDetails",
    "classify_inputs",
    "ClassifyInputs",
    "answer",
    "answer_details",
    "answer_run",
    "AnswerDetails",
    "QAWindow",
    "TooManyWindows",
    "QA_OPTIONS",
    "qa_inputs",
    "QAInputs",
    "QAWindowInputs",
    "count_windows",
    "trace",
    "fill_mask",
    "fill_mask_details",
    "fill_mask_run",
    "FillMaskDetails",
    "fill_mask_inputs",
    "FillMaskInputs",
    "zero_shot",
    "zero_shot_details",
    "zero_shot_run",
    "ZeroShotDetails",
    "zero_shot_inputs",
    "ZeroShotInputs",
    "ZeroShotPair",
]
