"""A user keeps one store file and switches what it points at: another server, another key, an old file.

The store must never hand back work that lives elsewhere: each target (base URL and key
prefix) has its own records, a batch resumes only its own, and a file that is not a store
is refused with its path named and left untouched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from conftest import POLL, seed_org_sync, source_request

from tutorflow_nb import ContentClient, ManifestStore, PlatformClient
from tutorflow_nb.errors import ConfigurationError
from tutorflow_nb.mock import MockServer

REQUESTS = [source_request(1, level=f"switch-{i}") for i in range(3)]


def _jobs(server: MockServer) -> list[dict]:
    return httpx.get(server.url("/_mock/jobs")).json()["data"]


def _run(server: MockServer, key: str, store: ManifestStore) -> list[str]:
    with ContentClient(server.base_url, key, poll_interval=POLL) as content:
        batch = content.expansions.run_batch(REQUESTS, store=store)
    assert [i.status for i in batch] == ["completed"] * len(REQUESTS)
    return [i.job_id for i in batch]


@pytest.mark.slow
@pytest.mark.parametrize("switch", ["another server", "another organization", "another key, same organization"])
def test_a_store_filled_on_one_target_does_the_work_again_on_another(switch: str, tmp_path: Path) -> None:
    store = ManifestStore(tmp_path / "tutorflow.sqlite")
    with MockServer(speed=100, seed=3) as first:
        assert first.demo is not None
        first_jobs = _run(first, first.demo.content_key, store)
        if switch == "another server":  # the next morning's mock: same seed, same port range, nothing of yesterday
            with MockServer(speed=100, seed=3) as second:
                assert second.demo is not None
                second_jobs = _run(second, second.demo.content_key, store)
                # every create was sent there, and the results are that server's own jobs (its seeded ids may
                # even equal yesterday's: only the requests it received count)
                assert sorted(j["id"] for j in _jobs(second)) == sorted(second_jobs)
        elif switch == "another organization":
            other = seed_org_sync(first)
            second_jobs = _run(first, other.content_key, store)
            assert sorted(j["id"] for j in _jobs(first) if j["organizationId"] == other.id) == sorted(second_jobs)
            assert set(second_jobs).isdisjoint(first_jobs)
        else:
            admin = httpx.Client(base_url=first.base_url, cookies={"tutorflow_admin_session": first.demo.session_token})
            made = admin.post(
                f"/v1/content/organizations/{first.demo.organization_id}/api-keys", json={"name": "second"}
            ).json()
            admin.close()
            before = len(_jobs(first))
            second_jobs = _run(first, made["key"], store)
            # the same organization remembers the keys: the creates are sent and replayed, nothing twice
            assert second_jobs == first_jobs and len(_jobs(first)) == before
    assert len(store.targets()) == 2
    assert store.count() == 2 * len(REQUESTS)  # both targets' records, side by side: nothing lost
    for target in store.targets():
        assert store.count("completed", target=target) == len(REQUESTS)
        assert len(store.manifests(target=target)) == 3 * len(REQUESTS)
    assert set(store.outputs()["target"]) == set(store.targets())
    store.close()


@pytest.mark.slow
def test_the_same_target_still_resumes(tmp_path: Path) -> None:
    with MockServer(speed=100, seed=4) as server, ManifestStore(tmp_path / "s.sqlite") as store:
        assert server.demo is not None
        first = _run(server, server.demo.content_key, store)
        with ContentClient(server.base_url, server.demo.content_key, poll_interval=POLL) as content:
            content.http.history.clear()
            again = content.expansions.run_batch(REQUESTS, store=store)
            assert list(content.http.history) == [] and [i.job_id for i in again] == first


@pytest.mark.slow
@pytest.mark.parametrize("spelling", ["HTTP://{host}:{port}", "http://{host}:{port}/", "Http://{host}:{port}//"])
def test_one_server_typed_another_way_is_the_same_target(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``TUTORFLOW_API_BASE_URL=HTTP://…`` names the server ``http://…`` names: its store resumes, nothing twice."""
    with MockServer(speed=100, seed=4) as server, ManifestStore(tmp_path / "s.sqlite") as store:
        assert server.demo is not None
        first = _run(server, server.demo.content_key, store)
        host, port = server.base_url.removeprefix("http://").split(":")
        monkeypatch.setenv("TUTORFLOW_API_BASE_URL", spelling.format(host=host, port=port))
        with ContentClient(api_key=server.demo.content_key, poll_interval=POLL) as content:
            assert content.base_url == server.base_url
            again = content.expansions.run_batch(REQUESTS, store=store)
            assert list(content.http.history) == [] and [i.job_id for i in again] == first
        assert store.targets() == [f"{server.base_url} {server.demo.content_key_prefix}"]


@pytest.mark.slow
def test_course_batches_keep_targets_apart_too(tmp_path: Path) -> None:
    plan = [{"prompt": f"Course {i}", "lessonCount": 2} for i in range(2)]
    with ManifestStore(tmp_path / "c.sqlite") as store:
        ids = []
        for seed in (5, 6):
            with MockServer(speed=100, seed=seed) as server:
                assert server.demo is not None
                with PlatformClient(server.base_url, server.demo.platform_key, poll_interval=POLL) as platform:
                    batch = platform.courses.run_batch(plan, store=store)
                    assert [i.status for i in batch] == ["completed"] * 2
                    assert len(platform.courses.list()) == 2  # created on this server, not read from the file
                    ids.append([i.job_id for i in batch])
        assert set(ids[0]).isdisjoint(ids[1]) and len(store.targets()) == 2


V1_SCHEMA = """
CREATE TABLE items (kind TEXT NOT NULL, idempotency_key TEXT NOT NULL, source_content_id TEXT, external_id TEXT,
    request TEXT NOT NULL, job_id TEXT, status TEXT NOT NULL, classroom_id TEXT, key_prefix TEXT, result TEXT,
    error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (kind, idempotency_key));
CREATE TABLE outputs (tutorflow_job_id TEXT NOT NULL, output_type TEXT NOT NULL, source_content_id TEXT,
    status TEXT, resource_type TEXT, resource_id TEXT, manifest TEXT, classroom_id TEXT, key_prefix TEXT,
    idempotency_key TEXT, PRIMARY KEY (tutorflow_job_id, output_type));
"""


@pytest.mark.slow
def test_a_store_from_before_targets_is_kept_and_never_resumed(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with MockServer(speed=100, seed=8) as server:
        assert server.demo is not None
        with ContentClient(server.base_url, server.demo.content_key) as content:
            keys = [content.expansions.idempotency_key(r) for r in REQUESTS]
        old = sqlite3.connect(path)
        old.executescript(V1_SCHEMA)
        for key in keys:  # an old file that says every item was completed, somewhere
            old.execute(
                "INSERT INTO items VALUES ('expansion', ?, 'x', NULL, '{}', 'job-elsewhere', 'completed', NULL, "
                '\'tf_content_old00000\', \'{"job": {"id": "job-elsewhere", "status": "completed"}, '
                '"outputs": []}\', NULL, 1, 1)',
                (key,),
            )
        old.commit()
        old.close()
        with ManifestStore(path) as store:
            assert store.count() == len(REQUESTS) and store.targets() == [""]  # kept, readable
            jobs = _run(server, server.demo.content_key, store)
            assert "job-elsewhere" not in jobs and len(_jobs(server)) == len(REQUESTS)
            assert store.count() == 2 * len(REQUESTS)


@pytest.mark.parametrize(
    ("content", "advice"),
    [(b"name,score\nada,3\n", "not a ManifestStore"), (b"\x00\x01binary", "not a ManifestStore")],
)
def test_a_file_that_is_not_a_store_is_named_and_left_untouched(content: bytes, advice: str, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=advice) as caught:
        ManifestStore(path)
    assert str(path) in str(caught.value) and "new name creates" in str(caught.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]  # no -wal, no -shm, nothing new


def test_a_directory_or_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a directory"):
        ManifestStore(tmp_path)
    with pytest.raises(ConfigurationError, match="does not exist"):
        ManifestStore(tmp_path / "no" / "such" / "store.sqlite")
    assert sorted(tmp_path.iterdir()) == []
