"""Batches within the key's budget, with polling or webhooks, and the webhook receiver's refusals."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest
from conftest import POLL, seed_org_sync, source_request

from tutorflow_nb import AdminClient, ContentClient, ManifestStore, PlatformClient, WebhookReceiver
from tutorflow_nb.errors import ConfigurationError
from tutorflow_nb.http import RetryPolicy
from tutorflow_nb.mock import MockServer
from tutorflow_nb.signing import sign
from tutorflow_nb.sync import run_sync


def requests_for(n: int) -> list[dict]:
    return [source_request(i % 3 + 1, level=f"level-{i}") for i in range(n)]


def server_jobs(server: MockServer) -> list[dict]:
    return httpx.get(server.url("/_mock/jobs")).json()["data"]


@pytest.mark.slow
def test_batch_completes_every_item_once_within_the_limit(own_server: MockServer) -> None:
    org = seed_org_sync(own_server, rateLimitPerMinute=40)
    updates: list[str] = []
    with ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
        batch = content.expansions.run_batch(requests_for(30), on_update=lambda item: updates.append(item.status))
        assert [i.status for i in batch] == ["completed"] * 30
        assert batch.rate_limited == 0
        assert batch.requests_per_job <= 2.5, batch  # close to the minimum of two
        assert all(len(i.result.outputs) == 3 for i in batch)
        assert len({i.job_id for i in batch}) == 30
        again = content.expansions.run_batch(requests_for(30))  # a re-run replays: the same keys, the same jobs
        assert [i.job_id for i in again] == [i.job_id for i in batch]
        # a replayed create answers as the first create did (the job queued); each result is still fetched, once
        assert [i.result.job.id for i in again] == [i.job_id for i in batch]
        assert again.requests == 60
    assert len([j for j in server_jobs(own_server) if j["organizationId"] == org.id]) == 30
    assert ("completed" in updates and "processing" in updates) or "queued" in updates


@pytest.mark.slow
def test_batch_reports_refused_items_and_goes_on(own_server: MockServer) -> None:
    org = seed_org_sync(own_server)
    bad = {"requestedOutputs": ["interactive_module"], "payload": {"category": "x"}}
    with ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
        batch = content.expansions.run_batch([source_request(), ("bad-one", bad), source_request(2)])
    assert [i.status for i in batch] == ["completed", "error", "completed"]
    assert batch[1].external_id == "bad-one" and "payload.level" in batch[1].error
    assert batch.failed == [batch[1]]


@pytest.mark.slow
def test_an_outage_longer_than_the_clients_retries_sets_items_back_not_lost(
    own_server: MockServer, tmp_path: Path
) -> None:
    org = seed_org_sync(own_server)
    httpx.put(own_server.url("/_mock/faults"), json={"error_rate": 1.0})  # every call answers 503
    threading.Timer(0.4, lambda: httpx.delete(own_server.url("/_mock/faults"))).start()
    with (
        ContentClient(
            own_server.base_url, org.content_key, poll_interval=POLL, retry=RetryPolicy(max_retries=0)
        ) as content,
        ManifestStore(tmp_path / "o.sqlite") as store,
    ):
        batch = content.expansions.run_batch(requests_for(8), store=store)
        assert [i.status for i in batch] == ["completed"] * 8
        assert all(i.setbacks >= 1 for i in batch)  # each create failed once, and was sent again
        assert store.count("completed") == 8
    keys = [j["idempotencyKey"] for j in server_jobs(own_server) if j["organizationId"] == org.id]
    assert sorted(keys) == sorted(i.idempotency_key for i in batch)  # one job per item


class _Setbacks(logging.Handler):
    """Reads the batch's "trying again in Xs (n/5)" lines; ends the outage ``after`` seconds past the first."""

    LINE = re.compile(r"batch item (\d+): .*; trying again in ([0-9.]+)s \((\d+)/5\)")

    def __init__(self, server: MockServer, after: float) -> None:
        super().__init__(logging.INFO)
        self.ending = threading.Timer(after, lambda: httpx.delete(server.url("/_mock/faults")))
        self.delays: dict[int, list[float]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        found = self.LINE.fullmatch(record.getMessage())
        assert found, record.getMessage()
        self.delays.setdefault(int(found[1]), []).append(float(found[2]))
        if not self.ending.is_alive() and not self.ending.finished.is_set():
            self.ending.start()


@pytest.mark.slow
@pytest.mark.parametrize(
    "policy",
    [
        RetryPolicy(max_retries=0),
        RetryPolicy(max_retries=0, base=0.0),  # retries at once: five of its setbacks would be over in no time
        RetryPolicy(max_retries=1, base=0.01, cap=0.02),
        RetryPolicy(max_retries=2, base=0.0, cap=0.0, max_retry_after=0.0),
    ],
    ids=["no-retries", "no-wait", "short-backoff", "nothing-waits"],
)
def test_a_batch_rides_out_an_outage_however_short_its_clients_backoff(
    own_server: MockServer, policy: RetryPolicy, tmp_path: Path
) -> None:
    """A person who tunes the client to retry at once still has a batch that waits out an outage: 1 s, 2 s ..."""
    org = seed_org_sync(own_server)
    setbacks = _Setbacks(own_server, after=0.4)  # longer than a no-wait client takes to give up, shorter than 1 s
    log = logging.getLogger("tutorflow_nb.jobs")
    level, log.level = log.level, logging.INFO
    log.addHandler(setbacks)
    httpx.put(own_server.url("/_mock/faults"), json={"error_rate": 1.0})  # every call answers 503 until it ends
    try:
        with (
            ContentClient(own_server.base_url, org.content_key, poll_interval=POLL, retry=policy) as content,
            ManifestStore(tmp_path / "o.sqlite") as store,
        ):
            batch = content.expansions.run_batch(requests_for(3), store=store)
            assert store.count("completed") == 3
    finally:
        log.removeHandler(setbacks)
        log.level = level
        setbacks.ending.cancel()
        httpx.delete(own_server.url("/_mock/faults"))
    assert [i.status for i in batch] == ["completed"] * 3
    assert set(setbacks.delays) == {0, 1, 2}  # every create failed after the client's retries, and was set back
    for delays in setbacks.delays.values():
        assert delays == [1.0, 2.0, 4.0, 8.0, 16.0][: len(delays)]
    keys = [j["idempotencyKey"] for j in server_jobs(own_server) if j["organizationId"] == org.id]
    assert sorted(keys) == sorted(i.idempotency_key for i in batch)  # one job per item


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_retries": "3"}, "max_retries"),
        ({"base": -0.1}, "base"),
        ({"base": float("nan")}, "base"),
        ({"base": float("inf")}, "base"),
        ({"base": "0.5"}, "base"),
        ({"cap": -1}, "cap"),
        ({"cap": float("inf")}, "cap"),
        ({"max_retry_after": -5}, "max_retry_after"),
        ({"max_retry_after": None}, "max_retry_after"),
        ({"base": 10**400}, "base"),  # no float holds it
        ({"cap": Decimal("NaN")}, "cap"),
        ({"base": Decimal("sNaN")}, "base"),  # a signaling NaN: no float at all
    ],
)
def test_a_retry_policy_that_cannot_work_is_refused_by_its_field(arguments: dict, named: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"RetryPolicy\({named}=\.\.\.\) must be"):
        RetryPolicy(**arguments)


@pytest.mark.parametrize(
    "arguments",
    [
        {"max_retries": 0, "base": 0, "cap": 0, "max_retry_after": 0},
        {"max_retries": 10**6, "base": 10**6, "cap": 10**9},
        {"max_retries": np.int64(3), "base": np.float32(0.25), "cap": np.float64(2.0)},
        {"base": Fraction(1, 4), "cap": Decimal("2.5"), "max_retry_after": Decimal("10")},
    ],
    ids=["zeros", "huge", "numpy", "fraction-decimal"],
)
def test_a_retry_policy_takes_any_real_number_of_seconds(arguments: dict) -> None:
    policy = RetryPolicy(**arguments)
    assert type(policy.max_retries) is int  # what the client sleeps and counts with: plain Python numbers
    assert all(type(getattr(policy, name)) is float for name in ("base", "cap", "max_retry_after"))
    for n in (0, 1, 10, 10_000):
        assert 0 <= policy.backoff(n) <= policy.ceiling(n) <= float(policy.cap)


def test_a_retry_policys_waits_grow_to_its_cap_and_never_past_it() -> None:
    policy = RetryPolicy(base=0.5, cap=30.0)
    assert [policy.ceiling(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.ceiling(10_000) == 30.0  # no overflow however long an outage lasts
    assert all(0 <= policy.backoff(n) <= policy.ceiling(n) for n in range(12) for _ in range(50))


@pytest.mark.slow
def test_batch_with_failed_jobs(own_server: MockServer) -> None:
    org = seed_org_sync(own_server)
    httpx.put(own_server.url("/_mock/faults"), json={"fail_next_jobs": 2})
    with ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
        batch = content.expansions.run_batch(requests_for(5))
    statuses = [i.status for i in batch]
    assert statuses.count("failed") == 2 and statuses.count("completed") == 3
    failed = next(i for i in batch if i.status == "failed")
    assert [o.status for o in failed.result.outputs] == ["failed"] * len(failed.result.outputs)


@pytest.mark.slow
def test_batch_with_webhooks_needs_two_requests_per_job(own_server: MockServer) -> None:
    demo = own_server.demo
    with (
        WebhookReceiver() as receiver,
        ContentClient(own_server.base_url, demo.content_key, poll_interval=POLL) as content,
    ):
        admin = AdminClient(own_server.base_url, cookies={"tutorflow_admin_session": demo.session_token})
        run_sync(receiver.subscribe(admin.aio, demo.organization_id))
        batch = content.expansions.run_batch(requests_for(20), receiver=receiver)
        admin.close()
    assert [i.status for i in batch] == ["completed"] * 20
    assert batch.requests_per_job <= 2.05, batch
    assert len(receiver.accepted) == 20 and receiver.rejected == []


@pytest.mark.slow
@pytest.mark.parametrize("lost", [0.5, 1.0])
def test_a_webhook_batch_survives_lost_deliveries(own_server: MockServer, lost: float) -> None:
    demo = own_server.demo
    httpx.put(own_server.url("/_mock/faults"), json={"webhook_drop_rate": lost})
    with (
        WebhookReceiver() as receiver,
        ContentClient(own_server.base_url, demo.content_key, poll_interval=POLL) as content,
    ):
        admin = AdminClient(own_server.base_url, cookies={"tutorflow_admin_session": demo.session_token})
        run_sync(receiver.subscribe(admin.aio, demo.organization_id))
        admin.close()
        batch = content.expansions.run_batch(requests_for(12), receiver=receiver)
    assert [i.status for i in batch] == ["completed"] * 12  # fetched when the grace ran out
    assert all(len(i.result.outputs) == 3 for i in batch)
    lost_attempts = [a for d in own_server.control.deliveries() for a in d["attempts"] if a["error"]]
    assert lost_attempts  # deliveries really were lost
    if lost == 1.0:
        assert receiver.accepted == []
    assert batch.requests_per_job <= 3.5, batch  # create, fallback fetch, a spare


@pytest.mark.slow
def test_course_and_module_batches(own_server: MockServer) -> None:
    with PlatformClient(own_server.base_url, own_server.demo.platform_key, poll_interval=POLL) as platform:
        courses = platform.courses.run_batch([{"prompt": f"Course {i}", "lessonCount": 3} for i in range(5)])
        assert [i.status for i in courses] == ["completed"] * 5
        assert all(i.result.price_snapshot.units == i.result.lesson_count for i in courses)
        again = platform.courses.run_batch([{"prompt": f"Course {i}", "lessonCount": 3} for i in range(5)])
        assert [i.job_id for i in again] == [i.job_id for i in courses]
        modules = platform.modules.run_batch([{"prompt": f"Module {i}"} for i in range(4)])
        assert [i.status for i in modules] == ["completed"] * 4
        # a create each, and a GET that checks the module still exists: a fresh module's answer does not say it
        # is fresh (idempotentReplay is documented for courses only), so a replay of a deleted one must be ruled out
        assert modules.requests == 8


@pytest.fixture
def receiver() -> WebhookReceiver:
    with WebhookReceiver(secrets=["whsec_test"]) as r:
        yield r


def _delivery(delivery_id: str = "d1", job_id: str = "job-1") -> bytes:
    return json.dumps(
        {"id": delivery_id, "type": "content.completed", "data": {"jobId": job_id, "status": "completed"}}
    ).encode()


def _post(receiver: WebhookReceiver, body: bytes, signature: str | None, delivery: str = "d1") -> httpx.Response:
    headers = {"Content-Type": "application/json", "TutorFlow-Delivery": delivery}
    if signature:
        headers["TutorFlow-Signature"] = signature
    return httpx.post(receiver.url, content=body, headers=headers)


@pytest.mark.slow
def test_receiver_accepts_signed_and_refuses_forged_replayed_stale(receiver: WebhookReceiver) -> None:
    body = _delivery()
    assert _post(receiver, body, sign(body, "whsec_wrong")).status_code == 401  # forged
    assert _post(receiver, body, None).status_code == 401  # unsigned
    stale = sign(body, "whsec_test", timestamp=int(time.time()) - 3600)
    assert _post(receiver, body, stale).status_code == 401  # stale
    tampered = body.replace(b"completed", b"failed!!!")
    assert _post(receiver, tampered, sign(body, "whsec_test")).status_code == 401  # body changed
    assert receiver.accepted == [] and receiver.event_for("job-1") is None  # nothing changed
    assert _post(receiver, body, sign(body, "whsec_test")).status_code == 200
    assert receiver.event_for("job-1")["id"] == "d1"
    assert _post(receiver, body, sign(body, "whsec_test")).status_code == 409  # replayed
    assert len(receiver.accepted) == 1
    assert _post(receiver, b"not json", sign(b"not json", "whsec_test"), "d2").status_code == 400
    assert httpx.post(receiver.url.rsplit("/", 1)[0] + "/elsewhere", content=b"{}").status_code == 404
    assert [status for status, _ in receiver.rejected] == [401, 401, 401, 401, 409, 400]


@pytest.mark.slow
@pytest.mark.anyio
async def test_forged_stale_or_replayed_deliveries_wake_no_waiting_batch(receiver: WebhookReceiver) -> None:
    woken: list[str] = []
    receiver.watch("job-1", lambda: woken.append("job-1"))  # as a batch does for each job it waits on
    body = _delivery()

    async def post(content: bytes, signature: str | None) -> int:
        response = await asyncio.to_thread(_post, receiver, content, signature)
        await asyncio.sleep(0.02)  # a wake-up would be scheduled on this loop
        return response.status_code

    assert await post(body, sign(body, "whsec_wrong")) == 401
    assert await post(body, sign(body, "whsec_test", timestamp=int(time.time()) - 3600)) == 401
    assert await post(body.replace(b"completed", b"failed!!!"), sign(body, "whsec_test")) == 401
    assert woken == []
    assert await post(body, sign(body, "whsec_test")) == 200
    assert woken == ["job-1"]
    assert await post(body, sign(body, "whsec_test")) == 409  # the replay
    assert woken == ["job-1"]
