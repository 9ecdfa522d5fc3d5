"""Fixtures: the mock over a real socket and in-process, and fresh organizations on it.

Every test that takes ``api`` runs twice: once against a ``MockServer`` on a loopback
port (``http``) and once through ``httpx.ASGITransport`` against the same application
code in-process (``asgi``). Each test seeds its own organization, so tests never see
each other's keys, jobs or resources.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tutorflow_nb.mock import MockServer, MockState, create_app

SPEED = 100.0
"""Mock seconds per wall second in the shared servers: a job finishes in about 0.1 s."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The test tiers: every notebook nbval runs is ``slow`` (a kernel per notebook), like the tests marked so.

    ``python -m pytest -m "not slow"`` is the fast tier; ``python -m pytest`` runs everything.
    """
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def live_server() -> Iterator[MockServer]:
    with MockServer(speed=SPEED, seed=1, provision=False) as server:
        yield server


@pytest.fixture(scope="session")
def asgi_app() -> Any:
    return create_app(MockState(seed=1, speed=SPEED))


@pytest.fixture(params=["http", "asgi"])
async def api(
    request: pytest.FixtureRequest, live_server: MockServer, asgi_app: Any
) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "http":
        client = httpx.AsyncClient(base_url=live_server.base_url, timeout=10)
        client.pump = _noop  # type: ignore[attr-defined]   # the live server's ticker delivers
    else:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app), base_url="http://mock.test", timeout=10)
        client.pump = asgi_app.state.pump  # type: ignore[attr-defined]
    async with client:
        yield client


async def _noop() -> int:
    return 0


@dataclass
class Org:
    """A seeded organization and ready-made headers for each way of calling."""

    id: str
    classroom_id: str
    content_key: str = field(repr=False)
    platform_key: str = field(repr=False)
    session: str = field(repr=False)
    content_prefix: str = ""

    @property
    def content(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.content_key}"}

    @property
    def platform(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.platform_key}"}

    @property
    def admin(self) -> dict[str, str]:
        """The admin session, as ``curl -b tutorflow-admin.cookies`` sends it."""
        return {"Cookie": f"tutorflow_admin_session={self.session}"}

    def room(self, path: str = "") -> str:
        return f"/v1/content/classrooms/{self.classroom_id}{path}"


async def seed_org(api: httpx.AsyncClient, **overrides: Any) -> Org:
    body = {"adminEmail": f"admin-{uuid.uuid4().hex[:10]}@test.example", "rateLimitPerMinute": 5000, **overrides}
    r = await api.post("/_mock/organizations", json=body)
    assert r.status_code == 201, r.text
    d = r.json()
    return Org(
        d["organizationId"],
        d["classroomId"],
        d["contentKey"],
        d["platformKey"],
        d["sessionCookie"],
        d["contentKeyPrefix"],
    )


@pytest.fixture
async def org(api: httpx.AsyncClient) -> Org:
    return await seed_org(api)


@pytest.fixture
async def other_org(api: httpx.AsyncClient) -> Org:
    return await seed_org(api, name="Other Organization")


def source_request(
    n_lessons: int = 1,
    *,
    outputs: tuple[str, ...] = ("interactive_module", "summary_video", "expanded_quiz"),
    level: str = "level-a1",
    floco: bool = False,
) -> dict[str, Any]:
    """An expansion body in the documents' shapes: the ``items`` form, or the ``floco`` ``terms`` form."""
    words = [("hello", "a greeting"), ("goodbye", "a farewell"), ("thanks", "gratitude"), ("please", "a request")]
    lessons = []
    for i in range(n_lessons):
        key = "terms" if floco else "items"
        entries = [
            {"term": t, "meaning": m, **({"example": f"{t.title()}, Min."} if floco else {})}
            for t, m in words[: 2 + i % 3]
        ]
        lessons.append(
            {
                "id": f"lesson-{i + 1}",
                "type": "term" if floco else "vocabulary",
                "title": f"Greetings {i + 1}",
                key: entries,
            }
        )
    body: dict[str, Any] = {
        "requestedOutputs": list(outputs),
        "payload": {
            "category": "Vocabulary" if floco else {"id": "language-basics", "title": "Language Basics"},
            "level": {"id": level, "title": "A1 Foundations", "lessons": lessons},
        },
    }
    if floco:
        body["sourceType"] = "floco"
    else:
        body["payload"]["language"] = "en"
    return body


async def _poll(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], finished: Any, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = await api.get(path, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        if finished(body):
            return body
        assert time.monotonic() < deadline, f"{path} still {body['status']}"
        await asyncio.sleep(0.02)


async def wait_job(api: httpx.AsyncClient, org: Org, job_id: str, timeout: float = 10.0) -> dict[str, Any]:
    return await _poll(
        api,
        f"/v1/content/integrations/expansions/{job_id}",
        org.content,
        lambda job: job["status"] in ("completed", "failed"),
        timeout,
    )


async def wait_course(api: httpx.AsyncClient, org: Org, request_id: str, timeout: float = 10.0) -> dict[str, Any]:
    return await _poll(api, f"/v1/platform/courses/{request_id}", org.platform, lambda c: c["isTerminal"], timeout)


@pytest.fixture(params=["http", "asgi"])
async def fresh_api(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a mock of its own (fresh state, faults and clock), over a socket or in-process."""
    state = MockState(seed=2, speed=SPEED)
    if request.param == "http":
        with MockServer(state=state, provision=False) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
                client.kind = "http"  # type: ignore[attr-defined]
                client.pump = _noop  # type: ignore[attr-defined]
                yield client
    else:
        app = create_app(state)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://mock.test", timeout=10
        ) as client:
            client.kind = "asgi"  # type: ignore[attr-defined]
            client.pump = app.state.pump  # type: ignore[attr-defined]
            yield client


def seed_org_sync(server: MockServer, **overrides: Any) -> Org:
    """A fresh organization on a running server, seeded through the control route."""
    body = {"adminEmail": f"admin-{uuid.uuid4().hex[:10]}@test.example", "rateLimitPerMinute": 5000, **overrides}
    r = httpx.post(server.url("/_mock/organizations"), json=body)
    assert r.status_code == 201, r.text
    d = r.json()
    return Org(
        d["organizationId"],
        d["classroomId"],
        d["contentKey"],
        d["platformKey"],
        d["sessionCookie"],
        d["contentKeyPrefix"],
    )


POLL = (2.0 / SPEED, 5.0 / SPEED)


@pytest.fixture
def tf_org(live_server: MockServer) -> Org:
    return seed_org_sync(live_server)


@pytest.fixture
def content(live_server: MockServer, tf_org: Org) -> Iterator[Any]:
    from tutorflow_nb import ContentClient

    with ContentClient(live_server.base_url, tf_org.content_key, poll_interval=POLL) as client:
        yield client


@pytest.fixture
def platform(live_server: MockServer, tf_org: Org) -> Iterator[Any]:
    from tutorflow_nb import PlatformClient

    with PlatformClient(live_server.base_url, tf_org.platform_key, poll_interval=POLL) as client:
        yield client


@pytest.fixture
def admin(live_server: MockServer, tf_org: Org) -> Iterator[Any]:
    from tutorflow_nb import AdminClient

    with AdminClient(live_server.base_url, cookies={"tutorflow_admin_session": tf_org.session}) as client:
        yield client


@pytest.fixture
def own_server() -> Iterator[MockServer]:
    """A mock of the test's own (its faults and clock touch nobody else), with a demo organization."""
    with MockServer(speed=SPEED, seed=5, rate_limit=5000) as server:
        yield server
