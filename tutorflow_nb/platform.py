"""The Agent Platform client (``/v1/platform/**``) for a ``tf_platform_`` key.

Courses (sync or async generation, billed per generated lesson), the edit-token editor
API, and standalone modules. It never accepts a ``tf_content_`` key. Edit-token routes
are public: the editor sends no key at all.

    >>> client = AsyncPlatformClient(base_url, api_key)                        # doctest: +SKIP
    >>> course = await client.courses.create("A beginner Python course", lesson_count=6)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

import httpx

from . import checks, idempotency, jobs, redaction
from .errors import NotFoundError
from .http import HttpSession, RetryPolicy, segment, with_options
from .keys import ApiKey
from .models import CanonicalCourse, CourseRequest, EditToken, PlatformLesson, PlatformModule, SharedCourse
from .models.base import Body, to_body

__all__ = ["AsyncPlatformClient", "CourseEditor", "Courses", "Modules", "course_body"]

COURSES = "/v1/platform/courses"
MODULES = "/v1/platform/modules"


def _create_key(
    derive: Callable[..., str],
    body: dict[str, Any],
    idempotency_key: str | None,
    external_id: str | None,
    version: str | None,
) -> str:
    """The create's Idempotency-Key: given, or in the body, or derived; always sent as the header only."""
    in_body = body.pop("idempotencyKey", None)
    return idempotency_key or in_body or derive(body, external_id=external_id, version=version)


def course_body(body: dict[str, Any], name: str = "lessonCount") -> dict[str, Any]:
    """A course request body with its ``lessonCount`` (when it has one) checked and sent as a whole number.

    ``6.0`` (a count read from a pandas column) is sent as ``6``; NaN, a fraction, a bool, text or a count
    outside 1-50 is refused here, named ``name``, before a key is derived or anything is sent.

    Raises:
        ValueError: the lesson count is not a whole number from 1 to 50.
    """
    if "lessonCount" not in body:
        return body
    return {**body, "lessonCount": checks.lesson_count(body["lessonCount"], name)}


class CourseEditor:
    """Every edit-token route of one course. Prefer the canonical and UUID routes: UUIDs survive reorders."""

    __sync_group__ = True
    edit_token: str

    def __init__(self, http: HttpSession, edit_token: str) -> None:
        self._http, self.edit_token = http, edit_token
        redaction.remember(edit_token)
        self._base = f"{COURSES}/edit/{segment(edit_token, 'edit_token')}"

    def __repr__(self) -> str:
        return f"<CourseEditor token {self.edit_token[:6]}…>"  # a prefix: the token edits the course

    async def _call(self, method: str, path: str = "", body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._http.request_object(method, self._base + path, json=body, auth=False)

    async def summary(self) -> dict[str, Any]:
        """The course summary."""
        return await self._call("GET")

    async def full(self) -> dict[str, Any]:
        """The full course with all lesson content."""
        return await self._call("GET", "/full")

    async def lesson(self, sequence: int) -> PlatformLesson:
        """One lesson by its sequence number (prefer :meth:`lesson_by_id`: UUIDs survive reorders)."""
        return PlatformLesson.model_validate(await self._call("GET", f"/lessons/{int(sequence)}"))

    async def canonical(self) -> CanonicalCourse:
        """The canonical editor payload: the source of truth before a bulk save."""
        return CanonicalCourse.model_validate(await self._call("GET", "/canonical"))

    async def save_canonical(self, course: CanonicalCourse | Mapping[str, Any]) -> dict[str, Any]:
        """Replace the curriculum in one save (lessons left out are removed)."""
        body = course.to_wire() if isinstance(course, CanonicalCourse) else dict(course)
        return await self._call("PATCH", "/canonical", body)

    async def lesson_by_id(self, lesson_id: str) -> dict[str, Any]:
        """One full lesson by its UUID."""
        return await self._call("GET", f"/lessons/by-id/{segment(lesson_id, 'lesson_id')}/full")

    async def update_lesson_by_id(self, lesson_id: str, data: Body | None = None, **fields: Any) -> dict[str, Any]:
        """Update one full lesson by UUID; the answer is the canonical lesson."""
        path = f"/lessons/by-id/{segment(lesson_id, 'lesson_id')}/full"
        return await self._call("PATCH", path, to_body(data, **fields))

    async def generate(self, lesson_id: str, data: Body | None = None, **fields: Any) -> AsyncIterator[tuple[str, Any]]:
        """Stream a lesson's generation as (event, data); nothing is saved until you PATCH it."""
        path = f"{self._base}/lessons/by-id/{segment(lesson_id, 'lesson_id')}/generate"
        async for event in self._http.stream_events("POST", path, json=to_body(data, **fields)):
            yield event

    async def add_lesson(self, title: str, type: str, **fields: Any) -> PlatformLesson:
        """Add a lesson (to the last chapter unless ``chapter_sequence`` says otherwise)."""
        return PlatformLesson.model_validate(
            await self._call("POST", "/lessons", to_body(title=title, type=type, **fields))
        )

    async def update_course(self, **fields: Any) -> dict[str, Any]:
        """Change the course's title or description."""
        return await self._call("PATCH", "", to_body(**fields))

    async def update_lesson(self, sequence: int, **fields: Any) -> dict[str, Any]:
        """Change a lesson's lecture, title, description or slug, by sequence."""
        return await self._call("PATCH", f"/lessons/{int(sequence)}", to_body(**fields))

    async def infer_type(self, lesson_title: str, **fields: Any) -> str:
        """The lesson type the API suggests for a title (and optional context)."""
        data = await self._call("POST", "/infer-type", to_body(lesson_title=lesson_title, **fields))
        return str(data["type"])


class Courses:
    """Platform courses: generate, read, wait, batches, edit tokens and the editor (``/v1/platform/courses``)."""

    __sync_group__ = True

    def __init__(self, client: AsyncPlatformClient) -> None:
        self._client = client
        self._http = client.http

    async def create(
        self,
        prompt: str | None = None,
        *,
        data: Body | None = None,
        lesson_count: int | None = None,
        mode: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
        **fields: Any,
    ) -> CourseRequest:
        """Generate a course (billed per generated lesson: ``price_snapshot``). ``mode="async"`` answers PENDING.

        ``lesson_count`` is the number of lessons asked for (1-50, default 5); the bill counts the lessons
        actually generated, which may differ (``price_snapshot.units``).

        Raises:
            ValueError: ``lesson_count`` (or the body's ``lessonCount``) is not a whole number from 1 to 50.
        """
        body = to_body(data, prompt=prompt, lesson_count=lesson_count, mode=mode, **fields)
        body = course_body(body, "lesson_count" if lesson_count is not None else "lessonCount")
        key = _create_key(idempotency.platform_course, body, idempotency_key, external_id, version)
        return CourseRequest.model_validate(await self._http.request("POST", COURSES, json=body, idempotency_key=key))

    async def get(self, request_id: str) -> CourseRequest:
        """The course request's current state."""
        data = await self._http.request("GET", f"{COURSES}/{segment(request_id, 'request_id')}")
        return CourseRequest.model_validate(data)

    async def list(self) -> list[CourseRequest]:
        """Every course request of the workspace, every page."""
        return [CourseRequest.model_validate(c) for c in await self._http.paginate(COURSES)]

    async def wait(
        self,
        request_id: str,
        *,
        timeout: float = 900.0,
        on_status: Callable[[CourseRequest], Any] | None = None,
        progress: bool | None = None,
    ) -> CourseRequest:
        """Poll (every ``pollAfterMs``) until ``isTerminal``; ``progress`` draws a terminal bar.

        Raises:
            JobFailedError: the request ended ``FAILED``.
            JobTimeoutError: it was still running after ``timeout`` seconds.
        """
        segment(request_id, "request_id")
        return await jobs.wait_for(
            lambda: self.get(request_id),
            timeout=timeout,
            on_status=on_status,
            interval=self._client.poll_interval,
            what=f"course request {request_id}",
            progress=progress,
        )

    async def run_batch(
        self,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        store: jobs.BatchStore | None = None,
        concurrency: int = 16,
        on_update: Callable[[jobs.BatchItem[CourseRequest]], Any] | None = None,
        version: str | None = None,
        estimate: float | None = None,
        total: int | None = None,
        progress: bool | None = None,
    ) -> jobs.BatchResult[CourseRequest]:
        """Generate many courses asynchronously (``mode: "async"``), polling each as ``pollAfterMs`` says.

        ``requests`` (any iterable, read as the batch goes), ``store``, ``total`` and ``progress``
        as ``Expansions.run_batch`` takes them; each item's ``result`` is a :class:`CourseRequest`.

        Raises:
            ValueError: a request's ``lessonCount`` is not a whole number from 1 to 50 (named
                ``requests[3].lessonCount``); it is never sent, and the batch stops there (with a
                store, a re-run of the fixed requests resumes).
            StoreError: the store could not be written; ``.result`` is the batch so far, and a re-run resumes.
        """
        return await jobs.run_batch(
            self._plan(requests, version, estimate),
            store=store,
            concurrency=concurrency,
            on_update=on_update,
            total=total,
            progress=progress,
        )

    async def iter_batch(
        self,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        store: jobs.BatchStore | None = None,
        concurrency: int = 16,
        on_update: Callable[[jobs.BatchItem[CourseRequest]], Any] | None = None,
        version: str | None = None,
        estimate: float | None = None,
        total: int | None = None,
        progress: bool | None = None,
    ) -> AsyncIterator[jobs.BatchItem[CourseRequest]]:
        """:meth:`run_batch`, yielding each item as it finishes (``Expansions.iter_batch`` says how)."""
        async with contextlib.aclosing(
            jobs.iter_batch(
                self._plan(requests, version, estimate),
                store=store,
                concurrency=concurrency,
                on_update=on_update,
                total=total,
                progress=progress,
            )
        ) as items:
            async for item in items:  # leaving the loop early closes the batch at once, not when it is collected
                yield item

    def _plan(
        self, requests: Iterable[Body | tuple[str, Body]], version: str | None, estimate: float | None
    ) -> jobs.Plan[CourseRequest]:
        lo = self._client.poll_interval[0]
        checked = (  # each request's lesson count, checked as the batch reads it
            (entry[0], course_body(to_body(entry[1]), f"requests[{i}].lessonCount"))
            if isinstance(entry, tuple)
            else course_body(to_body(entry), f"requests[{i}].lessonCount")
            for i, entry in enumerate(requests)
        )
        return jobs.Plan(
            checked,
            lambda body, ext: idempotency.platform_course(body, external_id=ext, version=version),
            _CourseWork(self),
            self._http,
            as_sent=lambda body: {**body, "mode": "async"},  # a batch's course is always asynchronous
            estimate=estimate or lo,
            floor=lo / 10,
        )

    async def edit_token(self, request_id: str) -> EditToken:
        """Mint a new one-hour edit token."""
        data = await self._http.request("POST", f"{COURSES}/{segment(request_id, 'request_id')}/edit-token")
        return EditToken.model_validate(data)

    async def public(self, share_token: str) -> SharedCourse:
        """The share-token route: the full course with a fresh edit token (printed by its prefix). Needs no key."""
        path = f"{COURSES}/public/{segment(share_token, 'share_token')}/full"
        return SharedCourse.model_validate(await self._http.request_object("GET", path, auth=False))

    def editor(self, course_or_token: CourseRequest | str) -> CourseEditor:
        """The editor of a course, from its edit token or a course whose ``preview_url`` holds one."""
        token = course_or_token.edit_token if isinstance(course_or_token, CourseRequest) else course_or_token
        if not token:
            raise ValueError(
                "this course has no edit token yet: wait until it is COMPLETED, or mint one with courses.edit_token(id)"
            )
        return CourseEditor(self._http, token)


class _CourseWork:
    """Course requests as a batch sees them."""

    kind = "platform-course"

    def __init__(self, courses: Courses) -> None:
        self.courses = courses

    async def create(self, item: jobs.BatchItem[CourseRequest]) -> jobs.Created[CourseRequest]:
        course = await self.courses.create(data=item.request, idempotency_key=item.idempotency_key)
        return jobs.Created(course.id, course.status, result=course if course.is_terminal else None)

    async def check(self, job_id: str) -> tuple[str, CourseRequest | None]:
        course = await self.courses.get(job_id)
        return course.status, course if course.is_terminal else None

    def parse(self, stored: dict[str, Any]) -> CourseRequest:
        return CourseRequest.model_validate(stored)

    def source_of(self, item: jobs.BatchItem[CourseRequest]) -> str | None:
        return item.external_id


class Modules:
    """Platform modules: standalone generated lessons, each billed as one lesson (``/v1/platform/modules``)."""

    __sync_group__ = True

    def __init__(self, client: AsyncPlatformClient) -> None:
        self._client = client
        self._http = client.http

    async def create(
        self,
        prompt: str | None = None,
        *,
        data: Body | None = None,
        topic: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
        **fields: Any,
    ) -> PlatformModule:
        """Generate one standalone lesson (billed as one lesson).

        The answer is always a live module: a replay of a module deleted since (a re-run of a
        create-use-delete cell) moves on to the derived key's successor, as
        ``content.modules.create`` does.

        Raises:
            StaleReplayError: the ``idempotency_key`` you passed replays a deleted module.
        """
        body = to_body(data, prompt=prompt, topic=topic, **fields)
        chosen = idempotency_key or body.get("idempotencyKey")
        key = _create_key(idempotency.platform_module, body, idempotency_key, external_id, version)

        async def create(current: str) -> PlatformModule:
            data = await self._http.request("POST", MODULES, json=body, idempotency_key=current)
            return PlatformModule.model_validate(data)

        async def is_live(made: PlatformModule) -> bool:
            if made.deleted_at is not None:
                return False
            if made.idempotent_replay is False:  # the server says it is fresh: nothing to check
                return True
            try:
                await self.get(made.id)
            except NotFoundError:
                return False
            return True

        return await idempotency.create_live(key, derived=chosen is None, create=create, is_live=is_live, what="module")

    async def get(self, module_id: str) -> PlatformModule:
        """One module.

        Raises:
            NotFoundError: unknown, deleted, or another workspace's.
        """
        return PlatformModule.model_validate(
            await self._http.request("GET", f"{MODULES}/{segment(module_id, 'module_id')}")
        )

    async def list(self) -> list[PlatformModule]:
        """Every live module of the workspace, every page."""
        return [PlatformModule.model_validate(m) for m in await self._http.paginate(MODULES)]

    async def update(self, module_id: str, data: Body | None = None, **fields: Any) -> PlatformModule:
        """Change a module's fields (a changed lecture increments ``lecture_version``)."""
        path = f"{MODULES}/{segment(module_id, 'module_id')}"
        return PlatformModule.model_validate(await self._http.request("PATCH", path, json=to_body(data, **fields)))

    async def delete(self, module_id: str) -> PlatformModule:
        """Soft delete: the answer carries ``deleted_at``."""
        path = f"{MODULES}/{segment(module_id, 'module_id')}"
        return PlatformModule.model_validate(await self._http.request("DELETE", path))

    async def public(self, share_token: str) -> dict[str, Any]:
        """The public learner view of a module. Needs no key."""
        path = f"{MODULES}/public/{segment(share_token, 'share_token')}"
        return await self._http.request_object("GET", path, auth=False)

    async def run_batch(
        self,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        store: jobs.BatchStore | None = None,
        concurrency: int = 16,
        on_update: Callable[[jobs.BatchItem[PlatformModule]], Any] | None = None,
        version: str | None = None,
        total: int | None = None,
        progress: bool | None = None,
    ) -> jobs.BatchResult[PlatformModule]:
        """Generate many modules (each is synchronous), within the key's budget; ``requests``, ``store``, ``total``
        and ``progress`` as ``Expansions.run_batch`` takes them. Each item's ``result`` is a :class:`PlatformModule`.

        Raises:
            StoreError: the store could not be written; ``.result`` is the batch so far, and a re-run resumes.
        """
        return await jobs.run_batch(
            self._plan(requests, version),
            store=store,
            concurrency=concurrency,
            on_update=on_update,
            total=total,
            progress=progress,
        )

    async def iter_batch(
        self,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        store: jobs.BatchStore | None = None,
        concurrency: int = 16,
        on_update: Callable[[jobs.BatchItem[PlatformModule]], Any] | None = None,
        version: str | None = None,
        total: int | None = None,
        progress: bool | None = None,
    ) -> AsyncIterator[jobs.BatchItem[PlatformModule]]:
        """:meth:`run_batch`, yielding each item as it finishes (``Expansions.iter_batch`` says how)."""
        async with contextlib.aclosing(
            jobs.iter_batch(
                self._plan(requests, version),
                store=store,
                concurrency=concurrency,
                on_update=on_update,
                total=total,
                progress=progress,
            )
        ) as items:
            async for item in items:  # leaving the loop early closes the batch at once, not when it is collected
                yield item

    def _plan(self, requests: Iterable[Body | tuple[str, Body]], version: str | None) -> jobs.Plan[PlatformModule]:
        return jobs.Plan(
            requests,
            lambda body, ext: idempotency.platform_module(body, external_id=ext, version=version),
            _ModuleWork(self),
            self._http,
            estimate=0.0,
            floor=0.0,
        )


class _ModuleWork:
    """Modules as a batch sees them: each create answers the finished module."""

    kind = "platform-module"

    def __init__(self, modules: Modules) -> None:
        self.modules = modules

    async def create(self, item: jobs.BatchItem[PlatformModule]) -> jobs.Created[PlatformModule]:
        module = await self.modules.create(data=item.request, idempotency_key=item.idempotency_key)
        return jobs.Created(module.id, module.status or "completed", result=module)

    async def check(self, job_id: str) -> tuple[str, PlatformModule | None]:
        module = await self.modules.get(job_id)
        return module.status or "completed", module

    def parse(self, stored: dict[str, Any]) -> PlatformModule:
        return PlatformModule.model_validate(stored)

    def source_of(self, item: jobs.BatchItem[PlatformModule]) -> str | None:
        return item.external_id


class AsyncPlatformClient:
    """The Agent Platform with a ``tf_platform_`` key.

    ``base_url`` and ``api_key`` default to ``TUTORFLOW_API_BASE_URL`` and ``TUTORFLOW_PLATFORM_API_KEY``.
    """

    http: HttpSession
    poll_interval: tuple[float, float]
    courses: Courses
    modules: Modules

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
        self._bind()

    def _bind(self) -> None:
        """The resource groups, on this client's session."""
        self.courses = Courses(self)
        self.modules = Modules(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.http.base_url} key={self.http.key_prefix}…>"

    def with_options(
        self,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncPlatformClient:
        """This client with another ``timeout`` (seconds), ``retry`` policy or extra ``headers`` for its calls.

        The copy shares this client's connection pools and the key's budget (the two together
        never exceed the key's limit); a create's timeout is never below the runbook's 30 s.

            >>> client.with_options(timeout=120, retry=RetryPolicy(max_retries=8))   # doctest: +SKIP

        Raises:
            ConfigurationError: a timeout that is not seconds above 0, or a header the client sets itself.
        """
        return with_options(self, timeout=timeout, retry=retry, headers=headers)

    @property
    def key_prefix(self) -> str:
        """The key's safe prefix (``tf_platform_ab12cd34``)."""
        return self.http.key_prefix or ""

    @property
    def base_url(self) -> str:
        return self.http.base_url

    async def pricing_catalog(self) -> dict[str, Any]:
        """The price catalog (``GET /v1/platform/pricing/catalog``)."""
        return await self.http.request_object("GET", "/v1/platform/pricing/catalog")

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self.http.aclose()

    async def __aenter__(self) -> AsyncPlatformClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
