"""The key budget against simulated fixed-window servers: told a window, or told nothing at all.

A discrete-event simulation drives a real :class:`RateBudget` the way the HTTP layer does
(``acquire`` a slot, send, ``release`` with the answer, ``pause`` after a 429 for
``Retry-After`` or a backoff), against a server that counts each key's requests in a fixed
window starting at its first request (as the mock and the documents' ``X-RateLimit-Reset``
suggest). The clock is simulated, so a minute-long window costs nothing to test, and every
combination of limit, window, workers and server manners runs.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from dataclasses import dataclass, field

import pytest

from tutorflow_nb import budget as budget_module
from tutorflow_nb.budget import OPEN_IN_FLIGHT, PROBE_BACKOFF, RateBudget

RTT = 0.05
"""Seconds from sending a request to its answer, in the simulation."""


@dataclass
class FakeClock:
    now: float = 0.0

    def monotonic(self) -> float:
        return self.now


@dataclass
class FixedWindow:
    """A server's limiter: ``limit`` requests per ``window`` seconds, the window starting at a key's first request."""

    limit: int
    window: float
    start: float | None = None
    count: int = 0

    def answer(self, now: float) -> tuple[int, float, int]:
        """(status, seconds to the reset, requests left) for a request arriving ``now``."""
        if self.start is None or now - self.start >= self.window:
            self.start, self.count = now, 0
        self.count += 1
        reset = self.start + self.window - now
        return (200 if self.count <= self.limit else 429), reset, max(0, self.limit - self.count)


@dataclass
class Outcome:
    requests: int = 0
    refused: int = 0
    refused_after_learning: int = 0
    elapsed: float = 0.0
    learned: tuple[int | None, float] = (None, 0.0)
    log: list[tuple[float, int]] = field(default_factory=list)


def simulate(
    monkeypatch: pytest.MonkeyPatch,
    *,
    limit: int,
    window: float,
    total: int,
    workers: int,
    headers: bool = False,
    retry_after: bool = False,
    rtt: float = RTT,
) -> Outcome:
    """``total`` successful requests through one budget by ``workers`` concurrent callers."""
    clock = FakeClock()
    monkeypatch.setattr(budget_module.time, "monotonic", clock.monotonic)
    budget = RateBudget()
    server = FixedWindow(limit, window)
    out = Outcome()
    queue: list[tuple[float, int, str, int, int, int]] = []  # (time, order, kind, attempt, seq, status)
    order = 0

    def push(at: float, kind: str, attempt: int = 0, seq: int = 0, status: int = 0) -> None:
        nonlocal order
        order += 1
        heapq.heappush(queue, (at, order, kind, attempt, seq, status))

    unassigned, done = total, 0
    for _ in range(min(workers, total)):
        unassigned -= 1
        push(0.0, "acquire")
    answers: dict[int, tuple[float, int]] = {}
    give_up = 10 * (math.ceil(total / limit) + 2) * max(window, rtt) + 100.0  # far beyond any honest pace
    while done < total:
        at, _, kind, attempt, seq, status = heapq.heappop(queue)
        clock.now = at
        assert at < give_up, f"the budget stopped sending: {done} of {total} done at {at:.1f} s, {budget!r}"
        if kind == "acquire":
            with budget._lock:
                got, delay = budget._try(at)
            if got is None:
                push(at + min(max(delay, 0.001), 0.25), "acquire", attempt)
                continue
            out.requests += 1
            status, reset, left = server.answer(at)
            answers[got] = (reset, left)
            push(at + rtt, "answer", attempt, got, status)
            continue
        reset, left = answers.pop(seq)
        sent_headers = {}
        if headers:
            sent_headers = {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(left)}
            sent_headers["x-ratelimit-reset"] = f"{max(0.0, reset - rtt):.3f}"
        budget.release(seq, sent_headers, status)
        out.log.append((at, status))
        if status == 429:
            out.refused += 1
            wait = max(0.0, reset - rtt) if retry_after else min(30.0, 0.5 * 2**attempt) / 2  # the mean backoff
            budget.pause(wait)
            push(at + wait, "acquire", attempt + 1)
            continue
        done += 1
        if unassigned:
            unassigned -= 1
            push(at, "acquire")
    out.elapsed = clock.now
    if budget.learned:
        out.learned = (budget.limit, budget.window)
    first_recovery = _first_recovery(out.log)
    out.refused_after_learning = sum(
        1 for t, s in out.log if s == 429 and first_recovery is not None and t > first_recovery
    )
    return out


def _first_recovery(log: list[tuple[float, int]]) -> float | None:
    """When the first answer after the first 429 streak was accepted."""
    seen_429 = False
    for at, status in log:
        if status == 429:
            seen_429 = True
        elif seen_429:
            return at
    return None


CASES = [
    (limit, window, workers, retry_after)
    for limit in (5, 60, 120, 600)
    for window in (3.0, 60.0)
    for workers in (1, 4, 16)
    for retry_after in (False, True)
]


@pytest.mark.parametrize(("limit", "window", "workers", "retry_after"), CASES)
def test_told_nothing_the_budget_learns_the_window(
    monkeypatch: pytest.MonkeyPatch, limit: int, window: float, workers: int, retry_after: bool
) -> None:
    total = limit * 4 + limit // 2 + 3  # five windows' worth, the last one partial
    out = simulate(monkeypatch, limit=limit, window=window, total=total, workers=workers, retry_after=retry_after)
    # the first window's overshoot: requests already on the wire, then the probes until the reset
    low, high = PROBE_BACKOFF
    probes = math.ceil(math.log2(high / low)) + math.ceil(window / high) + 1
    first_window = OPEN_IN_FLIGHT + (1 if retry_after else probes)
    assert out.refused <= first_window + 1 + workers, out  # + one refused try of a larger limit (and its wire)
    assert out.refused_after_learning <= 1 + workers, out
    if out.refused:  # else the callers never reached the limit, and nothing needed learning
        assert out.learned[0] is not None and limit - workers <= out.learned[0] <= limit + 1, out.learned
    if not out.refused:  # never reached the limit: as fast as the requests on the wire allow
        assert out.elapsed <= total * RTT / min(workers, OPEN_IN_FLIGHT) + 1.0, out.elapsed
        return
    windows = math.ceil(total / limit) * window
    slack = window if retry_after else window + high  # the reset is found to within one probe
    assert out.elapsed <= max(windows, total * RTT / workers) + slack + 1.0, out.elapsed


@pytest.mark.parametrize(("limit", "window", "workers"), [(c[0], c[1], c[2]) for c in CASES if c[3]])
def test_told_a_window_the_budget_is_never_refused(
    monkeypatch: pytest.MonkeyPatch, limit: int, window: float, workers: int
) -> None:
    total = limit * 3 + 1
    out = simulate(monkeypatch, limit=limit, window=window, total=total, workers=workers, headers=True)
    assert out.refused == 0, out
    assert out.elapsed <= max(math.ceil(total / limit) * window, total * RTT / workers) + window + 1.0


def test_a_429_streak_grows_the_wait_only_for_refused_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sixteen requests on the wire all refused at once are one refusal, not sixteen doublings of the wait."""
    clock = FakeClock()
    monkeypatch.setattr(budget_module.time, "monotonic", clock.monotonic)
    budget = RateBudget()
    budget.release(0, {}, 200)
    seqs = [budget._take(0.0) for _ in range(16)]
    for seq in seqs:
        budget.release(seq, {}, 429)
    assert budget._blocked_until == pytest.approx(PROBE_BACKOFF[0])
    clock.now = PROBE_BACKOFF[0]
    probe, _ = budget._try(clock.now)
    assert probe is not None and budget._try(clock.now)[0] is None  # one probe at a time
    budget.release(probe, {}, 429)
    assert budget._blocked_until == pytest.approx(clock.now + 2 * PROBE_BACKOFF[0])  # a refused probe doubles it


@pytest.mark.slow
def test_a_window_shorter_than_an_answer_never_stalls_a_batch() -> None:
    """Against the real mock, its clock at x1000: the key's window (ten requests a mock minute) lasts 60 ms of
    wall time, shorter than many answers take, so requests of one window are still on the wire when the next
    begins. The batch goes on to the end (before, it could wait forever for a window nothing would end)."""
    from conftest import source_request

    from tutorflow_nb import AsyncContentClient
    from tutorflow_nb.mock import MockServer

    async def batch(base_url: str, key: str) -> int:
        async with AsyncContentClient(base_url, key, poll_interval=(0.002, 0.005)) as content:
            requests = [source_request(1, level=f"short-window-{i}") for i in range(150)]
            done = await asyncio.wait_for(content.expansions.run_batch(requests, concurrency=32), timeout=120)
            return done.counts.get("completed", 0)

    with MockServer(speed=1000, rate_limit=10) as server:
        assert server.demo is not None
        assert asyncio.run(batch(server.base_url, server.demo.content_key)) == 150
