"""The README's Binder line, made from the one place the repository's public URL lives.

The URL is ``[project.urls] Repository`` in pyproject.toml. With it set to a GitHub repository,
the line is a Binder badge opening :data:`NOTEBOOK` in JupyterLab; without it, one sentence says
there is no public home yet (a badge pointing nowhere opens nothing).

Run: python tools/binder_badge.py [--check]   (--check: exit 1 when the README is stale)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/01-seed-walkthrough.ipynb"  # what the badge opens
START, END = "<!-- binder -->", "<!-- /binder -->"
NO_HOME = (
    "Binder: this project has no public repository yet, so there is no Binder link to click; "
    "once `[project.urls] Repository` in pyproject.toml names its GitHub repository, "
    "`python tools/binder_badge.py` puts the badge here."
)
_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?$")


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str | None:
    """``[project.urls] Repository`` of ``pyproject``, or None when it is not set."""
    data = tomllib.loads(pyproject.read_text("utf-8"))
    return (data.get("project", {}).get("urls") or {}).get("Repository") or None


def badge(url: str, notebook: str = NOTEBOOK) -> str:
    """The Markdown Binder badge for the GitHub repository at ``url``, opening ``notebook``.

    Raises
    ------
    ValueError
        When ``url`` is not ``https://github.com/OWNER/NAME`` (the only host the line is made
        for here).
    """
    found = _GITHUB.match(url)
    if not found:
        raise ValueError(
            f"Repository must be https://github.com/OWNER/NAME for Binder, got {url!r}"
        )
    owner, name = found.groups()
    link = f"https://mybinder.org/v2/gh/{owner}/{name}/HEAD?urlpath=lab/tree/{notebook}"
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({link})"


def block(url: str | None) -> str:
    """The README's Binder block for ``url`` (None: the no-public-home sentence)."""
    return f"{START}\n{badge(url) if url else NO_HOME}\n{END}"


def readme_block(text: str) -> str:
    """The Binder block in README text (ValueError when its markers are missing)."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {START} ... {END} block")
    return text[start : end + len(END)]


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    text = readme.read_text("utf-8")
    want = block(repository_url())
    have = readme_block(text)
    if have == want:
        return 0
    if "--check" in argv:
        print("README.md's Binder line is stale: run python tools/binder_badge.py")
        return 1
    readme.write_text(text.replace(have, want), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
