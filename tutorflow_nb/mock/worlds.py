"""``MockWorlds``: one warm process that hands every kernel a fresh mock of its own.

A kernel that starts the bundled mock itself pays for importing its web stack (about
half a second) before its first answer. Where many kernels start one after another (nbval
running the notebooks), a ``MockWorlds`` service started once does that work once: a
``connect()`` that finds ``TUTORFLOW_MOCK_WORLDS`` set draws a world from it, a whole
``MockServer`` on a port of its own with a freshly provisioned demo organization, so no
notebook sees another's jobs, keys or rate limits and its outputs do not depend on which
notebook ran before.

    >>> with MockWorlds(speed=50) as worlds:            # doctest: +SKIP
    ...     os.environ["TUTORFLOW_MOCK_WORLDS"] = worlds.base_url
    ...     s = tf.connect()                            # a world of its own, at x50

The routes (JSON, loopback only; the answer to a draw holds the demo's credentials):

- ``POST /worlds`` with ``{"speed": 10}`` (or ``{}`` for the service's speed): 201 and the world
- ``GET /worlds``: the worlds running, without credentials
- ``DELETE /worlds/{id}``: give one back (202: it stops within moments; 404 if there is none of that id)
- ``DELETE /worlds``: give every world back (202, ``{"stopping": n}``); the service keeps serving
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from ..extras import needs

with needs("mock"):
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

from ..serving import ThreadedServer
from .clock import check_speed
from .server import MockServer

__all__ = ["MockWorlds", "WorldsClosedError"]


class WorldsClosedError(RuntimeError):
    """A draw from a service that is stopping (or has stopped)."""


class MockWorlds:
    """A service of fresh mock worlds on loopback, each a :class:`MockServer` on its own port.

    ``speed`` is the clock of a world drawn without one; ``seed`` seeds every world the
    same, so two worlds drawn alike answer alike. :meth:`stop` stops every world too.
    """

    def __init__(self, *, speed: float = 10.0, seed: int = 0, log_level: str = "warning") -> None:
        self.speed, self.seed, self.log_level = check_speed(speed), seed, log_level
        self._worlds: dict[str, MockServer] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._drawn = threading.Condition(self._lock)
        """Notified when a draw in flight ends (with its world, or with its server stopped)."""
        self._drawing = 0
        self._stopping: list[threading.Thread] = []
        self._spare: Future[MockServer] | None = None
        self._closed = False
        app = Starlette(
            routes=[
                Route("/worlds", self._draw, methods=["POST"]),
                Route("/worlds", self._list, methods=["GET"]),
                Route("/worlds", self._give_back_all, methods=["DELETE"]),
                Route("/worlds/{world_id}", self._give_back, methods=["DELETE"]),
            ]
        )
        self._runner = ThreadedServer(app, name="tutorflow-mock-worlds", log_level=log_level, lifespan="off")
        self.base_url = ""

    def __repr__(self) -> str:
        return f"<MockWorlds {self.base_url or '(not started)'} worlds={len(self._worlds)} speed={self.speed:g}>"

    def start(self, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None) -> MockWorlds:
        """Serve on ``host:port`` (a free loopback port by default), or on a listening ``sock``; returns ``self``."""
        if self._closed:
            raise WorldsClosedError("this worlds service was stopped and draws no more worlds: start a new MockWorlds")
        self.base_url = self._runner.start(host, port, sock=sock)
        self._prepare_spare()
        return self

    def stop(self) -> None:
        """Draw no more worlds; stop every world, the spare and the service side by side.

        Returns once nothing of the service is serving: not a world, not the spare, not a
        world given back a moment before, not one a draw in flight was starting (that draw
        raises :class:`WorldsClosedError`), also when another ``stop()`` runs at once.
        """
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        self._retire(None, wait=False, spare=spare)
        self._runner.stop()
        with self._drawn:
            self._drawn.wait_for(lambda: self._drawing == 0, timeout=60)
        self._retire(None, wait=True)

    def stop_worlds(self, *, wait: bool = True) -> int:
        """Stop every world drawn so far (the service keeps serving); returns how many.

        ``wait=False`` returns at once and the worlds finish stopping in the background
        (a server takes about 0.2 s to shut down; a kernel giving its world back need not wait).
        """
        return self._retire(None, wait=wait)

    def _retire(self, world_id: str | None, *, wait: bool, spare: Future[MockServer] | None = None) -> int:
        """Take ``world_id`` (every world when ``None``) off the service and stop it (and ``spare``); how many.

        The stopping runs in a thread kept in ``_stopping``, so that ``wait`` (here or in any
        later call) waits for every world taken off before, by whichever caller.
        """
        with self._lock:
            ids = list(self._worlds) if world_id is None else [world_id] if world_id in self._worlds else []
            servers = [self._worlds.pop(i) for i in ids]
            self._stopping = [t for t in self._stopping if t.is_alive()]
            if servers or spare is not None:
                stopping = threading.Thread(target=_stop_all, args=(servers, spare), name="tutorflow-mock-worlds-stop")
                stopping.start()
                self._stopping.append(stopping)
            waiting = list(self._stopping) if wait else []
        for thread in waiting:
            thread.join()
        return len(servers)

    def __enter__(self) -> MockWorlds:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def worlds(self) -> dict[str, str]:
        """The running worlds: id -> base URL."""
        with self._lock:
            return {world_id: server.base_url for world_id, server in self._worlds.items()}

    def draw(self, speed: float | None = None) -> tuple[str, MockServer]:
        """A fresh world at ``speed`` (the service's when ``None``), started; returns its id and server.

        A world at the service's speed comes from a spare started ahead (serving, nothing
        provisioned yet), so a draw costs only provisioning; the next spare starts behind it.
        """
        speed = self.speed if speed is None else float(speed)
        with self._lock:
            self._refuse_if_closed()
            spare, self._spare = (self._spare, None) if speed == self.speed else (None, self._spare)
            self._drawing += 1  # stop() waits for this draw to end
        try:
            server = spare.result() if spare is not None else self._serving(speed)
            try:
                if spare is not None:
                    self._prepare_spare()
                server.demo = server.state.provision_demo()  # now, so every world's demo starts from the same seed
                with self._lock:
                    self._refuse_if_closed()
                    world_id = str(next(self._ids))
                    self._worlds[world_id] = server
            except BaseException:
                server.stop()  # a world nobody holds is never left serving
                raise
        finally:
            with self._drawn:
                self._drawing -= 1
                self._drawn.notify_all()
        return world_id, server

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise WorldsClosedError("this worlds service is stopping: it draws no more worlds")

    def _serving(self, speed: float) -> MockServer:
        """A mock at ``speed``, serving on a free loopback port, with nothing provisioned."""
        return MockServer(speed=speed, seed=self.seed, provision=False, log_level=self.log_level).start()

    def _prepare_spare(self) -> None:
        """Start the next world at the service's speed in the background."""
        spare: Future[MockServer] = Future()

        def prepare() -> None:
            try:
                server = self._serving(self.speed)
            except BaseException as exc:  # the draw that takes this spare raises it
                spare.set_exception(exc)
                return
            spare.set_result(server)

        with self._lock:
            if self._closed:
                return
            self._spare = spare
        threading.Thread(target=prepare, name="tutorflow-mock-worlds-spare", daemon=True).start()

    async def _draw(self, request: Request) -> Response:
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _refuse(400, 'the body must be a JSON object, e.g. {"speed": 10} or {}')
        speed = body.get("speed")
        if speed is not None:
            try:
                speed = check_speed(speed)
            except ValueError as exc:
                return _refuse(400, f"{exc}; or null for the service's x{self.speed:g}")
        try:
            world_id, server = await run_in_threadpool(self.draw, speed)
        except WorldsClosedError as exc:
            return _refuse(503, str(exc))
        demo = server.demo
        assert demo is not None  # a MockServer provisions its demo organization unless told not to
        answer = {
            "id": world_id,
            "baseUrl": server.base_url,
            "speed": server.state.clock.speed,
            "adminEmail": demo.admin_email,
            "adminPassword": demo.admin_password,
            "platformKey": demo.platform_key,
        }
        return JSONResponse(answer, status_code=201)

    async def _list(self, request: Request) -> Response:
        return JSONResponse({"data": [{"id": i, "baseUrl": url} for i, url in self.worlds.items()]})

    async def _give_back_all(self, request: Request) -> Response:
        return JSONResponse({"stopping": self._retire(None, wait=False)}, status_code=202)

    async def _give_back(self, request: Request) -> Response:
        world_id = request.path_params["world_id"]
        if not self._retire(world_id, wait=False):
            return _refuse(404, f"no world {world_id!r} is running here")
        return Response(status_code=202)


def _stop_all(servers: Sequence[MockServer], spare: Future[MockServer] | None = None) -> None:
    """Stop ``servers`` (and the spare, once it has started) side by side: a server takes about 0.2 s
    to shut down, and ten take that too, not 2 s."""
    if spare is not None and spare.exception() is None:
        servers = [*servers, spare.result()]
    threads = [threading.Thread(target=server.stop, name="tutorflow-mock-worlds-stop") for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _refuse(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
