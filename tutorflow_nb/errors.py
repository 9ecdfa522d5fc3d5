"""One exception hierarchy for everything the TutorFlow API or the network can answer::

    TutorFlowError                 .status_code, .message, .code, .request_id, .key_prefix,
     │                             .method, .url, .request, .response, .retryable, .retries
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
     ├── StoreError                the manifest store could not be read or written; .path, .result
     └── ConfigurationError        a credential, URL or setting is missing or unusable (also a ValueError)

Every message says what to do next, and never holds a full key. What may be sent again is
one rule, :func:`may_retry`: the HTTP layer retries by it, a batch sets an item back by it
(:func:`is_transient`), and a message says a call was retried only when it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from .redaction import redact

if TYPE_CHECKING:
    import httpx

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
    "StoreError",
    "TutorFlowError",
    "error_for_status",
    "is_transient",
    "may_retry",
]

TRANSIENT_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
"""Answers that may pass when the same request is sent again later: too many requests, and a server or
gateway failing or overloaded. Every other status (400, 401, 403, 404, 409, 413, 501, ...) answers the same
however often it is asked."""
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
"""Methods whose repeat does no more than the first call (PATCH included: every PATCH here sets fields)."""


def may_retry(method: str, *, keyed: bool, status: int | None, sent: bool = True) -> bool:
    """Whether a request may be sent again after it failed: the one rule for retries, set-backs and messages.

    It may when the failure can pass (a status in :data:`TRANSIENT_STATUSES`, or no answer at
    all) and sending again cannot do the work twice: the method is idempotent, the request
    carries an Idempotency-Key (the server replays it), the answer was 429 (nothing was done),
    or the connection never opened (nothing was sent).

        >>> may_retry("POST", keyed=True, status=503), may_retry("POST", keyed=False, status=503)
        (True, False)
        >>> may_retry("GET", keyed=False, status=501), may_retry("POST", keyed=False, status=None, sent=False)
        (False, True)
    """
    if status is not None and status not in TRANSIENT_STATUSES:
        return False
    if status == 429 or not sent:
        return True
    return keyed or method.upper() in IDEMPOTENT_METHODS


class TutorFlowError(Exception):
    """Base of every tutorflow_nb error."""

    status_code: int | None = None

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
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
        retryable: bool | None = None,
        retries: int = 0,
        keyed: bool = False,
    ) -> None:
        self.message = redact(message)
        if status_code is not None:
            self.status_code = status_code
        self.code, self.request_id, self.key_prefix = code, request_id, key_prefix
        self.method, self.url = method, redact(url) if url else url
        self.body = body
        self.request = request
        """The request this error answers (``httpx.Request``), its credentials shown by prefix only; no body."""
        self.response = response
        """The ``httpx.Response`` when an answer came (its ``.request`` is :attr:`request`)."""
        self.retries = retries
        """How many times the client sent the request again before giving up (0: it was sent once)."""
        self.keyed = keyed
        """Whether the request carried an Idempotency-Key."""
        self.retryable = self._default_retryable() if retryable is None else retryable
        """Whether the same request may be sent again later (:func:`may_retry`)."""
        super().__init__(self.__str__())

    def _default_retryable(self) -> bool:
        """For an error made without an answer's context: as :func:`may_retry` rules for a safe request."""
        return False

    @property
    def advice(self) -> str:
        """What to do next, as the message ends with it."""
        return type(self).ADVICE

    ADVICE = ""

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

    def _default_retryable(self) -> bool:
        return self.status_code is not None and may_retry("GET", keyed=True, status=self.status_code)


def _retried(error: TutorFlowError, then: str) -> str:
    """What was done about a failure that may pass, as its message says it: only what really happened."""
    key = " with the same Idempotency-Key" if error.keyed else ""
    if error.retries:
        times = "once" if error.retries == 1 else f"{error.retries} times"
        return f"sent again {times}{key}; {then}"
    if error.retryable:
        return f"safe to send again{key} (nothing is done twice); {then}"
    if error.method and error.method.upper() not in IDEMPOTENT_METHODS and not error.keyed:
        return (
            "not sent again: it carried no Idempotency-Key, so the server may have done it; check before sending "
            "it again, or send it with an Idempotency-Key"
        )
    return then


class BadRequestError(APIStatusError):
    """400: the request names a bad field. Fix the field; retrying unchanged cannot help."""

    status_code = 400
    ADVICE = "fix the named fields; do not retry unchanged"

    @property
    def fields(self) -> list[dict[str, str]]:
        return list((self.body or {}).get("fields", [])) if isinstance(self.body, dict) else []


class AuthenticationError(APIStatusError):
    """401: no key, an unknown or revoked key, an expired session or edit token."""

    status_code = 401
    ADVICE = "check the key (or sign in again); rotate it with the admin session if it was revoked"


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (for example a key of the other surface)."""

    status_code = 403
    ADVICE = "use a tf_content_ key on /v1/content/** and a tf_platform_ key on /v1/platform/**"


class NotFoundError(APIStatusError):
    """404: unknown, deleted, or another organization's."""

    status_code = 404
    ADVICE = "discover ids through the API (GET /v1/content/classrooms) rather than copying them"


class ConflictError(APIStatusError):
    """409: usually an Idempotency-Key reused with a different body."""

    status_code = 409
    ADVICE = (
        "an Idempotency-Key replays only the identical request; send a new key (bump the version) when the "
        "content changes"
    )


class PayloadTooLargeError(APIStatusError):
    """413: the body is too large."""

    status_code = 413
    ADVICE = "split the payload into smaller requests"


class RateLimitError(APIStatusError):
    """429: the key's requests per minute are used up."""

    status_code = 429

    @property
    def advice(self) -> str:
        return _retried(self, "wait for Retry-After; tutorflow_nb paces requests to the key's limit")

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(APIStatusError):
    """5xx: TutorFlow failed. 500, 502, 503 and 504 may pass (``retryable`` says whether sending again is safe)."""

    @property
    def advice(self) -> str:
        if self.status_code is not None and self.status_code not in TRANSIENT_STATUSES:
            return (
                "the server cannot do this request; sending it again cannot help (contact support with the request id)"
            )
        return _retried(self, "if it persists, contact support with the request id")


class NetworkError(TutorFlowError):
    """No answer: the connection failed, dropped or timed out."""

    def _default_retryable(self) -> bool:
        return True

    @property
    def advice(self) -> str:
        return _retried(self, "check the network and the base URL, then try again")


class JobFailedError(TutorFlowError):
    """A job ended ``failed``/``FAILED``; ``.job`` is its last state."""

    def __init__(self, message: str, *, job: Any = None, **kw: Any) -> None:
        self.job = job
        super().__init__(message, **kw)


class JobTimeoutError(TutorFlowError):
    """A job was still running when the wait's timeout ran out; it may still finish."""

    ADVICE = "wait again with the same job id; the job keeps running on the server"

    def __init__(self, message: str, *, job: Any = None, **kw: Any) -> None:
        self.job = job
        super().__init__(message, **kw)


class StaleReplayError(TutorFlowError):
    """The Idempotency-Key you passed replays a create whose resource has been deleted since.

    The server remembers keys: the same key hands back the first answer, here a dead id.
    When the client derived the key itself it moves on to a successor key and creates a
    live resource; a key you chose is yours to change.
    """

    ADVICE = "pass a new Idempotency-Key (or leave it out and let tutorflow_nb derive one)"


class StoreError(TutorFlowError):
    """The manifest store could not be read or written (locked past its timeout, a full disk, a read-only file).

    The message names the file and the cause. A batch it stopped sent nothing more, and
    ``.result`` holds the ``BatchResult`` so far; running the same batch again resumes.
    """

    def __init__(self, message: str, *, path: str | None = None, **kw: Any) -> None:
        self.path = path
        self.result: Any = None
        """The batch this error stopped, as far as it got (a ``BatchResult``), when a batch was writing."""
        super().__init__(message, **kw)


class ConfigurationError(TutorFlowError, ValueError):
    """A credential, URL or setting is missing or unusable; nothing was sent. The message names it and the fix."""


def is_transient(exc: BaseException) -> bool:
    """A failure that may pass when the same call (the same Idempotency-Key) is made again later (:func:`may_retry`)."""
    return isinstance(exc, TutorFlowError) and exc.retryable


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
