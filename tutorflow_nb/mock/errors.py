"""Domain errors raised by the mock's state model.

The state model knows nothing of HTTP; each error still carries the status the routes
answer with, because the status *is* part of the documented behaviour.

    MockError
     ├── BadRequest           400  a field is missing, malformed or out of bounds
     ├── Unauthorized         401  no key, an unknown or revoked key, no admin session
     ├── Forbidden            403  the other surface's key, or not a member
     ├── NotFound             404  unknown, deleted, or another organization's
     ├── Conflict             409  idempotency key reused with a different body
     ├── PayloadTooLarge      413
     ├── RateLimited          429  carries retry_after (wall seconds)
     └── ServiceUnavailable   503  injected fault; carries retry_after (wall seconds)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BadRequest",
    "Conflict",
    "FieldError",
    "Forbidden",
    "MockError",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthorized",
]


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class MockError(Exception):
    status_code = 500
    error = "Internal Server Error"
    code = "internal_error"

    def __init__(
        self, message: str, *, code: str | None = None, fields: list[FieldError] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or []
        self.extra = extra


class BadRequest(MockError):
    status_code, error, code = 400, "Bad Request", "validation_error"


class Unauthorized(MockError):
    status_code, error, code = 401, "Unauthorized", "unauthorized"


class Forbidden(MockError):
    status_code, error, code = 403, "Forbidden", "forbidden"


class NotFound(MockError):
    status_code, error, code = 404, "Not Found", "not_found"


class Conflict(MockError):
    status_code, error, code = 409, "Conflict", "conflict"


class PayloadTooLarge(MockError):
    status_code, error, code = 413, "Payload Too Large", "payload_too_large"


class RateLimited(MockError):
    status_code, error, code = 429, "Too Many Requests", "rate_limited"

    def __init__(self, message: str, *, retry_after: float, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServiceUnavailable(MockError):
    status_code, error, code = 503, "Service Unavailable", "service_unavailable"

    def __init__(self, message: str, *, retry_after: float, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after
