"""Agent Platform behaviour: generated courses and modules, billing, edit tokens.

A course request is ``PENDING`` → ``PROCESSING`` → ``COMPLETED``/``FAILED`` on the mock
clock (``mode: "sync"`` answers already completed). Billing follows the lessons actually
generated: ``priceSnapshot.units`` is the generated count, which may differ from the
requested ``lessonCount``, at the contract's ``UNIT_PRICE`` (``models.constants``). Edit
tokens last one hour of mock time.

The backend receives the shared ``Context`` and the ``AccountsBackend`` (for classroom
look-ups), nothing of the whole state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..models.constants import (
    CATALOG_SOURCE,
    COURSE_STATUSES,
    MAX_LESSONS,
    MODULE_STATUSES,
    UNIT_PRICE,
    is_failed,
    is_terminal,
)
from ..models.requests import (
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
from . import generator
from .accounts import AccountsBackend, Principal
from .context import Context
from .errors import BadRequest, Conflict, FieldError, NotFound, Unauthorized
from .idempotency import Replay

__all__ = ["CATALOG", "EDIT_TOKEN_SECONDS", "PlatformBackend", "price_snapshot"]

PENDING, PROCESSING, COMPLETED, FAILED = COURSE_STATUSES
MODULE_PROCESSING, MODULE_COMPLETED, MODULE_FAILED = MODULE_STATUSES
CATALOG = [
    {
        "catalogKey": f"{category}.default",
        "category": category,
        "tier": "default",
        "unit": "lesson",
        "unitPrice": float(UNIT_PRICE),
        "currency": "USD",
    }
    for category in ("course", "module")
]
EDIT_TOKEN_SECONDS = 3600.0
PENDING_SECONDS = 1.0
POLL_AFTER_SECONDS = 2.0


def processing_seconds(lesson_count: int) -> float:
    return 3.0 + 0.5 * lesson_count


def price_snapshot(category: str, units: int) -> dict[str, Any]:
    """The billing record: ``amountUsd`` is exactly ``unitPrice × units`` (computed in Decimal)."""
    return {
        "category": category,
        "catalogKey": f"{category}.default",
        "tier": "default",
        "unit": "lesson",
        "unitPrice": float(UNIT_PRICE),
        "units": units,
        "amountUsd": float(UNIT_PRICE * units),
        "currency": "USD",
        "source": CATALOG_SOURCE,
    }


@dataclass
class CourseRequest:
    id: str
    workspace_id: str
    key_id: str
    request: PlatformCourseCreate
    idempotency_key: str | None
    created_at: float
    starts_at: float
    ends_at: float
    will_fail: bool
    plan: dict[str, Any]
    settled: bool = False
    course_id: str | None = None
    share_token: str | None = None
    chapters: list[dict[str, Any]] = field(default_factory=list)
    lessons: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None
    description: str | None = None
    slug: str | None = None
    edit_token: str | None = None
    price: dict[str, Any] | None = None
    """The billing record, captured when generation completes; later edits never change it."""

    def status(self, now: float) -> str:
        """The status at mock time ``now``: ``PENDING``, ``PROCESSING``, then ``COMPLETED`` or ``FAILED``."""
        if now < self.starts_at:
            return PENDING
        if now < self.ends_at:
            return PROCESSING
        return FAILED if self.will_fail else COMPLETED


class PlatformBackend:
    """Course requests, their edit tokens and lessons, and generated modules.

    ``accounts`` answers which classroom a course request names; everything else comes
    from the shared ``Context``.
    """

    def __init__(self, ctx: Context, accounts: AccountsBackend) -> None:
        self.ctx = ctx
        self.accounts = accounts
        self.reset()

    def reset(self) -> None:
        """Forget every course request, edit token and module."""
        with self.ctx.lock:
            self.courses: dict[str, CourseRequest] = {}
            self.edit_tokens: dict[str, tuple[str, float]] = {}  # token -> (request id, expires at)
            self.modules: dict[str, dict[str, Any]] = {}

    def counts(self) -> dict[str, int]:
        with self.ctx.lock:
            return {
                "platformCourses": len(self.courses),
                "platformModules": sum(1 for m in self.modules.values() if m["deletedAt"] is None),
            }

    @staticmethod
    def _key(body_key: str | None, header_key: str | None) -> str | None:
        if body_key and header_key and body_key != header_key:
            raise BadRequest(
                "idempotencyKey in the body and the Idempotency-Key header differ; send one",
                fields=[FieldError("idempotencyKey", "differs from the Idempotency-Key header")],
            )
        return body_key or header_key

    @staticmethod
    def _fingerprint_body(body: PlatformCourseCreate | PlatformModuleCreate) -> dict[str, Any]:
        raw = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        raw.pop("idempotencyKey", None)
        return raw

    # ------------------------------------------------------------ courses

    def create_course(
        self, who: Principal, body: PlatformCourseCreate, header_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        ctx = self.ctx
        key = self._key(body.idempotencyKey, header_key)
        raw = self._fingerprint_body(body)
        with ctx.lock:
            replay = ctx.idempotency.lookup(who.org.workspace_id, "course", key, raw)
            if replay is not None:
                return replay.answer(idempotentReplay=True)
            if body.classroomId:
                self.accounts.classroom(who.org.id, body.classroomId)
            plan = generator.course_plan(body, ctx.seed)
            now = ctx.clock.now()
            if body.mode == "sync":
                starts = ends = now
            else:
                starts = now + PENDING_SECONDS
                ends = starts + processing_seconds(len(plan["lessons"]))
            req = CourseRequest(
                ctx.new_id(),
                who.org.workspace_id,
                who.key.id,
                body,
                key,
                now,
                starts,
                ends,
                ctx.faults.job_fails(),
                plan,
            )
            self.courses[req.id] = req
            code = 201 if body.mode == "sync" else 202
            view = self.course_view(req, replay=False)
            ctx.idempotency.remember(who.org.workspace_id, "course", key, raw, Replay(req.id, code, view))
            return code, view

    def _settle(self, req: CourseRequest) -> None:
        ctx = self.ctx
        if req.settled or not is_terminal(req.status(ctx.clock.now())):
            return
        req.settled = True
        if req.will_fail:
            return
        plan = req.plan
        req.course_id, req.share_token = ctx.new_id(), ctx.new_token(20)
        req.title, req.description, req.slug = plan["title"], plan["description"], plan["slug"]
        req.chapters = [{k: c[k] for k in ("id", "title", "slug", "sequence")} for c in plan["chapters"]]
        req.lessons = [
            {
                "id": ctx.new_id(),
                "chapterId": lesson["chapterId"],
                "title": lesson["title"],
                "description": lesson["description"],
                "slug": lesson["lessonSlug"],
                "type": lesson["type"],
                "sequence": lesson["sequence"],
                "lecture": lesson["lecture"],
                "content": {"blocks": []},
                "quizzes": lesson["quizzes"],
                "problems": lesson["problems"],
                "metadata": {"duration": 10},
            }
            for lesson in plan["lessons"]
        ]
        req.price = price_snapshot("course", len(req.lessons))
        self._mint(req)

    def _mint(self, req: CourseRequest) -> tuple[str, float]:
        ctx = self.ctx
        token, expires = ctx.new_token(24), ctx.clock.now() + EDIT_TOKEN_SECONDS
        self.edit_tokens[token] = (req.id, expires)
        req.edit_token = token
        return token, expires

    def _locale(self, req: CourseRequest) -> str:
        return req.request.language.split("-")[0]

    def _chapter(self, req: CourseRequest, chapter_id: str) -> dict[str, Any]:
        return next(c for c in req.chapters if c["id"] == chapter_id)

    def _summaries(self, req: CourseRequest) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        base = f"{self.ctx.web_base_url}/{self._locale(req)}/platform/courses/{req.share_token}"
        chapters = [
            {
                "title": c["title"],
                "sequence": c["sequence"],
                "slug": c["slug"],
                "lessonCount": sum(1 for lesson in req.lessons if lesson["chapterId"] == c["id"]),
            }
            for c in sorted(req.chapters, key=lambda c: c["sequence"])
        ]
        lessons = [
            {
                "title": lesson["title"],
                "type": lesson["type"],
                "sequence": lesson["sequence"],
                "chapterTitle": self._chapter(req, lesson["chapterId"])["title"],
                "chapterSlug": self._chapter(req, lesson["chapterId"])["slug"],
                "lessonSlug": lesson["slug"],
                "lessonUrl": f"{base}/lessons/{lesson['sequence']}",
            }
            for lesson in sorted(req.lessons, key=lambda x: x["sequence"])
        ]
        return chapters, lessons

    def course_view(self, req: CourseRequest, *, replay: bool | None = None, listing: bool = False) -> dict[str, Any]:
        """The documented course response; ``listing`` gives the list-style ``previewUrl``."""
        ctx = self.ctx
        with ctx.lock:
            self._settle(req)
            status = req.status(ctx.clock.now())
            done, terminal = status == COMPLETED, is_terminal(status)
            r = req.request
            chapters, lessons = self._summaries(req) if done else (None, None)
            locale = self._locale(req)
            web = ctx.web_base_url
            if not done:
                preview = None
            elif listing:
                preview = f"{web}/{locale}/platform/courses/{req.share_token}"
            else:
                preview = f"{web}/{locale}/platform/courses/edit/{req.edit_token}"
            return {
                "id": req.id,
                "status": status,
                "courseId": req.course_id if done else None,
                "title": req.title if done else r.title,
                "description": req.description if done else r.description,
                "language": r.language,
                "subject": r.subject,
                "level": r.level,
                "slug": req.slug if done else None,
                "tier": "default",
                "mode": r.mode,
                "hasQuiz": r.hasQuiz,
                "hasPractice": r.hasPractice,
                "lessonCount": len(req.lessons) if done else None,
                "priceSnapshot": copy.deepcopy(req.price) if done else None,
                "shareToken": req.share_token if done else None,
                "thumbnailUrl": None,
                "previewUrl": preview,
                "publicUrl": f"{web}/{locale}/platform/courses/{req.share_token}/lessons/1" if done else None,
                "chapters": chapters,
                "lessons": lessons,
                "idempotencyKey": req.idempotency_key,
                "idempotentReplay": None if req.idempotency_key is None else bool(replay),
                "isTerminal": terminal,
                "pollAfterMs": None if terminal else round(ctx.clock.to_wall(POLL_AFTER_SECONDS) * 1000),
                "error": {"code": "generation_failed", "message": "course generation failed; nothing was billed"}
                if is_failed(status)
                else None,
                "createdAt": ctx.clock.iso(req.created_at),
                "completedAt": ctx.clock.iso(req.ends_at) if terminal else None,
            }

    def _course(self, who: Principal, request_id: str) -> CourseRequest:
        req = self.courses.get(request_id)
        if req is None or req.workspace_id != who.org.workspace_id:
            raise NotFound(f"course request '{request_id}' not found", code="course_not_found")
        return req

    def get_course(self, who: Principal, request_id: str) -> dict[str, Any]:
        with self.ctx.lock:
            return self.course_view(self._course(who, request_id))

    def list_courses(self, who: Principal) -> list[dict[str, Any]]:
        with self.ctx.lock:
            return [
                self.course_view(r, listing=True)
                for r in self.courses.values()
                if r.workspace_id == who.org.workspace_id
            ]

    def new_edit_token(self, who: Principal, request_id: str) -> dict[str, Any]:
        ctx = self.ctx
        with ctx.lock:
            req = self._course(who, request_id)
            self._settle(req)
            if req.course_id is None:
                raise Conflict(
                    f"course request '{request_id}' is {req.status(ctx.clock.now())}; edit tokens "
                    "exist once the course is COMPLETED",
                    code="course_not_ready",
                )
            token, expires = self._mint(req)
            return {"editToken": token, "editTokenExpiresAt": ctx.clock.iso(expires)}

    def public_full(self, share_token: str) -> dict[str, Any]:
        """The share-token route: the full course, and an edit token refreshed when it has expired."""
        ctx = self.ctx
        with ctx.lock:
            req = next((r for r in self.courses.values() if r.share_token == share_token), None)
            if req is None:
                raise NotFound("no course has this share token", code="course_not_found")
            assert req.edit_token is not None
            _, expires = self.edit_tokens[req.edit_token]
            if expires <= ctx.clock.now():
                _, expires = self._mint(req)
            token = req.edit_token
            return {
                **self._full(req),
                "editToken": token,
                "editTokenExpiresAt": ctx.clock.iso(expires),
                "previewUrl": f"{ctx.web_base_url}/{self._locale(req)}/platform/courses/edit/{token}",
            }

    # ------------------------------------------------------------ edit-token API

    def by_token(self, token: str) -> CourseRequest:
        ctx = self.ctx
        with ctx.lock:
            found = self.edit_tokens.get(token)
            if found is None:
                raise NotFound("edit token not found", code="edit_token_not_found")
            if found[1] <= ctx.clock.now():
                raise Unauthorized(
                    "edit token expired (they last one hour); mint a new one with "
                    "POST /v1/platform/courses/{id}/edit-token or open the course's share link",
                    code="edit_token_expired",
                )
            return self.courses[found[0]]

    def _lesson_dto(self, req: CourseRequest, lesson: dict[str, Any]) -> dict[str, Any]:
        chapter = self._chapter(req, lesson["chapterId"])
        code = next((p.get("starterCode") for p in lesson["problems"] if p.get("starterCode")), None)
        return {
            "id": lesson["id"],
            "sequence": lesson["sequence"],
            "title": lesson["title"],
            "type": lesson["type"],
            "chapterTitle": chapter["title"],
            "description": lesson["description"],
            "lectureContent": lesson["lecture"],
            "codeContent": code,
            "quizzes": copy.deepcopy(lesson["quizzes"]),
            "lessonSlug": lesson["slug"],
            "chapterSlug": chapter["slug"],
        }

    def _head(self, req: CourseRequest) -> dict[str, Any]:
        chapters, lessons = self._summaries(req)
        return {
            "id": req.course_id,
            "requestId": req.id,
            "title": req.title,
            "description": req.description,
            "slug": req.slug,
            "language": req.request.language,
            "level": req.request.level,
            "shareToken": req.share_token,
            "chapters": chapters,
            "lessons": lessons,
            "publicUrl": f"{self.ctx.web_base_url}/{self._locale(req)}/platform/courses/{req.share_token}/lessons/1",
        }

    def _full(self, req: CourseRequest) -> dict[str, Any]:
        return {**self._head(req), "lessons": [self._lesson_dto(req, lesson) for lesson in self._ordered(req)]}

    @staticmethod
    def _ordered(req: CourseRequest) -> list[dict[str, Any]]:
        return sorted(req.lessons, key=lambda x: x["sequence"])

    def summary(self, token: str) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            _, expires = self.edit_tokens[token]
            return {**self._head(req), "editTokenExpiresAt": self.ctx.clock.iso(expires)}

    def full(self, token: str) -> dict[str, Any]:
        with self.ctx.lock:
            return self._full(self.by_token(token))

    def _at(self, req: CourseRequest, sequence: int) -> dict[str, Any]:
        lesson = next((x for x in req.lessons if x["sequence"] == sequence), None)
        if lesson is None:
            raise NotFound(
                f"no lesson at sequence {sequence}; this course has {len(req.lessons)}", code="lesson_not_found"
            )
        return lesson

    def _by_id(self, req: CourseRequest, lesson_id: str) -> dict[str, Any]:
        lesson = next((x for x in req.lessons if x["id"] == lesson_id), None)
        if lesson is None:
            raise NotFound(
                f"lesson '{lesson_id}' is not in this course; read its ids from GET …/canonical",
                code="lesson_not_found",
            )
        return lesson

    def lesson(self, token: str, sequence: int) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            return self._lesson_dto(req, self._at(req, sequence))

    def canonical(self, token: str) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            return {
                "id": req.course_id,
                "title": req.title,
                "description": req.description,
                "slug": req.slug,
                "chapters": copy.deepcopy(sorted(req.chapters, key=lambda c: c["sequence"])),
                "lessons": copy.deepcopy(self._ordered(req)),
            }

    def patch_canonical(self, token: str, body: CanonicalPatch) -> dict[str, Any]:
        """Replace the curriculum in one save; lessons left out are removed."""
        problems: list[FieldError] = []
        for name, items, attr in (
            ("chapters", body.chapters, "id"),
            ("chapters", body.chapters, "sequence"),
            ("lessons", body.lessons, "id"),
        ):
            seen: set[Any] = set()
            for i, item in enumerate(items):
                value = getattr(item, attr)
                if value in seen:
                    problems.append(FieldError(f"{name}[{i}].{attr}", f"{attr} {value!r} appears twice"))
                seen.add(value)
        chapter_ids = {c.id for c in body.chapters}
        for i, lesson in enumerate(body.lessons):
            if lesson.chapterId not in chapter_ids:
                problems.append(FieldError(f"lessons[{i}].chapterId", f"'{lesson.chapterId}' is not in chapters"))
        sequences = sorted(lesson.sequence for lesson in body.lessons)
        if sequences != list(range(1, len(sequences) + 1)):
            problems.append(FieldError("lessons[].sequence", "lesson sequences must be 1..n with no gaps or repeats"))
        if problems:
            raise BadRequest("the canonical payload is inconsistent", fields=problems)
        with self.ctx.lock:
            req = self.by_token(token)
            if body.id is not None and body.id != req.course_id:
                raise BadRequest(
                    "id is another course's; save the payload GET …/canonical returned",
                    fields=[FieldError("id", "must be this course's id or left out")],
                )
            req.title, req.description, req.slug = body.title, body.description, body.slug
            req.chapters = [c.model_dump() for c in body.chapters]
            req.lessons = [lesson.model_dump() for lesson in body.lessons]
            return {"success": True}

    def lesson_full(self, token: str, lesson_id: str) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            return copy.deepcopy(self._by_id(req, lesson_id))

    def patch_lesson_full(self, token: str, lesson_id: str, body: LessonFullPatch) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            lesson = self._by_id(req, lesson_id)
            changes = body.model_dump(exclude_unset=True)
            if "chapterId" in changes and changes["chapterId"] not in {c["id"] for c in req.chapters}:
                raise BadRequest(
                    "chapterId is not a chapter of this course",
                    fields=[FieldError("chapterId", "read chapter ids from GET …/canonical")],
                )
            for name in ("title", "slug", "type", "chapterId", "sequence", "quizzes", "problems", "metadata"):
                if name in changes and changes[name] is None:
                    raise BadRequest(f"{name} cannot be null", fields=[FieldError(name, "cannot be null")])
            sequence = changes.pop("sequence", None)
            lesson.update(changes)
            if sequence is not None:
                self._move(req, lesson, sequence)
            return copy.deepcopy(lesson)

    @staticmethod
    def _move(req: CourseRequest, lesson: dict[str, Any], sequence: int) -> None:
        order = [x for x in sorted(req.lessons, key=lambda x: x["sequence"]) if x is not lesson]
        if sequence > len(order) + 1:
            raise BadRequest(
                f"sequence {sequence} is past the end ({len(order) + 1} lessons)",
                fields=[FieldError("sequence", f"must be between 1 and {len(order) + 1}")],
            )
        order.insert(sequence - 1, lesson)
        for i, x in enumerate(order, 1):
            x["sequence"] = i

    def generate(self, token: str, lesson_id: str, body: GenerateLesson) -> list[tuple[str, dict[str, Any]]]:
        """The SSE events of a lesson generation; nothing is saved."""
        with self.ctx.lock:
            req = self.by_token(token)
            lesson = copy.deepcopy(self._by_id(req, lesson_id))
            lesson["chapterTitle"] = self._chapter(req, lesson["chapterId"])["title"]
            chapter = body.chapter.name if body.chapter else None
            return generator.lesson_stream(lesson, req.title or "", chapter, self.ctx.seed)

    def update_course(self, token: str, body: PlatformCourseUpdate) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            changes = body.model_dump(exclude_unset=True)
            if changes.get("title", "") is None:
                raise BadRequest("title cannot be null", fields=[FieldError("title", "cannot be null")])
            req.title = changes.get("title", req.title)
            req.description = changes.get("description", req.description)
            return {"success": True}

    def update_lesson(self, token: str, sequence: int, body: LessonUpdate) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            lesson = self._at(req, sequence)
            for wire, name in (
                ("lecture", "lecture"),
                ("title", "title"),
                ("description", "description"),
                ("lessonSlug", "slug"),
            ):
                if wire in body.model_fields_set:
                    value = getattr(body, wire)
                    if value is None and name in ("title", "slug"):
                        raise BadRequest(f"{wire} cannot be null", fields=[FieldError(wire, "cannot be null")])
                    lesson[name] = value
            return {"success": True}

    def add_lesson(self, token: str, body: AddLesson) -> dict[str, Any]:
        ctx = self.ctx
        with ctx.lock:
            req = self.by_token(token)
            chapters = sorted(req.chapters, key=lambda c: c["sequence"])
            chapter: dict[str, Any] | None
            if body.chapterSequence is None:
                chapter = chapters[-1]
            else:
                chapter = next((c for c in chapters if c["sequence"] == body.chapterSequence), None)
                if chapter is None:
                    raise BadRequest(
                        f"no chapter with sequence {body.chapterSequence}",
                        fields=[FieldError("chapterSequence", f"must be one of {[c['sequence'] for c in chapters]}")],
                    )
            if len(req.lessons) >= MAX_LESSONS:
                raise BadRequest(f"a course holds at most {MAX_LESSONS} lessons", code="lesson_limit")
            rng = generator.rng_for(ctx.seed, "add", req.id, len(req.lessons), body.title)
            in_chapter = [x["sequence"] for x in req.lessons if x["chapterId"] == chapter["id"]]
            position = (max(in_chapter) if in_chapter else len(req.lessons)) + 1
            lesson = {
                "id": ctx.new_id(),
                "chapterId": chapter["id"],
                "title": body.title,
                "description": body.description,
                "slug": generator.slugify(body.title, rng),
                "type": body.type,
                "sequence": position,
                "lecture": f"<h2>{body.title}</h2>",
                "content": {"blocks": []},
                "quizzes": generator._quizzes(body.title, body.quizCount, rng) if body.quizCount else [],
                "problems": [],
                "metadata": {},
            }
            for x in req.lessons:
                if x["sequence"] >= position:
                    x["sequence"] += 1
            req.lessons.append(lesson)
            return self._lesson_dto(req, lesson)

    def infer_type(self, token: str, body: InferType) -> dict[str, Any]:
        with self.ctx.lock:
            req = self.by_token(token)
            others = [lesson.title for lesson in body.existingLessons or []]
            if body.courseTitle or body.courseDescription:  # the caller describes the course
                context, subject = (body.courseTitle, body.courseDescription, *others), None
            else:  # the token's course: its title, its prompt and its subject
                context, subject = (req.title, req.request.prompt, *others), req.request.subject
            return {"type": generator.infer_type(body.lessonTitle, body.lessonDescription, *context, subject=subject)}

    # ------------------------------------------------------------ modules

    def create_module(
        self, who: Principal, body: PlatformModuleCreate, header_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        ctx = self.ctx
        key = self._key(body.idempotencyKey, header_key)
        raw = self._fingerprint_body(body)
        with ctx.lock:
            replay = ctx.idempotency.lookup(who.org.workspace_id, "module", key, raw)
            if replay is not None:
                return replay.answer(idempotentReplay=True)  # as courses do (assumptions.idempotency)
            gen = generator.module_body(body, ctx.seed)
            module_id, now = ctx.new_id(), ctx.clock.iso()
            share = ctx.new_token(20)
            module = {
                "id": module_id,
                "title": gen["title"],
                "description": gen["description"],
                "type": gen["type"],
                "isPublic": body.isPublic,
                "videoUrl": None,
                "pdfKey": None,
                "content": None,
                "lectureKey": f"platform/workspaces/{who.org.workspace_id}/modules/{module_id}/lecture/1.txt",
                "lecture": gen["lecture"],
                "lectureVersion": 1,
                "status": MODULE_COMPLETED,
                "lectureImagePrompt": None,
                "metadata": {
                    "locale": body.locale,
                    "language": body.language,
                    "prompt": body.text,
                    **({"target": body.target} if body.target else {}),
                },
                "slug": gen["slug"],
                "deletedAt": None,
                "shareToken": share,
                "publicUrl": f"{ctx.web_base_url}/{body.locale}/platform/modules/{share}",
                "platformWorkspaceId": who.org.workspace_id,
                "platformApiKeyId": who.key.id,
                "idempotencyKey": key,
                "priceSnapshot": price_snapshot("module", 1),
                "quizzes": gen["quizzes"],
                "createdAt": now,
                "updatedAt": now,
                "completedAt": now,
            }
            self.modules[module_id] = module
            view = self._module_view(module)
            ctx.idempotency.remember(who.org.workspace_id, "module", key, raw, Replay(module_id, 201, view))
            return 201, view

    @staticmethod
    def _module_view(module: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(module)

    def _module(self, who: Principal, module_id: str) -> dict[str, Any]:
        m = self.modules.get(module_id)
        if m is None or m["platformWorkspaceId"] != who.org.workspace_id or m["deletedAt"] is not None:
            raise NotFound(f"module '{module_id}' not found", code="module_not_found")
        return m

    def get_module(self, who: Principal, module_id: str) -> dict[str, Any]:
        with self.ctx.lock:
            return self._module_view(self._module(who, module_id))

    def list_modules(self, who: Principal) -> list[dict[str, Any]]:
        with self.ctx.lock:
            return [
                self._module_view(m)
                for m in self.modules.values()
                if m["platformWorkspaceId"] == who.org.workspace_id and m["deletedAt"] is None
            ]

    def update_module(self, who: Principal, module_id: str, body: PlatformModuleUpdate) -> dict[str, Any]:
        ctx = self.ctx
        with ctx.lock:
            m = self._module(who, module_id)
            changes = body.model_dump(exclude_unset=True)
            for name in ("title", "type", "isPublic", "slug"):
                if name in changes and changes[name] is None:
                    raise BadRequest(f"{name} cannot be null", fields=[FieldError(name, "cannot be null")])
            if "lecture" in changes and changes["lecture"] != m["lecture"]:
                m["lectureVersion"] += 1
                m["lectureKey"] = m["lectureKey"].rsplit("/", 1)[0] + f"/{m['lectureVersion']}.txt"
            if "metadata" in changes:
                changes["metadata"] = {**(m["metadata"] or {}), **(changes["metadata"] or {})}
            m.update(changes)
            m["updatedAt"] = ctx.clock.iso()
            return self._module_view(m)

    def delete_module(self, who: Principal, module_id: str) -> dict[str, Any]:
        """Soft delete: the module is kept with ``deletedAt`` set and disappears from reads."""
        with self.ctx.lock:
            m = self._module(who, module_id)
            m["deletedAt"] = m["updatedAt"] = self.ctx.clock.iso()
            return self._module_view(m)

    def public_module(self, share_token: str) -> dict[str, Any]:
        with self.ctx.lock:
            m = next((m for m in self.modules.values() if m["shareToken"] == share_token), None)
            if m is None or not m["isPublic"] or m["deletedAt"] is not None:
                raise NotFound("no public module has this share token", code="module_not_found")
            view = self._module_view(m)
            for private in (
                "platformWorkspaceId",
                "platformApiKeyId",
                "idempotencyKey",
                "priceSnapshot",
                "lectureKey",
                "pdfKey",
            ):
                view.pop(private, None)
            return view

    def catalog(self) -> dict[str, Any]:
        return {"source": CATALOG_SOURCE, "currency": "USD", "entries": copy.deepcopy(CATALOG)}
