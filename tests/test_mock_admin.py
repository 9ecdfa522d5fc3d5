"""Admin session: sign-in, organizations, API keys, webhook subscriptions."""

from __future__ import annotations

import httpx
import pytest
from conftest import Org, seed_org

pytestmark = pytest.mark.anyio


@pytest.mark.slow
async def test_sign_in_sets_session_cookie_that_lists_organizations(api: httpx.AsyncClient) -> None:
    seeded = await api.post(
        "/_mock/organizations",
        json={"adminEmail": "signin@test.example", "adminPassword": "s3cret", "name": "Sign-in Org"},
    )
    r = await api.post("/v1/content/auth/sign-in", json={"email": "signin@test.example", "password": "s3cret"})
    assert r.status_code == 200
    cookie = r.cookies.get("tutorflow_admin_session")
    assert cookie and "httponly" in r.headers["set-cookie"].lower()
    orgs = await api.get("/v1/content/organizations", headers={"Cookie": f"tutorflow_admin_session={cookie}"})
    assert orgs.status_code == 200
    assert [o["id"] for o in orgs.json()["data"]] == [seeded.json()["organizationId"]]
    assert orgs.json()["nextCursor"] is None

    out = await api.post("/v1/content/auth/sign-out", headers={"Cookie": f"tutorflow_admin_session={cookie}"})
    assert out.status_code == 204
    again = await api.get("/v1/content/organizations", headers={"Cookie": f"tutorflow_admin_session={cookie}"})
    assert again.status_code == 401


async def test_sign_in_refuses_wrong_password_and_bad_email(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post("/v1/content/auth/sign-in", json={"email": "nobody@test.example", "password": "x"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    r = await api.post("/v1/content/auth/sign-in", json={"email": "not-an-email", "password": "x"})
    assert r.status_code == 400 and r.json()["fields"][0]["field"] == "email"


async def test_organizations_need_the_admin_session(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.get("/v1/content/organizations")
    assert r.status_code == 401 and r.json()["code"] == "admin_session_required"
    r = await api.get("/v1/content/organizations", headers=org.content)  # a key is not a session
    assert r.status_code == 401


async def test_key_lifecycle_full_key_once_then_prefix_only(api: httpx.AsyncClient, org: Org) -> None:
    base = f"/v1/content/organizations/{org.id}/api-keys"
    r = await api.post(base, json={"name": "external-content-test", "rateLimitPerMinute": 60}, headers=org.admin)
    assert r.status_code == 201
    created = r.json()
    assert created["key"].startswith("tf_content_") and len(created["key"]) == len("tf_content_") + 32
    assert created["keyPrefix"] == created["key"][: len("tf_content_") + 8]
    assert {created["name"], created["rateLimitPerMinute"]} == {"external-content-test", 60}

    listed = (await api.get(base, headers=org.admin)).json()["data"]
    assert created["id"] in [k["id"] for k in listed]
    assert created["key"] not in str(listed) and all("key" not in k for k in listed)

    use = {"Authorization": f"Bearer {created['key']}"}
    assert (await api.get("/v1/content/classrooms", headers=use)).status_code == 200

    rotated = await api.post(f"{base}/{created['id']}/rotate", headers=org.admin)
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["key"] != created["key"] and new["rotatedFromId"] == created["id"]
    assert (await api.get("/v1/content/classrooms", headers=use)).status_code == 401
    new_use = {"Authorization": f"Bearer {new['key']}"}
    assert (await api.get("/v1/content/classrooms", headers=new_use)).status_code == 200

    revoked = await api.delete(f"{base}/{new['id']}", headers=org.admin)
    assert revoked.status_code == 200 and revoked.json()["revokedAt"]
    assert (await api.get("/v1/content/classrooms", headers=new_use)).status_code == 401
    again = await api.post(f"{base}/{new['id']}/rotate", headers=org.admin)
    assert again.status_code == 400 and again.json()["code"] == "api_key_revoked"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "k", "rateLimitPerMinute": 0}, "rateLimitPerMinute"),
        ({"name": "k", "rateLimitPerMinute": "60"}, "rateLimitPerMinute"),
        ({"name": "k", "surprise": True}, "surprise"),
    ],
)
async def test_key_create_validation_names_the_field(api: httpx.AsyncClient, org: Org, body: dict, field: str) -> None:
    r = await api.post(f"/v1/content/organizations/{org.id}/api-keys", json=body, headers=org.admin)
    assert r.status_code == 400
    assert field in [f["field"] for f in r.json()["fields"]]


async def test_admin_cannot_manage_another_organization(api: httpx.AsyncClient, org: Org, other_org: Org) -> None:
    r = await api.post(f"/v1/content/organizations/{other_org.id}/api-keys", json={"name": "x"}, headers=org.admin)
    assert r.status_code == 404
    r = await api.get(f"/v1/content/organizations/{other_org.id}/webhooks", headers=org.admin)
    assert r.status_code == 404
    keys = (await api.get(f"/v1/content/organizations/{other_org.id}/api-keys", headers=other_org.admin)).json()
    some = keys["data"][0]["id"]
    r = await api.delete(f"/v1/content/organizations/{org.id}/api-keys/{some}", headers=org.admin)
    assert r.status_code == 404


async def test_webhook_subscriptions(api: httpx.AsyncClient, org: Org) -> None:
    base = f"/v1/content/organizations/{org.id}/webhooks"
    r = await api.post(
        base,
        json={"url": "http://127.0.0.1:9/hook", "events": ["content.completed", "content.failed"]},
        headers=org.admin,
    )
    assert r.status_code == 201
    sub = r.json()
    assert sub["secret"].startswith("whsec_") and sub["events"] == ["content.completed", "content.failed"]
    listed = (await api.get(base, headers=org.admin)).json()["data"]
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    for bad, field in (
        (({"url": "ftp://x", "events": ["content.completed"]}), "url"),
        ({"url": "http://x.test/h", "events": []}, "events"),
        ({"url": "http://x.test/h", "events": ["content.started"]}, "events[0]"),
        ({"url": "http://x.test/h", "events": ["content.failed", "content.failed"]}, "events"),
    ):
        r = await api.post(base, json=bad, headers=org.admin)
        assert r.status_code == 400 and field in [f["field"] for f in r.json()["fields"]], r.text
    assert (await api.delete(f"{base}/{sub['id']}", headers=org.admin)).json() == {"id": sub["id"], "deleted": True}
    assert (await api.delete(f"{base}/{sub['id']}", headers=org.admin)).status_code == 404


async def test_lists_paginate_with_cursor(api: httpx.AsyncClient, org: Org) -> None:
    base = f"/v1/content/organizations/{org.id}/api-keys"
    for i in range(4):
        await api.post(base, json={"name": f"k{i}"}, headers=org.admin)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get(base, params=params, headers=org.admin)).json()
        assert len(page["data"]) <= 2
        seen += [k["id"] for k in page["data"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5  # the demo content key and 4 new ones; platform keys are not listed
    r = await api.get(base, params={"limit": 0}, headers=org.admin)
    assert r.status_code == 400 and r.json()["fields"][0]["field"] == "limit"
    r = await api.get(base, params={"cursor": "garbage!"}, headers=org.admin)
    assert r.status_code == 400 and r.json()["fields"][0]["field"] == "cursor"


async def test_seeded_orgs_are_separate(api: httpx.AsyncClient) -> None:
    a, b = await seed_org(api), await seed_org(api)
    assert a.id != b.id and a.classroom_id != b.classroom_id and a.content_key != b.content_key
