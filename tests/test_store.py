"""The manifest store: what it keeps, batches that resume, concurrent writers, and SIGKILL at random points."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from conftest import POLL, seed_org_sync, source_request
from crash_worker import requests as crash_requests

from tutorflow_nb import ContentClient, ManifestStore, PlatformClient
from tutorflow_nb.mock import MockServer

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

HERE = Path(__file__).parent


def server_jobs(server: MockServer, org_id: str | None = None) -> list[dict]:
    jobs = httpx.get(server.url("/_mock/jobs")).json()["data"]
    return [j for j in jobs if org_id is None or j["organizationId"] == org_id]


def test_store_keeps_the_runbooks_fields(own_server: MockServer, tmp_path: Path) -> None:
    demo = own_server.demo
    store = ManifestStore(tmp_path / "tutorflow.sqlite")
    with ContentClient(own_server.base_url, demo.content_key, poll_interval=POLL) as content:
        batch = content.expansions.run_batch([("ext-1", source_request(1)), ("ext-2", source_request(2))], store=store)
    assert store.count("completed") == 2
    items = store.items()
    assert set(items["key_prefix"]) == {demo.content_key_prefix}
    assert list(items["idempotency_key"]) == [i.idempotency_key for i in batch]
    assert list(items["job_id"]) == [i.job_id for i in batch]
    assert set(items["classroom_id"]) == {demo.classroom_id}
    manifests = store.manifests()
    assert len(manifests) == 6
    assert set(manifests[0]) == {
        "sourceContentId",
        "tutorFlowJobId",
        "outputType",
        "status",
        "resourceType",
        "resourceId",
        "manifest",
    }
    assert {m["sourceContentId"] for m in manifests} == {"ext-1", "ext-2"}
    outputs = store.outputs()
    assert len(outputs) == 6 and outputs["output_type"].dtype == "category"
    assert store.jobs()["status"].tolist() == ["completed", "completed"]
    raw = (tmp_path / "tutorflow.sqlite").read_bytes()
    assert demo.content_key.encode() not in raw  # the key prefix only, never the key
    csv = store.export(tmp_path / "outputs.csv")
    assert len(pd.read_csv(csv)) == 6
    store.close()


def test_rerun_skips_what_is_done_and_reattaches_in_flight(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server)
    store = ManifestStore(tmp_path / "resume.sqlite")
    requests = [source_request(i % 3 + 1, level=f"resume-{i}") for i in range(6)]
    with ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
        # a first run that got as far as creating three jobs, then stopped
        from tutorflow_nb.jobs import batch_items

        exp = content.expansions
        target = content.http.target
        for item in batch_items(requests[:3], lambda b, e: exp.idempotency_key(b)):
            store.intend(
                target,
                "expansion",
                item.idempotency_key,
                item.request,
                source_content_id=None,
                external_id=None,
                key_prefix=content.key_prefix,
            )
            job = exp.create(item.request, idempotency_key=item.idempotency_key)
            store.accepted(target, "expansion", item.idempotency_key, job.id, job.status)
        # one item was written but its create never sent
        item = batch_items(requests[3:4], lambda b, e: exp.idempotency_key(b))[0]
        store.intend(
            target,
            "expansion",
            item.idempotency_key,
            item.request,
            source_content_id=None,
            external_id=None,
            key_prefix=content.key_prefix,
        )
        content.http.history.clear()
        batch = content.expansions.run_batch(requests, store=store)
        assert [i.status for i in batch] == ["completed"] * 6
        creates = [h for h in content.http.history if h[0] == "POST"]
        assert len(creates) == 3  # the never-sent item and the two new ones; none re-created
        content.http.history.clear()
        again = content.expansions.run_batch(requests, store=store)  # everything done: nothing is sent
        assert list(content.http.history) == []
        assert [i.job_id for i in again] == [i.job_id for i in batch]
    assert len(server_jobs(own_server, org.id)) == 6
    store.close()


def test_course_batches_resume_too(own_server: MockServer, tmp_path: Path) -> None:
    with (
        PlatformClient(own_server.base_url, own_server.demo.platform_key, poll_interval=POLL) as platform,
        ManifestStore(tmp_path / "courses.sqlite") as store,
    ):
        plan = [{"prompt": f"Course {i}", "lessonCount": 3} for i in range(3)]
        first = platform.courses.run_batch(plan, store=store)
        before = platform.http.stats["requests"]
        second = platform.courses.run_batch(plan, store=store)
        assert platform.http.stats["requests"] == before
        assert [i.result.course_id for i in second] == [i.result.course_id for i in first]
        assert store.count("completed") == 3
        # each single-course answer holds an edit token (in its previewUrl) ...
        tokens = [platform.courses.get(i.job_id).edit_token for i in first]
    assert all(tokens)
    # ... which the store file never holds: a stored course opens its editor by share token instead
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("courses.sqlite*"))
    assert not any(token.encode() in raw for token in tokens)
    for resumed, fresh in zip(second, first, strict=True):
        assert resumed.result.edit_token is None and fresh.result.edit_token is None  # both read from the store
        assert resumed.result.editor_url and resumed.result.preview_url == resumed.result.editor_url
        assert fresh.result.share_token in resumed.result.preview_url


WRITER = """
import sys
from tutorflow_nb import ManifestStore
store = ManifestStore(sys.argv[1])
for i in range(200):
    key = f"{sys.argv[2]}-{i}"
    store.intend("t", "expansion", key, {"n": i}, source_content_id=key, external_id=None, key_prefix="tf_content_x")
    store.accepted("t", "expansion", key, "job-" + key, "queued")
    store.finished("t", "expansion", key, "completed", {"job": {"id": "job-" + key, "status": "completed"},
                   "outputs": [{"outputType": "expanded_quiz", "status": "completed", "resourceType": "test",
                                "resourceId": "r-" + key, "manifest": {"title": key}}]})
"""


def test_two_writers_on_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    ManifestStore(db).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), name]) for name in ("a", "b")]
    assert [p.wait(60) for p in procs] == [0, 0]
    with ManifestStore(db) as store:
        assert store.count("completed") == 400 and len(store.outputs()) == 400
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sigkill_at_random_points_then_resume(tmp_path: Path) -> None:
    n, speed = 30, 20.0
    rng = random.Random(7)
    with MockServer(speed=speed, rate_limit=60, seed=9) as server:
        key, db = server.demo.content_key, tmp_path / "crash.sqlite"
        args = [sys.executable, str(HERE / "crash_worker.py"), server.base_url, key, str(db), str(n), str(speed)]
        kills = 0
        for _ in range(4):
            proc = subprocess.Popen(args, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.8, 3.0))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=30)
        final = subprocess.run(args, cwd=HERE, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stdout + final.stderr
        jobs = server_jobs(server)
        keys = [j["idempotencyKey"] for j in jobs]
        with ManifestStore(db) as store:
            items = store.items()
            outputs = store.outputs()
    assert kills >= 2
    assert len(jobs) == n and len(set(keys)) == n  # every item accepted exactly once
    assert len(items) == n and set(items["status"]) == {"completed"}
    assert set(items["job_id"]) == {j["id"] for j in jobs}
    assert len(outputs) == 3 * n and outputs["resource_id"].notna().all()
    assert sorted(items["external_id"]) == sorted(ext for ext, _ in crash_requests(n))
    assert json.loads(items.loc[0, "request"])["payload"]["category"]["id"] == "crash"
