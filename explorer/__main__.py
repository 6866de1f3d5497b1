"""Command line: ``python -m explorer NAME_OR_PATH (--summary | --html OUT) [options]``."""

from __future__ import annotations

import argparse
import os
import sys
import warnings

USAGE_ERROR, LOAD_ERROR = 2, 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m explorer",
        description="Look inside a transformers model: print its module tree with exact "
        "parameter counts, or write a self-contained HTML page.",
    )
    p.add_argument("name", metavar="NAME_OR_PATH", help="hub name or save_pretrained directory")
    p.add_argument("--html", metavar="OUT", help="write the explorer page to this .html file")
    p.add_argument(
        "--summary",
        action="store_true",
        help="print the module tree and the budget (parameter conventions, memory) as text",
    )
    p.add_argument(
        "--task",
        choices=["text-classification", "sentiment-analysis", "question-answering",
                 "feature-extraction"],
        help="load with this task's head (default: the checkpoint's own architecture)",
    )  # fmt: skip
    p.add_argument(
        "--no-weights",
        action="store_true",
        help="download only the config and build the architecture on the meta device",
    )
    p.add_argument(
        "--depth",
        type=int,
        default=None,
        metavar="N",
        help="levels to show (--summary: default 4; --html: default all, opened lazily)",
    )
    return p


def _label(item) -> tuple[str, int, object]:
    """(text, params, node whose children come next) for a node or a folded group."""
    if hasattr(item, "members"):  # a Group of identical siblings
        names = [m.name for m in item.members]
        label = item.name if all(n.isdigit() for n in names) else ", ".join(names)
        each = f"{item.members[0].params:,} each"
        return (
            f"{label}: {item.count} x {item.type} ({each})",
            item.params,
            item.members[0],
        )
    name = item.name or "(model)"
    return f"{name}: {item.type}", item.params, item


def summary_lines(tree, depth: int, new_modules=()) -> list[str]:
    """The text tree: one line per module (repeated siblings folded), counts right-aligned.

    Parameters
    ----------
    tree : explorer.ModuleNode
        The root from :func:`explorer.module_tree`.
    depth : int
        Levels below the root to show.
    new_modules : iterable of str
        Module paths to mark ``[new]`` (newly initialized weights).
    """
    new_modules = set(new_modules)
    rows: list[tuple[str, int, str]] = []

    def visit(item, level: int) -> None:
        text, params, node = _label(item)
        marks = [m for m, on in (("new", node.path in new_modules), ("shared", node.shared),
                                 ("frozen", node.frozen)) if on]  # fmt: skip
        rows.append(("  " * level + text, params, " ".join(f"[{m}]" for m in marks)))
        if level < depth:
            for child in node.groups():
                visit(child, level + 1)

    visit(tree, 0)
    width = min(max(len(r[0]) for r in rows), 90)
    return [f"{t:<{width}}  {p:>17,} {m}".rstrip() for t, p, m in rows]


def main(argv=None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 load error, 2 usage error)."""
    parser = _parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error
    if not (args.summary or args.html):
        parser.error("nothing to do: give --summary and/or --html OUT")
    if args.depth is not None and args.depth < 0:
        parser.error("--depth must be 0 or more")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from explorer.load import load

    try:
        import transformers

        transformers.utils.logging.disable_progress_bar()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded = load(args.name, task=args.task, weights=not args.no_weights)
    except Exception as exc:  # one line, no traceback
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {type(exc).__name__}: {text}", file=sys.stderr)
        return LOAD_ERROR
    for w in caught:
        if str(w.message).startswith("explorer."):
            print(f"warning: {w.message}", file=sys.stderr)
    if args.summary:
        from explorer.budget import budget

        costs = budget(loaded.model)
        tree = costs.tree
        flags = ", ".join(
            [loaded.source]
            + ["untrained: random or no weights"] * loaded.untrained
            + ["meta device: no weights"] * loaded.meta
        )
        print(f"{loaded.name} -> {type(loaded.model).__name__} ({flags})")
        print(f"parameters: {tree.params:,} (trainable {tree.trainable_params:,})")
        new = loaded.newly_initialized_modules()
        if new:
            names = ", ".join(p or "the whole model" for p in new)
            print(f"newly initialized (random, not from the checkpoint): {names}")
        print("\n".join(summary_lines(tree, 4 if args.depth is None else args.depth, new)))
        print()
        print(costs.text())
    if args.html:
        from explorer.export import save_html

        save_html(loaded.model, args.html, max_depth=args.depth)
        print(f"wrote {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
