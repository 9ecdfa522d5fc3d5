"""Every error class, retries with the same idempotency key, pacing without 429s."""

from __future__ import annotations

import email.utils
import logging
import re
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from conftest import POLL, seed_org_sync, source_request

from tutorflow_nb import ContentClient, PlatformClient
from tutorflow_nb.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    JobTimeoutError,
    NetworkError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TutorFlowError,
)
from tutorflow_nb.http import HttpSession, RetryPolicy
from tutorflow_nb.keys import ApiKey
from tutorflow_nb.mock import MockServer
from tutorflow_nb.sync import run_sync

NO_RETRY = RetryPolicy(max_retries=0)
FAST = RetryPolicy(max_retries=5, base=0.01, cap=0.05)


def faults(server: MockServer, **settings: float) -> None:
    assert httpx.put(server.url("/_mock/faults"), json=settings).status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    "max_retry_after",
    [60.0, 0.0, 0.001],  # within the policy; cut to nothing or near it, where the backoff would wait longer than asked
)
def test_the_mocks_retry_after_is_waited_as_asked(
    own_server: MockServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    max_retry_after: float,
) -> None:
    monkeypatch.setattr("tutorflow_nb.http.random.uniform", lambda low, high: high)  # the jitter at its longest
    policy = RetryPolicy(max_retries=3, base=0.05, cap=0.2, max_retry_after=max_retry_after)
    asked = round(min(1.0, own_server.state.clock.to_wall(1.0)), 3)  # the mock's Retry-After on an injected 503
    faults(own_server, error_rate=1.0)
    caplog.set_level(logging.INFO, logger="tutorflow_nb.http")
    with (
        ContentClient(own_server.base_url, own_server.demo.content_key, retry=policy) as content,
        pytest.raises(ServerError),
    ):
        content.classrooms()
    said = [re.search(r"-> 503; retry \d+ in ([0-9.]+)s", record.getMessage()) for record in caplog.records]
    delays = [float(found[1]) for found in said if found]
    assert asked < policy.ceiling(0)  # the mock asks for less than the policy's backoff
    assert delays == pytest.approx([asked] * 3, abs=0.006)


@pytest.mark.parametrize(
    ("header", "max_retry_after", "waits"),
    [
        ("0.03", 60.0, 0.03),  # within the policy: as asked
        ("0.5", 0.5, 0.5),  # exactly the policy's longest: as asked
        ("0.6", 0.5, 0.5),  # longer: cut to the policy's longest
        ("0.6", 0.0, "backoff"),  # cut to nothing: the backoff, never a storm
        ("0.04", 0.01, 0.04),  # cut below the backoff, but never longer than the server asked
        ("0", 60.0, "backoff"),  # "now", five times over: the backoff
        ("-1", 60.0, "backoff"),
        ("past", 60.0, "backoff"),  # a date already gone (a skewed clock)
        ("soon", 60.0, "backoff"),  # unreadable
        ("nan", 60.0, "backoff"),
        (None, 60.0, "backoff"),  # absent
    ],
)
def test_a_retry_after_of_any_shape_never_makes_a_storm(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    header: str | None,
    max_retry_after: float,
    waits: float | str,
) -> None:
    monkeypatch.setattr("tutorflow_nb.http.random.uniform", lambda low, high: high)  # the jitter at its longest
    if header == "past":
        header = email.utils.format_datetime(datetime.now(timezone.utc) - timedelta(seconds=5), usegmt=True)
    answers = iter([503, 200])

    def serve(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        headers = {"retry-after": header} if status == 503 and header is not None else {}
        return httpx.Response(status, headers=headers, json={"data": []} if status == 200 else {"error": "busy"})

    policy = RetryPolicy(max_retries=1, base=0.05, cap=0.2, max_retry_after=max_retry_after)
    session = HttpSession(
        "https://tutorflow.test",
        surface="content",
        key=ApiKey("tf_content_" + "7" * 32),
        retry=policy,
        transport=httpx.MockTransport(serve),
    )
    caplog.set_level(logging.INFO, logger="tutorflow_nb.http")
    assert run_sync(session.request("GET", "/v1/content/classrooms")) == {"data": []}
    said = [re.search(r"-> 503; retry 1 in ([0-9.]+)s", record.getMessage()) for record in caplog.records]
    delays = [float(found[1]) for found in said if found]
    assert delays == [pytest.approx(policy.ceiling(0) if waits == "backoff" else waits, abs=0.006)]


def test_400_names_fields_and_is_not_retried(content: ContentClient) -> None:
    before = content.http.stats["requests"]
    with pytest.raises(BadRequestError) as caught:
        content.expansions.create({"requestedOutputs": [], "payload": {}})
    err = caught.value
    assert err.status_code == 400 and err.code == "validation_error"
    assert {"requestedOutputs", "payload.category", "payload.level"} <= {f["field"] for f in err.fields}
    assert "requestedOutputs" in str(err) and "do not retry" in str(err) and err.request_id
    assert content.http.stats["requests"] - before == 1


def test_401_403_404(live_server: MockServer, tf_org) -> None:  # type: ignore[no-untyped-def]
    with (
        ContentClient(live_server.base_url, "tf_content_" + "0" * 32) as stranger,
        pytest.raises(AuthenticationError) as caught,
    ):
        stranger.classrooms()
    assert caught.value.status_code == 401 and caught.value.key_prefix == "tf_content_00000000"
    wrong = HttpSession(live_server.base_url, surface="content", key=ApiKey(tf_org.platform_key))
    try:
        with pytest.raises(PermissionDeniedError) as denied:
            run_sync(wrong.request("GET", "/v1/content/classrooms"))
    finally:
        run_sync(wrong.aclose())
    assert "tf_content_ key on /v1/content/**" in str(denied.value)
    with ContentClient(live_server.base_url, tf_org.content_key) as content, pytest.raises(NotFoundError):
        content.expansions.get("no-such-job")


def test_409_explains_idempotency(content: ContentClient) -> None:
    content.expansions.create(source_request(1), idempotency_key="expansion:fixed:v1")
    with pytest.raises(ConflictError) as caught:
        content.expansions.create(source_request(2), idempotency_key="expansion:fixed:v1")
    assert caught.value.code == "idempotency_key_reused" and "bump the version" in str(caught.value)


def test_413(content: ContentClient) -> None:
    with pytest.raises(PayloadTooLargeError):
        content.modules.create("big", content="x" * (1024 * 1024 + 1))


@pytest.mark.slow
def test_5xx_without_retries_raises_server_error(own_server: MockServer) -> None:
    faults(own_server, error_rate=1.0)
    with (
        ContentClient(own_server.base_url, own_server.demo.content_key, retry=NO_RETRY) as content,
        pytest.raises(ServerError) as caught,
    ):
        content.classrooms()
    assert caught.value.status_code == 503 and isinstance(caught.value, TutorFlowError)


@pytest.mark.slow
def test_5xx_is_retried_until_it_passes(own_server: MockServer) -> None:
    faults(own_server, error_rate=0.5)
    with ContentClient(own_server.base_url, own_server.demo.content_key, retry=RetryPolicy(20, 0.01, 0.05)) as c:
        jobs = [c.expansions.create(source_request(i % 4 + 1, level=f"l{i}")) for i in range(10)]
    assert len({j.id for j in jobs}) == 10
    assert len(httpx.get(own_server.url("/_mock/jobs")).json()["data"]) == 10


@pytest.mark.slow
def test_dropped_connection_retried_with_same_key_makes_one_job(own_server: MockServer) -> None:
    faults(own_server, drop_rate=1.0)
    content = ContentClient(own_server.base_url, own_server.demo.content_key, retry=FAST)
    try:
        with pytest.raises(NetworkError) as caught:
            content.expansions.create(source_request())
        assert "same Idempotency-Key" in str(caught.value)
        assert content.http.stats["retries"] == FAST.max_retries
        faults(own_server, drop_rate=0.0)
        job = content.expansions.create(source_request())  # the same body: the same derived key
    finally:
        content.close()
    jobs = httpx.get(own_server.url("/_mock/jobs")).json()["data"]
    assert [j["id"] for j in jobs] == [job.id]  # exactly one job on the server


def test_network_error_when_nothing_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        ContentClient(f"http://127.0.0.1:{port}", "tf_content_" + "1" * 32, retry=FAST) as content,
        pytest.raises(NetworkError) as caught,
    ):
        content.classrooms()
    assert caught.value.status_code is None and "ConnectError" in str(caught.value)


@pytest.mark.slow
def test_429_without_retries(own_server: MockServer) -> None:
    faults(own_server, burst_429_rate=1.0)
    with (
        ContentClient(own_server.base_url, own_server.demo.content_key, retry=NO_RETRY) as content,
        pytest.raises(RateLimitError) as caught,
    ):
        content.classrooms()
    assert caught.value.status_code == 429 and 0 < caught.value.retry_after <= 1


@pytest.mark.slow
def test_429_bursts_are_recovered(own_server: MockServer) -> None:
    faults(own_server, burst_429_rate=0.3)
    with ContentClient(own_server.base_url, own_server.demo.content_key, retry=RetryPolicy(20, 0.01, 0.05)) as c:
        for _ in range(15):
            assert c.classrooms()
        assert c.http.stats["429"] > 0


@pytest.mark.slow
def test_budget_paces_a_tight_key_without_429(own_server: MockServer) -> None:
    org = seed_org_sync(own_server, rateLimitPerMinute=5)  # 5 requests per 0.6 s of wall time
    with ContentClient(own_server.base_url, org.content_key, retry=NO_RETRY) as content:
        for _ in range(23):  # would 429 on the 6th without pacing
            content.classrooms()
        assert content.http.stats["429"] == 0 and content.http.stats["requests"] == 23
        assert content.http.budget.limit == 5 and content.http.budget.waited > 0


@pytest.mark.slow
def test_one_budget_per_key_across_clients(own_server: MockServer) -> None:
    org = seed_org_sync(own_server, rateLimitPerMinute=4)
    a = ContentClient(own_server.base_url, org.content_key, retry=NO_RETRY)
    b = ContentClient(own_server.base_url, org.content_key, retry=NO_RETRY)
    try:
        assert a.http.budget is b.http.budget
        for _ in range(6):
            a.classrooms()
            b.classrooms()
    finally:
        a.close()
        b.close()


@pytest.mark.slow
def test_wait_timeout(own_server: MockServer) -> None:
    httpx.put(own_server.url("/_mock/clock"), json={"speed": 0.001})
    with ContentClient(own_server.base_url, own_server.demo.content_key, poll_interval=(0.01, 0.02)) as content:
        job = content.expansions.create(source_request())
        with pytest.raises(JobTimeoutError) as caught:
            content.expansions.wait(job.id, timeout=0.2)
    assert caught.value.job.status == "queued"


@pytest.mark.slow
def test_platform_errors(own_server: MockServer) -> None:
    with PlatformClient(own_server.base_url, own_server.demo.platform_key, poll_interval=POLL) as platform:
        with pytest.raises(ValueError, match=r"^lesson_count must be a whole number between 1 and 50"):
            platform.courses.create("x", lesson_count=51)  # the documented cap, refused before it is sent
        with pytest.raises(BadRequestError) as caught:
            platform.courses.create("x", level="expert")
        assert caught.value.fields[0]["field"] == "level"
        with pytest.raises(BadRequestError, match="response/catalog tier"):
            platform.courses.create("x", tier="default")
