"""Start and stop the servers the package's commands run, for the tests that need one running:
``tutorflow-nb lab`` (JupyterLab, which also serves Notebook 7's ``/tree`` and ``/notebooks/…``)
and ``tutorflow-nb app`` (Voilà on the cost-planner app)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

CLI = Path(sys.executable).parent / "tutorflow-nb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    args: list[str], workdir: Path, ready: str, *, env: Mapping[str, str] | None = None, timeout: float = 90
) -> tuple[subprocess.Popen[str], threading.Thread, str]:
    """``tutorflow-nb ARGS`` in ``workdir``, with no TUTORFLOW_* setting unless ``env`` gives some; returns
    once what it prints holds ``ready``, with what it printed so far."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    proc = subprocess.Popen(
        [str(CLI), *args],
        cwd=workdir,
        env={**clean, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    seen, deadline = "", time.monotonic() + timeout
    while ready not in seen:
        assert proc.poll() is None and time.monotonic() < deadline, seen
        with contextlib.suppress(queue.Empty):
            seen += lines.get(timeout=0.5)
    return proc, reader, seen


def start_lab(workdir: Path, port: int, token: str) -> tuple[subprocess.Popen[str], threading.Thread, str]:
    """``tutorflow-nb lab`` with no TUTORFLOW_* setting, headless; returns once JupyterLab serves."""
    args = ["lab", "--no-browser", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    return start([*args, "--ServerApp.ip=127.0.0.1"], workdir, f":{port}/lab")


def start_app(
    workdir: Path, port: int, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[str], threading.Thread, str]:
    """``tutorflow-nb app`` headless on loopback, with options it passes on to Voilà as a user would type
    them; returns once Voilà serves."""
    args = ["app", "--no-browser", "--port", str(port), "--Voila.ip=127.0.0.1"]
    return start(args, workdir, f"127.0.0.1:{port}/", env=env)


def stop(
    proc: subprocess.Popen[str], reader: threading.Thread, what: str = "JupyterLab", sig: int = signal.SIGTERM
) -> int:
    """Stop it as a supervisor would (SIGTERM), or as Ctrl-C does (``sig=signal.SIGINT``); the server, its child,
    must stop too: the pipe they share reaches EOF only once every process holding it (the server and its
    kernels too) has exited. Returns the command's exit status."""
    proc.send_signal(sig)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    reader.join(30)  # EOF comes only once the server has stopped as well
    if proc.stdout:
        proc.stdout.close()
    assert not reader.is_alive(), f"{what} outlived tutorflow-nb"
    return int(proc.returncode)


stop_lab = stop
