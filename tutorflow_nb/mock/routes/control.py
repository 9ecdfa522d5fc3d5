"""The mock's own control routes, under ``/_mock``: never part of TutorFlow's API.

Reset and seed the state, read and move the clock, switch faults and dialects, list
webhook deliveries and count what exists. Seeding answers full keys, which is acceptable only
because the mock serves loopback; nothing else in the mock ever answers a full key twice.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ...models.requests import NonBlank
from ..assumptions import DIALECTS
from ..clock import MAX_SPEED
from ..errors import BadRequest, FieldError
from ..state import DEMO_PASSWORD, MockState
from .deps import State

router = APIRouter(prefix="/_mock", tags=["Mock control (not TutorFlow)"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # false is not 0, "3" is not 3


class SeedOrganization(_Strict):
    name: Annotated[NonBlank, Field(max_length=100)] = "Demo Organization"
    adminEmail: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] = "admin@demo.tutorflow.test"
    adminPassword: NonBlank = DEMO_PASSWORD
    rateLimitPerMinute: Annotated[int, Field(ge=1, le=10_000)] = 60
    uiLessons: Annotated[int, Field(ge=0, le=50)] = 3


class Advance(_Strict):
    seconds: Annotated[float, Field(ge=0, le=10 * 365 * 86400)]


class ClockSettings(_Strict):
    speed: Annotated[float, Field(gt=0, le=MAX_SPEED)]


class FaultSettings(_Strict):
    error_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    drop_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    burst_429_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    latency_ms: Annotated[float, Field(ge=0, le=60_000)] | None = None
    latency_jitter_ms: Annotated[float, Field(ge=0, le=60_000)] | None = None
    job_failure_rate: Annotated[float, Field(ge=0, le=1)] | None = None
    fail_next_jobs: Annotated[int, Field(ge=0, le=100_000)] | None = None
    webhook_drop_rate: Annotated[float, Field(ge=0, le=1)] | None = None


class DialectSettings(_Strict):
    dialect: Annotated[str, Field(max_length=500)] | Annotated[list[str], Field(max_length=20)]
    """``"nested-errors,bare-lists"`` or ``["nested-errors", "bare-lists"]``; ``"default"`` for none."""


@router.post("/reset")
async def reset(state: State) -> dict[str, Any]:
    state.reset()
    return {"reset": True, "counts": state.counts()}


@router.post(
    "/organizations", status_code=201, responses={401: {"description": "The admin email exists with another password"}}
)
async def seed_organization(body: SeedOrganization, state: State) -> dict[str, Any]:
    demo = state.provision_demo(
        body.name,
        email=body.adminEmail,
        password=body.adminPassword,
        rate_limit=body.rateLimitPerMinute,
        ui_lessons=body.uiLessons,
    )
    return {
        "organizationId": demo.organization_id,
        "classroomId": demo.classroom_id,
        "adminEmail": demo.admin_email,
        "sessionCookie": demo.session_token,
        "contentKey": demo.content_key,
        "contentKeyPrefix": demo.content_key_prefix,
        "platformKey": demo.platform_key,
        "platformKeyPrefix": demo.platform_key_prefix,
    }


@router.get("/clock")
async def clock(state: State) -> dict[str, Any]:
    return {"now": state.clock.iso(), "speed": state.clock.speed}


@router.put("/clock")
async def set_clock(body: ClockSettings, state: State) -> dict[str, Any]:
    state.clock.set_speed(body.speed)
    return {"now": state.clock.iso(), "speed": state.clock.speed}


@router.post("/clock/advance")
async def advance(body: Advance, state: State) -> dict[str, Any]:
    state.clock.advance(body.seconds)
    state.content.settle_due()
    return {"now": state.clock.iso(), "speed": state.clock.speed}


@router.get("/faults")
async def faults(state: State) -> dict[str, Any]:
    return state.faults.faults.as_dict()


@router.put("/faults")
async def set_faults(body: FaultSettings, state: State) -> dict[str, Any]:
    return state.faults.update(**body.model_dump(exclude_none=True)).as_dict()


@router.delete("/faults")
async def clear_faults(state: State) -> dict[str, Any]:
    defaults = dict.fromkeys(state.faults.faults.as_dict(), 0)
    return state.faults.update(**defaults).as_dict()


@router.get("/webhooks/deliveries")
async def deliveries(state: State) -> dict[str, Any]:
    return {"data": state.webhooks.views()}


@router.get("/state")
async def counts(state: State) -> dict[str, Any]:
    return {
        "counts": state.counts(),
        "clock": {"now": state.clock.iso(), "speed": state.clock.speed},
        "faults": state.faults.faults.as_dict(),
    }


@router.get("/jobs")
async def jobs(state: State) -> dict[str, Any]:
    """Every expansion job with its idempotency key: what a reliability test counts."""
    with state.lock:
        return {
            "data": [
                {
                    "id": j.id,
                    "organizationId": j.org_id,
                    "idempotencyKey": j.idempotency_key,
                    "origin": j.origin,
                    "status": j.status(state.clock.now()),
                }
                for j in state.content.jobs.values()
            ]
        }


def _dialect(state: MockState) -> dict[str, Any]:
    return {"dialect": state.dialect.labels, "available": dict(DIALECTS)}


@router.get("/dialect")
async def dialect(state: State) -> dict[str, Any]:
    """The dialects in force on TutorFlow routes, and every dialect there is (``assumptions.DIALECTS``)."""
    return _dialect(state)


@router.put("/dialect", responses={400: {"description": "An unknown dialect, or two that contradict each other"}})
async def set_dialect(body: DialectSettings, state: State) -> dict[str, Any]:
    """Answer TutorFlow routes in these dialects from the next request on."""
    try:
        state.dialect = body.dialect
    except ValueError as exc:
        raise BadRequest(str(exc), fields=[FieldError("dialect", str(exc))]) from None
    return _dialect(state)
