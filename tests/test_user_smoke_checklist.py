"""A user runs the smoke checklist against a dead server, with a wrong key, or half-way: an item passes
only when this run verified it; what it could not check says NOT CHECKED, never PASS."""

from __future__ import annotations

import pytest
from conftest import POLL

from tutorflow_nb.mock import MockServer
from tutorflow_nb.smoke import SmokeReport, run_smoke

ALWAYS_VERIFIABLE_ONCE_ANSWERED = {"only tf_content_ keys on /v1/content/**", "logs redact the full bearer token"}


def _by_name(report: SmokeReport) -> dict[str, bool | None]:
    return {c.name: c.passed for c in report.checklist}


def test_a_dead_server_checks_nothing_and_passes_nothing() -> None:
    report = run_smoke("http://127.0.0.1:9", "tf_content_" + "3" * 32, poll_interval=POLL)
    items = _by_name(report)
    assert not report.passed
    passed = [name for name, verdict in items.items() if verdict is True]
    assert passed == [] or set(passed) <= ALWAYS_VERIFIABLE_ONCE_ANSWERED, passed
    for name in (
        "create requests send stable idempotency keys",
        "TutorFlow ids are stored next to external ids",
        "everything created was cleaned up",
        "ids are discovered through the API",
        "409 handled",
    ):
        assert items[name] is None, name
    text = str(report)
    assert "[PASS] everything created was cleaned up" not in text and "NOT CHECKED" in text
    assert "not checked)" in text.splitlines()[-1]


@pytest.mark.parametrize("wrong", ["tf_content_" + "4" * 32, "tf_platform_" + "4" * 32])
def test_a_wrong_key_fails_discovery_and_checks_nothing_else(own_server: MockServer, wrong: str) -> None:
    if wrong.startswith("tf_platform_"):
        with pytest.raises(ValueError, match="surfaces never mix"):
            run_smoke(own_server.base_url, wrong, poll_interval=POLL)
        return
    report = run_smoke(own_server.base_url, wrong, poll_interval=POLL)
    items = _by_name(report)
    assert not report.passed and items["ids are discovered through the API"] is False
    for name in (
        "create requests send stable idempotency keys",
        "everything created was cleaned up",
        "a small pilot payload completes before larger payloads",
        "400 handled",
        "404 handled",
    ):
        assert items[name] is None, name


def test_a_healthy_run_verifies_every_item(own_server: MockServer) -> None:
    assert own_server.demo is not None
    report = run_smoke(own_server.base_url, own_server.demo.content_key, poll_interval=POLL)
    assert report.passed and all(c.passed is True for c in report.checklist), str(report)
    assert "NOT CHECKED" not in str(report) and str(report).splitlines()[-1] == "PASSED"
