"""What a user's type checker sees of batches, per-call options and errors: typed, never ``Any``.

Not run by pytest: ``mypy --strict tests/typing`` checks it. ``assert_type`` fails on ``Any`` as
on a wrong type; a line meant to be refused carries ``# type: ignore[...]``, which strict mode
reports as unused the day the refusal stops.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from typing_extensions import assert_type

import tutorflow_nb as tf
from tutorflow_nb.errors import APIStatusError, StoreError, TutorFlowError
from tutorflow_nb.http import RetryPolicy
from tutorflow_nb.jobs import BatchItem, BatchResult
from tutorflow_nb.models import CourseRequest, ExpansionResult, PlatformModule


def batches_are_typed_by_what_they_make(s: tf.Session, requests: Iterator[dict[str, object]]) -> None:
    expansions = s.content.expansions.run_batch(requests, total=10)
    assert_type(expansions, BatchResult[ExpansionResult])
    assert_type(expansions[0], BatchItem[ExpansionResult])
    assert_type(expansions[0].result, ExpansionResult | None)
    assert_type(expansions.results, list[ExpansionResult | None])
    courses = s.platform.courses.run_batch([{"prompt": "Loops", "lessonCount": 3}])
    assert_type(courses[0].result, CourseRequest | None)
    modules = s.platform.modules.run_batch([{"prompt": "A lesson"}])
    assert_type(modules[0].result, PlatformModule | None)
    for item in s.content.expansions.iter_batch(requests):
        assert_type(item, BatchItem[ExpansionResult])
        assert_type(item.status, str)
    for course in s.platform.courses.iter_batch([]):
        assert_type(course.result, CourseRequest | None)


async def async_batches(client: tf.AsyncContentClient) -> None:
    batch = await client.expansions.run_batch([])
    assert_type(batch, BatchResult[ExpansionResult])
    async for item in client.expansions.iter_batch([]):
        assert_type(item.result, ExpansionResult | None)


def options_keep_the_client_type(s: tf.Session) -> None:
    slow = s.content.with_options(timeout=120, retry=RetryPolicy(max_retries=8), headers={"X-Trace": "1"})
    assert_type(slow, tf.ContentClient)
    assert_type(s.platform.with_options(timeout=60), tf.PlatformClient)
    assert_type(s.admin.with_options(retry=RetryPolicy(max_retries=0)), tf.AdminClient)
    assert_type(s.content.aio.with_options(timeout=5), tf.AsyncContentClient)
    s.content.with_options(timeout="soon")  # type: ignore[arg-type]


def errors_carry_their_request(error: TutorFlowError, status: APIStatusError, store: StoreError) -> None:
    assert_type(error.request, httpx.Request | None)
    assert_type(error.response, httpx.Response | None)
    assert_type(error.request_id, str | None)
    assert_type(error.retryable, bool)
    assert_type(error.retries, int)
    assert_type(status.status_code, int | None)
    assert_type(store.path, str | None)
