"""Per-call options (``with_options``) and errors that carry the request and answer they belong to.

A copy made by ``with_options`` changes only what it was given: it sends through the same connection
pools and the same key budget as its original, so the two together never exceed the key's limit.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import Org

from tutorflow_nb import AdminClient, AsyncContentClient, ContentClient, PlatformClient
from tutorflow_nb.errors import ConfigurationError, NotFoundError, ServerError
from tutorflow_nb.http import RetryPolicy
from tutorflow_nb.mock import MockServer
from tutorflow_nb.sync import run_sync

KEY = "tf_content_" + "a" * 32


def _recording(answer: int = 200) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def serve(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(answer if answer != 200 else 202, json={"id": "job-1", "status": "queued"})
        return httpx.Response(answer, json={"data": [{"id": "room-1", "name": "Room"}]})

    return httpx.MockTransport(serve), seen


def test_a_copy_changes_only_what_it_was_given_and_shares_the_rest() -> None:
    transport, seen = _recording()
    with ContentClient("https://api.example.test", KEY, transport=transport, classroom_id="room-1") as content:
        quick = content.with_options(timeout=5, headers={"X-Trace": "t-1"})
        quick.classrooms()
        quick.expansions.create({"requestedOutputs": ["summary_video"], "payload": {}})
        content.classrooms()
        assert quick.aio.http.budget is content.aio.http.budget  # one key, one budget
        assert quick.aio.http._clients is content.aio.http._clients  # one pool per loop, shared
        assert content.aio.http.stats["requests"] == 3 and quick.aio.http.stats is content.aio.http.stats
        assert quick.aio.chosen_classroom == "room-1" and quick.key_prefix == content.key_prefix
    read, create, original = seen
    assert read.extensions["timeout"]["read"] == 5 and read.headers["x-trace"] == "t-1"
    assert create.extensions["timeout"]["read"] == 30  # a create waits at least the runbook's 30 s
    assert original.extensions["timeout"]["read"] == 30 and "x-trace" not in original.headers


def test_a_copy_with_its_own_retry_policy() -> None:
    transport, seen = _recording(503)
    with ContentClient("https://api.example.test", KEY, transport=transport, retry=RetryPolicy(base=0, cap=0)) as c:
        with pytest.raises(ServerError) as once:
            c.with_options(retry=RetryPolicy(max_retries=0)).classrooms()
        assert len(seen) == 1 and once.value.retries == 0
        with pytest.raises(ServerError) as patient:
            c.classrooms()
        assert len(seen) == 1 + 6 and patient.value.retries == 5


@pytest.mark.parametrize("header", ["Authorization", "cookie", "Idempotency-Key"])
def test_a_header_the_client_sets_itself_is_refused_by_name(header: str) -> None:
    with ContentClient("https://api.example.test", KEY) as content, pytest.raises(ConfigurationError) as caught:
        content.with_options(headers={header: "x"})
    assert header in str(caught.value) and "a" * 32 not in str(caught.value)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "30", True])
def test_a_timeout_that_cannot_work_is_refused(timeout: Any) -> None:
    with ContentClient("https://api.example.test", KEY) as content, pytest.raises(ConfigurationError) as caught:
        content.with_options(timeout=timeout)
    assert "timeout" in str(caught.value)


def test_every_client_and_its_async_twin_has_options(live_server: MockServer, tf_org: Org) -> None:
    cookies = {"tutorflow_admin_session": tf_org.session}
    with (
        ContentClient(live_server.base_url, tf_org.content_key) as content,
        PlatformClient(live_server.base_url, tf_org.platform_key) as platform,
        AdminClient(live_server.base_url, cookies=cookies) as admin,
    ):
        assert content.with_options(timeout=10).classrooms()
        assert platform.with_options(timeout=10).modules.list() == []
        assert admin.with_options(timeout=10).organizations()[0].id == tf_org.id

        async def on_a_loop() -> int:
            async with AsyncContentClient(live_server.base_url, tf_org.content_key) as client:
                return len(await client.with_options(timeout=10).classrooms())

        assert run_sync(on_a_loop()) >= 1


def test_an_error_carries_its_request_and_answer_with_the_key_by_prefix(live_server: MockServer, tf_org: Org) -> None:
    with ContentClient(live_server.base_url, tf_org.content_key) as content, pytest.raises(NotFoundError) as caught:
        content.expansions.get("no-such-job")
    error = caught.value
    assert error.response is not None and error.response.status_code == 404
    assert error.request is not None and error.response.request is error.request
    assert error.request.method == "GET" and error.request.url.path.endswith("/expansions/no-such-job")
    assert error.request_id and error.request_id == error.response.headers.get("x-request-id")
    shown = str(error.request.headers["authorization"]) + repr(error.request.headers) + str(error)
    assert tf_org.content_key not in shown and tf_org.content_prefix in error.request.headers["authorization"]
    assert error.request.content == b""  # no body: a sign-in's holds a password
