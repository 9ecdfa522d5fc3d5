"""What every route needs: the state, the caller, the idempotency key, the JSON answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from ..accounts import SESSION_COOKIE, Admin, Principal
from ..dialects import DEFAULT, Dialect
from ..errors import NotFound
from ..state import MockState, paginate

__all__ = ["AdminCaller", "ContentCaller", "IdemKey", "Page", "PlatformCaller", "State", "answer", "listing"]


def _state(request: Request) -> MockState:
    mock: MockState = request.app.state.mock  # create_app puts it there
    return mock


def bearer_of(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _content(request: Request) -> Principal:
    who = _state(request).accounts.authenticate("content", bearer_of(request))
    request.state.rate = who.rate
    return who


async def _platform(request: Request) -> Principal:
    who = _state(request).accounts.authenticate("platform", bearer_of(request))
    request.state.rate = who.rate
    return who


async def _admin(request: Request) -> Admin:
    return _state(request).accounts.admin_for(request.cookies.get(SESSION_COOKIE))


async def _idem(idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> str | None:
    return MockState.check_idempotency_key(idempotency_key)


class _Page:
    def __init__(
        self,
        request: Request,
        limit: Annotated[int | None, Query(ge=1, le=100)] = None,
        cursor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    ) -> None:
        self.limit, self.cursor = limit, cursor
        self.dialect: Dialect = request.scope.get("state", {}).get("dialect", DEFAULT)


State = Annotated[MockState, Depends(_state)]
ContentCaller = Annotated[Principal, Depends(_content)]
PlatformCaller = Annotated[Principal, Depends(_platform)]
AdminCaller = Annotated[Admin, Depends(_admin)]
IdemKey = Annotated[str | None, Depends(_idem)]
Page = Annotated[_Page, Depends(_Page)]


def answer(status_code: int, body: Any) -> Response:
    if body is None:
        return Response(status_code=status_code)
    return JSONResponse(body, status_code=status_code)


def listing(items: list[dict[str, Any]], page: _Page) -> Response:
    """A list route's answer: a page ``{data, nextCursor}`` (``assumptions.lists``), or every item bare (bare-lists)."""
    if page.dialect.strips_paging:
        return JSONResponse(items)
    return JSONResponse(paginate(items, page.limit, page.cursor))


def org_of_classroom(state: MockState, admin: Admin, classroom_id: str) -> str:
    """The organization an admin reaches a classroom through, or 404."""
    room = state.accounts.classrooms.get(classroom_id)
    if room is None or room.org_id not in admin.org_ids:
        raise NotFound(f"classroom '{classroom_id}' not found", code="classroom_not_found")
    return room.org_id
