"""The mock's own controls: faults, clock, reset, state, and the OpenAPI description."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from conftest import seed_org, source_request, wait_job

from tutorflow_nb.mock import ASSUMPTIONS, DIALECTS, MockServer
from tutorflow_nb.mock.app import ConnectionDropped
from tutorflow_nb.mock.assumptions import VARIED_BY

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
EXP = "/v1/content/integrations/expansions"


async def test_error_rate_gives_503_before_anything_happens(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    assert (await fresh_api.put("/_mock/faults", json={"error_rate": 1.0})).json()["error_rate"] == 1.0
    r = await fresh_api.post(EXP, json=source_request(), headers={**org.content, "Idempotency-Key": "e:1"})
    assert r.status_code == 503 and r.json()["code"] == "service_unavailable"
    assert float(r.headers["retry-after"]) == 0.01  # one mock second at x100, in wall seconds
    assert (await fresh_api.get("/_mock/state")).json()["counts"]["jobs"] == 0  # nothing was processed
    assert (await fresh_api.get("/openapi.json")).status_code == 200  # control and docs unaffected
    await fresh_api.delete("/_mock/faults")
    assert (
        await fresh_api.post(EXP, json=source_request(), headers={**org.content, "Idempotency-Key": "e:1"})
    ).status_code == 202


async def test_burst_429(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    await fresh_api.put("/_mock/faults", json={"burst_429_rate": 1.0})
    r = await fresh_api.get("/v1/content/classrooms", headers=org.content)
    assert r.status_code == 429 and 0 < float(r.headers["retry-after"]) <= 1


async def test_dropped_connection_after_processing_then_retry_with_same_key(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    headers = {**org.content, "Idempotency-Key": "expansion:drop:v1"}
    await fresh_api.put("/_mock/faults", json={"drop_rate": 1.0})
    # over a socket the connection closes mid-answer; in-process the transport re-raises the app's exception
    dropped = httpx.TransportError if fresh_api.kind == "http" else ConnectionDropped  # type: ignore[attr-defined]
    with pytest.raises(dropped):
        await fresh_api.post(EXP, json=source_request(), headers=headers)
    await fresh_api.delete("/_mock/faults")
    jobs = (await fresh_api.get("/_mock/jobs")).json()["data"]
    assert len(jobs) == 1  # the server did accept the job
    retry = await fresh_api.post(EXP, json=source_request(), headers=headers)
    assert retry.status_code == 202 and retry.json()["id"] == jobs[0]["id"]
    assert len((await fresh_api.get("/_mock/jobs")).json()["data"]) == 1


async def test_latency_is_added(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    await fresh_api.put("/_mock/faults", json={"latency_ms": 1500})
    start = time.perf_counter()
    slowed = asyncio.ensure_future(fresh_api.get("/v1/content/classrooms", headers=org.content))
    assert (await fresh_api.get("/_mock/state")).status_code == 200  # control routes are never slowed:
    assert not slowed.done()  # this one answered while the slowed request still waited
    assert (await slowed).status_code == 200
    assert time.perf_counter() - start >= 1.5  # a lower bound: the latency was added, however busy the machine


async def test_job_failure_rate(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    await fresh_api.put("/_mock/faults", json={"job_failure_rate": 1.0})
    job = (await fresh_api.post(EXP, json=source_request(), headers=org.content)).json()
    assert (await wait_job(fresh_api, org, job["id"]))["status"] == "failed"


async def test_fault_settings_are_validated(fresh_api: httpx.AsyncClient) -> None:
    r = await fresh_api.put("/_mock/faults", json={"error_rate": 2})
    assert r.status_code == 400 and r.json()["fields"][0]["field"] == "error_rate"
    assert (await fresh_api.put("/_mock/faults", json={"typo_rate": 0.1})).status_code == 400


async def test_clock_advance_finishes_jobs_and_speed_changes(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    await fresh_api.put("/_mock/clock", json={"speed": 0.001})  # practically stopped
    job = (await fresh_api.post(EXP, json=source_request(), headers=org.content)).json()
    assert (await fresh_api.get(f"{EXP}/{job['id']}", headers=org.content)).json()["status"] == "queued"
    before = (await fresh_api.get("/_mock/clock")).json()["now"]
    after = (await fresh_api.post("/_mock/clock/advance", json={"seconds": 600})).json()["now"]
    assert after > before
    assert (await fresh_api.get(f"{EXP}/{job['id']}", headers=org.content)).json()["status"] == "completed"
    assert (await fresh_api.get("/_mock/clock")).json()["speed"] == 0.001
    assert (await fresh_api.post("/_mock/clock/advance", json={"seconds": -1})).status_code == 400
    assert (await fresh_api.put("/_mock/clock", json={"speed": 0})).status_code == 400


async def test_reported_durations_are_wall_clock(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api, rateLimitPerMinute=1)
    await fresh_api.put("/_mock/clock", json={"speed": 10})
    course = (
        await fresh_api.post("/v1/platform/courses", json={"prompt": "p", "mode": "async"}, headers=org.platform)
    ).json()
    assert course["pollAfterMs"] == 200  # 2 mock s at x10
    await fresh_api.get("/v1/content/classrooms", headers=org.content)
    limited = await fresh_api.get("/v1/content/classrooms", headers=org.content)
    assert limited.status_code == 429 and float(limited.headers["retry-after"]) <= 6  # a mock minute is 6 wall s
    assert limited.headers["ratelimit-policy"] == "1;w=6"


async def test_reset_forgets_everything(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    await fresh_api.post(EXP, json=source_request(), headers=org.content)
    counts = (await fresh_api.get("/_mock/state")).json()["counts"]
    assert counts["jobs"] == 1 and counts["organizations"] == 1 and counts["modules"] == 3
    assert (await fresh_api.post("/_mock/reset")).json()["counts"]["jobs"] == 0
    assert (await fresh_api.get("/v1/content/classrooms", headers=org.content)).status_code == 401


async def test_openapi_describes_every_route_and_marks_assumptions(fresh_api: httpx.AsyncClient) -> None:
    spec = (await fresh_api.get("/openapi.json")).json()
    paths = spec["paths"]
    expected = {
        "/v1/content/organizations": {"get"},
        "/v1/content/organizations/{organizationId}/api-keys": {"get", "post"},
        "/v1/content/organizations/{organizationId}/api-keys/{keyId}/rotate": {"post"},
        "/v1/content/organizations/{organizationId}/api-keys/{keyId}": {"delete"},
        "/v1/content/organizations/{organizationId}/webhooks": {"get", "post"},
        "/v1/content/classrooms": {"get"},
        "/v1/content/integrations/expansions": {"post"},
        "/v1/content/integrations/expansions/{jobId}": {"get"},
        "/v1/content/integrations/expansions/{jobId}/result": {"get"},
        "/v1/content/classrooms/{classroomId}/integrations/exports": {"post"},
        "/v1/platform/courses": {"get", "post"},
        "/v1/platform/courses/{courseRequestId}": {"get"},
        "/v1/platform/courses/{courseRequestId}/edit-token": {"post"},
        "/v1/platform/courses/public/{shareToken}/full": {"get"},
        "/v1/platform/courses/edit/{editToken}": {"get", "patch"},
        "/v1/platform/courses/edit/{editToken}/full": {"get"},
        "/v1/platform/courses/edit/{editToken}/lessons/{sequence}": {"get", "patch"},
        "/v1/platform/courses/edit/{editToken}/canonical": {"get", "patch"},
        "/v1/platform/courses/edit/{editToken}/lessons/by-id/{lessonId}/full": {"get", "patch"},
        "/v1/platform/courses/edit/{editToken}/lessons/by-id/{lessonId}/generate": {"post"},
        "/v1/platform/courses/edit/{editToken}/lessons": {"post"},
        "/v1/platform/courses/edit/{editToken}/infer-type": {"post"},
        "/v1/platform/modules": {"get", "post"},
        "/v1/platform/modules/{moduleId}": {"get", "patch", "delete"},
        "/v1/platform/modules/public/{shareToken}": {"get"},
    }
    for kind in ("modules", "courses", "videos", "slides", "tests"):
        expected[f"/v1/content/classrooms/{{classroomId}}/{kind}"] = {"get", "post"}
        expected[f"/v1/content/classrooms/{{classroomId}}/{kind}/{{resourceId}}"] = {"get", "patch", "delete"}
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    description = spec["info"]["description"]
    assert all(key in description for key in ASSUMPTIONS)
    assert all(f"**{name}**" in description for name in DIALECTS)
    for key, text in ASSUMPTIONS.items():  # each assumption names the dialects that vary it
        varied = VARIED_BY.get(key)
        assert text.endswith(f"otherwise: {', '.join(varied)}." if varied else "No dialect varies this."), key
    assert spec["info"]["x-dialect"] == ["default"]
    marked = {a["id"] for p in paths.values() for op in p.values() for a in op.get("x-assumptions", [])}
    assert marked >= set(ASSUMPTIONS) - {
        "surface-mixing",
        "other-organization",
        "rate-limit-headers",
        "error-body",
        "web-urls",
        "rate-limit-scope",
        "answer-fields",
    }
    assert paths["/v1/content/integrations/expansions"]["post"]["requestBody"]
    assert "workspaceKey" in spec["components"]["securitySchemes"]


def test_mock_server_lifecycle() -> None:
    server = MockServer(provision=False)
    assert "not started" in repr(server)
    with server:
        assert "running" in repr(server)
        assert httpx.get(server.url("/_mock/state")).status_code == 200
    assert "stopped" in repr(server)
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url("/_mock/state"), timeout=1)
