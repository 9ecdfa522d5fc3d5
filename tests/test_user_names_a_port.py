"""A user names a port on the command line and opens it: what they asked for is what serves, or the command
says at once that it cannot be, naming the flag. A server that moves elsewhere with a log line leaves them
looking at nothing. And the JupyterLab our commands start opens without asking about Jupyter news.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tutorflow_nb import cli

CLI = Path(sys.executable).parent / "tutorflow-nb"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def busy() -> Iterator[int]:
    """A port someone else is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


# (the command line with {port} busy, the flag the error must name)
NAMED = [
    (["app", "--no-browser", "--port", "{port}"], "--port"),
    (["app", "--no-browser", "--port={port}"], "--port"),
    (["app", "--no-browser", "--Voila.port={port}", "--Voila.ip=127.0.0.1"], "--Voila.port"),
    (["lab", "--no-browser", "--port", "{port}"], "--port"),
    (["lab", "--no-browser", "--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1"], "--ServerApp.port"),
    (["lab", "--no-browser", "--ServerApp.port", "{port}"], "--ServerApp.port"),
    (["lab", "--mock-port", "{port}", "--no-browser"], "--mock-port"),
    (["app", "--mock-port", "{port}", "--no-browser"], "--mock-port"),
    (["run", "--mock-port", "{port}", "--", "true"], "--mock-port"),
    (["mock", "--port", "{port}"], "--port"),
    (["worlds", "--port", "{port}"], "--port"),
]


@pytest.mark.parametrize(("args", "flag"), NAMED, ids=[" ".join(a) for a, _ in NAMED])
def test_a_busy_port_named_on_the_command_line_is_an_error_that_names_it(
    args: list[str], flag: str, busy: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUTORFLOW_API_BASE_URL", raising=False)
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "Popen", lambda command, **_: started.append(command))  # nothing may start
    code = cli.main([a.format(port=busy) for a in args])
    out, err = capsys.readouterr()
    assert code == 2 and started == []
    assert f"({flag} {busy})" in err and "in use" in err and f"choose another {flag}" in err
    assert "mock TutorFlow API is at" not in out  # and no mock was left serving for nothing


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["app", "--port", "abc"], "--port must be a whole number between 0 and 65535, got 'abc'"),
        (["lab", "--ServerApp.port=70000"], "--ServerApp.port must be a whole number between 0 and 65535"),
        (["app", "--port"], "--port must be a whole number between 0 and 65535, got ''"),
    ],
)
def test_a_port_that_is_no_port_is_named_before_anything_starts(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subprocess, "Popen", lambda command, **_: pytest.fail(f"started {command}"))
    assert cli.main(args) == 2
    assert said in capsys.readouterr().err


SEEN = (
    "import json, os; from jupyter_core.paths import jupyter_config_path; "
    "pages = [os.path.join(d, 'labconfig', 'page_config.json') for d in jupyter_config_path()]; "
    "print(json.dumps([json.load(open(p, encoding='utf-8')) for p in pages if os.path.exists(p)]))"
)
"""The page configs on the Jupyter config path, as a server the command starts finds them (JupyterLab merges
their ``disabledExtensions``)."""


def _quiet_plugins_seen(ran: str) -> set[str]:
    pages = json.loads(ran.strip().splitlines()[-1])
    return {name for page in pages for name, off in (page.get("disabledExtensions") or {}).items() if off}


@pytest.mark.slow
def test_our_servers_start_without_the_news_prompt_and_no_one_elses_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "home-jupyter"  # the user's own Jupyter settings: never written to
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(own))
    monkeypatch.delenv("TUTORFLOW_API_BASE_URL", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    # lab, app and Binder's start all run their server through this same path (cli._beside)
    assert cli.main(["run", "--", sys.executable, "-c", SEEN]) == 0
    assert "@jupyterlab/apputils-extension:announcements" in _quiet_plugins_seen(capfd.readouterr().out)
    alone = subprocess.run([sys.executable, "-c", SEEN], capture_output=True, text=True, check=True)
    assert "@jupyterlab/apputils-extension:announcements" not in _quiet_plugins_seen(alone.stdout)  # as it was
    assert not own.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("tutorflow-nb")] == []  # nothing left behind


@pytest.mark.slow
def test_a_named_free_port_is_the_port_served_and_lab_opens_quietly(tmp_path: Path) -> None:
    """JupyterLab started by ``tutorflow-nb lab`` on the port asked for, leaving out the news plugin."""
    import re

    import httpx
    from lab import free_port, start_lab, stop

    port = free_port()
    proc, reader, seen = start_lab(ROOT, port, "quiet")
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/lab?token=quiet").text
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
        assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]
        assert f"127.0.0.1:{port}/lab" in seen
    finally:
        stop(proc, reader)
