"""The Content Integration client (``/v1/content/**``) for a ``tf_content_`` workspace key.

    >>> client = AsyncContentClient(base_url, api_key)                     # doctest: +SKIP
    >>> job = await client.expansions.create(request)                      # doctest: +SKIP
    >>> result = await client.expansions.wait_result(job.id)               # doctest: +SKIP

It never accepts a ``tf_platform_`` key and never sends a request outside
``/v1/content/**``. Every create sends an ``Idempotency-Key`` (derived when not given).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from . import idempotency
from .config import Settings
from .errors import ConflictError
from .http import HttpSession, RetryPolicy
from .keys import ApiKey
from .models import Classroom, DeleteResult, ExpansionJob, ExpansionResult, Resource

__all__ = ["AsyncContentClient", "Expansions", "Exports", "Resources", "to_body"]

EXPANSIONS = "/v1/content/integrations/expansions"
RESOURCE_KINDS = ("modules", "courses", "videos", "slides", "tests")
_IDEMPOTENCY_KIND = {"modules": "module", "courses": "course", "videos": "video", "slides": "slide", "tests": "test"}


def to_body(data: Any = None, **fields: Any) -> dict[str, Any]:
    """A request body from a dict or model plus snake_case keyword fields (``None`` left out)."""
    if isinstance(data, BaseModel):
        body = data.model_dump(mode="json", by_alias=True, exclude_none=True)
    else:
        body = dict(data or {})
    body.update({to_camel(k): v for k, v in fields.items() if v is not None})
    return body


class Expansions:
    """``/v1/content/integrations/expansions``: create, status, result, wait, batches."""

    __sync_group__ = True

    def __init__(self, client: AsyncContentClient) -> None:
        self._client = client
        self._http = client.http

    @staticmethod
    def source_id(request: Mapping[str, Any]) -> str | None:
        """The runbook's ``sourceContentId`` of a request: ``{category id}:{level id}``."""
        payload = request.get("payload") or {}
        category = payload.get("category")
        level = (payload.get("level") or {}).get("id")
        cat = category.get("id") if isinstance(category, Mapping) else category
        return f"{cat}:{level}" if cat and level else None

    def idempotency_key(self, request: Any, *, external_id: str | None = None, version: str | None = None) -> str:
        """The key a create of ``request`` sends: ``expansion:{external id}:{version}:{fingerprint}``."""
        body = to_body(request)
        return idempotency.derive("expansion", body, external_id=external_id or self.source_id(body), version=version)

    async def create(
        self,
        request: Any,
        *,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
    ) -> ExpansionJob:
        """Start an expansion; the job answers ``queued``. The key is derived once, before any retry."""
        body = to_body(request)
        key = idempotency_key or self.idempotency_key(body, external_id=external_id, version=version)
        return ExpansionJob.model_validate(await self._http.request("POST", EXPANSIONS, json=body, idempotency_key=key))

    async def get(self, job_id: str) -> ExpansionJob:
        return ExpansionJob.model_validate(await self._http.request("GET", f"{EXPANSIONS}/{job_id}"))

    async def result(self, job_id: str) -> ExpansionResult:
        return ExpansionResult.model_validate(await self._http.request("GET", f"{EXPANSIONS}/{job_id}/result"))

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
        self, job_id: str, *, timeout: float = 900.0, on_status: Callable[[ExpansionJob], Any] | None = None
    ) -> ExpansionJob:
        """Poll until ``completed`` (returned) or ``failed`` (raises :class:`JobFailedError`)."""
        from .jobs import wait_for

        return await wait_for(
            lambda: self.get(job_id),
            timeout=timeout,
            on_status=on_status,
            interval=self._client.poll_interval,
            what=f"expansion job {job_id}",
        )

    async def wait_result(
        self, job_id: str, *, timeout: float = 900.0, on_status: Callable[[ExpansionJob], Any] | None = None
    ) -> ExpansionResult:
        await self.wait(job_id, timeout=timeout, on_status=on_status)
        return await self.result(job_id)

    async def run_batch(self, requests: Any, **options: Any) -> Any:
        """Create, wait on and fetch many expansions within the key's budget (see ``jobs.run_batch``)."""
        from .jobs import run_expansions

        return await run_expansions(self._client, requests, **options)


class Exports:
    """Export a lesson authored in the TutorFlow UI as a completed Content Integration result."""

    __sync_group__ = True

    def __init__(self, client: AsyncContentClient) -> None:
        self._client = client

    async def create(
        self, lesson_id: str, *, classroom_id: str | None = None, idempotency_key: str | None = None
    ) -> ExpansionResult:
        room = classroom_id or await self._client.classroom_id()
        key = idempotency_key or f"standalone-lesson:{lesson_id}"
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

    def __init__(self, client: AsyncContentClient, kind: str) -> None:
        if kind not in RESOURCE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(RESOURCE_KINDS)}")
        self._client, self.kind = client, kind

    def __repr__(self) -> str:
        return f"<Resources {self.kind}>"

    async def _path(self, classroom_id: str | None, resource_id: str | None = None) -> str:
        room = classroom_id or await self._client.classroom_id()
        path = f"/v1/content/classrooms/{room}/{self.kind}"
        return f"{path}/{resource_id}" if resource_id else path

    async def create(
        self,
        title: str | None = None,
        *,
        data: Any = None,
        classroom_id: str | None = None,
        idempotency_key: str | None = None,
        external_id: str | None = None,
        version: str | None = None,
        **fields: Any,
    ) -> Resource:
        """Create from a ``title`` (all the API needs) plus any of the kind's fields, snake_case."""
        body = to_body(data, title=title, **fields)
        external = external_id or (body.get("metadata") or {}).get("externalId")
        key = idempotency_key or idempotency.derive(
            _IDEMPOTENCY_KIND[self.kind], body, external_id=external, version=version
        )
        return Resource.model_validate(
            await self._client.http.request("POST", await self._path(classroom_id), json=body, idempotency_key=key)
        )

    async def get(self, resource_id: str, *, classroom_id: str | None = None) -> Resource:
        return Resource.model_validate(
            await self._client.http.request("GET", await self._path(classroom_id, resource_id))
        )

    async def list(self, *, classroom_id: str | None = None) -> list[Resource]:
        items = await self._client.http.paginate(await self._path(classroom_id))
        return [Resource.model_validate(item) for item in items]

    async def update(
        self, resource_id: str, *, data: Any = None, classroom_id: str | None = None, **fields: Any
    ) -> Resource:
        body = to_body(data, **fields)
        return Resource.model_validate(
            await self._client.http.request("PATCH", await self._path(classroom_id, resource_id), json=body)
        )

    async def delete(self, resource_id: str, *, classroom_id: str | None = None) -> DeleteResult:
        """Delete; the answer's shape is resource-specific (``status_code`` says which one came)."""
        response = await self._client.http.send("DELETE", await self._path(classroom_id, resource_id))
        body = response.json() if response.content else {}
        return DeleteResult.model_validate({**body, "statusCode": response.status_code})


class AsyncContentClient:
    """Content Integration with a ``tf_content_`` key; ``classroom_id`` is discovered when not given."""

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
        self._classroom_id = classroom_id or Settings.from_env().classroom_id
        self.poll_interval = poll_interval
        self.expansions = Expansions(self)
        self.exports = Exports(self)
        self.modules = Resources(self, "modules")
        self.courses = Resources(self, "courses")
        self.videos = Resources(self, "videos")
        self.slides = Resources(self, "slides")
        self.tests = Resources(self, "tests")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.http.base_url} key={self.http.key_prefix}…>"

    @property
    def key_prefix(self) -> str:
        return self.http.key_prefix or ""

    async def classrooms(self) -> list[Classroom]:
        """The key's classrooms (``GET /v1/content/classrooms``), every page."""
        return [Classroom.model_validate(c) for c in await self.http.paginate("/v1/content/classrooms")]

    async def classroom_id(self) -> str:
        """The configured classroom, or the key's first one, discovered through the API."""
        if self._classroom_id is None:
            rooms = await self.classrooms()
            if not rooms:
                raise ValueError("this key's organization has no classroom; create one in TutorFlow first")
            self._classroom_id = rooms[0].id
        return self._classroom_id

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncContentClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
