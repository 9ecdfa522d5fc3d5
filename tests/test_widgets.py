"""The widgets, tested without a browser: set fields, click buttons, assert on state and on the mock."""

from __future__ import annotations

import asyncio
import datetime
import json
from pathlib import Path

import httpx
import pytest
from conftest import POLL, seed_org_sync, source_request

from tutorflow_nb import AdminClient, ContentClient, PlatformClient
from tutorflow_nb.mock import MockServer
from tutorflow_nb.widgets import CostEstimator, CourseBrowser, Discovery, ExpansionForm, JobMonitor


def widget_state(widget) -> str:  # type: ignore[no-untyped-def]
    """Everything a widget and its children would send to the browser."""
    parts, todo = [], [widget]
    while todo:
        current = todo.pop()
        parts.append(json.dumps(current.get_state(), default=str))
        todo += [c for c in getattr(current, "children", ()) if hasattr(c, "get_state")]
    return "\n".join(parts)


@pytest.fixture
def org_content(live_server: MockServer):  # type: ignore[no-untyped-def]
    org = seed_org_sync(live_server)
    with ContentClient(live_server.base_url, org.content_key, poll_interval=POLL) as content:
        yield org, content


def test_form_fields_build_the_request() -> None:
    form = ExpansionForm()
    assert form.errors == {} and not form.launch_button.disabled
    form.category_id.value, form.category_title.value = "science", "Science"
    form.level_id.value, form.level_title.value = "cells", "Cells"
    form.language.value = "fr"
    form.outputs["summary_video"].value = False
    lesson = form.lesson_editors()[0]
    lesson.lesson_id.value, lesson.lesson_type.value, lesson.title.value = "l1", "term", "Parts of a cell"
    lesson.entries.value = "nucleus | control centre\nmembrane | boundary"
    req = form.request
    assert req["payload"]["category"] == {"id": "science", "title": "Science"}
    assert req["payload"]["level"]["id"] == "cells" and req["payload"]["language"] == "fr"
    assert req["requestedOutputs"] == ["interactive_module", "expanded_quiz"]
    assert req["payload"]["level"]["lessons"][0]["items"] == [
        {"term": "nucleus", "meaning": "control centre"},
        {"term": "membrane", "meaning": "boundary"},
    ]
    assert json.loads(form.to_json()) == req and "nucleus" in form.preview.value
    assert form.idempotency_key.startswith("expansion:science:cells:v1:")
    assert form.idempotency_key in form.key_label.value
    form.source_type.value = "floco"
    lesson.entries.value = "hello | a greeting | Hello, Min."
    assert form.request["sourceType"] == "floco"
    assert form.request["payload"]["level"]["lessons"][0]["terms"] == [
        {"term": "hello", "meaning": "a greeting", "example": "Hello, Min."}
    ]


def test_form_shows_errors_next_to_fields_and_blocks_launch() -> None:
    form = ExpansionForm()
    for box in form.outputs.values():
        box.value = False
    form.level_id.value = ""
    assert "requestedOutputs" in form.errors and "payload.level.id" in form.errors
    assert "at least 1" in form.field_errors["requestedOutputs"].value
    assert form.field_errors["payload.level"].value
    assert form.launch_button.disabled
    form.outputs["expanded_quiz"].value = True
    form.level_id.value = "a1"
    assert form.errors == {} and form.field_errors["requestedOutputs"].value == ""
    editor = form.add_lesson()
    assert "payload.level.lessons[1].title" in form.errors and editor.error.value  # the new lesson is empty
    assert form.launch() is None and "problem" in form.status.value


def test_form_add_remove_reorder_lessons() -> None:
    form = ExpansionForm()
    first = form.lesson_editors()[0]
    second = form.add_lesson({"id": "b", "type": "vocabulary", "title": "B", "items": [{"term": "x", "meaning": "y"}]})
    third = form.add_lesson({"id": "c", "type": "vocabulary", "title": "C", "items": [{"term": "x", "meaning": "y"}]})
    ids = lambda: [lesson["id"] for lesson in form.request["payload"]["level"]["lessons"]]  # noqa: E731
    assert ids() == ["lesson-vocabulary-1", "b", "c"]
    third.up.click()
    assert ids() == ["lesson-vocabulary-1", "c", "b"]
    first.down.click()
    assert ids() == ["c", "lesson-vocabulary-1", "b"]
    second.remove.click()
    assert ids() == ["c", "lesson-vocabulary-1"]
    form.add_button.click()
    assert len(form.lesson_editors()) == 3 and ids()[2] == "lesson-3"
    same = form.lesson_editors()[0]
    same.up.click()  # already first: stays
    assert ids()[0] == "c"


def test_form_load_and_save(tmp_path: Path) -> None:
    request = source_request(2, floco=True)
    path = tmp_path / "source-content.json"
    path.write_text(json.dumps(request))
    form = ExpansionForm(request=request)
    assert form.request == request
    saved = form.save(tmp_path / "out.json")
    assert json.loads(saved.read_text()) == request
    other = ExpansionForm()
    other.load(path)
    assert other.request == request and "2 lesson(s)" in str(other) and repr(other).endswith("· valid>")
    assert "Expansion form" in other._repr_html_() and other.idempotency_key in other._repr_html_()


def uploaded(name: str, content: bytes) -> tuple[dict, ...]:
    """What a FileUpload's value holds after the user picks one file."""
    return (
        {
            "name": name,
            "type": "application/json",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc),
        },
    )


def test_form_upload_loads_a_request_or_a_bare_payload_and_names_a_bad_file() -> None:
    request = source_request(2, floco=True)
    form = ExpansionForm()
    form.upload.value = uploaded("request.json", json.dumps(request).encode())
    assert form.request == request and "loaded request.json" in form.upload_status.value
    form.outputs["summary_video"].value = False
    payload = source_request(3)["payload"]  # as the source system exports it
    form.upload.value = uploaded("level.json", json.dumps(payload).encode())
    assert form.request["payload"] == payload
    assert form.request["requestedOutputs"] == ["interactive_module", "expanded_quiz"]  # kept
    before = form.request
    for name, content, says in (
        ("broken.json", b"{not json", "broken.json: Expecting property name"),
        ("list.json", b"[1, 2]", "list.json: it holds JSON, but not an object"),
        ("latin1.json", '{"a": "é"}'.encode("latin-1"), "latin1.json: not UTF-8 text; save the file as UTF-8"),
    ):
        form.upload.value = uploaded(name, content)
        assert says in form.upload_status.value and form.request == before  # nothing changed


@pytest.mark.slow
def test_form_launch_reaches_the_mock(live_server: MockServer, org_content) -> None:  # type: ignore[no-untyped-def]
    org, content = org_content
    form = ExpansionForm(content, request=source_request(1))
    form.launch_button.click()
    assert form.job is not None and form.job.id in form.status.value
    jobs = [j for j in httpx.get(live_server.url("/_mock/jobs")).json()["data"] if j["organizationId"] == org.id]
    assert [j["id"] for j in jobs] == [form.job.id]
    assert jobs[0]["idempotencyKey"] == form.idempotency_key
    form.launch_button.click()  # the same request: replayed, not duplicated
    assert (
        len([j for j in httpx.get(live_server.url("/_mock/jobs")).json()["data"] if j["organizationId"] == org.id]) == 1
    )
    sent = []
    via_callback = ExpansionForm(on_launch=lambda req: sent.append(req) or "ok")
    via_callback.launch()
    assert sent == [via_callback.request]
    broken = ExpansionForm(on_launch=lambda req: 1 / 0)
    assert broken.launch() is None and "ZeroDivisionError" in broken.status.value
    assert ExpansionForm().launch() is None  # no client: said, not raised


@pytest.mark.slow
@pytest.mark.anyio
async def test_monitor_runs_a_batch_while_the_loop_stays_free(org_content) -> None:  # type: ignore[no-untyped-def]
    org, content = org_content
    monitor = JobMonitor(title="Batch")
    requests = [source_request(i % 2 + 1, level=f"m-{i}") for i in range(6)]
    requests.append({"requestedOutputs": ["expanded_quiz"], "payload": {"category": "x"}})  # refused: shown
    monitor.start(content, requests)
    assert monitor.task is not None and not monitor.task.done()  # start returned at once
    batch = await monitor.wait()
    assert monitor.progress.value == monitor.progress.max == 7 and monitor.progress.bar_style == "danger"
    assert monitor.tally == {"completed": 6, "error": 1}
    assert "completed: 6" in monitor.counts.value and "error: 1" in monitor.counts.value
    assert "payload.level" in monitor.errors.value
    assert "requests:" in monitor.budget.value and "429s: 0" in monitor.budget.value
    assert all(item.job_id in monitor.table.value for item in batch if item.job_id)
    frames = monitor.frames()
    assert len(frames["jobs"]) == 6 and len(frames["outputs"]) == 6 * 3
    assert "completed 6, error 1" in str(monitor) and repr(monitor).endswith("· failed>")
    assert org.content_key not in widget_state(monitor)
    await content.aio.aclose()  # the pool on this loop closes with it


def test_monitor_for_one_job(org_content) -> None:  # type: ignore[no-untyped-def]
    _org, content = org_content
    monitor = JobMonitor()
    monitor.expect(1, content.http)
    job = content.expansions.create(source_request(3))
    content.expansions.wait(job.id, on_status=monitor.status_changed)
    assert monitor.tally == {"completed": 1} and monitor.progress.bar_style == "success"


@pytest.mark.anyio
async def test_monitor_watches_one_job_while_the_loop_stays_free(org_content) -> None:  # type: ignore[no-untyped-def]
    _org, content = org_content
    job = await content.aio.expansions.create(source_request(3))
    monitor = JobMonitor().watch(content, job)
    assert monitor.task is not None and not monitor.task.done()  # watch returned at once
    result = await monitor.wait()
    assert result.job.id == job.id and monitor.result is result and monitor.batch is None
    assert monitor.tally == {"completed": 1} and monitor.progress.bar_style == "success"
    assert job.id in monitor.table.value and "1/1 done" in str(monitor)
    assert len(monitor.frames()["outputs"]) == 3
    await content.aio.aclose()


@pytest.mark.slow
def test_monitor_watch_by_id_without_a_loop_and_a_failed_job(org_content, live_server) -> None:  # type: ignore[no-untyped-def]
    _org, content = org_content
    done = content.expansions.create(source_request(2))
    assert JobMonitor().watch(content, done.id).result.job.id == done.id  # no running loop: runs to the end
    httpx.put(live_server.url("/_mock/faults"), json={"fail_next_jobs": 1})
    try:
        failing = content.expansions.create(source_request(3))
    finally:
        httpx.put(live_server.url("/_mock/faults"), json={"fail_next_jobs": 0})

    async def follow() -> JobMonitor:
        monitor = JobMonitor().watch(content, failing)
        with pytest.raises(Exception, match="failed"):
            await monitor.wait()
        return monitor

    monitor = asyncio.run(follow())
    assert monitor.tally == {"failed": 1} and monitor.progress.bar_style == "danger"
    assert failing.id in monitor.errors.value and "failed" in monitor.errors.value
    for bad in ("", None, 3):
        with pytest.raises(ValueError, match="job: expected an expansion job or its id"):
            JobMonitor().watch(content, bad)


@pytest.mark.slow
@pytest.mark.anyio
async def test_one_monitor_reused_cell_after_cell_never_mixes_runs(org_content, live_server) -> None:  # type: ignore[no-untyped-def]
    """The user keeps one monitor and re-runs cells on it: each run is its own, and Stop stops what is running."""
    org, content = org_content

    def jobs_on_server() -> int:
        return sum(1 for j in httpx.get(live_server.url("/_mock/jobs")).json()["data"] if j["organizationId"] == org.id)

    monitor = JobMonitor()
    first = [source_request(1, level=f"reuse-a-{i}") for i in range(200)]
    monitor.start(content, first, concurrency=2)
    await asyncio.sleep(0.05)
    with pytest.raises(RuntimeError, match=r"still running its batch: press its Stop button \(monitor.stop\(\)\)"):
        monitor.start(content, [source_request(2, level="reuse-b")])  # re-run with another plan
    with pytest.raises(RuntimeError, match="still running"):
        monitor.watch(content, "any-job")
    assert monitor.running and monitor.progress.max == 200  # the first run goes on, still shown
    first_run = monitor.task
    monitor.stop()
    assert monitor.card().status == "stopped" and not monitor.running  # said at once
    assert await monitor.wait() is None  # waiting on a stopped run hands back nothing, raises nothing

    assert first_run is not None and first_run.done()
    stopped_at = jobs_on_server()
    second = [source_request(2, level=f"reuse-b-{i}") for i in range(3)]
    monitor.start(content, second)  # right after Stop: a fresh run, nothing of the first one left on it
    await monitor.wait()
    await asyncio.sleep(0.3)
    assert jobs_on_server() == stopped_at + 3 < 200 + 3  # the stopped run created nothing more
    assert monitor.card().status == "completed" and not monitor.stopped and monitor.progress.max == 3
    assert len(monitor.items) == 3 and len(monitor.frames()["jobs"]) == 3 and "stopped" not in monitor.errors.value

    # Stop, then Launch again at once (no await between: two clicks): the new run is taken, and the old
    # run's last callbacks, arriving after, change nothing of it
    monitor.start(content, [source_request(1, level=f"reuse-d-{i}") for i in range(100)], concurrency=2)
    await asyncio.sleep(0.05)
    monitor.stop()
    monitor.start(content, [source_request(2, level="reuse-e")])
    assert monitor.running and not monitor.stopped and monitor.progress.max == 1
    await monitor.wait()
    await asyncio.sleep(0.1)
    assert monitor.card().status == "completed" and not monitor.stopped and monitor.tally == {"completed": 1}
    assert monitor.errors.value == ""

    monitor.watch(content, "00000000-0000-4000-8000-000000000404")  # a mistyped job id
    with pytest.raises(Exception, match="404"):
        await monitor.wait()
    assert monitor.card().status == "failed" and monitor.tally == {"error": 1} and "404" in monitor.errors.value
    assert "404" in str(monitor) and monitor.progress.bar_style == "danger"

    job = await content.aio.expansions.create(source_request(3, level="reuse-c"))
    monitor.watch(content, job)
    await monitor.wait()
    assert monitor.card().status == "completed" and monitor.failure is None and monitor.errors.value == ""
    assert list(monitor.frames()["jobs"]["id"]) == [job.id]
    await content.aio.aclose()


def test_a_monitor_without_a_loop_shows_how_its_job_ended(org_content) -> None:  # type: ignore[no-untyped-def]
    """A script (no running loop) watches a job that cannot be followed: the error is raised and shown."""
    _org, content = org_content
    monitor = JobMonitor()
    with pytest.raises(Exception, match="job_not_found"):
        monitor.watch(content, "00000000-0000-4000-8000-000000000404")
    assert monitor.card().status == "failed" and "job_not_found" in monitor.errors.value and not monitor.running


@pytest.mark.slow
def test_estimator_sliders_counts_and_reconcile(live_server: MockServer, tf_org) -> None:  # type: ignore[no-untyped-def]
    est = CostEstimator(courses=[6])
    assert str(est.estimate.total) == "0.30" and "$0.30" in est.summary.value
    est.custom.value = ""
    est.course_count.value, est.lessons.value = 4, 10
    assert str(est.estimate.total) == "2.00"
    est.modules.value = 3
    assert str(est.estimate.total) == "2.15" and "module" in est.chart.value and "course" in est.chart.value
    est.custom.value = "5, 60"
    assert "courses[1]" in est.error.value and est.estimate is None  # no stale total next to the edited plan
    est.custom.value = "5, 6"
    assert est.error.value == "" and str(est.estimate.total) == "0.70"
    assert est.reconcile_button.disabled and est.reconcile() is None
    with PlatformClient(live_server.base_url, tf_org.platform_key) as platform:
        billed = [platform.courses.create(f"Topic {i}", lesson_count=n) for i, n in enumerate((5, 6))]
    after = CostEstimator(courses=[5, 6], billed=billed)
    after.reconcile_button.click()
    table = after.reconciliation
    assert table is not None and "billed" in after.reconciled.value
    total = table.iloc[-1]
    assert total["billed_units"] == sum(b.lesson_count or 0 for b in billed)  # the totals always compare
    # sliders plan lesson counts, which name no request: the rows say they cannot be paired, never guess by position
    assert not table["paired"].iloc[:-1].any()
    assert table["explanation"].str.contains("cannot be paired").sum() == 2


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ("5, abc", "courses[1]: lessonCount must be a whole number"),
        ("5, 0", "courses[1]: lessonCount must be a whole number between 1 and 50"),
        ("51", "courses[0]: lessonCount must be a whole number between 1 and 50"),
        ("5, -3", "courses[1]"),
        ("2.5", "courses[0]"),
        ("--5", "courses[0]: lessonCount must be a whole number"),
        ("5, ²", "courses[1]: lessonCount must be a whole number"),
        ("٣", "courses[0]"),
    ],
)
def test_an_estimator_edited_into_an_invalid_plan_shows_no_stale_price(
    live_server: MockServer, tf_org, edit: str, problem: str
) -> None:  # type: ignore[no-untyped-def]
    """The user types a bad count after a good plan: the old total must not stay next to the new plan."""
    from tutorflow_nb import PlatformClient

    with PlatformClient(live_server.base_url, tf_org.platform_key, poll_interval=POLL) as platform:
        billed = [platform.courses.create(data={"prompt": "Stale check", "lessonCount": 5}, external_id="course-1")]
    estimator = CostEstimator(courses=[5], external_ids=("course-{n}", "module-{n}"), billed=billed)
    estimator.reconcile()
    assert estimator.estimate is not None and "$0.25" in estimator.summary.value and estimator.reconciled.value
    estimator.custom.value = edit
    assert estimator.estimate is None and estimator.reconciliation is None and problem in estimator.problem
    for shown in (estimator.summary, estimator.chart, estimator.table, estimator.reconciled):
        assert shown.value == ""
    assert estimator.reconcile_button.disabled and estimator.reconcile() is None
    card = estimator.card()
    assert card.status == "invalid plan" and problem in card.text() and "<span" not in card.text()
    estimator.custom.value = "5"  # fixed: everything is back, the reconcile button too
    assert estimator.estimate is not None and estimator.problem is None and not estimator.reconcile_button.disabled
    assert estimator.reconcile() is not None and "$0.25" in estimator.summary.value


@pytest.mark.parametrize(
    "formats",
    [
        ("course-{n}-{x}", "module-{n}"),
        ("course", "module-{n}"),
        ("course-{n}", "m-{n}{n}"),
        ("c-{", "m-{n}"),
        ("x-{n}", "x-{n}"),
        ("course-{0}", "module-{n}"),
        ("course-{n}",),
        "course-{n}",
    ],
)
def test_estimator_external_id_formats_are_checked_at_once(formats) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"^external_ids: "):
        CostEstimator(courses=[3], modules=1, external_ids=formats)


def test_estimator_names_its_plan_so_the_bill_pairs(live_server: MockServer, tf_org) -> None:  # type: ignore[no-untyped-def]
    with PlatformClient(live_server.base_url, tf_org.platform_key) as platform:
        billed = [platform.courses.create(f"Topic {n}", lesson_count=5, external_id=f"c-{n}") for n in (1, 2)]
        billed.append(platform.modules.create("One lesson", external_id="m-1"))
        est = CostEstimator(courses=[5, 5, 5], modules=1, billed=billed, external_ids=("c-{n}", "m-{n}"))
        table = est.reconcile()
        assert table is not None
        rows = table.set_index("plan_id")
        assert rows.loc[["c-1", "c-2", "m-1"], "paired"].all()  # paired by the external id the create named
        assert rows.loc["c-3", "explanation"].startswith("planned but not billed")
        first = (rows.loc["c-1", "billed_units"], rows.loc["c-1", "request_id"])
        assert first == (billed[0].lesson_count, billed[0].id)
        est.custom.value = "5, 5"  # the plan moves; the pairing follows
        assert "c-3" not in est.reconciliation["plan_id"].tolist()
    with pytest.raises(ValueError, match=r"external_ids: each format holds \{n\}"):
        CostEstimator(external_ids=("course", "module-{n}"))


def test_discovery_creates_a_key_and_shows_only_its_prefix(live_server: MockServer, tf_org) -> None:  # type: ignore[no-untyped-def]
    admin = AdminClient(live_server.base_url, cookies={"tutorflow_admin_session": tf_org.session})
    picker = Discovery(admin, key_name="from-widget")
    assert picker.organization.value == tf_org.id
    picker.create_button.click()
    assert picker.content is not None and picker.classroom.value == tf_org.classroom_id
    full = picker.created_key.key.reveal()
    assert picker.created_key.key_prefix in picker.key_label.value
    assert full not in widget_state(picker) and full not in repr(picker)
    assert picker.content.classroom_id() == tf_org.classroom_id
    assert "from-widget" in [k.name for k in admin.api_keys.list(tf_org.id)]
    picker.content.close()
    admin.close()
    stranger = Discovery(AdminClient(live_server.base_url))
    assert "admin session required" in stranger.error.value
    assert stranger.create_key() is None and "pick an organization" in stranger.error.value


def test_discovery_classroom_picker_moves_the_client(live_server: MockServer, tf_org) -> None:  # type: ignore[no-untyped-def]
    second = live_server.state.add_classroom(tf_org.id, "Second Classroom")
    admin = AdminClient(live_server.base_url, cookies={"tutorflow_admin_session": tf_org.session})
    picker = Discovery(admin)
    content = picker.create_key()
    assert {value for _, value in picker.classroom.options} == {tf_org.classroom_id, second.id}
    picker.classroom.value = second.id  # the user picks the other classroom
    assert content.classroom_id() == second.id
    module = content.modules.create("Lands in the second classroom")
    assert module.classroom_id == second.id
    picker.create_key()  # a second key: one client, one observer
    picker.classroom.value = tf_org.classroom_id
    assert picker.content.classroom_id() == tf_org.classroom_id and content.classroom_id() == second.id
    content.close()
    picker.content.close()
    admin.close()


@pytest.mark.slow
def test_course_browser(live_server: MockServer, tf_org) -> None:  # type: ignore[no-untyped-def]
    with PlatformClient(live_server.base_url, tf_org.platform_key) as platform:
        course = platform.courses.create("Create a Python course covering lists, dicts and sets", lesson_count=6)
        browser = CourseBrowser(platform, course)
        assert len(browser.chapters.children) == len(course.chapters)
        assert browser.chapters.get_title(0).startswith("1. ")
        assert f"${course.price_snapshot.amount_usd}" in browser.header.value
        assert len(browser.lesson.options) == course.lesson_count
        browser.lesson.value = 2
        browser.open_button.click()
        assert course.lessons[1].title in browser.payload.value
        assert "CourseBrowser" in repr(browser) and browser._repr_html_()
