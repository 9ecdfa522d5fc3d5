"""Secrets never show: every text that leaves the package is cut to what is safe to share.

What is a secret here: API keys (``tf_content_…``, ``tf_platform_…``), the admin session
cookie, edit tokens (in paths such as ``/courses/edit/{token}`` and in answers), webhook
signing secrets (``whsec_…``), bearer tokens. Each keeps a short prefix, the way the
runbook says to share a key (``keyPrefix``), and loses the rest:

    >>> redact("Authorization: Bearer tf_content_abcd1234" + "x" * 24)
    'Authorization: Bearer tf_content_abcd1234…'
    >>> redact("GET /v1/platform/courses/edit/9f3a2b7c1d0e5f6a7b8c9d0e1f2a3b4c")
    'GET /v1/platform/courses/edit/9f3a2b…'
    >>> redact("set-cookie: tutorflow_admin_session=0123456789abcdef; HttpOnly")
    'set-cookie: tutorflow_admin_session=012345…; HttpOnly'

:func:`install` puts the same redaction on every logger that sees the package's traffic:
its own, httpx's and httpcore's (which logs response headers, ``Set-Cookie`` included, at
DEBUG) and uvicorn's (the mock's and the webhook receiver's access logs hold paths).
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Callable

__all__ = ["PREFIXES", "PREFIX_CHARS", "RedactingFilter", "install", "key_prefix", "redact", "remember"]

PREFIXES: dict[str, str] = {"content": "tf_content_", "platform": "tf_platform_"}
PREFIX_CHARS = 8
"""Characters of a key shown after its surface prefix (``tf_content_ab12cd34``)."""
SHOWN = 6
"""Characters shown of a token, cookie or secret that has no documented prefix."""
TOKEN = r"[A-Za-z0-9_\-]"

_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(rf"(tf_(?:content|platform)_)([A-Za-z0-9]{{{PREFIX_CHARS}}}){TOKEN}+"), r"\1\2…"),
    (re.compile(rf"(whsec_){TOKEN}+"), r"\1…"),
    (re.compile(rf"(/courses/edit/)({TOKEN}{{{SHOWN}}}){TOKEN}{{4,}}"), r"\1\2…"),
    (
        re.compile(
            rf"""((?:editToken|edit_token|sessionCookie|session_token)['"]?\s*[:=]\s*['"]?)({TOKEN}{{{SHOWN}}}){TOKEN}{{4,}}"""
        ),
        r"\1\2…",
    ),
    (re.compile(rf"(tutorflow_admin_session=)([^;,\s'\"\\]{{{SHOWN}}})[^;,\s'\"\\]+"), r"\1\2…"),
    (re.compile(rf"(?i)(\bbearer\s+)((?!tf_)[^\s'\",]{{{SHOWN}}})[^\s'\",…]{{4,}}"), r"\1\2…"),
]
_COOKIE_HEADER = re.compile(r"(?i)((?:set-)?cookie['\"]?\s*[:,]\s*b?['\"]?)([^'\"\r\n]*)")
_COOKIE_VALUE = re.compile(rf"(=)([^;,\s'\"\\]{{{SHOWN}}})[^;,\s'\"\\]+")

_SEEN: set[str] = set()
_SEEN_LOCK = threading.Lock()


def key_prefix(key: str) -> str:
    """The part of a key that is safe to show: its surface prefix and 8 characters."""
    for prefix in PREFIXES.values():
        if key.startswith(prefix):
            return key[: len(prefix) + PREFIX_CHARS]
    return key[:4] + "…" if len(key) > 4 else "…"


def remember(secret: str | None) -> None:
    """Redact ``secret`` wherever it shows from now on, whatever its shape (a key, a cookie, a token)."""
    if secret and len(secret) >= 8:
        with _SEEN_LOCK:
            _SEEN.add(secret)


def _shown(secret: str) -> str:
    for prefix in PREFIXES.values():
        if secret.startswith(prefix):
            return key_prefix(secret) + "…"
    return secret[:SHOWN] + "…"


def redact(text: str) -> str:
    """``text`` with every secret this package knows the shape of (or has seen) cut to its prefix."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    text = _COOKIE_HEADER.sub(lambda m: m.group(1) + _COOKIE_VALUE.sub(r"\1\2…", m.group(2)), text)
    with _SEEN_LOCK:
        seen = list(_SEEN)
    for secret in seen:
        if secret in text:
            text = text.replace(secret, _shown(secret))
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message, its arguments and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit its format: keep both, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_text is None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


LOGGERS = (
    "tutorflow_nb",
    "tutorflow_nb.http",
    "tutorflow_nb.jobs",
    "tutorflow_nb.mock",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "asyncio",
)
"""Every logger that sees the package's traffic (a filter applies to its own logger's records only: each is named)."""
_FILTER = RedactingFilter()


def install() -> None:
    """Put the redaction on every logger in :data:`LOGGERS` (once; safe to call again)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
