"""Settings from the environment: the runbook's variables, nothing more.

``TUTORFLOW_API_BASE_URL``, ``TUTORFLOW_CONTENT_API_KEY``, ``TUTORFLOW_CLASSROOM_ID`` (the
runbook's minimal set) and ``TUTORFLOW_PLATFORM_API_KEY``; ``TUTORFLOW_ADMIN_COOKIES`` may
name a curl cookie jar for the admin session. No organization id: bearer-key calls never
need one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigurationError
from .redaction import redact

__all__ = ["ENV_VARS", "Settings", "check_base_url", "check_classroom_id", "check_url", "classroom_from"]

DEFAULT_PORTS = {"http": 80, "https": 443}
ENV_VARS = (
    "TUTORFLOW_API_BASE_URL",
    "TUTORFLOW_CONTENT_API_KEY",
    "TUTORFLOW_CLASSROOM_ID",
    "TUTORFLOW_PLATFORM_API_KEY",
    "TUTORFLOW_ADMIN_COOKIES",
)


@dataclass(frozen=True)
class Settings:
    base_url: str | None = None
    content_key: str | None = field(default=None, repr=False)
    platform_key: str | None = field(default=None, repr=False)
    classroom_id: str | None = None
    admin_cookies: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:  # unset or blank is unset; anything else is kept exactly, to be checked
            value = env.get(name, "")
            return value if value.strip() else None

        return cls(
            get("TUTORFLOW_API_BASE_URL"),
            get("TUTORFLOW_CONTENT_API_KEY"),
            get("TUTORFLOW_PLATFORM_API_KEY"),
            get("TUTORFLOW_CLASSROOM_ID"),
            get("TUTORFLOW_ADMIN_COOKIES"),
        )


def check_base_url(url: object, source: str = "base_url") -> str:
    """``url`` in its one spelling (:func:`check_url`), once it is an ``http://`` or ``https://`` URL a request
    can go to.

    Raises:
        ConfigurationError: naming ``source`` (the argument or variable it came from) and the fix.

        >>> check_base_url("HTTPS://API.TutorFlow.io:443/")
        'https://api.tutorflow.io'
    """
    return check_url(url, source, what="the API's base URL", example="e.g. https://api.tutorflow.io", api=True)


def check_url(url: object, source: str, *, what: str, example: str, api: bool = False) -> str:
    """``url`` in its one spelling, once it is an ``http(s)://`` URL of ``what`` (``api``: the API's root).

    The one spelling: scheme and host in lower case, the scheme's default port (80, 443) left out, no
    trailing slash. Two ways of typing one address are one address, so a manifest store (whose records
    belong to a base URL) never takes ``HTTP://Host`` for another server than ``http://host``. The path
    is kept as typed: it may be case-sensitive.

    The messages name ``source`` and show ``example``; a user or password in the URL is never shown.

        >>> check_url("http://127.0.0.1:8790/", "TUTORFLOW_MOCK_WORLDS", what="a worlds service", example="")
        'http://127.0.0.1:8790'
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"{source} must be {what} ({example}), got {url!r}")
    shown = _masked(url)
    if url != url.strip() or any(c.isspace() for c in url):
        raise ConfigurationError(f"{source} {shown!r} holds whitespace; remove it ({example})")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{source} must start with http:// or https:// and name a host ({example}), got {shown!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"{source} is a base URL: no query, fragment or credentials in it ({example}), got {shown!r}"
        )
    try:
        port = parts.port  # a port outside 0-65535 raises here
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigurationError(f"{source} {shown!r} has a port outside 1-65535")
    if api and "/v1/" in f"{parts.path}/":
        root = urlunsplit(parts._replace(path=f"{parts.path}/"[: f"{parts.path}/".find("/v1/")]))
        raise ConfigurationError(
            f"{source} is the API's root, without /v1 (every call adds its own /v1/… path): "
            f"use {_masked(root)!r}, not {shown!r}"
        )
    host = parts.hostname  # lower case, without an IPv6 address's brackets
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _masked(url: str) -> str:
    """``url`` as it may be shown: a password or user in it is cut, and any secret this package knows redacted."""
    scheme, at, rest = url.partition("://")
    if at and "@" in rest.split("/", 1)[0]:
        rest = "…@" + rest.split("@", 1)[1]
    return redact(f"{scheme}{at}{rest}")


def check_classroom_id(value: str, source: str = "classroom_id") -> str:
    """``value`` once it can be a classroom id: not empty, and no whitespace or invisible character in it
    (a pasted id often brings some).

    Raises:
        ConfigurationError: naming ``source`` and the fix.
    """
    listed = "the id GET /v1/content/classrooms lists"
    if not value:
        raise ConfigurationError(
            f"{source} is empty; set it to {listed}, or leave it out for the key's first classroom"
        )
    bad = next((c for c in value if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        parts = "".join(c if c.isprintable() and not c.isspace() else " " for c in value).split()
        hint = f", e.g. {parts[0]!r}" if len(parts) == 1 else ""
        what = "whitespace" if bad.isspace() else f"an invisible character (U+{ord(bad):04X})"
        raise ConfigurationError(f"{source} {value!r} holds {what}; set it to {listed}{hint}")
    return value


def classroom_from(given: str | None, source: str = "classroom_id") -> str | None:
    """The classroom a caller chose: ``given`` (checked as ``source``), else ``TUTORFLOW_CLASSROOM_ID``
    (checked as that variable), else ``None``.

    Raises:
        ConfigurationError: the one given is not a usable id; the error names where it came from.
    """
    if given is not None:
        return check_classroom_id(given, source)
    room = Settings.from_env().classroom_id
    return None if room is None else check_classroom_id(room, "TUTORFLOW_CLASSROOM_ID")
