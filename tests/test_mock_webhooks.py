"""Webhook deliveries: signed, for the subscribed events only, retried when the receiver fails."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from conftest import Org, seed_org, source_request, wait_job
from receiver import Receiver

from tutorflow_nb.signing import SignatureError, sign, verify

pytestmark = pytest.mark.anyio
EXP = "/v1/content/integrations/expansions"


async def subscribe(api: httpx.AsyncClient, org: Org, url: str, events: list[str]) -> str:
    r = await api.post(
        f"/v1/content/organizations/{org.id}/webhooks", json={"url": url, "events": events}, headers=org.admin
    )
    assert r.status_code == 201
    return r.json()["secret"]


async def until(api: httpx.AsyncClient, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        await api.pump()  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "timed out waiting for webhook deliveries"
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_completed_job_is_delivered_signed(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    with Receiver() as hook:
        secret = await subscribe(fresh_api, org, hook.url, ["content.completed", "content.failed"])
        job = (await fresh_api.post(EXP, json=source_request(2, floco=True), headers=org.content)).json()
        done = await wait_job(fresh_api, org, job["id"])
        await until(fresh_api, lambda: len(hook.received) == 1)
    got = hook.received[0]
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert verify(got["body"], headers["tutorflow-signature"], secret) <= time.time()
    assert headers["tutorflow-event"] == "content.completed"
    assert headers["tutorflow-delivery"] == got["json"]["id"]
    assert got["json"]["type"] == "content.completed"
    assert got["json"]["data"] == {
        "jobId": job["id"],
        "status": "completed",
        "sourceType": "floco",
        "requestedOutputs": job["requestedOutputs"],
        "completedAt": done["completedAt"],
        "classroomId": org.classroom_id,
    }
    with pytest.raises(SignatureError):
        verify(got["body"], headers["tutorflow-signature"], "whsec_wrong")
    deliveries = (await fresh_api.get("/_mock/webhooks/deliveries")).json()["data"]
    assert [d["state"] for d in deliveries] == ["delivered"]


@pytest.mark.slow
async def test_only_subscribed_events_and_own_organization(fresh_api: httpx.AsyncClient) -> None:
    org, other = await seed_org(fresh_api), await seed_org(fresh_api)
    with Receiver() as hook, Receiver() as other_hook:
        await subscribe(fresh_api, org, hook.url, ["content.failed"])
        await subscribe(fresh_api, other, other_hook.url, ["content.completed", "content.failed"])
        ok = (await fresh_api.post(EXP, json=source_request(), headers=org.content)).json()
        await fresh_api.put("/_mock/faults", json={"fail_next_jobs": 1})
        bad = (await fresh_api.post(EXP, json=source_request(2), headers=org.content)).json()
        assert (await wait_job(fresh_api, org, ok["id"]))["status"] == "completed"
        assert (await wait_job(fresh_api, org, bad["id"]))["status"] == "failed"
        await until(fresh_api, lambda: len(hook.received) == 1)
        await asyncio.sleep(0.1)
        await fresh_api.pump()  # type: ignore[attr-defined]
    assert [r["json"]["data"]["jobId"] for r in hook.received] == [bad["id"]]
    assert hook.received[0]["json"]["type"] == "content.failed"
    assert other_hook.received == []


@pytest.mark.slow
async def test_failed_delivery_is_retried(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    with Receiver(fail_first=2) as hook:
        await subscribe(fresh_api, org, hook.url, ["content.completed"])
        job = (await fresh_api.post(EXP, json=source_request(), headers=org.content)).json()
        await wait_job(fresh_api, org, job["id"])
        await until(fresh_api, lambda: len(hook.received) == 3)
    bodies = {r["body"] for r in hook.received}
    assert len(bodies) == 1  # the same delivery each time
    deliveries = (await fresh_api.get("/_mock/webhooks/deliveries")).json()["data"]
    assert len(deliveries) == 1
    assert [a["statusCode"] for a in deliveries[0]["attempts"]] == [500, 500, 200]
    assert deliveries[0]["state"] == "delivered"


@pytest.mark.slow
async def test_unreachable_receiver_gives_up_after_retries(fresh_api: httpx.AsyncClient) -> None:
    org = await seed_org(fresh_api)
    with Receiver() as hook:
        dead_url = hook.url
    await subscribe(fresh_api, org, dead_url, ["content.completed"])  # nothing listens there any more
    job = (await fresh_api.post(EXP, json=source_request(), headers=org.content)).json()
    await wait_job(fresh_api, org, job["id"])

    deadline = time.monotonic() + 10
    while True:
        data = (await fresh_api.get("/_mock/webhooks/deliveries")).json()["data"]
        if data and data[0]["state"] != "pending":
            break
        await fresh_api.post("/_mock/clock/advance", json={"seconds": 30})  # past every retry delay
        await fresh_api.pump()  # type: ignore[attr-defined]
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    d = data[0]
    assert d["state"] == "failed" and len(d["attempts"]) == 4
    assert all(a["statusCode"] is None and a["error"] for a in d["attempts"])


def test_signature_scheme() -> None:
    body = json.dumps({"id": "d1"}).encode()
    header = sign(body, "whsec_abc", timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify(body, header, "whsec_abc", now=1_700_000_100) == 1_700_000_000
    cases = [
        (body + b" ", header, "does not match"),  # tampered body
        (body, header.replace("t=1700000000", "t=1700000001"), "does not match"),  # tampered timestamp
        (body, None, "missing"),
        (body, "garbage", "malformed"),
        (body, "v1=abc", "timestamp"),
    ]
    for b, h, message in cases:
        with pytest.raises(SignatureError, match=message):
            verify(b, h, "whsec_abc", now=1_700_000_000)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(body, header, "whsec_abc", now=1_700_000_000 + 301)
    rotated = header + ",v1=" + "0" * 64  # several signatures: any may match
    assert verify(body, rotated, "whsec_abc", now=1_700_000_000)
