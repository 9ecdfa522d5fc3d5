"""Content Integration shapes: organizations, keys, classrooms, expansion jobs and results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from ..keys import ApiKey
from ..redaction import remember
from .base import Model
from .constants import TERMINAL_JOB_STATUSES

__all__ = [
    "TERMINAL_JOB_STATUSES",
    "ApiKeyInfo",
    "Classroom",
    "CreatedApiKey",
    "DeleteResult",
    "ExpansionJob",
    "ExpansionResult",
    "Manifest",
    "Organization",
    "Output",
    "Resource",
    "WebhookSubscription",
]


class Organization(Model):
    id: str
    name: str | None = None
    slug: str | None = None
    created_at: datetime | None = None


class ApiKeyInfo(Model):
    """A key as later reads show it: the prefix, never the key."""

    id: str
    name: str | None = None
    key_prefix: str
    rate_limit_per_minute: int | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class CreatedApiKey(ApiKeyInfo):
    """The answer to a key creation or rotation: ``key`` is an :class:`ApiKey` that prints its prefix."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    key: ApiKey
    rotated_from_id: str | None = None

    @field_validator("key", mode="before")
    @classmethod
    def _wrap(cls, value: Any) -> ApiKey:
        return value if isinstance(value, ApiKey) else ApiKey(value, "content")


class Classroom(Model):
    id: str
    name: str | None = None
    organization_id: str | None = None
    created_at: datetime | None = None


class ExpansionJob(Model):
    id: str
    status: str
    source_type: str | None = None
    requested_outputs: list[str] = Field(default_factory=list)
    classroom_id: str | None = None
    idempotency_key: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error: dict[str, Any] | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES


class Manifest(Model):
    title: str | None = None
    urls: dict[str, str] = Field(default_factory=dict)


class Output(Model):
    output_type: str
    status: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    manifest: Manifest | dict[str, Any] = Field(default_factory=dict)


class ExpansionResult(Model):
    job: ExpansionJob
    outputs: list[Output] = Field(default_factory=list)


class Resource(Model):
    """A classroom module, course, video, slide deck or test; the kind's own fields are kept as extras."""

    id: str
    classroom_id: str | None = None
    title: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class DeleteResult(Model):
    """What a delete answered; the shape differs by resource (a slide deck answers nothing)."""

    id: str | None = None
    status_code: int | None = None


class WebhookSubscription(Model):
    id: str
    url: str
    events: list[str]
    description: str | None = None
    created_at: datetime | None = None
    secret: str | None = None

    def model_post_init(self, context: Any, /) -> None:
        remember(self.secret)  # the signing secret: shown once, redacted everywhere after

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, ("whsec_…" if name == "secret" and value else value)
