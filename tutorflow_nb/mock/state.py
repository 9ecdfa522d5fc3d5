"""The mock's state model: organizations, admin sessions, keys and who may do what.

It knows nothing of HTTP. Routes call its methods with validated request objects
(``schemas``) and turn the returned dicts into JSON, or its ``MockError`` into an error
answer. The surfaces' own behaviour lives beside it: ``content.ContentBackend`` and
``platform.PlatformBackend``, reached as ``state.content`` and ``state.platform``.

    >>> state = MockState(seed=1)
    >>> demo = state.provision_demo()
    >>> state.authenticate("content", demo.content_key).org.name
    'Demo Organization'
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from ..models.requests import ApiKeyCreate, SignIn
from .clock import Clock
from .errors import BadRequest, FieldError, Forbidden, NotFound, Unauthorized
from .faults import FaultInjector, Faults
from .idempotency import IdempotencyStore
from .ratelimit import RateInfo, RateLimiter

__all__ = ["KEY_PREFIXES", "SESSION_COOKIE", "ApiKey", "Demo", "MockState", "Organization", "Principal"]

Surface = Literal["content", "platform"]
KEY_PREFIXES: dict[str, str] = {"content": "tf_content_", "platform": "tf_platform_"}
SESSION_COOKIE = "tutorflow_admin_session"
SESSION_SECONDS = 12 * 3600
DEMO_EMAIL = "admin@demo.tutorflow.test"
DEMO_PASSWORD = "tutorflow-demo"


@dataclass
class Organization:
    id: str
    name: str
    slug: str
    workspace_id: str
    created_at: float

    def view(self, clock: Clock) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "slug": self.slug, "createdAt": clock.iso(self.created_at)}


@dataclass
class Admin:
    id: str
    email: str
    password_sha256: str
    org_ids: list[str]


@dataclass
class ApiKey:
    """A key as the server keeps it: a hash and a prefix, never the key itself."""

    id: str
    org_id: str
    surface: Surface
    name: str
    key_sha256: str
    prefix: str
    rate_limit: int
    created_at: float
    revoked_at: float | None = None
    last_used_at: float | None = None

    def view(self, clock: Clock) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "keyPrefix": self.prefix,
            "rateLimitPerMinute": self.rate_limit,
            "createdAt": clock.iso(self.created_at),
            "lastUsedAt": clock.iso(self.last_used_at) if self.last_used_at else None,
            "revokedAt": clock.iso(self.revoked_at) if self.revoked_at else None,
        }


@dataclass
class Classroom:
    id: str
    org_id: str
    name: str
    created_at: float

    def view(self, clock: Clock) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "organizationId": self.org_id,
            "createdAt": clock.iso(self.created_at),
        }


@dataclass
class Principal:
    """Who is calling: the key (never its secret) and its organization."""

    key: ApiKey
    org: Organization
    rate: RateInfo | None = None


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


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class MockState:
    """Everything the mock knows. Thread-safe: one re-entrant lock guards every change."""

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        web_base_url: str = "https://tutorflow.io",
    ) -> None:
        from .content import ContentBackend
        from .platform import PlatformBackend
        from .webhooks import WebhookOutbox

        self.seed = seed
        self.lock = threading.RLock()
        self.clock = Clock(speed)
        self.faults = FaultInjector(faults, seed)
        self.rate = RateLimiter(self.clock)
        self.idempotency = IdempotencyStore()
        self.web_base_url = web_base_url.rstrip("/")
        self.webhooks = WebhookOutbox(self)
        self.content = ContentBackend(self)
        self.platform = PlatformBackend(self)
        self.reset()

    check_idempotency_key = staticmethod(IdempotencyStore.check_key)

    # ------------------------------------------------------------ bookkeeping

    def reset(self) -> None:
        """Forget everything (the clock, speed and faults stay as they are)."""
        with self.lock:
            self._rng = random.Random(self.seed)
            self.orgs: dict[str, Organization] = {}
            self.admins: dict[str, Admin] = {}
            self.sessions: dict[str, tuple[str, float]] = {}
            self.keys: dict[str, ApiKey] = {}
            self.keys_by_hash: dict[str, str] = {}
            self.classrooms: dict[str, Classroom] = {}
            self.rate.reset()
            self.idempotency.reset()
            self.webhooks.reset()
            self.content.reset()
            self.platform.reset()

    def new_id(self) -> str:
        with self.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_token(self, nbytes: int = 20) -> str:
        return secrets.token_hex(nbytes)

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "organizations": len(self.orgs),
                "apiKeys": len(self.keys),
                "classrooms": len(self.classrooms),
                **self.content.counts(),
                **self.platform.counts(),
            }

    # ------------------------------------------------------------ organizations and admins

    def create_organization(
        self,
        name: str,
        *,
        admin_email: str,
        admin_password: str,
        classroom_names: tuple[str, ...] = ("Demo Classroom",),
    ) -> Organization:
        with self.lock:
            org = Organization(self.new_id(), name, name.lower().replace(" ", "-"), self.new_id(), self.clock.now())
            self.orgs[org.id] = org
            admin = next((a for a in self.admins.values() if a.email == admin_email), None)
            if admin is None:
                admin = Admin(self.new_id(), admin_email, _sha(admin_password), [])
                self.admins[admin.id] = admin
            admin.org_ids.append(org.id)
            for cname in classroom_names:
                self.add_classroom(org.id, cname)
            return org

    def add_classroom(self, org_id: str, name: str) -> Classroom:
        with self.lock:
            room = Classroom(self.new_id(), org_id, name, self.clock.now())
            self.classrooms[room.id] = room
            return room

    def sign_in(self, body: SignIn) -> tuple[str, dict[str, Any]]:
        """Check an admin's credentials; returns (session token, the admin's view)."""
        with self.lock:
            admin = next((a for a in self.admins.values() if a.email == body.email.lower()), None)
            if admin is None or not secrets.compare_digest(admin.password_sha256, _sha(body.password)):
                raise Unauthorized("email or password is wrong", code="invalid_credentials")
            token = self.new_token(32)
            self.sessions[token] = (admin.id, self.clock.now() + SESSION_SECONDS)
            return token, {"id": admin.id, "email": admin.email, "organizationIds": list(admin.org_ids)}

    def sign_out(self, token: str | None) -> None:
        with self.lock:
            self.sessions.pop(token or "", None)

    def admin_for(self, token: str | None) -> Admin:
        """The admin behind a session cookie, or 401."""
        with self.lock:
            found = self.sessions.get(token or "")
            if found is None or found[1] <= self.clock.now():
                raise Unauthorized(
                    f"admin session required: sign in and send the '{SESSION_COOKIE}' cookie "
                    "(curl -b tutorflow-admin.cookies)",
                    code="admin_session_required",
                )
            return self.admins[found[0]]

    def admin_org(self, admin: Admin, org_id: str) -> Organization:
        with self.lock:
            if org_id not in admin.org_ids or org_id not in self.orgs:
                raise NotFound(
                    f"organization '{org_id}' not found for this admin; list yours with GET /v1/content/organizations",
                    code="organization_not_found",
                )
            return self.orgs[org_id]

    def organizations(self, admin: Admin) -> list[dict[str, Any]]:
        with self.lock:
            return [self.orgs[o].view(self.clock) for o in admin.org_ids if o in self.orgs]

    # ------------------------------------------------------------ keys

    def create_key(self, org_id: str, body: ApiKeyCreate, surface: Surface = "content") -> tuple[ApiKey, str]:
        """A new key; the full secret is returned once and only its hash is kept."""
        with self.lock:
            random_part = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
            full = KEY_PREFIXES[surface] + random_part
            key = ApiKey(
                self.new_id(),
                org_id,
                surface,
                body.name,
                _sha(full),
                KEY_PREFIXES[surface] + random_part[:8],
                body.rateLimitPerMinute,
                self.clock.now(),
            )
            self.keys[key.id] = key
            self.keys_by_hash[key.key_sha256] = key.id
            return key, full

    def key_in_org(self, org_id: str, key_id: str) -> ApiKey:
        with self.lock:
            key = self.keys.get(key_id)
            if key is None or key.org_id != org_id or key.surface != "content":
                raise NotFound(f"API key '{key_id}' not found in this organization", code="api_key_not_found")
            return key

    def list_keys(self, org_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [k.view(self.clock) for k in self.keys.values() if k.org_id == org_id and k.surface == "content"]

    def rotate_key(self, org_id: str, key_id: str) -> tuple[ApiKey, str]:
        """Revoke a key and issue its successor with the same name and limit."""
        with self.lock:
            old = self.key_in_org(org_id, key_id)
            if old.revoked_at is not None:
                raise BadRequest("this key is revoked; create a new key instead", code="api_key_revoked")
            old.revoked_at = self.clock.now()
            return self.create_key(org_id, ApiKeyCreate(name=old.name, rateLimitPerMinute=old.rate_limit))

    def revoke_key(self, org_id: str, key_id: str) -> ApiKey:
        with self.lock:
            key = self.key_in_org(org_id, key_id)
            key.revoked_at = key.revoked_at or self.clock.now()
            return key

    def authenticate(self, surface: Surface, bearer: str | None) -> Principal:
        """The principal behind ``Authorization: Bearer``; counts the request against the key.

        401 for a missing, unknown or revoked key; 403 for the other surface's key;
        429 past the key's ``rateLimitPerMinute``.
        """
        if not bearer:
            raise Unauthorized(
                f"missing API key: send 'Authorization: Bearer {KEY_PREFIXES[surface]}…'", code="missing_api_key"
            )
        other = "platform" if surface == "content" else "content"
        if bearer.startswith(KEY_PREFIXES[other]):
            raise Forbidden(
                f"a {KEY_PREFIXES[other]} key cannot call /v1/{surface}/**: the surfaces never mix. "
                f"Use a {KEY_PREFIXES[surface]} key here.",
                code="wrong_api_surface",
            )
        with self.lock:
            key = self.keys.get(self.keys_by_hash.get(_sha(bearer), ""))
            if key is None or key.revoked_at is not None or key.surface != surface:
                raise Unauthorized(
                    "API key is unknown or revoked; create or rotate a key with the admin session",
                    code="invalid_api_key",
                )
            key.last_used_at = self.clock.now()
            org = self.orgs[key.org_id]
        rate = self.rate.charge(key.id, key.rate_limit)
        return Principal(key, org, rate)

    # ------------------------------------------------------------ classrooms

    def classroom(self, org_id: str, classroom_id: str) -> Classroom:
        with self.lock:
            room = self.classrooms.get(classroom_id)
            if room is None or room.org_id != org_id:
                raise NotFound(
                    f"classroom '{classroom_id}' not found; list yours with GET /v1/content/classrooms",
                    code="classroom_not_found",
                )
            return room

    def list_classrooms(self, org_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c.view(self.clock) for c in self.classrooms.values() if c.org_id == org_id]

    def default_classroom(self, org_id: str) -> Classroom:
        with self.lock:
            room = next((c for c in self.classrooms.values() if c.org_id == org_id), None)
            if room is None:
                raise BadRequest("this organization has no classroom; send classroomId", code="classroom_required")
            return room

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
        with self.lock:
            org = self.create_organization(name, admin_email=email, admin_password=password)
            token, _ = self.sign_in(SignIn(email=email, password=password))
            ckey, content = self.create_key(org.id, ApiKeyCreate(name="demo-content", rateLimitPerMinute=rate_limit))
            pkey, platform = self.create_key(
                org.id, ApiKeyCreate(name="demo-platform", rateLimitPerMinute=rate_limit), surface="platform"
            )
            room = self.default_classroom(org.id)
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
