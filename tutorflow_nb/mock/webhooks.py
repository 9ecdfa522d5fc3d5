"""Webhook subscriptions and deliveries (``content.completed``, ``content.failed``).

When a job settles, one delivery per matching subscription is queued here. The app's
ticker sends due deliveries as signed POSTs (``tutorflow_nb.signing``) and records every
attempt; a failed attempt is retried after 1, 5 and 25 mock seconds, then given up.
``GET /_mock/webhooks/deliveries`` lists them all.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass, field
from typing import Any

from ..models.constants import WEBHOOK_EVENTS, is_failed
from ..models.requests import WebhookCreate
from ..signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from .content import Job
from .context import Context
from .errors import NotFound

__all__ = ["RETRY_DELAYS", "Delivery", "WebhookOutbox"]

RETRY_DELAYS = (1.0, 5.0, 25.0)
COMPLETED_EVENT, FAILED_EVENT = WEBHOOK_EVENTS


@dataclass
class Subscription:
    id: str
    org_id: str
    url: str
    events: list[str]
    description: str | None
    secret: str
    created_at: float


@dataclass
class Delivery:
    id: str
    subscription_id: str
    url: str
    event: str
    body: bytes
    secret: str = field(repr=False)
    due_at: float = 0.0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    state: str = "pending"  # pending, delivered, failed

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subscriptionId": self.subscription_id,
            "url": self.url,
            "event": self.event,
            "state": self.state,
            "attempts": list(self.attempts),
            "payload": json.loads(self.body),
        }


class WebhookOutbox:
    """Subscriptions per organization, and every delivery with its attempts.

    The content backend calls :meth:`job_finished` (its ``on_job_finished``) when a job settles.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.reset()

    def reset(self) -> None:
        """Forget every subscription and delivery."""
        with self.ctx.lock:
            self.subscriptions: dict[str, Subscription] = {}
            self.deliveries: list[Delivery] = []

    # ------------------------------------------------------------ subscriptions (admin)

    def _view(self, sub: Subscription) -> dict[str, Any]:
        return {
            "id": sub.id,
            "url": sub.url,
            "events": list(sub.events),
            "description": sub.description,
            "createdAt": self.ctx.clock.iso(sub.created_at),
        }

    def subscribe(self, org_id: str, body: WebhookCreate) -> dict[str, Any]:
        """A new subscription; its signing ``secret`` is in this answer only."""
        ctx = self.ctx
        with ctx.lock:
            sub = Subscription(
                ctx.new_id(),
                org_id,
                body.url,
                list(body.events),
                body.description,
                "whsec_" + ctx.new_token(24),
                ctx.clock.now(),
            )
            self.subscriptions[sub.id] = sub
            return {**self._view(sub), "secret": sub.secret}

    def list(self, org_id: str) -> builtins.list[dict[str, Any]]:
        """The organization's subscriptions (without their secrets)."""
        with self.ctx.lock:
            return [self._view(s) for s in self.subscriptions.values() if s.org_id == org_id]

    def unsubscribe(self, org_id: str, sub_id: str) -> dict[str, Any]:
        """Delete a subscription of the organization, or 404."""
        with self.ctx.lock:
            sub = self.subscriptions.get(sub_id)
            if sub is None or sub.org_id != org_id:
                raise NotFound(f"webhook '{sub_id}' not found", code="webhook_not_found")
            del self.subscriptions[sub_id]
            return {"id": sub_id, "deleted": True}

    # ------------------------------------------------------------ deliveries

    def job_finished(self, job: Job) -> None:
        """Queue one ``content.completed``/``content.failed`` delivery per matching subscription.

        Only expansions are announced; exports are born finished and announce nothing.
        """
        ctx = self.ctx
        if job.origin != "expansion":
            return
        status = job.outcome
        event = FAILED_EVENT if is_failed(status) else COMPLETED_EVENT
        for sub in self.subscriptions.values():
            if sub.org_id != job.org_id or event not in sub.events:
                continue
            delivery_id = ctx.new_id()
            payload = {
                "id": delivery_id,
                "type": event,
                "createdAt": ctx.clock.iso(),
                "data": {
                    "jobId": job.id,
                    "status": status,
                    "sourceType": job.source_type,
                    "requestedOutputs": list(job.requested_outputs),
                    "completedAt": ctx.clock.iso(job.ends_at),
                    "classroomId": job.classroom_id,
                },
            }
            body = json.dumps(payload, separators=(",", ":")).encode()
            self.deliveries.append(
                Delivery(delivery_id, sub.id, sub.url, event, body, sub.secret, due_at=ctx.clock.now())
            )

    def due(self) -> builtins.list[Delivery]:
        """The pending deliveries whose time has come (the app's ticker sends them)."""
        now = self.ctx.clock.now()
        with self.ctx.lock:
            return [d for d in self.deliveries if d.state == "pending" and d.due_at <= now]

    def request(self, delivery: Delivery) -> tuple[str, bytes, dict[str, str]]:
        """(url, body, headers) of the next attempt, freshly signed."""
        return (
            delivery.url,
            delivery.body,
            {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(delivery.body, delivery.secret),
                DELIVERY_HEADER: delivery.id,
                EVENT_HEADER: delivery.event,
            },
        )

    def record(self, delivery: Delivery, status_code: int | None, error: str | None = None) -> None:
        """Record an attempt: a 2xx delivers; anything else is retried after ``RETRY_DELAYS``, then failed."""
        ctx = self.ctx
        with ctx.lock:
            delivery.attempts.append({"at": ctx.clock.iso(), "statusCode": status_code, "error": error})
            if status_code is not None and 200 <= status_code < 300:
                delivery.state = "delivered"
            elif len(delivery.attempts) > len(RETRY_DELAYS):
                delivery.state = "failed"
            else:
                delivery.due_at = ctx.clock.now() + RETRY_DELAYS[len(delivery.attempts) - 1]

    def views(self) -> builtins.list[dict[str, Any]]:
        """Every delivery with its attempts, oldest first (``GET /_mock/webhooks/deliveries``)."""
        with self.ctx.lock:
            return [d.view() for d in self.deliveries]
