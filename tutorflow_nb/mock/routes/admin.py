"""Admin-session routes: sign-in, organizations, API keys, webhook subscriptions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ...models.requests import ApiKeyCreate, SignIn, WebhookCreate
from ..accounts import SESSION_COOKIE, SESSION_SECONDS
from ..assumptions import assumed
from .deps import AdminCaller, Page, State, answer, listing

router = APIRouter(prefix="/v1/content", tags=["Content Integration: admin session"])
ORG = "/organizations/{organizationId}"


@router.post("/auth/sign-in", openapi_extra=assumed("admin-sign-in"))
async def sign_in(body: SignIn, state: State) -> Response:
    token, admin = state.accounts.sign_in(body)
    response = JSONResponse({"admin": admin})
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_SECONDS), httponly=True, samesite="lax", path="/")
    return response


@router.post("/auth/sign-out", status_code=204, openapi_extra=assumed("admin-sign-in"))
async def sign_out(request: Request, state: State) -> Response:
    state.accounts.sign_out(request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/organizations", openapi_extra=assumed("lists"))
async def organizations(admin: AdminCaller, state: State, page: Page) -> Response:
    return listing(state.accounts.organizations(admin), page)


@router.post(ORG + "/api-keys", status_code=201, openapi_extra=assumed("api-keys"))
async def create_key(organizationId: str, body: ApiKeyCreate, admin: AdminCaller, state: State) -> Response:
    org = state.accounts.admin_org(admin, organizationId)
    key, full = state.accounts.create_key(org.id, body)
    return answer(201, {**key.view(state.clock), "key": full})


@router.get(ORG + "/api-keys", openapi_extra=assumed("api-keys", "lists"))
async def list_keys(organizationId: str, admin: AdminCaller, state: State, page: Page) -> Response:
    return listing(state.accounts.list_keys(state.accounts.admin_org(admin, organizationId).id), page)


@router.post(ORG + "/api-keys/{keyId}/rotate", status_code=201, openapi_extra=assumed("api-keys"))
async def rotate_key(organizationId: str, keyId: str, admin: AdminCaller, state: State) -> Response:
    org = state.accounts.admin_org(admin, organizationId)
    key, full = state.accounts.rotate_key(org.id, keyId)
    return answer(201, {**key.view(state.clock), "key": full, "rotatedFromId": keyId})


@router.delete(ORG + "/api-keys/{keyId}", openapi_extra=assumed("api-keys"))
async def revoke_key(organizationId: str, keyId: str, admin: AdminCaller, state: State) -> dict[str, Any]:
    key = state.accounts.revoke_key(state.accounts.admin_org(admin, organizationId).id, keyId)
    return key.view(state.clock)


@router.post(ORG + "/webhooks", status_code=201, openapi_extra=assumed("webhooks"))
async def subscribe(organizationId: str, body: WebhookCreate, admin: AdminCaller, state: State) -> Response:
    return answer(201, state.webhooks.subscribe(state.accounts.admin_org(admin, organizationId).id, body))


@router.get(ORG + "/webhooks", openapi_extra=assumed("webhooks", "lists"))
async def list_webhooks(organizationId: str, admin: AdminCaller, state: State, page: Page) -> Response:
    return listing(state.webhooks.list(state.accounts.admin_org(admin, organizationId).id), page)


@router.delete(ORG + "/webhooks/{webhookId}", openapi_extra=assumed("webhooks"))
async def unsubscribe(organizationId: str, webhookId: str, admin: AdminCaller, state: State) -> dict[str, Any]:
    return state.webhooks.unsubscribe(state.accounts.admin_org(admin, organizationId).id, webhookId)
