"""The admin and platform clients against the mock over real HTTP."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Org

from tutorflow_nb import AdminClient, ContentClient, PlatformClient
from tutorflow_nb.errors import AuthenticationError, JobFailedError, NotFoundError
from tutorflow_nb.keys import ApiKey
from tutorflow_nb.mock import MockServer, write_cookie_jar
from tutorflow_nb.models import CourseRequest, PlatformModule


@pytest.mark.slow
def test_admin_from_a_curl_cookie_jar(live_server: MockServer, tf_org: Org, tmp_path: Path) -> None:
    jar = write_cookie_jar(tmp_path / "tutorflow-admin.cookies", live_server.base_url, tf_org.session)
    with AdminClient(live_server.base_url, cookies=jar) as admin:
        assert [o.id for o in admin.organizations()] == [tf_org.id]
    (tmp_path / "empty.cookies").write_text("# Netscape HTTP Cookie File\n")
    with pytest.raises(ValueError, match="no cookie"):
        AdminClient(live_server.base_url, cookies=tmp_path / "empty.cookies")
    with pytest.raises(ValueError, match="there is no cookie jar at"):
        AdminClient(live_server.base_url, cookies=tmp_path / "missing.cookies")


def test_admin_sign_in_and_key_lifecycle(live_server: MockServer) -> None:
    import httpx

    httpx.post(
        live_server.url("/_mock/organizations"),
        json={"adminEmail": "keys@test.example", "adminPassword": "pw", "name": "Keys Org"},
    )
    admin = AdminClient(live_server.base_url)
    with pytest.raises(AuthenticationError):
        admin.organizations()
    admin.sign_in("keys@test.example", "pw")
    org = admin.organizations()[0]
    created = admin.api_keys.create(org.id, "notebook", rate_limit_per_minute=120)
    assert isinstance(created.key, ApiKey) and created.key.prefix == created.key_prefix
    assert created.key.reveal() not in repr(created) and created.rate_limit_per_minute == 120
    assert created.id in [k.id for k in admin.api_keys.list(org.id)]
    with ContentClient(live_server.base_url, created.key) as content:
        assert content.classrooms()
    rotated = admin.api_keys.rotate(org.id, created.id)
    assert rotated.rotated_from_id == created.id
    with ContentClient(live_server.base_url, created.key) as stale, pytest.raises(AuthenticationError):
        stale.classrooms()
    assert admin.api_keys.revoke(org.id, rotated.id).revoked_at is not None
    with pytest.raises(NotFoundError):
        admin.api_keys.revoke("not-my-org", rotated.id)
    admin.close()


def test_admin_webhooks(admin: AdminClient, tf_org: Org) -> None:
    sub = admin.webhooks.create(tf_org.id, "http://127.0.0.1:9/hook")
    assert sub.secret.startswith("whsec_") and "whsec_…" in str(sub)
    assert all(sub.secret not in shown for shown in (repr(sub), str(sub), sub._repr_html_() or ""))
    assert [w.id for w in admin.webhooks.list(tf_org.id)] == [sub.id]
    assert admin.webhooks.delete(tf_org.id, sub.id) == {"id": sub.id, "deleted": True}


def test_admin_export(admin: AdminClient, content: ContentClient, tf_org: Org) -> None:
    lesson = next(m for m in content.modules.list() if (m.metadata or {}).get("authoredIn") == "ui")
    result = admin.export(tf_org.classroom_id, lesson.id)
    assert result.outputs[0].resource_id == lesson.id


def test_course_sync_create_and_money(platform: PlatformClient) -> None:
    course = platform.courses.create(
        "Create a beginner Python course covering variables, loops, and functions",
        lesson_count=6,
        level="beginner",
        has_quiz=True,
    )
    assert isinstance(course, CourseRequest) and course.status == "COMPLETED" and course.is_terminal
    snap = course.price_snapshot
    assert snap is not None and snap.unit_price == Decimal("0.05") and snap.amount_usd == snap.unit_price * snap.units
    assert snap.units == course.lesson_count == len(course.lessons)
    assert course.idempotency_key and course.idempotent_replay is False
    again = platform.courses.create(
        "Create a beginner Python course covering variables, loops, and functions",
        lesson_count=6,
        level="beginner",
        has_quiz=True,
    )
    assert again.id == course.id and again.idempotent_replay is True
    assert course.id in [c.id for c in platform.courses.list()]
    assert platform.courses.get(course.id).course_id == course.course_id


def test_course_async_wait_honours_poll_after(platform: PlatformClient) -> None:
    seen: list[str] = []
    course = platform.courses.create("Rivers of Europe", lesson_count=3, mode="async")
    assert course.status == "PENDING" and course.poll_after_ms == 20
    done = platform.courses.wait(course.id, on_status=lambda c: seen.append(c.status))
    assert done.status == "COMPLETED" and seen[-1] == "COMPLETED"


@pytest.mark.slow
def test_course_failure_raises(platform: PlatformClient, live_server: MockServer) -> None:
    import httpx

    httpx.put(live_server.url("/_mock/faults"), json={"fail_next_jobs": 1})
    try:
        course = platform.courses.create("Doomed course", mode="async")
    finally:
        httpx.put(live_server.url("/_mock/faults"), json={"fail_next_jobs": 0})
    with pytest.raises(JobFailedError) as caught:
        platform.courses.wait(course.id)
    assert caught.value.job.status == "FAILED" and caught.value.job.price_snapshot is None


def test_editor_every_route(platform: PlatformClient) -> None:
    course = platform.courses.create("Create a Python course covering lists, dicts and sets", lesson_count=5)
    editor = platform.courses.editor(course)
    assert editor.summary()["id"] == course.course_id
    assert len(editor.full()["lessons"]) == course.lesson_count
    assert editor.lesson(1).title == course.lessons[0].title
    canon = editor.canonical()
    first = canon.lessons[0]
    assert editor.lesson_by_id(first["id"]) == first
    assert editor.update_lesson_by_id(first["id"], title="Renamed")["title"] == "Renamed"
    events = editor.generate(first["id"], course_title="Python Foundations")
    assert events[0][0] == "start" and events[-1][1]["saved"] is False
    added = editor.add_lesson("Extra practice", "exam", quiz_count=2)
    assert added.type == "exam" and len(added.quizzes) == 2
    assert editor.update_course(title="New title") == {"success": True}
    assert editor.update_lesson(1, lecture="<p>x</p>") == {"success": True}
    assert editor.infer_type("Practice: Factoring Polynomials", course_title="Intermediate Algebra") == "exam"
    canon = editor.canonical()
    canon.title = "Saved whole"
    assert editor.save_canonical(canon) == {"success": True}
    assert editor.summary()["title"] == "Saved whole"
    token = platform.courses.edit_token(course.id)
    assert platform.courses.editor(token.edit_token).summary()["title"] == "Saved whole"
    public = platform.courses.public(course.share_token)
    assert public["title"] == "Saved whole" and public["editToken"]
    with pytest.raises(NotFoundError):
        platform.courses.editor("bogus-token").summary()


def test_modules(platform: PlatformClient) -> None:
    module = platform.modules.create("A short lesson about magnets", is_public=True)
    assert isinstance(module, PlatformModule) and module.price_snapshot.amount_usd == Decimal("0.05")
    assert platform.modules.create(topic="Magnets, by topic").id != module.id
    assert platform.modules.get(module.id).id == module.id
    assert module.id in [m.id for m in platform.modules.list()]
    updated = platform.modules.update(module.id, lecture="<p>new</p>")
    assert updated.lecture_version == 2
    assert platform.modules.public(module.share_token)["title"] == module.title
    assert platform.modules.delete(module.id).deleted_at is not None
    with pytest.raises(NotFoundError):
        platform.modules.get(module.id)


def test_pricing_catalog(platform: PlatformClient) -> None:
    catalog = platform.pricing_catalog()
    assert {e["catalogKey"] for e in catalog["entries"]} == {"course.default", "module.default"}


def test_platform_client_refuses_content_key(live_server: MockServer, tf_org: Org) -> None:
    with pytest.raises(ValueError, match="tf_content_ key: the content surface"):
        PlatformClient(live_server.base_url, tf_org.content_key)
