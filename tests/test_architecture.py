"""The import graph: which package may import which, and no import cycles.

    cli  ->  api, evals  ->  assistant

`assistant/` is the library: it imports none of the packages built on it. `api/`
(HTTP and Slack) and `evals/` (the harness) import the library and not each
other; `cli/` is the one package that imports all three. Every import counts
for these rules, also one inside a function. For cycles only load-time imports
count (module level, class bodies, not under `if TYPE_CHECKING:`): an import
inside a function is the accepted way to break a load-time cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "api", "evals", "cli")

#: What each package must not import.
FORBIDDEN = {
    "assistant": {"api", "evals", "cli"},
    "api": {"evals", "cli"},
    "evals": {"api", "cli"},
}
#: Modules allowed one of the imports above, and why. Empty: the benchmarks and
#: the loopback helpers (evals/bench/bench_server.py, evals/loopback.py) drive a
#: real server as a subprocess (`python -m cli serve`), through its public API,
#: so they need no import of `api` or `cli`; `python -m evals` is the harness's
#: own entry point. A new exception belongs here with its reason.
ALLOWED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports: one of our modules, or a foreign dotted name
    line: int
    load_time: bool


def module_names() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = module_names()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(module: str) -> list[Import]:
    path = MODULES[module]
    found: list[Import] = []

    def visit(node: ast.AST, load_time: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), False)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), load_time)
            elif isinstance(child, ast.Import):
                found.extend(Import(module, alias.name, child.lineno, load_time) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(module, path, child)
                for alias in child.names:
                    # `from pkg import name`: the submodule pkg.name when there is one.
                    candidate = f"{base}.{alias.name}"
                    found.append(Import(module, candidate if candidate in MODULES else base, child.lineno, load_time))
            else:
                visit(child, load_time)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), True)
    return found


ALL_IMPORTS = [imp for module in MODULES for imp in imports_of(module)]


def violations(package: str) -> list[str]:
    forbidden = FORBIDDEN[package]
    return [
        f"{MODULES[imp.module].relative_to(ROOT)}:{imp.line} imports {imp.target}"
        for imp in ALL_IMPORTS
        if imp.module.split(".")[0] == package and imp.target.split(".")[0] in forbidden
        and (imp.module, imp.target.split(".")[0]) not in ALLOWED
    ]


def strongly_connected(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Tarjan's algorithm: the strongly connected components of `graph`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def connect(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                yield from connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            yield sorted(component)

    for node in sorted(graph):
        if node not in index:
            yield from connect(node)


def load_time_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in ALL_IMPORTS:
        if imp.load_time and imp.target in MODULES and imp.target != imp.module:
            graph[imp.module].add(imp.target)
    return graph


# --------------------------------------------------------------------------- the scan itself


def test_the_scan_covers_every_package_and_sees_imports_inside_functions():
    assert {module.split(".")[0] for module in MODULES} == set(PACKAGES)
    lazy = {imp.target for imp in ALL_IMPORTS if imp.module == "cli.main" and not imp.load_time}
    assert {"api.server", "api.slack", "assistant.engine"} <= lazy  # imported inside the commands
    eager = {imp.target for imp in ALL_IMPORTS if imp.module == "cli.main" and imp.load_time}
    assert {"cli.tools", "evals.cli"} <= eager


def test_tarjan_finds_a_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["d"]]


# --------------------------------------------------------------------------- the rules


def test_the_library_imports_no_front_end_harness_or_command_line():
    assert violations("assistant") == []


def test_the_front_ends_import_neither_the_harness_nor_the_command_line():
    assert violations("api") == []


def test_the_harness_imports_neither_the_front_ends_nor_the_command_line():
    assert violations("evals") == []


def test_no_modules_import_each_other_in_a_cycle_at_load_time():
    cycles = [component for component in strongly_connected(load_time_graph()) if len(component) > 1]
    assert cycles == []
