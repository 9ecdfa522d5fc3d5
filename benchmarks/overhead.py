"""Client overhead and mock throughput, side by side on the same server in one run.

- overhead: time per status request through tutorflow_nb's client (budget, retries, model parsing)
  over a bare ``httpx.AsyncClient`` hitting the same route on the same mock (target <= 1.10);
- throughput: requests per second of the mock's status route over a bare Starlette route on the
  same uvicorn settings, both loaded with the same concurrent client (target >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tutorflow_nb import AsyncContentClient
from tutorflow_nb.mock import MockServer
from tutorflow_nb.serving import bind, url_of

REQUEST = {
    "requestedOutputs": ["expanded_quiz"],
    "payload": {
        "category": "Bench",
        "level": {
            "id": "l",
            "title": "L",
            "lessons": [{"id": "a", "type": "t", "title": "T", "items": [{"term": "x", "meaning": "y"}]}],
        },
    },
}


async def _timed(n: int, call: Any) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n


async def overhead(server: MockServer, n: int, rounds: int) -> dict[str, float]:
    key = server.demo.content_key
    async with (
        AsyncContentClient(server.base_url, key) as ours,
        httpx.AsyncClient(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}) as bare,
    ):
        job = await ours.expansions.create(REQUEST)
        path = f"/v1/content/integrations/expansions/{job.id}"

        async def bare_call() -> None:
            r = await bare.get(path)
            r.raise_for_status()
            r.json()

        async def ours_call() -> None:
            await ours.expansions.get(job.id)

        await _timed(50, bare_call)
        await _timed(50, ours_call)  # warm both
        ours_t, bare_t = [], []
        for _ in range(rounds):  # request by request in turn, so drift and noise fall on both
            spent = {bare_call: 0.0, ours_call: 0.0}
            for i in range(2 * n):
                call = (bare_call, ours_call)[i % 2]
                start = time.perf_counter()
                await call()
                spent[call] += time.perf_counter() - start
            bare_t.append(spent[bare_call] / n)
            ours_t.append(spent[ours_call] / n)
    return {
        "ours_ms": min(ours_t) * 1000,
        "bare_ms": min(bare_t) * 1000,
        "ratio": min(ours_t) / min(bare_t),
        "median_ratio": statistics.median(o / b for o, b in zip(ours_t, bare_t, strict=False)),
    }


def _serve(app: Any) -> tuple[uvicorn.Server, str]:
    sock = bind()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, url_of(sock)


async def _load(base_url: str, path: str, headers: dict[str, str], n: int, concurrency: int) -> float:
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=httpx.Limits(max_connections=concurrency)
    ) as client:
        queue_ = iter(range(n))

        async def worker() -> None:
            for _ in queue_:
                r = await client.get(path)
                assert r.status_code == 200, r.status_code

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - start)


def throughput(server: MockServer, n: int, concurrency: int) -> dict[str, float]:
    # a key of its own: the overhead rounds have spent much of the demo key's window
    key = httpx.post(
        server.url("/_mock/organizations"), json={"adminEmail": "load@bench.example", "rateLimitPerMinute": 10_000}
    ).json()["contentKey"]
    job = httpx.post(
        server.url("/v1/content/integrations/expansions"), json=REQUEST, headers={"Authorization": f"Bearer {key}"}
    ).json()
    body = httpx.get(
        server.url(f"/v1/content/integrations/expansions/{job['id']}"), headers={"Authorization": f"Bearer {key}"}
    ).json()

    async def status(request: Any) -> JSONResponse:
        return JSONResponse(body)

    bare, bare_url = _serve(Starlette(routes=[Route("/status", status)]))
    try:
        mock_rps = asyncio.run(
            _load(
                server.base_url,
                f"/v1/content/integrations/expansions/{job['id']}",
                {"Authorization": f"Bearer {key}"},
                n,
                concurrency,
            )
        )
        bare_rps = asyncio.run(_load(bare_url, "/status", {}, n, concurrency))
    finally:
        bare.should_exit = True
    return {"mock_rps": mock_rps, "bare_rps": bare_rps, "ratio": mock_rps / bare_rps}


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n, rounds, load = (200, 3, 1000) if args.quick else (1000, 7, 8000)  # load within one key's 10,000/min
    with MockServer(rate_limit=10_000, speed=1) as server:
        o = asyncio.run(overhead(server, n, rounds))
        t = throughput(server, load, 32)
    print(
        f"client overhead: status request through tutorflow_nb {o['ours_ms']:.3f} ms, bare httpx "
        f"{o['bare_ms']:.3f} ms: ratio {o['ratio']:.2f} (median of rounds {o['median_ratio']:.2f}; target <= 1.10)"
    )
    print(
        f"mock throughput: status route {t['mock_rps']:.0f} req/s, bare Starlette {t['bare_rps']:.0f} req/s: "
        f"ratio {t['ratio']:.2f} (target >= 0.5)"
    )
    return [
        (
            "client overhead / bare httpx",
            f"{o['ratio']:.2f} (median {o['median_ratio']:.2f})",
            "<= 1.10",
            f"{o['ours_ms']:.3f} ms vs {o['bare_ms']:.3f} ms per status request",
        ),
        (
            "mock throughput / bare Starlette",
            f"{t['ratio']:.2f}",
            ">= 0.5",
            f"{t['mock_rps']:.0f} vs {t['bare_rps']:.0f} req/s",
        ),
    ]


if __name__ == "__main__":
    main()
