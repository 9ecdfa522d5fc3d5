"""A user runs the smoke checklist against a dead server, with a wrong key, or half-way: an item passes
only when this run verified it; what it could not check says NOT CHECKED, never PASS."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import POLL

from tutorflow_nb.mock import MockServer
from tutorflow_nb.smoke import SmokeReport, run_smoke

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

KEY = "tf_content_" + "3" * 32


def _by_name(report: SmokeReport) -> dict[str, bool | None]:
    return {c.name: c.passed for c in report.checklist}


def test_a_dead_server_checks_nothing_and_passes_nothing() -> None:
    """Nothing was sent, answered or logged with the key: not one item has evidence, so not one passes."""
    report = run_smoke("http://127.0.0.1:9", KEY, poll_interval=POLL)
    assert not report.passed
    assert {name: verdict for name, verdict in _by_name(report).items() if verdict is not None} == {}
    text = str(report)
    assert "[PASS]" not in text and "[PASS] logs redact the full bearer token" not in text
    assert all(c.detail for c in report.checklist)  # each says what it lacked
    assert f"FAILED ({len(report.checklist)} item(s) not checked)" == text.splitlines()[-1]


class _NotTutorFlow(BaseHTTPRequestHandler):
    """Another web server at the address a user typed by mistake: every path is 404."""

    def do_GET(self) -> None:
        body = json.dumps({"message": "Not Found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PATCH = do_DELETE = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_tutorflow() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotTutorFlow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_is_not_tutorflow_passes_only_what_its_answers_show(not_tutorflow: str) -> None:
    """The key went out and came back logged by its prefix: those two items have evidence; nothing else does."""
    report = run_smoke(not_tutorflow, KEY, poll_interval=POLL)
    items = _by_name(report)
    assert not report.passed and items["ids are discovered through the API"] is False
    assert {name for name, verdict in items.items() if verdict is True} == {
        "only tf_content_ keys on /v1/content/**",
        "logs redact the full bearer token",
    }
    assert {name for name, verdict in items.items() if verdict is None} >= {
        "create requests send stable idempotency keys",
        "400 handled",
        "409 handled",
        "a small pilot payload completes before larger payloads",
        "everything created was cleaned up",
    }


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
