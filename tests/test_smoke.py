"""The runbook's smoke test as a function: passes on a healthy API, fails loudly and cleans up otherwise."""

from __future__ import annotations

import httpx
import pytest
from conftest import POLL

from tutorflow_nb.mock import MockServer
from tutorflow_nb.smoke import run_smoke

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests


def counts(server: MockServer) -> dict[str, int]:
    return httpx.get(server.url("/_mock/state")).json()["counts"]


def test_smoke_passes_and_leaves_nothing_behind(own_server: MockServer) -> None:
    demo = own_server.demo
    before = counts(own_server)
    report = run_smoke(
        own_server.base_url,
        demo.content_key,
        poll_interval=POLL,
        admin_cookies={"tutorflow_admin_session": demo.session_token},
    )
    assert report.passed, str(report)
    assert len(report.steps) == 8 and len(report.checklist) == 13
    after = counts(own_server)
    for kind in ("modules", "courses", "videos", "slides", "tests"):
        assert after[kind] == before[kind], kind  # everything it made is gone
    assert demo.content_key not in str(report) and demo.content_key_prefix not in str(report)


def test_smoke_reports_a_failure_and_still_cleans_up(own_server: MockServer) -> None:
    demo = own_server.demo
    before = counts(own_server)
    httpx.put(own_server.url("/_mock/faults"), json={"fail_next_jobs": 1})
    report = run_smoke(own_server.base_url, demo.content_key, poll_interval=POLL)
    assert not report.passed
    failed = [c.name for c in report.steps + report.checklist if not c.passed]
    assert failed == ["pilot expansion", "a small pilot payload completes before larger payloads"]
    assert "FAILED" in str(report)
    after = counts(own_server)
    assert all(after[k] == before[k] for k in ("modules", "courses", "videos", "slides", "tests"))


def test_smoke_against_an_unreachable_api_fails_cleanly() -> None:
    report = run_smoke("http://127.0.0.1:9", "tf_content_" + "3" * 32, poll_interval=POLL)
    assert not report.passed and report.steps[-1].name == "smoke test ran to the end"
    assert "NetworkError" in report.steps[-1].detail


def test_smoke_run_again_at_once_is_a_run_of_its_own(own_server: MockServer) -> None:
    """A person runs the smoke test twice in a row on one key (a notebook cell, then the next): each run's
    creates are its own, not replays of the first run's deleted resources, however quickly they follow."""
    demo = own_server.demo
    reports = [run_smoke(own_server.base_url, demo.content_key, poll_interval=POLL) for _ in range(3)]
    assert all(report.passed for report in reports), [str(r) for r in reports if not r.passed]
    explicit = run_smoke(own_server.base_url, demo.content_key, poll_interval=POLL, run_id="fixed")
    again = run_smoke(own_server.base_url, demo.content_key, poll_interval=POLL, run_id="fixed")
    assert explicit.passed and not again.passed  # a run id given twice reuses its keys, and says so
    assert "replays a module that has been deleted since" in str(again)
