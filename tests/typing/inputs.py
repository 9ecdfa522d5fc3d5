"""What a user's type checker accepts and refuses as input: estimates, reconciliations and the widgets' clients.

Not run by pytest: ``mypy --strict tests/typing`` checks it. Each line of :func:`refused` carries the
``# type: ignore[code]`` its mistake must raise; strict mode warns of an ignore that is not needed, so a
signature that goes back to ``Any`` (and so accepts the mistake) fails here.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from typing_extensions import assert_type

import tutorflow_nb as tf
from tutorflow_nb import frames, pricing
from tutorflow_nb.jobs import BatchResult
from tutorflow_nb.models import CourseRequest, ExpansionJob, PlatformModule
from tutorflow_nb.widgets import CostEstimator, CourseBrowser, Discovery, ExpansionForm, JobMonitor

REQUEST = {"requestedOutputs": ["summary_video"], "payload": {"category": "Vocabulary"}}


def accepted(
    s: tf.Session, course: CourseRequest, module: PlatformModule, batch: BatchResult[CourseRequest], job: ExpansionJob
) -> None:
    est = pricing.estimate(
        courses=[5, {"prompt": "A course on loops", "lessonCount": 6}, ("course-3", {"prompt": "Loops"}), None],
        modules=[{"prompt": "A lesson"}],
        expansions=[REQUEST],
        history=[(5, 6), (10, 9)],
    )
    assert_type(est, pricing.Estimate)
    pricing.estimate(courses=3, modules=2, expansions=1, history=batch.items)
    pricing.estimate(history=pd.DataFrame({"requested_lessons": [5], "generated_lessons": [6]}))
    priced = pricing.Catalog.default().with_prices({"expansion.summary_video": "0.10", "course.default": Decimal(1)})
    pricing.estimate(expansions=2, catalog=priced)
    assert_type(pricing.history_from([(5, 6)]), list[tuple[int, int]])
    assert_type(pricing.reconcile(est, [course, module]), pd.DataFrame)
    pricing.reconcile(est, course)
    pricing.reconcile(est, batch.items)
    pricing.reconcile(est, frames.price_snapshots([course, module]))
    pricing.reconcile(est, [course.to_wire()])

    ExpansionForm(s.content, request=REQUEST)
    ExpansionForm(on_launch=lambda request: request)
    assert_type(JobMonitor().start(s.content, [REQUEST]), JobMonitor)
    JobMonitor().start(s.platform, [("course-1", {"prompt": "Loops"})], group="courses")
    JobMonitor().start(s.content.aio, [REQUEST])
    JobMonitor().watch(s.content, job)
    JobMonitor().watch(s.content, job.id)
    CostEstimator([5, 10], 1, history=[(5, 6)], billed=[course, module])
    CostEstimator(history=batch.items, billed=batch.items).set_billed(frames.price_snapshots([course]))
    Discovery(s.admin)
    CourseBrowser(s.platform, course)


def refused(s: tf.Session, course: CourseRequest, est: pricing.Estimate) -> None:
    pricing.estimate(history="5,6")  # type: ignore[arg-type]
    pricing.estimate(history=[("5", 6)])  # type: ignore[list-item]
    pricing.estimate(courses="5")  # type: ignore[arg-type]
    pricing.estimate(expansions=["summary_video"])  # type: ignore[list-item]
    pricing.Catalog.default().with_prices({"course.default": [0.05]})  # type: ignore[dict-item]
    pricing.reconcile(est, "course-1")  # type: ignore[arg-type]
    pricing.reconcile(est, 0.30)  # type: ignore[arg-type]
    pricing.reconcile(course, [course])  # type: ignore[arg-type]

    ExpansionForm(s.platform)  # type: ignore[arg-type]
    ExpansionForm(s.admin)  # type: ignore[arg-type]
    JobMonitor().start(s.admin, [REQUEST])  # type: ignore[arg-type]
    JobMonitor().start(s.content, REQUEST["requestedOutputs"])  # type: ignore[arg-type]
    JobMonitor().watch(s.platform, "job-id")  # type: ignore[arg-type]
    JobMonitor().watch(s.content, 42)  # type: ignore[arg-type]
    CostEstimator(history="5,6")  # type: ignore[arg-type]
    CostEstimator(billed=0.30)  # type: ignore[arg-type]
    Discovery(s.content)  # type: ignore[arg-type]
    CourseBrowser(s.content, course)  # type: ignore[arg-type]
    CourseBrowser(s.platform, course.to_wire())  # type: ignore[arg-type]
