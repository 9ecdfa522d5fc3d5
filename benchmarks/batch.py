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
from tutorflow_nb.mock import MockServer
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
            jobs = httpx.get(server.url("/_mock/jobs")).json()["data"]
            assert len(jobs) == n, f"{mode}: {len(jobs)} jobs on the server for {n} items"
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


TARGETS = {
    "tutorflow_nb polling": "0 429s, <= 2.3 req/job, <= 1.15 wall/bound",
    "tutorflow_nb webhooks": "0 429s, <= 2.05 req/job, <= 1.15 wall/bound",
}


def table(rows: list[dict[str, Any]]) -> str:
    head = f"{'batch':<26}{'jobs':>6}{'wall s':>9}{'bound s':>9}{'wall/bound':>12}{'req/job':>9}{'429s':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['mode']:<26}{r['jobs']:>6}{r['wall_s']:>9.2f}{r['bound_s']:>9.2f}"
            f"{r['wall_over_bound']:>12.2f}{r['requests_per_job']:>9.2f}{r['429s']:>7}"
        )
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
    return [
        (
            f"batch, {r['mode']}",
            f"{r['wall_over_bound']:.2f} wall/bound, {r['requests_per_job']:.2f} req/job, {r['429s']} 429s",
            TARGETS.get(r["mode"], "(baseline)"),
            f"{r['jobs']} jobs",
        )
        for r in rows
    ]


if __name__ == "__main__":
    main()
