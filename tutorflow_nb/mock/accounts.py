"""Who may call: organizations, admins and their sessions, API keys, classrooms.

``AccountsBackend`` owns them and answers the two questions every other backend asks:
who is behind a bearer key (:meth:`AccountsBackend.authenticate`) and which classroom
a request means (:meth:`AccountsBackend.classroom`, :meth:`AccountsBackend.default_classroom`).
Keys are kept as a hash and a prefix, never whole.

    >>> from tutorflow_nb.models.requests import ApiKeyCreate
    >>> accounts = AccountsBackend(Context())
    >>> org = accounts.create_organization("Acme", admin_email="a@acme.test", admin_password="pw")
    >>> key, full = accounts.create_key(org.id, ApiKeyCreate(name="ci"))
    >>> accounts.authenticate("content", full).org.name
    'Acme'
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from ..keys import PREFIXES, key_prefix
from ..models.requests import ApiKeyCreate, SignIn
from .clock import Clock
from .context import Context
from .errors import BadRequest, Forbidden, NotFound, Unauthorized
from .ratelimit import RateInfo, RateLimiter

__all__ = [
    "KEY_PREFIXES",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "AccountsBackend",
    "Admin",
    "ApiKey",
    "Classroom",
    "Organization",
    "Principal",
    "Surface",
]

Surface = Literal["content", "platform"]
KEY_PREFIXES: dict[str, str] = PREFIXES
"""``tf_content_`` and ``tf_platform_``: the surface a key belongs to, read from its start."""
SESSION_COOKIE = "tutorflow_admin_session"
SESSION_SECONDS = 12 * 3600
_KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


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


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class AccountsBackend:
    """Organizations, admins, admin sessions, API keys (with their rate limits) and classrooms."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rate = RateLimiter(ctx.clock)
        self.reset()

    def reset(self) -> None:
        """Forget every organization, admin, session, key, classroom and rate window."""
        with self.ctx.lock:
            self.orgs: dict[str, Organization] = {}
            self.admins: dict[str, Admin] = {}
            self.sessions: dict[str, tuple[str, float]] = {}  # token -> (admin id, expires at)
            self.keys: dict[str, ApiKey] = {}
            self.keys_by_hash: dict[str, str] = {}
            self.classrooms: dict[str, Classroom] = {}
            self.rate.reset()

    def counts(self) -> dict[str, int]:
        with self.ctx.lock:
            return {"organizations": len(self.orgs), "apiKeys": len(self.keys), "classrooms": len(self.classrooms)}

    # ------------------------------------------------------------ organizations and admins

    def create_organization(
        self,
        name: str,
        *,
        admin_email: str,
        admin_password: str,
        classroom_names: tuple[str, ...] = ("Demo Classroom",),
    ) -> Organization:
        """A new organization with its classrooms; the admin is created, or joins it if the email exists."""
        ctx = self.ctx
        with ctx.lock:
            org = Organization(ctx.new_id(), name, name.lower().replace(" ", "-"), ctx.new_id(), ctx.clock.now())
            self.orgs[org.id] = org
            admin = next((a for a in self.admins.values() if a.email == admin_email), None)
            if admin is None:
                admin = Admin(ctx.new_id(), admin_email, _sha(admin_password), [])
                self.admins[admin.id] = admin
            admin.org_ids.append(org.id)
            for cname in classroom_names:
                self.add_classroom(org.id, cname)
            return org

    def add_classroom(self, org_id: str, name: str) -> Classroom:
        with self.ctx.lock:
            room = Classroom(self.ctx.new_id(), org_id, name, self.ctx.clock.now())
            self.classrooms[room.id] = room
            return room

    def sign_in(self, body: SignIn) -> tuple[str, dict[str, Any]]:
        """Check an admin's credentials; returns (session token, the admin's view)."""
        ctx = self.ctx
        with ctx.lock:
            admin = next((a for a in self.admins.values() if a.email == body.email.lower()), None)
            if admin is None or not secrets.compare_digest(admin.password_sha256, _sha(body.password)):
                raise Unauthorized("email or password is wrong", code="invalid_credentials")
            token = ctx.new_token(32)
            self.sessions[token] = (admin.id, ctx.clock.now() + SESSION_SECONDS)
            return token, {"id": admin.id, "email": admin.email, "organizationIds": list(admin.org_ids)}

    def sign_out(self, token: str | None) -> None:
        with self.ctx.lock:
            self.sessions.pop(token or "", None)

    def admin_for(self, token: str | None) -> Admin:
        """The admin behind a session cookie, or 401."""
        with self.ctx.lock:
            found = self.sessions.get(token or "")
            if found is None or found[1] <= self.ctx.clock.now():
                raise Unauthorized(
                    f"admin session required: sign in and send the '{SESSION_COOKIE}' cookie "
                    "(curl -b tutorflow-admin.cookies)",
                    code="admin_session_required",
                )
            return self.admins[found[0]]

    def admin_org(self, admin: Admin, org_id: str) -> Organization:
        """One of the admin's organizations, or 404."""
        with self.ctx.lock:
            if org_id not in admin.org_ids or org_id not in self.orgs:
                raise NotFound(
                    f"organization '{org_id}' not found for this admin; list yours with GET /v1/content/organizations",
                    code="organization_not_found",
                )
            return self.orgs[org_id]

    def organizations(self, admin: Admin) -> list[dict[str, Any]]:
        with self.ctx.lock:
            return [self.orgs[o].view(self.ctx.clock) for o in admin.org_ids if o in self.orgs]

    # ------------------------------------------------------------ keys

    def create_key(self, org_id: str, body: ApiKeyCreate, surface: Surface = "content") -> tuple[ApiKey, str]:
        """A new key; the full secret is returned once and only its hash is kept."""
        ctx = self.ctx
        with ctx.lock:
            full = KEY_PREFIXES[surface] + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(32))
            key = ApiKey(
                ctx.new_id(),
                org_id,
                surface,
                body.name,
                _sha(full),
                key_prefix(full),
                body.rateLimitPerMinute,
                ctx.clock.now(),
            )
            self.keys[key.id] = key
            self.keys_by_hash[key.key_sha256] = key.id
            return key, full

    def key_in_org(self, org_id: str, key_id: str) -> ApiKey:
        """A content key of the organization, or 404."""
        with self.ctx.lock:
            key = self.keys.get(key_id)
            if key is None or key.org_id != org_id or key.surface != "content":
                raise NotFound(f"API key '{key_id}' not found in this organization", code="api_key_not_found")
            return key

    def list_keys(self, org_id: str) -> list[dict[str, Any]]:
        with self.ctx.lock:
            return [k.view(self.ctx.clock) for k in self.keys.values() if k.org_id == org_id and k.surface == "content"]

    def rotate_key(self, org_id: str, key_id: str) -> tuple[ApiKey, str]:
        """Revoke a key and issue its successor with the same name and limit; 400 if already revoked."""
        with self.ctx.lock:
            old = self.key_in_org(org_id, key_id)
            if old.revoked_at is not None:
                raise BadRequest("this key is revoked; create a new key instead", code="api_key_revoked")
            old.revoked_at = self.ctx.clock.now()
            return self.create_key(org_id, ApiKeyCreate(name=old.name, rateLimitPerMinute=old.rate_limit))

    def revoke_key(self, org_id: str, key_id: str) -> ApiKey:
        """Revoke a key (revoking twice keeps the first time)."""
        with self.ctx.lock:
            key = self.key_in_org(org_id, key_id)
            key.revoked_at = key.revoked_at or self.ctx.clock.now()
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
        with self.ctx.lock:
            key = self.keys.get(self.keys_by_hash.get(_sha(bearer), ""))
            if key is None or key.revoked_at is not None or key.surface != surface:
                raise Unauthorized(
                    "API key is unknown or revoked; create or rotate a key with the admin session",
                    code="invalid_api_key",
                )
            key.last_used_at = self.ctx.clock.now()
            org = self.orgs[key.org_id]
        rate = self.rate.charge(key.id, key.rate_limit)
        return Principal(key, org, rate)

    # ------------------------------------------------------------ classrooms

    def classroom(self, org_id: str, classroom_id: str) -> Classroom:
        """The organization's classroom, or 404."""
        with self.ctx.lock:
            room = self.classrooms.get(classroom_id)
            if room is None or room.org_id != org_id:
                raise NotFound(
                    f"classroom '{classroom_id}' not found; list yours with GET /v1/content/classrooms",
                    code="classroom_not_found",
                )
            return room

    def list_classrooms(self, org_id: str) -> list[dict[str, Any]]:
        with self.ctx.lock:
            return [c.view(self.ctx.clock) for c in self.classrooms.values() if c.org_id == org_id]

    def default_classroom(self, org_id: str) -> Classroom:
        """The organization's first classroom; 400 if it has none."""
        with self.ctx.lock:
            room = next((c for c in self.classrooms.values() if c.org_id == org_id), None)
            if room is None:
                raise BadRequest("this organization has no classroom; send classroomId", code="classroom_required")
            return room
