"""Dialects: every plausible answer the documents leave open, through real HTTP, header by header.

Each configuration (every dialect alone, and a few combinations) serves a real mock, and
a representative set of routes is called on it: a create, a 400, a 401, a 404, a 409, a
429 from a key allowed one request a minute, a 503 from the fault injector, and every
list route. The answers are held to the formats the dialects name exactly
(``assumptions.DIALECTS``): rate-limit headers, ``Retry-After``, error bodies, lists,
unknown fields. Then the switches: ``PUT /_mock/dialect``, ``MockControl.dialect``,
``MockServer(dialect=...)``, the CLI flag, and the refusals of contradictory pairs.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import Org, seed_org_sync, source_request

from tutorflow_nb.cli import build_parser, main
from tutorflow_nb.mock import DIALECTS, Dialect, MockServer, MockState, create_app

CONFIGS = [
    *DIALECTS,
    "nested-errors,ietf-rate-headers,bare-lists,extra-fields",
    "plain-errors,no-rate-headers,no-retry-after",
    "retry-after-date,bare-lists,nested-errors",
    "extra-fields,plain-errors,ietf-rate-headers",
]
META = {"dialect": "extra-fields"}
ETAG = re.compile(r'^W/"[0-9a-f]+"$')
IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$"
)
BLANK = "must not be blank (whitespace only)"


@dataclass
class Served:
    server: MockServer
    names: set[str]
    client: httpx.Client

    def org(self, **overrides: Any) -> Org:
        return seed_org_sync(self.server, **overrides)


@pytest.fixture(scope="module", params=CONFIGS)
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    with MockServer(speed=1, seed=3, provision=False, dialect=request.param) as server:
        names = set(Dialect.parse(request.param).names)
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            yield Served(server, names, client)


# ---------------------------------------------------------------- what each dialect must answer


def strip_extras(value: Any, names: set[str]) -> Any:
    """The answer without extra-fields' objects, checking every object carries them (when that dialect is on)."""
    if isinstance(value, list):
        return [strip_extras(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    if "extra-fields" in names:
        assert value.get("_meta") == META, value
        assert ETAG.match(value.get("etag", "")), value
        value = {k: v for k, v in value.items() if k not in ("_meta", "etag")}
    else:
        assert "_meta" not in value and "etag" not in value
    return {k: strip_extras(v, names) for k, v in value.items()}


def body_of(served: Served, r: httpx.Response) -> Any:
    assert r.headers["content-type"] == "application/json"
    return strip_extras(r.json(), served.names)


def check_error(served: Served, r: httpx.Response, status: int, code: str, fields: dict[str, str] | None = None) -> str:
    """The error answer in the dialect's exact shape; returns its one-line message."""
    names = served.names
    assert r.status_code == status, r.text
    request_id = r.headers["x-request-id"]
    assert request_id.startswith("req_")
    joined = "; ".join(f"{f}: {m}" for f, m in (fields or {}).items())
    if "plain-errors" in names:
        assert r.headers["content-type"] == "text/plain; charset=utf-8"
        text = r.content.decode("utf-8")
        assert "\n" not in text and "\r" not in text
        assert text.startswith(f"{code}: ") and len(text) > len(code) + 2
        if fields:
            assert text == f"{code}: {joined}"
        return text.split(": ", 1)[1]
    body = body_of(served, r)
    if "nested-errors" in names:
        inner = body["error"]
        assert set(body) == {"error"}
        assert set(inner) == ({"status", "code", "message", "requestId"} | ({"details"} if fields else set()))
        assert inner["status"] == status and inner["code"] == code and inner["requestId"] == request_id
        assert isinstance(inner["message"], str) and inner["message"] and "\n" not in inner["message"]
        if fields:
            assert inner["details"] == [{"field": f, "message": m} for f, m in fields.items()]
            assert inner["message"] == joined
        return str(inner["message"])
    assert {"statusCode", "error", "message", "code", "requestId"} <= set(body)
    assert body["statusCode"] == status and body["code"] == code and body["requestId"] == request_id
    if fields:
        assert body["fields"] == [{"field": f, "message": m} for f, m in fields.items()]
        assert body["message"] == [f"{f}: {m}" for f, m in fields.items()]
        return joined
    assert "fields" not in body and isinstance(body["message"], str)
    return str(body["message"])


def check_rate_headers(served: Served, r: httpx.Response, limit: int, remaining: int) -> None:
    names, headers = served.names, r.headers
    x_rate = {k for k in headers if k.startswith("x-ratelimit-")}
    ietf = {k for k in headers if k.startswith("ratelimit-")}
    if "no-rate-headers" in names:
        assert not x_rate and not ietf
        return
    if "ietf-rate-headers" in names:
        assert not x_rate
        assert ietf == {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"}
        assert headers["ratelimit-limit"] == str(limit) and headers["ratelimit-remaining"] == str(remaining)
        assert 0 < float(headers["ratelimit-reset"]) <= 60
        assert headers["ratelimit-policy"] == f"{limit};w=60"
        return
    assert x_rate == {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}
    assert ietf == {"ratelimit-policy"}
    assert headers["x-ratelimit-limit"] == str(limit) and headers["x-ratelimit-remaining"] == str(remaining)
    assert 0 < float(headers["x-ratelimit-reset"]) <= 60 and headers["ratelimit-policy"] == f"{limit};w=60"


def check_retry_after(served: Served, r: httpx.Response, sent_at: float, most: float) -> None:
    names, value = served.names, r.headers.get("retry-after")
    if "no-retry-after" in names:
        assert value is None
    elif "retry-after-date" in names:
        assert value is not None and IMF_FIXDATE.match(value), value
        at = email.utils.parsedate_to_datetime(value).timestamp()
        assert at >= sent_at + 1 and at == int(at)  # at least one second ahead, whole seconds
        assert at <= time.time() + most + 1
    else:
        assert value is not None and 0 < float(value) <= most


# ---------------------------------------------------------------- the representative routes


@pytest.mark.slow
def test_a_create(served: Served) -> None:
    org = served.org()
    r = served.client.post(org.room("/modules"), json={"title": "Made"}, headers=org.content)
    assert r.status_code == 201
    module = body_of(served, r)
    assert module["title"] == "Made" and module["classroomId"] == org.classroom_id
    check_rate_headers(served, r, limit=5000, remaining=4999)
    assert "retry-after" not in r.headers


def test_a_400(served: Served) -> None:
    org = served.org()
    r = served.client.post(org.room("/modules"), json={"title": " ", "description": "d" * 2001}, headers=org.content)
    too_long = "String should have at most 2000 characters"
    check_error(served, r, 400, "validation_error", {"title": BLANK, "description": too_long})
    check_rate_headers(served, r, limit=5000, remaining=4999)


def test_a_401(served: Served) -> None:
    r = served.client.get("/v1/content/classrooms")
    message = check_error(served, r, 401, "missing_api_key")
    assert "Authorization: Bearer tf_content_" in message
    assert not {k for k in r.headers if k.startswith(("x-ratelimit-", "ratelimit-"))}  # no key, no budget


def test_a_404(served: Served) -> None:
    org = served.org()
    r = served.client.get("/v1/content/classrooms/nope/modules", headers=org.content)
    assert "nope" in check_error(served, r, 404, "classroom_not_found")
    check_rate_headers(served, r, limit=5000, remaining=4999)
    unknown = served.client.get("/v1/no/such/route")
    check_error(served, unknown, 404, "route_not_found")


def test_a_409(served: Served) -> None:
    org = served.org()
    headers = {**org.content, "Idempotency-Key": f"expansion:dialect:{uuid.uuid4().hex}"}
    first = served.client.post("/v1/content/integrations/expansions", json=source_request(), headers=headers)
    assert first.status_code == 202
    again = served.client.post("/v1/content/integrations/expansions", json=source_request(2), headers=headers)
    assert "new key" in check_error(served, again, 409, "idempotency_key_reused")
    check_rate_headers(served, again, limit=5000, remaining=4998)


def test_a_429_from_a_key_with_a_tiny_limit(served: Served) -> None:
    org = served.org(rateLimitPerMinute=1)
    ok = served.client.get("/v1/content/classrooms", headers=org.content)
    assert ok.status_code == 200
    check_rate_headers(served, ok, limit=1, remaining=0)
    sent_at = time.time()
    r = served.client.get("/v1/content/classrooms", headers=org.content)
    assert "rate limit of 1" in check_error(served, r, 429, "rate_limited")
    check_rate_headers(served, r, limit=1, remaining=0)
    check_retry_after(served, r, sent_at, most=60)


def test_a_503_from_the_fault_injector(served: Served) -> None:
    org = served.org()
    served.client.put("/_mock/faults", json={"error_rate": 1.0})
    try:
        sent_at = time.time()
        r = served.client.get("/v1/content/classrooms", headers=org.content)
    finally:
        served.client.delete("/_mock/faults")
    assert "injected fault" in check_error(served, r, 503, "service_unavailable")
    check_retry_after(served, r, sent_at, most=1)
    if not served.names & {"no-retry-after", "retry-after-date"}:
        assert r.headers["retry-after"] == "1.0"  # one mock second at x1, as the mock has always written it


@pytest.mark.slow
def test_every_list_route(served: Served) -> None:
    email_ = f"admin-{uuid.uuid4().hex[:10]}@test.example"
    org = served.org(adminEmail=email_)
    served.org(adminEmail=email_, name="Second Organization")  # the same admin: two organizations
    c = served.client
    org_path = f"/v1/content/organizations/{org.id}"
    c.post(org_path + "/api-keys", json={"name": "second"}, headers=org.admin)
    for i in range(2):
        c.post(
            org_path + "/webhooks",
            json={"url": f"https://h{i}.test/x", "events": ["content.completed"]},
            headers=org.admin,
        )
        for kind in ("courses", "videos", "slides", "tests"):
            c.post(org.room(f"/{kind}"), json={"title": f"{kind} {i}"}, headers=org.content)
        c.post("/v1/platform/courses", json={"prompt": f"Rivers {i}", "lessonCount": 1}, headers=org.platform)
        c.post("/v1/platform/modules", json={"prompt": f"Tides {i}"}, headers=org.platform)
    routes = [
        ("/v1/content/organizations", org.admin, 2),
        (org_path + "/api-keys", org.admin, 2),
        (org_path + "/webhooks", org.admin, 2),
        ("/v1/content/classrooms", org.content, 1),
        (org.room("/modules"), org.content, 3),
        *[(org.room(f"/{kind}"), org.content, 2) for kind in ("courses", "videos", "slides", "tests")],
        ("/v1/platform/courses", org.platform, 2),
        ("/v1/platform/modules", org.platform, 2),
    ]
    assert len(routes) == 11
    for path, headers, count in routes:
        r = c.get(path, params={"limit": 1, "cursor": "not-one-of-ours"}, headers=headers)
        if "bare-lists" in served.names:  # limit and cursor are ignored
            assert r.status_code == 200, (path, r.text)
            items = body_of(served, r)
            assert isinstance(items, list) and len(items) == count, path
            assert all(isinstance(item, dict) and item.get("id") for item in items)
            continue
        check_error(served, r, 400, "validation_error", {"cursor": "pass nextCursor unchanged"})
        page = body_of(served, c.get(path, params={"limit": 1}, headers=headers))
        assert set(page) == {"data", "nextCursor"} and len(page["data"]) == 1, path
        assert (page["nextCursor"] is None) == (count == 1), path


@pytest.mark.slow
def test_head_and_server_sent_events_speak_it_too(served: Served) -> None:
    org = served.org()
    got = served.client.get(org.room("/modules"), headers=org.content)
    head = served.client.head(org.room("/modules"), headers=org.content)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    course = served.client.post("/v1/platform/courses", json={"prompt": "Tides"}, headers=org.platform).json()
    token = course["previewUrl"].rsplit("/", 1)[1]
    canonical = served.client.get(f"/v1/platform/courses/edit/{token}/canonical").json()
    lesson = canonical["lessons"][0]["id"]
    stream = served.client.post(f"/v1/platform/courses/edit/{token}/lessons/by-id/{lesson}/generate", json={})
    assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
    data = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
    assert data and all(strip_extras(d, served.names) for d in data)


@pytest.mark.slow
def test_the_mocks_own_routes_answer_in_default(served: Served) -> None:
    state = served.client.get("/_mock/state")
    assert "_meta" not in state.json() and "x-ratelimit-limit" not in state.headers
    refused = served.client.put("/_mock/faults", json={"error_rate": 7})
    assert refused.headers["content-type"] == "application/json" and refused.json()["code"] == "validation_error"
    dialect = served.client.get("/_mock/dialect").json()
    assert dialect["dialect"] == Dialect(frozenset(served.names)).labels and dialect["available"] == DIALECTS
    assert served.client.get("/openapi.json").json()["info"]["x-dialect"] == dialect["dialect"]


# ---------------------------------------------------------------- switching and refusing


@pytest.mark.slow
def test_switching_at_run_time() -> None:
    with MockServer(speed=1, provision=False) as server:
        org = seed_org_sync(server)
        control = server.control
        assert control.dialect() == ["default"]
        r = httpx.get(server.url("/v1/content/classrooms"))
        assert r.json()["code"] == "missing_api_key"
        assert control.dialect("plain-errors", "bare-lists") == ["plain-errors", "bare-lists"]
        assert httpx.get(server.url("/v1/content/classrooms")).text.startswith("missing_api_key: ")
        listed = httpx.get(server.url("/v1/content/classrooms"), headers=org.content).json()
        assert isinstance(listed, list)
        assert control.dialect("nested-errors,ietf-rate-headers") == ["ietf-rate-headers", "nested-errors"]
        assert "error" in httpx.get(server.url("/v1/content/classrooms")).json()
        with pytest.raises(ValueError, match=r"^dialects 'nested-errors' and 'plain-errors' cannot be combined"):
            control.dialect("nested-errors", "plain-errors")  # the mock's words, as a plain ValueError
        with pytest.raises(ValueError, match=r"^unknown dialect 'bogus'; known: default, "):
            control.dialect("bare-lists,bogus")
        refused = httpx.put(server.url("/_mock/dialect"), json={"dialect": ["nested-errors", "plain-errors"]})
        assert refused.json()["fields"][0]["field"] == "dialect"
        assert control.dialect() == ["ietf-rate-headers", "nested-errors"]  # a refusal changes nothing
        r = httpx.put(server.url("/_mock/dialect"), json={"dialect": "ietf-rate-headers,bogus"})
        assert r.status_code == 400 and "unknown dialect 'bogus'" in r.json()["message"][0]
        assert control.dialect("default") == ["default"]
        assert httpx.post(server.url("/_mock/reset")).status_code == 200
        control.dialect("bare-lists")
        httpx.post(server.url("/_mock/reset"))
        assert control.dialect() == ["bare-lists"]  # a reset keeps the dialect, as it keeps clock and faults


@pytest.mark.slow
def test_extra_fields_are_taken_back_and_nothing_else_is() -> None:
    """A client saves back what it read: the added ``_meta`` and ``etag`` are set aside, a user's own are kept."""
    with MockServer(speed=1, provision=False, dialect="extra-fields") as server:
        org = seed_org_sync(server)
        path = f"/v1/content/classrooms/{org.classroom_id}/modules"
        read = httpx.post(server.url(path), json={"title": "Saved back"}, headers=org.content).json()
        assert read["_meta"] == META and ETAG.match(read["etag"])
        saved = httpx.patch(
            server.url(f"{path}/{read['id']}"),
            json={"title": read["title"], "metadata": read["metadata"], "_meta": read["_meta"], "etag": read["etag"]},
            headers=org.content,
        )
        assert saved.status_code == 200, saved.text
        own = {"_meta": {"mine": True}, "etag": "my own tag"}
        kept = httpx.post(server.url(path), json={"title": "Own fields", "metadata": own}, headers=org.content)
        assert kept.status_code == 201, kept.text
        server.control.dialect("default")
        stored = httpx.get(server.url(f"{path}/{kept.json()['id']}"), headers=org.content).json()
        assert stored["metadata"] == own  # not the dialect's: a user's own keys of the same name are data
        unknown = httpx.post(server.url(path), json={"title": "x", "_meta": META}, headers=org.content)
        assert unknown.status_code == 400  # in the default dialect nothing is set aside


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("no-rate-headers,ietf-rate-headers", "'no-rate-headers' and 'ietf-rate-headers' cannot be combined"),
        (["retry-after-date", "no-retry-after"], "'retry-after-date' and 'no-retry-after' cannot be combined"),
        ("plain-errors, nested-errors", "'nested-errors' and 'plain-errors' cannot be combined"),
        ("default,bare-lists", "'default' and 'bare-lists' cannot be combined"),
        ("bare-list", "unknown dialect 'bare-list'"),
        (["nested-errors", 3], "a dialect is a name"),
    ],
)
def test_contradictions_and_unknown_names_are_refused(value: Any, message: str) -> None:
    for make in (lambda: MockState(dialect=value), lambda: create_app(dialect=value), lambda: Dialect.parse(value)):
        with pytest.raises(ValueError, match=re.escape(message)):
            make()


def test_parsing() -> None:
    assert Dialect.parse(None).labels == Dialect.parse("").labels == Dialect.parse("default").labels == ["default"]
    assert Dialect.parse(" bare-lists ,extra-fields,bare-lists").labels == ["bare-lists", "extra-fields"]
    assert Dialect.parse(["nested-errors", "retry-after-date"]).labels == ["retry-after-date", "nested-errors"]
    assert str(Dialect.parse("extra-fields,no-rate-headers")) == "no-rate-headers,extra-fields"
    state = MockState(dialect="bare-lists")
    assert state.dialect.labels == ["bare-lists"]
    state.dialect = None
    assert not state.dialect and create_app(state, dialect="extra-fields").state.mock.dialect.labels == ["extra-fields"]


def test_the_command_line_flag(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["mock", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--dialect NAME[,NAME...]" in help_text
    assert all(name in help_text for name in DIALECTS if name != "default")
    assert parser.parse_args(["mock", "--dialect", "bare-lists,nested-errors"]).dialect == "bare-lists,nested-errors"
    assert parser.parse_args(["mock"]).dialect == "default"
    assert main(["mock", "--port", "0", "--dialect", "nested-errors,plain-errors"]) == 2
    assert "'nested-errors' and 'plain-errors' cannot be combined" in capsys.readouterr().err
