"""A user pastes a key (or a base URL) with a flaw: a line break, a space, a non-ASCII or invisible character.

Refused where it is made, at once, with nothing sent: the error names the argument or
variable the key came from and shows only its prefix; neither the message nor the
traceback holds the key.
"""

from __future__ import annotations

import traceback
from unittest import mock

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
    sent = mock.patch.object(httpx.AsyncClient, "send", side_effect=AssertionError("a request was sent"))
    with sent as sending, pytest.raises(ConfigurationError) as caught:
        make()
    assert sending.call_count == 0  # refused before anything is sent, so never after a round of retries
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
        ("https://me:s3cretpass@api.tutorflow.io", "got 'https://…@api.tutorflow.io'"),  # the password never shows
        ("https://v1.tutorflow.io/v1", "use 'https://v1.tutorflow.io'"),
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


@pytest.mark.slow
def test_a_good_key_still_works_and_nothing_flawed_was_sent(server: MockServer) -> None:
    assert server.demo is not None
    before = _requests_seen(server)
    with tf.ContentClient(server.base_url, server.demo.content_key) as content:
        assert content.classrooms()[0].id == server.demo.classroom_id
    assert _requests_seen(server) == before


SESSION = "tutorflow_admin_session=" + "5e55" * 16
JAR_FLAWS = {
    "the cookie itself, not a jar": (lambda tmp: SESSION, "looks like a cookie value, not a path (not shown"),
    "a Cookie header": (lambda tmp: f"Cookie: {SESSION}; Path=/", "looks like a cookie value"),
    "the bare session value (from devtools)": (lambda tmp: "5e55" * 16, "looks like a cookie value"),
    "a dict's text": (lambda tmp: '{"tutorflow_admin_session": "' + "5e55" * 16 + '"}', "looks like a cookie value"),
    "name: value": (lambda tmp: "tutorflow_admin_session: " + "5e55" * 16, "looks like a cookie value"),
    "a missing file": (lambda tmp: str(tmp / "nowhere.cookies"), "there is no cookie jar at"),
    "a folder": (str, "names the folder"),
    "an empty file": (lambda tmp: _write(tmp / "empty.cookies", ""), "not a readable curl cookie jar"),
    "a file holding the cookie": (lambda tmp: _write(tmp / "raw.cookies", SESSION), "not a readable curl cookie jar"),
    "another host's jar": (
        lambda tmp: _write(
            tmp / "other.cookies", f"# Netscape HTTP Cookie File\nother.example\tFALSE\t/\tFALSE\t0\tx\t{'5e55' * 16}\n"
        ),
        "holds no cookie for 127.0.0.1",
    ),
}


def _write(path, text: str) -> str:  # type: ignore[no-untyped-def]
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("flaw", sorted(JAR_FLAWS))
def test_a_flawed_admin_cookie_jar_is_named_and_the_session_never_shown(
    flaw: str, server: MockServer, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    value = JAR_FLAWS[flaw][0](tmp_path)
    why = JAR_FLAWS[flaw][1]
    secret = "5e55" * 16  # the session's value: in no message, traceback or output
    for make, source in (
        (lambda: tf.AdminClient(server.base_url, cookies=value), "cookies"),
        (lambda: tf.connect(server.base_url, admin_cookies=value, quiet=True), "admin_cookies"),
    ):
        _check(make, source, None, why)
    monkeypatch.setenv("TUTORFLOW_ADMIN_COOKIES", value)
    for make in (lambda: tf.AdminClient(server.base_url), lambda: tf.connect(server.base_url, quiet=True)):
        _check(make, "TUTORFLOW_ADMIN_COOKIES", None, why)
        with pytest.raises(ConfigurationError) as caught:
            make()
        assert secret not in "".join(traceback.format_exception(caught.value))
    monkeypatch.delenv("TUTORFLOW_ADMIN_COOKIES")
    from tutorflow_nb.cli import main

    monkeypatch.setenv("TUTORFLOW_API_BASE_URL", server.base_url)
    monkeypatch.setenv("TUTORFLOW_CONTENT_API_KEY", server.demo.content_key)  # type: ignore[union-attr]
    assert main(["smoke", "--admin-cookies", value]) == 2
    out = capsys.readouterr()
    assert "--admin-cookies" in out.err and why in out.err and secret not in out.out + out.err


def test_connect_takes_the_admin_session_as_a_mapping_too(server: MockServer) -> None:
    assert server.demo is not None
    s = tf.connect(server.base_url, admin_cookies={"tutorflow_admin_session": server.demo.session_token}, quiet=True)
    with s:
        assert [o.name for o in s.admin.organizations()] == ["Demo Organization"]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "is empty"),
        (" abc", "holds whitespace"),
        ("abc\u200b", "invisible character (U+200B)"),
        ("a\tb", "whitespace"),
    ],
)
def test_a_flawed_classroom_id_is_named_wherever_it_comes_from(
    value: str, why: str, server: MockServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tutorflow_nb.cli import main

    assert server.demo is not None
    _check(lambda: tf.ContentClient(server.base_url, GOOD, classroom_id=value), "classroom_id", None, why)
    if value:  # an empty variable is an unset one
        monkeypatch.setenv("TUTORFLOW_CLASSROOM_ID", value)
        _check(lambda: tf.ContentClient(server.base_url, GOOD), "TUTORFLOW_CLASSROOM_ID", None, why)
        _check(lambda: tf.connect(server.base_url, content_key=GOOD, quiet=True), "TUTORFLOW_CLASSROOM_ID", None, why)
        monkeypatch.setenv("TUTORFLOW_API_BASE_URL", server.base_url)
        monkeypatch.setenv("TUTORFLOW_CONTENT_API_KEY", server.demo.content_key)
        assert main(["smoke"]) == 2 and "TUTORFLOW_CLASSROOM_ID" in capsys.readouterr().err
        assert main(["smoke", "--classroom-id", value]) == 2 and "--classroom-id" in capsys.readouterr().err
