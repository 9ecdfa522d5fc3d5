"""Serving an ASGI app on loopback from a background thread: the mock and the webhook receiver both do.

>>> sock = bind("127.0.0.1", 0)
>>> url_of(sock).startswith("http://127.0.0.1:")
True
>>> sock.close()
"""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

__all__ = ["KEEP_ALIVE_SECONDS", "ThreadedServer", "bind", "url_of"]

KEEP_ALIVE_SECONDS = 30
"""Idle connections stay open this long, as production servers do (uvicorn's default is 5 s)."""


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets of that protocol, and
    # without it every small answer waits for Nagle and the client's delayed ACK (about 40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    """The ``http://host:port`` a listening socket answers on."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ThreadedServer:
    """uvicorn serving ``app`` on a socket, in a daemon thread; :meth:`start` returns once it answers."""

    def __init__(self, app: Any, *, name: str, log_level: str = "warning", lifespan: str = "on") -> None:
        self.app, self.name, self.log_level, self.lifespan = app, name, log_level, lifespan
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(
        self, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0, *, sock: socket.socket | None = None
    ) -> str:
        """Serve on ``host:port``, or on a listening ``sock`` (one inherited, say); returns the base URL."""
        import uvicorn  # noqa: PLC0415 - lazy: only a started server pays for importing uvicorn

        if self._thread is not None:
            return self.url
        if sock is None:
            sock = bind(host, port)
        else:
            sock.setblocking(False)
        self.url = url_of(sock)
        config = uvicorn.Config(
            self.app,
            log_level=self.log_level,
            access_log=False,
            lifespan=self.lifespan,  # type: ignore[arg-type]  # uvicorn types it as a Literal
            timeout_graceful_shutdown=1,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"{self.name}-{self.url}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start on {self.url}")
            time.sleep(0.005)
        return self.url

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the thread (at most ``timeout`` seconds).

        Called from the server's own thread (a route that stops its server), it cannot wait
        for itself: the server stops once that request is answered.
        """
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            if self._thread is threading.current_thread():
                return
            self._thread.join(timeout)
        self._server = self._thread = None
