"""What a user's type checker sees: every public name has a real type, none is ``Any``.

Not run by pytest: ``mypy --strict tests/typing`` checks it (CI's lint step, and CONTRIBUTING.md).
``assert_type`` fails on ``Any`` as on a wrong type, so a name that loses its type fails here.
"""

from __future__ import annotations

from decimal import Decimal

from typing_extensions import assert_type

import tutorflow_nb as tf
from tutorflow_nb import frames, pricing
from tutorflow_nb.jobs import BatchResult
from tutorflow_nb.models import (
    Classroom,
    CourseRequest,
    DeleteResult,
    ExpansionJob,
    ExpansionResult,
    PlatformModule,
    Resource,
)
from tutorflow_nb.sync_clients import CourseEditor


def a_session() -> None:
    s = tf.connect()
    assert_type(s, tf.Session)
    assert_type(s.content, tf.ContentClient)
    job = s.content.expansions.create({"requestedOutputs": ["summary_video"], "payload": {}})
    assert_type(job, ExpansionJob)
    assert_type(s.content.expansions.wait_result(job.id), ExpansionResult)
    assert_type(s.content.classrooms(), list[Classroom])
    module = s.content.modules.create("My module", metadata={"externalId": "module:ext-1"})
    assert_type(module, Resource)
    assert_type(s.content.modules.delete(module.id), DeleteResult)
    assert_type(s.content.expansions.run_batch([]), BatchResult[ExpansionResult])
    course = s.platform.courses.create("A beginner Python course covering loops", lesson_count=6)
    assert_type(course, CourseRequest)
    assert course.price_snapshot is not None
    assert_type(course.price_snapshot.amount_usd, Decimal)
    assert_type(s.platform.courses.editor(course), CourseEditor)
    assert_type(s.platform.modules.create("A lesson"), PlatformModule)
    assert_type(s.admin.organizations()[0].id, str)
    assert_type(s.content.aio, tf.AsyncContentClient)


async def async_clients() -> None:
    async with tf.AsyncContentClient("https://api.tutorflow.io", "tf_content_x") as client:
        assert_type(await client.expansions.get("job"), ExpansionJob)


def frames_and_prices() -> None:
    est = pricing.estimate(courses=[5, 10], modules=3)
    assert_type(est, pricing.Estimate)
    assert_type(est.total, Decimal)
    store = tf.ManifestStore("tutorflow.sqlite")
    assert_type(store, tf.ManifestStore)
    frames.jobs([])
