"""HTTP as HTTP says: HEAD on every readable route, and malformed bodies refused with the documented error body.

The routes come from the mock's own ``/openapi.json``, so a route added later is covered
without editing this file. Real ids fill the paths (one of everything, in one
organization), and each call carries the credential its operation names, so only the
body (or the method) decides the answer.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import Org, seed_org, source_request, wait_job

from tutorflow_nb.mock.openapi import surface

pytestmark = pytest.mark.anyio
KINDS = ("modules", "courses", "videos", "slides", "tests")
ERROR_KEYS = {"statusCode", "error", "message", "code", "requestId", "fields"}
VARYING = {"x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "date", "ratelimit-remaining"}
"""Headers that differ between any two answers: the request id, the key's budget as it is spent, the time."""


async def world(api: httpx.AsyncClient) -> tuple[Org, dict[str, str]]:
    """An organization with one of everything, and the id each path parameter takes."""
    org = await seed_org(api)
    ids = {"organizationId": org.id, "classroomId": org.classroom_id, "sequence": "1"}
    job = (await api.post("/v1/content/integrations/expansions", json=source_request(), headers=org.content)).json()
    ids["jobId"] = job["id"]
    for kind in KINDS:
        r = await api.post(org.room(f"/{kind}"), json={"title": f"One {kind}"}, headers=org.content)
        ids[f"resource:{kind}"] = r.json()["id"]
    course = (await api.post("/v1/platform/courses", json={"prompt": "Tides"}, headers=org.platform)).json()
    ids["courseRequestId"], ids["shareToken:course"] = course["id"], course["shareToken"]
    ids["editToken"] = course["previewUrl"].rsplit("/", 1)[1]
    canonical = (await api.get(f"/v1/platform/courses/edit/{ids['editToken']}/canonical")).json()
    ids["lessonId"] = canonical["lessons"][0]["id"]
    module = (await api.post("/v1/platform/modules", json={"prompt": "Waves"}, headers=org.platform)).json()
    ids["moduleId"], ids["shareToken:module"] = module["id"], module["shareToken"]
    keys = (await api.get(f"/v1/content/organizations/{org.id}/api-keys", headers=org.admin)).json()
    ids["keyId"] = keys["data"][0]["id"]
    hook = {"url": "https://hooks.test.example/tf", "events": ["content.completed"]}
    r = await api.post(f"/v1/content/organizations/{org.id}/webhooks", json=hook, headers=org.admin)
    ids["webhookId"] = r.json()["id"]
    await wait_job(api, org, job["id"])  # settled: the answers stop changing
    return org, ids


def fill(template: str, ids: dict[str, str]) -> str:
    path = template
    kind = next((k for k in KINDS if f"/{k}/" in template), None)
    if kind:
        path = path.replace("{resourceId}", ids[f"resource:{kind}"])
    share = "shareToken:module" if "/modules/" in template else "shareToken:course"
    path = path.replace("{shareToken}", ids[share])
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, template
    return path


def credential(org: Org, template: str) -> dict[str, str]:
    kind = surface(template)
    if template.endswith("/integrations/exports"):
        return org.content
    return {"content": org.content, "platform": org.platform, "admin": org.admin}.get(kind, {})


@pytest.fixture
async def spec(api: httpx.AsyncClient) -> dict[str, Any]:
    return (await api.get("/openapi.json")).json()


@pytest.fixture
async def everything(api: httpx.AsyncClient) -> tuple[Org, dict[str, str]]:
    return await world(api)


def _comparable(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in VARYING}


@pytest.mark.slow
async def test_head_answers_as_get_without_a_body_on_every_readable_route(
    api: httpx.AsyncClient, spec: dict[str, Any], everything: tuple[Org, dict[str, str]]
) -> None:
    org, ids = everything
    readable = [p for p, ops in spec["paths"].items() if "get" in ops and p.startswith(("/v1/", "/_mock/"))]
    assert len(readable) >= 20
    for template in readable:
        path, headers = fill(template, ids), credential(org, template)
        got = await api.get(path, headers=headers)
        head = await api.head(path, headers=headers)
        assert got.status_code == 200, (template, got.text)
        assert head.status_code == got.status_code, template
        assert head.content == b"", template
        if template.startswith("/_mock/"):  # the whole mock's state: other tests' jobs settle in between
            assert head.headers["content-type"] == got.headers["content-type"] and "content-length" in head.headers
            continue
        assert _comparable(head) == _comparable(got), template
        assert head.headers["content-length"] == str(len(got.content)), template
        assert head.headers["x-request-id"] != got.headers["x-request-id"]
        if surface(template) in ("content", "platform"):
            assert "x-ratelimit-limit" in head.headers  # HEAD counts against the key like GET


async def test_head_of_an_error_is_the_error_without_its_body(api: httpx.AsyncClient, org: Org) -> None:
    for path, headers, status in (
        ("/v1/content/classrooms/nope/modules", org.content, 404),
        ("/v1/content/classrooms", {}, 401),
        ("/v1/platform/courses", org.content, 403),
        ("/v1/nowhere", {}, 404),
    ):
        got, head = await api.get(path, headers=headers), await api.head(path, headers=headers)
        assert got.status_code == head.status_code == status
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))


async def test_a_method_a_route_lacks_is_405_naming_the_methods_it_has(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.put("/v1/content/classrooms", headers=org.content)
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    assert r.json()["code"] == "method_not_allowed" and set(r.json()) >= ERROR_KEYS - {"fields"}
    r = await api.delete("/v1/platform/courses", headers=org.platform)
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"
    r = await api.get("/v1/content/integrations/expansions", headers=org.content)
    assert r.status_code == 405 and r.headers["allow"] == "POST"


JSON = "application/json"
MALFORMED: list[tuple[str, bytes, str | None, str]] = [
    ("invalid UTF-8", b'{"title": "caf\xe9"}', JSON, "not UTF-8"),
    ("invalid UTF-8, no content type", b'{"title": "\xff"}', None, "not UTF-8"),
    ("nested 65 deep", b'{"a": ' * 65 + b"1" + b"}" * 65, JSON, "deeper than 64"),
    ("nested 5000 deep", b"[" * 5000 + b"]" * 5000, JSON, "deeper than 64"),
    ("half a surrogate pair", b'{"title": "x", "metadata": {"k": "\\ud800"}}', JSON, "surrogate"),
    ("syntax error", b'{"title": ', JSON, "malformed JSON"),
    ("an array", b"[]", JSON, "not an array"),
    ("a string", b'"title"', JSON, "not a string"),
    ("a number", b"42", JSON, "not a number"),
    ("a boolean", b"true", JSON, "not a boolean"),
    ("null", b"null", JSON, "not null"),
    ("empty", b"", JSON, "body is empty"),
    ("empty, no content type", b"", None, "body is empty"),
    ("form-encoded", b"title=x", "application/x-www-form-urlencoded", "application/json"),
    ("plain text", b"title", "text/plain", "application/json"),
]
"""(what, body, content type, a phrase the message has)."""


def _takes_a_body(op: dict[str, Any]) -> bool:
    return "requestBody" in op


@pytest.mark.slow
async def test_malformed_bodies_get_the_documented_error_on_every_route_that_takes_one(
    api: httpx.AsyncClient, spec: dict[str, Any], everything: tuple[Org, dict[str, str]]
) -> None:
    org, ids = everything
    routes = [
        (method.upper(), template)
        for template, ops in spec["paths"].items()
        if template.startswith("/v1/")
        for method, op in ops.items()
        if _takes_a_body(op)
    ]
    assert len(routes) >= 20
    problems = []
    for method, template in routes:
        for what, body, content_type, phrase in MALFORMED:
            headers = {**credential(org, template), **({"Content-Type": content_type} if content_type else {})}
            r = await api.request(method, fill(template, ids), content=body, headers=headers)
            answer = r.json() if r.headers.get("content-type", "").startswith(JSON) else {}
            fine = (
                r.status_code == 400
                and set(answer) == ERROR_KEYS
                and answer["code"] == "validation_error"
                and answer["statusCode"] == 400
                and answer["requestId"] == r.headers["x-request-id"]
                and [f["field"] for f in answer["fields"]] == ["body"]
                and phrase in answer["fields"][0]["message"]
            )
            if not fine:
                problems.append(f"{method} {template} [{what}]: {r.status_code} {r.text[:160]}")
    assert problems == []
    assert (await api.get("/_mock/state")).status_code == 200  # and the mock is still up


async def test_deep_but_not_too_deep_is_accepted(api: httpx.AsyncClient, org: Org) -> None:
    metadata: Any = 1
    for _ in range(62):  # the body object and "metadata" make 64 levels
        metadata = {"a": metadata}
    r = await api.post(org.room("/modules"), json={"title": "deep", "metadata": metadata}, headers=org.content)
    assert r.status_code == 201, r.text
    pair = await api.post(
        org.room("/modules"),
        content=b'{"title": "\\ud83d\\ude00 a whole pair"}',
        headers={**org.content, "Content-Type": JSON},
    )
    assert pair.status_code == 201 and pair.json()["title"] == "\U0001f600 a whole pair"
