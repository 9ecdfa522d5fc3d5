"""``connect()``: one call from a notebook to working clients, against TutorFlow or the mock.

>>> import tutorflow_nb as tf
>>> s = tf.connect()          # doctest: +SKIP
tutorflow_nb: TUTORFLOW_API_BASE_URL is not set, so this session uses the bundled mock at http://127.0.0.1:…
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings

__all__ = ["DEFAULT_MOCK_SPEED", "Session", "connect"]

DEFAULT_MOCK_SPEED = 10.0
"""The bundled mock's clock speed: a job takes about a second of wall time."""


@dataclass
class Session:
    """Sync clients for each surface (``.aio`` on each gives the async one) and, with the mock, the server."""

    base_url: str
    content: Any = None
    platform: Any = None
    admin: Any = None
    classroom_id: str | None = None
    organization_id: str | None = None
    mock: Any = field(default=None, repr=False)
    control: Any = field(default=None, repr=False)
    """The mock's control routes (faults, clock) when this session talks to a mock, else ``None``."""

    def __repr__(self) -> str:
        parts = [self.base_url]
        if self.content is not None:
            parts.append(f"content={self.content.key_prefix}…")
        if self.platform is not None:
            parts.append(f"platform={self.platform.key_prefix}…")
        if self.classroom_id:
            parts.append(f"classroom={self.classroom_id}")
        if self.mock is not None:
            parts.append("mock")
        return f"<Session {' '.join(parts)}>"

    def close(self) -> None:
        for client in (self.content, self.platform, self.admin):
            if client is not None:
                client.close()
        if self.mock is not None:
            self.mock.stop()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _scaled(speed: float) -> tuple[float, float]:
    return (2.0 / speed, 5.0 / speed)


def connect(
    base_url: str | None = None,
    *,
    content_key: str | None = None,
    platform_key: str | None = None,
    admin_cookies: str | Path | None = None,
    classroom_id: str | None = None,
    mock_speed: float = DEFAULT_MOCK_SPEED,
    quiet: bool = False,
) -> Session:
    """Clients for TutorFlow, configured from the arguments or the documented environment variables.

    With no ``base_url`` and no ``TUTORFLOW_API_BASE_URL``, start the bundled mock on a free
    loopback port and provision credentials through the documented discovery sequence:
    sign in as admin, list organizations, create a ``tf_content_`` key, list classrooms.
    """
    from . import AdminClient, ContentClient, PlatformClient

    env = Settings.from_env()
    base_url = base_url or env.base_url
    if base_url is None:
        return _connect_mock(mock_speed, quiet)
    content_key = content_key or env.content_key
    platform_key = platform_key or env.platform_key
    cookies = admin_cookies or env.admin_cookies
    session = Session(base_url.rstrip("/"), classroom_id=classroom_id or env.classroom_id)
    if content_key:
        session.content = ContentClient(base_url, content_key, classroom_id=session.classroom_id)
    if platform_key:
        session.platform = PlatformClient(base_url, platform_key)
    if cookies:
        session.admin = AdminClient(base_url, cookies=cookies)
    if os.environ.get("TUTORFLOW_MOCK") == "1":  # set by `tutorflow-nb lab` for the mock it started
        from .mock.control import MockControl

        session.control = MockControl(session.base_url)
    if not quiet:
        have = [name for name in ("content", "platform", "admin") if getattr(session, name) is not None]
        print(
            f"tutorflow_nb: connected to {session.base_url} ({', '.join(have) or 'no credentials'})",
            file=sys.stderr if not have else sys.stdout,
        )
    return session


def _connect_mock(speed: float, quiet: bool) -> Session:
    from . import AdminClient, ContentClient, PlatformClient
    from .mock import MockServer

    server = MockServer(speed=speed).start()
    demo = server.demo
    assert demo is not None
    poll = _scaled(speed)
    admin = AdminClient(server.base_url)
    admin.sign_in(demo.admin_email, demo.admin_password)
    org = admin.organizations()[0]
    key = admin.api_keys.create(org.id, "tutorflow-nb", rate_limit_per_minute=60)
    content = ContentClient(server.base_url, key.key, poll_interval=poll)
    classroom = content.classrooms()[0]
    content.aio._classroom_id = classroom.id
    platform = PlatformClient(server.base_url, demo.platform_key, poll_interval=poll)
    session = Session(server.base_url, content, platform, admin, classroom.id, org.id, server, server.control)
    if not quiet:
        print(
            f"tutorflow_nb: TUTORFLOW_API_BASE_URL is not set, so this session uses the bundled mock at "
            f"{server.base_url} (x{speed:g} clock; organization '{org.name}', content key {content.key_prefix}…, "
            f"classroom {classroom.id})"
        )
    return session
