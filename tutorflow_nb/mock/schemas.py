"""Request bodies of both surfaces, as pydantic models: shapes and documented bounds.

Routes parse JSON into these models (a failure becomes a 400 that names each bad field);
the state model takes the validated objects and applies the domain rules. Top-level
request bodies forbid unknown fields, so a typo is reported rather than ignored; the
customer-owned source ``payload`` of an expansion keeps whatever extra fields it has.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator, model_validator

LESSON_TYPES = (
    "ai-tutor",
    "coding-lesson",
    "coding-test",
    "chat-ai",
    "reading-comprehension",
    "exam",
    "flashcard",
    "markdown",
)
OUTPUT_TYPES = ("interactive_module", "summary_video", "expanded_quiz")
WEBHOOK_EVENTS = ("content.completed", "content.failed")
LEVELS = ("beginner", "intermediate", "advanced")
LEGACY_TIERS = ("basic", "standard", "advanced")

LessonType = Literal[
    "ai-tutor",
    "coding-lesson",
    "coding-test",
    "chat-ai",
    "reading-comprehension",
    "exam",
    "flashcard",
    "markdown",
]
OutputType = Literal["interactive_module", "summary_video", "expanded_quiz"]

Title = Annotated[str, Field(min_length=1, max_length=255)]
Description = Annotated[str, Field(max_length=2000)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=200)]
Html = Annotated[str, Field(max_length=200_000)]
Ident = Annotated[str, Field(min_length=1, max_length=200)]


class Body(BaseModel):
    """A request body: camelCase on the wire, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def given(self) -> dict[str, Any]:
        """The fields the caller actually sent, by wire name."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class Open(BaseModel):
    """Customer-owned source content: extra fields are kept, not refused."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- admin session


class SignIn(Body):
    email: Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class ApiKeyCreate(Body):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    rateLimitPerMinute: Annotated[StrictInt, Field(ge=1, le=10_000)] = 60


class WebhookCreate(Body):
    url: Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://[^\s/]+(/\S*)?$")]
    events: Annotated[list[Literal["content.completed", "content.failed"]], Field(min_length=1, max_length=2)]
    description: Description | None = None

    @field_validator("events")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("events must not repeat")
        return v


# ---------------------------------------------------------------- expansions


class TermItem(Open):
    term: Annotated[str, Field(min_length=1, max_length=500)]
    meaning: Annotated[str, Field(min_length=1, max_length=2000)]
    example: Annotated[str, Field(max_length=2000)] | None = None


class SourceLesson(Open):
    id: Ident
    type: Annotated[str, Field(min_length=1, max_length=64)]
    title: Title
    items: Annotated[list[TermItem], Field(min_length=1, max_length=500)] | None = None
    terms: Annotated[list[TermItem], Field(min_length=1, max_length=500)] | None = None

    @model_validator(mode="after")
    def _has_content(self) -> SourceLesson:
        if self.items is None and self.terms is None:
            raise ValueError("a lesson needs 'items' (term, meaning) or 'terms' (term, meaning, example)")
        if self.items is not None and self.terms is not None:
            raise ValueError("send either 'items' or 'terms' in one lesson, not both")
        return self

    @property
    def entries(self) -> list[TermItem]:
        return self.items if self.items is not None else (self.terms or [])


class Category(Open):
    id: Ident
    title: Title


class Level(Open):
    id: Ident
    title: Title
    lessons: Annotated[list[SourceLesson], Field(min_length=1, max_length=100)]

    @field_validator("lessons")
    @classmethod
    def _unique_ids(cls, lessons: list[SourceLesson]) -> list[SourceLesson]:
        seen: set[str] = set()
        for lesson in lessons:
            if lesson.id in seen:
                raise ValueError(f"lesson id '{lesson.id}' appears twice; lesson ids must be unique")
            seen.add(lesson.id)
        return lessons


class SourcePayload(Open):
    category: Annotated[str, Field(min_length=1, max_length=255)] | Category
    language: Language | None = None
    level: Level

    @property
    def category_title(self) -> str:
        return self.category if isinstance(self.category, str) else self.category.title


class ExpansionCreate(Body):
    sourceType: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")] | None = None
    requestedOutputs: Annotated[list[OutputType], Field(min_length=1, max_length=3)]
    payload: SourcePayload
    classroomId: Ident | None = None

    @field_validator("requestedOutputs")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("requestedOutputs must not repeat an output type")
        return v


class ExportCreate(Body):
    lessonId: Ident
    idempotencyKey: Annotated[str, Field(min_length=1, max_length=255)] | None = None


# ---------------------------------------------------------------- classroom resources


class _Resource(Body):
    title: Title
    description: Description | None = None
    metadata: dict[str, Any] | None = None


class ModuleCreate(_Resource):
    type: LessonType = "markdown"
    content: Html | None = None
    isPublic: StrictBool | None = None


class CourseCreate(_Resource):
    language: Language | None = None
    level: Literal["beginner", "intermediate", "advanced"] | None = None
    moduleIds: Annotated[list[Ident], Field(max_length=200)] | None = None


class Scene(Body):
    title: Title
    narration: Annotated[str, Field(max_length=5000)] = ""
    durationSeconds: Annotated[float, Field(gt=0, le=600)] = 10


class VideoCreate(_Resource):
    scenes: Annotated[list[Scene], Field(max_length=200)] | None = None


class Slide(Body):
    title: Title
    body: Annotated[str, Field(max_length=20_000)] = ""


class SlideCreate(_Resource):
    slides: Annotated[list[Slide], Field(max_length=500)] | None = None


class Question(Body):
    prompt: Annotated[str, Field(min_length=1, max_length=2000)]
    choices: Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(min_length=2, max_length=10)]
    answerIndex: Annotated[StrictInt, Field(ge=0)]

    @model_validator(mode="after")
    def _answer_in_choices(self) -> Question:
        if self.answerIndex >= len(self.choices):
            raise ValueError(f"answerIndex {self.answerIndex} is outside choices (0-{len(self.choices) - 1})")
        return self


class TestCreate(_Resource):
    questions: Annotated[list[Question], Field(max_length=500)] | None = None
    passingScore: Annotated[StrictInt, Field(ge=0, le=100)] | None = None


def _patch_of(create: type[_Resource]) -> type[Body]:
    """The PATCH body of a resource: every create field optional, at least one sent."""
    fields = {name: (f.annotation | None, None) for name, f in create.model_fields.items()}

    required = [name for name, f in create.model_fields.items() if f.is_required()]

    def _not_empty(self: Body) -> Body:
        if not self.model_fields_set:
            raise ValueError("send at least one field to update")
        for name in required:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep the current value")
        return self

    from pydantic import create_model

    return create_model(  # type: ignore[call-overload]
        create.__name__.replace("Create", "Update"),
        __base__=Body,
        __validators__={"_not_empty": model_validator(mode="after")(_not_empty)},
        **fields,
    )


RESOURCE_BODIES: dict[str, tuple[type[_Resource], type[Body]]] = {
    kind: (create, _patch_of(create))
    for kind, create in {
        "modules": ModuleCreate,
        "courses": CourseCreate,
        "videos": VideoCreate,
        "slides": SlideCreate,
        "tests": TestCreate,
    }.items()
}


# ---------------------------------------------------------------- Agent Platform


class PlatformCourseCreate(Body):
    prompt: Annotated[str, Field(min_length=1, max_length=4000)]
    title: Title | None = None
    description: Description | None = None
    language: Language = "en"
    level: Literal["beginner", "intermediate", "advanced"] | None = None
    subject: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    lessonCount: Annotated[StrictInt, Field(ge=1, le=50)] = 5
    classroomId: Ident | None = None
    tier: str | None = None
    hasQuiz: StrictBool | None = None
    hasPractice: StrictBool | None = None
    idempotencyKey: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    mode: Literal["sync", "async"] = "sync"

    @field_validator("tier")
    @classmethod
    def _legacy_tier(cls, v: str | None) -> str | None:
        if v == "default":
            raise ValueError(
                "'default' is a response/catalog tier; omit tier (it has no effect on price) "
                "or send a legacy value: basic, standard or advanced"
            )
        if v is not None and v not in LEGACY_TIERS:
            raise ValueError("tier is a legacy field: omit it, or send basic, standard or advanced")
        return v


class PlatformModuleCreate(Body):
    prompt: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    topic: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    title: Title | None = None
    description: Description | None = None
    target: Annotated[str, Field(max_length=2000)] | None = None
    type: LessonType | None = None
    language: Language = "en"
    locale: Language = "en"
    slug: Slug | None = None
    isPublic: StrictBool = True
    hasQuiz: StrictBool = True
    idempotencyKey: Annotated[str, Field(min_length=1, max_length=255)] | None = None

    @model_validator(mode="after")
    def _prompt_or_topic(self) -> PlatformModuleCreate:
        if not (self.prompt or self.topic):
            raise ValueError("send 'prompt' (or its classroom-compatible alias 'topic')")
        return self

    @property
    def text(self) -> str:
        return self.prompt or self.topic or ""


class PlatformModuleUpdate(Body):
    title: Title | None = None
    description: Description | None = None
    type: LessonType | None = None
    lecture: Html | None = None
    content: Html | None = None
    isPublic: StrictBool | None = None
    slug: Slug | None = None
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> PlatformModuleUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one field to update")
        return self


class CanonicalChapter(Body):
    id: Ident
    title: Title
    slug: Slug
    sequence: Annotated[StrictInt, Field(ge=1, le=1000)]


class CanonicalLesson(Body):
    id: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    chapterId: Ident
    title: Title
    description: Description | None = None
    slug: Slug
    type: LessonType
    sequence: Annotated[StrictInt, Field(ge=1, le=1000)]
    lecture: Html | None = None
    content: dict[str, Any] | None = None
    quizzes: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    metadata: dict[str, Any] = {}


class CanonicalPatch(Body):
    id: Ident | None = None
    title: Title
    description: Description | None = None
    slug: Slug
    chapters: Annotated[list[CanonicalChapter], Field(min_length=1, max_length=100)]
    lessons: Annotated[list[CanonicalLesson], Field(min_length=1, max_length=50)]


class LessonFullPatch(Body):
    title: Title | None = None
    description: Description | None = None
    slug: Slug | None = None
    type: LessonType | None = None
    chapterId: Ident | None = None
    sequence: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    lecture: Html | None = None
    content: dict[str, Any] | None = None
    quizzes: list[dict[str, Any]] | None = None
    problems: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None


class GenerateChapter(Open):
    id: Ident | None = None
    name: Title | None = None


class GenerateLesson(Open):
    """The generate body: context only; the course and lesson come from the token and UUID."""

    chapter: GenerateChapter | None = None
    courseTitle: Title | None = None
    courseDescription: Description | None = None
    shouldGenerateImage: StrictBool = False


class AddLesson(Body):
    title: Title
    type: LessonType
    description: Description | None = None
    quizCount: Annotated[StrictInt, Field(ge=0, le=20)] = 0
    chapterSequence: Annotated[StrictInt, Field(ge=1)] | None = None


class CourseUpdate(Body):
    title: Title | None = None
    description: Description | None = None


class LessonUpdate(Body):
    lecture: Html | None = None
    title: Title | None = None
    description: Description | None = None
    lessonSlug: Slug | None = None


class ExistingLesson(Body):
    title: Title
    type: LessonType


class InferType(Body):
    lessonTitle: Title
    lessonDescription: Description | None = None
    courseTitle: Title | None = None
    courseDescription: Description | None = None
    existingLessons: Annotated[list[ExistingLesson], Field(max_length=100)] | None = None
