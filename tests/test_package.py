"""The package's public face: its exports, a light import, and a README that CI follows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tutorflow_nb
import tutorflow_nb.mock

ROOT = Path(__file__).resolve().parents[1]


def test_exported_members() -> None:
    assert tutorflow_nb.__all__ == sorted(tutorflow_nb.__all__)
    assert {
        "connect",
        "ContentClient",
        "AsyncContentClient",
        "AdminClient",
        "AsyncAdminClient",
        "PlatformClient",
        "AsyncPlatformClient",
        "errors",
        "mock",
        "WebhookReceiver",
    } <= set(tutorflow_nb.__all__)
    for name in tutorflow_nb.__all__:
        assert getattr(tutorflow_nb, name) is not None, name
    assert sorted(tutorflow_nb.mock.__all__) == tutorflow_nb.mock.__all__
    for name in tutorflow_nb.mock.__all__:
        assert hasattr(tutorflow_nb.mock, name), name


def test_import_is_light() -> None:
    code = "import sys, tutorflow_nb; print(sorted(m for m in ('fastapi', 'uvicorn', 'pandas', 'httpx', 'pydantic') if m in sys.modules))"
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
