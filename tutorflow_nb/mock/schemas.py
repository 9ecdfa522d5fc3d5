"""The answer shapes ``/openapi.json`` names that the client keeps as plain dicts or extras.

The client parses answers with ``tutorflow_nb.models`` and keeps what it does not model
(a classroom resource's own fields, an edit-token route's answer, a quiz) as dicts, so a
change there never breaks a reader. The description must still say what each answer
holds, field by field, so a generated client types it and a validating proxy notices
drift: these models say it. They describe; nothing parses with them.

Field names are the wire's (camelCase, by ``Model``'s aliases). A field without a default
is one the mock always sends (``required`` in the description); one with a default may be
missing. Each shape names the surface it belongs to in ``SURFACE``: a Content answer never
refers to a Platform shape, nor the reverse (``tests/test_openapi.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ..models.base import Model
from ..models.constants import LessonType
from ..models.platform import Chapter, LessonSummary, PlatformLesson
from ..models.requests import Question, Scene, Slide

__all__ = ["DESCRIBED", "SURFACE"]


# ---------------------------------------------------------------- shared by every surface


class Failure(Model):
    """Why a job or course request failed; nothing was billed."""

    code: str
    message: str


# ---------------------------------------------------------------- Content Integration: admin session


class SignedInAdmin(Model):
    """The admin a session belongs to."""

    id: str
    email: str
    organization_ids: list[str]


class AdminSession(Model):
    """The answer to a sign-in; the session itself is the ``tutorflow_admin_session`` cookie."""

    admin: SignedInAdmin


class WebhookDeleted(Model):
    """A removed webhook subscription."""

    id: str
    deleted: Literal[True]


# ---------------------------------------------------------------- Content Integration: expansions


class ManifestUrls(Model):
    """Where an output can be opened."""

    public_url: str | None = None
    edit_url: str | None = None


class OutputManifest(Model):
    """The handoff payload of one output; ``{}`` when the output failed."""

    title: str | None = None
    urls: ManifestUrls | None = None
    block_count: int | None = None
    """Interactive blocks of a module (the mock's addition)."""
    scene_count: int | None = None
    """Scenes of a video (the mock's addition)."""
    render_status: str | None = None
    """Whether a video was rendered (the mock's addition)."""
    question_count: int | None = None
    """Questions of a quiz (the mock's addition)."""


# ---------------------------------------------------------------- Content Integration: classroom resources


class _ClassroomResource(Model):
    id: str
    classroom_id: str
    title: str
    description: str | None
    metadata: dict[str, Any]
    share_token: str
    created_at: datetime
    updated_at: datetime


class ClassroomModule(_ClassroomResource):
    """A module of a classroom (``assumptions.resource-shapes``)."""

    type: LessonType
    content: str | None
    is_public: bool


class ClassroomCourse(_ClassroomResource):
    """A course of a classroom (``assumptions.resource-shapes``)."""

    language: str | None
    level: str | None
    module_ids: list[str]
    status: str


class ClassroomVideo(_ClassroomResource):
    """A video of a classroom: an editable scene structure (``assumptions.resource-shapes``)."""

    scenes: list[Scene]
    render_status: str
    video_url: str | None


class ClassroomSlideDeck(_ClassroomResource):
    """A slide deck of a classroom (``assumptions.resource-shapes``)."""

    slides: list[Slide]


class ClassroomTest(_ClassroomResource):
    """A test of a classroom (``assumptions.resource-shapes``)."""

    questions: list[Question]
    passing_score: int


class ModuleDeleted(Model):
    """A deleted classroom module (``assumptions.delete-responses``)."""

    id: str
    deleted: Literal[True]


class CourseArchived(Model):
    """An archived classroom course (``assumptions.delete-responses``)."""

    id: str
    status: Literal["archived"]
    archived_at: datetime


class VideoDeleted(Model):
    """A deleted classroom video (``assumptions.delete-responses``)."""

    id: str
    deleted: Literal[True]
    render_jobs_cancelled: int


class TestDeleted(Model):
    """A deleted classroom test (``assumptions.delete-responses``)."""

    __test__ = False  # pytest: a wire shape, not a test case
    id: str
    deleted: Literal[True]
    attempts_deleted: int


# ---------------------------------------------------------------- Agent Platform


class Quiz(Model):
    """One generated quiz item."""

    question: str
    choices: list[str]
    answer_index: int


class Problem(Model):
    """One practice problem of a lesson."""

    prompt: str | None = None
    starter_code: str | None = None


class CourseHead(Model):
    """A generated course as the edit-token and share-token routes show it."""

    id: str | None
    request_id: str
    title: str | None
    description: str | None
    slug: str | None
    language: str
    level: str | None
    share_token: str | None
    public_url: str


class CourseSummary(CourseHead):
    """The course summary behind an edit token: chapters and lesson summaries, and when the token expires."""

    chapters: list[Chapter]
    lessons: list[LessonSummary]
    edit_token_expires_at: datetime


class FullCourse(CourseHead):
    """The full course: chapters and every lesson with its content."""

    chapters: list[Chapter]
    lessons: list[PlatformLesson]


class SharedCourse(FullCourse):
    """The share-token route's answer: the full course and the latest edit token (refreshed once expired).

    ``models.SharedCourse`` parses it (and keeps the lessons as dicts).
    """

    edit_token: str
    edit_token_expires_at: datetime
    preview_url: str


class Success(Model):
    """An edit was saved: ``{ "success": true }``."""

    success: Literal[True]


class InferredType(Model):
    """The lesson type the AI picked: ``{ "type": "exam" }``."""

    type: LessonType


class ModuleMetadata(Model):
    """A Platform module's metadata: locale, language, original prompt, and any extra metadata."""

    locale: str | None = None
    language: str | None = None
    prompt: str | None = None
    target: str | None = None


class CatalogEntry(Model):
    """One price of the catalog."""

    catalog_key: str
    category: str
    tier: str
    unit: str
    unit_price: float
    currency: str


class PricingCatalog(Model):
    """The published prices (``assumptions.pricing-catalog``)."""

    source: str
    currency: str
    entries: list[CatalogEntry]


class GenerationStarted(Model):
    """The ``start`` event of a lesson generation."""

    lesson_id: str
    type: LessonType


class LectureDelta(Model):
    """A ``lecture`` event: the next piece of lecture HTML."""

    delta: str


class GeneratedQuizzes(Model):
    """The ``quizzes`` event (exam and flashcard lessons)."""

    quizzes: list[Quiz]


class GenerationDone(Model):
    """The ``done`` event: the whole generated lesson, not saved (save it with the lesson's full PATCH)."""

    lesson_id: str
    lecture: str
    content: dict[str, Any]
    quizzes: list[Quiz]
    problems: list[Problem]
    saved: Literal[False]


SSE_EVENTS: dict[str, type[Model]] = {
    "start": GenerationStarted,
    "lecture": LectureDelta,
    "quizzes": GeneratedQuizzes,
    "done": GenerationDone,
}
"""The events of ``POST …/lessons/by-id/{lessonId}/generate``, in the order they come (``assumptions.sse``).

The description names them in the stream's ``x-events`` (each a whole JSON Schema of its ``data``), not as
components: nothing in OpenAPI 3.1 refers to a stream's events, so a component would stand unused."""

SURFACE: dict[str, str] = {
    **dict.fromkeys(["Failure"], "shared"),
    **dict.fromkeys(
        [
            "SignedInAdmin",
            "AdminSession",
            "WebhookDeleted",
            "ManifestUrls",
            "OutputManifest",
            "ClassroomModule",
            "ClassroomCourse",
            "ClassroomVideo",
            "ClassroomSlideDeck",
            "ClassroomTest",
            "ModuleDeleted",
            "CourseArchived",
            "VideoDeleted",
            "TestDeleted",
        ],
        "content",
    ),
    **dict.fromkeys(
        [
            "Quiz",
            "CourseSummary",
            "FullCourse",
            "SharedCourse",
            "Success",
            "InferredType",
            "ModuleMetadata",
            "CatalogEntry",
            "PricingCatalog",
        ],
        "platform",
    ),
}
"""Which surface each shape here belongs to (``shared``: both)."""

DESCRIBED: list[type[Model]] = [
    m for m in list(globals().values()) if isinstance(m, type) and issubclass(m, Model) and m.__name__ in SURFACE
]
"""Every shape here, for the description's components."""
