"""A pytest plugin: every notebook nbval runs gets a fresh mock of its own, from one warm service.

    python -m pytest -p tutorflow_nb.pytest_worlds --nbval my_notebooks/

The project's own test command loads it (``pyproject.toml``). It binds a loopback socket,
hands it to a ``tutorflow-nb worlds`` process (``--fd``) and names it in
``TUTORFLOW_MOCK_WORLDS`` before each notebook's kernel starts, so the notebook's
``tf.connect()`` draws a fresh mock (its own organization, keys, jobs and rate limits:
outputs never depend on which notebook ran before) without importing the mock's web stack
in every kernel. The kernel may start while the service is still warming up: its first
request waits in the socket's queue. The worlds a notebook drew are given back when its
last cell is done, and the variable is as it was before (other tests never see the
plugin's; a value of the user's own is put back).

The worlds run at x50 where ``connect()``'s own mock runs at x10: a cell that waits on jobs
waits a fifth as long. An output that prints the clock (``connect()``'s line does) needs the
sanitizer to mask it, as ``notebooks/sanitize.cfg`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest

from .serving import bind, url_of

__all__ = ["SPEED", "VARIABLE"]

SPEED = 50.0
"""The worlds' clock."""
VARIABLE = "TUTORFLOW_MOCK_WORLDS"

_service: list[tuple[subprocess.Popen[bytes], str]] = []
_before: dict[str, str | None] = {}
"""The variable's value before a notebook set it (``None``: unset), put back after the notebook."""


def _is_notebook(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


def _url() -> str:
    """The service's URL, starting it on first use."""
    if not _service:
        sock = bind("127.0.0.1", 0)
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tutorflow_nb.cli",
                    "worlds",
                    "--fd",
                    str(sock.fileno()),
                    "--speed",
                    str(SPEED),
                    "--stop-with",
                    str(os.getpid()),
                ],
                pass_fds=[sock.fileno()],
                stdout=subprocess.DEVNULL,
            )
            _service.append((process, url_of(sock)))
        finally:
            sock.close()  # the service holds it now
    process, url = _service[0]
    if process.poll() is not None:
        raise RuntimeError(
            f"the tutorflow-nb worlds service this plugin started for the run has exited (status {process.returncode}; "
            "its errors, if any, are above): the notebooks after it cannot draw a mock"
        )
    return url


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's kernel starts (its first cell's setup): the service, named in the environment."""
    if _is_notebook(item):
        if VARIABLE not in _before:
            _before[VARIABLE] = os.environ.get(VARIABLE)
        os.environ[VARIABLE] = _url()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After a notebook's last cell (and its kernel): its worlds go back, and the variable is as it was."""
    if _is_notebook(item) and (nextitem is None or nextitem.path != item.path):
        earlier = _before.pop(VARIABLE, None)
        if earlier is None:
            os.environ.pop(VARIABLE, None)
        else:
            os.environ[VARIABLE] = earlier
        if not _service or _service[0][0].poll() is not None:
            return  # no service, or one that exited (the next notebook's setup says so): nothing to give back
        request = urllib.request.Request(f"{_url()}/worlds", method="DELETE")
        with urllib.request.urlopen(request, timeout=30) as answer:
            if answer.status != 202:
                raise RuntimeError(f"tutorflow-nb worlds did not take the worlds back: HTTP {answer.status}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the service (and with it every world)."""
    while _service:
        process, _ = _service.pop()
        process.terminate()
        process.wait(10)
