"""The codebase's shape, held as tests: layers that only point down, one contract, a mock that knows no client.

The import graph is read from the source (every module-level import, ``TYPE_CHECKING``
ones included), so a new module or a new import is checked without editing this file.
Function-local imports are ruff's business (PLC0415): each one must say why it is lazy.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tutorflow_nb"

# Lower floors never import higher ones. A module not listed is on the floor of its folder's entry.
FLOORS: dict[str, int] = {
    "tutorflow_nb._lazy": 0,
    "tutorflow_nb.extras": 0,
    "tutorflow_nb.checks": 1,
    "tutorflow_nb.config": 1,
    "tutorflow_nb.keys": 1,
    "tutorflow_nb.redaction": 0,
    "tutorflow_nb.display": 0,
    "tutorflow_nb.progress": 0,
    "tutorflow_nb.errors": 1,
    "tutorflow_nb.signing": 0,
    "tutorflow_nb.serving": 0,
    "tutorflow_nb.tls": 0,
    "tutorflow_nb.idempotency": 1,
    "tutorflow_nb.models": 1,
    "tutorflow_nb.budget": 2,
    "tutorflow_nb.http": 2,
    "tutorflow_nb.sync": 2,
    "tutorflow_nb.jobs": 3,
    "tutorflow_nb.content": 4,
    "tutorflow_nb.admin": 4,
    "tutorflow_nb.platform": 4,
    "tutorflow_nb.sync_clients": 5,
    "tutorflow_nb.webhooks": 5,
    "tutorflow_nb.frames": 5,
    "tutorflow_nb.pricing": 6,
    "tutorflow_nb.store": 6,
    "tutorflow_nb.session": 7,
    "tutorflow_nb.smoke": 7,
    "tutorflow_nb.widgets": 8,
    "tutorflow_nb.cli": 9,
    "tutorflow_nb.pytest_worlds": 9,
    "tutorflow_nb": 10,
}
CLIENT = (
    "http",
    "sync",
    "jobs",
    "content",
    "admin",
    "platform",
    "sync_clients",
    "webhooks",
    "frames",
    "pricing",
    "store",
    "session",
    "smoke",
    "widgets",
    "cli",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module this file imports at module level (``TYPE_CHECKING`` blocks too), absolute."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                found.update(a.name for a in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - stmt.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in stmt.names:
                    found.add(
                        f"{base}.{alias.name}"
                        if (PACKAGE.parent / base.replace(".", "/") / alias.name).exists()
                        or (PACKAGE.parent / f"{base.replace('.', '/')}/{alias.name}.py").exists()
                        else base
                    )
            elif isinstance(stmt, ast.If):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                visit(stmt.body)

    visit(ast.parse(path.read_text()).body)
    return {m for m in found if m.startswith("tutorflow_nb")}


GRAPH = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _floor(module: str) -> int | None:
    while module:
        if module in FLOORS:
            return FLOORS[module]
        module = module.rpartition(".")[0]
    return None


def test_every_module_has_a_floor() -> None:
    homeless = [m for m in GRAPH if _floor(m) is None and not m.startswith("tutorflow_nb.mock")]
    assert homeless == [], f"give these a floor in FLOORS: {homeless}"


def test_layers_only_point_down() -> None:
    upward = []
    for module, imports in GRAPH.items():
        if module.startswith("tutorflow_nb.mock") or module in ("tutorflow_nb", "tutorflow_nb.widgets"):
            continue  # the mock has its own floors (below); package faces only name their members lazily
        for target in imports:
            if target.startswith("tutorflow_nb.mock"):
                continue
            here, there = _floor(module), _floor(target)
            if there is not None and here is not None and there > here:
                upward.append(f"{module} (floor {here}) -> {target} (floor {there})")
    assert upward == []


def _cycles() -> list[list[str]]:
    """Every import circle (Tarjan's strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            strong(v)
    return out


def test_no_import_circles() -> None:
    # a package's face (``__init__``) re-exports its members lazily, so it is left out of the graph here
    faces = {m for m in GRAPH if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    for face in faces:
        GRAPH[face] = set()
    assert _cycles() == []


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("tutorflow_nb.mock")))
def test_the_mock_knows_no_client(module: str) -> None:
    clients = {f"tutorflow_nb.{name}" for name in CLIENT}
    assert not {t for t in GRAPH[module] if t in clients or any(t.startswith(c + ".") for c in clients)}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("tutorflow_nb.widgets")))
def test_widgets_import_no_mock(module: str) -> None:
    assert not {t for t in GRAPH[module] if t.startswith("tutorflow_nb.mock")}


_IN_SQL = re.compile(
    r"\b(?:SELECT|UPDATE|INSERT|WHERE)\b.*'(?:completed|failed|processing|queued|pending|COMPLETED|FAILED|PENDING)'"
)
"""A status spelled inside a query's text, where no check of the constants can see it."""


@pytest.mark.slow
def test_the_contract_has_one_home() -> None:
    """Statuses, output types and prices are spelled in models.constants only (outside the mock's own texts):
    not in a tuple, set, list or dict's keys, nor inside a query's text."""
    spelled: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "constants.py" or "mock" in path.parts or path.name == "sync_clients.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            elements = (
                node.elts
                if isinstance(node, (ast.Tuple, ast.Set, ast.List))
                else [k for k in node.keys if k is not None]
                if isinstance(node, ast.Dict)
                else None
            )
            if elements is not None:
                values = {e.value for e in elements if isinstance(e, ast.Constant)}
                if values >= {"completed", "failed"} or values >= {"COMPLETED", "FAILED"}:
                    spelled.append(f"{path.name}:{node.lineno} statuses {sorted(values)}")
                if values >= {"interactive_module", "summary_video", "expanded_quiz"}:
                    spelled.append(f"{path.name}:{node.lineno} output types")
            if isinstance(node, ast.Constant) and node.value in ("0.05", "platform_pricing_catalog_v2"):
                spelled.append(f"{path.name}:{node.lineno} {node.value!r}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _IN_SQL.search(node.value):
                spelled.append(f"{path.name}:{node.lineno} a status inside a query: pass it as a parameter")
    assert spelled == []
