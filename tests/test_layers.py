"""The architecture as a test: no import cycle, and no lower layer importing a higher one.

Every ``import`` of ``src/sealfile`` counts, at module level or inside a function (a lazy import is
still a dependency). Layers, top to bottom::

    cli  >  ops, gitflow, runtime, integrations  >  sops  >  stores, envelope, kms  >  model, files  >  errors
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.cli import SRC

PACKAGE = SRC / "sealfile"
LAYERS = {
    "errors": 0,
    "model": 1, "files": 1,
    "stores": 2, "envelope": 2, "kms": 2,
    "sops": 3,
    "ops": 4, "gitflow": 4, "runtime": 4, "integrations": 4,
    "cli": 5, "__main__": 5,
    "__init__": 6, "pydantic": 6,  # the public faces: they may name anything, nothing names them
}
MAX_TOP_LEVEL_MODULES = 5
MAX_MODULE_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (type hints only, never imported at run time)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    """module -> the sealfile modules it imports (its own ancestor packages left out: importing
    ``sealfile.x.y`` always runs ``sealfile/__init__`` and ``sealfile/x/__init__`` first)."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {imported for imported in _imports(path)
                   if imported in modules and imported != name and not name.startswith(imported + ".")}
            for name, path in modules.items()}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else "__init__"]


def test_no_lower_layer_imports_a_higher_one() -> None:
    upward = [f"{module} -> {imported}" for module, imports in _graph().items() for imported in imports
              if _layer(imported) > _layer(module)]
    assert upward == []


def test_there_is_no_import_cycle() -> None:
    edges = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for imported in sorted(edges[module]):
            if state.get(imported) == 1:
                cycles.append([*trail[trail.index(imported):], imported] if imported in trail else [module, imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_every_package_has_a_layer() -> None:
    unknown = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in PACKAGE.rglob("*.py")} - set(LAYERS)
    assert unknown == set()


def test_the_top_level_holds_at_most_five_modules() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= MAX_TOP_LEVEL_MODULES


def test_no_module_is_over_300_lines() -> None:
    long = {str(p.relative_to(SRC)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_the_checks_see_a_violation() -> None:
    """The graph is built from real imports: a known edge is there, so an upward one would be too."""
    graph = _graph()
    assert "sealfile.model.paths" in graph["sealfile.ops.document"] | graph["sealfile.ops.tree"]
    assert _layer("sealfile.cli.app") > _layer("sealfile.ops.read") > _layer("sealfile.kms.base") > _layer(
        "sealfile.model.paths") > _layer("sealfile.errors")
