"""``create_app``: the mock's FastAPI application, with its middleware and error answers.

The layers, outermost first:

1. ``RequestContext``: a request id; the request's dialect (``dialects``: TutorFlow
   routes speak the state's, ``/_mock`` and ``/openapi.json`` the default); ``HEAD``
   answered as ``GET`` without the body; a 1 MiB body limit (413); a body that cannot be
   JSON text refused before anything reads it (not UTF-8, nested deeper than 64 levels,
   half a surrogate pair); the rate-limit headers of the calling key; and, where the
   dialect says so, JSON answers rewritten on their way out (``extra-fields``).
2. ``FaultMiddleware``: injected latency, 503s, spurious 429s and dropped connections,
   on TutorFlow routes only.
3. The routes (``routes/``), which translate HTTP into calls on ``MockState``.

Every error answer, whichever layer refuses, is built by :func:`error_response`, in the
request's dialect.

A ticker started with the app settles finished jobs and sends webhook deliveries; where
no lifespan runs (in-process tests over ``httpx.ASGITransport``) call ``app.state.pump()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ..extras import needs

with needs("mock"):
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.utils import get_openapi
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..models.requests import field_error
from .assumptions import describe
from .dialects import DEFAULT, Dialect
from .errors import BadRequest, FieldError, MockError, PayloadTooLarge, RateLimited, ServiceUnavailable
from .faults import Faults
from .openapi import allowed_methods, document
from .routes import admin, content, control, platform
from .state import MockState

__all__ = ["MAX_BODY_BYTES", "MAX_JSON_DEPTH", "ConnectionDropped", "create_app", "error_response"]

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects a JSON body may have."""
TICK_SECONDS = 0.05
log = logging.getLogger("tutorflow_nb.mock")


class ConnectionDropped(Exception):
    """Raised after the response has started, so the server closes the connection mid-answer."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def dialect_of(scope_state: dict[str, Any]) -> Dialect:
    """The dialect a request is answered in (set by ``RequestContext``)."""
    dialect: Dialect = scope_state.get("dialect", DEFAULT)
    return dialect


def error_response(scope_state: dict[str, Any], exc: MockError, headers: dict[str, str] | None = None) -> Response:
    """The answer to a refusal in the request's dialect (``assumptions.error-body``), ``Retry-After`` on 429 and 503."""
    dialect = dialect_of(scope_state)
    answer = dialect.error(
        status=exc.status_code,
        error=exc.error,
        code=exc.code,
        message=exc.message,
        fields=exc.fields,
        request_id=scope_state.get("request_id"),
        extra={k: v for k, v in exc.extra.items() if k != "rate"},
    )
    out = dict(headers or {})
    if isinstance(exc, (RateLimited, ServiceUnavailable)):
        out.update(dialect.retry_after(exc.retry_after))
    if isinstance(exc, RateLimited) and exc.extra.get("rate"):
        out.update(dialect.rate_headers(exc.extra["rate"]))
    return Response(answer.body, status_code=exc.status_code, headers=out, media_type=answer.media_type)


_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def malformed(body: bytes) -> str | None:
    """Why a request body cannot be JSON text, or ``None`` (malformed JSON syntax is FastAPI's to name)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"malformed JSON: the body is not UTF-8 (byte {exc.start} is 0x{body[exc.start]:02x})"
    deep = body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH
    surrogate = _SURROGATE.search(body) is not None
    if not (deep or surrogate):  # the common case: nothing to parse here
        return None
    try:
        value = json.loads(text)
    except RecursionError:
        return f"malformed JSON: nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError:
        return None
    if deep and _depth(value) > MAX_JSON_DEPTH:
        return f"malformed JSON: nested deeper than {MAX_JSON_DEPTH} levels"
    if surrogate:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return "malformed JSON: a \\u escape is half of a surrogate pair, which is not Unicode text"
    return None


def _json_body(scope: Scope) -> bool:
    """Whether FastAPI will read this request's body as JSON (a JSON content type, or none)."""
    if scope["method"] not in ("POST", "PUT", "PATCH"):
        return False
    kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
    return not kind or kind == b"application/json" or kind.endswith(b"+json")


_PAGING = frozenset({b"limit", b"cursor"})


def _without_paging(query: bytes) -> bytes:
    """A query string without ``limit`` and ``cursor`` (``bare-lists`` ignores them)."""
    return b"&".join(p for p in query.split(b"&") if p and p.split(b"=", 1)[0] not in _PAGING)


class RequestContext:
    """Request id, dialect, ``HEAD``, body limits, malformed bodies, rate-limit headers, dialect rewrites."""

    def __init__(self, app: ASGIApp, mock: MockState) -> None:
        self.app, self.mock = app, mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = state["request_id"] = "req_" + uuid.uuid4().hex[:20]
        tutorflow = scope["path"].startswith("/v1/")
        dialect = state["dialect"] = self.mock.dialect if tutorflow else DEFAULT
        head = scope["method"] == "HEAD"
        if head:  # HEAD is GET without the body (RFC 9110 9.3.2): the same status and headers
            scope = {**scope, "method": "GET"}
        if dialect.strips_paging and scope["method"] == "GET":
            scope = {**scope, "query_string": _without_paging(scope.get("query_string", b""))}
        length = dict(scope["headers"]).get(b"content-length")
        too_large = length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES
        body = b""
        if not too_large:
            body, too_large = await _read_body(receive)
        refusal: MockError | None = None
        if too_large:
            refusal = PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes")
        elif body and _json_body(scope):
            problem = malformed(body)
            if problem:
                refusal = BadRequest(problem, fields=[FieldError("body", problem)])
            else:
                body = dialect.taken_back(body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        held: dict[str, Any] = {}  # extra-fields: a JSON answer's start, kept until its body is whole

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                rate = state.get("rate")
                if rate is not None and message["status"] != 429:
                    headers += [(k.lower().encode(), v.encode()) for k, v in dialect.rate_headers(rate).items()]
                message = {**message, "headers": headers}
                kind = dict(headers).get(b"content-type", b"")
                if dialect.rewrites_bodies and kind.startswith(b"application/json"):
                    held.update(start=message, chunks=[])
                    return
                held["events"] = dialect.rewrites_bodies and kind.startswith(b"text/event-stream")
            elif message["type"] == "http.response.body":
                if "start" in held:
                    held["chunks"].append(message.get("body", b""))
                    if message.get("more_body", False):
                        return
                    rewritten = _rewrite_json(b"".join(held["chunks"]), dialect)
                    start = held.pop("start")
                    length = (b"content-length", str(len(rewritten)).encode())
                    start["headers"] = [h for h in start["headers"] if h[0] != b"content-length"] + [length]
                    await send(start)
                    message = {"type": "http.response.body", "body": rewritten, "more_body": False}
                elif held.get("events"):
                    message = {**message, "body": _rewrite_events(message.get("body", b""), dialect)}
                if head:
                    message = {**message, "body": b""}
            await send(message)

        if refusal is not None:
            await error_response(state, refusal)(scope, replay, send_with_headers)
            return
        await self.app(scope, replay, send_with_headers)


def _rewrite_json(body: bytes, dialect: Dialect) -> bytes:
    """A JSON answer as the dialect writes it (``extra-fields``); left alone if it is not JSON."""
    try:
        return dialect.json(json.loads(body))
    except ValueError:
        return body


def _rewrite_events(chunk: bytes, dialect: Dialect) -> bytes:
    """Server-Sent Events with each ``data:`` line's JSON written in the dialect."""
    lines = chunk.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"data: "):
            lines[i] = b"data: " + _rewrite_json(line[6:], dialect)
    return b"\n".join(lines)


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
        wait = round(min(1.0, self.mock.clock.to_wall(1.0)), 3)
        if faults.should_error():
            refusal: MockError = ServiceUnavailable(
                "the service is temporarily unavailable (injected fault); retry with the same Idempotency-Key",
                retry_after=wait,
            )
            await error_response(state, refusal)(scope, receive, send)
            return
        if faults.should_burst_429():
            refusal = RateLimited("too many requests (injected burst); retry after Retry-After", retry_after=wait)
            await error_response(state, refusal)(scope, receive, send)
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


def _body_problem(err: Any, message: str) -> str:
    """What is wrong with a body as a whole: empty, or JSON that is not an object."""
    if err.get("type") == "missing":
        return "a JSON object is required and the body is empty"
    value = err.get("input")
    if isinstance(value, (bytes, bytearray)):
        return "must be a JSON object sent as application/json"
    if err.get("type") in ("model_attributes_type", "dict_type", "model_type"):
        kind = "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        return f"must be a JSON object, not {kind or _JSON_TYPES.get(type(value), 'this')}"
    return message


def create_app(
    state: MockState | None = None,
    *,
    seed: int = 0,
    speed: float = 1.0,
    faults: Faults | None = None,
    web_base_url: str = "https://tutorflow.io",
    dialect: str | list[str] | Dialect | None = None,
) -> FastAPI:
    """The mock as an ASGI app. Pass a ``state`` to share one, or let it make its own.

    ``dialect`` (``"nested-errors,bare-lists"``, a list of names) answers where the
    documents are silent another plausible way (``assumptions.DIALECTS``); given with a
    ``state``, it becomes that state's dialect.

    >>> app = create_app(speed=20.0, seed=7, dialect="bare-lists")
    >>> app.state.mock.dialect.labels
    ['bare-lists']
    """
    mock = state or MockState(seed=seed, speed=speed, faults=faults, web_base_url=web_base_url)
    if dialect is not None:
        mock.dialect = dialect
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
    async def on_mock_error(request: Request, exc: MockError) -> Response:
        return error_response(request.scope.get("state", {}), exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                problem = str(err.get("ctx", {}).get("error", err.get("msg")))
                fields.append(FieldError("body", f"malformed JSON: {problem}"))
                continue
            path, message = field_error(err)
            if tuple(err.get("loc", ())) == ("body",):
                message = _body_problem(err, message)
            fields.append(FieldError(path, message))
        return error_response(request.scope.get("state", {}), BadRequest("the request is invalid", fields=fields))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "route_not_found", 405: "method_not_allowed"}
        refusal = MockError(str(exc.detail), code=codes.get(exc.status_code, "http_error"))
        refusal.status_code, refusal.error = exc.status_code, str(exc.detail)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # Starlette names only the first route's methods
            methods = allowed_methods(app.openapi(), request.url.path)
            headers["Allow"] = ", ".join(sorted({*methods, "HEAD"} if "GET" in methods else set(methods)))
        return error_response(request.scope.get("state", {}), refusal, headers)

    app.add_middleware(FaultMiddleware, mock=mock)
    app.add_middleware(RequestContext, mock=mock)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(
                get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            )
        # the dialect in force now, beside the description (which names them all)
        return {**app.openapi_schema, "info": {**app.openapi_schema["info"], "x-dialect": mock.dialect.labels}}

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace the schema
    for name in ("uvicorn.error", "uvicorn"):
        logging.getLogger(name).addFilter(_QuietDrops())
    return app
