"""A user passes an odd id: empty, None, a path, dots, spaces, another script.

An id is one path segment, always: empty and ``None`` (and ``.``/``..``) are refused before
anything is sent, naming the argument; anything else is percent-encoded so it can never
reach another route, and never another surface with this surface's key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tutorflow_nb import AdminClient, ContentClient, PlatformClient
from tutorflow_nb.errors import NotFoundError
from tutorflow_nb.mock import MockServer

REFUSED: list[Any] = ["", None, ".", "..", "   "]
ENCODED = ["../../../../platform/courses", "a/b", "a?b=1", "a#b", "%2e%2e", "x y", "übung", "雅", "id;drop"]


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, Any]]:
    with MockServer(speed=100, seed=43) as server:
        assert server.demo is not None
        content = ContentClient(server.base_url, server.demo.content_key)
        platform = PlatformClient(server.base_url, server.demo.platform_key)
        admin = AdminClient(server.base_url, cookies={"tutorflow_admin_session": server.demo.session_token})
        course = platform.courses.create("A beginner course on maps", lesson_count=1)
        yield {
            "content": content,
            "platform": platform,
            "admin": admin,
            "org": server.demo.organization_id,
            "editor": platform.courses.editor(course),
        }
        for client in (content, platform, admin):
            client.close()


CALLS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "expansions.get": lambda c, i: c["content"].expansions.get(i),
    "expansions.result": lambda c, i: c["content"].expansions.result(i),
    "expansions.wait": lambda c, i: c["content"].expansions.wait(i),
    "modules.get": lambda c, i: c["content"].modules.get(i),
    "courses.update": lambda c, i: c["content"].courses.update(i, title="t"),
    "videos.delete": lambda c, i: c["content"].videos.delete(i),
    "tests.get (classroom)": lambda c, i: c["content"].tests.list(classroom_id=i),
    "exports.create": lambda c, i: c["content"].exports.create(i),
    "platform courses.get": lambda c, i: c["platform"].courses.get(i),
    "platform courses.edit_token": lambda c, i: c["platform"].courses.edit_token(i),
    "platform modules.get": lambda c, i: c["platform"].modules.get(i),
    "platform modules.delete": lambda c, i: c["platform"].modules.delete(i),
    "platform modules.public": lambda c, i: c["platform"].modules.public(i),
    "editor.lesson_by_id": lambda c, i: c["editor"].lesson_by_id(i),
    "admin api_keys.rotate": lambda c, i: c["admin"].api_keys.rotate(c["org"], i),
    "admin webhooks.delete": lambda c, i: c["admin"].webhooks.delete(c["org"], i),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("bad", REFUSED, ids=repr)
def test_an_empty_or_dotted_id_is_refused_before_anything_is_sent(clients, call: str, bad: Any) -> None:  # type: ignore[no-untyped-def]
    histories = [clients[n].http.history for n in ("content", "platform", "admin")]
    before = [len(h) for h in histories]
    if bad is None and "(classroom)" in call:  # no classroom_id means the client's own classroom: that works
        assert CALLS[call](clients, bad) == []
        return
    with pytest.raises(ValueError, match=r"must be a non-empty id|is not an id"):
        CALLS[call](clients, bad)
    assert [len(h) for h in histories] == before  # nothing was sent


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("odd", ENCODED)
def test_any_other_id_is_one_encoded_segment_and_finds_nothing(clients, call: str, odd: str) -> None:  # type: ignore[no-untyped-def]
    surface = (
        "platform" if call.startswith(("platform", "editor")) else ("admin" if call.startswith("admin") else "content")
    )
    history = clients[surface].http.history
    with pytest.raises(NotFoundError):  # one segment that names nothing: a 404, never another route's answer
        CALLS[call](clients, odd)
    _, path, status = history[-1]
    assert status == 404 and "/../" not in path and "?" not in path and "#" not in path
    assert path.startswith(f"/v1/{'platform' if surface == 'platform' else 'content'}/")
