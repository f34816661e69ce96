"""The package's import graph: no cycles (imports inside functions and under ``TYPE_CHECKING``
count), and no module imports another module's private names.

The graph is read from the source (``ast``), so a cycle that only a rarely taken code path would
hit is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "govreport"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(tree: ast.AST, modules: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(module, imported name or "", line) for every ``govreport`` import, wherever it stands."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "govreport"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "govreport":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, "", node.lineno) if sub in modules else (node.module, a.name, node.lineno))
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, _, _ in _imports(ast.parse(path.read_text(encoding="utf-8")), modules):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_private_names() -> None:
    modules = _modules()
    bad = []
    for name, path in modules.items():
        for target, imported, line in _imports(ast.parse(path.read_text(encoding="utf-8")), modules):
            if imported == "_" and target == "govreport.i18n":  # gettext's name for "translate", public there
                continue
            if target != name and (imported.startswith("_") or (target.rsplit(".", 1)[-1].startswith("_")
                                   and target.rsplit(".", 1)[-1] != "__main__")):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {target} {imported}".strip())
    assert bad == []


def test_the_model_does_not_import_the_views() -> None:
    graph = import_graph()
    seen, todo = set(), ["govreport.report"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += graph[m]
    assert not {m for m in seen if m.startswith(("govreport.output", "govreport.cli"))}
