"""The only place a request is sent.

``HttpSession`` adds the auth header, JSON, a timeout of at least 30 s, the
``Idempotency-Key``; retries network failures, 5xx and 429 with the same key and
exponential backoff with jitter (honouring ``Retry-After``, capped); never retries 400,
401, 403, 404 or 409; paces every request of a key through one shared
:class:`~tutorflow_nb.budget.RateBudget`; turns error answers into ``tutorflow_nb.errors``; and logs with keys
redacted. Resource clients above it hold no retry or rate-limit logic.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.utils
import json as _json
import logging
import math
import numbers
import random
import re
import time
import weakref
from collections import Counter, deque
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote

import httpx

from . import redaction
from .budget import budget_for
from .config import Settings, check_base_url
from .errors import (
    ConfigurationError,
    NetworkError,
    RateLimitError,
    TutorFlowError,
    error_for_status,
    may_retry,
)
from .keys import ApiKey
from .redaction import redact
from .tls import tls_for

__all__ = ["HttpSession", "RetryPolicy", "segment", "with_options"]


log = logging.getLogger("tutorflow_nb.http")
redaction.install()  # our loggers, httpx's and httpcore's: whoever sees a request never sees a secret

Surface = Literal["content", "platform", "admin"]


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked on a loop, it closes ``client`` when the loop's async generators are shut down (see ``_client``)."""
    try:
        yield
    finally:
        await client.aclose()


def error_body(response: httpx.Response) -> dict[str, Any]:
    """An error answer in one shape, whatever envelope the server used: ``message``, ``code``, ``requestId``
    and ``fields`` (``[{field, message}]``), with the server's words kept.

    Read: the flat body (``{statusCode, error, message, code, requestId, fields}``, ``message``
    a string or a list), a nested ``{"error": {code, message, requestId, details}}``, and plain
    text (``<code>: <message>``, a 400's fields as ``<field>: <message>; …``). The answer as it
    came is kept under ``raw``.

        >>> error_body(httpx.Response(400, text="validation_error: payload.level.title: too short; x: bad"))["fields"]
        [{'field': 'payload.level.title', 'message': 'too short'}, {'field': 'x', 'message': 'bad'}]
    """
    try:
        data: Any = response.json()
    except ValueError:
        return _plain_error(response.text, response.status_code)
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        inner = data["error"]
        return {
            "message": _text(inner.get("message")),
            "code": inner.get("code"),
            "requestId": inner.get("requestId") or data.get("requestId"),
            "fields": _fields(inner.get("details")),
            "raw": data,
        }
    if isinstance(data, dict):
        return {**data, "message": _text(data.get("message")), "fields": _fields(data.get("fields")), "raw": data}
    return {"message": _text(data)[:500], "code": None, "requestId": None, "fields": [], "raw": data}


def _fields(given: Any) -> list[dict[str, str]]:
    """Each bad field as ``{field, message}``; whatever else a server puts beside them stays in ``raw``."""
    if not isinstance(given, list):
        return []
    return [
        {"field": str(d.get("field", "")), "message": str(d.get("message", ""))} for d in given if isinstance(d, dict)
    ]


def _text(message: Any) -> str:
    if isinstance(message, list):
        return "; ".join(str(m) for m in message)
    return "" if message is None else str(message)


_FIELD_PATH = re.compile(r"^[A-Za-z_$][\w$-]*(?:\[\d*\]|\.[\w$-]+)*$")
"""A wire path: ``title``, ``payload.level.lessons[0].items``, ``lessons[].sequence``, ``chapters.0.slug``."""


_LONGEST_MESSAGE = 4000
"""A plain-text answer's words kept as its message: any server's own message fits (the mock's longest is
about 1,300 characters); beyond that it is a page, not a message."""


def _plain_error(text: str, status: int) -> dict[str, Any]:
    first = " ".join(text.split())  # every line of it, as one line
    if len(first) > _LONGEST_MESSAGE:  # a proxy's HTML page, say: the start tells what it is; raw has more
        first = first[:_LONGEST_MESSAGE] + " …"
    code, sep, message = first.partition(": ")
    if not (sep and code.replace("_", "").isalnum() and code.islower()):
        code, message = "", first
    fields: list[dict[str, str]] = []
    if status == 400 and message:
        # "field: problem; field: problem"; a problem may hold "; " itself: a part that does not start
        # with a field path continues the problem before it, so no word of the server's is lost
        for part in message.split("; "):
            name, sep, problem = part.partition(": ")
            if sep and _FIELD_PATH.match(name):
                fields.append({"field": name, "message": problem})
            elif fields:
                fields[-1]["message"] += f"; {part}"
    return {"message": message, "code": code or None, "requestId": None, "fields": fields, "raw": text[:2000]}


def _shown(request: httpx.Request) -> httpx.Request:
    """``request`` as an error may carry it: its method, URL and headers with every secret cut to its
    prefix (the key, the session cookie, an edit token in the path), and no body (a sign-in holds a password)."""
    headers = [(name.encode(), redact(value).encode()) for name, value in request.headers.items()]  # "…" is UTF-8
    return httpx.Request(request.method, redact(str(request.url)), headers=headers)


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when the error has no request
    except RuntimeError:
        return False
    return True


def segment(value: object, name: str) -> str:
    """``value`` as one URL path segment: a non-empty string, every reserved character percent-encoded.

    An id is never a path: ``"a/b"`` stays one segment (``a%2Fb``), and an empty id, ``None``,
    ``.`` or ``..`` is refused before anything is sent.

        >>> segment("3f94-a", "job_id"), segment("../x", "module_id")
        ('3f94-a', '..%2Fx')
    """
    if not isinstance(value, str) or not value.strip():
        shown = "an empty string" if value == "" else repr(value)
        raise ValueError(f"{name} must be a non-empty id string, got {shown}; use the id the API returned")
    if value in (".", ".."):
        raise ValueError(f"{name} {value!r} is not an id; use the id the API returned")
    return quote(value, safe="")


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FINISH_IN_FLIGHT_SECONDS = 5.0
"""How long a change already on the wire may take to answer once its caller is cancelled (see ``_attempt``)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one call: ``max_retries`` more attempts, backoff ``base * 2**n`` up to ``cap``, full jitter.

    A batch item whose call still fails after these retries is set back on the batch's own
    schedule (``jobs``), not this one: a short backoff here never makes a batch give up sooner.
    """

    max_retries: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 60.0
    """The longest ``Retry-After`` waited as asked; a longer one waits this long, or the backoff if that is longer."""

    def __post_init__(self) -> None:
        retries: object = self.max_retries  # as given: a caller's value need not match the annotation
        if isinstance(retries, bool) or not isinstance(retries, numbers.Integral) or retries < 0:
            raise ConfigurationError(f"RetryPolicy(max_retries=...) must be a whole number, 0 or more, not {retries!r}")
        object.__setattr__(self, "max_retries", int(retries))  # numpy's, or any whole number, as an int
        for name in ("base", "cap", "max_retry_after"):
            value: object = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal) or not _seconds(value):
                raise ConfigurationError(f"RetryPolicy({name}=...) must be seconds, 0 or more, not {value!r}")
            object.__setattr__(self, name, float(value))  # a Decimal or Fraction waits as a float

    def ceiling(self, attempt: int) -> float:
        """The longest wait before try ``attempt + 1``: ``base * 2**attempt``, at most ``cap``."""
        return min(self.cap, self.base * 2.0 ** min(attempt, 64))

    def backoff(self, attempt: int) -> float:
        return random.uniform(0, self.ceiling(attempt))


CREATE_TIMEOUT_SECONDS = 30.0
"""The runbook's floor for a create's timeout ("at least 30 seconds for create requests"): no shorter one applies."""


def _timeout(seconds: float) -> float:
    """A timeout in seconds, checked: a positive number a float holds."""
    value: object = seconds  # as given: a caller's value need not match the annotation
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real | Decimal)
        or not _seconds(value)
        or not float(value) > 0
    ):
        raise ConfigurationError(f"timeout must be seconds above 0, not {seconds!r}")
    return float(value)


def _limits(seconds: float, method: str) -> httpx.Timeout:
    """httpx's timeout for one request: ``seconds``, at least :data:`CREATE_TIMEOUT_SECONDS` for a change, and at
    most 10 s to connect."""
    answer = seconds if method in READ_METHODS else max(CREATE_TIMEOUT_SECONDS, seconds)
    return httpx.Timeout(answer, connect=min(10.0, answer))


def _seconds(value: numbers.Real | Decimal) -> bool:
    """``value`` is a finite number of seconds, 0 or more, that a float can hold."""
    try:
        return 0 <= float(value) < math.inf
    except (OverflowError, ValueError):  # too big for a float; a signaling NaN
        return False


def _retry_after(response: httpx.Response, cap: float) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), at most ``cap``; ``None`` when absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds: float | None = float(value)
    except ValueError:
        seconds = None
    if seconds is None:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, cap))


class HttpSession:
    """Sends requests for one surface with one credential. Async; one pool per event loop."""

    def __init__(
        self,
        base_url: str,
        *,
        surface: Surface,
        key: ApiKey | None = None,
        cookies: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit_per_minute: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        if surface in ("content", "platform") and key is None:
            raise ConfigurationError(f"the {surface} surface needs an API key")
        self.surface, self.key = surface, key
        self._cookies: dict[str, str] = {}
        self.keep_cookies(cookies or {})
        self.timeout = _timeout(timeout)
        self.retry = retry or RetryPolicy()
        self.headers: dict[str, str] = {}
        """Headers sent with every request of this session (``with_options(headers=…)``)."""
        self._transport = transport
        self.budget = budget_for(self.base_url, key, rate_limit_per_minute) if key else None
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()
        self.stats: Counter[str] = Counter()
        self.history: deque[tuple[str, str, int | None]] = deque(maxlen=1000)
        """The last requests sent: (method, path, status or None when no answer came)."""

    @classmethod
    def keyed(
        cls,
        surface: Literal["content", "platform"],
        base_url: str | None,
        api_key: str | ApiKey | None,
        **options: Any,
    ) -> HttpSession:
        """A session for a key surface, from the arguments or the documented environment variables.

        Refuses a missing base URL or key, and a key of the other surface, before anything is sent.
        """
        env = Settings.from_env()
        variable = f"TUTORFLOW_{surface.upper()}_API_KEY"
        url_source = "base_url" if base_url is not None else "TUTORFLOW_API_BASE_URL"
        url = base_url if base_url is not None else env.base_url
        if url is None:
            raise ConfigurationError("base_url is required: pass it or set TUTORFLOW_API_BASE_URL")
        url = check_base_url(url, url_source)
        key_source = "api_key" if api_key is not None else variable
        secret = api_key if api_key is not None else (env.content_key if surface == "content" else env.platform_key)
        if secret is None:
            raise ConfigurationError(f"a tf_{surface}_ key is required: pass api_key or set {variable}")
        key = secret if isinstance(secret, ApiKey) else ApiKey(secret, surface, source=key_source)
        if key.surface != surface:
            raise ConfigurationError(
                f"the {surface} client takes a tf_{surface}_ key, not {key}: the surfaces never mix"
            )
        return cls(url, surface=surface, key=key, **options)

    def __repr__(self) -> str:
        who = f"key={self.key.prefix}…" if self.key else "admin session"
        return f"<HttpSession {self.surface} {self.base_url} {who}>"

    def with_options(
        self,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpSession:
        """This session with another timeout, retry policy or extra headers, sharing everything else.

        The copy sends through the same connection pools, the same key budget (so the two never
        exceed the key's limit together), the same admin session and the same counters.

        Raises:
            ConfigurationError: a header that would replace the key, the session or the Idempotency-Key.
        """
        extra = dict(headers or {})
        reserved = sorted(h for h in extra if h.lower() in ("authorization", "cookie", "idempotency-key"))
        if reserved:
            raise ConfigurationError(
                f"with_options(headers=...) cannot set {', '.join(reserved)}: the client sends the key, the session "
                "and the Idempotency-Key itself (make a client with another key, or pass idempotency_key= to the call)"
            )
        twin = copy.copy(self)
        twin.timeout = _timeout(timeout) if timeout is not None else self.timeout
        twin.retry = retry if retry is not None else self.retry
        twin.headers = {**self.headers, **extra}
        return twin

    @property
    def target(self) -> str:
        """What this session's work lives on: the base URL and the key prefix (``http://… tf_content_ab12cd34``).

        A manifest store keeps records per target, so work is never resumed against another server or key.
        """
        return f"{self.base_url} {self.key_prefix or self.surface}"

    @property
    def key_prefix(self) -> str | None:
        return self.key.prefix if self.key else None

    async def _client(self) -> httpx.AsyncClient:
        """This loop's connection pool, made on first use.

        A pool belongs to one event loop. Each new pool parks a small async generator on its
        loop; ``asyncio.run()`` (and every runner) closes a loop's async generators before the
        loop closes, which closes the pool there: a client used from many ``asyncio.run()``
        calls keeps no connection of a loop that is gone.
        """
        loop = asyncio.get_running_loop()
        held = self._clients.get(loop)
        if held is not None and not held[0].is_closed:
            return held[0]
        client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=_limits(self.timeout, "POST"),
            transport=self._transport,
            verify=tls_for(self.base_url),
            headers={"Accept": "application/json", "User-Agent": "tutorflow-nb"},
        )
        closer = _close_with_loop(client)
        await closer.asend(None)
        self._clients[loop] = (client, closer)
        for other in [lp for lp in self._clients if lp.is_closed()]:  # a loop closed without a runner's shutdown
            self._clients.pop(other, None)
        return client

    async def aclose(self) -> None:
        """Close the connection pools, on this loop and on any other loop that used this session."""
        here = asyncio.get_running_loop()
        for loop, (client, closer) in list(self._clients.items()):
            self._clients.pop(loop, None)
            if loop is here:
                await closer.aclose()
            elif loop.is_running() and not loop.is_closed():
                done = asyncio.run_coroutine_threadsafe(closer.aclose(), loop)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.wrap_future(done), timeout=5.0)
            elif not client.is_closed:
                await client.aclose()  # a loop that is not running: nothing is on it, close from here

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        """How long to wait before retrying after ``response``.

        Its ``Retry-After`` when that is above 0 and at most ``max_retry_after``; a longer one
        cut to ``max_retry_after`` but never below the policy's own backoff (nor beyond what was
        asked); the backoff when there is none, or it is 0, unreadable or already past (a skewed
        clock): a 503 is never retried in a storm, whatever the header or the policy say.
        """
        backoff = self.retry.backoff(attempt)
        asked = _retry_after(response, math.inf)
        if asked is None or not asked > 0:
            return backoff
        if asked <= self.retry.max_retry_after:
            return asked
        return min(asked, max(self.retry.max_retry_after, backoff))

    def _check_path(self, path: str) -> None:
        allowed = {"content": "/v1/content/", "admin": "/v1/content/", "platform": "/v1/platform/"}[self.surface]
        if not path.startswith(allowed):
            raise ValueError(f"{self.surface} requests go to {allowed}** only, not {path}: the surfaces never mix")

    def _headers(self, idempotency_key: str | None, auth: bool, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {**self.headers, **(extra or {})}
        if auth and self.key is not None:
            headers["Authorization"] = f"Bearer {self.key.reveal()}"
        if auth and self._cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    @property
    def has_session(self) -> bool:
        """Whether an admin session cookie is held."""
        return bool(self._cookies)

    def keep_cookies(self, cookies: Mapping[str, str]) -> None:
        """Send ``cookies`` (an admin session a sign-in answered) with every request from now on."""
        for value in cookies.values():
            redaction.remember(value)
        self._cookies.update(cookies)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        auth: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send, retrying what is safe to retry; the decoded JSON answer (``None`` for no body)."""
        response = await self.send(
            method, path, json=json, params=params, idempotency_key=idempotency_key, auth=auth, headers=headers
        )
        if not response.content:
            return None
        return response.json()

    async def request_object(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        """:meth:`request` for a route whose answer is a JSON object (``{}`` for an empty body)."""
        data = await self.request(method, path, json=json, params=params, auth=auth)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise TutorFlowError(
                f"expected a JSON object, got {type(data).__name__}", method=method, url=self.base_url + path
            )
        return data

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        auth: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        self._check_path(path)
        method = method.upper()
        all_headers = self._headers(idempotency_key, auth, headers)
        keyed = idempotency_key is not None
        attempt = 0
        while True:
            budget = self.budget if auth else None
            seq = await budget.acquire() if budget else 0
            self.stats["requests"] += 1
            try:
                response, stopping = await self._attempt(method, path, json=json, params=params, headers=all_headers)
            except httpx.TransportError as exc:
                self.history.append((method, path, None))
                if budget:
                    budget.release(seq, None)
                self.stats["network_errors"] += 1
                sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                retryable = may_retry(method, keyed=keyed, status=None, sent=sent)
                if retryable and attempt < self.retry.max_retries:
                    delay = self.retry.backoff(attempt)
                    log.info(
                        "%s %s: %s; retry %d in %.2fs with the same Idempotency-Key",
                        method,
                        path,
                        type(exc).__name__,
                        attempt + 1,
                        delay,
                    )
                    attempt += 1
                    self.stats["retries"] += 1
                    await asyncio.sleep(delay)
                    continue
                raise NetworkError(
                    f"no answer: {type(exc).__name__}: {redact(str(exc)) or 'connection failed'}",
                    key_prefix=self.key_prefix,
                    method=method,
                    url=self.base_url + path,
                    request=_shown(exc.request) if _has_request(exc) else None,
                    retryable=retryable,
                    retries=attempt,
                    keyed=keyed,
                ) from None
            except BaseException:  # cancelled before an answer came: the slot is free again
                if budget:
                    budget.release(seq, None)
                raise
            if budget:
                budget.release(seq, response.headers, response.status_code)
            status = response.status_code
            self.history.append((method, path, status))
            log.debug(
                "%s %s -> %d (attempt %d, key %s)",
                method,
                path,
                status,
                attempt + 1,
                self.key_prefix or "admin session",
            )
            if status < 400:
                return response
            if stopping:  # the caller was cancelled while this answer was on its way: no retry, no error
                raise asyncio.CancelledError
            if status == 429:
                self.stats["429"] += 1
            retryable = may_retry(method, keyed=keyed, status=status)
            if retryable and attempt < self.retry.max_retries:
                delay = self._delay(response, attempt)
                if status == 429 and budget:
                    budget.pause(delay)
                log.info("%s %s -> %d; retry %d in %.2fs", method, path, status, attempt + 1, delay)
                attempt += 1
                self.stats["retries"] += 1
                await asyncio.sleep(delay)
                continue
            raise self._error(response, method, path, retryable=retryable, retries=attempt, keyed=keyed)

    async def _attempt(
        self, method: str, path: str, *, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> tuple[httpx.Response, bool]:
        """One request on the wire; ``(response, whether the caller was cancelled meanwhile)``.

        A read is cancelled at once. A change (a create, an update, a delete) that is already
        on the wire when its caller is cancelled is let finish, for at most
        ``FINISH_IN_FLIGHT_SECONDS``, so that its answer is not lost: the caller records what
        the server accepted, then stops. Nothing new is sent after that.
        """
        client = await self._client()
        call = asyncio.ensure_future(
            client.request(
                method, path, json=json, params=params, headers=headers, timeout=_limits(self.timeout, method)
            )
        )
        try:
            return await asyncio.shield(call), False
        except asyncio.CancelledError:
            if method not in READ_METHODS:
                await asyncio.wait([call], timeout=FINISH_IN_FLIGHT_SECONDS)
                if call.done() and not call.cancelled() and call.exception() is None:
                    return call.result(), True
            call.cancel()
            await asyncio.wait([call])  # let the request stop and its connection close before going on
            raise

    def _error(
        self,
        response: httpx.Response,
        method: str,
        path: str,
        *,
        retryable: bool = False,
        retries: int = 0,
        keyed: bool = False,
    ) -> TutorFlowError:
        body = error_body(response)
        cls = error_for_status(response.status_code)
        response.request = _shown(response.request)  # the error carries it: no credential beyond its prefix
        kwargs: dict[str, Any] = {
            "status_code": response.status_code,
            "code": body.get("code"),
            "request_id": body.get("requestId") or response.headers.get("x-request-id"),
            "key_prefix": self.key_prefix,
            "method": method,
            "url": self.base_url + path,
            "body": body,
            "request": response.request,
            "response": response,
            "retryable": retryable,
            "retries": retries,
            "keyed": keyed,
        }
        if cls is RateLimitError:
            kwargs["retry_after"] = _retry_after(response, self.retry.max_retry_after)
        return cls(str(body.get("message") or response.reason_phrase), **kwargs)

    async def paginate(self, path: str, *, params: Mapping[str, Any] | None = None, page_size: int = 100) -> list[Any]:
        """Every item of a list route, following ``nextCursor`` (a bare JSON list is one page)."""
        items: list[Any] = []
        query: dict[str, Any] = {"limit": page_size, **(params or {})}
        while True:
            page = await self.request("GET", path, params=query)
            if isinstance(page, list):
                return items + page
            items += page.get("data", [])
            cursor = page.get("nextCursor")
            if not cursor:
                return items
            query["cursor"] = cursor

    async def stream_events(
        self, method: str, path: str, *, json: Any = None, auth: bool = False
    ) -> AsyncIterator[tuple[str, Any]]:
        """Server-Sent Events as (event, decoded data) pairs. Not retried: a stream is not replayable."""
        self._check_path(path)
        headers = self._headers(None, auth, {"Accept": "text/event-stream"})
        client = await self._client()
        async with client.stream(
            method, path, json=json, headers=headers, timeout=_limits(self.timeout, method)
        ) as response:
            if response.status_code >= 400:
                await response.aread()
                raise self._error(response, method, path)
            event, data = "message", list[str]()
            async for line in response.aiter_lines():
                if not line:
                    if data:
                        text = "\n".join(data)
                        try:
                            yield event, _json.loads(text)
                        except ValueError:
                            yield event, text
                    event, data = "message", []
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())


class _Client(Protocol):
    """A resource client over one session: its groups are bound to it again when its session changes."""

    http: HttpSession

    def _bind(self) -> None: ...


C = TypeVar("C", bound=_Client)


def with_options(
    client: C,
    *,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
    headers: Mapping[str, str] | None = None,
) -> C:
    """A copy of ``client`` whose calls use another timeout, retry policy or extra headers.

    The copy shares the connection pools, the key's budget, the admin session and everything
    else with ``client`` (:meth:`HttpSession.with_options`)."""
    twin = copy.copy(client)
    twin.http = client.http.with_options(timeout=timeout, retry=retry, headers=headers)
    twin._bind()
    return twin
