"""The state model driven directly, without HTTP: clock, limits, idempotency, generation, money."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tutorflow_nb.mock import Faults, MockState
from tutorflow_nb.mock.clock import Clock, iso
from tutorflow_nb.mock.errors import BadRequest, Conflict, Forbidden, RateLimited, Unauthorized
from tutorflow_nb.mock.generator import classify, course_plan, infer_type
from tutorflow_nb.mock.platform import price_snapshot
from tutorflow_nb.mock.ratelimit import RateLimiter
from tutorflow_nb.mock.state import paginate
from tutorflow_nb.models.requests import ExpansionCreate, PlatformCourseCreate


def test_clock_speed_advance_and_wall_conversion() -> None:
    clock = Clock(speed=10, start=1_000_000)
    t0 = clock.now()
    assert clock.advance(60) - t0 >= 60
    assert clock.to_wall(60) == 6
    clock.set_speed(2)
    assert clock.to_wall(60) == 30 and clock.now() >= t0 + 60
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    for unusable in (0, -1, math.nan, math.inf, True):
        with pytest.raises(ValueError, match="speed must be a number above 0"):
            Clock(speed=unusable)
        with pytest.raises(ValueError, match="speed must be a number above 0"):
            clock.set_speed(unusable)
    assert clock.speed == 2  # a refused speed changes nothing
    assert iso(0) == "1970-01-01T00:00:00.000Z"


def test_rate_limiter_window_on_the_mock_clock() -> None:
    clock = Clock(speed=1)
    limiter = RateLimiter(clock)
    assert [limiter.charge("k", 2).remaining for _ in range(2)] == [1, 0]
    with pytest.raises(RateLimited) as exc:
        limiter.charge("k", 2)
    assert 0 < exc.value.retry_after <= 60
    assert limiter.charge("other", 2).remaining == 1
    clock.advance(60)
    assert limiter.charge("k", 2).remaining == 1


def test_authenticate_rules() -> None:
    state = MockState()
    demo = state.provision_demo()
    assert state.authenticate("content", demo.content_key).org.id == demo.organization_id
    with pytest.raises(Forbidden):
        state.authenticate("content", demo.platform_key)
    with pytest.raises(Forbidden):
        state.authenticate("platform", demo.content_key)
    for bad in (None, "", "tf_content_nope", "Bearer"):
        with pytest.raises(Unauthorized):
            state.authenticate("content", bad)


def test_keys_are_kept_as_hashes_only() -> None:
    state = MockState()
    demo = state.provision_demo()
    stored = repr(state.keys) + repr(state.keys_by_hash)
    assert demo.content_key not in stored and demo.platform_key not in stored
    assert demo.content_key not in repr(demo) and demo.platform_key not in repr(demo)


def test_idempotency_replay_and_conflict_in_the_model() -> None:
    state = MockState()
    demo = state.provision_demo()
    who = state.authenticate("content", demo.content_key)
    body = ExpansionCreate.model_validate(
        {
            "requestedOutputs": ["expanded_quiz"],
            "payload": {
                "category": "c",
                "level": {
                    "id": "l",
                    "title": "L",
                    "lessons": [{"id": "1", "type": "t", "title": "T", "items": [{"term": "a", "meaning": "b"}]}],
                },
            },
        }
    )
    code, first = state.content.create_expansion(who, body, "k1")
    assert code == 202
    assert state.content.create_expansion(who, body, "k1")[1]["id"] == first["id"]
    changed = body.model_copy(update={"requestedOutputs": ["summary_video"]})
    with pytest.raises(Conflict):
        state.content.create_expansion(who, changed, "k1")
    assert len(state.content.jobs) == 1


def test_job_timeline_and_settle_once() -> None:
    state = MockState(speed=1)
    demo = state.provision_demo()
    who = state.authenticate("content", demo.content_key)
    body = ExpansionCreate.model_validate(
        {
            "requestedOutputs": ["interactive_module", "summary_video"],
            "payload": {
                "category": "c",
                "level": {
                    "id": "l",
                    "title": "L",
                    "lessons": [{"id": "1", "type": "t", "title": "T", "items": [{"term": "a", "meaning": "b"}]}],
                },
            },
        }
    )
    _, job = state.content.create_expansion(who, body, None)
    assert state.content.get_job(who, job["id"])["status"] == "queued"
    state.clock.advance(1.0)
    assert state.content.get_job(who, job["id"])["status"] == "processing"
    modules_before = state.counts()["modules"]
    state.clock.advance(60)
    assert state.content.settle_due() == 1 and state.content.settle_due() == 0
    assert state.content.get_job(who, job["id"])["status"] == "completed"
    assert state.counts()["modules"] == modules_before + 1 and state.counts()["videos"] == 1


def test_faults_validate_and_fail_next() -> None:
    with pytest.raises(ValueError, match="error_rate"):
        Faults(error_rate=1.5)
    with pytest.raises(ValueError, match="latency_ms must be >= 0"):
        Faults(latency_ms=-1)
    state = MockState(faults=Faults(fail_next_jobs=2))
    assert [state.faults.job_fails() for _ in range(3)] == [True, True, False]
    with pytest.raises(ValueError, match="unknown"):
        state.faults.update(nope=1)


def test_course_plan_is_deterministic_and_follows_the_rules() -> None:
    req = PlatformCourseCreate(prompt="Create a beginner Python course covering variables, loops, and functions")
    assert course_plan(req, 1) == course_plan(req, 1)
    assert any(
        course_plan(PlatformCourseCreate(prompt=f"History {i}", lessonCount=10), 1)["lessons"]
        != course_plan(PlatformCourseCreate(prompt=f"History {i}", lessonCount=10), 2)["lessons"]
        for i in range(5)
    )
    plan = course_plan(req, 1)
    assert plan["lessons"][0]["type"] == "coding-lesson"
    assert [c["title"] for c in plan["chapters"]] == ["Variables", "Loops", "Functions"]
    for count in (1, 2, 50):
        n = len(course_plan(PlatformCourseCreate(prompt="Geology", lessonCount=count), 0)["lessons"])
        assert 1 <= n <= 50 and abs(n - count) <= 1


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Python for data analysis", "programming"),
        ("Prompt engineering basics", "ai"),
        ("Spanish vocabulary for travel", "language"),
        ("The French Revolution", "general"),
        ("Photosynthesis", "general"),
        ("Learn to speak Japanese", "language"),
        ("English grammar drills", "language"),
        ("German history 1800-1900", "general"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_infer_type_rules() -> None:
    assert infer_type("Practice: Factoring Polynomials", None, "Intermediate Algebra") == "exam"
    assert infer_type("Practice: loops", None, "Python course") == "coding-test"
    assert infer_type("Key vocabulary") == "flashcard"
    assert infer_type("Course overview") == "markdown"
    assert infer_type("Why the sky is blue") == "ai-tutor"


def test_money_is_exact() -> None:
    for units in range(51):
        snap = price_snapshot("course", units)
        assert Decimal(str(snap["amountUsd"])) == Decimal("0.05") * units
    assert price_snapshot("course", 6)["amountUsd"] == 0.30
    assert price_snapshot("course", 10)["amountUsd"] == 0.50
    total = sum(Decimal(str(price_snapshot("module", 1)["amountUsd"])) for _ in range(1000))
    assert total == Decimal("50.00")


def test_paginate() -> None:
    items = [{"i": i} for i in range(5)]
    first = paginate(items, 2, None)
    second = paginate(items, 2, first["nextCursor"])
    third = paginate(items, 2, second["nextCursor"])
    assert [x["i"] for x in first["data"] + second["data"] + third["data"]] == [0, 1, 2, 3, 4]
    assert third["nextCursor"] is None
    for limit, cursor in ((0, None), (101, None), (2, "@@@")):
        with pytest.raises(BadRequest):
            paginate(items, limit, cursor)
