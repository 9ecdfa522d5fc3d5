"""The core install: ``pip install tutorflow-nb`` brings what a program talking to TutorFlow needs, and no web
server and no Jupyter; what needs an extra names the exact ``pip install`` when the extra is missing.

The missing extras are made missing for real in a fresh interpreter (``sys.modules[name] = None``: neither an
import nor ``importlib.util.find_spec`` finds them), and what pip would install is read from pip's own report.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tutorflow_nb

ROOT = Path(__file__).resolve().parents[1]
EXTRA_PACKAGES = ("fastapi", "starlette", "uvicorn", "ipywidgets", "IPython", "jupyterlab", "notebook", "voila")
NEEDS_AN_EXTRA = ("tutorflow_nb.mock.app", "tutorflow_nb.mock.server", "tutorflow_nb.mock.worlds")
NEEDS_AN_EXTRA_BELOW = ("tutorflow_nb.mock.routes", "tutorflow_nb.widgets.")
NOT_FOR_PROGRAMS = ("tutorflow_nb.pytest_worlds",)  # the test extra's plugin
CORE = sorted(
    m.name
    for m in pkgutil.walk_packages(tutorflow_nb.__path__, "tutorflow_nb.")
    if m.name not in NEEDS_AN_EXTRA + NOT_FOR_PROGRAMS and not m.name.startswith(NEEDS_AN_EXTRA_BELOW)
)
WITHOUT_EXTRAS = textwrap.dedent(
    f"""
    import sys
    for name in {EXTRA_PACKAGES!r}:
        sys.modules[name] = None  # not installed: neither an import nor find_spec finds it
    """
)


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.slow
def test_importing_the_package_imports_no_extra() -> None:
    code = textwrap.dedent(
        f"""
        import importlib, sys
        for name in {CORE!r}:
            importlib.import_module(name)
        print(sorted(m for m in sys.modules if m.partition(".")[0] in {EXTRA_PACKAGES!r}))
        """
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_every_core_module_works_without_the_extras() -> None:
    code = WITHOUT_EXTRAS + textwrap.dedent(
        f"""
        import importlib
        for name in {CORE!r}:
            importlib.import_module(name)
        import tutorflow_nb as tf
        from tutorflow_nb import ManifestStore, frames, pricing
        print(pricing.estimate(courses=[3]).total, len(frames.jobs([])), tf.mock.MockControl.__name__)
        """
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0.15", "0", "MockControl"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("use", "extra"),
    [
        ("tf.connect(quiet=True)", "mock"),
        ("tf.mock.MockServer", "mock"),
        ("from tutorflow_nb.mock.server import MockServer", "mock"),
        ("tf.mock.MockWorlds", "mock"),
        ("tf.widgets.ExpansionForm", "widgets"),
        ("from tutorflow_nb.widgets import JobMonitor", "widgets"),
        ("tf.WebhookReceiver()", "webhooks"),
    ],
)
def test_what_needs_a_missing_extra_names_the_install(use: str, extra: str) -> None:
    code = WITHOUT_EXTRAS + textwrap.dedent(
        f"""
        import os
        os.environ.pop("TUTORFLOW_API_BASE_URL", None)
        os.environ.pop("TUTORFLOW_MOCK_WORLDS", None)
        import tutorflow_nb as tf
        from tutorflow_nb.extras import MissingExtraError
        try:
            {use}
        except MissingExtraError as exc:
            print(type(exc).__name__, "|", exc)
        """
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MissingExtraError |"), done.stdout
    assert f'pip install "tutorflow-nb[{extra}]"' in done.stdout
    if use.startswith("tf.connect"):
        assert "TUTORFLOW_API_BASE_URL" in done.stdout  # or point it at TutorFlow instead


@pytest.mark.slow
@pytest.mark.parametrize("command", [["mock"], ["worlds"], ["smoke", "--mock"], ["run", "--", "true"]])
def test_a_command_whose_extra_is_missing_names_the_install(command: list[str]) -> None:
    code = WITHOUT_EXTRAS + textwrap.dedent(
        """
        import os, sys
        os.environ.pop("TUTORFLOW_API_BASE_URL", None)
        from tutorflow_nb.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    done = _python(code, *command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert 'pip install "tutorflow-nb[mock]"' in done.stderr and "Traceback" not in done.stderr


def _would_install(target: str) -> set[str]:
    """What ``pip install <target>`` would install into an empty environment, read from pip's own report."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            "-",
            target,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return {item["metadata"]["name"].lower() for item in report["install"]}


@pytest.mark.slow
def test_the_core_install_has_no_web_server_and_no_jupyter() -> None:
    core = _would_install(".")
    assert not core & {"fastapi", "starlette", "uvicorn", "ipywidgets", "ipython", "ipykernel", "jupyterlab"}
    assert {"httpx", "pydantic", "pandas", "tqdm", "nest-asyncio2", "tutorflow-nb"} <= core
    assert len(core) <= 25, sorted(core)  # about 20: the clients, models, pandas and what they need
    with_mock = _would_install(".[mock]")
    assert {"fastapi", "uvicorn"} <= with_mock and not with_mock & {"ipywidgets", "jupyterlab"}
