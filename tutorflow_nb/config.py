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

__all__ = ["ENV_VARS", "Settings"]

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

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        return cls(
            get("TUTORFLOW_API_BASE_URL"),
            get("TUTORFLOW_CONTENT_API_KEY"),
            get("TUTORFLOW_PLATFORM_API_KEY"),
            get("TUTORFLOW_CLASSROOM_ID"),
            get("TUTORFLOW_ADMIN_COOKIES"),
        )
