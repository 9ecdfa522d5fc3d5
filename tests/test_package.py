"""The package's public face: its exports, a light import, and a README that CI follows."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tutorflow_nb

ROOT = Path(__file__).resolve().parents[1]


def _face(package: str) -> tuple[list[str], set[str], set[str]]:
    """A package face as static tools read it: the literal ``__all__``, the lazy table, the TYPE_CHECKING imports."""
    source = (ROOT / package.replace(".", "/") / "__init__.py").read_text()
    tree = ast.parse(source)
    literal: list[str] = []
    lazy: set[str] = set()
    typed: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets):
            assert isinstance(stmt.value, ast.List), (
                f"{package}.__all__ must be a literal list that static tools can read"
            )
            literal = [ast.literal_eval(e) for e in stmt.value.elts]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == "_LAZY":
            assert isinstance(stmt.value, ast.Dict)
            lazy = {ast.literal_eval(k) for k in stmt.value.keys if k is not None}
        elif isinstance(stmt, ast.If) and ast.unparse(stmt.test) in ("TYPE_CHECKING", "_TYPE_CHECKING"):
            for imp in stmt.body:
                assert isinstance(imp, (ast.Import, ast.ImportFrom))
                typed |= {a.asname or a.name for a in imp.names}
    return literal, lazy, typed


@pytest.mark.parametrize("package", ["tutorflow_nb", "tutorflow_nb.widgets", "tutorflow_nb.mock"])
def test_exported_members(package: str) -> None:
    """httpx's test_exported_members, for faces that load lazily: what is listed is what loads and what is typed."""
    module = importlib.import_module(package)
    literal, lazy, typed = _face(package)
    assert module.__all__ == literal == sorted(literal)
    assert set(literal) - {"__version__"} == lazy == typed, "every public name: listed, loadable, typed"
    public = {name for name in dir(module) if not name.startswith("_")}
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    assert public - submodules <= set(literal), "a public name that __all__ does not list"
    for name in literal:
        assert getattr(module, name) is not None, name


def test_import_is_light() -> None:
    heavy = "('fastapi', 'uvicorn', 'pandas', 'httpx', 'pydantic')"
    code = f"import sys, tutorflow_nb; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    commands = [line for block in blocks[:2] for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2, commands
    install_and_run, test = commands
    assert "pip install -e" in install_and_run and "tutorflow-nb lab" in install_and_run
    assert test in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_docstring_examples_run() -> None:
    """Every example in a docstring that can run without a live session runs, and says what it shows."""
    import doctest
    import importlib
    import pkgutil

    ran: dict[str, int] = {}
    for info in pkgutil.walk_packages(tutorflow_nb.__path__, "tutorflow_nb."):
        module = importlib.import_module(info.name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=False)
        assert result.failed == 0, f"{info.name}: {result.failed} docstring example(s) failed"
        if result.attempted:
            ran[info.name] = result.attempted
    assert {"tutorflow_nb.idempotency", "tutorflow_nb.pricing", "tutorflow_nb.keys"} <= set(ran)
