"""Language helpers for explanations: numbers, Korean particles, short name lists."""

from __future__ import annotations

LANGS = ("en", "ko")

# An explanation is built from sentences; each sentence is an (English, Korean) pair so that the
# two languages always state the same facts.
Text = tuple  # (en: str, ko: str)


def num(value) -> str:
    """Format a count with thousands separators (``30522`` -> ``"30,522"``)."""
    return f"{value:,}"


_DIGIT_BATCHIM = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}


def josa(word: str, with_batchim: str, without: str) -> str:
    """Pick a Korean particle for ``word`` (e.g. ``josa("LayerNorm", "은", "는")`` -> "은").

    Hangul is read exactly; digits by their Korean reading; Latin names by how Korean
    learners usually pronounce their ending (final m, n, l, ng and "out" take a batchim).
    """
    word = word.rstrip(" )]'\"`")
    if not word:
        return without
    last = word[-1]
    if "가" <= last <= "힣":
        return with_batchim if (ord(last) - 0xAC00) % 28 else without
    if last.isdigit():
        return with_batchim if _DIGIT_BATCHIM[last] else without
    low = word.lower()
    has = low[-1] in "mnl" or low.endswith(("ng", "out", "ck"))
    return with_batchim if has else without


def josa_ro(word: str) -> str:
    """The particle 로/으로 for ``word`` (로 after a vowel or ㄹ, 으로 after other batchim)."""
    word = word.rstrip(" )]'\"`")
    last = word[-1:] or "a"
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        return "으로" if final and final != 8 else "로"
    if last.isdigit():
        return "으로" if last in "036" else "로"
    return "으로" if josa(word, "x", "") and not word.lower().endswith("l") else "로"


def names(items, limit: int = 6) -> str:
    """Join module names, eliding the middle of long lists."""
    items = list(items)
    if len(items) > limit:
        items = items[: limit - 1] + [f"… {items[-1]}"]
    return ", ".join(items)
