"""Classroom resources: create from a title alone, read, list, update, resource-specific delete."""

from __future__ import annotations

import httpx
import pytest
from conftest import Org

pytestmark = pytest.mark.anyio

KINDS = ["modules", "courses", "videos", "slides", "tests"]
DELETE = {
    "modules": (200, lambda rid: {"id": rid, "deleted": True}),
    "courses": (200, lambda rid: {"id": rid, "status": "archived"}),
    "videos": (202, lambda rid: {"id": rid, "deleted": True, "renderJobsCancelled": 0}),
    "slides": (204, None),
    "tests": (200, lambda rid: {"id": rid, "deleted": True, "attemptsDeleted": 0}),
}
RICH = {
    "modules": {"type": "flashcard", "content": "<p>hi</p>", "isPublic": False},
    "courses": {"language": "es", "level": "beginner", "moduleIds": []},  # a real module's id is added below
    "videos": {"scenes": [{"title": "Intro", "narration": "Hello", "durationSeconds": 5}]},
    "slides": {"slides": [{"title": "One", "body": "First"}]},
    "tests": {"questions": [{"prompt": "2+2?", "choices": ["3", "4"], "answerIndex": 1}], "passingScore": 50},
}


@pytest.mark.parametrize("kind", KINDS)
async def test_crud_lifecycle(api: httpx.AsyncClient, org: Org, kind: str) -> None:
    base = org.room(f"/{kind}")
    created = await api.post(
        base, json={"title": f"Smoke {kind}"}, headers={**org.content, "Idempotency-Key": f"{kind}:smoke-test:v1"}
    )
    assert created.status_code == 201, created.text
    resource = created.json()
    rid = resource["id"]
    assert resource["title"] == f"Smoke {kind}" and resource["classroomId"] == org.classroom_id
    assert resource["createdAt"] == resource["updatedAt"]

    got = await api.get(f"{base}/{rid}", headers=org.content)
    assert got.status_code == 200 and got.json() == resource
    assert rid in [r["id"] for r in (await api.get(base, headers=org.content)).json()["data"]]

    patched = await api.patch(f"{base}/{rid}", json={"title": f"Smoke {kind} updated"}, headers=org.content)
    assert patched.status_code == 200 and patched.json()["title"] == f"Smoke {kind} updated"
    assert (await api.get(f"{base}/{rid}", headers=org.content)).json()["title"] == f"Smoke {kind} updated"

    deleted = await api.delete(f"{base}/{rid}", headers=org.content)
    status, shape = DELETE[kind]
    assert deleted.status_code == status
    if shape is None:
        assert deleted.content == b""
    else:
        assert shape(rid).items() <= deleted.json().items()
    assert (await api.get(f"{base}/{rid}", headers=org.content)).status_code == 404
    assert (await api.delete(f"{base}/{rid}", headers=org.content)).status_code == 404
    assert rid not in [r["id"] for r in (await api.get(base, headers=org.content)).json()["data"]]


@pytest.mark.parametrize("kind", KINDS)
async def test_optional_fields_round_trip(api: httpx.AsyncClient, org: Org, kind: str) -> None:
    body = {"title": "Rich", "description": "d", "metadata": {"externalId": f"{kind}:rich"}, **RICH[kind]}
    if kind == "courses":
        module = (await api.post(org.room("/modules"), json={"title": "Part of a course"}, headers=org.content)).json()
        body["moduleIds"] = [module["id"]]
    created = (await api.post(org.room(f"/{kind}"), json=body, headers=org.content)).json()
    for field, value in body.items():
        assert created[field] == value, field


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": "ok", "colour": "red"}, "colour"),
        ({"title": "ok", "description": "d" * 2001}, "description"),
    ],
)
async def test_create_validation(api: httpx.AsyncClient, org: Org, kind: str, body: dict, field: str) -> None:
    r = await api.post(org.room(f"/{kind}"), json=body, headers=org.content)
    assert r.status_code == 400 and field in [f["field"] for f in r.json()["fields"]]


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_validation(api: httpx.AsyncClient, org: Org, kind: str) -> None:
    rid = (await api.post(org.room(f"/{kind}"), json={"title": "t"}, headers=org.content)).json()["id"]
    for body in ({}, {"title": None}, {"nope": 1}):
        r = await api.patch(org.room(f"/{kind}/{rid}"), json=body, headers=org.content)
        assert r.status_code == 400, body
    assert (await api.patch(org.room(f"/{kind}/missing"), json={"title": "x"}, headers=org.content)).status_code == 404


async def test_typed_fields_are_checked(api: httpx.AsyncClient, org: Org) -> None:
    cases = [
        ("modules", {"title": "t", "type": "podcast"}, "type"),
        ("courses", {"title": "t", "level": "expert"}, "level"),
        ("videos", {"title": "t", "scenes": [{"title": "s", "durationSeconds": 0}]}, "scenes[0].durationSeconds"),
        (
            "tests",
            {"title": "t", "questions": [{"prompt": "p", "choices": ["a", "b"], "answerIndex": 2}]},
            "questions[0]",
        ),
        ("tests", {"title": "t", "passingScore": 101}, "passingScore"),
        ("slides", {"title": "t", "slides": [{"body": "no title"}]}, "slides[0].title"),
    ]
    for kind, body, field in cases:
        r = await api.post(org.room(f"/{kind}"), json=body, headers=org.content)
        assert r.status_code == 400 and field in [f["field"] for f in r.json()["fields"]], (kind, r.text)


@pytest.mark.slow
async def test_resource_idempotency(api: httpx.AsyncClient, org: Org) -> None:
    headers = {**org.content, "Idempotency-Key": "module:ext-1:v1"}
    a = await api.post(org.room("/modules"), json={"title": "One"}, headers=headers)
    b = await api.post(org.room("/modules"), json={"title": "One"}, headers=headers)
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    c = await api.post(org.room("/modules"), json={"title": "Two"}, headers=headers)
    assert c.status_code == 409
    # the same key on another resource type is another operation
    d = await api.post(org.room("/tests"), json={"title": "One"}, headers=headers)
    assert d.status_code == 201


async def test_unknown_classroom_is_404(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post("/v1/content/classrooms/nope/modules", json={"title": "t"}, headers=org.content)
    assert r.status_code == 404 and r.json()["code"] == "classroom_not_found"


async def test_the_runbook_smoke_body_works_as_written(api: httpx.AsyncClient, org: Org) -> None:
    body = {
        "title": "Content API smoke test",
        "type": "markdown",
        "content": "<h2>Smoke test</h2><p>This module was created by the Content API.</p>",
        "metadata": {"externalId": "module:smoke-test"},
    }
    r = await api.post(
        org.room("/modules"), json=body, headers={**org.content, "Idempotency-Key": "module:smoke-test:v1"}
    )
    assert r.status_code == 201 and r.json()["metadata"] == {"externalId": "module:smoke-test"}


@pytest.mark.slow
async def test_course_module_ids_name_modules_of_the_classroom(
    api: httpx.AsyncClient, org: Org, other_org: Org
) -> None:
    async def module(owner: Org) -> str:
        r = await api.post(owner.room("/modules"), json={"title": "m"}, headers=owner.content)
        return str(r.json()["id"])

    mine, gone, theirs = await module(org), await module(org), await module(other_org)
    await api.delete(org.room(f"/modules/{gone}"), headers=org.content)
    test_id = (await api.post(org.room("/tests"), json={"title": "not a module"}, headers=org.content)).json()["id"]
    bad = [mine, "no-such-module", gone, theirs, test_id]
    r = await api.post(org.room("/courses"), json={"title": "c", "moduleIds": bad}, headers=org.content)
    assert r.status_code == 400, r.text
    assert [f["field"] for f in r.json()["fields"]] == [f"moduleIds[{i}]" for i in range(1, 5)]
    assert r.json()["code"] == "validation_error"
    course = await api.post(org.room("/courses"), json={"title": "c", "moduleIds": [mine]}, headers=org.content)
    assert course.status_code == 201 and course.json()["moduleIds"] == [mine]
    path = org.room(f"/courses/{course.json()['id']}")
    r = await api.patch(path, json={"moduleIds": [mine, theirs]}, headers=org.content)
    assert r.status_code == 400 and [f["field"] for f in r.json()["fields"]] == ["moduleIds[1]"]
    assert (await api.get(path, headers=org.content)).json()["moduleIds"] == [mine]  # nothing changed
    assert (await api.patch(path, json={"moduleIds": []}, headers=org.content)).json()["moduleIds"] == []
