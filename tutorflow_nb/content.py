"""The Content Integration client (``/v1/content/**``) for a ``tf_content_`` workspace key.

    >>> client = AsyncContentClient(base_url, api_key)                     # doctest: +SKIP
    >>> job = await client.expansions.create(request)                      # doctest: +SKIP
    >>> result = await client.expansions.wait_result(job.id)               # doctest: +SKIP

It never accepts a ``tf_platform_`` key and never sends a request outside
``/v1/content/**``. Every create sends an ``Idempotency-Key`` (derived when not given).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

import httpx

from . import idempotency, jobs
from .config import check_classroom_id, classroom_from
from .errors import ConflictError, NotFoundError
from .http import HttpSession, RetryPolicy, segment, with_options
from .keys import ApiKey
from .models import Classroom, DeleteResult, ExpansionJob, ExpansionResult, Resource
from .models.base import Body, to_body
from .models.constants import RESOURCE_KINDS

__all__ = ["AsyncContentClient", "Expansions", "Exports", "Resources"]

EXPANSIONS = "/v1/content/integrations/expansions"


class Expansions:
    """Expansion jobs: create, status, result, wait and batches (``/v1/content/integrations/expansions``)."""

    __sync_group__ = True

    def __init__(self, client: AsyncContentClient) -> None:
        self._client = client
        self._http = client.http

    @staticmethod
    def source_id(request: Mapping[str, Any]) -> str | None:
        """The runbook's ``sourceContentId`` of a request: ``{category id}:{level id}``."""
        return idempotency.source_content_id(request)

    def as_sent(self, request: Body) -> dict[str, Any]:
        """The body a create sends: ``request`` addressed to the client's classroom.

        A classroom chosen for the client (``classroom_id=``, ``TUTORFLOW_CLASSROOM_ID``,
        :meth:`~AsyncContentClient.use_classroom`) goes in as ``classroomId`` unless the request
        names its own (``None`` names none). A classroom the client only discovered is not added: the server's default
        is that same first classroom, and a key must not change with what the kernel ran before.
        """
        body = to_body(request)
        room = self._client.chosen_classroom
        return {**body, "classroomId": room} if room and body.get("classroomId") is None else body

    def idempotency_key(self, request: Body, *, external_id: str | None = None, version: str | None = None) -> str:
        """The key a create of ``request`` sends: ``expansion:{external id}:{version}:{fingerprint}``.

        The fingerprint covers the body as sent (:meth:`as_sent`): the same request for two
        classrooms is two jobs, never one replayed.
        """
        return idempotency.expansion(self.as_sent(request), external_id=external_id, version=version)

    async def create(
        self,
        request: Body,
        *,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
    ) -> ExpansionJob:
        """Start an expansion; the job answers ``queued``. The key is derived once, before any retry.

        Raises:
            BadRequestError: a field of the request is invalid (``.fields`` names each one).
            ConflictError: the key was used before with another body.
        """
        body = self.as_sent(request)
        key = idempotency_key or idempotency.expansion(body, external_id=external_id, version=version)
        data = await self._http.request("POST", EXPANSIONS, json=body, idempotency_key=key)
        return ExpansionJob.model_validate(data)

    async def get(self, job_id: str) -> ExpansionJob:
        """The job's current status."""
        data = await self._http.request("GET", f"{EXPANSIONS}/{segment(job_id, 'job_id')}")
        return ExpansionJob.model_validate(data)

    async def result(self, job_id: str) -> ExpansionResult:
        """The finished job and one output per requested output.

        Raises:
            ConflictError: the job has not finished yet.
        """
        data = await self._http.request("GET", f"{EXPANSIONS}/{segment(job_id, 'job_id')}/result")
        return ExpansionResult.model_validate(data)

    async def result_if_done(self, job_id: str) -> ExpansionResult | None:
        """The result when the job has finished, else ``None``: one request either way.

        A result route that answers 409 before the job finishes, or a 2xx with a job still
        running, both mean "not yet".
        """
        try:
            result = await self.result(job_id)
        except ConflictError:  # a GET cannot reuse an idempotency key: 409 here means "not yet"
            return None
        return result if result.job.is_terminal else None

    async def wait(
        self,
        job_id: str,
        *,
        timeout: float = 900.0,
        on_status: Callable[[ExpansionJob], Any] | None = None,
        progress: bool | None = None,
    ) -> ExpansionJob:
        """Poll every 2-5 s until the job is ``completed`` (returned); ``progress`` draws a terminal bar.

        Raises:
            JobFailedError: the job ended ``failed``.
            JobTimeoutError: it was still running after ``timeout`` seconds.
        """
        segment(job_id, "job_id")
        return await jobs.wait_for(
            lambda: self.get(job_id),
            timeout=timeout,
            on_status=on_status,
            interval=self._client.poll_interval,
            what=f"expansion job {job_id}",
            progress=progress,
        )

    async def wait_result(
        self,
        job_id: str,
        *,
        timeout: float = 900.0,
        on_status: Callable[[ExpansionJob], Any] | None = None,
        progress: bool | None = None,
    ) -> ExpansionResult:
        """Wait for the job, then fetch its result (:meth:`wait`, then :meth:`result`)."""
        await self.wait(job_id, timeout=timeout, on_status=on_status, progress=progress)
        return await self.result(job_id)

    async def run_batch(
        self,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        store: jobs.BatchStore | None = None,
        concurrency: int = 16,
        on_update: Callable[[jobs.BatchItem[ExpansionResult]], Any] | None = None,
        receiver: jobs.Receiver | None = None,
        version: str | None = None,
        estimate: float | None = None,
        total: int | None = None,
        progress: bool | None = None,
    ) -> jobs.BatchResult[ExpansionResult]:
        """Create, wait on and fetch the results of many expansions, within the key's budget.

        ``requests`` is any iterable (a list, a generator reading a file): expansion bodies
        (dicts or models), or ``(external_id, body)`` pairs, read as the batch goes. Each item's
        ``result`` is an :class:`ExpansionResult`; a failed job's item has status ``failed``
        (its outputs say so), a refused create has status ``error`` and the message. With a
        ``store``, a re-run of the same batch resumes: done items are skipped, jobs in flight
        re-attached, nothing created twice, and each item's result is read from the store when
        asked for. With a ``receiver`` (a subscribed :class:`WebhookReceiver`), completions
        arrive as deliveries instead of being polled for. ``progress`` draws a terminal bar
        (``None``: when standard error is a terminal, outside a notebook, unless
        ``TUTORFLOW_PROGRESS=0``; see :mod:`tutorflow_nb.progress`) of ``total`` items (for a
        generator, which cannot say how many it holds).

        Raises:
            StoreError: the store could not be written; ``.result`` is the batch so far, and a re-run resumes.
        """
        return await jobs.run_batch(
            self._plan(requests, version, estimate),
            store=store,
            concurrency=concurrency,
            on_update=on_update,
            receiver=receiver,
            total=total,
            progress=progress,
        )

    async def iter_batch(
        self,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        store: jobs.BatchStore | None = None,
        concurrency: int = 16,
        on_update: Callable[[jobs.BatchItem[ExpansionResult]], Any] | None = None,
        receiver: jobs.Receiver | None = None,
        version: str | None = None,
        estimate: float | None = None,
        total: int | None = None,
        progress: bool | None = None,
    ) -> AsyncIterator[jobs.BatchItem[ExpansionResult]]:
        """:meth:`run_batch`, yielding each item as it finishes, so each result can be written out at once.

            >>> for item in s.content.expansions.iter_batch(read_requests(), store=store):   # doctest: +SKIP
            ...     save(item.result)

        Items a previous run of the same stored batch finished come first. Leaving the loop
        early (``break``, an error, Ctrl-C) stops the batch as an interrupted :meth:`run_batch`
        does: nothing more is sent, the store is exact, and a re-run resumes.
        """
        async with contextlib.aclosing(
            jobs.iter_batch(
                self._plan(requests, version, estimate),
                store=store,
                concurrency=concurrency,
                on_update=on_update,
                receiver=receiver,
                total=total,
                progress=progress,
            )
        ) as items:
            async for item in items:  # leaving the loop early closes the batch at once, not when it is collected
                yield item

    def _plan(
        self, requests: Iterable[Body | tuple[str, Body]], version: str | None, estimate: float | None
    ) -> jobs.Plan[ExpansionResult]:
        lo = self._client.poll_interval[0]
        return jobs.Plan(
            requests,
            lambda body, ext: idempotency.expansion(body, external_id=ext, version=version),
            _ExpansionWork(self),
            self._http,
            as_sent=self.as_sent,
            estimate=estimate or lo,
            floor=lo / 10,
        )


class _ExpansionWork:
    """Expansions as a batch sees them."""

    kind = "expansion"

    def __init__(self, expansions: Expansions) -> None:
        self.expansions = expansions

    async def create(self, item: jobs.BatchItem[ExpansionResult]) -> jobs.Created[ExpansionResult]:
        job = await self.expansions.create(item.request, idempotency_key=item.idempotency_key)
        return jobs.Created(job.id, job.status, classroom_id=job.classroom_id)

    async def check(self, job_id: str) -> tuple[str, ExpansionResult | None]:
        result = await self.expansions.result_if_done(job_id)
        return ("processing", None) if result is None else (result.job.status, result)

    def parse(self, stored: dict[str, Any]) -> ExpansionResult:
        return ExpansionResult.model_validate(stored)

    def source_of(self, item: jobs.BatchItem[ExpansionResult]) -> str | None:
        return item.external_id or idempotency.source_content_id(item.request)


class Exports:
    """Export a lesson authored in the TutorFlow UI as a completed Content Integration result."""

    __sync_group__ = True

    def __init__(self, client: AsyncContentClient) -> None:
        self._client = client

    async def create(
        self,
        lesson_id: str,
        *,
        classroom_id: str | None = None,
        idempotency_key: str | None = None,
        version: str | None = None,
    ) -> ExpansionResult:
        """A completed result for the UI-authored lesson ``lesson_id`` (a module of the classroom)."""
        segment(lesson_id, "lesson_id")
        room = await self._client._room(classroom_id)
        key = idempotency_key or idempotency.export(lesson_id, room, version=version)
        data = await self._client.http.request(
            "POST",
            f"/v1/content/classrooms/{room}/integrations/exports",
            json={"lessonId": lesson_id, "idempotencyKey": key},
            idempotency_key=key,
        )
        return ExpansionResult.model_validate(data)


class Resources:
    """CRUD of one resource kind in a classroom: modules, courses, videos, slides or tests."""

    __sync_group__ = True
    kind: str
    """``modules``, ``courses``, ``videos``, ``slides`` or ``tests``."""

    def __init__(self, client: AsyncContentClient, kind: str) -> None:
        if kind not in RESOURCE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(RESOURCE_KINDS)}, not {kind!r}")
        self._client, self.kind = client, kind

    def __repr__(self) -> str:
        return f"<Resources {self.kind}>"

    async def _path(self, classroom_id: str | None) -> str:
        """The kind's collection in the classroom (given, or the client's)."""
        return f"/v1/content/classrooms/{await self._client._room(classroom_id)}/{self.kind}"

    async def _item(self, classroom_id: str | None, resource_id: str) -> str:
        """One resource of the kind; its id is always one encoded path segment, never omitted."""
        item = segment(resource_id, "resource_id")  # checked before anything is sent, the classroom lookup included
        return f"{await self._path(classroom_id)}/{item}"

    def idempotency_key(self, body: Body, *, external_id: str | None = None, version: str | None = None) -> str:
        """The key a create of ``body`` sends: ``module:{external id}:{version}:{fingerprint}`` (and so on)."""
        return idempotency.resource(self.kind, to_body(body), external_id=external_id, version=version)

    async def create(
        self,
        title: str | None = None,
        *,
        data: Body | None = None,
        classroom_id: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
        **fields: Any,
    ) -> Resource:
        """Create from a ``title`` (all the API needs) plus any of the kind's fields, snake_case.

        The answer is always a live resource. The server replays a create with the same
        Idempotency-Key, even after that resource was deleted, so the create is checked
        with a read; when the client derived the key, a dead replay moves on to the key's
        successor (``…:r2``) and creates afresh, never a duplicate.

        Raises:
            StaleReplayError: the ``idempotency_key`` you passed replays a deleted resource.
        """
        body = to_body(data, title=title, **fields)
        key = idempotency_key or self.idempotency_key(body, external_id=external_id, version=version)
        path = await self._path(classroom_id)

        async def create(current: str) -> Resource:
            return Resource.model_validate(
                await self._client.http.request("POST", path, json=body, idempotency_key=current)
            )

        async def is_live(made: Resource) -> bool:
            try:
                await self.get(made.id, classroom_id=classroom_id)
            except NotFoundError:
                return False
            return True

        return await idempotency.create_live(
            key, derived=idempotency_key is None, create=create, is_live=is_live, what=self.kind[:-1]
        )

    async def get(self, resource_id: str, *, classroom_id: str | None = None) -> Resource:
        """One resource.

        Raises:
            NotFoundError: unknown, deleted, or another organization's.
        """
        path = await self._item(classroom_id, resource_id)
        return Resource.model_validate(await self._client.http.request("GET", path))

    async def list(self, *, classroom_id: str | None = None) -> list[Resource]:
        """Every resource of this kind in the classroom, every page."""
        items = await self._client.http.paginate(await self._path(classroom_id))
        return [Resource.model_validate(item) for item in items]

    async def update(
        self, resource_id: str, *, data: Body | None = None, classroom_id: str | None = None, **fields: Any
    ) -> Resource:
        """Change any of the kind's fields (snake_case); the answer is the whole resource."""
        path = await self._item(classroom_id, resource_id)
        return Resource.model_validate(await self._client.http.request("PATCH", path, json=to_body(data, **fields)))

    async def delete(self, resource_id: str, *, classroom_id: str | None = None) -> DeleteResult:
        """Delete; the answer's shape is resource-specific (``status_code`` says which one came)."""
        response = await self._client.http.send("DELETE", await self._item(classroom_id, resource_id))
        body = response.json() if response.content else {}
        return DeleteResult.model_validate({**body, "statusCode": response.status_code})


class AsyncContentClient:
    """Content Integration with a ``tf_content_`` key; ``classroom_id`` is discovered when not given.

    ``base_url`` and ``api_key`` default to ``TUTORFLOW_API_BASE_URL`` and
    ``TUTORFLOW_CONTENT_API_KEY``, ``classroom_id`` to ``TUTORFLOW_CLASSROOM_ID``.
    """

    http: HttpSession
    poll_interval: tuple[float, float]
    expansions: Expansions
    exports: Exports
    modules: Resources
    courses: Resources
    videos: Resources
    slides: Resources
    tests: Resources

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | ApiKey | None = None,
        *,
        classroom_id: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit_per_minute: int | None = None,
        poll_interval: tuple[float, float] = (2.0, 5.0),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = HttpSession.keyed(
            "content",
            base_url,
            api_key,
            timeout=timeout,
            retry=retry,
            rate_limit_per_minute=rate_limit_per_minute,
            transport=transport,
        )
        self._chosen = classroom_from(classroom_id)
        self._discovered: str | None = None
        self.poll_interval = poll_interval
        self._bind()

    def _bind(self) -> None:
        """The resource groups, on this client's session."""
        self.expansions = Expansions(self)
        self.exports = Exports(self)
        self.modules = Resources(self, "modules")
        self.courses = Resources(self, "courses")
        self.videos = Resources(self, "videos")
        self.slides = Resources(self, "slides")
        self.tests = Resources(self, "tests")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.http.base_url} key={self.http.key_prefix}…>"

    def with_options(
        self,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncContentClient:
        """This client with another ``timeout`` (seconds), ``retry`` policy or extra ``headers`` for its calls.

        The copy shares this client's connection pools and the key's budget (the two together
        never exceed the key's limit) and its classroom; a create's timeout is never below the runbook's 30 s.

            >>> client.with_options(timeout=120, retry=RetryPolicy(max_retries=8))   # doctest: +SKIP

        Raises:
            ConfigurationError: a timeout that is not seconds above 0, or a header the client sets itself.
        """
        return with_options(self, timeout=timeout, retry=retry, headers=headers)

    @property
    def key_prefix(self) -> str:
        """The key's safe prefix (``tf_content_ab12cd34``)."""
        return self.http.key_prefix or ""

    @property
    def base_url(self) -> str:
        return self.http.base_url

    def use_classroom(self, classroom_id: str) -> None:
        """Send classroom-scoped calls to ``classroom_id`` from now on (one the key's classrooms list)."""
        segment(classroom_id, "classroom_id")
        self._chosen = check_classroom_id(classroom_id)

    @property
    def chosen_classroom(self) -> str | None:
        """The classroom chosen for this client (argument, environment or :meth:`use_classroom`), if any."""
        return self._chosen

    async def classrooms(self) -> list[Classroom]:
        """The key's classrooms (``GET /v1/content/classrooms``), every page."""
        return [Classroom.model_validate(c) for c in await self.http.paginate("/v1/content/classrooms")]

    async def _room(self, classroom_id: str | None = None) -> str:
        """``classroom_id`` as a path segment when given (``""`` is refused), else the client's classroom."""
        if classroom_id is not None:
            return segment(classroom_id, "classroom_id")
        return segment(await self.classroom_id(), "classroom_id")

    async def classroom_id(self) -> str:
        """The chosen classroom, or the key's first one, discovered through the API once."""
        if self._chosen is not None:
            return self._chosen
        if self._discovered is None:
            rooms = await self.classrooms()
            if not rooms:
                raise ValueError("this key's organization has no classroom; create one in TutorFlow first")
            self._discovered = rooms[0].id
        return self._discovered

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self.http.aclose()

    async def __aenter__(self) -> AsyncContentClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
