"""File hops per keystroke: which explorer files a keystroke in a live panel passes through before
the model's forward pass starts (and the forward passes it makes).

    python benchmarks/hops.py            # sentiment and QA panels of the tiny seed models

A hop is a call from one explorer file into another (returns are not counted); the sequence ends
at the model's first forward call. Deterministic: the same code gives the same count.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import _tiny_models as tm  # noqa: E402
import torch  # noqa: E402

import explorer  # noqa: E402

PACKAGE = str(Path(explorer.__file__).parent)


def hops(model, edit) -> tuple[int, list[str], int]:
    """``(hops, files in order, forward passes)`` of one ``edit()`` (a keystroke)."""
    seen: list[str] = []
    done = [False]
    forwards = [0]

    def pre(_module, _args):
        forwards[0] += 1
        done[0] = True

    def profile(frame, event, _arg):
        if event != "call" or done[0]:
            return
        path = frame.f_code.co_filename
        if path.startswith(PACKAGE):
            name = os.path.relpath(path, PACKAGE)
            if not seen or seen[-1] != name:
                seen.append(name)

    handle = model.register_forward_pre_hook(pre)
    sys.setprofile(profile)
    try:
        edit()
    finally:
        sys.setprofile(None)
        handle.remove()
    return len(seen) - 1, seen, forwards[0]


def main() -> None:
    from explorer.widgets.panels import QAPanel, SentimentPanel

    torch.set_num_threads(1)
    tok = tm.tokenizer(token_type_ids=False)
    cls, qa = tm.build("distilbert_sst2"), tm.build("distilbert_qa")
    panel = SentimentPanel(cls, tok)
    n, files, _ = hops(cls, lambda: setattr(panel.text_box, "value", "a fine film"))
    print(
        f"sentiment keystroke: {n} file hops through {len(set(files))} files: {' > '.join(files)}"
    )
    context = " ".join(f"Item {i} is stored in room {i * 7}." for i in range(120))
    qa_panel = QAPanel(qa, tok, question="Where is item 42?", context=context)
    windows = len(qa_panel.details.windows)
    forwards = []
    handle = qa.register_forward_hook(lambda *_: forwards.append(1))
    try:
        n, files, _ = hops(qa, lambda: setattr(qa_panel.question_box, "value", "Where is item 4?"))
    finally:
        handle.remove()
    print(f"QA keystroke: {n} file hops through {len(set(files))} files: {' > '.join(files)}")
    print(f"QA keystroke on a {windows}-window context: {len(forwards)} forward passes")


if __name__ == "__main__":
    main()
