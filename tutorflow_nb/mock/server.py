"""Run the mock over real HTTP: in a background thread (``MockServer``) or in the foreground.

``MockServer`` binds a free loopback port itself, so tests and notebooks never collide,
and provisions a demo organization (admin session, content and platform keys, a
classroom with a few UI-authored lessons) unless told not to.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from ..extras import needs

with needs("mock"):
    import uvicorn

from .. import checks
from ..models.constants import MAX_RATE_LIMIT
from ..serving import KEEP_ALIVE_SECONDS, ThreadedServer
from .accounts import SESSION_COOKIE, SESSION_SECONDS
from .app import create_app
from .control import MockControl
from .dialects import Dialect
from .faults import Faults
from .state import Demo, MockState

__all__ = ["MockServer", "serve_forever", "write_cookie_jar", "write_env_file"]


class MockServer:
    """The mock on a free loopback port in a daemon thread.

    ``dialect`` answers where the documents are silent another plausible way
    (``"nested-errors,bare-lists"``; ``assumptions.DIALECTS``); ``control.dialect(...)``
    switches it while the server runs.

    >>> with MockServer(speed=50) as server:        # doctest: +SKIP
    ...     httpx.get(server.base_url + "/v1/content/classrooms",
    ...               headers={"Authorization": f"Bearer {server.demo.content_key}"})

    Raises:
        ValueError: ``port``, ``seed`` or ``rate_limit`` is not a whole number in range (each named), as the
            command line's flags are refused.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        speed: float = 1.0,
        seed: int = 0,
        faults: Faults | None = None,
        provision: bool = True,
        rate_limit: int = 60,
        state: MockState | None = None,
        log_level: str = "warning",
        dialect: str | list[str] | Dialect | None = None,
    ) -> None:
        port = checks.count(port, "port", low=0, high=65535, fix="0 picks a free one")
        seed = checks.count(seed, "seed")
        rate_limit = checks.count(
            rate_limit, "rate_limit", low=1, high=MAX_RATE_LIMIT, fix="the demo keys' requests per minute"
        )
        self.state = state or MockState(seed=seed, speed=speed, faults=faults)
        self.app = create_app(self.state, dialect=dialect)
        self.demo: Demo | None = self.state.provision_demo(rate_limit=rate_limit) if provision else None
        self._host, self._port = host, port
        self._runner = ThreadedServer(self.app, name="tutorflow-mock", log_level=log_level)
        self.base_url = ""

    def __repr__(self) -> str:
        state = "running" if self._runner.running else "stopped"
        return f"<MockServer {self.base_url or '(not started)'} {state} speed={self.state.clock.speed}>"

    def start(self, timeout: float = 10.0) -> MockServer:
        """Serve on the host and port given (a free loopback port by default); returns ``self``."""
        self.base_url = self._runner.start(self._host, self._port, timeout)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._runner.stop(timeout)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def control(self) -> MockControl:
        """The ``/_mock`` control routes of this server (:class:`MockControl`)."""
        return MockControl(self.base_url)


def write_cookie_jar(path: str | Path, base_url: str, session_token: str) -> Path:
    """The admin session as a Netscape cookie jar that ``curl -b`` reads."""
    host = base_url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    expires = int(time.time() + SESSION_SECONDS)
    return _write_private(
        Path(path),
        "# Netscape HTTP Cookie File\n"
        "# Written by tutorflow-nb mock: the TutorFlow admin session. Keep it private.\n"
        f"#HttpOnly_{host}\tFALSE\t/\tFALSE\t{expires}\t{SESSION_COOKIE}\t{session_token}\n",
    )


def write_env_file(path: str | Path, base_url: str, demo: Demo) -> Path:
    """Write the ``TUTORFLOW_*`` lines that ``set -a; . mock.env; set +a`` loads."""
    lines = [f"{name}={value}\n" for name, value in demo.variables(base_url).items()]
    return _write_private(
        Path(path), "# Written by tutorflow-nb mock. Load with: set -a; . mock.env; set +a\n" + "".join(lines)
    )


def _write_private(path: Path, text: str) -> Path:
    """``text`` in ``path`` as UTF-8, readable by its owner only from before the first byte is written."""
    path.touch(mode=0o600)
    path.chmod(0o600)  # a file that was there already keeps its mode through touch
    path.write_text(text, encoding="utf-8")
    return path


def serve_forever(state: MockState, sock: socket.socket, log_level: str = "info") -> None:
    """Serve in the foreground until Ctrl-C (the CLI's ``tutorflow-nb mock``)."""
    config = uvicorn.Config(
        create_app(state),
        log_level=log_level,
        access_log=log_level == "debug",
        lifespan="on",
        timeout_graceful_shutdown=1,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    uvicorn.Server(config).run(sockets=[sock])
