"""``MockState``: the mock's backends, composed over one shared ``Context``.

It knows nothing of HTTP, and holds no behaviour of its own. Routes call the backends'
methods with validated request objects (``tutorflow_nb.models.requests``) and turn the
returned dicts into JSON, or a ``MockError`` into an error answer. The map:

- ``context.Context``: the lock, clock, ids, faults, idempotency records, seed and web address;
- ``accounts.AccountsBackend``: organizations, admin sessions, keys, classrooms, who may call;
- ``content.ContentBackend``: expansion jobs, exports, classroom resources (``state.content``);
- ``platform.PlatformBackend``: Platform courses, edit tokens, modules (``state.platform``);
- ``webhooks.WebhookOutbox``: subscriptions and deliveries (``state.webhooks``), told of every
  finished job by the content backend's ``on_job_finished`` callback.

The accounts methods the routes call (``authenticate``, ``sign_in``, ``classroom``, …) are
reached on the state itself, which delegates them.

    >>> state = MockState(seed=1)
    >>> demo = state.provision_demo()
    >>> state.authenticate("content", demo.content_key).org.name
    'Demo Organization'
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from typing import Any

from ..models.requests import ApiKeyCreate, SignIn
from .accounts import (
    KEY_PREFIXES,
    SESSION_COOKIE,
    SESSION_SECONDS,
    AccountsBackend,
    Admin,
    ApiKey,
    Classroom,
    Organization,
    Principal,
    Surface,
)
from .clock import Clock
from .content import ContentBackend
from .context import Context
from .dialects import Dialect
from .errors import BadRequest, FieldError
from .faults import FaultInjector, Faults
from .idempotency import IdempotencyStore
from .platform import PlatformBackend
from .ratelimit import RateLimiter
from .webhooks import WebhookOutbox

__all__ = [
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "KEY_PREFIXES",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "Admin",
    "ApiKey",
    "Classroom",
    "Demo",
    "MockState",
    "Organization",
    "Principal",
    "paginate",
]

DEMO_EMAIL = "admin@demo.tutorflow.test"
DEMO_PASSWORD = "tutorflow-demo"


@dataclass
class Demo:
    """Credentials of a provisioned organization. Holds full keys: never print it whole."""

    organization_id: str
    classroom_id: str
    admin_email: str
    admin_password: str = field(repr=False)
    session_token: str = field(repr=False)
    content_key: str = field(repr=False)
    platform_key: str = field(repr=False)
    content_key_prefix: str = ""
    platform_key_prefix: str = ""

    def variables(self, base_url: str) -> dict[str, str]:
        """The runbook's ``TUTORFLOW_*`` variables naming this organization on the mock at ``base_url``."""
        return {
            "TUTORFLOW_API_BASE_URL": base_url,
            "TUTORFLOW_CONTENT_API_KEY": self.content_key,
            "TUTORFLOW_PLATFORM_API_KEY": self.platform_key,
            "TUTORFLOW_CLASSROOM_ID": self.classroom_id,
        }


class MockState:
    """Everything the mock knows: the backends over one ``Context``.

    Thread-safe: the context's re-entrant lock guards every change of every backend.
    Builds the backends, resets and counts them, and provisions demo organizations;
    the accounts methods and the context's parts are reached here too (delegated).
    ``dialect`` is how the HTTP layer answers where the documents are silent
    (``dialects.Dialect``: ``"nested-errors,bare-lists"``, a list of names, or ``None``);
    the backends never read it.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        web_base_url: str = "https://tutorflow.io",
        dialect: str | list[str] | Dialect | None = None,
    ) -> None:
        self._dialect = Dialect.parse(dialect)  # first: a bad name is refused before anything is built
        self.ctx = Context(seed=seed, speed=speed, faults=faults, web_base_url=web_base_url)
        self.accounts = AccountsBackend(self.ctx)
        self.webhooks = WebhookOutbox(self.ctx)
        self.content = ContentBackend(self.ctx, self.accounts, on_job_finished=self.webhooks.job_finished)
        self.platform = PlatformBackend(self.ctx, self.accounts)

    check_idempotency_key = staticmethod(IdempotencyStore.check_key)

    # ------------------------------------------------------------ bookkeeping

    @property
    def dialect(self) -> Dialect:
        """The dialects in force (``dialects.Dialect``); set a string, a list of names or a ``Dialect``."""
        return self._dialect

    @dialect.setter
    def dialect(self, value: str | list[str] | Dialect | None) -> None:
        self._dialect = Dialect.parse(value)  # one assignment: a request sees the old or the new, whole

    def reset(self) -> None:
        """Forget everything (the clock, speed, faults and dialect stay as they are)."""
        with self.lock:
            self.ctx.reset()
            self.accounts.reset()
            self.webhooks.reset()
            self.content.reset()
            self.platform.reset()

    def counts(self) -> dict[str, int]:
        """How many of each thing exist (``GET /_mock/state``)."""
        with self.lock:
            return {**self.accounts.counts(), **self.content.counts(), **self.platform.counts()}

    # ------------------------------------------------------------ the shared context

    @property
    def seed(self) -> int:
        return self.ctx.seed

    @property
    def lock(self) -> threading.RLock:
        """The re-entrant lock that guards every change."""
        return self.ctx.lock

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def faults(self) -> FaultInjector:
        return self.ctx.faults

    @property
    def idempotency(self) -> IdempotencyStore:
        return self.ctx.idempotency

    @property
    def web_base_url(self) -> str:
        return self.ctx.web_base_url

    def new_id(self) -> str:
        return self.ctx.new_id()

    def new_token(self, nbytes: int = 20) -> str:
        return self.ctx.new_token(nbytes)

    # ------------------------------------------------------------ accounts, delegated

    @property
    def rate(self) -> RateLimiter:
        return self.accounts.rate

    @property
    def orgs(self) -> dict[str, Organization]:
        return self.accounts.orgs

    @property
    def admins(self) -> dict[str, Admin]:
        return self.accounts.admins

    @property
    def sessions(self) -> dict[str, tuple[str, float]]:
        return self.accounts.sessions

    @property
    def keys(self) -> dict[str, ApiKey]:
        return self.accounts.keys

    @property
    def keys_by_hash(self) -> dict[str, str]:
        return self.accounts.keys_by_hash

    @property
    def classrooms(self) -> dict[str, Classroom]:
        return self.accounts.classrooms

    def create_organization(
        self,
        name: str,
        *,
        admin_email: str,
        admin_password: str,
        classroom_names: tuple[str, ...] = ("Demo Classroom",),
    ) -> Organization:
        return self.accounts.create_organization(
            name, admin_email=admin_email, admin_password=admin_password, classroom_names=classroom_names
        )

    def add_classroom(self, org_id: str, name: str) -> Classroom:
        return self.accounts.add_classroom(org_id, name)

    def sign_in(self, body: SignIn) -> tuple[str, dict[str, Any]]:
        return self.accounts.sign_in(body)

    def sign_out(self, token: str | None) -> None:
        self.accounts.sign_out(token)

    def admin_for(self, token: str | None) -> Admin:
        return self.accounts.admin_for(token)

    def admin_org(self, admin: Admin, org_id: str) -> Organization:
        return self.accounts.admin_org(admin, org_id)

    def organizations(self, admin: Admin) -> list[dict[str, Any]]:
        return self.accounts.organizations(admin)

    def create_key(self, org_id: str, body: ApiKeyCreate, surface: Surface = "content") -> tuple[ApiKey, str]:
        return self.accounts.create_key(org_id, body, surface)

    def key_in_org(self, org_id: str, key_id: str) -> ApiKey:
        return self.accounts.key_in_org(org_id, key_id)

    def list_keys(self, org_id: str) -> list[dict[str, Any]]:
        return self.accounts.list_keys(org_id)

    def rotate_key(self, org_id: str, key_id: str) -> tuple[ApiKey, str]:
        return self.accounts.rotate_key(org_id, key_id)

    def revoke_key(self, org_id: str, key_id: str) -> ApiKey:
        return self.accounts.revoke_key(org_id, key_id)

    def authenticate(self, surface: Surface, bearer: str | None) -> Principal:
        return self.accounts.authenticate(surface, bearer)

    def classroom(self, org_id: str, classroom_id: str) -> Classroom:
        return self.accounts.classroom(org_id, classroom_id)

    def list_classrooms(self, org_id: str) -> list[dict[str, Any]]:
        return self.accounts.list_classrooms(org_id)

    def default_classroom(self, org_id: str) -> Classroom:
        return self.accounts.default_classroom(org_id)

    # ------------------------------------------------------------ demo

    def provision_demo(
        self,
        name: str = "Demo Organization",
        *,
        email: str = DEMO_EMAIL,
        password: str = DEMO_PASSWORD,
        rate_limit: int = 60,
        ui_lessons: int = 3,
    ) -> Demo:
        """An organization with an admin session, a content and a platform key, a classroom
        and a few lessons authored "in the UI" (modules that can be exported)."""
        accounts = self.accounts
        with self.lock:
            org = accounts.create_organization(name, admin_email=email, admin_password=password)
            token, _ = accounts.sign_in(SignIn(email=email, password=password))
            ckey, content = accounts.create_key(
                org.id, ApiKeyCreate(name="demo-content", rateLimitPerMinute=rate_limit)
            )
            pkey, platform = accounts.create_key(
                org.id, ApiKeyCreate(name="demo-platform", rateLimitPerMinute=rate_limit), surface="platform"
            )
            room = accounts.default_classroom(org.id)
            self.content.seed_ui_lessons(org.id, room.id, ui_lessons)
            return Demo(org.id, room.id, email, password, token, content, platform, ckey.prefix, pkey.prefix)


def paginate(items: list[dict[str, Any]], limit: int | None, cursor: str | None) -> dict[str, Any]:
    """``{"data": [...], "nextCursor": str | None}``: the list shape every list route answers."""
    limit = 20 if limit is None else limit
    if not 1 <= limit <= 100:
        raise BadRequest("limit must be between 1 and 100", fields=[FieldError("limit", "must be between 1 and 100")])
    start = 0
    if cursor:
        try:
            start = int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("o:"))
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(
                "cursor is not one this API returned; pass nextCursor unchanged",
                fields=[FieldError("cursor", "pass nextCursor unchanged")],
            ) from None
    page = items[start : start + limit]
    end = start + len(page)
    next_cursor = base64.urlsafe_b64encode(f"o:{end}".encode()).decode() if end < len(items) else None
    return {"data": page, "nextCursor": next_cursor}
