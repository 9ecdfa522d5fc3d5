"""Agent Platform modules: create from prompt or topic, ModuleResDto, billing, soft delete, public route."""

from __future__ import annotations

import httpx
import pytest
from conftest import Org

pytestmark = pytest.mark.anyio
MODULES = "/v1/platform/modules"
DTO = {
    "id",
    "title",
    "description",
    "type",
    "isPublic",
    "videoUrl",
    "pdfKey",
    "content",
    "lectureKey",
    "lecture",
    "lectureVersion",
    "status",
    "lectureImagePrompt",
    "metadata",
    "slug",
    "deletedAt",
    "shareToken",
    "publicUrl",
    "platformWorkspaceId",
    "platformApiKeyId",
    "idempotencyKey",
    "priceSnapshot",
    "quizzes",
    "createdAt",
    "updatedAt",
    "completedAt",
}


async def test_documented_example(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(
        MODULES,
        json={
            "prompt": "Create a short beginner lesson about Python variables with a quick practice quiz",
            "language": "en",
        },
        headers=org.platform,
    )
    assert r.status_code == 201
    m = r.json()
    assert set(m) == DTO
    assert m["status"] == "completed" and m["isPublic"] is True and m["lectureVersion"] == 1 and m["deletedAt"] is None
    assert m["metadata"]["language"] == "en" and m["metadata"]["locale"] == "en"
    assert m["publicUrl"] == f"https://tutorflow.io/en/platform/modules/{m['shareToken']}"
    assert m["priceSnapshot"] == {
        "category": "module",
        "catalogKey": "module.default",
        "tier": "default",
        "unit": "lesson",
        "unitPrice": 0.05,
        "units": 1,
        "amountUsd": 0.05,
        "currency": "USD",
        "source": "platform_pricing_catalog_v2",
    }
    assert m["quizzes"] and "Python" in m["lecture"]
    assert m["type"] in {
        "ai-tutor",
        "coding-lesson",
        "coding-test",
        "chat-ai",
        "reading-comprehension",
        "exam",
        "flashcard",
        "markdown",
    }


async def test_topic_alias_and_overrides(api: httpx.AsyncClient, org: Org) -> None:
    m = (
        await api.post(
            MODULES,
            json={
                "topic": "Photosynthesis",
                "title": "Plants eat light",
                "type": "flashcard",
                "hasQuiz": False,
                "isPublic": False,
                "locale": "de",
                "slug": "plants",
                "target": "grade 6",
            },
            headers=org.platform,
        )
    ).json()
    assert (m["title"], m["type"], m["slug"], m["isPublic"], m["quizzes"]) == (
        "Plants eat light",
        "flashcard",
        "plants",
        False,
        [],
    )
    assert m["metadata"]["target"] == "grade 6" and "/de/platform/modules/" in m["publicUrl"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"language": "en"}, "body"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "p", "type": "video"}, "type"),
        ({"prompt": "p", "slug": "Bad Slug"}, "slug"),
        ({"prompt": "p", "isPublic": "yes"}, "isPublic"),
        ({"prompt": "p", "unknown": 1}, "unknown"),
    ],
)
async def test_validation(api: httpx.AsyncClient, org: Org, body: dict, field: str) -> None:
    r = await api.post(MODULES, json=body, headers=org.platform)
    assert r.status_code == 400 and field in [f["field"] for f in r.json()["fields"]], r.text
    if field == "body":
        assert "prompt" in r.text and "topic" in r.text


async def test_get_list_update_soft_delete(api: httpx.AsyncClient, org: Org) -> None:
    m = (await api.post(MODULES, json={"prompt": "Magnets"}, headers=org.platform)).json()
    assert (await api.get(f"{MODULES}/{m['id']}", headers=org.platform)).json() == m
    assert m["id"] in [x["id"] for x in (await api.get(MODULES, headers=org.platform)).json()["data"]]

    same = (await api.patch(f"{MODULES}/{m['id']}", json={"title": "Magnetism"}, headers=org.platform)).json()
    assert same["title"] == "Magnetism" and same["lectureVersion"] == 1
    newer = (
        await api.patch(
            f"{MODULES}/{m['id']}", json={"lecture": "<p>New</p>", "metadata": {"x": 1}}, headers=org.platform
        )
    ).json()
    assert newer["lectureVersion"] == 2 and newer["lecture"] == "<p>New</p>" and newer["lectureKey"].endswith("/2.txt")
    assert newer["metadata"]["x"] == 1 and newer["metadata"]["language"] == "en"
    assert (await api.patch(f"{MODULES}/{m['id']}", json={}, headers=org.platform)).status_code == 400
    assert (await api.patch(f"{MODULES}/{m['id']}", json={"title": None}, headers=org.platform)).status_code == 400

    public = await api.get(f"{MODULES}/public/{m['shareToken']}")
    assert public.status_code == 200 and public.json()["title"] == "Magnetism"
    assert not {"platformWorkspaceId", "platformApiKeyId", "priceSnapshot", "idempotencyKey"} & set(public.json())

    gone = await api.delete(f"{MODULES}/{m['id']}", headers=org.platform)
    assert gone.status_code == 200 and gone.json()["deletedAt"] and gone.json()["id"] == m["id"]
    assert (await api.get(f"{MODULES}/{m['id']}", headers=org.platform)).status_code == 404
    assert m["id"] not in [x["id"] for x in (await api.get(MODULES, headers=org.platform)).json()["data"]]
    assert (await api.get(f"{MODULES}/public/{m['shareToken']}")).status_code == 404
    assert (await api.delete(f"{MODULES}/{m['id']}", headers=org.platform)).status_code == 404


async def test_private_module_has_no_public_page(api: httpx.AsyncClient, org: Org) -> None:
    m = (await api.post(MODULES, json={"prompt": "Secrets", "isPublic": False}, headers=org.platform)).json()
    assert (await api.get(f"{MODULES}/public/{m['shareToken']}")).status_code == 404


async def test_idempotency(api: httpx.AsyncClient, org: Org) -> None:
    h = {**org.platform, "Idempotency-Key": "module:ext-9:v1"}
    a = await api.post(MODULES, json={"prompt": "Bees"}, headers=h)
    b = await api.post(MODULES, json={"prompt": "Bees"}, headers=h)
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert a.json()["idempotencyKey"] == "module:ext-9:v1"
    assert (await api.post(MODULES, json={"prompt": "Wasps"}, headers=h)).status_code == 409
    c = await api.post(MODULES, json={"prompt": "Bees", "idempotencyKey": "module:ext-9:v1"}, headers=org.platform)
    assert c.json()["id"] == a.json()["id"]  # body key and header key are the same key
