"""Write notebooks/*.ipynb (without outputs) from the cell lists in tools/notebook_cells/."""

from __future__ import annotations

import argparse
import runpy
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CELLS_DIR = Path(__file__).resolve().parent / "notebook_cells"
NOTEBOOKS_DIR = ROOT / "notebooks"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def sources() -> list[Path]:
    """The cell-list modules, one per notebook, in notebook order.

    Returns
    -------
    list of Path
        ``tools/notebook_cells/nb*.py`` sorted by name.
    """
    return sorted(CELLS_DIR.glob("nb*.py"))


def build(source: Path) -> tuple[str, nbformat.NotebookNode]:
    """Build one notebook from a cell-list module.

    Parameters
    ----------
    source : Path
        A module defining ``FILENAME`` (the .ipynb name) and ``CELLS``, a list of
        ``("md" | "code", text)`` pairs; texts are dedented and stripped.

    Returns
    -------
    (str, NotebookNode)
        The file name and a valid nbformat 4 notebook with no outputs and stable cell ids.
    """
    spec = runpy.run_path(str(source))
    filename, cells = spec["FILENAME"], spec["CELLS"]
    stem = filename.split("-", 1)[0]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, (kind, text) in enumerate(cells):
        body = textwrap.dedent(text).strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(body)
        elif kind == "code":
            cell = nbformat.v4.new_code_cell(body)
        else:
            raise ValueError(f"{source.name}: cell {i} has unknown kind {kind!r}")
        cell.id = f"nb{stem}-{i:02d}"  # stable ids: regenerating changes nothing
        nb.cells.append(cell)
    nbformat.validate(nb)
    return filename, nb


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook as the text written to disk (nbformat's JSON, one trailing newline)."""
    return nbformat.writes(nb).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the notebooks, or with ``--check`` report those that differ from their sources.

    Returns
    -------
    int
        0 when everything is written or up to date, 1 when ``--check`` finds a stale notebook.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 if a notebook is stale"
    )
    parser.add_argument("--out", type=Path, default=NOTEBOOKS_DIR, help="output directory")
    args = parser.parse_args(argv)
    stale = []
    args.out.mkdir(parents=True, exist_ok=True)
    for source in sources():
        filename, nb = build(source)
        path = args.out / filename
        text = render(nb)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            stale.append(filename)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("stale (run python tools/make_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
