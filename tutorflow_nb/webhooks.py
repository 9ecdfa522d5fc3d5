"""A webhook receiver: completions arrive as deliveries instead of being polled for.

    >>> receiver = WebhookReceiver().start()                         # doctest: +SKIP
    >>> await receiver.subscribe(admin, organization_id)             # doctest: +SKIP
    >>> await content.expansions.run_batch(requests, receiver=receiver)   # doctest: +SKIP

It listens on loopback (a small ASGI app under uvicorn, in a thread), verifies each
delivery's ``TutorFlow-Signature`` (``tutorflow_nb.signing``), refuses timestamps outside
the tolerance (401) and delivery ids it has already accepted (409), and wakes whoever
watches the delivery's job. A delivery that arrives before anyone watches is remembered.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

from .admin import AsyncAdminClient
from .extras import require
from .models import WebhookSubscription
from .serving import ThreadedServer
from .signing import DELIVERY_HEADER, SIGNATURE_HEADER, SignatureError, verify

__all__ = ["WebhookReceiver"]

MAX_BODY = 256 * 1024


class WebhookReceiver:
    """Receives signed deliveries on ``http://{host}:{port}{path}``.

    Raises:
        MissingExtraError: uvicorn is not installed (``pip install "tutorflow-nb[webhooks]"``).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        path: str = "/tutorflow/webhooks",
        secrets: list[str] | None = None,
        tolerance: float = 300.0,
    ) -> None:
        require("webhooks")
        self.host, self.port, self.path = host, port, path
        self.secrets = list(secrets or [])
        self.tolerance = tolerance
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._finished: dict[str, dict[str, Any]] = {}
        self._watchers: dict[str, tuple[asyncio.AbstractEventLoop, Callable[[], None]]] = {}
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[tuple[int, str]] = []
        self._server = ThreadedServer(self, name="tutorflow-webhooks", lifespan="off")
        self.url = ""

    def __repr__(self) -> str:
        return (
            f"<WebhookReceiver {self.url or '(not started)'} accepted={len(self.accepted)} "
            f"rejected={len(self.rejected)}>"
        )

    # ------------------------------------------------------------ the ASGI app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body, chunks = b"", []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if sum(map(len, chunks)) > MAX_BODY:
                await self._answer(send, 413, "delivery too large")
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if scope["method"] != "POST" or scope["path"] != self.path:
            await self._answer(send, 404, "not a webhook route")
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, reason = self.handle(body, headers)
        await self._answer(send, status, reason)

    @staticmethod
    async def _answer(send: Any, status: int, reason: str) -> None:
        payload = json.dumps({"status": status, "message": reason}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def handle(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """Verify and record one delivery; (status, reason). Anything refused changes nothing."""
        signature = headers.get(SIGNATURE_HEADER.lower())
        problems = []
        for secret in self.secrets:
            try:
                verify(body, signature, secret, tolerance=self.tolerance)
                break
            except SignatureError as exc:
                problems.append(str(exc))
        else:
            reason = problems[0] if problems else "no webhook secret configured"
            self.rejected.append((401, reason))
            return 401, reason
        try:
            event = json.loads(body)
            delivery_id = str(headers.get(DELIVERY_HEADER.lower()) or event["id"])
            job_id = str(event["data"]["jobId"])
        except (ValueError, KeyError, TypeError):
            self.rejected.append((400, "malformed delivery"))
            return 400, "malformed delivery"
        with self._lock:
            if delivery_id in self._seen:
                self.rejected.append((409, f"delivery {delivery_id} already received"))
                return 409, "already received"
            self._seen.add(delivery_id)
            self.accepted.append(event)
            self._finished[job_id] = event
            watcher = self._watchers.pop(job_id, None)
        if watcher is not None:
            loop, callback = watcher
            loop.call_soon_threadsafe(callback)
        return 200, "ok"

    # ------------------------------------------------------------ watching jobs

    def watch(self, job_id: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the caller's loop when ``job_id``'s delivery arrives (now, if it has)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if job_id not in self._finished:
                self._watchers[job_id] = (loop, callback)
                return
        loop.call_soon(callback)

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._watchers.pop(job_id, None)

    def event_for(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._finished.get(job_id)

    # ------------------------------------------------------------ running

    def start(self, timeout: float = 10.0) -> WebhookReceiver:
        """Listen on ``host:port`` (a free port when 0); ``url`` is then the address to subscribe."""
        if not self._server.running:
            self.url = self._server.start(self.host, self.port, timeout) + self.path
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    async def subscribe(self, admin: AsyncAdminClient, organization_id: str) -> WebhookSubscription:
        """Subscribe this receiver's URL with an admin client and keep the secret it answers."""
        sub = await admin.webhooks.create(organization_id, self.url)
        if sub.secret:
            self.secrets.append(sub.secret)
        return sub
