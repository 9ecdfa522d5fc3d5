"""Fault soak: a batch through every fault a network and a busy service produce, and nothing lost or duplicated.

The mock answers 503 before processing, drops connections *after* processing (the job
exists, the client never hears), sends spurious 429 bursts and adds latency, all at once.
The batch must still end with every item completed, exactly one job (or course) per item
on the mock, and every result in the store.

CI runs the quick size (every fault kind, fewer items). The long soak runs locally::

    TUTORFLOW_SOAK_ITEMS=400 .venv/bin/python -m pytest tests/test_fault_soak.py -s
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tutorflow_nb import ContentClient, ManifestStore, PlatformClient
from tutorflow_nb.mock import Faults, MockServer

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

ITEMS = int(os.environ.get("TUTORFLOW_SOAK_ITEMS", "100"))
COURSES = max(10, ITEMS // 10)
SPEED = 50.0
FAULTS = Faults(error_rate=0.08, drop_rate=0.06, burst_429_rate=0.06, latency_ms=5, latency_jitter_ms=25)


def expansion(i: int) -> tuple[str, dict]:
    return (
        f"soak:{i}",
        {
            "requestedOutputs": ["interactive_module", "summary_video", "expanded_quiz"],
            "payload": {
                "category": {"id": "soak", "title": "Soak"},
                "language": "en",
                "level": {
                    "id": f"level-{i}",
                    "title": f"Level {i}",
                    "lessons": [
                        {
                            "id": "l1",
                            "type": "vocabulary",
                            "title": "Words",
                            "items": [{"term": f"word-{i}", "meaning": "a meaning"}],
                        }
                    ],
                },
            },
        },
    )


def test_every_fault_kind_at_once_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    poll = (2 / SPEED, 5 / SPEED)
    with (
        MockServer(speed=SPEED, rate_limit=6000, seed=11, faults=FAULTS) as server,
        ManifestStore(tmp_path / "soak.sqlite") as store,
    ):
        demo = server.demo
        started = time.perf_counter()
        with ContentClient(server.base_url, demo.content_key, poll_interval=poll) as content:
            batch = content.expansions.run_batch([expansion(i) for i in range(ITEMS)], store=store)
            content_stats = dict(content.http.stats)
        with PlatformClient(server.base_url, demo.platform_key, poll_interval=poll) as platform:
            plan = [{"prompt": f"Soak course {i}", "lessonCount": 2} for i in range(COURSES)]
            courses = platform.courses.run_batch(plan, store=store)
            platform_stats = dict(platform.http.stats)
        elapsed = time.perf_counter() - started
        injected = httpx.get(server.url("/_mock/state")).json()["faults"]
        jobs = httpx.get(server.url("/_mock/jobs")).json()["data"]
        counts = httpx.get(server.url("/_mock/state")).json()["counts"]

        assert injected["error_rate"] > 0 and injected["drop_rate"] > 0 and injected["burst_429_rate"] > 0
        assert [i.status for i in batch] == ["completed"] * ITEMS, [(i.external_id, i.error) for i in batch.failed]
        assert [i.status for i in courses] == ["completed"] * COURSES, [(i.index, i.error) for i in courses.failed]
        # exactly one job per item: the dropped creates were retried with the same key
        keys = Counter(j["idempotencyKey"] for j in jobs)
        assert len(jobs) == ITEMS and set(keys.values()) == {1}
        assert set(keys) == {i.idempotency_key for i in batch}
        assert counts["platformCourses"] == COURSES
        # the store holds every result, once
        items = store.items()
        assert len(items) == ITEMS + COURSES and set(items["status"]) == {"completed"}
        assert set(items.loc[items["kind"] == "expansion", "job_id"]) == {j["id"] for j in jobs}
        outputs = store.outputs()
        assert len(outputs) == 3 * ITEMS and outputs["resource_id"].notna().all()
        assert not outputs.duplicated(["tutorflow_job_id", "output_type"]).any()

    retries = content_stats["retries"] + platform_stats["retries"]
    assert retries > 0  # the faults were really met
    print(
        f"\nsoak: {ITEMS} expansions + {COURSES} courses in {elapsed:.1f} s; "
        f"{content_stats['requests'] + platform_stats['requests']} requests, {retries} retries "
        f"({content_stats}; {platform_stats})"
    )
