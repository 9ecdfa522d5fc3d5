"""Content Integration shapes: organizations, keys, classrooms, expansion jobs and results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from ..display import Card, Link, Value, short
from ..keys import ApiKey
from ..redaction import remember
from .base import Model, when
from .constants import TERMINAL_JOB_STATUSES, state_of, tone_of

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

    def card(self) -> Card:
        return Card(f"Organization {self.name or short(self.id)}", rows=[("id", self.id), ("slug", self.slug)])


class ApiKeyInfo(Model):
    """A key as later reads show it: the prefix, never the key."""

    id: str
    name: str | None = None
    key_prefix: str
    rate_limit_per_minute: int | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def card(self) -> Card:
        return Card(
            f"API key {self.name or short(self.id)}",
            "revoked" if self.revoked_at else "active",
            [
                ("key", f"{self.key_prefix}…"),
                ("id", self.id),
                ("per minute", str(self.rate_limit_per_minute) if self.rate_limit_per_minute else None),
                ("last used", when(self.last_used_at)),
                ("revoked", when(self.revoked_at)),
            ],
        )


class CreatedApiKey(ApiKeyInfo):
    """The answer to a key creation or rotation: ``key`` is an :class:`ApiKey` that prints its prefix."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    key: ApiKey
    rotated_from_id: str | None = None

    @field_validator("key", mode="before")
    @classmethod
    def _wrap(cls, value: Any) -> ApiKey:
        return value if isinstance(value, ApiKey) else ApiKey(value, "content")

    def card(self) -> Card:
        card = super().card()
        card.note = "the full key is in .key (it prints its prefix); it is shown once: store it now"
        return card


class Classroom(Model):
    id: str
    name: str | None = None
    organization_id: str | None = None
    created_at: datetime | None = None

    def card(self) -> Card:
        return Card(
            f"Classroom {self.name or short(self.id)}",
            rows=[("id", self.id), ("organization", self.organization_id)],
        )


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

    @property
    def state(self) -> str:
        """The status in the one spelling batches, the store, frames and cards use (``models.constants.state_of``)."""
        return state_of(self.status)

    def card(self) -> Card:
        error = self.error or {}
        return Card(
            f"Expansion job {short(self.id)}",
            self.state,
            [
                ("job id", self.id),
                ("source type", self.source_type),
                ("outputs", ", ".join(self.requested_outputs) or None),
                ("classroom", self.classroom_id),
                ("Idempotency-Key", self.idempotency_key),
                ("created", when(self.created_at)),
                ("completed", when(self.completed_at)),
                ("error", f"{error.get('code')}: {error.get('message')}" if error else None),
            ],
            tone=tone_of(self.status),
        )


class Manifest(Model):
    title: str | None = None
    urls: dict[str, str] = Field(default_factory=dict)


class Output(Model):
    output_type: str
    status: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    manifest: Manifest | dict[str, Any] = Field(default_factory=dict)

    @property
    def title(self) -> str | None:
        return self.manifest.title if isinstance(self.manifest, Manifest) else self.manifest.get("title")

    @property
    def public_url(self) -> str | None:
        urls = self.manifest.urls if isinstance(self.manifest, Manifest) else self.manifest.get("urls") or {}
        url = urls.get("publicUrl")
        return str(url) if url else None

    def row(self) -> list[Value]:
        url = self.public_url
        return [
            self.output_type,
            self.status,
            self.resource_type,
            self.resource_id,
            self.title,
            Link(url, "open") if url else None,
        ]

    def card(self) -> Card:
        return Card(
            f"Output {self.output_type}",
            self.status,
            [
                ("resource", f"{self.resource_type} {self.resource_id}"),
                ("title", self.title),
                ("public", Link(self.public_url, self.public_url) if self.public_url else None),
            ],
            tone=tone_of(self.status),
        )


class ExpansionResult(Model):
    job: ExpansionJob
    outputs: list[Output] = Field(default_factory=list)

    def card(self) -> Card:
        return Card(
            f"Expansion result {short(self.job.id)}",
            self.job.state,
            [("job id", self.job.id), ("source type", self.job.source_type), ("classroom", self.job.classroom_id)],
            table=(["output", "status", "resource", "id", "title", "link"], [o.row() for o in self.outputs]),
            tone=tone_of(self.job.status),
        )


class Resource(Model):
    """A classroom module, course, video, slide deck or test; the kind's own fields are kept as extras."""

    id: str
    classroom_id: str | None = None
    title: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def card(self) -> Card:
        external = (self.metadata or {}).get("externalId")
        return Card(
            f"{self.title or 'Resource'}",
            rows=[
                ("id", self.id),
                ("classroom", self.classroom_id),
                ("external id", external),
                ("updated", when(self.updated_at)),
            ],
        )


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

    def card(self) -> Card:
        return Card(
            f"Webhook {short(self.id)}",
            rows=[
                ("url", self.url),
                ("events", ", ".join(self.events)),
                ("secret", "whsec_… (in .secret; shown once)" if self.secret else None),
            ],
        )
