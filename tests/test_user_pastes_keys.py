"""A user pastes a key (or a base URL) with a flaw: a line break, a space, a non-ASCII or invisible character.

Refused where it is made, at once, with nothing sent: the error names the argument or
variable the key came from and shows only its prefix; neither the message nor the
traceback holds the key.
"""

from __future__ import annotations

import time
import traceback

import httpx
import pytest

import tutorflow_nb as tf
from tutorflow_nb.errors import ConfigurationError
from tutorflow_nb.mock import MockServer

GOOD = "tf_content_" + "a1b2c3d4" + "e" * 24
FLAWS = {
    "trailing newline": (GOOD + "\n", "line break"),
    "pasted over two lines": (GOOD[:20] + "\n" + GOOD[20:], "line break"),
    "trailing space": (GOOD + " ", "trailing whitespace"),
    "leading space": (" " + GOOD, "space or tab at position 1"),
    "a tab inside": (GOOD[:25] + "\t" + GOOD[25:], "space or tab"),
    "an accented letter": (GOOD[:30] + "é" + GOOD[31:], "non-ASCII character (LATIN SMALL LETTER E WITH ACUTE)"),
    "a zero-width space": (GOOD[:30] + "\u200b" + GOOD[30:], "non-ASCII character (ZERO WIDTH SPACE)"),
    "a smart quote": (GOOD + "\u201d", "non-ASCII character"),
    "a control character": (GOOD[:30] + "\x00" + GOOD[30:], "invisible control character"),
    "cut short": ("tf_content_abc", "too short"),
    "the other surface's key": ("tf_platform_" + "a1b2c3d4" + "e" * 24, "surfaces never mix"),
    "not a TutorFlow key": ("sk_live_" + "z" * 32, "start with tf_content_"),
    "empty": ("", "got an empty string"),
    "only whitespace": ("   ", "got only whitespace"),
}


def _check(make, source: str, secret: str | None, why: str) -> None:  # type: ignore[no-untyped-def]
    began = time.monotonic()
    with pytest.raises(ConfigurationError) as caught:
        make()
    assert time.monotonic() - began < 1.0  # refused at once, not after a round of retries
    message, trace = str(caught.value), "".join(traceback.format_exception(caught.value))
    assert source in message and why in message
    assert isinstance(caught.value, ValueError)  # code that caught ValueError still does
    if secret is not None and len(secret.strip()) > 24:
        assert secret.strip() not in message and secret.strip() not in trace
        assert "tf_" not in secret or secret.strip()[:19] in message  # the prefix shows


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with MockServer(speed=100, seed=31) as server:
        yield server


def _requests_seen(server: MockServer) -> int:
    return int(httpx.get(server.url("/_mock/state")).json()["counts"]["apiKeys"])  # a cheap read that changes nothing


@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_flawed_key_is_refused_where_it_is_made(
    flaw: str, server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, why = FLAWS[flaw]
    _check(lambda: tf.ContentClient(server.base_url, secret), "api_key", secret, why)
    _check(lambda: tf.connect(server.base_url, content_key=secret, quiet=True), "content_key", secret, why)
    monkeypatch.setenv("TUTORFLOW_API_BASE_URL", server.base_url)
    if secret.strip() and "\x00" not in secret:  # a blank variable is an unset one; no variable holds a NUL
        monkeypatch.setenv("TUTORFLOW_CONTENT_API_KEY", secret)
        _check(lambda: tf.connect(quiet=True), "TUTORFLOW_CONTENT_API_KEY", secret, why)
        _check(tf.ContentClient, "TUTORFLOW_CONTENT_API_KEY", secret, why)


def test_the_platform_side_names_its_own_argument_and_variable(
    server: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "tf_platform_" + "a1b2c3d4" + "e" * 24 + "\n"
    _check(lambda: tf.PlatformClient(server.base_url, secret), "api_key", secret, "line break")
    _check(lambda: tf.connect(server.base_url, platform_key=secret, quiet=True), "platform_key", secret, "line break")
    monkeypatch.setenv("TUTORFLOW_PLATFORM_API_KEY", secret)
    _check(lambda: tf.connect(server.base_url, quiet=True), "TUTORFLOW_PLATFORM_API_KEY", secret, "line break")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("api.tutorflow.io", "must start with http:// or https://"),
        ("ftp://api.tutorflow.io", "must start with http:// or https://"),
        ("https://", "name a host"),
        ("https://api.tutorflow.io\n", "whitespace"),
        (" https://api.tutorflow.io", "whitespace"),
        ("https://api.tutorflow.io?x=1", "no query"),
        ("https://user:pw@api.tutorflow.io", "credentials"),
        ("https://api.tutorflow.io:99999", "port"),
        ("https://api.tutorflow.io/v1", "use 'https://api.tutorflow.io'"),  # pasted from a curl line
        ("https://api.tutorflow.io/v1/", "without /v1"),
        ("https://gw.example.edu/tutorflow/v1/content", "use 'https://gw.example.edu/tutorflow'"),
    ],
)
def test_a_flawed_base_url_is_named(url: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(lambda: tf.ContentClient(url, GOOD), "base_url", None, why)
    _check(lambda: tf.connect(url, content_key=GOOD, quiet=True), "base_url", None, why)
    monkeypatch.setenv("TUTORFLOW_API_BASE_URL", url)
    _check(lambda: tf.connect(content_key=GOOD, quiet=True), "TUTORFLOW_API_BASE_URL", None, why)


def test_a_good_key_still_works_and_nothing_flawed_was_sent(server: MockServer) -> None:
    assert server.demo is not None
    before = _requests_seen(server)
    with tf.ContentClient(server.base_url, server.demo.content_key) as content:
        assert content.classrooms()[0].id == server.demo.classroom_id
    assert _requests_seen(server) == before
