"""No import cycle inside ``app/``: its modules import each other in layers, never round in a circle.
The graph is read from the source with ``ast`` (nothing is imported) and every cycle is named.

What counts as an arrow ``a → b`` (both modules under ``app/``):

- every ``import``/``from … import`` that runs when ``a`` is imported: at module level, in a class
  body, inside a module-level ``if``/``try``/``with``. ``from app.x import y`` points at the module
  ``app.x.y`` when that is a module, else at ``app.x``. Relative imports are resolved.
- not the imports under ``if TYPE_CHECKING:``: they never run, they only name types for mypy.
- imports inside a function body ("deferred": they run when the function is called) are counted
  too, but apart. The choice: a cycle through a deferred import is **not allowed either**.
  Deferring an import hides a circle from the interpreter, not from the reader, and the layering
  rule (no arrow from a lower layer up to a higher one) is about the design, not about when an
  import runs. Deferring stays fine for what it is used for here: leaving a heavy module (uvicorn,
  alembic, the seeds) out of a start that does not need it. So ``test_no_import_cycle_at_module_level``
  checks the module-level graph, ``test_deferred_imports_close_no_cycle_either`` the graph with the
  deferred arrows added, and lists those arrows apart in its failure message.

A package's ``__init__`` is not counted as imported by its submodules (Python does import it first,
but here each holds only a docstring); an ``__init__`` that imports something has its arrows counted
like any module's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "app"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    deferred: bool  # inside a function body: runs when the function is called, not on import


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: Iterable[ast.stmt], *, deferred: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """The import statements of ``body`` with whether each one is deferred (inside a function)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, deferred
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _imports(node.body, deferred=True)
        elif isinstance(node, ast.ClassDef):
            yield from _imports(node.body, deferred=deferred)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _imports(node.body, deferred=deferred)
            yield from _imports(node.orelse, deferred=deferred)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _imports(block, deferred=deferred)
        elif isinstance(node, ast.With | ast.AsyncWith | ast.For | ast.AsyncFor | ast.While):
            yield from _imports(node.body, deferred=deferred)
            yield from _imports(getattr(node, "orelse", []), deferred=deferred)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                yield from _imports(case.body, deferred=deferred)


def edges_of(name: str, path: Path, known: set[str]) -> list[Edge]:
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Edge] = []
    for node, deferred in _imports(tree.body, deferred=False):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                # ``from . import x`` in app/a/b.py is relative to app.a; in app/a/__init__.py too.
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                submodule = f"{prefix}.{alias.name}"
                targets.append(submodule if submodule in known else prefix)
        for target in targets:
            # ``import app.a.b.c`` where only app.a.b is a module (c is a name): the longest module.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append(Edge(name, target, node.lineno, deferred))
    return found


def import_graph() -> list[Edge]:
    mods = modules()
    known = set(mods)
    edges = [edge for name, path in mods.items() for edge in edges_of(name, path, known)]
    # ``from app.x import a, b`` is one arrow, not two.
    return list(dict.fromkeys(edges))


@dataclass(frozen=True)
class Cycle:
    edges: list[Edge]  # one way round, in order
    modules: frozenset[str]  # every module tied into it: each imports, through the others, all the rest

    def __str__(self) -> str:
        """``a (line 3) → b (line 7, deferred) → a``: each module with the line of its import of the next."""
        steps = " → ".join(f"{e.source} (line {e.line}{', deferred' if e.deferred else ''})" for e in self.edges)
        tied = f" [tied together: {', '.join(sorted(self.modules))}]" if len(self.modules) > len(self.edges) else ""
        return f"{steps} → {self.edges[-1].target}{tied}"


def cycles(edges: Iterable[Edge]) -> list[Cycle]:
    """One cycle for every strongly connected component of the graph."""
    graph: dict[str, list[Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge)
        graph.setdefault(edge.target, [])
    # Tarjan's algorithm, iterative (no recursion limit to worry about).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            out = graph[node]
            if i < len(out):
                work.append((node, i + 1))
                nxt = out[i].target
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return [Cycle(_a_cycle_in(component, graph), frozenset(component)) for component in components]


def _a_cycle_in(component: set[str], graph: dict[str, list[Edge]]) -> list[Edge]:
    """The shortest way from the component's first module back to itself, inside the component."""
    start = min(component)
    paths: dict[str, list[Edge]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in sorted(graph[node], key=lambda e: e.target):
            if edge.target not in component:
                continue
            if edge.target == start:
                return [*paths[node], edge]
            if edge.target not in paths:
                paths[edge.target] = [*paths[node], edge]
                queue.append(edge.target)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected component always has one


# ----------------------------------------------------------------------------- the tests


def test_the_graph_is_read() -> None:
    """The walker sees what it must: a known module-level arrow, and no arrow into the test tree."""
    edges = import_graph()
    assert Edge("app.main", "app.core.config", _line_of("app/main.py", "app.core.config"), False) in edges
    assert all(e.source.startswith("app") and e.target.startswith("app") for e in edges)


def _line_of(path: str, text: str) -> int:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line and "import" in line)


def test_only_the_entry_point_imports_the_command_line() -> None:
    """app/cli.py assembles the domains' commands; a domain that imported it back would close a circle."""
    importers = sorted({e.source for e in import_graph() if e.target == "app.cli"})
    assert importers == ["app.__main__"]


def test_no_import_cycle_at_module_level() -> None:
    found = cycles(e for e in import_graph() if not e.deferred)
    assert not found, "import cycles in app/:\n" + "\n".join(map(str, found))


def test_deferred_imports_close_no_cycle_either() -> None:
    edges = import_graph()
    found = cycles(edges)
    deferred = sorted(f"{e.source}:{e.line} → {e.target}" for e in edges if e.deferred)
    assert not found, (
        "import cycles in app/ through imports inside functions:\n"
        + "\n".join(map(str, found))
        + "\n(all deferred imports inside app/: "
        + ", ".join(deferred)
        + ")"
    )


def test_the_cycle_finder_finds_and_names_a_cycle() -> None:
    edges = [Edge("a", "b", 1, False), Edge("b", "c", 2, True), Edge("c", "a", 3, False), Edge("c", "d", 4, False)]
    (cycle,) = cycles(edges)
    assert str(cycle) == "a (line 1) → b (line 2, deferred) → c (line 3) → a"
    edges += [Edge("a", "e", 5, False), Edge("e", "a", 6, False)]
    (cycle,) = cycles(edges)
    assert str(cycle) == "a (line 5) → e (line 6) → a [tied together: a, b, c, e]"
    assert cycles([Edge("a", "b", 1, False), Edge("b", "c", 1, False)]) == []
