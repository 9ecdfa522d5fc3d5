"""``create_app``: the mock's FastAPI application, with its middleware and error answers.

The layers, outermost first:

1. ``RequestContext``: a request id, the rate-limit headers of the calling key, a
   1 MiB body limit (413).
2. ``FaultMiddleware``: injected latency, 503s, spurious 429s and dropped connections,
   on TutorFlow routes only.
3. The routes (``routes/``), which translate HTTP into calls on ``MockState``.

A ticker started with the app settles finished jobs and sends webhook deliveries; where
no lifespan runs (in-process tests over ``httpx.ASGITransport``) call ``app.state.pump()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..models.requests import field_error
from .assumptions import describe
from .errors import MockError, PayloadTooLarge, RateLimited
from .faults import Faults
from .openapi import allowed_methods, document
from .routes import admin, content, control, platform
from .state import MockState

__all__ = ["MAX_BODY_BYTES", "ConnectionDropped", "create_app"]

MAX_BODY_BYTES = 1024 * 1024
TICK_SECONDS = 0.05
log = logging.getLogger("tutorflow_nb.mock")


class ConnectionDropped(Exception):
    """Raised after the response has started, so the server closes the connection mid-answer."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def error_body(
    request_id: str | None, status: int, error: str, message: Any, code: str, **extra: Any
) -> dict[str, Any]:
    return {"statusCode": status, "error": error, "message": message, "code": code, "requestId": request_id, **extra}


def _json_error(scope_state: dict[str, Any], exc: MockError) -> JSONResponse:
    extra = {k: v for k, v in exc.extra.items() if k != "rate"}
    body = error_body(scope_state.get("request_id"), exc.status_code, exc.error, exc.message, exc.code, **extra)
    headers: dict[str, str] = {}
    if exc.fields:
        body["fields"] = [f.as_dict() for f in exc.fields]
        body["message"] = [f"{f.field}: {f.message}" for f in exc.fields]
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
        if exc.extra.get("rate"):
            headers.update(exc.extra["rate"].headers())
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


class RequestContext:
    """Request id, body size limit, and the calling key's rate-limit headers on the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = state["request_id"] = "req_" + uuid.uuid4().hex[:20]
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            await _json_error(state, PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes"))(
                scope, receive, send
            )
            return
        body, too_large = await _read_body(receive)
        if too_large:
            await _json_error(state, PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes"))(
                scope, receive, send
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                rate = state.get("rate")
                if rate is not None and message["status"] != 429:
                    headers += [(k.lower().encode(), v.encode()) for k, v in rate.headers().items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, send_with_headers)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole request body, or (partial, True) as soon as it passes the limit."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


class FaultMiddleware:
    def __init__(self, app: ASGIApp, mock: MockState) -> None:
        self.app, self.mock = app, mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        faults = self.mock.faults
        delay = faults.latency_seconds()
        if delay:
            await asyncio.sleep(delay)
        state = scope.setdefault("state", {})
        if faults.should_error():
            body = error_body(
                state.get("request_id"),
                503,
                "Service Unavailable",
                "the service is temporarily unavailable (injected fault); retry with the same Idempotency-Key",
                "service_unavailable",
            )
            wait = round(min(1.0, self.mock.clock.to_wall(1.0)), 3)
            await JSONResponse(body, 503, headers={"Retry-After": str(wait)})(scope, receive, send)
            return
        if faults.should_burst_429():
            wait = round(min(1.0, self.mock.clock.to_wall(1.0)), 3)
            body = error_body(
                state.get("request_id"),
                429,
                "Too Many Requests",
                "too many requests (injected burst); retry after Retry-After",
                "rate_limited",
            )
            await JSONResponse(body, 429, headers={"Retry-After": str(wait)})(scope, receive, send)
            return
        if not faults.should_drop():
            await self.app(scope, receive, send)
            return

        async def drop(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
                raise ConnectionDropped("connection dropped after the request was processed (injected fault)")

        await self.app(scope, receive, drop)


async def deliver_webhooks(mock: MockState, client: httpx.AsyncClient) -> int:
    """Send every due delivery once; returns how many were attempted."""
    due = mock.webhooks.due()

    async def one(delivery: Any) -> None:
        if mock.faults.should_drop_webhook():
            mock.webhooks.record(delivery, None, "lost on the way (fault injection)")
            return
        url, body, headers = mock.webhooks.request(delivery)
        try:
            response = await client.post(url, content=body, headers=headers)
            mock.webhooks.record(delivery, response.status_code)
        except httpx.HTTPError as exc:
            mock.webhooks.record(delivery, None, f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(d) for d in due))
    return len(due)


def create_app(
    state: MockState | None = None,
    *,
    seed: int = 0,
    speed: float = 1.0,
    faults: Faults | None = None,
    web_base_url: str = "https://tutorflow.io",
) -> FastAPI:
    """The mock as an ASGI app. Pass a ``state`` to share one, or let it make its own.

    >>> app = create_app(speed=20.0, seed=7)
    >>> app.state.mock.provision_demo().classroom_id   # doctest: +SKIP
    """
    mock = state or MockState(seed=seed, speed=speed, faults=faults, web_base_url=web_base_url)
    client_holder: dict[str, httpx.AsyncClient] = {}

    async def pump() -> int:
        """Settle finished jobs and send due webhook deliveries now."""
        mock.content.settle_due()
        client = client_holder.get("client")
        if client is None:
            async with httpx.AsyncClient(timeout=5.0) as client:
                return await deliver_webhooks(mock, client)
        return await deliver_webhooks(mock, client)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=5.0) as client:
            client_holder["client"] = client

            async def ticker() -> None:
                while True:
                    try:
                        await pump()
                    except Exception:  # the ticker must outlive one bad delivery
                        log.exception("mock ticker failed")
                    await asyncio.sleep(TICK_SECONDS)

            task = asyncio.create_task(ticker())
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                client_holder.pop("client", None)

    app = FastAPI(
        title="TutorFlow API (tutorflow_nb mock)", version="mock-1", lifespan=lifespan, description=describe()
    )
    app.state.mock = mock
    app.state.pump = pump
    for router in (admin.router, content.router, platform.router, control.router):
        app.include_router(router)

    @app.exception_handler(MockError)
    async def on_mock_error(request: Request, exc: MockError) -> JSONResponse:
        return _json_error(request.scope.get("state", {}), exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                fields.append(
                    {
                        "field": "body",
                        "message": "malformed JSON: " + str(err.get("ctx", {}).get("error", err.get("msg"))),
                    }
                )
                continue
            path, message = field_error(err)
            fields.append({"field": path, "message": message})
        body = error_body(
            request.scope.get("state", {}).get("request_id"),
            400,
            "Bad Request",
            [f"{f['field']}: {f['message']}" for f in fields],
            "validation_error",
            fields=fields,
        )
        return JSONResponse(body, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "route_not_found", 405: "method_not_allowed"}
        body = error_body(
            request.scope.get("state", {}).get("request_id"),
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            codes.get(exc.status_code, "http_error"),
        )
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # Starlette names only the first route's methods
            headers["Allow"] = ", ".join(allowed_methods(app.openapi(), request.url.path))
        return JSONResponse(body, status_code=exc.status_code, headers=headers or None)

    app.add_middleware(FaultMiddleware, mock=mock)
    app.add_middleware(RequestContext)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(
                get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace the schema
    for name in ("uvicorn.error", "uvicorn"):
        logging.getLogger(name).addFilter(_QuietDrops())
    return app
