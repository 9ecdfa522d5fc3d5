"""Frames (columns, dtypes) on documented payloads; estimates and reconciliation with exact money."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import pandas as pd
import pytest

from tutorflow_nb import frames, idempotency, pricing
from tutorflow_nb.display import format_usd

DOC_COURSE = {
    "id": "a1c2d3e4-f5g6-7h8i-9j0k-l1m2n3o4p5q6",
    "status": "COMPLETED",
    "courseId": "c7d8e9f0",
    "title": "Python Quick Start",
    "description": "A beginner-friendly Python course.",
    "language": "en",
    "subject": None,
    "level": "beginner",
    "slug": "python-quick-start-2e5ad6",
    "tier": "default",
    "mode": "sync",
    "hasQuiz": True,
    "hasPractice": True,
    "lessonCount": 6,
    "priceSnapshot": {
        "category": "course",
        "catalogKey": "course.default",
        "tier": "default",
        "unit": "lesson",
        "unitPrice": 0.05,
        "units": 6,
        "amountUsd": 0.30,
        "currency": "USD",
        "source": "platform_pricing_catalog_v2",
    },
    "shareToken": "b018172542f9a3c4d5e6f7890abcdef12345678",
    "thumbnailUrl": None,
    "previewUrl": "https://tutorflow.io/en/platform/courses/edit/9f3a",
    "publicUrl": "https://tutorflow.io/x/lessons/1",
    "chapters": [
        {"title": "Introduction to Variables", "sequence": 1, "lessonCount": 2, "slug": "intro-cf1710"},
        {"title": "Working with Loops", "sequence": 2, "lessonCount": 2, "slug": "loops-253716"},
        {"title": "Defining Functions", "sequence": 3, "lessonCount": 2, "slug": "functions-ad2b35"},
    ],
    "lessons": [
        {
            "title": f"Lesson {k}",
            "type": t,
            "sequence": k,
            "chapterTitle": "c",
            "chapterSlug": "c",
            "lessonSlug": f"l{k}",
            "lessonUrl": f"https://tutorflow.io/x/lessons/{k}",
        }
        for k, t in enumerate(
            ["ai-tutor", "coding-test", "coding-lesson", "coding-test", "coding-lesson", "coding-test"], 1
        )
    ],
    "idempotencyKey": None,
    "idempotentReplay": None,
    "isTerminal": True,
    "createdAt": "2026-03-24T10:32:15.108Z",
    "completedAt": "2026-03-24T10:32:37.671Z",
}
DOC_MODULE = {
    "id": "4d3b7f2a",
    "title": "Python Variables",
    "type": "markdown",
    "lectureVersion": 1,
    "status": "completed",
    "platformWorkspaceId": "w",
    "platformApiKeyId": "k",
    "idempotencyKey": None,
    "priceSnapshot": {
        "category": "module",
        "catalogKey": "module.default",
        "tier": "default",
        "unit": "lesson",
        "unitPrice": 0.05,
        "units": 1,
        "amountUsd": 0.05,
        "currency": "USD",
        "source": "platform_pricing_catalog_v2",
    },
    "createdAt": "2026-04-27T10:00:00.000Z",
    "completedAt": "2026-04-27T10:00:12.000Z",
}
DOC_RESULT = {
    "job": {"id": "job-id", "sourceType": "floco", "status": "completed"},
    "outputs": [
        {
            "outputType": "interactive_module",
            "resourceType": "module",
            "resourceId": "module-id",
            "manifest": {
                "title": "A1 glossary module",
                "urls": {"publicUrl": "https://tutorflow.io/share/module/share-token"},
            },
        }
    ],
}


def test_every_frame_has_its_documented_columns_even_when_empty() -> None:
    for name in frames.COLUMNS:
        frame = getattr(frames, name)([])
        assert list(frame.columns) == frames.COLUMNS[name] and len(frame) == 0


def test_courses_chapters_lessons_from_the_documented_response() -> None:
    c = frames.courses([DOC_COURSE])
    assert c.loc[0, "amount_usd"] == Decimal("0.3") and c.loc[0, "amount_cents"] == 30
    assert str(c["created_at"].dtype).startswith("datetime64") and str(c["created_at"].dt.tz) == "UTC"
    assert c["status"].dtype == "category" and c["lesson_count"].dtype == "Int64" and c["id"].dtype == "string"
    assert c.loc[0, "chapter_count"] == 3
    ch = frames.chapters([DOC_COURSE])
    assert list(ch["sequence"]) == [1, 2, 3] and list(ch["lesson_count"]) == [2, 2, 2]
    ls = frames.lessons([DOC_COURSE])
    assert len(ls) == 6 and ls["type"].dtype == "category" and ls["sequence"].dtype == "Int64"
    assert ls.loc[0, "type"] == "ai-tutor" and ls.loc[5, "lesson_url"].endswith("/lessons/6")
    pending = {
        **DOC_COURSE,
        "status": "PENDING",
        "lessons": None,
        "chapters": None,
        "priceSnapshot": None,
        "lessonCount": None,
        "completedAt": None,
    }
    c2 = frames.courses([pending])
    assert pd.isna(c2.loc[0, "lesson_count"]) and c2.loc[0, "amount_usd"] is None
    assert len(frames.lessons([pending])) == 0


def test_jobs_mixes_surfaces() -> None:
    exp = {
        "id": "j1",
        "status": "completed",
        "sourceType": "floco",
        "requestedOutputs": ["expanded_quiz"],
        "classroomId": "room",
        "idempotencyKey": "k",
        "createdAt": "2026-07-02T10:00:00.000Z",
        "completedAt": "2026-07-02T10:00:07.500Z",
    }
    j = frames.jobs(
        [exp, DOC_COURSE, DOC_MODULE, {**DOC_RESULT, "job": {**DOC_RESULT["job"], "sourceType": "tutorflow_ui"}}]
    )
    assert list(j["surface"]) == ["content", "platform", "platform", "content"]
    assert list(j["kind"]) == ["expansion", "course", "module", "export"]
    assert list(j["is_terminal"]) == [True, True, True, True]
    assert j.loc[0, "duration_s"] == 7.5 and j.loc[1, "duration_s"] == pytest.approx(22.563)
    assert j["duration_s"].dtype == "Float64"


def test_outputs_in_the_manifest_storage_shape() -> None:
    o = frames.outputs([DOC_RESULT], source_ids={"job-id": "vocabulary:glossary-a1"})
    assert o.loc[0, "source_content_id"] == "vocabulary:glossary-a1" and o.loc[0, "tutorflow_job_id"] == "job-id"
    assert o.loc[0, "resource_id"] == "module-id" and o.loc[0, "public_url"].endswith("share-token")
    assert o.loc[0, "manifest"]["title"] == "A1 glossary module"


def test_source_lessons_both_shapes() -> None:
    items_form = {
        "requestedOutputs": ["summary_video"],
        "payload": {
            "category": {"id": "language-basics", "title": "Language Basics"},
            "language": "en",
            "level": {
                "id": "level-a1",
                "title": "A1",
                "lessons": [
                    {
                        "id": "l1",
                        "type": "vocabulary",
                        "title": "Basic greetings",
                        "items": [{"term": "hello", "meaning": "a greeting"}],
                    }
                ],
            },
        },
    }
    floco = {
        "sourceType": "floco",
        "requestedOutputs": ["expanded_quiz"],
        "payload": {
            "category": "Vocabulary",
            "level": {
                "id": "glossary-a1",
                "title": "A1 glossary",
                "lessons": [
                    {
                        "id": "lesson-1",
                        "type": "term",
                        "title": "Greetings",
                        "terms": [{"term": "hello", "meaning": "a greeting", "example": "Hello, Min."}],
                    }
                ],
            },
        },
    }
    s = frames.source_lessons([items_form, floco])
    assert list(s["source_content_id"]) == ["language-basics:level-a1", "Vocabulary:glossary-a1"]
    assert list(s["term_count"]) == [1, 1] and s.loc[1, "terms"] == ["hello"]


def test_price_snapshots_exact_money() -> None:
    p = frames.price_snapshots([DOC_COURSE, DOC_MODULE, {**DOC_COURSE, "priceSnapshot": None}])
    assert len(p) == 2  # the unbilled request has no row
    assert list(p["amount_cents"]) == [30, 5] and p.loc[0, "unit_price"] == Decimal("0.05")
    many = frames.price_snapshots([{**DOC_MODULE, "id": f"m-{i}"} for i in range(1000)])
    assert sum(many["amount_usd"]) == Decimal("50.00") and int(many["amount_cents"].sum()) == 5000
    for row in p.itertuples():
        assert row.amount_usd == row.unit_price * row.units


def test_estimate_the_documented_course() -> None:
    est = pricing.estimate(courses=[6])
    assert est.total == Decimal("0.30") and est.low == est.high == Decimal("0.30")
    assert est.frame.loc[0, "amount_usd"] == est.frame.loc[0, "unit_price"] * 6


def test_estimate_defaults_bounds_and_validation() -> None:
    est = pricing.estimate(courses=[None, {"lessonCount": 10}, 50], modules=3)
    assert list(est.frame["units"]) == [5, 10, 50, 1, 1, 1] and est.total == Decimal("3.40")
    assert pricing.estimate(courses=2).total == Decimal("0.50")
    for bad, where in (
        ([0], "courses[0]"),
        ([51], "courses[0]"),
        ([5, 2.5], "courses[1]"),
        ([True], "courses[0]"),
        (["5"], "courses[0]"),
    ):
        with pytest.raises(ValueError, match=rf"{where.replace('[', '.').replace(']', '.')}.*lessonCount"):
            pricing.estimate(courses=bad)
    with pytest.raises(ValueError, match="modules"):
        pricing.estimate(modules=-1)


def test_unpriced_meters_are_listed_never_free() -> None:
    est = pricing.estimate(courses=[5], expansions=[{"requestedOutputs": ["summary_video", "expanded_quiz"]}])
    assert est.unpriced == ["expansion.summary_video", "expansion.expanded_quiz"]
    assert est.total == Decimal("0.25")
    rows = est.frame[est.frame["category"] == "expansion"]
    assert list(rows["priced"]) == [False, False] and rows["amount_usd"].isna().all()
    assert "unpriced" in repr(est) and "unpriced" in est._repr_html_()
    priced = pricing.Catalog.default().with_prices(
        {"expansion.summary_video": "0.10", "expansion.expanded_quiz": "0.02"}
    )
    est2 = pricing.estimate(
        courses=[5], expansions=[{"requestedOutputs": ["summary_video", "expanded_quiz"]}], catalog=priced
    )
    assert est2.unpriced == [] and est2.total == Decimal("0.37")
    with pytest.raises(ValueError, match="finite price >= 0"):
        pricing.Catalog.default().with_prices({"course.default": "-1"})


def test_range_from_history() -> None:
    history = pd.DataFrame({"requested_lessons": [5, 5, 10, 8], "generated_lessons": [6, 4, 10, 8]})
    est = pricing.estimate(courses=[10], history=history)
    assert est.ratio_range == (0.8, 1.2)
    assert list(est.frame[["low_units", "high_units"]].iloc[0]) == [8, 12]
    assert (est.low, est.total, est.high) == (Decimal("0.40"), Decimal("0.50"), Decimal("0.60"))
    capped = pricing.estimate(courses=[50], history=[(5, 6)])
    assert capped.frame.loc[0, "high_units"] == 50  # the hard cap holds


def test_reconcile_pairs_by_what_identifies_a_request_not_by_position() -> None:
    plan = [{"prompt": f"Course {i}", "lessonCount": n} for i, n in enumerate([5, 6, 4])]
    est = pricing.estimate(courses=[*plan, 5], modules=[{"prompt": "Module A"}, {"prompt": "Module B"}])

    def bill(body: dict, request_id: str, units: int) -> dict:
        snapshot = {**DOC_COURSE["priceSnapshot"], "units": units, "amountUsd": float(Decimal("0.05") * units)}
        return {
            **DOC_COURSE,
            "id": request_id,
            "idempotencyKey": idempotency.platform_course(body),
            "priceSnapshot": snapshot,
        }

    module = {**DOC_MODULE, "idempotencyKey": idempotency.platform_module({"prompt": "Module B"}) + ":r2"}
    stranger = {**DOC_COURSE, "id": "r9", "idempotencyKey": "platform-course:someone-else:v1:0123456789ab"}
    billed = [bill(plan[2], "r3", 3), stranger, module, bill(plan[0], "r1", 6), bill(plan[1], "r2", 6)]  # shuffled
    r = pricing.reconcile(est, billed)
    by_plan = {row["plan_id"]: row for row in r.to_dict("records")}
    assert by_plan["course-1"]["request_id"] == "r1" and by_plan["course-1"]["explanation"].startswith("1 more")
    assert by_plan["course-2"]["request_id"] == "r2" and by_plan["course-2"]["explanation"] == "as estimated"
    assert by_plan["course-3"]["request_id"] == "r3" and by_plan["course-3"]["explanation"].startswith("1 fewer")
    assert "cannot be paired" in by_plan["course-4"]["explanation"] and not by_plan["course-4"]["paired"]
    assert by_plan["module-2"]["request_id"] == DOC_MODULE["id"]  # a successor key (…:r2) still pairs
    assert by_plan["module-1"]["explanation"].startswith("planned but not billed")
    unplanned = r[r["plan_id"].isna()]
    assert list(unplanned["request_id"]) == ["r9"] and "names no such request" in unplanned["explanation"].iloc[0]
    total = r.iloc[-1]
    assert total["plan_id"] == "total" and not total["paired"]
    assert total["estimated_usd"] == Decimal("0.05") * (5 + 6 + 4 + 5 + 1 + 1)
    assert total["billed_usd"] == Decimal("0.05") * (3 + 6 + 6 + 6 + 1)
    assert sum(r["difference_usd"][:-1], Decimal(0)) == total["difference_usd"]


@pytest.mark.parametrize("amount", ["0.004", "0.0001", "1.005", "12.3456"])
def test_amounts_below_a_cent_stay_exact_and_say_so(amount: str) -> None:
    snap = {"category": "module", "unitPrice": amount, "units": 1, "amountUsd": amount, "currency": "USD"}
    frame = frames.price_snapshots([{"id": "r", "priceSnapshot": snap}])
    assert frame["amount_usd"][0] == Decimal(amount)  # not rounded to 0.00
    assert frame["amount_cents"].isna()[0] and not frame["whole_cents"][0]
    assert frames.to_cents(amount) is None
    catalog = pricing.Catalog.default().with_prices({"module.default": amount})
    est = pricing.estimate(modules=3, catalog=catalog)
    assert est.total == Decimal(amount) * 3 and format_usd(est.total) != "$0.00"


def test_catalog_from_the_api(live_server, tf_org) -> None:  # type: ignore[no-untyped-def]
    from tutorflow_nb import PlatformClient

    with PlatformClient(live_server.base_url, tf_org.platform_key) as platform:
        catalog = pricing.Catalog.from_api(platform)
    assert catalog.price("course.default").unit_price == Decimal("0.05")
    assert catalog.price("expansion.summary_video") is None
    assert copy.deepcopy(catalog) == catalog


REPEATS = ["replayed create", "re-fetched", "frame twice", "batch re-run"]


@pytest.mark.parametrize("repeat", REPEATS)
def test_a_request_seen_twice_is_billed_once(live_server, tf_org, repeat: str) -> None:  # type: ignore[no-untyped-def]
    """A user re-runs the create cell, re-fetches, or concatenates frames: the bill counts each request once."""
    from tutorflow_nb import PlatformClient

    plan = [
        (f"dup-{repeat}-1", {"prompt": "Loops in Python", "lessonCount": 3}),
        (f"dup-{repeat}-2", {"prompt": "HTML", "lessonCount": 2}),
    ]
    est = pricing.estimate(courses=plan)
    with PlatformClient(live_server.base_url, tf_org.platform_key, poll_interval=(0.01, 0.02)) as platform:
        if repeat == "batch re-run":
            first = platform.courses.run_batch(plan, progress=False).items
            billed: object = [*first, *platform.courses.run_batch(plan, progress=False).items]
        else:
            made = [platform.courses.create(data=body, external_id=ext) for ext, body in plan]
            if repeat == "replayed create":
                again = [platform.courses.create(data=body, external_id=ext) for ext, body in plan]
                assert all(a.idempotent_replay for a in again)
                billed = [*made, *again]
            elif repeat == "re-fetched":
                billed = [*made, *(platform.courses.get(m.id) for m in made)]
            else:
                billed = pd.concat([frames.price_snapshots(made)] * 2)
    once = pricing.reconcile(est, billed)
    bills = once[once["request_id"].notna()]
    assert len(bills) == 2 and bills["request_id"].is_unique
    total = once.iloc[-1]
    assert total["billed_usd"] == sum(bills["billed_usd"]) == Decimal("0.05") * total["billed_units"]
    assert total["billed_units"] <= 5  # never the 10 lessons of two bills each
    # bare frames pair by request id only, which a plan of bodies does not know; objects pair by key
    assert bool(total["paired"]) == (repeat != "frame twice")
    if not isinstance(billed, pd.DataFrame):
        assert len(frames.price_snapshots(billed)) == 2


def test_a_plan_names_its_rows_by_external_id_once() -> None:
    est = pricing.estimate(courses=[("intro", {"lessonCount": 4}), 6], modules=[("glossary", {})])
    assert est.frame["plan_id"].tolist() == ["intro", "course-2", "glossary"]
    for courses, modules, where in (
        ([("x", {"lessonCount": 4}), ("x", {"lessonCount": 5})], [], "courses[1]"),
        ([("x", {"lessonCount": 4})], [("x", {})], "modules[0]"),
    ):
        taken = rf"{re.escape(where)}: external id 'x' is already planned at courses\[0\]"
        with pytest.raises(ValueError, match=taken):
            pricing.estimate(courses=courses, modules=modules)


def test_frames_show_money_as_money_in_html() -> None:
    est = pricing.estimate(courses=[5, 6], modules=1)
    table = pricing.reconcile(est, [])
    page = frames.to_html(table)
    assert "mathjax_ignore" in page.split(">", 1)[0]  # two dollar amounts are not TeX in Jupyter
    assert "$0.25" in page and "$0.30" in page and "-$0.60" in page  # estimated, and the total difference
    assert "NaN" not in page and "&lt;NA&gt;" not in page and "None" not in page  # missing is blank
    assert table["estimated_usd"].iloc[0] == Decimal("0.25")  # the frame keeps its exact values
    odd = pd.DataFrame({"amount_usd": [Decimal("0.004"), None], "units": [1, 2]})
    assert "$0.004" in frames.to_html(odd)  # sub-cent amounts are not rounded away
