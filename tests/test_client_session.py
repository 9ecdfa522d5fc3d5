"""connect(), the sync facade inside running loops, and a canary key that must never show."""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import traceback
import warnings

import httpx
import pytest
from conftest import POLL, seed_org_sync, source_request

import tutorflow_nb as tf
from tutorflow_nb import ContentClient
from tutorflow_nb.errors import AuthenticationError, BadRequestError, NetworkError
from tutorflow_nb.http import HttpSession, RetryPolicy
from tutorflow_nb.keys import ApiKey
from tutorflow_nb.mock import MockServer
from tutorflow_nb.redaction import redact


@pytest.mark.slow
def test_connect_with_nothing_set_starts_the_mock(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (
        "TUTORFLOW_API_BASE_URL",
        "TUTORFLOW_CONTENT_API_KEY",
        "TUTORFLOW_PLATFORM_API_KEY",
        "TUTORFLOW_CLASSROOM_ID",
        "TUTORFLOW_ADMIN_COOKIES",
    ):
        monkeypatch.delenv(name, raising=False)
    with tf.connect(mock_speed=100) as s:
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and "bundled mock" in out and s.base_url in out
        assert s.content.key_prefix in out and s.content.aio.http.key.reveal() not in out
        assert s.classroom_id == s.content.classrooms()[0].id
        assert s.organization_id == s.admin.organizations()[0].id
        keys = s.admin.api_keys.list(s.organization_id)
        assert "tutorflow-nb" in [k.name for k in keys]  # created by the discovery sequence
        job = s.content.expansions.create(source_request())
        assert s.content.expansions.wait_result(job.id).job.status == "completed"
        assert s.platform.courses.create("Tides", lesson_count=2).status == "COMPLETED"
        assert "mock" in repr(s) and s.content.key_prefix in repr(s)
    with pytest.raises(NetworkError):  # closed with the session
        ContentClient(s.base_url, "tf_content_" + "2" * 32, retry=RetryPolicy(0)).classrooms()


def test_connect_to_a_real_base_url_uses_the_documented_variables(
    monkeypatch: pytest.MonkeyPatch, live_server: MockServer
) -> None:
    org = seed_org_sync(live_server)
    monkeypatch.setenv("TUTORFLOW_API_BASE_URL", live_server.base_url)
    monkeypatch.setenv("TUTORFLOW_CONTENT_API_KEY", org.content_key)
    monkeypatch.setenv("TUTORFLOW_PLATFORM_API_KEY", org.platform_key)
    monkeypatch.delenv("TUTORFLOW_CLASSROOM_ID", raising=False)
    monkeypatch.delenv("TUTORFLOW_ADMIN_COOKIES", raising=False)
    with tf.connect(quiet=True) as s:
        assert s.mock is None and s.surfaces == ("content", "platform")
        with pytest.raises(tf.errors.ConfigurationError, match="TUTORFLOW_ADMIN_COOKIES"):
            s.admin.organizations()  # a surface with no credential names the variable, not AttributeError on None
        assert s.content.classroom_id() == org.classroom_id  # discovered: no organization id needed
        assert s.platform.modules.list() == []


@pytest.mark.anyio
async def test_sync_calls_inside_a_running_loop(live_server: MockServer) -> None:
    org = seed_org_sync(live_server)
    client = ContentClient(live_server.base_url, org.content_key, poll_interval=POLL)
    ticks = 0

    async def background() -> None:  # another task on the same loop keeps running
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(background())
    try:
        job = client.expansions.create(source_request())  # plain sync calls, loop running
        assert client.expansions.wait_result(job.id).job.status == "completed"
        awaited = await client.aio.expansions.get(job.id)  # and awaiting on the same client
        assert awaited.status == "completed"
    finally:
        task.cancel()
        client.close()
    assert ticks > 0


def test_sync_calls_from_threads(live_server: MockServer) -> None:
    org = seed_org_sync(live_server)
    client = ContentClient(live_server.base_url, org.content_key)
    found: list[int] = []

    def work() -> None:
        found.append(len(client.classrooms()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert found == [1, 1, 1, 1]


@pytest.mark.slow
def test_canary_key_never_appears(
    live_server: MockServer, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    org = seed_org_sync(live_server)
    canary = org.content_key
    seen: list[str] = []
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        client = ContentClient(live_server.base_url, canary, poll_interval=POLL, retry=RetryPolicy(1, 0.01, 0.02))
        seen += [
            repr(client),
            str(client),
            repr(client.aio),
            repr(client.http),
            repr(client.aio.http.key),
            f"{client.aio.http.key}",
            repr(client.http.budget),
        ]
        job = client.expansions.create(source_request())
        seen.append(repr(client.expansions.wait_result(job.id)))
        for bad in (lambda: client.expansions.create({"requestedOutputs": []}), lambda: client.modules.get("nope")):
            try:
                bad()
            except Exception as exc:
                seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        httpx.put(live_server.url("/_mock/faults"), json={"burst_429_rate": 1.0})
        try:
            client.classrooms()
        except Exception as exc:
            seen += [str(exc), "".join(traceback.format_exception(exc))]
        finally:
            httpx.put(live_server.url("/_mock/faults"), json={"burst_429_rate": 0.0})
        revoked = httpx.delete(
            live_server.url(f"/v1/content/organizations/{org.id}/api-keys/{_key_id(live_server, org)}"),
            headers=org.admin,
        )
        assert revoked.status_code == 200
        with pytest.raises(AuthenticationError) as caught:
            client.classrooms()
        seen += [str(caught.value), "".join(traceback.format_exception(caught.value))]
        client.close()
    seen += [r.getMessage() for r in caplog.records] + [str(w.message) for w in caught_warnings]
    out = capsys.readouterr()
    seen += [out.out, out.err]
    blob = "\n".join(seen)
    assert canary not in blob
    assert org.content_prefix in blob  # the prefix is what shows
    assert any("retry" in r.getMessage() for r in caplog.records)


def _key_id(server: MockServer, org) -> str:  # type: ignore[no-untyped-def]
    keys = httpx.get(server.url(f"/v1/content/organizations/{org.id}/api-keys"), headers=org.admin).json()["data"]
    return next(k["id"] for k in keys if k["keyPrefix"] == org.content_prefix)


def test_redact_and_api_key() -> None:
    secret = "tf_platform_" + "abcdefgh" + "x" * 24
    key = ApiKey(secret)
    assert key.surface == "platform" and str(key) == "tf_platform_abcdefgh…" and secret not in repr(key)
    assert redact(f"Authorization: Bearer {secret}") == "Authorization: Bearer tf_platform_abcdefgh…"
    assert redact("nothing here") == "nothing here"
    with pytest.raises(TypeError):
        __import__("pickle").dumps(key)
    with pytest.raises(ValueError, match="tf_platform_abcdefgh…") as caught:
        ApiKey(secret, "content")
    assert secret not in str(caught.value)
    err = BadRequestError(f"echoed {secret}", key_prefix=key.prefix)
    assert secret not in str(err)


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_pools_share_one_tls_setting_and_https_verifies_certificates(scheme: str) -> None:
    """Every pool of a process shares one TLS context; an https one trusts the CA bundle and checks host names."""
    sessions = [HttpSession(f"{scheme}://tutorflow.example", surface="admin") for _ in range(2)]
    pools = [await session._client() for session in sessions]
    contexts = {id(pool._transport._pool._ssl_context) for pool in pools}  # type: ignore[attr-defined]
    assert len(contexts) == 1  # made once, not per pool or per loop
    context = pools[0]._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    trusted = context.cert_store_stats()["x509_ca"]
    assert trusted > 0 if scheme == "https" else trusted == 0  # plain http never speaks TLS: no CA bundle to load
    for session in sessions:
        await session.aclose()
