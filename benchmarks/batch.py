"""Batch benchmark: N expansions on a key with a tight rate limit, against the mock over real HTTP.

Side by side in one run, on one fresh mock each:
- tutorflow_nb polling  (``expansions.run_batch``)
- tutorflow_nb webhooks (``run_batch(receiver=...)``)
- naive: ``asyncio.gather`` of create-then-poll-every-3-s with httpx, as a user would write it
  (it sleeps out a 429's Retry-After and retries a dropped connection, or it would never finish).

Reported: wall time over the lower bound (two requests per job at the key's rate, or the
longest job if that is longer), requests per job, and 429s received. The mock's clock
runs ``speed`` times faster than wall time; the naive client's 3 s poll is scaled the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx

from tutorflow_nb import AdminClient, AsyncContentClient, WebhookReceiver
from tutorflow_nb.mock import DIALECTS, MockServer
from tutorflow_nb.mock.content import QUEUED_SECONDS, processing_seconds
from tutorflow_nb.models.requests import ExpansionCreate
from tutorflow_nb.sync import run_sync


def make_requests(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        lessons = [
            {
                "id": f"l{j}",
                "type": "vocabulary",
                "title": f"Lesson {j}",
                "items": [{"term": f"word{i}-{j}-{k}", "meaning": f"meaning {k}"} for k in range(5)],
            }
            for j in range(1 + i % 3)
        ]
        out.append(
            {
                "requestedOutputs": ["interactive_module", "summary_video", "expanded_quiz"],
                "payload": {
                    "category": {"id": "bench", "title": "Benchmark"},
                    "language": "en",
                    "level": {"id": f"level-{i}", "title": f"Level {i}", "lessons": lessons},
                },
            }
        )
    return out


def one_job_per_item(server: MockServer, n: int, what: str) -> None:
    jobs = httpx.get(server.url("/_mock/jobs")).json()["data"]
    assert len(jobs) == n, f"{what}: {len(jobs)} jobs on the server for {n} items"


def lower_bound(requests: list[dict[str, Any]], limit: int, speed: float) -> float:
    window = 60.0 / speed
    longest = max(QUEUED_SECONDS + processing_seconds(ExpansionCreate.model_validate(r)) for r in requests) / speed
    return max(2 * len(requests) * window / limit, longest)


async def naive(base_url: str, key: str, requests: list[dict[str, Any]], speed: float) -> dict[str, Any]:
    counts = {"requests": 0, "429": 0}
    poll = 3.0 / speed
    async with httpx.AsyncClient(
        base_url=base_url,
        timeout=30,
        headers={"Authorization": f"Bearer {key}"},
        limits=httpx.Limits(max_connections=200),
    ) as client:

        async def call(method: str, path: str, **kw: Any) -> httpx.Response:
            while True:
                counts["requests"] += 1
                try:
                    r = await client.request(method, path, **kw)
                except httpx.TransportError:  # a careful user retries a dropped keep-alive
                    await asyncio.sleep(0.1)
                    continue
                if r.status_code != 429:
                    r.raise_for_status()
                    return r
                counts["429"] += 1
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))

        async def one(i: int, body: dict[str, Any]) -> None:
            job = (
                await call(
                    "POST", "/v1/content/integrations/expansions", json=body, headers={"Idempotency-Key": f"naive-{i}"}
                )
            ).json()
            while True:
                status = (await call("GET", f"/v1/content/integrations/expansions/{job['id']}")).json()
                if status["status"] in ("completed", "failed"):
                    break
                await asyncio.sleep(poll)
            await call("GET", f"/v1/content/integrations/expansions/{job['id']}/result")

        await asyncio.gather(*(one(i, b) for i, b in enumerate(requests)))
    return counts


def run(n: int, limit: int, speed: float) -> list[dict[str, Any]]:
    requests = make_requests(n)
    bound = lower_bound(requests, limit, speed)
    rows = []
    for mode in ("tutorflow_nb polling", "tutorflow_nb webhooks", "naive gather + poll 3 s"):
        with MockServer(speed=speed, rate_limit=limit, seed=11) as server:
            demo = server.demo
            assert demo is not None
            poll = (2.0 / speed, 5.0 / speed)
            start = time.perf_counter()
            if mode.startswith("naive"):
                counts = asyncio.run(naive(server.base_url, demo.content_key, requests, speed))
                wall, reqs, limited = time.perf_counter() - start, counts["requests"], counts["429"]
            else:
                receiver = WebhookReceiver().start() if mode.endswith("webhooks") else None
                try:
                    if receiver is not None:
                        admin = AdminClient(server.base_url, cookies={"tutorflow_admin_session": demo.session_token})
                        run_sync(receiver.subscribe(admin.aio, demo.organization_id))
                        admin.close()
                    start = time.perf_counter()

                    async def go(key: str, poll: tuple[float, float], receiver: WebhookReceiver | None) -> Any:
                        async with AsyncContentClient(server.base_url, key, poll_interval=poll) as c:
                            return await c.expansions.run_batch(requests, receiver=receiver)

                    batch = asyncio.run(go(demo.content_key, poll, receiver))
                finally:
                    if receiver is not None:
                        receiver.stop()
                wall, reqs, limited = time.perf_counter() - start, batch.requests, batch.rate_limited
                assert all(i.status == "completed" for i in batch), batch
            one_job_per_item(server, n, mode)
        rows.append(
            {
                "mode": mode,
                "jobs": n,
                "wall_s": wall,
                "bound_s": bound,
                "wall_over_bound": wall / bound,
                "requests_per_job": reqs / n,
                "429s": limited,
            }
        )
    return rows


async def _polling(base_url: str, key: str, requests: list[dict[str, Any]], speed: float) -> Any:
    async with AsyncContentClient(base_url, key, poll_interval=(2.0 / speed, 5.0 / speed)) as client:
        return await client.expansions.run_batch(requests)


def dialects(n: int, limit: int, speed: float, names: list[str]) -> list[dict[str, Any]]:
    """The polling batch once per dialect, beside the default dialect: the client depends on none of the guesses."""
    requests = make_requests(n)
    rows = []
    for name in ["default", *names]:
        with MockServer(speed=speed, rate_limit=limit, seed=11, dialect=name) as server:
            demo = server.demo
            assert demo is not None
            start = time.perf_counter()
            batch = asyncio.run(_polling(server.base_url, demo.content_key, requests, speed))
            wall = time.perf_counter() - start
            assert all(i.status == "completed" for i in batch), f"{name}: {batch}"
            one_job_per_item(server, n, name)
        rows.append(
            {
                "dialect": name,
                "jobs": n,
                "wall_s": wall,
                "requests_per_job": batch.requests / n,
                "429s": batch.rate_limited,
                "share_429": batch.rate_limited / batch.requests,
            }
        )
    for row in rows:
        row["vs_default"] = row["wall_s"] / rows[0]["wall_s"]
    return rows


DIALECT_TARGET = "< 5% 429s, <= 2.3 req/job, <= 1.5x default time"
HARDEST = ["no-rate-headers,no-retry-after", "ietf-rate-headers,retry-after-date"]


def dialect_table(rows: list[dict[str, Any]]) -> str:
    return table(
        [{**r, "share_429": f"{100 * r['share_429']:.1f}%"} for r in rows],
        [("dialect", "dialect", "<34"), ("jobs", "jobs", ">6"), ("wall s", "wall_s", ">9.2f"),
         ("x default", "vs_default", ">11.2f"), ("req/job", "requests_per_job", ">9.2f"), ("429s", "429s", ">7"),
         ("429 %", "share_429", ">8")],
    )  # fmt: skip


TARGETS = {
    "tutorflow_nb polling": "0 429s, <= 2.3 req/job, <= 1.15 wall/bound",
    "tutorflow_nb webhooks": "0 429s, <= 2.05 req/job, <= 1.15 wall/bound",
}


BATCH_COLUMNS = [
    ("batch", "mode", "<26"),
    ("jobs", "jobs", ">6"),
    ("wall s", "wall_s", ">9.2f"),
    ("bound s", "bound_s", ">9.2f"),
    ("wall/bound", "wall_over_bound", ">12.2f"),
    ("req/job", "requests_per_job", ">9.2f"),
    ("429s", "429s", ">7"),
]


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]] = BATCH_COLUMNS) -> str:
    """``rows`` as aligned text: each column a (heading, row key, format spec)."""
    head = "".join(f"{title:{spec.split('.')[0]}}" for title, _, spec in columns)  # align and width only
    lines = [head, "-" * len(head)]
    lines += ["".join(f"{r[key]:{spec}}" for _, key, spec in columns) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--limit", type=int, default=120, help="the key's requests per minute")
    parser.add_argument("--speed", type=float, default=10.0, help="mock clock speed")
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.limit, args.speed = 40, 60, 20.0
    print(
        f"batch: {args.jobs} expansions, key limit {args.limit}/min, mock x{args.speed:g} "
        f"(a mock minute is {60 / args.speed:.1f} s of wall time)"
    )
    rows = run(args.jobs, args.limit, args.speed)
    print(table(rows))
    names = HARDEST if args.quick else [*(d for d in DIALECTS if d != "default"), *HARDEST]
    n = 40 if args.quick else 120
    print(f"\nbatch per dialect: {n} expansions, key limit {args.limit}/min, mock x{args.speed:g}")
    by_dialect = dialects(n, args.limit, args.speed, names)
    print(dialect_table(by_dialect))
    return [
        (
            f"batch, {r['mode']}",
            f"{r['wall_over_bound']:.2f} wall/bound, {r['requests_per_job']:.2f} req/job, {r['429s']} 429s",
            TARGETS.get(r["mode"], "(baseline)"),
            f"{r['jobs']} jobs",
        )
        for r in rows
    ] + [
        (
            f"batch, dialect {r['dialect']}",
            (
                f"{r['vs_default']:.2f}x default time, {r['requests_per_job']:.2f} req/job, "
                f"{100 * r['share_429']:.1f}% 429s"
            ),
            DIALECT_TARGET if r["dialect"] != "default" else "(baseline)",
            f"{r['jobs']} jobs, {r['wall_s']:.1f} s",
        )
        for r in by_dialect
    ]


if __name__ == "__main__":
    main()
