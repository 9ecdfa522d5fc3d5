"""Content Integration behaviour: expansion jobs, exports and classroom resources.

Jobs move ``queued`` → ``processing`` → ``completed`` or ``failed`` on the mock clock.
Their status is computed from the clock whenever it is read; the first read past the
end (or the app's ticker, whichever comes first) *settles* the job: its outputs become
real classroom resources (a module, a video, a test) that the CRUD routes can read, and
the backend's ``on_job_finished`` callback is told (``MockState`` wires it to the webhook
outbox, which queues a delivery for subscribers).

The backend receives the shared ``Context`` and the ``AccountsBackend`` (for classroom
look-ups); it knows nothing of webhooks or of the whole state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..models.constants import JOB_STATUSES, OUTPUT_RESOURCE, OUTPUT_TYPES, RESOURCE_KINDS, is_failed, is_terminal
from ..models.requests import RESOURCE_BODIES, ExpansionCreate, ExportCreate
from . import generator
from .accounts import AccountsBackend, Principal
from .context import Context
from .errors import BadRequest, Conflict, FieldError, NotFound
from .idempotency import Replay

__all__ = ["DELETE_RESPONSES", "QUEUED_SECONDS", "RESOURCE_KINDS", "ContentBackend", "Job", "processing_seconds"]

QUEUED, PROCESSING, COMPLETED, FAILED = JOB_STATUSES
INTERACTIVE_MODULE, SUMMARY_VIDEO, EXPANDED_QUIZ = OUTPUT_TYPES
QUEUED_SECONDS = 1.0
"""Mock seconds a job waits in ``queued``."""


def processing_seconds(request: ExpansionCreate) -> float:
    """Mock seconds a job spends ``processing``: grows with lessons, terms and outputs."""
    lessons = request.payload.level.lessons
    entries = sum(len(lesson.entries) for lesson in lessons)
    return 2.0 + 0.5 * len(lessons) + 0.05 * entries + 1.0 * len(request.requestedOutputs)


@dataclass
class Job:
    id: str
    org_id: str
    key_id: str | None
    classroom_id: str
    source_type: str | None
    requested_outputs: list[str]
    request: ExpansionCreate | None
    idempotency_key: str | None
    created_at: float
    starts_at: float
    ends_at: float
    will_fail: bool
    origin: str = "expansion"
    settled: bool = False
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

    @property
    def outcome(self) -> str:
        """How the job ends: ``completed`` or ``failed``."""
        return FAILED if self.will_fail else COMPLETED

    def status(self, now: float) -> str:
        """The status at mock time ``now``: ``queued``, ``processing``, then :attr:`outcome`."""
        if now < self.starts_at:
            return QUEUED
        if now < self.ends_at:
            return PROCESSING
        return self.outcome


class ContentBackend:
    """Expansion jobs, exports and the classroom resources they create.

    ``accounts`` answers which classroom a request means; ``on_job_finished`` is called
    once per job, when it settles (the state passes the webhook outbox's ``job_finished``).
    """

    def __init__(
        self,
        ctx: Context,
        accounts: AccountsBackend,
        on_job_finished: Callable[[Job], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.accounts = accounts
        self.on_job_finished = on_job_finished
        self.reset()

    def reset(self) -> None:
        """Forget every job and resource."""
        with self.ctx.lock:
            self.jobs: dict[str, Job] = {}
            self.resources: dict[str, dict[str, Any]] = {}  # id -> stored resource (with _kind, _org)

    def counts(self) -> dict[str, int]:
        with self.ctx.lock:
            live = [r for r in self.resources.values() if not r.get("_deleted")]
            return {
                "jobs": len(self.jobs),
                **{kind: sum(1 for r in live if r["_kind"] == kind) for kind in RESOURCE_KINDS},
            }

    # ------------------------------------------------------------ expansions

    def create_expansion(
        self, who: Principal, body: ExpansionCreate, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        """Accept an expansion; (status code, job view). Replays return the first answer."""
        ctx, accounts = self.ctx, self.accounts
        raw = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        with ctx.lock:
            replay = ctx.idempotency.lookup(who.org.id, "expansion", idempotency_key, raw)
            if replay is not None:
                return replay.answer()
            room = (
                accounts.classroom(who.org.id, body.classroomId)
                if body.classroomId
                else accounts.default_classroom(who.org.id)
            )
            now = ctx.clock.now()
            job = Job(
                ctx.new_id(),
                who.org.id,
                who.key.id,
                room.id,
                body.sourceType,
                list(body.requestedOutputs),
                body,
                idempotency_key,
                now,
                now + QUEUED_SECONDS,
                now + QUEUED_SECONDS + processing_seconds(body),
                ctx.faults.job_fails(),
            )
            self.jobs[job.id] = job
            view = self.job_view(job)
            ctx.idempotency.remember(who.org.id, "expansion", idempotency_key, raw, Replay(job.id, 202, view))
            return 202, view

    def _job(self, org_id: str, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.org_id != org_id:
            raise NotFound(f"expansion job '{job_id}' not found", code="job_not_found")
        return job

    def job_view(self, job: Job) -> dict[str, Any]:
        """The documented job answer; reading a finished job settles it."""
        clock = self.ctx.clock
        status = job.status(clock.now())
        terminal = is_terminal(status)
        if terminal:
            self.settle(job)
        return {
            "id": job.id,
            "status": status,
            "sourceType": job.source_type,
            "requestedOutputs": list(job.requested_outputs),
            "classroomId": job.classroom_id,
            "idempotencyKey": job.idempotency_key,
            "createdAt": clock.iso(job.created_at),
            "startedAt": clock.iso(job.starts_at) if status != QUEUED else None,
            "completedAt": clock.iso(job.ends_at) if terminal else None,
            "error": job.error if is_failed(status) else None,
        }

    def get_job(self, who: Principal, job_id: str) -> dict[str, Any]:
        with self.ctx.lock:
            return self.job_view(self._job(who.org.id, job_id))

    def result(self, who: Principal, job_id: str) -> dict[str, Any]:
        """The job and one output per requested output; 409 until the job has finished."""
        with self.ctx.lock:
            job = self._job(who.org.id, job_id)
            view = self.job_view(job)
            if not is_terminal(view["status"]):
                raise Conflict(
                    f"job '{job_id}' is {view['status']}; poll GET /v1/content/integrations/expansions/"
                    f"{job_id} every 2-5 s until it is completed or failed, then fetch the result",
                    code="job_not_finished",
                    jobStatus=view["status"],
                )
            return {"job": view, "outputs": copy.deepcopy(job.outputs)}

    def settle(self, job: Job) -> bool:
        """Make a finished job's outputs real, once, and tell ``on_job_finished``. True if this call settled it."""
        with self.ctx.lock:
            if job.settled or not is_terminal(job.status(self.ctx.clock.now())):
                return False
            job.settled = True
            if job.will_fail:
                job.error = {
                    "code": "generation_failed",
                    "message": "content generation failed; retry with a new Idempotency-Key "
                    "or contact support with the job id",
                }
                job.outputs = [
                    {
                        "outputType": o,
                        "status": FAILED,
                        "resourceType": OUTPUT_RESOURCE[o],
                        "resourceId": None,
                        "manifest": {},
                    }
                    for o in job.requested_outputs
                ]
            elif job.request is not None:
                job.outputs = [self._materialise(job, o) for o in job.requested_outputs]
            if self.on_job_finished is not None:
                self.on_job_finished(job)
            return True

    def settle_due(self) -> int:
        """Settle every job whose time has come (the app's ticker calls this)."""
        with self.ctx.lock:
            return sum(self.settle(job) for job in list(self.jobs.values()) if not job.settled)

    def _materialise(self, job: Job, output: str) -> dict[str, Any]:
        assert job.request is not None
        payload, src, seed = job.request.payload, job.source_type, self.ctx.seed
        kind = OUTPUT_RESOURCE[output] + "s"
        body = {
            "modules": lambda: generator.expansion_module(payload, src),
            "videos": lambda: generator.expansion_video(payload, src),
            "tests": lambda: generator.expansion_quiz(payload, src, seed),
        }[kind]()
        body["metadata"] = {**body.get("metadata", {}), "jobId": job.id, "generatedBy": "content_integration"}
        resource = self._store(job.org_id, job.classroom_id, kind, body)
        return {
            "outputType": output,
            "status": COMPLETED,
            "resourceType": OUTPUT_RESOURCE[output],
            "resourceId": resource["id"],
            "manifest": self._manifest(resource),
        }

    def _manifest(self, resource: dict[str, Any]) -> dict[str, Any]:
        kind = resource["_kind"]
        base = self.ctx.web_base_url
        manifest: dict[str, Any] = {
            "title": resource["title"],
            "urls": {
                "publicUrl": f"{base}/share/{kind[:-1]}/{resource['shareToken']}",
                "editUrl": f"{base}/classrooms/{resource['classroomId']}/{kind}/{resource['id']}/edit",
            },
        }
        if kind == "videos":
            manifest["sceneCount"] = len(resource["scenes"])
            manifest["renderStatus"] = resource["renderStatus"]
        if kind == "tests":
            manifest["questionCount"] = len(resource["questions"])
        if kind == "modules":
            manifest["blockCount"] = len(resource["metadata"].get("interactive", {}).get("blocks", []))
        return manifest

    # ------------------------------------------------------------ exports

    def export(
        self, org_id: str, classroom_id: str, body: ExportCreate, header_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        """A completed Content Integration result for a lesson authored in the UI."""
        ctx = self.ctx
        key = body.idempotencyKey or header_key
        if body.idempotencyKey and header_key and body.idempotencyKey != header_key:
            raise BadRequest(
                "idempotencyKey in the body and the Idempotency-Key header differ; send one",
                code="idempotency_key_mismatch",
            )
        raw = {"classroomId": classroom_id, "lessonId": body.lessonId}
        with ctx.lock:
            self.accounts.classroom(org_id, classroom_id)
            replay = ctx.idempotency.lookup(org_id, "export", key, raw)
            if replay is not None:
                return replay.answer()
            lesson = self._resource(org_id, classroom_id, "modules", body.lessonId)
            now = ctx.clock.now()
            job = Job(
                ctx.new_id(),
                org_id,
                None,
                classroom_id,
                "tutorflow_ui",
                [INTERACTIVE_MODULE],
                None,
                key,
                now,
                now,
                now,
                False,
                origin="export",
                settled=True,
            )
            job.outputs = [
                {
                    "outputType": INTERACTIVE_MODULE,
                    "status": COMPLETED,
                    "resourceType": OUTPUT_RESOURCE[INTERACTIVE_MODULE],
                    "resourceId": lesson["id"],
                    "manifest": self._manifest(lesson),
                }
            ]
            self.jobs[job.id] = job
            answer = {"job": self.job_view(job), "outputs": copy.deepcopy(job.outputs)}
            ctx.idempotency.remember(org_id, "export", key, raw, Replay(job.id, 201, answer))
            return 201, answer

    # ------------------------------------------------------------ classroom resources

    def seed_ui_lessons(self, org_id: str, classroom_id: str, n: int) -> list[dict[str, Any]]:
        titles = (
            "Welcome to the classroom",
            "Study skills that stick",
            "Reading a chart",
            "Fractions in the kitchen",
            "The water cycle",
        )
        out = []
        for i in range(n):
            title = titles[i % len(titles)] + (f" {i // len(titles) + 1}" if i >= len(titles) else "")
            out.append(
                self._store(
                    org_id,
                    classroom_id,
                    "modules",
                    {
                        "title": title,
                        "type": "markdown",
                        "description": "Authored in the TutorFlow UI.",
                        "content": f"<h2>{title}</h2><p>Written by a teacher in the TutorFlow editor.</p>",
                        "metadata": {"authoredIn": "ui"},
                    },
                )
            )
        return out

    def _store(self, org_id: str, classroom_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        ctx = self.ctx
        now = ctx.clock.iso()
        defaults: dict[str, Any] = {"description": None, "metadata": {}}
        per_kind: dict[str, dict[str, Any]] = {
            "modules": {"type": "markdown", "content": None, "isPublic": True},
            "courses": {"language": "en", "level": None, "moduleIds": [], "status": "active"},
            "videos": {"scenes": [], "renderStatus": "not_rendered", "videoUrl": None},
            "slides": {"slides": []},
            "tests": {"questions": [], "passingScore": 70},
        }
        defaults.update(per_kind[kind])
        resource = {
            "id": ctx.new_id(),
            "classroomId": classroom_id,
            **defaults,
            **{k: v for k, v in body.items() if v is not None},
            "shareToken": ctx.new_token(16),
            "createdAt": now,
            "updatedAt": now,
            "_kind": kind,
            "_org": org_id,
        }
        self.resources[resource["id"]] = resource
        return resource

    def _resource(self, org_id: str, classroom_id: str, kind: str, resource_id: str) -> dict[str, Any]:
        self.accounts.classroom(org_id, classroom_id)
        r = self.resources.get(resource_id)
        if (
            r is None
            or r["_org"] != org_id
            or r["classroomId"] != classroom_id
            or r["_kind"] != kind
            or r.get("_deleted")
        ):
            raise NotFound(
                f"{kind[:-1]} '{resource_id}' not found in classroom '{classroom_id}'", code=f"{kind[:-1]}_not_found"
            )
        return r

    def _check_module_ids(self, org_id: str, classroom_id: str, module_ids: list[str] | None) -> None:
        """400 naming ``moduleIds[i]`` for each id that is no (live) module of this classroom."""
        problems = []
        for i, module_id in enumerate(module_ids or []):
            r = self.resources.get(module_id)
            if (
                r is None
                or r["_org"] != org_id
                or r["classroomId"] != classroom_id
                or r["_kind"] != "modules"
                or r.get("_deleted")
            ):
                problems.append(FieldError(f"moduleIds[{i}]", f"'{module_id}' is not a module of this classroom"))
        if problems:
            raise BadRequest(
                "moduleIds must name modules of this classroom; list them with GET …/classrooms/{classroomId}/modules",
                fields=problems,
            )

    @staticmethod
    def view(resource: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in resource.items() if not k.startswith("_")}

    def create_resource(
        self, who: Principal, classroom_id: str, kind: str, body: Any, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        ctx = self.ctx
        raw = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        with ctx.lock:
            self.accounts.classroom(who.org.id, classroom_id)
            replay = ctx.idempotency.lookup(who.org.id, f"{kind}:{classroom_id}", idempotency_key, raw)
            if replay is not None:
                return replay.answer()
            if kind == "courses":
                self._check_module_ids(who.org.id, classroom_id, body.moduleIds)
            values = body.model_dump(mode="json", by_alias=True)
            resource = self._store(who.org.id, classroom_id, kind, values)
            view = self.view(resource)
            ctx.idempotency.remember(
                who.org.id, f"{kind}:{classroom_id}", idempotency_key, raw, Replay(resource["id"], 201, view)
            )
            return 201, view

    def get_resource(self, who: Principal, classroom_id: str, kind: str, resource_id: str) -> dict[str, Any]:
        with self.ctx.lock:
            return self.view(self._resource(who.org.id, classroom_id, kind, resource_id))

    def list_resources(self, who: Principal, classroom_id: str, kind: str) -> list[dict[str, Any]]:
        with self.ctx.lock:
            self.accounts.classroom(who.org.id, classroom_id)
            return [
                self.view(r)
                for r in self.resources.values()
                if r["_org"] == who.org.id
                and r["classroomId"] == classroom_id
                and r["_kind"] == kind
                and not r.get("_deleted")
            ]

    def update_resource(
        self, who: Principal, classroom_id: str, kind: str, resource_id: str, body: Any
    ) -> dict[str, Any]:
        with self.ctx.lock:
            r = self._resource(who.org.id, classroom_id, kind, resource_id)
            if kind == "courses":
                self._check_module_ids(who.org.id, classroom_id, body.moduleIds)
            r.update(body.model_dump(mode="json", by_alias=True, exclude_unset=True))
            r["updatedAt"] = self.ctx.clock.iso()
            return self.view(r)

    def delete_resource(
        self, who: Principal, classroom_id: str, kind: str, resource_id: str
    ) -> tuple[int, dict[str, Any] | None]:
        """Delete, answering as ``DELETE_RESPONSES`` says for this kind."""
        with self.ctx.lock:
            r = self._resource(who.org.id, classroom_id, kind, resource_id)
            r["_deleted"] = True
            now = self.ctx.clock.iso()
            if kind == "modules":
                return 200, {"id": r["id"], "deleted": True}
            if kind == "courses":
                r["status"] = "archived"
                return 200, {"id": r["id"], "status": "archived", "archivedAt": now}
            if kind == "videos":
                return 202, {"id": r["id"], "deleted": True, "renderJobsCancelled": 0}
            if kind == "slides":
                return 204, None
            return 200, {"id": r["id"], "deleted": True, "attemptsDeleted": 0}


DELETE_RESPONSES = {
    "modules": "200 {id, deleted: true}",
    "courses": "200 {id, status: 'archived', archivedAt}: courses are archived, not erased",
    "videos": "202 {id, deleted: true, renderJobsCancelled}: pending renders are cancelled",
    "slides": "204 with no body",
    "tests": "200 {id, deleted: true, attemptsDeleted}",
}
"""The resource-specific delete answers (an assumption: the documents name the table only)."""

assert set(DELETE_RESPONSES) == set(RESOURCE_KINDS) == set(RESOURCE_BODIES)
