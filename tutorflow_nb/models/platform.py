"""Agent Platform shapes: course requests, lessons, edit tokens, modules and price snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from ..display import Card, Link, format_usd, short
from ..redaction import redact, remember
from .base import Model, when
from .constants import TERMINAL_COURSE_STATUSES, state_of, tone_of

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
    "SharedCourse",
]


def _open(url: str | None) -> Link | None:
    return Link(url, "open") if url else None


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

    def money(self) -> str:
        """The bill in words, such as ``$0.30 (6 lessons × $0.05)``."""
        unit = f"{self.unit or 'unit'}s" if self.units != 1 else (self.unit or "unit")
        return f"{format_usd(self.amount_usd)} ({self.units} {unit} × {format_usd(self.unit_price)})"

    def card(self) -> Card:
        return Card(
            f"Price {self.category}",
            rows=[("billed", self.money()), ("catalog", self.catalog_key), ("source", self.source)],
        )


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
    def state(self) -> str:
        """The status in the one spelling batches, the store, frames and cards use (``models.constants.state_of``)."""
        return state_of(self.status)

    @property
    def edit_token(self) -> str | None:
        """The edit token inside a single-course ``preview_url`` (``…/courses/edit/{token}``)."""
        if self.preview_url and "/platform/courses/edit/" in self.preview_url:
            return self.preview_url.rsplit("/", 1)[1]
        return None

    def to_stored(self) -> dict[str, Any]:
        """The wire shape without the edit token: ``previewUrl`` becomes the share-token editor link.

        That is the link the documents' list route gives: it resolves the latest token itself,
        so a stored course still opens its editor and a store file never holds a token.
        """
        wire = self.to_wire()
        if self.edit_token:
            wire["previewUrl"] = self.editor_url
        return wire

    @property
    def editor_url(self) -> str | None:
        """The editor by share token (``/{locale}/platform/courses/{shareToken}``): it resolves the latest edit
        token itself, so it never expires and holds no edit token (the documents' list-style ``previewUrl``)."""
        if self.public_url and "/lessons/" in self.public_url:
            return self.public_url.rsplit("/lessons/", 1)[0]
        return None

    def card(self) -> Card:
        token = self.edit_token
        editor = None
        if self.editor_url:
            text = "open the editor" + (f" (edit token {short(token, 6)} lasts 1 h from minting)" if token else "")
            editor = Link(self.editor_url, text)
        error = self.error or {}
        lessons = self.lessons or []
        return Card(
            f"Course {self.title or short(self.id)}",
            self.state,
            [
                ("request id", self.id),
                ("course id", self.course_id),
                ("lessons", f"{self.lesson_count}" if self.lesson_count is not None else None),
                ("billed", self.price_snapshot.money() if self.price_snapshot else None),
                ("level · language", " · ".join(x for x in (self.level, self.language) if x) or None),
                ("public", Link(self.public_url, self.public_url) if self.public_url else None),
                ("editor", editor),
                ("Idempotency-Key", self.idempotency_key),
                ("error", f"{error.get('code')}: {error.get('message')}" if error else None),
            ],
            table=(
                ["#", "lesson", "type", "chapter", "link"],
                [
                    [
                        str(x.sequence),
                        x.title,
                        x.type,
                        x.chapter_title,
                        Link(x.lesson_url, "open") if x.lesson_url else None,
                    ]
                    for x in lessons
                ],
            )
            if lessons
            else None,
            tone=tone_of(self.status),
        )


class EditToken(Model):
    """A one-hour edit token: anyone holding it can edit the course, so it prints by its prefix only."""

    edit_token: str
    edit_token_expires_at: datetime | None = None

    def model_post_init(self, context: Any, /) -> None:
        remember(self.edit_token)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, (redact(f"editToken={value}").removeprefix("editToken=") if name == "edit_token" else value)

    def card(self) -> Card:
        return Card(
            f"Edit token {short(self.edit_token, 6)}",
            rows=[("expires", when(self.edit_token_expires_at) or "one hour after minting")],
            note="the whole token is in .edit_token: anyone holding it can edit the course",
        )


class SharedCourse(Model):
    """The share-token route's answer: the full course, and a fresh one-hour edit token printed by its prefix.

    Every field the API sent is kept (``model_dump()`` has them all); ``.edit_token`` holds the
    whole token, and :meth:`Courses.editor <tutorflow_nb.sync_clients.Courses.editor>` takes it.
    """

    title: str | None = None
    description: str | None = None
    lessons: list[dict[str, Any]] = Field(default_factory=list)
    edit_token: str | None = None
    edit_token_expires_at: datetime | None = None
    preview_url: str | None = None

    def model_post_init(self, context: Any, /) -> None:
        remember(self.edit_token)  # the token is in preview_url too: both redacted wherever they show

    def __getitem__(self, field: str) -> Any:
        """A wire field by its API name (``shared["title"]``), as the route's JSON spells it."""
        return self.to_wire()[field]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, (redact(str(value)) if name in ("edit_token", "preview_url") and value else value)

    def card(self) -> Card:
        return Card(
            f"Course {self.title or ''}".strip(),
            "shared",
            [
                ("lessons", str(len(self.lessons))),
                ("edit token", f"{short(self.edit_token, 6)}" if self.edit_token else None),
                ("expires", when(self.edit_token_expires_at)),
            ],
            note="the whole token is in .edit_token: anyone holding it can edit the course",
        )


class PlatformLesson(Model):
    """A lesson of a generated course (``PlatformLessonPublicDto``); canonical lesson rows are kept as extras."""

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
    """A generated Platform module (``ModuleResDto``)."""

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

    @property
    def state(self) -> str:
        """The status in the one spelling batches, the store, frames and cards use (``models.constants.state_of``)."""
        return state_of(self.status)

    def card(self) -> Card:
        status = "deleted" if self.deleted_at else self.state
        return Card(
            f"Module {self.title or short(self.id)}",
            status,
            [
                ("module id", self.id),
                ("type", self.type),
                ("billed", self.price_snapshot.money() if self.price_snapshot else None),
                ("public", Link(self.public_url, self.public_url) if self.public_url and not self.deleted_at else None),
                ("deleted", when(self.deleted_at)),
                ("Idempotency-Key", self.idempotency_key),
            ],
            tone=tone_of(status),
        )
