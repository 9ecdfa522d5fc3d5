"""One rule for what is sent again (``errors.may_retry``): the HTTP layer retries by it, a batch sets items
back by it, and an error's message says a request was sent again only when it was.

Every case of the table goes through the real ``HttpSession`` on an ``httpx.MockTransport`` that answers
every request the same way, so the number of requests sent is counted, not assumed.
"""

from __future__ import annotations

import itertools
import re

import httpx
import pytest

from tutorflow_nb import ContentClient
from tutorflow_nb.errors import TRANSIENT_STATUSES, NetworkError, TutorFlowError, may_retry
from tutorflow_nb.http import HttpSession, RetryPolicy
from tutorflow_nb.sync import run_sync

RETRIES = 2
POLICY = RetryPolicy(max_retries=RETRIES, base=0, cap=0)  # retried at once: the table counts, it does not wait
STATUSES = [400, 401, 404, 409, 413, 429, 500, 501, 502, 503, 504, 505, "dropped", "refused"]
CASES = list(itertools.product(["GET", "POST", "PATCH", "DELETE"], [False, True], STATUSES))


def _transport(answer: int | str, sent: list[httpx.Request]) -> httpx.MockTransport:
    def serve(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if answer == "dropped":  # the request went out; the answer never came
            raise httpx.ReadError("connection dropped", request=request)
        if answer == "refused":  # nothing was sent
            raise httpx.ConnectError("connection refused", request=request)
        assert isinstance(answer, int)
        return httpx.Response(answer, json={"message": "as the table says", "code": "table"})

    return httpx.MockTransport(serve)


@pytest.mark.parametrize(("method", "keyed", "answer"), CASES)
def test_a_request_is_sent_again_exactly_when_the_rule_says(method: str, keyed: bool, answer: int | str) -> None:
    sent: list[httpx.Request] = []
    session = HttpSession(
        "https://api.example.test",
        surface="admin",
        cookies={"tutorflow_admin_session": "s" * 32},
        retry=POLICY,
        transport=_transport(answer, sent),
    )
    status = answer if isinstance(answer, int) else None
    rule = may_retry(method, keyed=keyed, status=status, sent=answer != "refused")
    with pytest.raises(TutorFlowError) as caught:
        run_sync(
            session.request(method, "/v1/content/organizations", json={}, idempotency_key="k-1" if keyed else None)
        )
    error = caught.value
    assert len(sent) == (1 + RETRIES if rule else 1)
    assert error.retryable is rule and error.retries == len(sent) - 1
    message = str(error)
    claimed = re.search(r"\bsent again (once|\d+ times)", message)
    assert bool(claimed) == bool(error.retries)  # a retry is claimed exactly when one happened
    assert "retried" not in message and "retries" not in message  # old words that claimed one whatever happened
    if error.retries:
        assert f"sent again {error.retries} times" in message
    if rule and keyed:
        assert "Idempotency-Key" in message
    if status is not None and status >= 500 and status not in TRANSIENT_STATUSES:
        assert "cannot help" in message  # a 501 or a 505: nothing to try again


def test_a_network_error_that_was_never_retried_says_so() -> None:
    sent: list[httpx.Request] = []
    session = HttpSession(
        "https://api.example.test",
        surface="admin",
        retry=RetryPolicy(max_retries=0),
        transport=_transport("dropped", sent),
    )
    with pytest.raises(NetworkError) as caught:
        run_sync(session.request("POST", "/v1/content/auth/sign-in", json={"email": "a@b.c", "password": "pw"}))
    assert len(sent) == 1 and caught.value.retries == 0 and not caught.value.retryable
    assert "not sent again" in str(caught.value) and "Idempotency-Key" in str(caught.value)


def _batch_server(create_answers: list[int], sent: list[str]) -> httpx.MockTransport:
    """Creates answer ``create_answers`` in turn (then 202); a job is done at once."""
    answers = iter(create_answers)

    def serve(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            status = next(answers, 202)
            if status != 202:
                return httpx.Response(status, json={"message": "the server says no", "code": "table"})
            return httpx.Response(202, json={"id": "job-1", "status": "queued"})
        job = {"id": "job-1", "status": "completed"}
        return httpx.Response(200, json={"job": job, "outputs": []})

    return httpx.MockTransport(serve)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("create_answers", "creates", "status"),
    [
        ([501], 1, "error"),  # not transient: the item ends at once, nothing is sent again
        ([400], 1, "error"),
        ([409], 1, "error"),
        ([503], 2, "completed"),  # transient and keyed: set back once, then created
    ],
)
def test_a_batch_sets_back_only_what_the_rule_allows(create_answers: list[int], creates: int, status: str) -> None:
    sent: list[str] = []
    with ContentClient(
        "https://api.example.test",
        "tf_content_" + "a" * 32,
        retry=RetryPolicy(max_retries=0),
        poll_interval=(0.01, 0.02),
        transport=_batch_server(create_answers, sent),
    ) as content:
        batch = content.expansions.run_batch([{"requestedOutputs": ["summary_video"], "payload": {}}])
    assert [s for s in sent if s.startswith("POST")] == ["POST /v1/content/integrations/expansions"] * creates
    assert batch[0].status == status and batch[0].setbacks == creates - 1
    if status == "error":
        assert batch[0].error is not None and "sent again" not in batch[0].error
