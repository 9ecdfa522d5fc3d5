"""The admin session client: organizations, API keys and webhook subscriptions.

The session comes from a curl cookie jar (``tutorflow-admin.cookies``, as the documents'
``curl -b`` uses), a cookie dict, or :meth:`AsyncAdminClient.sign_in`. Organization ids
are needed only here; bearer-key calls never need one.
"""

from __future__ import annotations

import http.cookiejar
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import idempotency
from .config import Settings
from .errors import ConfigurationError
from .http import HttpSession, RetryPolicy, segment, with_options
from .models import ApiKeyInfo, CreatedApiKey, ExpansionResult, Organization, WebhookSubscription
from .redaction import redact

__all__ = ["ApiKeys", "AsyncAdminClient", "Webhooks", "cookies_from", "read_cookie_jar"]

ORGS = "/v1/content/organizations"


def _org(organization_id: str) -> str:
    return f"{ORGS}/{segment(organization_id, 'organization_id')}"


def read_cookie_jar(path: str | Path, base_url: str, source: str = "cookies") -> dict[str, str]:
    """The cookies of a Netscape/curl cookie jar that apply to ``base_url``'s host.

    Raises:
        ConfigurationError: naming ``source`` (the argument, flag or variable the path came
            from) and the fix. A value that looks like a cookie rather than a path is never
            shown: it is the session itself.
    """
    fix = "write one with 'curl -c tutorflow-admin.cookies …' or 'tutorflow-nb mock --cookie-jar FILE'"
    text = str(path)
    if not os.path.isfile(text):  # isfile and isdir answer False, never raise, for a name no file can have
        if os.path.isdir(text):
            raise ConfigurationError(f"{source} names the folder {redact(text)}, not a cookie jar file; {fix}")
        if not _looks_like_a_path(text):  # a token, "name=value", a header or a dict: the session itself, maybe
            raise ConfigurationError(
                f"{source} must be the path of a curl cookie jar file; what it holds looks like a cookie value, "
                f"not a path (not shown: it may be the admin session itself); put the session in a jar ({fix}) "
                f"and set {source} to its path"
            )
        raise ConfigurationError(f"{source}: there is no cookie jar at {redact(text)}; {fix}")
    shown = redact(text)
    jar = http.cookiejar.MozillaCookieJar(text)
    try:
        jar.load(ignore_discard=True)
    except (OSError, http.cookiejar.LoadError) as exc:
        raise ConfigurationError(
            f"{source}: {shown} is not a readable curl cookie jar ({type(exc).__name__}); {fix}"
        ) from None
    host = urlsplit(base_url).hostname or ""
    cookies = {c.name: c.value or "" for c in jar if host.endswith(c.domain.lstrip(".")) or c.domain == host}
    if not cookies:
        raise ConfigurationError(f"{source}: the cookie jar {shown} holds no cookie for {host}; sign in again ({fix})")
    return cookies


def cookies_from(
    given: str | Path | Mapping[str, str] | None, base_url: str, source: str = "cookies"
) -> dict[str, str] | None:
    """The admin session a caller gave (a cookie mapping, or a jar's path read as ``source``), else the jar
    ``TUTORFLOW_ADMIN_COOKIES`` names, else ``None``.

    Raises:
        ConfigurationError: the jar cannot be used; the error names where its path came from.
    """
    if isinstance(given, Mapping):
        return dict(given)
    if given is not None:
        return read_cookie_jar(given, base_url, source)
    jar = Settings.from_env().admin_cookies
    return None if jar is None else read_cookie_jar(jar, base_url, "TUTORFLOW_ADMIN_COOKIES")


def _looks_like_a_path(text: str) -> bool:
    """A path names a folder or a file with an extension; a session token, ``name=value`` or a dict does not."""
    if any(c in text for c in "=;{}\"'"):
        return False
    if "/" in text or os.sep in text or text.startswith("~"):
        return True
    return "." in text and not any(c.isspace() for c in text)


class ApiKeys:
    """Workspace keys: create, list, rotate, revoke (``/v1/content/organizations/{organizationId}/api-keys``)."""

    __sync_group__ = True

    def __init__(self, http: HttpSession) -> None:
        self._http = http

    async def create(self, organization_id: str, name: str, *, rate_limit_per_minute: int = 60) -> CreatedApiKey:
        """A new ``tf_content_`` key; its ``.key`` prints as the prefix. Store it now: it is shown once."""
        data = await self._http.request(
            "POST",
            f"{_org(organization_id)}/api-keys",
            json={"name": name, "rateLimitPerMinute": rate_limit_per_minute},
        )
        return CreatedApiKey.model_validate(data)

    async def list(self, organization_id: str) -> list[ApiKeyInfo]:
        """The organization's keys, each by its prefix (never the key)."""
        return [ApiKeyInfo.model_validate(k) for k in await self._http.paginate(f"{_org(organization_id)}/api-keys")]

    async def rotate(self, organization_id: str, key_id: str) -> CreatedApiKey:
        """Revoke the key and issue its successor (shown once, like a new key)."""
        data = await self._http.request("POST", f"{_org(organization_id)}/api-keys/{segment(key_id, 'key_id')}/rotate")
        return CreatedApiKey.model_validate(data)

    async def revoke(self, organization_id: str, key_id: str) -> ApiKeyInfo:
        """Revoke the key: it answers 401 from now on."""
        return ApiKeyInfo.model_validate(
            await self._http.request("DELETE", f"{_org(organization_id)}/api-keys/{segment(key_id, 'key_id')}")
        )


class Webhooks:
    """Webhook subscriptions to content events (``/v1/content/organizations/{organizationId}/webhooks``)."""

    __sync_group__ = True

    def __init__(self, http: HttpSession) -> None:
        self._http = http

    async def create(
        self,
        organization_id: str,
        url: str,
        *,
        events: tuple[str, ...] = ("content.completed", "content.failed"),
        description: str | None = None,
    ) -> WebhookSubscription:
        """Subscribe ``url``; the answer's ``secret`` (shown once) verifies deliveries."""
        body: dict[str, Any] = {"url": url, "events": list(events)}
        if description:
            body["description"] = description
        return WebhookSubscription.model_validate(
            await self._http.request("POST", f"{_org(organization_id)}/webhooks", json=body)
        )

    async def list(self, organization_id: str) -> list[WebhookSubscription]:
        """The organization's subscriptions (their secrets are never shown again)."""
        items = await self._http.paginate(f"{_org(organization_id)}/webhooks")
        return [WebhookSubscription.model_validate(w) for w in items]

    async def delete(self, organization_id: str, webhook_id: str) -> dict[str, Any]:
        """Remove a subscription."""
        path = f"{_org(organization_id)}/webhooks/{segment(webhook_id, 'webhook_id')}"
        return await self._http.request_object("DELETE", path)


class AsyncAdminClient:
    """The admin session: from a cookie jar file, a cookie dict, or :meth:`sign_in`.

    ``base_url`` and ``cookies`` default to ``TUTORFLOW_API_BASE_URL`` and ``TUTORFLOW_ADMIN_COOKIES``.
    """

    http: HttpSession
    api_keys: ApiKeys
    webhooks: Webhooks

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cookies: str | Path | Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        env = Settings.from_env()
        base_url = base_url or env.base_url
        if not base_url:
            raise ValueError("base_url is required: pass it or set TUTORFLOW_API_BASE_URL")
        self.http = HttpSession(
            base_url,
            surface="admin",
            cookies=cookies_from(cookies, base_url) or {},
            timeout=timeout,
            retry=retry,
            transport=transport,
        )
        self._bind()

    def _bind(self) -> None:
        """The resource groups, on this client's session."""
        self.api_keys = ApiKeys(self.http)
        self.webhooks = Webhooks(self.http)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.http.base_url} {'signed in' if self.http.has_session else 'no session'}>"

    def with_options(
        self,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncAdminClient:
        """This client with another ``timeout`` (seconds), ``retry`` policy or extra ``headers`` for its calls.

        The copy shares this client's connection pools and the key's budget (the two together
        never exceed the key's limit) and the admin session; a create's timeout is never below the runbook's 30 s.

            >>> client.with_options(timeout=120, retry=RetryPolicy(max_retries=8))   # doctest: +SKIP

        Raises:
            ConfigurationError: a timeout that is not seconds above 0, or a header the client sets itself.
        """
        return with_options(self, timeout=timeout, retry=retry, headers=headers)

    async def sign_in(self, email: str, password: str) -> AsyncAdminClient:
        """Sign in and keep the session cookie for the calls that follow."""
        response = await self.http.send("POST", "/v1/content/auth/sign-in", json={"email": email, "password": password})
        self.http.keep_cookies(dict(response.cookies))
        return self

    async def organizations(self) -> list[Organization]:
        """The organizations this admin belongs to (``GET /v1/content/organizations``)."""
        return [Organization.model_validate(o) for o in await self.http.paginate(ORGS)]

    async def export(
        self, classroom_id: str, lesson_id: str, *, idempotency_key: str | None = None, version: str | None = None
    ) -> ExpansionResult:
        """Export a UI-authored lesson with the admin session (see ``content.exports`` for the key's way)."""
        segment(lesson_id, "lesson_id")
        key = idempotency_key or idempotency.export(lesson_id, classroom_id, version=version)
        data = await self.http.request(
            "POST",
            f"/v1/content/classrooms/{segment(classroom_id, 'classroom_id')}/integrations/exports",
            json={"lessonId": lesson_id, "idempotencyKey": key},
            idempotency_key=key,
        )
        return ExpansionResult.model_validate(data)

    @property
    def base_url(self) -> str:
        return self.http.base_url

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self.http.aclose()

    async def __aenter__(self) -> AsyncAdminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
