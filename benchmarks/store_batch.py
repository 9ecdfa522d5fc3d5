"""Stored batches in small memory: a batch fed from a generator, against the mock in a process of its own.

The mock runs at x1000 with the content key's rate set to the documented 10,000 requests a
(wall) minute, so the batch's bound is two requests per item at that rate. Side by side in one run:

- the stored batch (20,000 expansions; ``--quick``: 600), in a process of its own: its peak memory
  growth per item (resident memory, from before the batch to the peak), every item completed
  once (one job per item on the mock), and its wall time over the key's bound;
- the same batch run again against its finished store: requests sent (0) and wall time;
- ``iter_batch`` on a tenth as many items: when the first result arrives, over the batch's time;
- ``store.outputs()`` of the finished store (three outputs an item) over ``pandas.read_sql`` of the
  same table;
- in the full run, a 100,000-item batch: memory per item, wall over bound, resume time, and the
  mock's own memory per job (its resident memory before and after).
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from tutorflow_nb import ContentClient, ManifestStore

RATE_PER_WALL_MINUTE = 10_000
"""The documented rate of a content key."""
SPEED = 1000.0


def requests(n: int, tag: str) -> Iterator[dict[str, Any]]:
    """``n`` expansion bodies, made one at a time (nothing holds them all)."""
    for i in range(n):
        yield {
            "requestedOutputs": ["interactive_module", "summary_video", "expanded_quiz"],
            "payload": {
                "category": {"id": "stored", "title": "Stored batch"},
                "language": "en",
                "level": {
                    "id": f"{tag}-{i}",
                    "title": f"Level {i}",
                    "lessons": [
                        {
                            "id": "l1",
                            "type": "vocabulary",
                            "title": "Greetings",
                            "items": [{"term": f"word{i}-{k}", "meaning": f"meaning {k}"} for k in range(4)],
                        }
                    ],
                },
            },
        }


def _rss_kb(pid: int | str = "self") -> int:
    """Resident memory of a process, in KB (``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc: this benchmark reads Linux's process status")


def worker(base_url: str, key: str, db: str, n: int, tag: str) -> dict[str, Any]:
    """One stored batch, measured in this process: memory, wall, a re-run, and the store's outputs frame."""
    with ContentClient(base_url, key, poll_interval=(0.002, 0.005)) as content, ManifestStore(db) as store:
        content.classrooms()  # the pool and everything a call loads, before the baseline
        before = _rss_kb()
        start = time.perf_counter()
        batch = content.expansions.run_batch(requests(n, tag), store=store, total=n, concurrency=32)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        counts, sent = batch.counts, batch.requests
        del batch
        start = time.perf_counter()
        again = content.expansions.run_batch(requests(n, tag), store=store, total=n)
        rerun = time.perf_counter() - start
        start = time.perf_counter()
        frame = store.outputs()
        ours = time.perf_counter() - start
        with sqlite3.connect(db) as raw:
            start = time.perf_counter()
            plain = pd.read_sql("SELECT * FROM outputs", raw)
            theirs = time.perf_counter() - start
    return {
        "n": n,
        "counts": counts,
        "requests": sent,
        "wall_s": wall,
        "bytes_per_item": (peak - before) * 1024 / n,
        "rerun_s": rerun,
        "rerun_requests": again.requests,
        "rerun_counts": again.counts,
        "outputs": len(frame),
        "outputs_s": ours,
        "read_sql_s": theirs,
        "read_sql_rows": len(plain),
    }


def first_result(base_url: str, key: str, n: int, tag: str) -> dict[str, Any]:
    """``iter_batch``: seconds to the first finished item, and to the last."""
    with ContentClient(base_url, key, poll_interval=(0.002, 0.005)) as content:
        start = time.perf_counter()
        first = None
        for _ in content.expansions.iter_batch(requests(n, tag), total=n, concurrency=32):
            if first is None:
                first = time.perf_counter() - start
        whole = time.perf_counter() - start
    assert first is not None
    return {"first_s": first, "whole_s": whole}


class Mock:
    """``tutorflow-nb mock`` in a process of its own, at x1000, the content key at 10,000 requests a wall minute."""

    def __init__(self, folder: Path) -> None:
        env_file = folder / "mock.env"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tutorflow_nb.cli",
                "mock",
                "--port",
                "0",
                "--speed",
                str(SPEED),
                "--rate-limit",
                str(round(RATE_PER_WALL_MINUTE / SPEED)),
                "--env-file",
                str(env_file),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not env_file.exists() or "KEY" not in env_file.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the mock did not start"
            time.sleep(0.05)
        time.sleep(0.2)  # the file is written just before the server serves
        variables = dict(
            line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines() if "=" in line
        )
        self.base_url = variables["TUTORFLOW_API_BASE_URL"]
        self.key = variables["TUTORFLOW_CONTENT_API_KEY"]

    def jobs(self) -> int:
        return int(httpx.get(f"{self.base_url}/_mock/state").json()["counts"]["jobs"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _in_a_process(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the worker failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(n: int, big: int | None) -> list[dict[str, Any]]:
    rows = []
    sizes = [n, *([big] if big else [])]
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            mock = Mock(Path(folder))
            try:
                mock_before = _rss_kb(mock.process.pid)
                db = str(Path(folder) / f"store-{size}.sqlite")
                measured = _in_a_process(mock.base_url, mock.key, db, str(size), f"s{size}")
                jobs = mock.jobs()
                measured["mock_bytes_per_job"] = (_rss_kb(mock.process.pid) - mock_before) * 1024 / size
                assert measured["counts"] == {"completed": size}, measured["counts"]
                assert jobs == size, f"{jobs} jobs on the mock for {size} items"
                assert measured["rerun_requests"] == 0 and measured["rerun_counts"] == {"completed": size}
                assert measured["outputs"] == measured["read_sql_rows"] == 3 * size
                if size == n:
                    measured.update(first_result(mock.base_url, mock.key, max(50, n // 10), f"i{size}"))
            finally:
                mock.stop()
            measured["bound_s"] = 2 * size * 60 / RATE_PER_WALL_MINUTE
            rows.append(measured)
    return rows


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=100_000, help="the full run's largest batch (0: none)")
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    parser.add_argument("--worker", nargs=5, metavar=("URL", "KEY", "DB", "N", "TAG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        base_url, key, db, n, tag = args.worker
        print(json.dumps(worker(base_url, key, db, int(n), tag)))
        return []
    if args.quick:
        args.items, args.big = 600, 0
    print(
        f"stored batch: {args.items} expansions from a generator (and {args.big or 'no'} more in a second run), "
        f"mock x{SPEED:g} in its own process, key at {RATE_PER_WALL_MINUTE} requests a wall minute"
    )
    rows = run(args.items, args.big or None)
    for r in rows:
        print(
            f"  {r['n']:>7} items: {r['bytes_per_item'] / 1024:.2f} KB/item at peak, {r['wall_s']:.1f} s "
            f"(bound {r['bound_s']:.1f} s, {r['requests'] / r['n']:.2f} req/item), re-run {r['rerun_s']:.2f} s "
            f"with {r['rerun_requests']} requests, outputs() {r['outputs_s']:.2f} s vs read_sql "
            f"{r['read_sql_s']:.2f} s, mock {r['mock_bytes_per_job'] / 1024:.1f} KB/job"
        )
    first = rows[0]
    out = [
        (
            f"stored batch of {r['n']} from a generator",
            f"{r['bytes_per_item'] / 1024:.2f} KB/item, {r['wall_s'] / r['bound_s']:.2f} wall/bound",
            "<= 2 KB/item, one job per item" if r is first else "(reported)",
            f"{r['wall_s']:.1f} s vs {r['bound_s']:.1f} s at 10,000 req/min; {r['requests'] / r['n']:.2f} req/item",
        )
        for r in rows
    ]
    out += [
        (
            f"stored batch of {r['n']} re-run on its finished store",
            f"{r['rerun_s']:.2f} s, {r['rerun_requests']} requests",
            "no request, <= 3 s" if r is first else "(reported)",
            f"mock {r['mock_bytes_per_job'] / 1024:.1f} KB/job",
        )
        for r in rows
    ]
    out.append(
        (
            "iter_batch: first result / whole batch",
            f"{first['first_s'] / first['whole_s']:.3f}",
            "(reported)",
            f"{first['first_s']:.2f} s of {first['whole_s']:.1f} s",
        )
    )
    out.append(
        (
            f"store.outputs() / pandas.read_sql, {first['outputs']} outputs",
            f"{first['outputs_s'] / first['read_sql_s']:.2f}",
            "(reported)",
            f"{first['outputs_s']:.2f} s vs {first['read_sql_s']:.2f} s",
        )
    )
    return out


if __name__ == "__main__":
    main()
