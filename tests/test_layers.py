"""The package's import graph: no cycles, no import against the data flow, light `import explorer`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "explorer"

# Components from the bottom up: each may import its own layer and the ones below, never above.
# The facade (explorer/__init__.py) and the CLI sit on top and reach the widgets only lazily.
LAYERS = [
    {
        "explorer.numbers",
        "explorer.facts",
        "explorer.args",
        "explorer.model_info",
        "explorer.adapters",
        "explorer.placement",
        "explorer.plotlyjs",
        "explorer.version",
        "explorer.latest",
    },
    {"explorer.anatomy"},
    {
        "explorer.tree",
        "explorer.treemap",
        "explorer.compare",
        "explorer.explain",
        "explorer.budget",
        "explorer.load",
        "explorer.trace",
    },
    {"explorer.heads"},
    {"explorer.figures"},
    {"explorer.export"},
    {"explorer.widgets"},
    {"explorer", "explorer.__main__"},
]
LAYER = {component: i for i, layer in enumerate(LAYERS) for component in layer}
# Modules other explain/ modules build on: they import nothing else from explain/.
EXPLAIN_BASE = {"explorer.explain.language", "explorer.explain.context"}
HEAVY = ("ipywidgets", "anywidget", "plotly")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def component(module: str) -> str:
    """``explorer.widgets.panels.qa`` -> ``explorer.widgets``; ``explorer`` stays itself."""
    return ".".join(module.split(".")[:2])


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """``(imported explorer module, line, at module level)`` for every import in ``path``."""
    tree = ast.parse(path.read_text("utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import models` imports the module explorer.explain.models; `from .x import y`
            # imports module x (y may be a name in it or a submodule)
            names = [f"{prefix}.{a.name}" for a in node.names]
            if node.module:
                names.append(prefix)
        else:
            continue
        for name in names:
            if name == "explorer" or name.startswith("explorer."):
                found.append((name, node.lineno, id(node) in top_level))
    return found


def known_module(name: str, modules: set[str]) -> str | None:
    """The longest existing module ``name`` refers to (``explorer.heads.classify.x`` -> ...)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, dict[str, list[tuple[int, bool]]]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    out: dict[str, dict[str, list[tuple[int, bool]]]] = {m: {} for m in modules}
    for mod, path in files.items():
        for name, line, top in imports(path):
            target = known_module(name, modules)
            if target is not None and target != mod:
                out[mod].setdefault(target, []).append((line, top))
    return out


def test_every_component_has_a_layer():
    unplaced = sorted({component(m) for m in graph()} - set(LAYER))
    assert not unplaced, f"place these in LAYERS (tests/test_layers.py): {unplaced}"


def test_no_import_goes_against_the_data_flow():
    wrong = []
    for mod, targets in graph().items():
        src = component(mod)
        for target, where in targets.items():
            dst = component(target)
            if LAYER[dst] <= LAYER[src]:
                continue
            wrong.append(f"{mod} imports {target} (line {where[0][0]}): {src} is below {dst}")
    assert not wrong, "\n".join(wrong)


def test_the_facade_and_cli_reach_widgets_and_export_only_lazily():
    eager = [
        f"{mod} imports {target} at module level (line {line})"
        for mod, targets in graph().items()
        if mod in ("explorer", "explorer.__main__")
        for target, where in targets.items()
        for line, top in where
        if top and component(target) in ("explorer.widgets", "explorer.export")
    ]
    assert not eager, "\n".join(eager)


def test_no_cycles():
    g = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


EXPLORER_HOME = PACKAGE / "widgets" / "app.py"


def test_only_the_explorer_wires_itself():
    """A tab, panel or view receives what it needs, never the Explorer: no function outside
    widgets/app.py takes one (a parameter named explorer or annotated Explorer), and nothing
    but the facade imports it."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == EXPLORER_HOME:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                args = node.args
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                    note = ast.unparse(arg.annotation) if arg.annotation is not None else ""
                    if arg.arg in ("explorer", "app") or "Explorer" in note:
                        found.append(f"{where}:{node.lineno} takes the Explorer ({arg.arg})")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("app"):
                if where.as_posix() != "explorer/__init__.py":
                    found.append(f"{where}:{node.lineno} imports the Explorer's module")
    assert not found, "\n".join(found)


def test_export_reads_no_widget_files():
    """The static page is made from explorer/static/ (what js/ builds), never from widgets'
    own files: export sits below the widgets."""
    found = []
    for path in sorted((PACKAGE / "export").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "widgets" in node.value.split("/") or node.value == "widgets":
                    found.append(
                        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}"
                    )
    assert not found, "\n".join(found)
    assert not (PACKAGE / "widgets" / "static").exists(), (
        "built browser files go to explorer/static"
    )


def test_explain_base_modules_import_nothing_else_from_explain():
    g = graph()
    bad = [
        f"{mod} imports {target}"
        for mod in EXPLAIN_BASE
        for target in g[mod]
        if target.startswith("explorer.explain")
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "code",
    [
        "import explorer",
        "import explorer, torch; explorer.module_tree(torch.nn.Linear(2, 3)).params",
    ],
)
def test_import_explorer_loads_no_widget_or_plotly_module(code):
    check = (
        f"{code}\nimport sys\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out


def test_lazy_names_resolve():
    import explorer

    for name in explorer.__all__:
        assert getattr(explorer, name) is not None, name
    assert explorer.Explorer.__module__ == "explorer.widgets.app"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        explorer.nope  # noqa: B018
