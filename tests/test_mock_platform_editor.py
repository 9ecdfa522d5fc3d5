"""The edit-token API: summary, full, lessons, canonical payload, UUID routes, SSE, add, infer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from conftest import Org

from tutorflow_nb.mock import MockServer, MockState, create_app

pytestmark = pytest.mark.anyio
COURSES = "/v1/platform/courses"


async def new_course(api: httpx.AsyncClient, org: Org, **body: Any) -> tuple[dict[str, Any], str]:
    c = (
        await api.post(
            COURSES,
            json={"prompt": "Create a Python course covering lists, dicts and sets", "lessonCount": 6, **body},
            headers=org.platform,
        )
    ).json()
    return c, f"{COURSES}/edit/{c['previewUrl'].rsplit('/', 1)[1]}"


async def test_summary_full_and_lesson_by_sequence(api: httpx.AsyncClient, org: Org) -> None:
    c, edit = await new_course(api, org)
    summary = (await api.get(edit)).json()
    assert summary["id"] == c["courseId"] and summary["title"] == c["title"]
    assert summary["lessons"] == c["lessons"] and summary["editTokenExpiresAt"]
    full = (await api.get(f"{edit}/full")).json()
    dto_fields = {
        "id",
        "sequence",
        "title",
        "type",
        "chapterTitle",
        "description",
        "lectureContent",
        "codeContent",
        "quizzes",
        "lessonSlug",
        "chapterSlug",
    }
    assert all(set(x) == dto_fields for x in full["lessons"])
    second = (await api.get(f"{edit}/lessons/2")).json()
    assert second == full["lessons"][1]
    assert (await api.get(f"{edit}/lessons/99")).status_code == 404
    assert (await api.get(f"{edit}/lessons/0")).status_code == 400


async def test_canonical_round_trip_and_bulk_save(api: httpx.AsyncClient, org: Org) -> None:
    c, edit = await new_course(api, org)
    canon = (await api.get(f"{edit}/canonical")).json()
    assert canon["id"] == c["courseId"] and len(canon["lessons"]) == c["lessonCount"]
    lesson_fields = {
        "id",
        "chapterId",
        "title",
        "description",
        "slug",
        "type",
        "sequence",
        "lecture",
        "content",
        "quizzes",
        "problems",
        "metadata",
    }
    assert all(set(x) == lesson_fields for x in canon["lessons"])
    assert (await api.patch(f"{edit}/canonical", json=canon)).json() == {"success": True}  # unchanged save

    # the documents' example: one chapter, one lesson (others removed), new title
    doc = {
        "title": "Python Foundations",
        "description": "A practical Python course.",
        "slug": "python-foundations",
        "chapters": [{"id": "getting-started", "title": "Getting Started", "slug": "getting-started", "sequence": 1}],
        "lessons": [
            {
                "id": canon["lessons"][0]["id"],
                "chapterId": "getting-started",
                "title": "Variables and Types",
                "description": "Learn how Python stores data.",
                "slug": "variables-and-types",
                "type": "ai-tutor",
                "sequence": 1,
                "lecture": "<p>Python variables are names for values...</p>",
                "content": {"blocks": []},
                "quizzes": [],
                "problems": [],
                "metadata": {"duration": 12},
            }
        ],
    }
    assert (await api.patch(f"{edit}/canonical", json=doc)).json() == {"success": True}
    after = (await api.get(f"{edit}/canonical")).json()
    assert after["title"] == "Python Foundations" and after["lessons"] == doc["lessons"]
    assert after["chapters"] == doc["chapters"]
    got = (await api.get(f"{COURSES}/{c['id']}", headers=org.platform)).json()
    assert got["title"] == "Python Foundations" and got["lessonCount"] == 1


@pytest.mark.parametrize(
    ("breakage", "field"),
    [
        (lambda d: d["lessons"][0].update(chapterId="nope"), "lessons[0].chapterId"),
        (lambda d: d["lessons"][0].update(sequence=3), "lessons[].sequence"),
        (lambda d: d["lessons"].append(dict(d["lessons"][0], sequence=2)), "lessons[1].id"),
        (lambda d: d["chapters"].append(dict(d["chapters"][0], sequence=2)), "chapters[1].id"),
        (lambda d: d["lessons"][0].update(type="video"), "lessons[0].type"),
        (lambda d: d["lessons"][0].update(id="not-a-uuid"), "lessons[0].id"),
        (lambda d: d.pop("chapters"), "chapters"),
        (lambda d: d.update(id="another-course"), "id"),
    ],
)
async def test_canonical_validation(api: httpx.AsyncClient, org: Org, breakage, field: str) -> None:
    _, edit = await new_course(api, org)
    canon = (await api.get(f"{edit}/canonical")).json()
    doc = {
        "title": "T",
        "slug": "t",
        "chapters": [dict(canon["chapters"][0])],
        "lessons": [dict(canon["lessons"][0], chapterId=canon["chapters"][0]["id"], sequence=1)],
    }
    breakage(doc)
    r = await api.patch(f"{edit}/canonical", json=doc)
    assert r.status_code == 400 and field in [f["field"] for f in r.json()["fields"]], r.text
    assert (await api.get(f"{edit}/canonical")).json() == canon  # nothing changed


async def test_lesson_by_uuid_get_patch_and_reorder(api: httpx.AsyncClient, org: Org) -> None:
    _, edit = await new_course(api, org)
    canon = (await api.get(f"{edit}/canonical")).json()
    last = canon["lessons"][-1]
    got = (await api.get(f"{edit}/lessons/by-id/{last['id']}/full")).json()
    assert got == last
    patch = {
        "title": "Control Flow",
        "type": "ai-tutor",
        "chapterId": canon["chapters"][0]["id"],
        "sequence": 2,
        "lecture": "<p>Use if statements to branch...</p>",
        "content": {"blocks": []},
        "quizzes": [],
        "problems": [],
        "metadata": {"duration": 15},
    }
    updated = (await api.patch(f"{edit}/lessons/by-id/{last['id']}/full", json=patch)).json()
    assert updated["id"] == last["id"] and updated["sequence"] == 2 and updated["title"] == "Control Flow"
    after = (await api.get(f"{edit}/canonical")).json()["lessons"]
    assert [x["sequence"] for x in after] == list(range(1, len(after) + 1))
    assert after[1]["id"] == last["id"]  # the UUID followed the lesson
    assert (await api.get(f"{edit}/lessons/2")).json()["title"] == "Control Flow"
    bad = await api.patch(f"{edit}/lessons/by-id/{last['id']}/full", json={"chapterId": "nope"})
    assert bad.status_code == 400
    assert (await api.get(f"{edit}/lessons/by-id/00000000-0000-4000-8000-000000000000/full")).status_code == 404


async def test_generate_streams_events_and_saves_nothing(api: httpx.AsyncClient, org: Org) -> None:
    _, edit = await new_course(api, org)
    lesson = (await api.get(f"{edit}/canonical")).json()["lessons"][0]
    before = (await api.get(f"{edit}/lessons/by-id/{lesson['id']}/full")).json()
    body = {
        "chapter": {"id": "python-basics", "name": "Python Basics"},
        "courseTitle": "Python Foundations",
        "courseDescription": "A practical Python course.",
        "shouldGenerateImage": False,
    }
    events = []
    async with api.stream("POST", f"{edit}/lessons/by-id/{lesson['id']}/generate", json=body) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        name = None
        async for line in r.aiter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    names = [n for n, _ in events]
    assert names[0] == "start" and names[-1] == "done" and "lecture" in names
    done = events[-1][1]
    assert done["saved"] is False and done["lessonId"] == lesson["id"]
    assert "".join(d["delta"] for n, d in events if n == "lecture") == done["lecture"]
    assert "Python Basics" in done["lecture"]
    assert (await api.get(f"{edit}/lessons/by-id/{lesson['id']}/full")).json() == before


async def test_add_lesson_update_course_update_lesson_infer(api: httpx.AsyncClient, org: Org) -> None:
    c, edit = await new_course(api, org)
    added = await api.post(
        f"{edit}/lessons",
        json={
            "title": "Solving Quadratic Equations",
            "description": "Practice the quadratic formula on real problems.",
            "type": "ai-tutor",
            "quizCount": 2,
            "chapterSequence": 2,
        },
    )
    assert added.status_code == 201
    dto = added.json()
    assert dto["type"] == "ai-tutor" and len(dto["quizzes"]) == 2 and dto["chapterTitle"] == c["chapters"][1]["title"]
    chapter2_last = max(x["sequence"] for x in c["lessons"] if x["chapterTitle"] == c["chapters"][1]["title"])
    assert dto["sequence"] == chapter2_last + 1
    summary = (await api.get(edit)).json()
    assert len(summary["lessons"]) == c["lessonCount"] + 1
    assert [x["sequence"] for x in summary["lessons"]] == list(range(1, c["lessonCount"] + 2))
    got = (await api.get(f"{COURSES}/{c['id']}", headers=org.platform)).json()
    assert got["priceSnapshot"] == c["priceSnapshot"]  # editing is not billed

    for body, field in (
        ({"type": "ai-tutor"}, "title"),
        ({"title": "t"}, "type"),
        ({"title": "t", "type": "ai-tutor", "quizCount": 21}, "quizCount"),
        ({"title": "t", "type": "ai-tutor", "description": "d" * 2001}, "description"),
        ({"title": "t", "type": "ai-tutor", "chapterSequence": 99}, "chapterSequence"),
    ):
        r = await api.post(f"{edit}/lessons", json=body)
        assert r.status_code == 400 and field in [f["field"] for f in r.json()["fields"]], r.text

    assert (await api.patch(edit, json={"title": "New Title", "description": "Updated overview."})).json() == {
        "success": True
    }
    assert (await api.get(edit)).json()["title"] == "New Title"
    assert (await api.patch(edit, json={"title": None})).status_code == 400

    r = await api.patch(f"{edit}/lessons/3", json={"lecture": "<p>Updated HTML</p>", "title": "Loops, Revisited"})
    assert r.json() == {"success": True}
    third = (await api.get(f"{edit}/lessons/3")).json()
    assert third["title"] == "Loops, Revisited" and third["lectureContent"] == "<p>Updated HTML</p>"
    assert (await api.patch(f"{edit}/lessons/3", json={"lessonSlug": "Not A Slug"})).status_code == 400

    inferred = await api.post(
        f"{edit}/infer-type",
        json={
            "lessonTitle": "Practice: Factoring Polynomials",
            "lessonDescription": "Hands-on practice problems for factoring.",
            "courseTitle": "Intermediate Algebra",
            "courseDescription": "Algebra fundamentals for high school students.",
            "existingLessons": [
                {"title": "Welcome to Algebra", "type": "ai-tutor"},
                {"title": "Variables and Expressions", "type": "ai-tutor"},
            ],
        },
    )
    assert inferred.json() == {"type": "exam"}
    assert (await api.post(f"{edit}/infer-type", json={})).status_code == 400


async def test_unknown_edit_token_is_404_on_every_route(api: httpx.AsyncClient, org: Org) -> None:
    edit = f"{COURSES}/edit/not-a-token"
    lid = "00000000-0000-4000-8000-000000000000"
    calls = [
        ("GET", edit, None),
        ("GET", f"{edit}/full", None),
        ("GET", f"{edit}/lessons/1", None),
        ("GET", f"{edit}/canonical", None),
        ("GET", f"{edit}/lessons/by-id/{lid}/full", None),
        ("PATCH", edit, {"title": "x"}),
        ("PATCH", f"{edit}/lessons/1", {"title": "x"}),
        ("PATCH", f"{edit}/lessons/by-id/{lid}/full", {"title": "x"}),
        ("POST", f"{edit}/lessons", {"title": "x", "type": "exam"}),
        ("POST", f"{edit}/infer-type", {"lessonTitle": "x"}),
        ("POST", f"{edit}/lessons/by-id/{lid}/generate", {}),
    ]
    for method, path, body in calls:
        r = await api.request(method, path, json=body)
        assert r.status_code == 404 and r.json()["code"] == "edit_token_not_found", (method, path)


@pytest.mark.slow
async def test_edit_tokens_expire_after_one_mock_hour() -> None:
    state = MockState(seed=3)
    demo = state.provision_demo()
    app = create_app(state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as api:
        auth = {"Authorization": f"Bearer {demo.platform_key}"}
        c = (await api.post(COURSES, json={"prompt": "Glaciers"}, headers=auth)).json()
        token = c["previewUrl"].rsplit("/", 1)[1]
        state.clock.advance(3599)
        assert (await api.get(f"{COURSES}/edit/{token}")).status_code == 200
        state.clock.advance(2)
        r = await api.get(f"{COURSES}/edit/{token}/canonical")
        assert r.status_code == 401 and r.json()["code"] == "edit_token_expired"
        assert "edit-token" in r.json()["message"]
        public = (await api.get(f"{COURSES}/public/{c['shareToken']}/full")).json()  # refreshes it
        assert public["editToken"] != token
        assert (await api.get(f"{COURSES}/edit/{public['editToken']}")).status_code == 200
        minted = (await api.post(f"{COURSES}/{c['id']}/edit-token", headers=auth)).json()
        assert (await api.get(f"{COURSES}/edit/{minted['editToken']}")).status_code == 200


@pytest.mark.slow
def test_expiry_over_real_http_with_clock_control() -> None:
    with MockServer(seed=4) as server:
        assert server.demo is not None
        auth = {"Authorization": f"Bearer {server.demo.platform_key}"}
        c = httpx.post(server.url(COURSES), json={"prompt": "Deserts"}, headers=auth).json()
        edit = server.url(f"{COURSES}/edit/{c['previewUrl'].rsplit('/', 1)[1]}")
        assert httpx.get(edit).status_code == 200
        assert httpx.post(server.url("/_mock/clock/advance"), json={"seconds": 3601}).status_code == 200
        assert httpx.get(edit).status_code == 401
