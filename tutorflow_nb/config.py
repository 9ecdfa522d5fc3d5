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
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .redaction import redact

__all__ = ["ENV_VARS", "Settings", "check_base_url", "check_classroom_id"]

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
    """``url`` without a trailing slash, once it is an ``http://`` or ``https://`` URL a request can go to.

    Raises:
        ConfigurationError: naming ``source`` (the argument or variable it came from) and the fix.

        >>> check_base_url("https://api.tutorflow.io/")
        'https://api.tutorflow.io'
    """
    example = "e.g. https://api.tutorflow.io"
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"{source} must be the API's base URL ({example}), got {url!r}")
    shown = redact(url)
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
        parts.port  # noqa: B018 - a port outside 0-65535 raises here
    except ValueError:
        raise ConfigurationError(f"{source} {shown!r} has a port outside 1-65535") from None
    if "/v1/" in f"{parts.path}/":
        root = url[: url.find("/v1/" if "/v1/" in url else "/v1")]
        raise ConfigurationError(
            f"{source} is the API's root, without /v1 (every call adds its own /v1/… path): "
            f"use {redact(root)!r}, not {shown!r}"
        )
    return url.rstrip("/")


def check_classroom_id(value: str, source: str = "classroom_id") -> str:
    """``value`` once it can be a classroom id: no surrounding or inner whitespace (a pasted id often has some).

    Raises:
        ConfigurationError: naming ``source`` and the fix.
    """
    if not value.strip() or any(c.isspace() for c in value):
        raise ConfigurationError(
            f"{source} {value!r} holds whitespace; set it to the id GET /v1/content/classrooms lists, "
            f"e.g. {value.strip().split()[0] if value.strip() else '00000000-0000-4000-8000-000000000010'!r}"
        )
    return value
