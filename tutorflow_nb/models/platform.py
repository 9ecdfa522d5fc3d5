"""Agent Platform shapes: course requests, lessons, edit tokens, modules and price snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from ..redaction import redact, remember
from .base import Model
from .constants import TERMINAL_COURSE_STATUSES

__all__ = [
    "TERMINAL_COURSE_STATUSES",
    "CanonicalCourse",
    "Chapter",
    "CourseRequest",
    "EditToken",
    "LessonSummary",
    "PlatformLesson",
    "PlatformModule",
    "PriceSnapshot",
]


class PriceSnapshot(Model):
    """The billing record of one request. Money is ``Decimal``: ``amount_usd == unit_price * units``."""

    category: str
    catalog_key: str | None = None
    tier: str | None = None
    unit: str | None = None
    unit_price: Decimal
    units: int
    amount_usd: Decimal
    currency: str = "USD"
    source: str | None = None


class Chapter(Model):
    title: str
    sequence: int
    lesson_count: int | None = None
    slug: str | None = None


class LessonSummary(Model):
    title: str
    type: str
    sequence: int
    chapter_title: str | None = None
    chapter_slug: str | None = None
    lesson_slug: str | None = None
    lesson_url: str | None = None


class CourseRequest(Model):
    id: str
    status: str
    course_id: str | None = None
    title: str | None = None
    description: str | None = None
    level: str | None = None
    language: str | None = None
    subject: str | None = None
    slug: str | None = None
    tier: str | None = None
    mode: str | None = None
    has_quiz: bool | None = None
    has_practice: bool | None = None
    lesson_count: int | None = None
    price_snapshot: PriceSnapshot | None = None
    chapters: list[Chapter] | None = None
    lessons: list[LessonSummary] | None = None
    share_token: str | None = None
    thumbnail_url: str | None = None
    preview_url: str | None = None
    public_url: str | None = None
    is_terminal: bool = False
    poll_after_ms: int | None = None
    idempotency_key: str | None = None
    idempotent_replay: bool | None = None
    error: dict[str, Any] | None = None
    """Why a ``FAILED`` request failed (``code``, ``message``)."""
    created_at: datetime | None = None
    completed_at: datetime | None = None

    def model_post_init(self, context: Any, /) -> None:
        remember(self.edit_token)  # a secret from now on: redacted wherever it shows

    @property
    def edit_token(self) -> str | None:
        """The edit token inside a single-course ``preview_url`` (``…/courses/edit/{token}``)."""
        if self.preview_url and "/platform/courses/edit/" in self.preview_url:
            return self.preview_url.rsplit("/", 1)[1]
        return None


class EditToken(Model):
    """A one-hour edit token: anyone holding it can edit the course, so it prints by its prefix only."""

    edit_token: str
    edit_token_expires_at: datetime | None = None

    def model_post_init(self, context: Any, /) -> None:
        remember(self.edit_token)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, (redact(f"editToken={value}").removeprefix("editToken=") if name == "edit_token" else value)


class PlatformLesson(Model):
    """``PlatformLessonPublicDto``; canonical lesson rows are kept as extras."""

    id: str
    sequence: int
    title: str
    type: str
    chapter_title: str | None = None
    description: str | None = None
    lecture_content: str | None = None
    code_content: str | None = None
    quizzes: list[dict[str, Any]] = Field(default_factory=list)
    lesson_slug: str | None = None
    chapter_slug: str | None = None


class CanonicalCourse(Model):
    """The editor's source of truth: save it back with ``save_canonical``."""

    id: str | None = None
    title: str
    description: str | None = None
    slug: str
    chapters: list[dict[str, Any]]
    lessons: list[dict[str, Any]]


class PlatformModule(Model):
    """``ModuleResDto``."""

    id: str
    title: str | None = None
    description: str | None = None
    type: str | None = None
    is_public: bool | None = None
    video_url: str | None = None
    pdf_key: str | None = None
    content: str | None = None
    lecture_key: str | None = None
    lecture: str | None = None
    lecture_version: int | None = None
    status: str | None = None
    lecture_image_prompt: str | None = None
    metadata: dict[str, Any] | None = None
    slug: str | None = None
    deleted_at: datetime | None = None
    share_token: str | None = None
    public_url: str | None = None
    platform_workspace_id: str | None = None
    platform_api_key_id: str | None = None
    idempotency_key: str | None = None
    idempotent_replay: bool | None = None
    """``True`` when the answer replays an earlier create with the same Idempotency-Key."""
    price_snapshot: PriceSnapshot | None = None
    quizzes: list[dict[str, Any]] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
