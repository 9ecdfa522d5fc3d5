"""Idempotency as documented: every create × {header, body} × {sync, async} × {same body, other body}.

The Platform course document: "Reusing the same key returns the original response with
``idempotentReplay: true``". So a replay is the first answer's status and body as they
were then, even after the thing has changed (a course completed, a resource renamed or
deleted): Platform replays (courses, and modules too) set ``idempotentReplay: true``;
Content replays (expansions, exports, classroom resources) add no flag, since the
content documents name none. The same key with another body is a 409, and either way
nothing is created twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import Org, source_request, wait_course, wait_job

pytestmark = pytest.mark.anyio
KINDS = ("modules", "courses", "videos", "slides", "tests")


@dataclass
class Create:
    """One create route: how to send it with a key, what changes the thing afterwards, how to count them."""

    name: str
    path: Callable[[Org], str]
    body: Callable[[list[str]], dict[str, Any]]
    other: Callable[[list[str]], dict[str, Any]]
    credential: Callable[[Org], dict[str, str]]
    wheres: tuple[str, ...]
    status: int
    flag: bool
    change: Callable[[httpx.AsyncClient, Org, dict[str, Any]], Awaitable[None]]
    count: Callable[[httpx.AsyncClient, Org], Awaitable[int]]


async def _finish_job(api: httpx.AsyncClient, org: Org, first: dict[str, Any]) -> None:
    done = await wait_job(api, org, first["id"])
    assert done["status"] == "completed"


async def _count_jobs(api: httpx.AsyncClient, org: Org) -> int:
    return sum(j["organizationId"] == org.id for j in (await api.get("/_mock/jobs")).json()["data"])


async def _rename_lesson(api: httpx.AsyncClient, org: Org, first: dict[str, Any]) -> None:
    lesson = first["outputs"][0]["resourceId"]
    r = await api.patch(org.room(f"/modules/{lesson}"), json={"title": "Renamed since"}, headers=org.content)
    assert r.status_code == 200


def _rename(kind: str) -> Callable[[httpx.AsyncClient, Org, dict[str, Any]], Awaitable[None]]:
    async def change(api: httpx.AsyncClient, org: Org, first: dict[str, Any]) -> None:
        path = org.room(f"/{kind}/{first['id']}")
        assert (await api.patch(path, json={"title": "Renamed since"}, headers=org.content)).status_code == 200

    return change


def _count(kind: str) -> Callable[[httpx.AsyncClient, Org], Awaitable[int]]:
    async def count(api: httpx.AsyncClient, org: Org) -> int:
        return len((await api.get(org.room(f"/{kind}"), params={"limit": 100}, headers=org.content)).json()["data"])

    return count


async def _edit_course(api: httpx.AsyncClient, org: Org, first: dict[str, Any]) -> None:
    done = await wait_course(api, org, first["id"])
    assert done["status"] == "COMPLETED"
    token = (await api.post(f"/v1/platform/courses/{first['id']}/edit-token", headers=org.platform)).json()
    r = await api.patch(f"/v1/platform/courses/edit/{token['editToken']}", json={"title": "Renamed since"})
    assert r.status_code == 200


async def _count_courses(api: httpx.AsyncClient, org: Org) -> int:
    return len((await api.get("/v1/platform/courses", params={"limit": 100}, headers=org.platform)).json()["data"])


async def _rename_module(api: httpx.AsyncClient, org: Org, first: dict[str, Any]) -> None:
    r = await api.patch(f"/v1/platform/modules/{first['id']}", json={"title": "Renamed since"}, headers=org.platform)
    assert r.status_code == 200


async def _count_modules(api: httpx.AsyncClient, org: Org) -> int:
    return len((await api.get("/v1/platform/modules", params={"limit": 100}, headers=org.platform)).json()["data"])


CREATES = [
    Create(
        "expansion",
        lambda org: "/v1/content/integrations/expansions",
        lambda lessons: source_request(),
        lambda lessons: source_request(2),
        lambda org: org.content,
        ("header",),
        202,
        False,
        _finish_job,
        _count_jobs,
    ),
    Create(
        "export",
        lambda org: org.room("/integrations/exports"),
        lambda lessons: {"lessonId": lessons[0]},
        lambda lessons: {"lessonId": lessons[1]},
        lambda org: org.content,
        ("header", "body"),
        201,
        False,
        _rename_lesson,
        _count_jobs,
    ),
    *[
        Create(
            f"classroom {kind}",
            lambda org, kind=kind: org.room(f"/{kind}"),
            lambda lessons: {"title": "First", "description": "d"},
            lambda lessons: {"title": "Another"},
            lambda org: org.content,
            ("header",),
            201,
            False,
            _rename(kind),
            _count(kind),
        )
        for kind in KINDS
    ],
    Create(
        "platform course, sync",
        lambda org: "/v1/platform/courses",
        lambda lessons: {"prompt": "Volcanoes", "lessonCount": 3},
        lambda lessons: {"prompt": "Volcanoes", "lessonCount": 4},
        lambda org: org.platform,
        ("header", "body"),
        201,
        True,
        _edit_course,
        _count_courses,
    ),
    Create(
        "platform course, async",
        lambda org: "/v1/platform/courses",
        lambda lessons: {"prompt": "Glaciers", "lessonCount": 3, "mode": "async"},
        lambda lessons: {"prompt": "Glaciers", "lessonCount": 3, "mode": "sync"},
        lambda org: org.platform,
        ("header", "body"),
        202,
        True,
        _edit_course,
        _count_courses,
    ),
    Create(
        "platform module",
        lambda org: "/v1/platform/modules",
        lambda lessons: {"prompt": "Tides"},
        lambda lessons: {"topic": "Tides"},
        lambda org: org.platform,
        ("header", "body"),
        201,
        True,
        _rename_module,
        _count_modules,
    ),
]
CASES = [(c, where) for c in CREATES for where in c.wheres]


@pytest.fixture
async def lessons(api: httpx.AsyncClient, org: Org) -> list[str]:
    """The ids of the organization's lessons authored in the UI (what exports take)."""
    return [m["id"] for m in (await api.get(org.room("/modules"), headers=org.content)).json()["data"]]


def _send(create: Create, org: Org, where: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = dict(create.credential(org))
    if where == "header":
        headers["Idempotency-Key"] = key
        return {"json": body, "headers": headers}
    return {"json": {**body, "idempotencyKey": key}, "headers": headers}


@pytest.mark.parametrize(("create", "where"), CASES, ids=[f"{c.name} [{w}]" for c, w in CASES])
async def test_same_body_replays_the_original_response(
    api: httpx.AsyncClient, org: Org, lessons: list[str], create: Create, where: str
) -> None:
    key = f"idem:{create.name}:{where}:v1"
    before = await create.count(api, org)
    first = await api.post(create.path(org), **_send(create, org, where, key, create.body(lessons)))
    assert first.status_code == create.status, first.text
    original = first.json()
    await create.change(api, org, original)  # the thing moves on: completed, renamed
    again = await api.post(create.path(org), **_send(create, org, where, key, create.body(lessons)))
    assert again.status_code == create.status  # the original status, not today's
    if create.flag:
        assert original.get("idempotentReplay") in (False, None) and again.json()["idempotentReplay"] is True
        assert {k: v for k, v in again.json().items() if k != "idempotentReplay"} == {
            k: v for k, v in original.items() if k != "idempotentReplay"
        }
        if "idempotentReplay" not in original:  # modules: the field comes with the replay only
            assert set(again.json()) == {*original, "idempotentReplay"}
    else:
        assert again.json() == original  # byte for byte the first answer; no replay flag
    assert await create.count(api, org) == before + 1


@pytest.mark.parametrize(("create", "where"), CASES, ids=[f"{c.name} [{w}]" for c, w in CASES])
async def test_another_body_with_the_same_key_is_409(
    api: httpx.AsyncClient, org: Org, lessons: list[str], create: Create, where: str
) -> None:
    key = f"idem:{create.name}:{where}:v2"
    before = await create.count(api, org)
    first = await api.post(create.path(org), **_send(create, org, where, key, create.body(lessons)))
    assert first.status_code == create.status, first.text
    other = await api.post(create.path(org), **_send(create, org, where, key, create.other(lessons)))
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_key_reused" and "new key" in other.json()["message"]
    assert await create.count(api, org) == before + 1


async def test_the_original_answer_survives_a_delete(api: httpx.AsyncClient, org: Org) -> None:
    headers = {**org.content, "Idempotency-Key": "module:gone:v1"}
    first = await api.post(org.room("/modules"), json={"title": "Short-lived"}, headers=headers)
    assert (await api.delete(org.room(f"/modules/{first.json()['id']}"), headers=org.content)).status_code == 200
    again = await api.post(org.room("/modules"), json={"title": "Short-lived"}, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()


async def test_a_key_in_the_body_and_the_header_is_one_key(api: httpx.AsyncClient, org: Org) -> None:
    body = {"prompt": "Deserts", "lessonCount": 2}
    first = await api.post(
        "/v1/platform/courses", json={**body, "idempotencyKey": "course:deserts:v1"}, headers=org.platform
    )
    again = await api.post(
        "/v1/platform/courses", json=body, headers={**org.platform, "Idempotency-Key": "course:deserts:v1"}
    )
    assert again.json()["id"] == first.json()["id"] and again.json()["idempotentReplay"] is True
    both = await api.post(
        "/v1/platform/modules",
        json={"prompt": "p", "idempotencyKey": "a"},
        headers={**org.platform, "Idempotency-Key": "b"},
    )
    assert both.status_code == 400 and both.json()["fields"][0]["field"] == "idempotencyKey"


async def test_refusals_are_not_remembered(api: httpx.AsyncClient, org: Org) -> None:
    headers = {**org.platform, "Idempotency-Key": "course:retry-after-400:v1"}
    assert (await api.post("/v1/platform/courses", json={"prompt": " "}, headers=headers)).status_code == 400
    ok = await api.post("/v1/platform/courses", json={"prompt": "Fixed"}, headers=headers)
    assert ok.status_code == 201 and ok.json()["idempotentReplay"] is False
