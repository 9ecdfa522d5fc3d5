"""Request bodies of both surfaces, as pydantic models: the shapes and documented bounds.

The client's form validates with them before anything is sent; the mock parses every
request body into them (a failure is a 400 naming each bad field, by :func:`field_errors`,
so the form and the mock name a field the same way). Top-level request bodies forbid
unknown fields, so a typo is reported rather than ignored; the customer-owned source
``payload`` of an expansion keeps whatever extra fields it has.

    >>> body = {"requestedOutputs": ["summary_video"],
    ...         "payload": {"category": "Vocabulary", "level": {"id": "l", "title": "", "lessons": []}}}
    >>> for path, message in field_errors_of(ExpansionCreate, body):
    ...     print(path, "-", message)
    payload.level.title - String should have at least 1 character
    payload.level.lessons - List should have at least 1 item after validation, not 0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from .constants import LEGACY_TIERS, MAX_LESSONS, MAX_RATE_LIMIT, LessonType, OutputType

__all__ = [
    "NOT_BLANK",
    "RESOURCE_BODIES",
    "AddLesson",
    "ApiKeyCreate",
    "Body",
    "CanonicalPatch",
    "Category",
    "ExpansionCreate",
    "ExportCreate",
    "GenerateLesson",
    "InferType",
    "LessonFullPatch",
    "LessonUpdate",
    "Level",
    "NonBlank",
    "PlatformCourseCreate",
    "PlatformCourseUpdate",
    "PlatformModuleCreate",
    "PlatformModuleUpdate",
    "SignIn",
    "SourceLesson",
    "SourcePayload",
    "TermItem",
    "WebhookCreate",
    "field_error",
    "field_errors",
    "field_errors_of",
    "field_path",
]

NOT_BLANK = r"\S"
"""The pattern of a string that says something: one character that is not (Unicode) whitespace."""
NonBlank = Annotated[str, Field(min_length=1, pattern=NOT_BLANK)]
"""A string that must say something: neither empty nor whitespace only. Every title, id, name, prompt and key
is one, so ``"   "`` is refused wherever ``""`` is, in the mock and in the client's form alike. The rule is a
pattern, so it stays beside the string's other bounds and ``/openapi.json`` shows it."""
Title = Annotated[NonBlank, Field(max_length=255)]
Description = Annotated[str, Field(max_length=2000)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=200)]
Html = Annotated[str, Field(max_length=200_000)]
Ident = Annotated[NonBlank, Field(max_length=200)]
Key = Annotated[NonBlank, Field(max_length=255)]
"""An idempotency key sent in a body."""


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
    password: Annotated[NonBlank, Field(max_length=200)]


class ApiKeyCreate(Body):
    name: Annotated[NonBlank, Field(max_length=100)]
    rateLimitPerMinute: Annotated[StrictInt, Field(ge=1, le=MAX_RATE_LIMIT)] = 60


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
    term: Annotated[NonBlank, Field(max_length=500)]
    meaning: Annotated[NonBlank, Field(max_length=2000)]
    example: Annotated[str, Field(max_length=2000)] | None = None


class SourceLesson(Open):
    id: Ident
    type: Annotated[NonBlank, Field(max_length=64)]
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


def _category_form(value: Any) -> str:
    """Which form of ``category`` a value is: an object ``{id, title}``, else a name (so one error, at its path)."""
    return "Category" if isinstance(value, (Mapping, Category)) else "str"


CategoryName = Annotated[NonBlank, Field(max_length=255)]


class SourcePayload(Open):
    category: Annotated[
        Annotated[CategoryName, Tag("str")] | Annotated[Category, Tag("Category")], Discriminator(_category_form)
    ]
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
    idempotencyKey: Key | None = None


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
    prompt: Annotated[NonBlank, Field(max_length=2000)]
    choices: Annotated[list[Annotated[NonBlank, Field(max_length=500)]], Field(min_length=2, max_length=10)]
    answerIndex: Annotated[StrictInt, Field(ge=0)]

    @model_validator(mode="after")
    def _answer_in_choices(self) -> Question:
        if self.answerIndex >= len(self.choices):
            raise ValueError(f"answerIndex {self.answerIndex} is outside choices (0-{len(self.choices) - 1})")
        return self


class TestCreate(_Resource):
    questions: Annotated[list[Question], Field(max_length=500)] | None = None
    passingScore: Annotated[StrictInt, Field(ge=0, le=100)] | None = None


def _optional(field: FieldInfo) -> tuple[Any, None]:
    """A field's type with its bounds kept, or ``None``: ``(Annotated[str, MinLen(1)] | None, None)``."""
    params = (field.annotation, *field.metadata)
    bounded: Any = cast(Any, Annotated)[params] if field.metadata else field.annotation
    return bounded | None, None


def _patch_of(create: type[_Resource]) -> type[Body]:
    """The PATCH body of a resource: every create field optional, at least one sent, each as bounded as in the create.

    A field's bounds live in its metadata (``min_length``, ``pattern``, …): the optional field
    keeps them, so ``PATCH {"title": ""}`` is refused exactly as a create with an empty title is.
    """
    fields: dict[str, Any] = {name: _optional(f) for name, f in create.model_fields.items()}

    required = [name for name, f in create.model_fields.items() if f.is_required()]

    def _not_empty(self: Body) -> Body:
        if not self.model_fields_set:
            raise ValueError("send at least one field to update")
        for name in required:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep the current value")
        return self

    return create_model(
        create.__name__.replace("Create", "Update"),
        __base__=Body,
        __validators__=cast(dict[str, Any], {"_not_empty": model_validator(mode="after")(_not_empty)}),
        **fields,
    )


_CREATES: dict[str, type[_Resource]] = {
    "modules": ModuleCreate,
    "courses": CourseCreate,
    "videos": VideoCreate,
    "slides": SlideCreate,
    "tests": TestCreate,
}
RESOURCE_BODIES: dict[str, tuple[type[_Resource], type[Body]]] = {
    kind: (create, _patch_of(create)) for kind, create in _CREATES.items()
}


# ---------------------------------------------------------------- Agent Platform


class PlatformCourseCreate(Body):
    prompt: Annotated[NonBlank, Field(max_length=4000)]
    title: Title | None = None
    description: Description | None = None
    language: Language = "en"
    level: Literal["beginner", "intermediate", "advanced"] | None = None
    subject: Annotated[NonBlank, Field(max_length=100)] | None = None
    lessonCount: Annotated[StrictInt, Field(ge=1, le=MAX_LESSONS)] = 5
    classroomId: Ident | None = None
    tier: str | None = None
    hasQuiz: StrictBool | None = None
    hasPractice: StrictBool | None = None
    idempotencyKey: Key | None = None
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
    prompt: Annotated[NonBlank, Field(max_length=4000)] | None = None
    topic: Annotated[NonBlank, Field(max_length=4000)] | None = None
    title: Title | None = None
    description: Description | None = None
    target: Annotated[str, Field(max_length=2000)] | None = None
    type: LessonType | None = None
    language: Language = "en"
    locale: Language = "en"
    slug: Slug | None = None
    isPublic: StrictBool = True
    hasQuiz: StrictBool = True
    idempotencyKey: Key | None = None

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


class PlatformCourseUpdate(Body):
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


# ---------------------------------------------------------------- field names, the same everywhere

_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "none", "bytes", "decimal", "json-or-python"})


def _is_tag(part: str) -> bool:
    """A location part that names a union member or a validator, not a wire field."""
    return part in _TAGS or part in _MODEL_NAMES or "[" in part or "-" in part


def field_path(loc: tuple[int | str, ...]) -> str:
    """The wire path of a validation error's location: ``payload.level.lessons[0].title``.

    Union members and validators (``Category``, ``constrained-str``, ``function-after[…]``)
    are left out, and so is the part of the request it was found in (``body``, ``query``).
    """
    parts = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _is_tag(part):
            path += ("." if path else "") + part
    return path or (str(loc[0]) if loc else "body")


def field_error(error: Mapping[str, Any]) -> tuple[str, str]:
    """``(wire path, message)`` of one validation error (pydantic's or FastAPI's error dict)."""
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == NOT_BLANK:
        message = "must not be blank (whitespace only)"
    return field_path(tuple(error.get("loc", ()))), message


def field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """``(wire path, message)`` for every problem of a failed validation, in order."""
    return [field_error(err) for err in exc.errors()]


def field_errors_of(model: type[BaseModel], data: Any) -> list[tuple[str, str]]:
    """The problems :func:`field_errors` names when ``data`` is validated as ``model`` (none when valid)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return field_errors(exc)
    return []


_MODEL_NAMES = frozenset(
    name for name, value in list(globals().items()) if isinstance(value, type) and issubclass(value, BaseModel)
) | frozenset(create.__name__.replace("Create", "Update") for create, _ in RESOURCE_BODIES.values())
