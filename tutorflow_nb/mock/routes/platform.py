"""Agent Platform routes: courses, the edit-token API, modules, the price catalog."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from fastapi.responses import Response, StreamingResponse

from ...models.requests import (
    AddLesson,
    CanonicalPatch,
    GenerateLesson,
    InferType,
    LessonFullPatch,
    LessonUpdate,
    PlatformCourseCreate,
    PlatformCourseUpdate,
    PlatformModuleCreate,
    PlatformModuleUpdate,
)
from ..assumptions import assumed
from .deps import Page, PlatformCaller, State, answer, listing

router = APIRouter(prefix="/v1/platform", tags=["Agent Platform"])
EDIT = "/courses/edit/{editToken}"
HeaderKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Sequence = Annotated[int, Path(ge=1, le=1000)]


@router.post(
    "/courses",
    status_code=201,
    openapi_extra=assumed("platform-timing", "lesson-count", "lesson-types", "idempotency"),
    responses={202: {"description": "Accepted (mode async): poll the request until isTerminal"}},
)
async def create_course(
    body: PlatformCourseCreate, who: PlatformCaller, state: State, idempotency_key: HeaderKey = None
) -> Response:
    key = state.check_idempotency_key(idempotency_key)
    return answer(*state.platform.create_course(who, body, key))


@router.get("/courses", openapi_extra=assumed("lists"))
async def list_courses(who: PlatformCaller, state: State, page: Page) -> Response:
    return listing(state.platform.list_courses(who), page)


@router.get("/courses/{courseRequestId}")
async def get_course(courseRequestId: str, who: PlatformCaller, state: State) -> dict[str, Any]:
    return state.platform.get_course(who, courseRequestId)


@router.post("/courses/{courseRequestId}/edit-token", status_code=201, openapi_extra=assumed("edit-tokens"))
async def edit_token(courseRequestId: str, who: PlatformCaller, state: State) -> Response:
    return answer(201, state.platform.new_edit_token(who, courseRequestId))


@router.get("/courses/public/{shareToken}/full", openapi_extra=assumed("edit-tokens"))
async def public_course(shareToken: str, state: State) -> dict[str, Any]:
    return state.platform.public_full(shareToken)


@router.get(EDIT, openapi_extra=assumed("edit-tokens"))
async def course_summary(editToken: str, state: State) -> dict[str, Any]:
    return state.platform.summary(editToken)


@router.patch(EDIT)
async def update_course(editToken: str, body: PlatformCourseUpdate, state: State) -> dict[str, Any]:
    return state.platform.update_course(editToken, body)


@router.get(EDIT + "/full")
async def course_full(editToken: str, state: State) -> dict[str, Any]:
    return state.platform.full(editToken)


@router.get(EDIT + "/canonical")
async def canonical(editToken: str, state: State) -> dict[str, Any]:
    return state.platform.canonical(editToken)


@router.patch(EDIT + "/canonical", openapi_extra=assumed("editor-payloads"))
async def patch_canonical(editToken: str, body: CanonicalPatch, state: State) -> dict[str, Any]:
    return state.platform.patch_canonical(editToken, body)


@router.get(EDIT + "/lessons/by-id/{lessonId}/full")
async def lesson_by_id(editToken: str, lessonId: str, state: State) -> dict[str, Any]:
    return state.platform.lesson_full(editToken, lessonId)


@router.patch(EDIT + "/lessons/by-id/{lessonId}/full", openapi_extra=assumed("editor-payloads", "lesson-nulls"))
async def patch_lesson_by_id(editToken: str, lessonId: str, body: LessonFullPatch, state: State) -> dict[str, Any]:
    return state.platform.patch_lesson_full(editToken, lessonId, body)


@router.post(
    EDIT + "/lessons/by-id/{lessonId}/generate", openapi_extra=assumed("sse"), response_class=StreamingResponse
)
async def generate(editToken: str, lessonId: str, body: GenerateLesson, state: State) -> StreamingResponse:
    events = state.platform.generate(editToken, lessonId, body)
    pause = min(0.05, state.clock.to_wall(0.05))

    async def stream() -> AsyncIterator[bytes]:
        for event, data in events:
            yield f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()
            await asyncio.sleep(pause)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get(EDIT + "/lessons/{sequence}")
async def lesson_by_sequence(editToken: str, sequence: Sequence, state: State) -> dict[str, Any]:
    return state.platform.lesson(editToken, sequence)


@router.patch(EDIT + "/lessons/{sequence}")
async def update_lesson(editToken: str, sequence: Sequence, body: LessonUpdate, state: State) -> dict[str, Any]:
    return state.platform.update_lesson(editToken, sequence, body)


@router.post(EDIT + "/lessons", status_code=201, openapi_extra=assumed("editor-payloads"))
async def add_lesson(editToken: str, body: AddLesson, state: State) -> Response:
    return answer(201, state.platform.add_lesson(editToken, body))


@router.post(EDIT + "/infer-type", openapi_extra=assumed("lesson-types"))
async def infer_type(editToken: str, body: InferType, state: State) -> dict[str, Any]:
    return state.platform.infer_type(editToken, body)


@router.post("/modules", status_code=201, openapi_extra=assumed("platform-modules", "lesson-types", "idempotency"))
async def create_module(
    body: PlatformModuleCreate, who: PlatformCaller, state: State, idempotency_key: HeaderKey = None
) -> Response:
    key = state.check_idempotency_key(idempotency_key)
    return answer(*state.platform.create_module(who, body, key))


@router.get("/modules", openapi_extra=assumed("lists"))
async def list_modules(who: PlatformCaller, state: State, page: Page) -> Response:
    return listing(state.platform.list_modules(who), page)


@router.get("/modules/public/{shareToken}", openapi_extra=assumed("platform-modules"))
async def public_module(shareToken: str, state: State) -> dict[str, Any]:
    return state.platform.public_module(shareToken)


@router.get("/modules/{moduleId}")
async def get_module(moduleId: str, who: PlatformCaller, state: State) -> dict[str, Any]:
    return state.platform.get_module(who, moduleId)


@router.patch("/modules/{moduleId}", openapi_extra=assumed("platform-modules"))
async def update_module(moduleId: str, body: PlatformModuleUpdate, who: PlatformCaller, state: State) -> dict[str, Any]:
    return state.platform.update_module(who, moduleId, body)


@router.delete("/modules/{moduleId}", openapi_extra=assumed("platform-modules"))
async def delete_module(moduleId: str, who: PlatformCaller, state: State) -> dict[str, Any]:
    return state.platform.delete_module(who, moduleId)


@router.get("/pricing/catalog", openapi_extra=assumed("pricing-catalog"))
async def catalog(who: PlatformCaller, state: State) -> dict[str, Any]:
    return state.platform.catalog()
