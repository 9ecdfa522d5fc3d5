"""``connect()``: one call from a notebook to working clients, against TutorFlow or the mock.

>>> import tutorflow_nb as tf
>>> s = tf.connect()          # doctest: +SKIP
tutorflow_nb: TUTORFLOW_API_BASE_URL is not set, so this session uses the bundled mock at http://127.0.0.1:…
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .admin import cookies_from
from .config import Settings, check_base_url, check_url, classroom_from
from .errors import ConfigurationError
from .extras import require
from .keys import ApiKey, Surface
from .mock.clock import check_speed
from .sync_clients import AdminClient, ContentClient, PlatformClient

if TYPE_CHECKING:
    from .mock import MockControl, MockServer
    from .mock.control import MockWorld

__all__ = ["DEFAULT_MOCK_SPEED", "Session", "connect"]

DEFAULT_MOCK_SPEED = 10.0
"""The bundled mock's clock speed: a job takes about a second of wall time."""
_WORLDS = "the URL `tutorflow-nb worlds` prints, e.g. http://127.0.0.1:8790"
_NO_MOCK = (
    "TUTORFLOW_API_BASE_URL is not set, so connect() would start the bundled mock; set it (with "
    "TUTORFLOW_CONTENT_API_KEY and TUTORFLOW_PLATFORM_API_KEY) to talk to TutorFlow, or install the mock. "
)


class Session:
    """Sync clients for each surface (``.aio`` on each gives the async one) and, with the mock, the server.

    A surface with no credential raises :class:`~tutorflow_nb.errors.ConfigurationError`
    naming the variable to set, rather than being ``None``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        content: ContentClient | None = None,
        platform: PlatformClient | None = None,
        admin: AdminClient | None = None,
        classroom_id: str | None = None,
        organization_id: str | None = None,
        mock: MockServer | MockWorld | None = None,
        control: MockControl | None = None,
    ) -> None:
        self.base_url = base_url
        self._content, self._platform, self._admin = content, platform, admin
        self.classroom_id, self.organization_id = classroom_id, organization_id
        self.mock = mock
        """The bundled mock this session started, or the world it drew from ``TUTORFLOW_MOCK_WORLDS``; else ``None``."""
        self.control = control
        """The mock's control routes (faults, clock) when this session talks to a mock, else ``None``."""

    @property
    def content(self) -> ContentClient:
        """Content Integration (``/v1/content/**``) with the workspace key."""
        if self._content is None:
            raise ConfigurationError(
                "this session has no tf_content_ key: set TUTORFLOW_CONTENT_API_KEY or pass connect(content_key=...)"
            )
        return self._content

    @property
    def platform(self) -> PlatformClient:
        """The Agent Platform (``/v1/platform/**``) with the platform key."""
        if self._platform is None:
            raise ConfigurationError(
                "this session has no tf_platform_ key: set TUTORFLOW_PLATFORM_API_KEY or pass connect(platform_key=...)"
            )
        return self._platform

    @property
    def admin(self) -> AdminClient:
        """The admin session (organizations, keys, webhooks)."""
        if self._admin is None:
            raise ConfigurationError(
                "this session has no admin session: set TUTORFLOW_ADMIN_COOKIES to a curl cookie jar "
                "(tutorflow-admin.cookies) or pass connect(admin_cookies=...)"
            )
        return self._admin

    @property
    def surfaces(self) -> tuple[str, ...]:
        """The surfaces this session holds a credential for: ``content``, ``platform``, ``admin``."""
        held = (("content", self._content), ("platform", self._platform), ("admin", self._admin))
        return tuple(name for name, client in held if client is not None)

    def __repr__(self) -> str:
        parts = [self.base_url]
        if self._content is not None:
            parts.append(f"content={self._content.key_prefix}…")
        if self._platform is not None:
            parts.append(f"platform={self._platform.key_prefix}…")
        if self.classroom_id:
            parts.append(f"classroom={self.classroom_id}")
        if self.mock is not None:
            parts.append("mock")
        return f"<Session {' '.join(parts)}>"

    def close(self) -> None:
        """Close every client and stop the mock this session started."""
        for client in (self._content, self._platform, self._admin):
            if client is not None:
                client.close()
        if self.mock is not None:
            self.mock.stop()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scaled(speed: float) -> tuple[float, float]:
    return (2.0 / speed, 5.0 / speed)


def connect(
    base_url: str | None = None,
    *,
    content_key: str | None = None,
    platform_key: str | None = None,
    admin_cookies: str | Path | Mapping[str, str] | None = None,
    classroom_id: str | None = None,
    mock_speed: float | None = None,
    quiet: bool = False,
) -> Session:
    """Clients for TutorFlow, configured from the arguments or the documented environment variables.

    With no ``base_url`` and no ``TUTORFLOW_API_BASE_URL``, start the bundled mock on a free
    loopback port and provision credentials through the documented discovery sequence:
    sign in as admin, list organizations, create a ``tf_content_`` key, list classrooms.
    ``mock_speed`` is that mock's clock (``DEFAULT_MOCK_SPEED`` unless given). With
    ``TUTORFLOW_MOCK_WORLDS`` set to a :class:`~tutorflow_nb.mock.worlds.MockWorlds` service,
    the mock is a fresh world drawn from it (at the service's speed unless ``mock_speed`` is
    given) instead of one started inside this process.

    Raises:
        ValueError: a key, URL, file or speed given is not usable (the message names it and the fix).
        MissingExtraError: the mock is needed and not installed (the message names the ``pip install``).
    """
    if mock_speed is not None:
        try:
            mock_speed = check_speed(mock_speed, "mock_speed")
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
    env = Settings.from_env()
    url_source = "base_url" if base_url is not None else "TUTORFLOW_API_BASE_URL"
    base_url = base_url if base_url is not None else env.base_url
    if base_url is None:
        return _connect_mock(mock_speed, quiet)
    base_url = check_base_url(base_url, url_source)
    content = _key(content_key, "content_key", env.content_key, "TUTORFLOW_CONTENT_API_KEY", "content")
    platform = _key(platform_key, "platform_key", env.platform_key, "TUTORFLOW_PLATFORM_API_KEY", "platform")
    cookies = cookies_from(admin_cookies or None, base_url, "admin_cookies")
    room = classroom_from(classroom_id or None)
    session = Session(
        base_url,
        content=ContentClient(base_url, content, classroom_id=room) if content else None,
        platform=PlatformClient(base_url, platform) if platform else None,
        admin=AdminClient(base_url, cookies=cookies) if cookies else None,
        classroom_id=room,
    )
    if os.environ.get("TUTORFLOW_MOCK") == "1":  # set by `tutorflow-nb lab` for the mock it started
        from .mock.control import MockControl  # noqa: PLC0415 - lazy: only a session on the lab's mock needs it

        session.control = MockControl(session.base_url)
    if not quiet:
        have = session.surfaces
        print(
            f"tutorflow_nb: connected to {session.base_url} ({', '.join(have) or 'no credentials'})",
            file=sys.stderr if not have else sys.stdout,
        )
    return session


def _key(given: str | None, argument: str, from_env: str | None, variable: str, surface: Surface) -> ApiKey | None:
    """The key from the argument, else the variable, checked and named by where it came from."""
    if given is not None:
        return ApiKey(given, surface, source=argument)
    return ApiKey(from_env, surface, source=variable) if from_env is not None else None


def _connect_mock(speed: float | None, quiet: bool) -> Session:
    """A session on a mock of its own: drawn from ``TUTORFLOW_MOCK_WORLDS`` when set, else started in this process.

    A session that cannot come up gives back the mock it started or drew, and closes its clients.
    """
    worlds = os.environ.get("TUTORFLOW_MOCK_WORLDS", "")
    mock: MockServer | MockWorld
    if worlds.strip():  # blank is unset, as for every variable; anything else is checked as it is
        from .mock.control import MockWorld  # noqa: PLC0415 - lazy: only a session drawing a world needs it

        service = check_url(worlds, "TUTORFLOW_MOCK_WORLDS", what="a tutorflow-nb worlds service", example=_WORLDS)
        try:
            mock = MockWorld.draw(service, speed)
        except ConnectionError as exc:
            raise ConfigurationError(str(exc)) from None
        email, password, platform_key, speed = mock.admin_email, mock.admin_password, mock.platform_key, mock.speed
    else:
        require("mock", why=_NO_MOCK)
        from .mock import MockServer  # noqa: PLC0415 - lazy: FastAPI and uvicorn load only when the mock starts

        speed = DEFAULT_MOCK_SPEED if speed is None else speed
        mock = MockServer(speed=speed).start()
        demo = mock.demo
        assert demo is not None  # a MockServer provisions its demo organization unless told not to
        email, password, platform_key = demo.admin_email, demo.admin_password, demo.platform_key
    poll = _scaled(speed)
    opened: list[AdminClient | ContentClient | PlatformClient] = []
    try:
        admin = AdminClient(mock.base_url)
        opened.append(admin)
        admin.sign_in(email, password)
        org = admin.organizations()[0]
        key = admin.api_keys.create(org.id, "tutorflow-nb", rate_limit_per_minute=60)
        content = ContentClient(mock.base_url, key.key, poll_interval=poll)
        opened.append(content)
        classroom = content.classrooms()[0]
        content.use_classroom(classroom.id)
        platform = PlatformClient(mock.base_url, platform_key, poll_interval=poll)
    except BaseException:
        for client in opened:
            client.close()
        mock.stop()
        raise
    session = Session(
        mock.base_url,
        content=content,
        platform=platform,
        admin=admin,
        classroom_id=classroom.id,
        organization_id=org.id,
        mock=mock,
        control=mock.control,
    )
    if not quiet:
        print(  # noqa: T201 - connect() says in one line where it connected
            f"tutorflow_nb: TUTORFLOW_API_BASE_URL is not set, so this session uses the bundled mock at "
            f"{mock.base_url} (x{speed:g} clock; organization '{org.name}', content key {content.key_prefix}…, "
            f"classroom {classroom.id})"
        )
    return session
