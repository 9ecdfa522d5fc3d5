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
    "FINAL_STATUSES",
    "FINISHED_STATES",
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
    "STATES",
    "TERMINAL_COURSE_STATUSES",
    "TERMINAL_JOB_STATUSES",
    "UNIT_PRICE",
    "WEBHOOK_EVENTS",
    "LessonType",
    "OutputType",
    "State",
    "Tone",
    "is_failed",
    "is_terminal",
    "state_of",
    "tone_of",
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


State = Literal["pending", "queued", "processing", "completed", "failed", "error"]
"""Where a piece of work stands, in one spelling for both surfaces (what batches, the store, frames, the monitor
and cards show): ``pending`` until the server has accepted it, then the server's status in lower case (the
Platform's ``PENDING`` is ``queued``), or ``error`` when it could not be done (refused, or given up)."""
STATES: Final = ("pending", "queued", "processing", "completed", "failed", "error")
FINISHED_STATES: Final = TERMINAL_JOB_STATUSES
"""The states of work the server has finished (its result can be fetched): ``completed`` and ``failed``."""
FINAL_STATUSES: Final = FINISHED_STATES | {"error"}
"""The states a batch item ends in: finished on the server, or ``error``."""
_SPELLINGS: Final = {"PENDING": "queued"}
"""The server spellings that are not simply the state in upper case."""


def state_of(status: str | None) -> str:
    """A server's status in the one spelling used after an answer is parsed.

    Lower case, with the Platform's ``PENDING`` as ``queued``; a status the documents do not
    name is kept, in lower case; no status at all is ``pending``.

        >>> state_of("PROCESSING"), state_of("PENDING"), state_of("queued"), state_of(None)
        ('processing', 'queued', 'queued', 'pending')
    """
    if not status:
        return "pending"
    return _SPELLINGS.get(status, status.lower())


Tone = Literal["good", "bad", "busy", "idle"]
_TONES: Final[dict[str, Tone]] = {
    "completed": "good",
    "failed": "bad",
    "error": "bad",
    "processing": "busy",
}


def tone_of(status: str | None) -> Tone:
    """How a status looks on a card's chip: ``good`` (done), ``bad`` (failed), ``busy`` (working) or ``idle``.

    >>> tone_of("COMPLETED"), tone_of("error"), tone_of("PENDING"), tone_of("deleted")
    ('good', 'bad', 'idle', 'idle')
    """
    return _TONES.get(state_of(status), "idle")


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
