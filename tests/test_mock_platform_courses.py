"""Agent Platform courses: generation rules, billing, modes, idempotency, URLs, edit tokens."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from conftest import Org, wait_course

pytestmark = pytest.mark.anyio
COURSES = "/v1/platform/courses"
PYTHON = "Create a beginner Python course covering variables, loops, and functions with hands-on exercises"
FIELDS = {
    "id",
    "status",
    "courseId",
    "title",
    "description",
    "level",
    "language",
    "subject",
    "slug",
    "tier",
    "mode",
    "hasQuiz",
    "hasPractice",
    "lessonCount",
    "priceSnapshot",
    "chapters",
    "lessons",
    "shareToken",
    "thumbnailUrl",
    "previewUrl",
    "publicUrl",
    "isTerminal",
    "pollAfterMs",
    "idempotencyKey",
    "idempotentReplay",
    "createdAt",
    "completedAt",
}


async def test_documented_example_request(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(
        COURSES, json={"prompt": PYTHON, "language": "en", "level": "beginner", "lessonCount": 5}, headers=org.platform
    )
    assert r.status_code == 201
    c = r.json()
    assert set(c) >= FIELDS
    assert c["status"] == "COMPLETED" and c["isTerminal"] is True and c["pollAfterMs"] is None
    assert c["mode"] == "sync" and c["tier"] == "default" and c["level"] == "beginner" and c["language"] == "en"
    assert c["courseId"] and c["slug"] and c["completedAt"] and c["shareToken"]
    assert "python" in c["title"].lower()
    assert [ch["title"] for ch in c["chapters"]] == ["Variables", "Loops", "Functions"]
    assert c["lessonCount"] == len(c["lessons"]) == sum(ch["lessonCount"] for ch in c["chapters"])
    assert abs(c["lessonCount"] - 5) <= 1
    assert [lesson["sequence"] for lesson in c["lessons"]] == list(range(1, c["lessonCount"] + 1))
    assert c["lessons"][0]["type"] == "coding-lesson"  # programming courses start with code
    for lesson in c["lessons"]:
        assert {"title", "type", "sequence", "chapterTitle", "chapterSlug", "lessonSlug", "lessonUrl"} <= set(lesson)
        assert lesson["lessonUrl"].endswith(f"/lessons/{lesson['sequence']}")
    assert c["previewUrl"] == f"https://tutorflow.io/en/platform/courses/edit/{c['previewUrl'].rsplit('/', 1)[1]}"
    assert c["publicUrl"] == f"https://tutorflow.io/en/platform/courses/{c['shareToken']}/lessons/1"
    assert c["idempotencyKey"] is None and c["idempotentReplay"] is None


async def test_price_snapshot_follows_generated_lessons(api: httpx.AsyncClient, org: Org) -> None:
    seen_counts = set()
    for n in (1, 5, 6, 10, 37, 50):
        c = (
            await api.post(
                COURSES, json={"prompt": f"Course on history part {n}", "lessonCount": n}, headers=org.platform
            )
        ).json()
        snap = c["priceSnapshot"]
        assert snap == {
            "category": "course",
            "catalogKey": "course.default",
            "tier": "default",
            "unit": "lesson",
            "unitPrice": 0.05,
            "units": c["lessonCount"],
            "amountUsd": float(Decimal("0.05") * c["lessonCount"]),
            "currency": "USD",
            "source": "platform_pricing_catalog_v2",
        }
        assert 1 <= c["lessonCount"] <= 50 and abs(c["lessonCount"] - n) <= 1
        seen_counts.add(c["lessonCount"] - n)
    default = (await api.post(COURSES, json={"prompt": "Photosynthesis"}, headers=org.platform)).json()
    assert abs(default["lessonCount"] - 5) <= 1


@pytest.mark.slow
async def test_generated_count_differs_from_requested_sometimes(api: httpx.AsyncClient, org: Org) -> None:
    deltas = set()
    for i in range(30):
        c = (
            await api.post(COURSES, json={"prompt": f"Topic number {i}", "lessonCount": 8}, headers=org.platform)
        ).json()
        deltas.add(c["lessonCount"] - 8)
        assert c["priceSnapshot"]["units"] == c["lessonCount"]
    assert 0 in deltas and deltas & {-1, 1}, deltas


@pytest.mark.parametrize(
    ("prompt", "subject", "first", "allowed"),
    [
        ("Intro to prompt engineering for marketers", None, "chat-ai", None),
        ("Spanish for travellers: everyday vocabulary", None, "reading-comprehension", None),
        ("Fractions and decimals for grade 5", "mathematics", "ai-tutor", None),
        ("How the web works: DNS and browsers", None, "ai-tutor", None),
    ],
)
async def test_first_lesson_and_no_coding_outside_programming(
    api: httpx.AsyncClient, org: Org, prompt: str, subject: str | None, first: str, allowed
) -> None:
    body = {
        "prompt": prompt,
        "lessonCount": 12,
        "hasQuiz": True,
        "hasPractice": True,
        **({"subject": subject} if subject else {}),
    }
    c = (await api.post(COURSES, json=body, headers=org.platform)).json()
    types = [lesson["type"] for lesson in c["lessons"]]
    assert types[0] == first
    assert not {"coding-lesson", "coding-test"} & set(types)
    assert "exam" in types  # hasQuiz
    valid = {
        "ai-tutor",
        "coding-lesson",
        "coding-test",
        "chat-ai",
        "reading-comprehension",
        "exam",
        "flashcard",
        "markdown",
    }
    assert set(types) <= valid


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "p", "lessonCount": 0}, "lessonCount"),
        ({"prompt": "p", "lessonCount": 51}, "lessonCount"),
        ({"prompt": "p", "lessonCount": 5.5}, "lessonCount"),
        ({"prompt": "p", "lessonCount": "5"}, "lessonCount"),
        ({"prompt": "p", "level": "expert"}, "level"),
        ({"prompt": "p", "mode": "batch"}, "mode"),
        ({"prompt": "p", "tier": "default"}, "tier"),
        ({"prompt": "p", "tier": "premium"}, "tier"),
        ({"prompt": "p", "hasQuiz": "yes"}, "hasQuiz"),
        ({"prompt": "p", "language": "English"}, "language"),
        ({"prompt": "p", "title": "t" * 256}, "title"),
        ({"prompt": "p", "courseTitle": "x"}, "courseTitle"),
    ],
)
async def test_course_validation(api: httpx.AsyncClient, org: Org, body: dict, field: str) -> None:
    r = await api.post(COURSES, json=body, headers=org.platform)
    assert r.status_code == 400, r.text
    assert field in [f["field"] for f in r.json()["fields"]]
    if field == "tier" and body["tier"] == "default":
        assert "response/catalog tier" in r.text


async def test_legacy_tier_is_accepted_without_effect(api: httpx.AsyncClient, org: Org) -> None:
    plain = (await api.post(COURSES, json={"prompt": "Rivers", "lessonCount": 3}, headers=org.platform)).json()
    for tier in ("basic", "standard", "advanced"):
        c = (
            await api.post(COURSES, json={"prompt": "Rivers", "lessonCount": 3, "tier": tier}, headers=org.platform)
        ).json()
        assert c["tier"] == "default" and c["priceSnapshot"]["unitPrice"] == plain["priceSnapshot"]["unitPrice"]


async def test_overrides_and_echoes(api: httpx.AsyncClient, org: Org) -> None:
    c = (
        await api.post(
            COURSES,
            json={
                "prompt": "Stars",
                "title": "My Stars",
                "description": "Mine.",
                "subject": "physics",
                "language": "fr",
                "hasQuiz": False,
                "hasPractice": True,
            },
            headers=org.platform,
        )
    ).json()
    assert (c["title"], c["description"], c["subject"], c["language"]) == ("My Stars", "Mine.", "physics", "fr")
    assert c["hasQuiz"] is False and c["hasPractice"] is True
    assert "/fr/platform/courses/" in c["publicUrl"]


async def test_async_mode_polls_to_completion(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(COURSES, json={"prompt": PYTHON, "mode": "async", "lessonCount": 4}, headers=org.platform)
    assert r.status_code == 202
    c = r.json()
    assert c["status"] == "PENDING" and c["isTerminal"] is False and c["mode"] == "async"
    assert c["pollAfterMs"] == 20  # 2 mock seconds at speed 100, in wall milliseconds
    assert c["courseId"] is None and c["priceSnapshot"] is None and c["lessons"] is None and c["previewUrl"] is None
    done = await wait_course(api, org, c["id"])
    assert done["status"] == "COMPLETED" and done["pollAfterMs"] is None and done["priceSnapshot"]["units"] >= 3


async def test_failed_course_is_terminal_and_not_billed(api: httpx.AsyncClient, org: Org) -> None:
    await api.put("/_mock/faults", json={"fail_next_jobs": 1})
    try:
        c = (await api.post(COURSES, json={"prompt": "Doomed", "mode": "async"}, headers=org.platform)).json()
    finally:
        await api.put("/_mock/faults", json={"fail_next_jobs": 0})
    done = await wait_course(api, org, c["id"])
    assert done["status"] == "FAILED" and done["isTerminal"] and done["priceSnapshot"] is None
    assert done["error"]["code"] == "generation_failed"
    r = await api.post(f"{COURSES}/{c['id']}/edit-token", headers=org.platform)
    assert r.status_code == 409


@pytest.mark.parametrize("where", ["body", "header"])
async def test_idempotent_replay(api: httpx.AsyncClient, org: Org, where: str) -> None:
    body = {"prompt": "Volcanoes", "lessonCount": 4}
    extra_body = {"idempotencyKey": "course:volcanoes:v1"} if where == "body" else {}
    headers = {**org.platform, **({"Idempotency-Key": "course:volcanoes:v1"} if where == "header" else {})}
    first = (await api.post(COURSES, json={**body, **extra_body}, headers=headers)).json()
    again = (await api.post(COURSES, json={**body, **extra_body}, headers=headers)).json()
    assert first["idempotentReplay"] is False and again["idempotentReplay"] is True
    assert first["id"] == again["id"] and first["idempotencyKey"] == "course:volcanoes:v1"
    assert {k: v for k, v in first.items() if k != "idempotentReplay"} == {
        k: v for k, v in again.items() if k != "idempotentReplay"
    }
    conflict = await api.post(COURSES, json={**body, "lessonCount": 9, **extra_body}, headers=headers)
    assert conflict.status_code == 409
    listed = [c for c in (await api.get(COURSES, headers=org.platform)).json()["data"] if c["title"] == first["title"]]
    assert len(listed) == 1


async def test_body_and_header_keys_must_agree(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(
        COURSES, json={"prompt": "p", "idempotencyKey": "a"}, headers={**org.platform, "Idempotency-Key": "b"}
    )
    assert r.status_code == 400 and r.json()["fields"][0]["field"] == "idempotencyKey"


async def test_list_uses_share_token_preview_urls(api: httpx.AsyncClient, org: Org) -> None:
    c = (await api.post(COURSES, json={"prompt": "Tides"}, headers=org.platform)).json()
    listed = {x["id"]: x for x in (await api.get(COURSES, headers=org.platform)).json()["data"]}
    assert listed[c["id"]]["previewUrl"] == f"https://tutorflow.io/en/platform/courses/{c['shareToken']}"
    got = (await api.get(f"{COURSES}/{c['id']}", headers=org.platform)).json()
    assert "/platform/courses/edit/" in got["previewUrl"] and got["idempotentReplay"] is None
    assert (await api.get(f"{COURSES}/nope", headers=org.platform)).status_code == 404


async def test_edit_token_minting_and_share_route(api: httpx.AsyncClient, org: Org) -> None:
    c = (await api.post(COURSES, json={"prompt": "Clouds"}, headers=org.platform)).json()
    old = c["previewUrl"].rsplit("/", 1)[1]
    r = await api.post(f"{COURSES}/{c['id']}/edit-token", headers=org.platform)
    assert r.status_code == 201
    new = r.json()
    assert new["editToken"] != old and new["editTokenExpiresAt"].endswith("Z")
    for token in (old, new["editToken"]):  # the old one stays valid until it expires
        assert (await api.get(f"{COURSES}/edit/{token}")).status_code == 200
    assert (await api.get(f"{COURSES}/{c['id']}", headers=org.platform)).json()["previewUrl"].endswith(new["editToken"])
    public = await api.get(f"{COURSES}/public/{c['shareToken']}/full")  # no key needed
    assert public.status_code == 200
    full = public.json()
    assert full["editToken"] == new["editToken"] and full["id"] == c["courseId"]
    assert len(full["lessons"]) == c["lessonCount"] and "lectureContent" in full["lessons"][0]
    assert (await api.get(f"{COURSES}/public/nope/full")).status_code == 404


async def test_price_catalog(api: httpx.AsyncClient, org: Org) -> None:
    cat = (await api.get("/v1/platform/pricing/catalog", headers=org.platform)).json()
    assert cat["source"] == "platform_pricing_catalog_v2"
    assert {e["catalogKey"]: e["unitPrice"] for e in cat["entries"]} == {"course.default": 0.05, "module.default": 0.05}
