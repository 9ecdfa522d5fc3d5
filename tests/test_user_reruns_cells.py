"""A user re-runs a create-use-delete cell against a server that remembers Idempotency-Keys.

The client derived the key, so the client owns what a re-run means: every run yields a
live resource (a new one once the old one was deleted), a retried create never makes a
duplicate, and a key the user chose is never silently replaced.
"""

from __future__ import annotations

import httpx
import pytest
from conftest import POLL

from tutorflow_nb import ContentClient, PlatformClient
from tutorflow_nb.errors import NotFoundError, StaleReplayError
from tutorflow_nb.mock import MockServer

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

KINDS = ("modules", "courses", "videos", "slides", "tests")


def _live(server: MockServer, key: str, classroom: str, kind: str) -> list[dict]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}) as c:
        return c.get(f"/v1/content/classrooms/{classroom}/{kind}", params={"limit": 100}).json()["data"]


@pytest.mark.parametrize("kind", KINDS)
def test_rerunning_create_use_delete_yields_a_live_resource_each_time(own_server: MockServer, kind: str) -> None:
    demo = own_server.demo
    assert demo is not None
    with ContentClient(own_server.base_url, demo.content_key, poll_interval=POLL) as content:
        group = getattr(content, kind)
        ids = []
        for _ in range(3):  # the same cell, three times
            made = group.create(f"Re-run {kind}", metadata={"externalId": f"{kind}:rerun"})
            assert group.get(made.id).id == made.id  # alive: the next GET works
            ids.append(made.id)
            group.delete(made.id)
            with pytest.raises(NotFoundError):
                group.get(made.id)
        assert len(set(ids)) == 3
        # run once more, and again without deleting in between: the second run replays the first
        kept = group.create(f"Re-run {kind}", metadata={"externalId": f"{kind}:rerun"})
        again = group.create(f"Re-run {kind}", metadata={"externalId": f"{kind}:rerun"})
        assert again.id == kept.id and kept.id not in ids
    titles = [r["title"] for r in _live(own_server, demo.content_key, demo.classroom_id, kind)]
    assert titles.count(f"Re-run {kind}") == 1  # nothing duplicated, nothing dead handed back


def test_rerunning_a_platform_module_cell_yields_a_live_module(own_server: MockServer) -> None:
    demo = own_server.demo
    assert demo is not None
    with PlatformClient(own_server.base_url, demo.platform_key) as platform:
        ids = []
        for _ in range(3):
            made = platform.modules.create("A short lesson on fractions", external_id="fractions")
            assert made.deleted_at is None and platform.modules.get(made.id).id == made.id
            ids.append(made.id)
            platform.modules.delete(made.id)
        assert len(set(ids)) == 3
        live = platform.modules.create("A short lesson on fractions", external_id="fractions")
        assert platform.modules.create("A short lesson on fractions", external_id="fractions").id == live.id
        assert [m.id for m in platform.modules.list()].count(live.id) == 1


def test_a_key_the_user_chose_is_never_replaced(own_server: MockServer) -> None:
    demo = own_server.demo
    assert demo is not None
    with ContentClient(own_server.base_url, demo.content_key) as content:
        made = content.modules.create("Chosen key", idempotency_key="module:chosen:v1")
        content.modules.delete(made.id)
        with pytest.raises(StaleReplayError, match="module:chosen:v1") as caught:
            content.modules.create("Chosen key", idempotency_key="module:chosen:v1")
        assert "new Idempotency-Key" in str(caught.value)
    with PlatformClient(own_server.base_url, demo.platform_key) as platform:
        module = platform.modules.create("Chosen", idempotency_key="platform-module:chosen:v1")
        platform.modules.delete(module.id)
        with pytest.raises(StaleReplayError):
            platform.modules.create("Chosen", idempotency_key="platform-module:chosen:v1")


def test_retried_creates_never_duplicate(own_server: MockServer) -> None:
    """Answers dropped after the server processed the create: the retry (same key) replays, the check finds it live."""
    demo = own_server.demo
    assert demo is not None
    own_server.control.faults(drop_rate=0.4)
    try:
        with ContentClient(own_server.base_url, demo.content_key) as content:
            made = [content.tests.create(f"Dropped {i}", metadata={"externalId": f"drop-{i}"}) for i in range(12)]
            assert content.http.stats["retries"] > 0
    finally:
        own_server.control.clear_faults()
    live = _live(own_server, demo.content_key, demo.classroom_id, "tests")
    for i, test in enumerate(made):
        assert [r["id"] for r in live if r["title"] == f"Dropped {i}"] == [test.id]
