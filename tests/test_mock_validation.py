"""Validation is the same everywhere: blank strings, PATCH bodies and course module ids, through the real routes.

The property: every string field of every request model that refuses ``""`` refuses
whitespace-only values too, over HTTP, with a 400 that names the field by its wire path
(``payload.category.title``, ``questions[0].choices[1]``), never by a validation
library's internals. The fields are read from the models themselves, so a field added
later is covered without editing this file (the test fails if no base body reaches it).
"""

from __future__ import annotations

import copy
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest import Org, seed_org_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tutorflow_nb.mock import MockServer
from tutorflow_nb.models.requests import (
    RESOURCE_BODIES,
    AddLesson,
    ApiKeyCreate,
    CanonicalPatch,
    ExpansionCreate,
    ExportCreate,
    GenerateLesson,
    InferType,
    LessonFullPatch,
    LessonUpdate,
    PlatformCourseCreate,
    PlatformCourseUpdate,
    PlatformModuleCreate,
    PlatformModuleUpdate,
    SignIn,
    WebhookCreate,
    field_errors_of,
)

WHITESPACE = " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
"""Unicode White_Space: what "blank" means (and what Python's str.isspace agrees with)."""
KINDS = ("modules", "courses", "videos", "slides", "tests")


@dataclass
class Route:
    name: str
    method: str
    path: str
    model: type[BaseModel]
    bodies: list[dict[str, Any]]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    server: MockServer
    org: Org
    ids: dict[str, str]
    routes: list[Route]
    client: httpx.Client


def _world(server: MockServer) -> World:
    org = seed_org_sync(server)
    c = httpx.Client(base_url=server.base_url, timeout=10)
    ids: dict[str, str] = {}
    for kind in KINDS:
        r = c.post(org.room(f"/{kind}"), json={"title": f"base {kind}"}, headers=org.content)
        ids[kind] = r.json()["id"]
    course = c.post("/v1/platform/courses", json={"prompt": "Rivers", "lessonCount": 2}, headers=org.platform).json()
    token = course["previewUrl"].rsplit("/", 1)[1]
    canonical = c.get(f"/v1/platform/courses/edit/{token}/canonical").json()
    module = c.post("/v1/platform/modules", json={"prompt": "Tides"}, headers=org.platform).json()
    lesson, chapter = canonical["lessons"][0]["id"], canonical["chapters"][0]["id"]
    edit = f"/v1/platform/courses/edit/{token}"
    lesson_items = {"id": "l1", "type": "vocabulary", "title": "T", "items": [{"term": "a", "meaning": "b"}]}
    lesson_terms = {"id": "l1", "type": "term", "title": "T", "terms": [{"term": "a", "meaning": "b", "example": "e"}]}
    payload = {"category": {"id": "c", "title": "C"}, "language": "en", "level": {"id": "l", "title": "L"}}
    expansion = {"sourceType": "floco", "requestedOutputs": ["expanded_quiz"], "classroomId": org.classroom_id}
    rich = {
        "modules": {"title": "t", "description": "d", "type": "markdown", "content": "<p>c</p>", "isPublic": True},
        "courses": {"title": "t", "language": "en", "level": "beginner", "moduleIds": [ids["modules"]]},
        "videos": {"title": "t", "scenes": [{"title": "s", "narration": "n", "durationSeconds": 5}]},
        "slides": {"title": "t", "slides": [{"title": "s", "body": "b"}]},
        "tests": {"title": "t", "questions": [{"prompt": "p", "choices": ["a", "b"], "answerIndex": 0}]},
    }
    routes = [
        Route("sign-in", "POST", "/v1/content/auth/sign-in", SignIn, [{"email": "a@b.test", "password": "pw"}]),
        Route(
            "api key",
            "POST",
            f"/v1/content/organizations/{org.id}/api-keys",
            ApiKeyCreate,
            [{"name": "k", "rateLimitPerMinute": 5}],
            org.admin,
        ),
        Route(
            "webhook",
            "POST",
            f"/v1/content/organizations/{org.id}/webhooks",
            WebhookCreate,
            [{"url": "https://hooks.test/x", "events": ["content.completed"], "description": "d"}],
            org.admin,
        ),
        Route(
            "expansion",
            "POST",
            "/v1/content/integrations/expansions",
            ExpansionCreate,
            [
                {**expansion, "payload": {**payload, "level": {**payload["level"], "lessons": [lesson_items]}}},
                {**expansion, "payload": {**payload, "level": {**payload["level"], "lessons": [lesson_terms]}}},
            ],
            org.content,
        ),
        Route(
            "export",
            "POST",
            org.room("/integrations/exports"),
            ExportCreate,
            [{"lessonId": ids["modules"], "idempotencyKey": "k"}],
            org.content,
        ),
        Route(
            "course",
            "POST",
            "/v1/platform/courses",
            PlatformCourseCreate,
            [
                {
                    "prompt": "p",
                    "title": "t",
                    "description": "d",
                    "language": "en",
                    "level": "beginner",
                    "subject": "s",
                    "lessonCount": 1,
                    "classroomId": org.classroom_id,
                    "tier": "basic",
                    "hasQuiz": True,
                    "hasPractice": True,
                    "idempotencyKey": "k",
                    "mode": "sync",
                }
            ],
            org.platform,
        ),
        Route(
            "module",
            "POST",
            "/v1/platform/modules",
            PlatformModuleCreate,
            [
                {
                    "prompt": "p",
                    "topic": "t",
                    "title": "t",
                    "description": "d",
                    "target": "x",
                    "type": "markdown",
                    "language": "en",
                    "locale": "en",
                    "slug": "s",
                    "idempotencyKey": "k",
                }
            ],
            org.platform,
        ),
        Route(
            "module update",
            "PATCH",
            f"/v1/platform/modules/{module['id']}",
            PlatformModuleUpdate,
            [{"title": "t", "description": "d", "type": "markdown", "lecture": "l", "content": "c", "slug": "s"}],
            org.platform,
        ),
        Route("canonical", "PATCH", edit + "/canonical", CanonicalPatch, [canonical]),
        Route(
            "lesson full",
            "PATCH",
            f"{edit}/lessons/by-id/{lesson}/full",
            LessonFullPatch,
            [{"title": "t", "slug": "s", "type": "markdown", "chapterId": chapter, "lecture": "l"}],
        ),
        Route(
            "generate",
            "POST",
            f"{edit}/lessons/by-id/{lesson}/generate",
            GenerateLesson,
            [{"chapter": {"id": chapter, "name": "n"}, "courseTitle": "t", "courseDescription": "d"}],
        ),
        Route(
            "add lesson", "POST", edit + "/lessons", AddLesson, [{"title": "t", "type": "markdown", "description": "d"}]
        ),
        Route("course update", "PATCH", edit, PlatformCourseUpdate, [{"title": "t", "description": "d"}]),
        Route("lesson update", "PATCH", edit + "/lessons/1", LessonUpdate, [{"title": "t", "lessonSlug": "s"}]),
        Route(
            "infer type",
            "POST",
            edit + "/infer-type",
            InferType,
            [
                {
                    "lessonTitle": "t",
                    "lessonDescription": "d",
                    "courseTitle": "c",
                    "existingLessons": [{"title": "x", "type": "markdown"}],
                }
            ],
        ),
    ]
    for kind, (create, update) in RESOURCE_BODIES.items():
        routes.append(Route(f"create {kind}", "POST", org.room(f"/{kind}"), create, [rich[kind]], org.content))
        routes.append(
            Route(f"update {kind}", "PATCH", org.room(f"/{kind}/{ids[kind]}"), update, [rich[kind]], org.content)
        )
    return World(server, org, ids, routes, c)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with MockServer(speed=100, seed=9, provision=False) as server:
        w = _world(server)
        try:
            yield w
        finally:
            w.client.close()


# ---------------------------------------------------------------- reading the models


def string_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """The wire path of every string in a model, lists at index 0 (``questions[0].choices[0]``)."""
    for name, info in model.model_fields.items():
        yield from _paths(info.annotation, prefix + (info.alias or name))


def _paths(tp: Any, path: str) -> Iterator[str]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        yield from _paths(typing.get_args(tp)[0], path)
    elif origin in (typing.Union, types.UnionType):
        for member in typing.get_args(tp):
            yield from _paths(member, path)
    elif origin is list:
        yield from _paths(typing.get_args(tp)[0], path + "[0]")
    elif tp is str or origin is typing.Literal:
        yield path
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield from string_paths(tp, path + ".")


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def put(body: dict[str, Any], path: str, value: Any) -> dict[str, Any] | None:
    """A copy of ``body`` with ``value`` at ``path``, or ``None`` when the body has no such place."""
    out = copy.deepcopy(body)
    parts: list[str | int] = [int(i) if i else k for k, i in _PART.findall(path)]
    here: Any = out
    for part in parts[:-1]:
        try:
            here = here[part]
        except (KeyError, IndexError, TypeError):
            return None
    last = parts[-1]
    if isinstance(last, int) and not (isinstance(here, list) and last < len(here)):
        return None
    if isinstance(last, str) and not isinstance(here, dict):
        return None
    here[last] = value
    return out


def cases(world: World) -> tuple[list[tuple[Route, dict[str, Any], str]], list[str]]:
    """(route, base body, path) for every string that must not be empty; and the paths no base body reaches."""
    found, unreached = [], []
    for route in world.routes:
        for path in dict.fromkeys(string_paths(route.model)):
            placed = [(b, put(b, path, "")) for b in route.bodies]
            placed = [(b, p) for b, p in placed if p is not None]
            if not placed:
                unreached.append(f"{route.name}: {path}")
                continue
            base, empty = placed[0]
            if path in [f for f, _ in field_errors_of(route.model, empty)]:
                found.append((route, base, path))
    return found, unreached


# ---------------------------------------------------------------- the property


@pytest.mark.slow
def test_every_string_of_every_request_model_is_reached(world: World) -> None:
    found, unreached = cases(world)
    assert unreached == [], "give these a base body that holds them"
    models = {route.model for route in world.routes}
    assert models == {route.model for route, _, _ in found}  # every model has a string that must say something
    assert {"payload.category", "payload.category.title", "questions[0].choices[0]", "moduleIds[0]"} <= {
        p for _, _, p in found
    }
    assert len(found) >= 80, len(found)


def test_the_base_bodies_are_valid(world: World) -> None:
    for route in world.routes:
        for body in route.bodies:
            assert field_errors_of(route.model, body) == [], route.name


@pytest.fixture(scope="module")
def all_cases(world: World) -> list[tuple[Route, dict[str, Any], str]]:
    return cases(world)[0]


def _refused(world: World, route: Route, base: dict[str, Any], path: str, value: str) -> str | None:
    """Why the blank value was not refused as it should be, or ``None``."""
    body = put(base, path, value)
    assert body is not None
    r = world.client.request(route.method, route.path, json=body, headers=route.headers)
    if r.status_code != 400:
        return f"{route.name} {path}={value!r}: {r.status_code} {r.text[:200]}"
    fields = [f["field"] for f in r.json()["fields"]]
    if path not in fields:
        return f"{route.name} {path}={value!r}: fields {fields}"
    internal = [f for f in fields if re.search(r"constrained|function-|Category\.|\bstr\b|\bint\b", f)]
    return f"{route.name}: validator names in {internal}" if internal else None


@pytest.mark.slow
def test_empty_strings_are_refused_naming_the_field(
    world: World, all_cases: list[tuple[Route, dict[str, Any], str]]
) -> None:
    problems = [p for route, base, path in all_cases if (p := _refused(world, route, base, path, ""))]
    assert problems == []


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(value=st.text(alphabet=WHITESPACE, min_size=1, max_size=6))
def test_whitespace_only_strings_are_refused_naming_the_field(
    world: World, all_cases: list[tuple[Route, dict[str, Any], str]], value: str
) -> None:
    problems = [p for route, base, path in all_cases if (p := _refused(world, route, base, path, value))]
    assert problems == []
