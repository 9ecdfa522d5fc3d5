"""API keys that never show themselves: a key prints as its prefix, everywhere.

    >>> key = ApiKey("tf_content_abcd1234" + "x" * 24)
    >>> key
    ApiKey('tf_content_abcd1234…')
    >>> key.surface
    'content'

Only the HTTP layer calls :meth:`ApiKey.reveal`, to build the ``Authorization`` header.
:func:`redact` scrubs any full key out of text before it reaches a log, an exception or
an output.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Literal

__all__ = ["PREFIXES", "ApiKey", "RedactingFilter", "key_prefix", "redact"]

Surface = Literal["content", "platform"]
PREFIXES: dict[str, str] = {"content": "tf_content_", "platform": "tf_platform_"}
PREFIX_CHARS = 8
_KEY_RE = re.compile(rf"(tf_(?:content|platform)_)([A-Za-z0-9]{{{PREFIX_CHARS}}})[A-Za-z0-9_\-]+")
_SEEN: set[str] = set()
_SEEN_LOCK = threading.Lock()


def key_prefix(key: str) -> str:
    """The part of a key that is safe to show: its surface prefix and 8 characters."""
    for prefix in PREFIXES.values():
        if key.startswith(prefix):
            return key[: len(prefix) + PREFIX_CHARS]
    return key[:4] + "…" if len(key) > 4 else "…"


def redact(text: str) -> str:
    """``text`` with every TutorFlow key (and every key this process has used) cut to its prefix."""
    text = _KEY_RE.sub(lambda m: m.group(1) + m.group(2) + "…", text)
    with _SEEN_LOCK:
        seen = list(_SEEN)
    for secret in seen:
        if secret in text:
            text = text.replace(secret, key_prefix(secret) + "…")
    return text


class ApiKey:
    """A TutorFlow API key. ``str()``, ``repr()`` and f-strings show the prefix only."""

    __slots__ = ("_secret", "prefix", "surface")

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """On the wire a key is a string (in a create or rotate answer, and nowhere else)."""
        return {"type": "string", "pattern": "^tf_(content|platform)_"}

    def __init__(self, secret: str, surface: Surface | None = None) -> None:
        secret = secret.strip() if isinstance(secret, str) else secret
        if not isinstance(secret, str) or not secret:
            raise ValueError("an API key must be a non-empty string")
        found = next((s for s, p in PREFIXES.items() if secret.startswith(p)), None)
        if surface is not None and found != surface:
            other = "platform" if surface == "content" else "content"
            hint = (
                f"this is a {PREFIXES[other]} key: the {other} surface's; the surfaces never mix"
                if found == other
                else f"TutorFlow {surface} keys start with {PREFIXES[surface]}"
            )
            raise ValueError(
                f"expected a {PREFIXES[surface]} key for /v1/{surface}/**, got {key_prefix(secret)}…: {hint}"
            )
        self._secret = secret
        self.surface: Surface | None = found  # type: ignore[assignment]
        self.prefix = key_prefix(secret)
        with _SEEN_LOCK:
            _SEEN.add(secret)

    def reveal(self) -> str:
        """The full key, for the Authorization header only."""
        return self._secret

    def __repr__(self) -> str:
        return f"ApiKey('{self.prefix}…')"

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)

    def __reduce__(self) -> None:  # type: ignore[override]
        raise TypeError("ApiKey cannot be pickled: it would write the full key")


class RedactingFilter(logging.Filter):
    """A logging filter that redacts keys in messages and their arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True
