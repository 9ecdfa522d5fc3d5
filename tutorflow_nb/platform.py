"""The Agent Platform client (``/v1/platform/**``) for a ``tf_platform_`` key.

Courses (sync or async generation, billed per generated lesson), the edit-token editor
API, and standalone modules. It never accepts a ``tf_content_`` key. Edit-token routes
are public: the editor sends no key at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from . import idempotency
from .content import to_body
from .http import HttpSession, RetryPolicy
from .keys import ApiKey
from .models import CanonicalCourse, CourseRequest, EditToken, PlatformLesson, PlatformModule

__all__ = ["AsyncPlatformClient", "CourseEditor", "Courses", "Modules"]

COURSES = "/v1/platform/courses"
MODULES = "/v1/platform/modules"


def _create_key(
    kind: str, body: dict[str, Any], idempotency_key: str | None, external_id: str | None, version: str | None
) -> str:
    """The create's Idempotency-Key: given, or in the body, or derived; always sent as the header only."""
    in_body = body.pop("idempotencyKey", None)
    return idempotency_key or in_body or idempotency.derive(kind, body, external_id=external_id, version=version)


class CourseEditor:
    """Every edit-token route of one course. Prefer the canonical and UUID routes: UUIDs survive reorders."""

    __sync_group__ = True

    def __init__(self, http: HttpSession, edit_token: str) -> None:
        self._http, self.edit_token = http, edit_token
        self._base = f"{COURSES}/edit/{edit_token}"

    def __repr__(self) -> str:
        return f"<CourseEditor token {self.edit_token[:6]}…>"

    async def _call(self, method: str, path: str = "", body: Any = None) -> Any:
        return await self._http.request(method, self._base + path, json=body, auth=False)

    async def summary(self) -> dict[str, Any]:
        return await self._call("GET")  # type: ignore[no-any-return]

    async def full(self) -> dict[str, Any]:
        return await self._call("GET", "/full")  # type: ignore[no-any-return]

    async def lesson(self, sequence: int) -> PlatformLesson:
        return PlatformLesson.model_validate(await self._call("GET", f"/lessons/{sequence}"))

    async def canonical(self) -> CanonicalCourse:
        return CanonicalCourse.model_validate(await self._call("GET", "/canonical"))

    async def save_canonical(self, course: CanonicalCourse | dict[str, Any]) -> dict[str, Any]:
        """Replace the curriculum in one save (lessons left out are removed)."""
        body = course.to_wire() if isinstance(course, CanonicalCourse) else dict(course)
        return await self._call("PATCH", "/canonical", body)  # type: ignore[no-any-return]

    async def lesson_by_id(self, lesson_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/lessons/by-id/{lesson_id}/full")  # type: ignore[no-any-return]

    async def update_lesson_by_id(self, lesson_id: str, data: Any = None, **fields: Any) -> dict[str, Any]:
        return await self._call("PATCH", f"/lessons/by-id/{lesson_id}/full", to_body(data, **fields))  # type: ignore[no-any-return]

    async def generate(self, lesson_id: str, data: Any = None, **fields: Any) -> AsyncIterator[tuple[str, Any]]:
        """Stream a lesson's generation as (event, data); nothing is saved until you PATCH it."""
        async for event in self._http.stream_events(
            "POST", f"{self._base}/lessons/by-id/{lesson_id}/generate", json=to_body(data, **fields)
        ):
            yield event

    async def add_lesson(self, title: str, type: str, **fields: Any) -> PlatformLesson:
        return PlatformLesson.model_validate(
            await self._call("POST", "/lessons", to_body(title=title, type=type, **fields))
        )

    async def update_course(self, **fields: Any) -> dict[str, Any]:
        return await self._call("PATCH", "", to_body(**fields))  # type: ignore[no-any-return]

    async def update_lesson(self, sequence: int, **fields: Any) -> dict[str, Any]:
        return await self._call("PATCH", f"/lessons/{sequence}", to_body(**fields))  # type: ignore[no-any-return]

    async def infer_type(self, lesson_title: str, **fields: Any) -> str:
        data = await self._call("POST", "/infer-type", to_body(lesson_title=lesson_title, **fields))
        return str(data["type"])


class Courses:
    __sync_group__ = True

    def __init__(self, client: AsyncPlatformClient) -> None:
        self._client = client
        self._http = client.http

    async def create(
        self,
        prompt: str | None = None,
        *,
        data: Any = None,
        lesson_count: int | None = None,
        mode: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
        **fields: Any,
    ) -> CourseRequest:
        """Generate a course (billed per generated lesson: ``price_snapshot``). ``mode="async"`` answers PENDING."""
        body = to_body(data, prompt=prompt, lesson_count=lesson_count, mode=mode, **fields)
        key = _create_key("platform-course", body, idempotency_key, external_id, version)
        return CourseRequest.model_validate(await self._http.request("POST", COURSES, json=body, idempotency_key=key))

    async def get(self, request_id: str) -> CourseRequest:
        return CourseRequest.model_validate(await self._http.request("GET", f"{COURSES}/{request_id}"))

    async def list(self) -> list[CourseRequest]:
        return [CourseRequest.model_validate(c) for c in await self._http.paginate(COURSES)]

    async def wait(
        self, request_id: str, *, timeout: float = 900.0, on_status: Callable[[CourseRequest], Any] | None = None
    ) -> CourseRequest:
        """Poll (every ``pollAfterMs``) until ``isTerminal``; FAILED raises :class:`JobFailedError`."""
        from .jobs import wait_for

        return await wait_for(
            lambda: self.get(request_id),
            timeout=timeout,
            on_status=on_status,
            interval=self._client.poll_interval,
            what=f"course request {request_id}",
        )

    async def run_batch(self, requests: Any, **options: Any) -> Any:
        from .jobs import run_courses

        return await run_courses(self._client, requests, **options)

    async def edit_token(self, request_id: str) -> EditToken:
        """Mint a new one-hour edit token."""
        return EditToken.model_validate(await self._http.request("POST", f"{COURSES}/{request_id}/edit-token"))

    async def public(self, share_token: str) -> dict[str, Any]:
        """The share-token route: the full course with a fresh edit token. Needs no key."""
        return await self._http.request("GET", f"{COURSES}/public/{share_token}/full", auth=False)  # type: ignore[no-any-return]

    def editor(self, course_or_token: CourseRequest | str) -> CourseEditor:
        """The editor of a course, from its edit token or a course whose ``preview_url`` holds one."""
        token = course_or_token.edit_token if isinstance(course_or_token, CourseRequest) else course_or_token
        if not token:
            raise ValueError(
                "this course has no edit token yet: wait until it is COMPLETED, or mint one with courses.edit_token(id)"
            )
        return CourseEditor(self._http, token)


class Modules:
    __sync_group__ = True

    def __init__(self, client: AsyncPlatformClient) -> None:
        self._http = client.http

    async def create(
        self,
        prompt: str | None = None,
        *,
        data: Any = None,
        topic: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
        **fields: Any,
    ) -> PlatformModule:
        """Generate one standalone lesson (billed as one lesson)."""
        body = to_body(data, prompt=prompt, topic=topic, **fields)
        key = _create_key("platform-module", body, idempotency_key, external_id, version)
        return PlatformModule.model_validate(await self._http.request("POST", MODULES, json=body, idempotency_key=key))

    async def get(self, module_id: str) -> PlatformModule:
        return PlatformModule.model_validate(await self._http.request("GET", f"{MODULES}/{module_id}"))

    async def list(self) -> list[PlatformModule]:
        return [PlatformModule.model_validate(m) for m in await self._http.paginate(MODULES)]

    async def update(self, module_id: str, data: Any = None, **fields: Any) -> PlatformModule:
        return PlatformModule.model_validate(
            await self._http.request("PATCH", f"{MODULES}/{module_id}", json=to_body(data, **fields))
        )

    async def delete(self, module_id: str) -> PlatformModule:
        """Soft delete: the answer carries ``deleted_at``."""
        return PlatformModule.model_validate(await self._http.request("DELETE", f"{MODULES}/{module_id}"))

    async def public(self, share_token: str) -> dict[str, Any]:
        return await self._http.request("GET", f"{MODULES}/public/{share_token}", auth=False)  # type: ignore[no-any-return]


class AsyncPlatformClient:
    """The Agent Platform with a ``tf_platform_`` key."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit_per_minute: int | None = None,
        poll_interval: tuple[float, float] = (2.0, 5.0),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = HttpSession.keyed(
            "platform",
            base_url,
            api_key,
            timeout=timeout,
            retry=retry,
            rate_limit_per_minute=rate_limit_per_minute,
            transport=transport,
        )
        self.poll_interval = poll_interval
        self.courses = Courses(self)
        self.modules = Modules(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.http.base_url} key={self.http.key_prefix}…>"

    @property
    def key_prefix(self) -> str:
        return self.http.key_prefix or ""

    async def pricing_catalog(self) -> dict[str, Any]:
        """The price catalog, where the API has a catalog route."""
        return await self.http.request("GET", "/v1/platform/pricing/catalog")  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncPlatformClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
