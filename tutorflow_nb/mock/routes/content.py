"""Bearer-key Content Integration routes: classrooms, expansions, exports, resource CRUD."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import Response

from ...models.requests import RESOURCE_BODIES, ExpansionCreate, ExportCreate
from ..accounts import SESSION_COOKIE
from ..assumptions import assumed
from .deps import ContentCaller, IdemKey, Page, State, answer, bearer_of, listing, org_of_classroom

router = APIRouter(prefix="/v1/content", tags=["Content Integration"])
EXPANSIONS = "/integrations/expansions"


@router.get("/classrooms", openapi_extra=assumed("lists"))
async def classrooms(who: ContentCaller, state: State, page: Page) -> Response:
    return listing(state.accounts.list_classrooms(who.org.id), page)


@router.post(EXPANSIONS, status_code=202, openapi_extra=assumed("expansion-request", "idempotency"))
async def create_expansion(body: ExpansionCreate, who: ContentCaller, state: State, key: IdemKey) -> Response:
    return answer(*state.content.create_expansion(who, body, key))


@router.get(EXPANSIONS + "/{jobId}", openapi_extra=assumed("expansion-timing"))
async def expansion_status(jobId: str, who: ContentCaller, state: State) -> dict[str, Any]:
    return state.content.get_job(who, jobId)


@router.get(EXPANSIONS + "/{jobId}/result", openapi_extra=assumed("expansion-result"))
async def expansion_result(jobId: str, who: ContentCaller, state: State) -> dict[str, Any]:
    return state.content.result(who, jobId)


@router.post(
    "/classrooms/{classroomId}/integrations/exports", status_code=201, openapi_extra=assumed("exports", "idempotency")
)
async def export(
    classroomId: str,
    body: ExportCreate,
    request: Request,
    state: State,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    if bearer_of(request) or SESSION_COOKIE not in request.cookies:  # who is asking comes first
        who = state.accounts.authenticate("content", bearer_of(request))
        request.state.rate = who.rate
        org_id = who.org.id
    else:
        org_id = org_of_classroom(state, state.accounts.admin_for(request.cookies.get(SESSION_COOKIE)), classroomId)
    key = state.check_idempotency_key(idempotency_key)
    return answer(*state.content.export(org_id, classroomId, body, key))


def _crud(kind: str) -> None:
    create_model, update_model = RESOURCE_BODIES[kind]
    base = "/classrooms/{classroomId}/" + kind
    item = base + "/{resourceId}"
    singular = kind[:-1]

    async def create(
        classroomId: str, body: Annotated[Any, Body()], who: ContentCaller, state: State, key: IdemKey
    ) -> Response:
        return answer(*state.content.create_resource(who, classroomId, kind, body, key))

    async def list_(classroomId: str, who: ContentCaller, state: State, page: Page) -> Response:
        return listing(state.content.list_resources(who, classroomId, kind), page)

    async def get(classroomId: str, resourceId: str, who: ContentCaller, state: State) -> dict[str, Any]:
        return state.content.get_resource(who, classroomId, kind, resourceId)

    async def update(
        classroomId: str, resourceId: str, body: Annotated[Any, Body()], who: ContentCaller, state: State
    ) -> dict[str, Any]:
        return state.content.update_resource(who, classroomId, kind, resourceId, body)

    async def delete(classroomId: str, resourceId: str, who: ContentCaller, state: State) -> Response:
        return answer(*state.content.delete_resource(who, classroomId, kind, resourceId))

    create.__annotations__["body"] = Annotated[create_model, Body()]
    update.__annotations__["body"] = Annotated[update_model, Body()]
    extra = assumed("resource-shapes", "idempotency")
    router.add_api_route(
        base, create, methods=["POST"], status_code=201, name=f"create_{singular}", openapi_extra=extra
    )
    router.add_api_route(base, list_, methods=["GET"], name=f"list_{kind}", openapi_extra=assumed("lists"))
    router.add_api_route(item, get, methods=["GET"], name=f"get_{singular}")
    router.add_api_route(
        item, update, methods=["PATCH"], name=f"update_{singular}", openapi_extra=assumed("resource-shapes")
    )
    router.add_api_route(
        item, delete, methods=["DELETE"], name=f"delete_{singular}", openapi_extra=assumed("delete-responses")
    )


for _kind in RESOURCE_BODIES:
    _crud(_kind)
