"""Authentication, surface separation, organization isolation and rate limits."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from conftest import Org, seed_org, source_request

pytestmark = pytest.mark.anyio

CONTENT_ROUTES = [
    ("GET", "/v1/content/classrooms"),
    ("POST", "/v1/content/integrations/expansions"),
    ("GET", "/v1/content/integrations/expansions/some-job"),
    ("GET", "/v1/content/integrations/expansions/some-job/result"),
    ("GET", "/v1/content/classrooms/some-room/modules"),
    ("POST", "/v1/content/classrooms/some-room/tests"),
]
PLATFORM_ROUTES = [
    ("GET", "/v1/platform/courses"),
    ("POST", "/v1/platform/courses"),
    ("GET", "/v1/platform/courses/some-id"),
    ("POST", "/v1/platform/courses/some-id/edit-token"),
    ("POST", "/v1/platform/modules"),
    ("GET", "/v1/platform/modules/some-id"),
    ("GET", "/v1/platform/pricing/catalog"),
]


@pytest.mark.parametrize(("method", "path"), CONTENT_ROUTES + PLATFORM_ROUTES)
async def test_no_key_or_unknown_key_is_401(api: httpx.AsyncClient, org: Org, method: str, path: str) -> None:
    prefix = "tf_content_" if "/content/" in path else "tf_platform_"
    for headers in ({}, {"Authorization": f"Bearer {prefix}{'x' * 32}"}, {"Authorization": "Basic abc"}):
        r = await api.request(method, path, headers=headers, json={})
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["code"] in ("missing_api_key", "invalid_api_key")
        assert "x-ratelimit-limit" not in r.headers


@pytest.mark.parametrize(("method", "path"), CONTENT_ROUTES)
async def test_platform_key_on_content_is_403(api: httpx.AsyncClient, org: Org, method: str, path: str) -> None:
    r = await api.request(method, path, headers=org.platform, json={})
    assert r.status_code == 403 and r.json()["code"] == "wrong_api_surface"
    assert "tf_content_" in r.json()["message"]
    assert org.platform_key not in r.text


@pytest.mark.parametrize(("method", "path"), PLATFORM_ROUTES)
async def test_content_key_on_platform_is_403(api: httpx.AsyncClient, org: Org, method: str, path: str) -> None:
    r = await api.request(method, path, headers=org.content, json={})
    assert r.status_code == 403 and r.json()["code"] == "wrong_api_surface"
    assert org.content_key not in r.text


async def test_one_organization_never_sees_anothers(api: httpx.AsyncClient, org: Org, other_org: Org) -> None:
    rooms = (await api.get("/v1/content/classrooms", headers=org.content)).json()["data"]
    assert [r["id"] for r in rooms] == [org.classroom_id]

    job = (await api.post("/v1/content/integrations/expansions", json=source_request(), headers=org.content)).json()
    module = (await api.post(org.room("/modules"), json={"title": "Mine"}, headers=org.content)).json()
    course = (
        await api.post("/v1/platform/courses", json={"prompt": "Fractions for kids"}, headers=org.platform)
    ).json()
    pmodule = (await api.post("/v1/platform/modules", json={"prompt": "Fractions"}, headers=org.platform)).json()

    them = other_org
    for path in (
        f"/v1/content/integrations/expansions/{job['id']}",
        f"/v1/content/integrations/expansions/{job['id']}/result",
        org.room("/modules"),
        org.room(f"/modules/{module['id']}"),
    ):
        r = await api.get(path, headers=them.content)
        assert r.status_code == 404, path
    for path in (f"/v1/platform/courses/{course['id']}", f"/v1/platform/modules/{pmodule['id']}"):
        assert (await api.get(path, headers=them.platform)).status_code == 404
    assert (
        await api.patch(org.room(f"/modules/{module['id']}"), json={"title": "Theirs"}, headers=them.content)
    ).status_code == 404
    assert (await api.delete(f"/v1/platform/modules/{pmodule['id']}", headers=them.platform)).status_code == 404
    r = await api.post(
        "/v1/content/integrations/expansions",
        json={**source_request(), "classroomId": org.classroom_id},
        headers=them.content,
    )
    assert r.status_code == 404
    listed = (await api.get("/v1/platform/courses", headers=them.platform)).json()["data"]
    assert course["id"] not in [c["id"] for c in listed]
    # and the owner still sees everything, unchanged
    assert (await api.get(org.room(f"/modules/{module['id']}"), headers=org.content)).json()["title"] == "Mine"


@pytest.mark.slow
async def test_rate_limit_headers_and_429(api: httpx.AsyncClient) -> None:
    small = await seed_org(api, rateLimitPerMinute=3)
    answers = [await api.get("/v1/content/classrooms", headers=small.content) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
    assert all(a.headers["x-ratelimit-limit"] == "3" for a in answers)
    assert answers[0].headers["ratelimit-policy"].startswith("3;w=")
    limited = await api.get("/v1/content/classrooms", headers=small.content)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    retry_after = float(limited.headers["retry-after"])
    assert 0 < retry_after <= float(limited.headers["x-ratelimit-reset"]) + 1
    assert limited.headers["x-ratelimit-remaining"] == "0"
    # every authenticated request counts, errors included, on every surface's route
    assert (await api.get("/v1/content/integrations/expansions/nope", headers=small.content)).status_code == 429
    # the window is one mock minute: 0.6 s of wall time at the test speed
    await asyncio.sleep(float(limited.headers["x-ratelimit-reset"]) + 0.05)
    assert (await api.get("/v1/content/classrooms", headers=small.content)).status_code == 200


async def test_rate_limits_are_per_key(api: httpx.AsyncClient) -> None:
    a = await seed_org(api, rateLimitPerMinute=2)
    for _ in range(3):
        await api.get("/v1/content/classrooms", headers=a.content)
    assert (await api.get("/v1/content/classrooms", headers=a.content)).status_code == 429
    assert (await api.get("/v1/platform/courses", headers=a.platform)).status_code == 200  # another key


async def test_error_bodies_carry_request_id_and_status(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.get("/v1/content/integrations/expansions/nope", headers=org.content)
    body = r.json()
    assert r.status_code == 404 and body["statusCode"] == 404 and body["error"] == "Not Found"
    assert body["requestId"] == r.headers["x-request-id"]
    r = await api.get("/v1/content/no-such-route", headers=org.content)
    assert r.status_code == 404 and r.json()["code"] == "route_not_found"
