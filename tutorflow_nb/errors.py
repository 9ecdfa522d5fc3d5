"""One exception hierarchy for everything the TutorFlow API or the network can answer::

    TutorFlowError                 .status_code, .message, .code, .request_id, .key_prefix
     ├── APIStatusError            an HTTP answer that is an error
     │    ├── BadRequestError         400  .fields names each bad field
     │    ├── AuthenticationError     401
     │    ├── PermissionDeniedError   403  e.g. the other surface's key
     │    ├── NotFoundError           404
     │    ├── ConflictError           409  e.g. an Idempotency-Key reused with another body
     │    ├── PayloadTooLargeError    413
     │    ├── RateLimitError          429  .retry_after
     │    └── ServerError             5xx
     ├── NetworkError              no answer: connection refused, dropped, timed out
     ├── JobFailedError            a job ended failed; .job carries it
     ├── JobTimeoutError           a job did not finish in time; .job carries its last state
     ├── StaleReplayError          your Idempotency-Key replays a resource that was deleted since
     └── ConfigurationError        a credential, URL or setting is missing or unusable (also a ValueError)

Every message says what to do next, and never holds a full key.
"""

from __future__ import annotations

from typing import Any

from .redaction import redact

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "JobFailedError",
    "JobTimeoutError",
    "NetworkError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StaleReplayError",
    "TutorFlowError",
    "error_for_status",
    "is_transient",
]


class TutorFlowError(Exception):
    """Base of every tutorflow_nb error."""

    status_code: int | None = None
    advice = ""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        key_prefix: str | None = None,
        method: str | None = None,
        url: str | None = None,
        body: Any = None,
    ) -> None:
        self.message = redact(message)
        if status_code is not None:
            self.status_code = status_code
        self.code, self.request_id, self.key_prefix = code, request_id, key_prefix
        self.method, self.url = method, redact(url) if url else url
        self.body = body
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"{self.method} {self.url}: " if self.method and self.url else ""
        status = f"{self.status_code} " if self.status_code else ""
        code = f"[{self.code}] " if self.code else ""
        tail = []
        if self.advice:
            tail.append(self.advice)
        if self.key_prefix:
            tail.append(f"key {self.key_prefix}…")
        if self.request_id:
            tail.append(f"request id {self.request_id}")
        return redact(f"{where}{status}{code}{self.message}" + (f" ({'; '.join(tail)})" if tail else ""))


class APIStatusError(TutorFlowError):
    """The API answered with an error status."""


class BadRequestError(APIStatusError):
    """400: the request names a bad field. Fix the field; retrying unchanged cannot help."""

    status_code = 400
    advice = "fix the named fields; do not retry unchanged"

    @property
    def fields(self) -> list[dict[str, str]]:
        return list((self.body or {}).get("fields", [])) if isinstance(self.body, dict) else []


class AuthenticationError(APIStatusError):
    """401: no key, an unknown or revoked key, an expired session or edit token."""

    status_code = 401
    advice = "check the key (or sign in again); rotate it with the admin session if it was revoked"


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (for example a key of the other surface)."""

    status_code = 403
    advice = "use a tf_content_ key on /v1/content/** and a tf_platform_ key on /v1/platform/**"


class NotFoundError(APIStatusError):
    """404: unknown, deleted, or another organization's."""

    status_code = 404
    advice = "discover ids through the API (GET /v1/content/classrooms) rather than copying them"


class ConflictError(APIStatusError):
    """409: usually an Idempotency-Key reused with a different body."""

    status_code = 409
    advice = (
        "an Idempotency-Key replays only the identical request; send a new key (bump the version) when the "
        "content changes"
    )


class PayloadTooLargeError(APIStatusError):
    """413: the body is too large."""

    status_code = 413
    advice = "split the payload into smaller requests"


class RateLimitError(APIStatusError):
    """429: the key's requests per minute are used up."""

    status_code = 429
    advice = "wait for Retry-After; tutorflow_nb paces requests to the key's limit and retries 429s itself"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(APIStatusError):
    """5xx: TutorFlow failed; safe to retry with the same Idempotency-Key."""

    advice = "retried with the same Idempotency-Key; if it persists, contact support with the request id"


class NetworkError(TutorFlowError):
    """No answer: the connection failed, dropped or timed out."""

    advice = "retried with the same Idempotency-Key, so a retry never creates a duplicate"


class JobFailedError(TutorFlowError):
    """A job ended ``failed``/``FAILED``; ``.job`` is its last state."""

    def __init__(self, message: str, *, job: Any = None, **kw: Any) -> None:
        self.job = job
        super().__init__(message, **kw)


class JobTimeoutError(TutorFlowError):
    """A job was still running when the wait's timeout ran out; it may still finish."""

    advice = "wait again with the same job id; the job keeps running on the server"

    def __init__(self, message: str, *, job: Any = None, **kw: Any) -> None:
        self.job = job
        super().__init__(message, **kw)


class StaleReplayError(TutorFlowError):
    """The Idempotency-Key you passed replays a create whose resource has been deleted since.

    The server remembers keys: the same key hands back the first answer, here a dead id.
    When the client derived the key itself it moves on to a successor key and creates a
    live resource; a key you chose is yours to change.
    """

    advice = "pass a new Idempotency-Key (or leave it out and let tutorflow_nb derive one)"


class ConfigurationError(TutorFlowError, ValueError):
    """A credential, URL or setting is missing or unusable; nothing was sent. The message names it and the fix."""


def is_transient(exc: BaseException) -> bool:
    """A failure that may pass if the same call (same Idempotency-Key) is made again later."""
    return isinstance(exc, (ServerError, RateLimitError, NetworkError))


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return BadRequestError if 400 <= status < 500 else APIStatusError
