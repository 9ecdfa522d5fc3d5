"""Dialects: where the documents are silent, the mock answers each plausible way on request.

A dialect is a set of names from ``assumptions.DIALECTS``, each answering one silent
area another way (rate-limit headers, ``Retry-After``, error bodies, lists, unknown
fields). ``Dialect.parse`` reads ``"nested-errors,bare-lists"`` (or a list) and refuses
unknown names and contradictory pairs. The HTTP layer (``app.py``, ``routes/deps.py``)
asks the request's dialect how to write headers, errors and lists; the state model
never sees one. Only TutorFlow routes (``/v1/**``) speak a dialect.

    >>> Dialect.parse("bare-lists, nested-errors").labels
    ['nested-errors', 'bare-lists']
    >>> Dialect.parse(None).labels
    ['default']
    >>> Dialect.parse("nested-errors,plain-errors")
    Traceback (most recent call last):
    ...
    ValueError: dialects 'nested-errors' and 'plain-errors' cannot be combined: both decide the error body
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .assumptions import CONFLICTS, DIALECTS
from .errors import FieldError
from .ratelimit import RateInfo, fmt_seconds

__all__ = ["DEFAULT", "Dialect", "ErrorAnswer"]

META = {"dialect": "extra-fields"}
"""The unknown object ``extra-fields`` adds to every JSON object (as ``_meta``)."""


@dataclass(frozen=True)
class ErrorAnswer:
    """An error answer as bytes: its media type and body (the status and headers are the caller's)."""

    media_type: str
    body: bytes


@dataclass(frozen=True)
class Dialect:
    """The dialects in force; empty means ``default``."""

    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, value: str | Iterable[str] | Dialect | None) -> Dialect:
        """``"a,b"``, ``["a", "b"]``, ``None`` or ``"default"``; ``ValueError`` names what is wrong."""
        if isinstance(value, Dialect):
            return value
        parts = [value] if value is None or isinstance(value, str) else list(value)
        names: list[str] = []
        for part in parts:
            if part is None:
                continue
            if not isinstance(part, str):
                raise ValueError(f"a dialect is a name, not {part!r}")
            names += [n.strip() for n in part.split(",") if n.strip()]
        unknown = [n for n in names if n not in DIALECTS]
        if unknown:
            raise ValueError(f"unknown dialect {unknown[0]!r}; known: {', '.join(DIALECTS)}")
        chosen = frozenset(names)
        if "default" in chosen and len(chosen) > 1:
            other = next(n for n in names if n != "default")
            raise ValueError(
                f"dialects 'default' and {other!r} cannot be combined: default means no variation; name {other!r} alone"
            )
        for pair, why in CONFLICTS.items():
            if pair <= chosen:
                a, b = sorted(pair, key=list(DIALECTS).index)
                raise ValueError(f"dialects {a!r} and {b!r} cannot be combined: {why}")
        return cls(chosen - {"default"})

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __str__(self) -> str:
        return ",".join(self.labels)

    @property
    def labels(self) -> list[str]:
        """The names in force, in ``DIALECTS`` order (``["default"]`` for none)."""
        return [n for n in DIALECTS if n in self.names] or ["default"]

    # ------------------------------------------------------------ headers

    def rate_headers(self, info: RateInfo) -> dict[str, str]:
        """The calling key's rate-limit headers (``assumptions.rate-limit-headers``)."""
        if "no-rate-headers" in self.names:
            return {}
        if "ietf-rate-headers" in self.names:
            return {
                "RateLimit-Limit": str(info.limit),
                "RateLimit-Remaining": str(info.remaining),
                "RateLimit-Reset": fmt_seconds(info.reset_wall),
                "RateLimit-Policy": f"{info.limit};w={fmt_seconds(info.window_wall)}",
            }
        return info.headers()

    def retry_after(self, seconds: float) -> dict[str, str]:
        """The ``Retry-After`` value for a 429 or 503 that asks the caller to wait ``seconds`` (wall)."""
        if "no-retry-after" in self.names:
            return {}
        if "retry-after-date" in self.names:
            now = time.time()
            at = math.ceil(max(now + seconds, now + 1.0))
            return {"Retry-After": email.utils.formatdate(at, usegmt=True)}
        return {"Retry-After": str(seconds)}  # as the mock always wrote it: "60", "0.01", "1.0"

    # ------------------------------------------------------------ bodies

    def error(
        self,
        *,
        status: int,
        error: str,
        code: str,
        message: str,
        fields: list[FieldError],
        request_id: str | None,
        extra: dict[str, Any],
    ) -> ErrorAnswer:
        """An error body (``assumptions.error-body``, or ``nested-errors`` / ``plain-errors``)."""
        one_line = "; ".join(f"{f.field}: {f.message}" for f in fields) if fields else message
        one_line = " ".join(one_line.split())
        if "plain-errors" in self.names:
            return ErrorAnswer("text/plain; charset=utf-8", f"{code}: {one_line}".encode())
        body: dict[str, Any]
        if "nested-errors" in self.names:
            inner: dict[str, Any] = {"status": status, "code": code, "message": one_line, "requestId": request_id}
            if status == 400 and fields:
                inner["details"] = [f.as_dict() for f in fields]
            body = {"error": inner}
        else:
            body = {"statusCode": status, "error": error, "message": message, "code": code, "requestId": request_id}
            body.update(extra)
            if fields:
                body["fields"] = [f.as_dict() for f in fields]
                body["message"] = [f"{f.field}: {f.message}" for f in fields]
        return ErrorAnswer("application/json", _dumps(body))  # extra-fields are added on the way out, as for all JSON

    def json(self, value: Any) -> bytes:
        """JSON as the mock writes it, with ``extra-fields``' objects added where it is in force."""
        return _dumps(decorate(value) if "extra-fields" in self.names else value)

    @property
    def rewrites_bodies(self) -> bool:
        """Whether JSON answers must be rewritten on their way out (``extra-fields``)."""
        return "extra-fields" in self.names

    def taken_back(self, body: bytes) -> bytes:
        """A JSON request body without the fields ``extra-fields`` added to the answers it was read from."""
        if "extra-fields" not in self.names:
            return body
        try:
            return _dumps(undecorate(json.loads(body)))
        except ValueError:
            return body

    @property
    def strips_paging(self) -> bool:
        """Whether ``limit`` and ``cursor`` are to be ignored (``bare-lists``)."""
        return "bare-lists" in self.names


DEFAULT = Dialect()


def _dumps(value: Any) -> bytes:
    """JSON as Starlette's ``JSONResponse`` writes it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def undecorate(value: Any) -> Any:
    """``value`` without the ``_meta`` and ``etag`` that :func:`decorate` adds."""
    if isinstance(value, list):
        return [undecorate(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        k: undecorate(v)
        for k, v in value.items()
        if not (k == "_meta" and v == META) and not (k == "etag" and isinstance(v, str) and _ETAG.match(v))
    }


_ETAG = re.compile(r'^W/"[0-9a-f]{16}"$')


def decorate(value: Any) -> Any:
    """``value`` with ``_meta`` and a weak ``etag`` added to every JSON object in it (``extra-fields``)."""
    if isinstance(value, list):
        return [decorate(v) for v in value]
    if not isinstance(value, dict):
        return value
    digest = hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode(), usedforsecurity=False)
    out = {k: decorate(v) for k, v in value.items()}
    out["_meta"] = dict(META)
    out["etag"] = f'W/"{digest.hexdigest()[:16]}"'
    return out
