"""The documented vocabulary of the API, in one place: statuses, types, prices and limits.

Client, form and mock all read these; none of them spells a status or a price itself.

    >>> is_terminal("completed"), is_terminal("PROCESSING"), is_failed("FAILED")
    (True, False, True)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal

__all__ = [
    "CATALOG_SOURCE",
    "COURSE_STATUSES",
    "DEFAULT_LESSONS",
    "FAILED_STATUSES",
    "JOB_STATUSES",
    "LEGACY_TIERS",
    "LESSON_TYPES",
    "LEVELS",
    "MAX_LESSONS",
    "MAX_RATE_LIMIT",
    "MODULE_STATUSES",
    "OUTPUT_RESOURCE",
    "OUTPUT_TYPES",
    "RESOURCE_KINDS",
    "TERMINAL_COURSE_STATUSES",
    "TERMINAL_JOB_STATUSES",
    "UNIT_PRICE",
    "WEBHOOK_EVENTS",
    "LessonType",
    "OutputType",
    "is_failed",
    "is_terminal",
]

# ---------------------------------------------------------------- statuses
JOB_STATUSES: Final = ("queued", "processing", "completed", "failed")
"""An expansion job's statuses, in order (Content Integration spells them in lower case)."""
TERMINAL_JOB_STATUSES: Final = frozenset({"completed", "failed"})
COURSE_STATUSES: Final = ("PENDING", "PROCESSING", "COMPLETED", "FAILED")
"""A Platform course request's statuses, in order (the Platform spells them in upper case)."""
TERMINAL_COURSE_STATUSES: Final = frozenset({"COMPLETED", "FAILED"})
MODULE_STATUSES: Final = ("processing", "completed", "failed")
FAILED_STATUSES: Final = frozenset({"failed", "FAILED"})


def is_terminal(status: str | None) -> bool:
    """Whether a job, course request or module status is final, in either surface's spelling."""
    return status in TERMINAL_JOB_STATUSES or status in TERMINAL_COURSE_STATUSES


def is_failed(status: str | None) -> bool:
    """Whether a status says the work failed (``failed`` or ``FAILED``)."""
    return status in FAILED_STATUSES


# ---------------------------------------------------------------- types
OUTPUT_TYPES: Final = ("interactive_module", "summary_video", "expanded_quiz")
"""What an expansion can produce; each is also a billing meter."""
OutputType = Literal["interactive_module", "summary_video", "expanded_quiz"]
OUTPUT_RESOURCE: Final = {"interactive_module": "module", "summary_video": "video", "expanded_quiz": "test"}
"""The classroom resource each output becomes."""
RESOURCE_KINDS: Final = ("modules", "courses", "videos", "slides", "tests")
"""The classroom resources of ``/v1/content/classrooms/{classroomId}/{kind}``."""
LESSON_TYPES: Final = (
    "ai-tutor",
    "coding-lesson",
    "coding-test",
    "chat-ai",
    "reading-comprehension",
    "exam",
    "flashcard",
    "markdown",
)
LessonType = Literal[
    "ai-tutor", "coding-lesson", "coding-test", "chat-ai", "reading-comprehension", "exam", "flashcard", "markdown"
]
LEVELS: Final = ("beginner", "intermediate", "advanced")
LEGACY_TIERS: Final = ("basic", "standard", "advanced")
WEBHOOK_EVENTS: Final = ("content.completed", "content.failed")

# ---------------------------------------------------------------- prices and limits
UNIT_PRICE: Final = Decimal("0.05")
"""Dollars per generated lesson, for Platform courses and modules alike."""
CATALOG_SOURCE: Final = "platform_pricing_catalog_v2"
DEFAULT_LESSONS: Final = 5
MAX_LESSONS: Final = 50
"""The hard cap on a course's lessons."""
MAX_RATE_LIMIT: Final = 10_000
"""The most requests per minute a key can be given (the documents set no bound: the mock's choice, ``api-keys``
in ``mock/assumptions.py``); the fewest is 1."""
