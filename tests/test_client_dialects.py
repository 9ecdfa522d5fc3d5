"""The client's main journeys under every dialect the mock can speak.

Where the documents are silent (rate-limit headers, ``Retry-After``, error envelopes, list
shapes, unknown fields) the mock answers each plausible way on request. A user proves a
notebook against all of them before the real API is reachable, so the client must depend on
none of the guesses: discovery, errors typed with the server's own words, a batch, a
Platform course with its editor, and a key's rate limit all behave the same in each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import POLL, SPEED, Org, seed_org_sync, source_request

from tutorflow_nb import AdminClient, ContentClient, PlatformClient
from tutorflow_nb.errors import BadRequestError, NotFoundError, TutorFlowError
from tutorflow_nb.mock import DIALECTS, MockServer

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

CONFIGS = [
    *DIALECTS,
    "no-rate-headers,no-retry-after,nested-errors,bare-lists,extra-fields",  # the least the server could say
    "ietf-rate-headers,retry-after-date,plain-errors,extra-fields",
]
MISSING = "00000000-0000-4000-8000-000000000404"


@pytest.fixture(scope="module", params=CONFIGS)
def dialect_server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(speed=SPEED, seed=5, provision=False, dialect=request.param) as server:
        yield server


@pytest.fixture(scope="module")
def default_words() -> dict[str, tuple[str, str | None, str, list[dict[str, str]]]]:
    """Each error journey's outcome in the default dialect: the other dialects must say the same."""
    with MockServer(speed=SPEED, seed=5, provision=False) as server:
        return _errors(server, seed_org_sync(server))


def _errors(server: MockServer, org: Org) -> dict[str, tuple[str, str | None, str, list[dict[str, str]]]]:
    """Every documented error a user meets, as (type, code, message, fields) read by the client."""
    out: dict[str, tuple[str, str | None, str, list[dict[str, str]]]] = {}

    def record(name: str, call: Any) -> None:
        with pytest.raises(TutorFlowError) as caught:
            call()
        exc = caught.value
        fields = exc.fields if isinstance(exc, BadRequestError) else []
        message = exc.message.replace(org.classroom_id, "<classroom>").replace(org.id, "<organization>")
        out[name] = (type(exc).__name__, exc.code, message, fields)

    base = server.base_url
    with ContentClient(base, org.content_key, classroom_id=org.classroom_id, poll_interval=POLL) as content:
        bad = {"requestedOutputs": ["expanded_quiz"], "payload": {"category": {"id": "c", "title": " "}}}
        record("400", lambda: content.expansions.create(bad))
        # messages that hold "; " and several fields at once: every word of the server's reaches the user
        twice = source_request(2, level="twice")
        lessons = twice["payload"]["level"]["lessons"]
        twice["payload"]["level"]["lessons"] = [lessons[0], dict(lessons[0])]
        record("400 duplicate lessons", lambda: content.expansions.create(twice))
        many = source_request(3, level="many")
        many["payload"]["category"] = {"id": "c", "title": " "}
        many["payload"]["level"]["lessons"][1] = {"id": "no-items", "type": "vocabulary", "title": "t"}
        many["requestedOutputs"] = ["expanded_quiz", "expanded_quiz"]
        record("400 several fields", lambda: content.expansions.create(many))
        record("400 resource", lambda: content.modules.create(" ", metadata={"externalId": ""}))
        record("404", lambda: content.modules.get(MISSING))
        first = source_request(1, level="conflict")
        content.expansions.create(first, idempotency_key="journey-409")
        record("409", lambda: content.expansions.create(source_request(2), idempotency_key="journey-409"))
    with ContentClient(base, "tf_content_" + "0" * 32, classroom_id=org.classroom_id) as stranger:
        record("401", stranger.classrooms)
    with PlatformClient(base, org.platform_key, poll_interval=POLL) as platform:
        record("404 platform", lambda: platform.courses.get(MISSING))
        record("400 platform", lambda: platform.courses.create("   ", lesson_count=3))
        course = platform.courses.wait(platform.courses.create("Loops in Python", lesson_count=3).id)
        editor = platform.courses.editor(platform.courses.edit_token(course.id).edit_token)
        canonical = editor.canonical()
        for lesson in canonical.lessons:
            lesson["sequence"] = 7  # a field path with "[]" in it: lessons[].sequence
        record("400 editor", lambda: editor.save_canonical(canonical))
    return out


def test_discovery(dialect_server: MockServer) -> None:
    org = seed_org_sync(dialect_server)
    with AdminClient(dialect_server.base_url, cookies={"tutorflow_admin_session": org.session}) as admin:
        assert [o.id for o in admin.organizations()] == [org.id]
        made = admin.api_keys.create(org.id, "journey", rate_limit_per_minute=500)
        assert made.key.reveal().startswith("tf_content_") and made.key.prefix in str(made)
        listed = admin.api_keys.list(org.id)
        assert made.id in [k.id for k in listed] and len({k.id for k in listed}) == len(listed)
    with ContentClient(dialect_server.base_url, made.key, poll_interval=POLL) as content:
        assert org.classroom_id in [room.id for room in content.classrooms()]
        content.use_classroom(org.classroom_id)
        created = [content.modules.create(f"Module {i} {uuid.uuid4().hex[:6]}") for i in range(3)]
        listed_modules = content.modules.list()
        ids = [m.id for m in listed_modules]
        assert {m.id for m in created} <= set(ids) and len(ids) == len(set(ids))  # every page once, whatever the shape
        assert content.modules.get(created[0].id).title == created[0].title


def test_errors_are_typed_with_the_servers_words(
    dialect_server: MockServer, default_words: dict[str, tuple[str, str | None, str, list[dict[str, str]]]]
) -> None:
    heard = _errors(dialect_server, seed_org_sync(dialect_server))
    assert heard.keys() == default_words.keys()
    for name, (kind, code, message, fields) in heard.items():
        want_kind, want_code, want_message, want_fields = default_words[name]
        assert kind == want_kind, name
        assert code == want_code, name  # the server's code, read from whatever envelope
        assert message == want_message, name  # the server's words, not a framework's or ours
        assert fields == want_fields, name  # each bad field by its wire path
    assert heard["400"][3] and all(f["field"].startswith("payload.") for f in heard["400"][3])
    assert len(heard["400 several fields"][3]) >= 3 and "; " in heard["400 duplicate lessons"][3][0]["message"]
    assert [f["field"] for f in heard["400 editor"][3]] == ["lessons[].sequence"]


def test_a_batch(dialect_server: MockServer) -> None:
    org = seed_org_sync(dialect_server)
    requests = [source_request(i % 3 + 1, level=f"dialect-{i}") for i in range(12)]
    with ContentClient(dialect_server.base_url, org.content_key, poll_interval=POLL) as content:
        batch = content.expansions.run_batch(requests)
        assert [item.status for item in batch] == ["completed"] * 12
        assert all(len(item.result.outputs) == 3 for item in batch)
        # a dozen jobs: the first fetches probe how long jobs take (at scale the benchmark holds it to 2.3);
        # a polling storm would be several per job
        assert batch.rate_limited == 0 and batch.requests_per_job <= 3.0, batch
        again = content.expansions.run_batch(requests)  # a re-run replays: the same jobs
        assert [item.job_id for item in again] == [item.job_id for item in batch]
    jobs = httpx.get(dialect_server.url("/_mock/jobs")).json()["data"]
    mine = [j for j in jobs if j["organizationId"] == org.id]
    assert len(mine) == 12 and len({j["idempotencyKey"] for j in mine}) == 12  # one job per item


def test_a_platform_course_and_its_editor(dialect_server: MockServer) -> None:
    org = seed_org_sync(dialect_server)
    with PlatformClient(dialect_server.base_url, org.platform_key, poll_interval=POLL) as platform:
        course = platform.courses.create("A beginner Python course: variables and loops", lesson_count=4, mode="async")
        done = platform.courses.wait(course.id)
        assert done.status == "COMPLETED" and done.lesson_count == len(done.lessons)
        snap = done.price_snapshot
        assert snap is not None and snap.amount_usd == Decimal("0.05") * snap.units
        again = platform.courses.create("A beginner Python course: variables and loops", lesson_count=4, mode="async")
        assert again.id == course.id and again.idempotent_replay is True
        assert course.id in [c.id for c in platform.courses.list()]
        editor = platform.courses.editor(platform.courses.edit_token(course.id).edit_token)
        canon = editor.canonical()
        canon.title = "Saved whole"
        assert editor.save_canonical(canon)["success"] is True  # what was read goes back, whatever it held
        assert editor.summary()["title"] == "Saved whole"
        module = platform.modules.create("A short lesson about magnets")
        assert platform.modules.get(module.id).id == module.id
        assert platform.modules.delete(module.id).deleted_at is not None
        with pytest.raises(NotFoundError):
            platform.modules.get(module.id)


def test_a_small_rate_limit_is_honoured(dialect_server: MockServer) -> None:
    """Ten calls on a key allowed five a minute: all answer, with few 429s, and the budget learns the limit."""
    org = seed_org_sync(dialect_server)
    with AdminClient(dialect_server.base_url, cookies={"tutorflow_admin_session": org.session}) as admin:
        key = admin.api_keys.create(org.id, "tiny", rate_limit_per_minute=5).key
    with ContentClient(dialect_server.base_url, key, classroom_id=org.classroom_id, poll_interval=POLL) as content:
        for _ in range(10):
            assert content.classrooms()[0].id == org.classroom_id
        stats, budget = content.http.stats, content.http.budget
    assert stats["429"] <= 3, stats  # learned from headers, or from a 429 or two
    assert budget is not None and budget.limit == 5, budget  # and it knows the limit now: the pace follows from it
