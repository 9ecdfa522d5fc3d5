"""Start and stop ``tutorflow-nb lab`` for the tests that need a running JupyterLab."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

CLI = Path(sys.executable).parent / "tutorflow-nb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(workdir: Path, port: int, token: str) -> tuple[subprocess.Popen[str], threading.Thread, str]:
    """``tutorflow-nb lab`` with no TUTORFLOW_* setting, headless; returns once JupyterLab serves,
    with what it printed so far."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    proc = subprocess.Popen(
        [
            str(CLI),
            "lab",
            "--no-browser",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.ip=127.0.0.1",
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
    reader.start()
    seen, deadline = "", time.monotonic() + 90
    while f":{port}/lab" not in seen:
        assert proc.poll() is None and time.monotonic() < deadline, seen
        try:
            seen += lines.get(timeout=0.5)
        except queue.Empty:
            pass
    return proc, reader, seen


def stop_lab(proc: subprocess.Popen[str], reader: threading.Thread) -> None:
    """Stop it as a supervisor would (SIGTERM); JupyterLab, the grandchild, must stop too."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    reader.join(30)  # EOF comes only once JupyterLab has stopped as well
    if proc.stdout:
        proc.stdout.close()
    assert not reader.is_alive(), "JupyterLab outlived tutorflow-nb lab"
