"""A user turns on ``logging.basicConfig(level=logging.DEBUG)`` and works: no secret reaches any logger.

Every logger that sees the traffic (ours, httpx, httpcore, which logs response headers
such as the admin session's ``Set-Cookie``) and every kind of secret: both keys, the
session cookie, edit tokens (in paths and answers), a webhook signing secret, a bearer
token of unknown shape. What shows is the prefix.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest

import tutorflow_nb as tf
from tutorflow_nb.http import RetryPolicy
from tutorflow_nb.mock import MockServer
from tutorflow_nb.redaction import redact


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """What ``logging.basicConfig(level=logging.DEBUG)`` shows, as a user would have it on screen."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


@pytest.mark.slow
def test_a_whole_session_at_debug_shows_no_secret(debug_log: io.StringIO, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secrets: dict[str, str] = {}
    with MockServer(speed=100, seed=21) as server:
        assert server.demo is not None
        secrets["platform key"] = server.demo.platform_key
        secrets["session cookie"] = server.demo.session_token
        s = tf.connect(
            server.base_url,
            platform_key=server.demo.platform_key,
            content_key=server.demo.content_key,
            quiet=True,
        )
        secrets["content key"] = server.demo.content_key
        admin = tf.AdminClient(server.base_url)
        admin.sign_in(server.demo.admin_email, server.demo.admin_password)  # the session arrives as Set-Cookie
        organization = admin.organizations()[0]
        hook = admin.webhooks.create(organization.id, "http://127.0.0.1:9/hook")
        assert hook.secret is not None
        secrets["webhook secret"] = hook.secret
        made = admin.api_keys.create(organization.id, "logged")
        secrets["new key"] = made.key.reveal()
        course = s.platform.courses.create("A beginner Python course covering loops", lesson_count=2)
        token = course.edit_token
        assert token is not None
        secrets["edit token"] = token
        editor = s.platform.courses.editor(course)
        lesson = editor.canonical().lessons[0]
        editor.generate(lesson["id"])  # a streamed answer, its path holds the token
        minted = s.platform.courses.edit_token(course.id)
        secrets["minted edit token"] = minted.edit_token
        with tf.ManifestStore(tmp_path / "log.sqlite") as store:
            s.content.expansions.run_batch([_request()], store=store)
        secrets["unknown key"] = "tf_content_" + "9" * 32
        with (
            tf.ContentClient(server.base_url, secrets["unknown key"], retry=RetryPolicy(0)) as stranger,
            pytest.raises(tf.errors.AuthenticationError),
        ):
            stranger.classrooms()
        with pytest.raises(tf.errors.NotFoundError):
            s.platform.courses.editor("0f" * 24).summary()  # an unknown edit token, in a path and an error
        secrets["unknown edit token"] = "0f" * 24
        logging.getLogger("tutorflow_nb.http").exception("a user logs an error with its traceback: %s", token)
        s.close()
        admin.close()
    shown = debug_log.getvalue()
    loggers = {line.split(" ", 2)[1] for line in shown.splitlines() if line.count(" ") >= 2}
    assert {"httpx", "httpcore.http11", "httpcore.connection", "tutorflow_nb.http"} <= loggers, loggers
    for name, secret in secrets.items():
        leaked = secret in shown  # kept out of the assertion message: pytest would print it
        assert not leaked, f"the {name} reached a logger"
    assert server.demo.content_key_prefix in shown or made.key.prefix in shown  # what shows is the prefix
    assert "set-cookie" in shown.lower() and "tutorflow_admin_session=" in shown


def _request() -> dict:
    return {
        "requestedOutputs": ["expanded_quiz"],
        "payload": {
            "category": "Logs",
            "level": {
                "id": "l",
                "title": "L",
                "lessons": [{"id": "a", "type": "t", "title": "T", "items": [{"term": "x", "meaning": "y"}]}],
            },
        },
    }


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer tf_platform_abcdefgh1234567890abcdefgh12", "1234567890abcdefgh12"),
        ("(b'set-cookie', b'tutorflow_admin_session=4f1c2d3e4f5a6b7c8d9e; Path=/; HttpOnly')", "2d3e4f5a6b7c8d9e"),
        ("[(b'cookie', b'sid=abcdef0123456789abcdef; other=zzzzzz9999999999')]", "0123456789abcdef"),
        ('{"editToken": "9f3a2b7c1d0e5f6a7b8c9d0e1f2a3b4c"}', "1d0e5f6a7b8c9d0e"),
        ("preview https://tutorflow.io/en/platform/courses/edit/9f3a2b7c1d0e5f6a7b8c9d0e1f2a3b4c", "1d0e5f6a7b8c"),
        ("EditToken(edit_token='9f3a2b7c1d0e5f6a7b8c9d0e1f2a3b4c')", "1d0e5f6a7b8c"),
        ("secret: whsec_0123456789abcdef0123456789abcdef", "0123456789abcdef"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature", "payload.signature"),
    ],
)
def test_every_shape_of_secret_is_cut(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and "…" in out


def test_the_mock_and_the_client_log_through_the_same_filter(debug_log: io.StringIO) -> None:
    """A record logged with arguments, an exception and a stack: all three are redacted."""
    key = "tf_content_" + "abcdefgh" + "7" * 24
    log = logging.getLogger("httpx")
    try:
        raise httpx.ConnectError(f"cannot reach https://x/v1/platform/courses/edit/{'ab' * 20} with {key}")
    except httpx.ConnectError:
        log.exception("failed with %s", key, stack_info=True)
    shown = debug_log.getvalue()
    assert key not in shown and "ab" * 20 not in shown and "tf_content_abcdefgh…" in shown
