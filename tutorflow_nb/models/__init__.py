"""Pydantic models of the documented wire shapes, one module per surface.

Attribute names are Pythonic (``key_prefix``); the wire names are their aliases
(``keyPrefix``), and both are accepted. Fields the documents do not name are kept, not
dropped (``model.model_extra``), so nothing the API sends is lost.
"""

from .base import Model, Page
from .content import (
    ApiKeyInfo,
    Classroom,
    CreatedApiKey,
    DeleteResult,
    ExpansionJob,
    ExpansionResult,
    Manifest,
    Organization,
    Output,
    Resource,
    WebhookSubscription,
)
from .platform import (
    CanonicalCourse,
    Chapter,
    CourseRequest,
    EditToken,
    LessonSummary,
    PlatformLesson,
    PlatformModule,
    PriceSnapshot,
    SharedCourse,
)

__all__ = [
    "ApiKeyInfo",
    "CanonicalCourse",
    "Chapter",
    "Classroom",
    "CourseRequest",
    "CreatedApiKey",
    "DeleteResult",
    "EditToken",
    "ExpansionJob",
    "ExpansionResult",
    "LessonSummary",
    "Manifest",
    "Model",
    "Organization",
    "Output",
    "Page",
    "PlatformLesson",
    "PlatformModule",
    "PriceSnapshot",
    "Resource",
    "SharedCourse",
    "WebhookSubscription",
]
