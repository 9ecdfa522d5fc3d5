"""Long calls outside a notebook show progress: a bar on a terminal, silence in a pipe, one switch to choose.

Run in a child process whose standard error is a real pseudo-terminal (or a pipe), as a
user's script is.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Iterator

import pytest

from tutorflow_nb.mock import MockServer

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

SCRIPT = textwrap.dedent(
    """
    import sys
    from tutorflow_nb import ContentClient
    from conftest import source_request
    base, key, argument = sys.argv[1:4]
    progress = {"none": None, "on": True, "off": False}[argument]
    with ContentClient(base, key, poll_interval=(0.02, 0.05)) as client:
        batch = client.expansions.run_batch([source_request(1, level=f"p-{i}") for i in range(5)], progress=progress)
        job = client.expansions.create(source_request(1, level="waited"))
        client.expansions.wait(job.id, progress=progress)
    print("done", batch.counts)
    """
)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(speed=100, seed=61) as server:
        yield server


def _run(
    server: MockServer,
    argument: str,
    *,
    tty: bool,
    env: dict[str, str] | None = None,
    size: tuple[int, int] = (30, 100),
) -> str:
    assert server.demo is not None
    argv = [sys.executable, "-c", SCRIPT, server.base_url, server.demo.content_key, argument]
    environ = {**{k: v for k, v in os.environ.items() if k != "TUTORFLOW_PROGRESS"}, **(env or {})}
    cwd = os.path.dirname(__file__)
    if not tty:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=environ, cwd=cwd, check=True)
        return done.stderr
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))  # a terminal's rows and columns
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=follower, env=environ, cwd=cwd)
    os.close(follower)
    seen, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif child.poll() is not None:
            break
    os.close(leader)
    assert child.wait(30) == 0
    return seen.decode(errors="replace")


@pytest.mark.parametrize("size", [(30, 100), (0, 0)], ids=["sized", "a terminal that reports no size"])
def test_a_terminal_shows_a_batch_bar_and_a_wait_bar(server: MockServer, size: tuple[int, int]) -> None:
    shown = _run(server, "none", tty=True, size=size)
    assert "expansion batch" in shown and "5/5" in shown and "completed 5" in shown
    assert "expansion job" in shown and "completed" in shown
    assert re.search(r"expansion job \S+: (queued|processing|completed) \[", shown)  # the status, as words
    assert ": ," not in shown and ", ," not in shown  # and no stray separators


@pytest.mark.parametrize(
    ("argument", "tty", "env"),
    [
        ("none", False, None),  # a pipe: off by itself
        ("off", True, None),  # the argument
        ("none", True, {"TUTORFLOW_PROGRESS": "0"}),  # the variable
    ],
)
def test_silence_in_a_pipe_and_by_the_switch(server: MockServer, argument: str, tty: bool, env: dict | None) -> None:
    shown = _run(server, argument, tty=tty, env=env)
    assert "batch" not in shown and "%|" not in shown and "expansion job" not in shown


def test_the_switch_turns_it_on_where_it_would_be_off(server: MockServer) -> None:
    shown = _run(server, "none", tty=False, env={"TUTORFLOW_PROGRESS": "1"})
    assert "expansion batch" in shown and "5/5" in shown
    assert "expansion batch" in _run(server, "on", tty=False)
