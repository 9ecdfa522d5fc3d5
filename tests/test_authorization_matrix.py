"""The full authorization matrix: every TutorFlow route of the mock, called every wrong way.

The routes come from the mock's own ``/openapi.json``, so a route added later is in the
matrix without editing this file; each operation's credential is the one its description
names (``mock.openapi.surface``).
Organization A owns one of everything; every title and prompt it writes carries a canary.
Then each route is called, with A's real ids in the path and a valid body, with:

- no credentials, an unknown key, a revoked key: 401;
- the other surface's key (A's own): 403 ``wrong_api_surface``;
- organization B's key or admin session: 404 on A's things, B's own (empty) data on lists
  and creates; A's canary, keys and ids never appear in any answer;
- an unknown edit token: 404; an expired one (the clock moved an hour): 401.

Afterwards A's data is as it was: a refused call changed nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest import Org, seed_org_sync, source_request

from tutorflow_nb.mock import MockServer
from tutorflow_nb.mock.openapi import surface

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

CANARY = "CANARY-ORG-A-7f3c"
KINDS = ("modules", "courses", "videos", "slides", "tests")


@dataclass
class Operation:
    method: str
    template: str
    surface: str  # content, platform, admin, token (edit token in the path), public

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


def operations(server: MockServer) -> list[Operation]:
    spec = httpx.get(server.url("/openapi.json")).json()
    return [
        Operation(method.upper(), path, surface(path))
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/")
        for method in ops
    ]


@dataclass
class World:
    """Organization A's things (the ids that go in paths) and organization B, the intruder."""

    a: Org
    b: Org
    ids: dict[str, str] = field(default_factory=dict)
    canonical: dict[str, Any] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)

    def path(self, template: str) -> str:
        out = template
        for name, value in self.ids.items():
            out = out.replace("{" + name + "}", value)
        kind = next((k for k in KINDS if f"/{k}/" in template or template.endswith(f"/{k}")), None)
        if kind and "{resourceId}" in out:
            out = out.replace("{resourceId}", self.ids[f"resource:{kind}"])
        assert "{" not in out, f"no id for a parameter of {template}"
        return out

    def body(self, op: Operation) -> Any:
        """A valid body, so that only authorization decides the answer."""
        t, m = op.template, op.method
        if m in ("GET", "DELETE") or t.endswith(("/rotate", "/edit-token", "/auth/sign-out")):
            return None
        if t.endswith("/auth/sign-in"):
            return {"email": "nobody@test.example", "password": "wrong"}
        if t.endswith("/api-keys"):
            return {"name": "Intruder key"}
        if t.endswith("/webhooks"):
            return {"url": "https://hooks.test.example/tf", "events": ["content.completed"]}
        if t.endswith("/expansions"):
            return source_request()
        if t.endswith("/exports"):
            return {"lessonId": self.ids["resource:modules"]}
        if t.startswith("/v1/content/classrooms/"):
            return {"title": "Intruder resource"}
        if t == "/v1/platform/courses":
            return {"prompt": "Intruder course", "lessonCount": 1}
        if t == "/v1/platform/modules":
            return {"prompt": "Intruder module"}
        if t.endswith("/canonical"):
            return self.canonical
        if t.endswith("/generate"):
            return {}
        if t.endswith("/edit/{editToken}/lessons"):
            return {"title": "Intruder lesson", "type": "markdown"}
        if t.endswith("/infer-type"):
            return {"lessonTitle": "Fractions"}
        return {"title": "Intruder title"}

    def call(
        self, c: httpx.Client, op: Operation, headers: dict[str, str] | None = None, path: str | None = None
    ) -> httpx.Response:
        body = self.body(op)
        return c.request(
            op.method,
            path or self.path(op.template),
            headers=headers or {},
            **({"json": body} if body is not None else {}),
        )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code < 300, r.text
    return r.json() if r.content else {}


def settle(done: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "organization A's job never finished"
        time.sleep(0.05)


def build_world(c: httpx.Client, server: MockServer) -> World:
    a, b = seed_org_sync(server, name=f"{CANARY} Org"), seed_org_sync(server, name="Intruder Org")
    w = World(a, b, secrets=[a.content_key, a.platform_key, a.session, CANARY])
    w.ids.update(organizationId=a.id, classroomId=a.classroom_id)
    admin = a.admin
    key = ok(c.post(f"/v1/content/organizations/{a.id}/api-keys", json={"name": f"{CANARY} spare"}, headers=admin))
    w.ids["keyId"], w.secrets = key["id"], [*w.secrets, key["key"]]
    w.ids["webhookId"] = ok(
        c.post(
            f"/v1/content/organizations/{a.id}/webhooks",
            headers=admin,
            json={"url": "https://hooks.a.example/tf", "events": ["content.failed"], "description": CANARY},
        )
    )["id"]
    body = source_request()
    body["payload"]["level"]["title"] = f"{CANARY} level"
    job = ok(c.post("/v1/content/integrations/expansions", json=body, headers=a.content))
    w.ids["jobId"] = job["id"]
    for kind in KINDS:
        w.ids[f"resource:{kind}"] = ok(
            c.post(a.room(f"/{kind}"), json={"title": f"{CANARY} {kind}"}, headers=a.content)
        )["id"]
    course = ok(
        c.post("/v1/platform/courses", json={"prompt": f"{CANARY} course", "lessonCount": 2}, headers=a.platform)
    )
    w.ids.update(courseRequestId=course["id"], shareToken=course["shareToken"])
    settle(lambda: ok(c.get(f"/v1/platform/courses/{course['id']}", headers=a.platform))["isTerminal"])
    settle(
        lambda: (
            ok(c.get(f"/v1/content/integrations/expansions/{job['id']}", headers=a.content))["status"] == "completed"
        )
    )
    token = ok(c.post(f"/v1/platform/courses/{course['id']}/edit-token", headers=a.platform))["editToken"]
    w.ids["editToken"] = token
    w.canonical = ok(c.get(f"/v1/platform/courses/edit/{token}/canonical"))
    w.ids["lessonId"], w.ids["sequence"] = w.canonical["lessons"][0]["id"], "1"
    module = ok(c.post("/v1/platform/modules", json={"prompt": f"{CANARY} module"}, headers=a.platform))
    w.ids["moduleId"] = module["id"]
    w.ids["shareToken:module"] = module.get("shareToken") or ""
    return w


def snapshot(c: httpx.Client, w: World) -> dict[str, Any]:
    """Everything organization A can read about itself."""
    a, out = w.a, {}
    out["orgs"] = ok(c.get("/v1/content/organizations", headers=a.admin))
    out["keys"] = ok(c.get(f"/v1/content/organizations/{a.id}/api-keys", headers=a.admin))
    out["hooks"] = ok(c.get(f"/v1/content/organizations/{a.id}/webhooks", headers=a.admin))
    out["job"] = ok(c.get(f"/v1/content/integrations/expansions/{w.ids['jobId']}", headers=a.content))
    for kind in KINDS:
        out[kind] = ok(c.get(a.room(f"/{kind}"), headers=a.content))
    out["courses"] = ok(c.get("/v1/platform/courses", headers=a.platform))
    out["modules"] = ok(c.get("/v1/platform/modules", headers=a.platform))
    out["canonical"] = ok(c.get(f"/v1/platform/courses/edit/{w.ids['editToken']}/canonical"))
    for view in (out["job"], *out["courses"]["data"]):
        for moving in ("updatedAt", "lastUsedAt", "progress", "status", "isTerminal", "completedAt"):
            view.pop(moving, None)
    for k in out["keys"]["data"]:
        k.pop("lastUsedAt", None)
    return out


@pytest.fixture
def matrix_server() -> Iterator[MockServer]:
    with MockServer(speed=100.0, seed=21, provision=False) as server:
        yield server


def assert_no_leak(w: World, op: Operation, case: str, r: httpx.Response) -> None:
    own_path = w.path(op.template)
    for secret in w.secrets:
        assert secret not in r.text, f"{case} {op.name}: organization A's secret leaked: {r.text[:300]}"
    for name, value in w.ids.items():
        if value and value not in own_path and name not in ("sequence", "organizationId"):
            assert value not in r.text, f"{case} {op.name}: A's {name} leaked: {r.text[:300]}"


def test_every_route_refuses_every_wrong_caller(matrix_server: MockServer) -> None:
    with httpx.Client(base_url=matrix_server.base_url, timeout=10) as c:
        ops = operations(matrix_server)
        w = build_world(c, matrix_server)
        revoked = ok(c.post(f"/v1/content/organizations/{w.b.id}/api-keys", json={"name": "gone"}, headers=w.b.admin))
        ok(c.delete(f"/v1/content/organizations/{w.b.id}/api-keys/{revoked['id']}", headers=w.b.admin))
        before = snapshot(c, w)
        checked: dict[str, int] = {}

        def expect(case: str, op: Operation, status: int, r: httpx.Response, code: str | None = None) -> None:
            assert r.status_code == status, f"{case} {op.name}: {r.status_code} {r.text[:300]}"
            if code:
                assert r.json()["code"] == code, f"{case} {op.name}: {r.text[:300]}"
            assert_no_leak(w, op, case, r)
            checked[case] = checked.get(case, 0) + 1

        for op in ops:
            if op.surface in ("content", "platform"):
                prefix = f"tf_{op.surface}_"
                own, other = (
                    (w.a.content_key, w.a.platform_key)
                    if op.surface == "content"
                    else (w.a.platform_key, w.a.content_key)
                )
                intruder = w.b.content_key if op.surface == "content" else w.b.platform_key
                expect("no key", op, 401, w.call(c, op), "missing_api_key")
                expect("unknown key", op, 401, w.call(c, op, bearer(prefix + "0" * 40)), "invalid_api_key")
                if op.surface == "content":
                    expect("revoked key", op, 401, w.call(c, op, bearer(revoked["key"])), "invalid_api_key")
                expect("other surface", op, 403, w.call(c, op, bearer(other)), "wrong_api_surface")
                if op.template.endswith("/integrations/exports"):  # a key or an admin session (assumptions)
                    expect("other admin session", op, 404, w.call(c, op, w.b.admin), "classroom_not_found")
                else:
                    expect("cookie instead of key", op, 401, w.call(c, op, w.a.admin), "missing_api_key")
                r = w.call(c, op, bearer(intruder))
                scoped = any(
                    "{" + p + "}" in op.template
                    for p in ("classroomId", "jobId", "resourceId", "courseRequestId", "moduleId")
                )
                if scoped:
                    expect("other organization", op, 404, r)
                else:  # B's own list, or B's own new thing
                    expect("other organization", op, r.status_code if r.status_code < 300 else -1, r)
                assert own not in r.text
            elif op.surface == "admin":
                expect("no session", op, 401, w.call(c, op))
                expect("unknown session", op, 401, w.call(c, op, {"Cookie": "tutorflow_admin_session=" + "0" * 40}))
                expect("key instead of session", op, 401, w.call(c, op, bearer(w.a.content_key)))
                r = w.call(c, op, w.b.admin)
                if "{organizationId}" in op.template:
                    expect("other organization", op, 404, r, "organization_not_found")
                else:
                    expect("other organization", op, 200, r)
            elif op.surface == "token":
                path = w.path(op.template).replace(w.ids["editToken"], "f" * 32)
                expect("unknown edit token", op, 404, w.call(c, op, path=path), "edit_token_not_found")
                # an edit token is the whole credential: keys of either surface neither add nor replace it
                expect(
                    "unknown edit token with a key",
                    op,
                    404,
                    w.call(c, op, bearer(w.a.platform_key), path),
                    "edit_token_not_found",
                )

        after = snapshot(c, w)
        assert after == before, "a refused call changed organization A's data"

        # an hour later every edit token has expired: 401, and still nothing of A in the answer
        httpx.post(matrix_server.url("/_mock/clock/advance"), json={"seconds": 3601}).raise_for_status()
        for op in ops:
            if op.surface == "token":
                expect("expired edit token", op, 401, w.call(c, op), "edit_token_expired")

    print("\nauthorization matrix:", len(ops), "operations;", checked)
    surfaces = {op.surface for op in ops}
    assert surfaces == {"content", "platform", "admin", "token", "public"}
    assert len(ops) >= 60
    n_edit = sum(op.surface == "token" for op in ops)
    assert checked["expired edit token"] == checked["unknown edit token"] == n_edit
    assert checked["other surface"] == sum(op.surface in ("content", "platform") for op in ops)
