"""Waiting on work: one job at a time (:func:`wait_for`), or thousands within a key's budget (:func:`run_batch`).

Nothing here knows a surface. A resource group (``Expansions``, ``Courses``,
``Modules``) hands the engine a :class:`BatchSurface`: how to create one item and how to
look at it once; the engine does the rest. It creates every item, then fetches each
result once it is expected to be done. Expected finish times are learned as the batch
runs: a fetch that finds a job unfinished at some age raises the estimate to just above
that age, a fetch that finds it done lets it drift down a little, so few fetches come
early and a batch costs close to the minimum of two requests per job. Every request
goes through the key's one ``RateBudget``, so the batch runs as fast as the limit allows
without a 429. With a webhook receiver, completions arrive as deliveries and the fetch
happens at once; polling is then only the fallback for a delivery that never came.

A cancelled batch (Ctrl-C on a sync call, ``task.cancel()`` on an async one) stops every
call it has in flight and starts nothing new; the store then says exactly which items
were accepted, and running the same batch again resumes them.

Progress is reported to an ``on_update`` callback; nothing here draws anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from .display import Card, ShownByCard, Value, short
from .errors import JobFailedError, JobTimeoutError, TutorFlowError, is_transient
from .models.base import to_body
from .models.constants import TERMINAL_JOB_STATUSES, is_failed, is_terminal
from .progress import BatchProgress, WaitProgress, chain, wanted

__all__ = [
    "BatchItem",
    "BatchResult",
    "BatchStore",
    "BatchSurface",
    "Created",
    "Pollable",
    "Receiver",
    "run_batch",
    "wait_for",
]

log = logging.getLogger("tutorflow_nb.jobs")

ITEM_DONE = TERMINAL_JOB_STATUSES | {"error"}
"""A batch item's final statuses: the job's own (``completed``, ``failed``, in either surface's spelling made
lower case), or ``error`` when the batch could not get it done (refused, or given up)."""


async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    out = callback(*args)
    if inspect.isawaitable(out):
        await out


class Pollable(Protocol):
    """What :func:`wait_for` polls: an expansion job, a course request or a module."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def is_terminal(self) -> bool: ...


P = TypeVar("P", bound=Pollable)


async def wait_for(
    fetch: Callable[[], Awaitable[P]],
    *,
    timeout: float,
    interval: tuple[float, float],
    on_status: Callable[[P], Any] | None = None,
    what: str = "job",
    progress: bool | None = None,
) -> P:
    """Poll ``fetch()`` until the job is terminal: every 2-5 s by default, or as ``pollAfterMs`` says.

    Returns:
        The finished job.

    Raises:
        JobFailedError: the job ended failed (``.job`` carries it).
        JobTimeoutError: it was still running after ``timeout`` seconds.
    """
    bar = WaitProgress(what) if wanted(progress) else None
    try:
        return await _poll(fetch, timeout, interval, chain(on_status, bar.update if bar else None), what)
    finally:
        if bar is not None:
            bar.close()


async def _poll(
    fetch: Callable[[], Awaitable[P]],
    timeout: float,
    interval: tuple[float, float],
    on_status: Callable[[P], Any] | None,
    what: str,
) -> P:
    lo, hi = interval
    deadline = time.monotonic() + timeout
    last, delay = None, lo
    while True:
        job = await fetch()
        if job.status != last:
            last = job.status
            await _call(on_status, job)
        if job.is_terminal:
            if is_failed(job.status):
                error = getattr(job, "error", None) or {}
                raise JobFailedError(
                    f"{what} failed: {error.get('message', 'no reason given')}", job=job, code=error.get("code")
                )
            return job
        left = deadline - time.monotonic()
        if left <= 0:
            raise JobTimeoutError(f"{what} is still {job.status} after {timeout:g} s", job=job)
        hint = getattr(job, "poll_after_ms", None)
        wait = hint / 1000 if hint else delay
        delay = min(hi, delay * 1.5)
        await asyncio.sleep(max(0.0, min(wait, left)))


# ---------------------------------------------------------------- what a batch is made of


@dataclass
class BatchItem:
    """One request of a batch and what became of it."""

    index: int
    request: dict[str, Any]
    idempotency_key: str
    external_id: str | None = None
    job_id: str | None = None
    status: str = "pending"
    """``pending``, ``created``, the server's own statuses while it works, then ``completed``, ``failed`` or
    ``error`` (refused, or given up after transient failures)."""
    result: Any = None
    error: str | None = None
    created_at: float | None = None
    """When the create answered (``time.monotonic()``)."""
    finished_at: float | None = None
    fetches: int = 0
    """How many times the batch looked at this item's job."""
    setbacks: int = 0
    """Calls that failed transiently even after the client's own retries, and were made again later."""

    @property
    def done(self) -> bool:
        return self.status in ITEM_DONE

    @property
    def elapsed(self) -> float | None:
        if self.created_at is None:
            return None
        return (self.finished_at or time.monotonic()) - self.created_at


@dataclass
class BatchResult(ShownByCard):
    """A finished batch: its items in request order, and what the run cost."""

    items: list[BatchItem]
    requests: int = 0
    rate_limited: int = 0
    wall_seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[BatchItem]:
        return iter(self.items)

    def __getitem__(self, i: int) -> BatchItem:
        return self.items[i]

    @property
    def results(self) -> list[Any]:
        return [i.result for i in self.items]

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if i.status in ("failed", "error")]

    @property
    def requests_per_job(self) -> float:
        return self.requests / max(1, len(self.items))

    @property
    def counts(self) -> dict[str, int]:
        """How many items ended (or stand) in each status."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return counts

    def __repr__(self) -> str:
        return (
            f"<BatchResult {len(self.items)} items {self.counts} requests={self.requests} "
            f"({self.requests_per_job:.2f}/job) 429s={self.rate_limited} {self.wall_seconds:.1f}s>"
        )

    def card(self, rows: int = 20) -> Card:
        """The batch at a glance: counts by status, what it cost, and its first ``rows`` items."""
        statuses = self.counts
        overall = (
            "completed"
            if statuses.get("completed") == len(self.items)
            else ("failed" if statuses.get("failed") or statuses.get("error") else "processing")
        )
        lines: list[list[Value]] = [
            [
                str(i.index),
                i.external_id,
                short(i.job_id),
                i.status,
                f"{i.elapsed:.1f} s" if i.elapsed is not None else None,
                i.error,
            ]
            for i in self.items[:rows]
        ]
        return Card(
            f"Batch of {len(self.items)}",
            overall,
            [
                ("statuses", ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))),
                ("requests", f"{self.requests} ({self.requests_per_job:.2f} per item), {self.rate_limited} 429s"),
                ("took", f"{self.wall_seconds:.1f} s"),
            ],
            table=(["#", "external id", "job", "status", "elapsed", "error"], lines),
            note=f"{len(self.items) - rows} more item(s): .items has them all" if len(self.items) > rows else None,
        )


@dataclass(frozen=True)
class Created:
    """What a create answered: the job's id and status, and its result when the answer already holds it."""

    job_id: str
    status: str
    result: Any = None
    classroom_id: str | None = None


class BatchSurface(Protocol):
    """What a resource group tells the engine about its work."""

    kind: str
    """The store's name for this kind of item (``expansion``, ``platform-course``, ``platform-module``)."""

    async def create(self, item: BatchItem) -> Created:
        """Send ``item``'s create with its idempotency key."""
        ...

    async def check(self, job_id: str) -> tuple[str, Any]:
        """One look at a job: ``(status, result)``, the result ``None`` while it is not done."""
        ...

    def parse(self, stored: dict[str, Any]) -> Any:
        """A stored result back into its model."""
        ...

    def source_of(self, item: BatchItem) -> str | None:
        """The item's ``sourceContentId`` for the store."""
        ...


class BatchStore(Protocol):
    """Where a batch records its items so that a re-run resumes (``ManifestStore`` is one).

    Every record belongs to a target (the base URL and key prefix it was written with): a
    batch reads and resumes only its own target's records.
    """

    def get(self, target: str, kind: str, idempotency_key: str) -> dict[str, Any] | None: ...
    def intend(
        self,
        target: str,
        kind: str,
        idempotency_key: str,
        request: dict[str, Any],
        *,
        source_content_id: str | None,
        external_id: str | None,
        key_prefix: str | None,
    ) -> None: ...
    def accepted(
        self,
        target: str,
        kind: str,
        idempotency_key: str,
        job_id: str,
        status: str,
        classroom_id: str | None = None,
    ) -> None: ...
    def finished(
        self,
        target: str,
        kind: str,
        idempotency_key: str,
        status: str,
        result: dict[str, Any] | None,
        error: str | None = None,
    ) -> None: ...


class Receiver(Protocol):
    """A webhook receiver a batch can wait on (``WebhookReceiver`` is one)."""

    def watch(self, job_id: str, callback: Callable[[], None]) -> None: ...
    def forget(self, job_id: str) -> None: ...


class _Session(Protocol):
    """What a batch needs of the HTTP session: its target (for the store) and its request counters."""

    @property
    def stats(self) -> Mapping[str, int]: ...
    @property
    def target(self) -> str: ...
    @property
    def key_prefix(self) -> str | None: ...


def batch_items(
    requests: Iterable[Any],
    key_of: Callable[[dict[str, Any], str | None], str],
    as_sent: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[BatchItem]:
    """Batch items with their idempotency keys derived once, before anything is sent.

    ``requests`` holds bodies (dicts or models) or ``(external_id, body)`` pairs; ``as_sent``
    turns a body into what its create sends (before the key is derived from it).
    """
    items = []
    for i, entry in enumerate(requests):
        external, data = entry if isinstance(entry, tuple) else (None, entry)
        body = to_body(data) if as_sent is None else as_sent(to_body(data))
        items.append(BatchItem(i, body, key_of(body, external), external))
    return items


# ---------------------------------------------------------------- the scheduler


class _Estimate:
    """How long a job takes, learned from what each fetch shows.

    A job still running at age ``a`` proves jobs can take longer than ``a``: the estimate
    stays above ``1.2 a`` for the rest of the batch. A job found done on its first fetch
    lets the estimate drift down a little, never below that evidence. Until one fetch has
    found a job done, the estimate is unconfirmed and the batch probes one job at a time.
    """

    MARGIN, DOWN = 1.2, 0.98

    def __init__(self, initial: float, floor: float) -> None:
        self.value, self.floor = initial, floor
        self.longest_running = 0.0
        self.confirmed = False

    def early(self, age: float) -> None:
        self.longest_running = max(self.longest_running, age)
        self.value = max(self.value, age * self.MARGIN, self.floor)

    def on_time(self) -> None:
        self.confirmed = True
        self.value = max(self.floor, self.longest_running * self.MARGIN, self.value * self.DOWN)


class _Recorder:
    """Writes a batch's progress to a store (or nowhere) and restores it on a re-run."""

    def __init__(self, store: BatchStore | None, surface: BatchSurface, session: _Session) -> None:
        self.store, self.surface = store, surface
        self.target, self.key_prefix = session.target, session.key_prefix

    def restore(self, items: list[BatchItem]) -> None:
        if self.store is None:
            return
        for item in items:
            row = self.store.get(self.target, self.surface.kind, item.idempotency_key)
            if row is None:
                continue
            item.job_id = row["job_id"]
            if row["status"] in TERMINAL_JOB_STATUSES and row["result"]:
                item.status, item.result = row["status"], self.surface.parse(json.loads(row["result"]))
                item.finished_at = time.monotonic()
            elif item.job_id:  # accepted before: re-attach, whatever went wrong after
                item.status = "created"

    def intend(self, item: BatchItem) -> None:
        if self.store is not None:
            self.store.intend(
                self.target,
                self.surface.kind,
                item.idempotency_key,
                item.request,
                source_content_id=self.surface.source_of(item),
                external_id=item.external_id,
                key_prefix=self.key_prefix,
            )

    def accepted(self, item: BatchItem, classroom_id: str | None) -> None:
        if self.store is not None and item.job_id is not None:
            self.store.accepted(
                self.target, self.surface.kind, item.idempotency_key, item.job_id, item.status, classroom_id
            )

    def finished(self, item: BatchItem) -> None:
        if self.store is not None:
            result = item.result.to_stored() if item.result is not None else None
            self.store.finished(self.target, self.surface.kind, item.idempotency_key, item.status, result, item.error)


@dataclass(frozen=True)
class _Options:
    concurrency: int
    on_update: Callable[[BatchItem], Any] | None
    receiver: Receiver | None
    estimate: float
    floor: float
    webhook_grace: float = 3.0


class _Batch:
    """The scheduler shared by every kind of batch.

    A call that still fails transiently (5xx, 429, no answer) after the client's own retries
    sets its item back: the create or fetch is tried again later, up to ``SETBACKS`` times,
    with the same Idempotency-Key. Only then, or on a refusal (400, 401, 403, 404, 409), is
    the item ``error``. The setbacks wait 1 s, 2 s, 4 s, 8 s and 16 s whatever the client's
    ``RetryPolicy``, so a batch rides out an outage of about 30 s even on a client tuned to
    retry at once (a short per-call backoff must not make a batch give up sooner).
    """

    SETBACKS = 5

    def __init__(self, items: list[BatchItem], surface: BatchSurface, recorder: _Recorder, options: _Options) -> None:
        self.items, self.surface, self.recorder, self.options = items, surface, recorder, options
        self.estimate = _Estimate(options.estimate, options.floor)
        self._due: list[tuple[float, int, BatchItem, bool]] = []  # (when, tie, item, certain)
        self._fetching: set[int] = set()  # indices of items being fetched now
        self._tie = itertools.count()
        self._wake = asyncio.Event()
        self._open = {item.index for item in items if not item.done}
        self._waiting = [item for item in reversed(items) if not item.done and item.job_id is None]
        self._timers: list[asyncio.TimerHandle] = []

    def schedule(self, item: BatchItem, at: float, certain: bool = False) -> None:
        """Fetch ``item`` at ``at``; ``certain`` when a webhook said it is done (never deferred)."""
        heapq.heappush(self._due, (at, next(self._tie), item, certain))
        self._wake.set()

    def _next_fetch(self, now: float) -> BatchItem | None:
        """The item to fetch now, if any; entries the estimate now calls early are pushed back."""
        while self._due and self._due[0][0] <= now:
            if not self.estimate.confirmed and self._fetching and not self._due[0][3]:
                return None  # probe one job at a time until a fetch finds one done
            _, _, item, certain = heapq.heappop(self._due)
            if item.done or item.index in self._fetching:  # a webhook already brought it in, or a fallback did
                continue
            ready_at = (item.created_at or now) + self.estimate.value
            if not certain and ready_at > now + 1e-3:
                self.schedule(item, ready_at)
                continue
            return item
        return None

    async def update(self, item: BatchItem) -> None:
        if item.done:
            self._open.discard(item.index)
        await _call(self.options.on_update, item)

    def _finish(self, item: BatchItem, result: Any, status: str) -> None:
        item.result, item.finished_at = result, time.monotonic()
        item.status = "failed" if is_failed(status) else "completed"
        self.recorder.finished(item)

    async def _failed(self, item: BatchItem, exc: TutorFlowError) -> None:
        """Set ``item`` back after a transient failure, or end it as ``error``."""
        if is_transient(exc) and item.setbacks < self.SETBACKS:
            self._set_back(item, exc)
            return
        item.status, item.error, item.finished_at = "error", str(exc), time.monotonic()
        self.recorder.finished(item)
        await self.update(item)

    def _set_back(self, item: BatchItem, exc: TutorFlowError) -> None:
        """Try ``item``'s create or fetch again later (the same key: nothing is duplicated)."""
        item.setbacks += 1
        backoff = 0.5 * 2**item.setbacks  # 1 s, 2 s, 4 s ...
        if item.job_id is None:  # the create: send it again once the backoff has passed
            delay = min(30.0, backoff)
            self._timers.append(asyncio.get_running_loop().call_later(delay, self._recreate, item))
        else:  # the fetch: look again when the job may be done and the backoff has passed
            delay = min(30.0, self.estimate.value + backoff)
            self.schedule(item, time.monotonic() + delay, certain=True)
        log.info(
            "batch item %d: %s; trying again in %.1fs (%d/%d)", item.index, exc, delay, item.setbacks, self.SETBACKS
        )

    def _recreate(self, item: BatchItem) -> None:
        self._waiting.append(item)
        self._wake.set()

    async def _created(self, item: BatchItem) -> None:
        self.recorder.intend(item)
        try:
            created = await self.surface.create(item)
        except TutorFlowError as exc:
            await self._failed(item, exc)
            return
        item.job_id, item.created_at = created.job_id, time.monotonic()
        if created.result is not None:  # the answer holds the finished work (a module, a sync course)
            item.status = created.status
            self.recorder.accepted(item, created.classroom_id)
            self._finish(item, created.result, created.status)
            await self.update(item)
            return
        # a create replayed after a dropped answer can find its job already finished: its
        # result still has to be fetched, so the item is not done yet, only ready
        ready = is_terminal(created.status)
        item.status = "created" if ready else created.status
        self.recorder.accepted(item, created.classroom_id)
        await self.update(item)
        now = time.monotonic()
        receiver, job_id = self.options.receiver, created.job_id
        if ready:
            self.schedule(item, now, certain=True)
        elif receiver is not None:
            receiver.watch(job_id, lambda: self.schedule(item, time.monotonic(), certain=True))
            self.schedule(item, now + self.estimate.value * 3 + self.options.webhook_grace)
        else:
            self.schedule(item, now + self.estimate.value)

    async def _fetched(self, item: BatchItem) -> None:
        assert item.job_id is not None  # only created items are scheduled
        item.fetches += 1
        self._fetching.add(item.index)
        try:
            status, result = await self.surface.check(item.job_id)
        except TutorFlowError as exc:
            await self._failed(item, exc)
            return
        finally:
            self._fetching.discard(item.index)
        if result is not None:
            self._finish(item, result, status)
            if item.fetches == 1:
                self.estimate.on_time()
            if self.options.receiver is not None:
                self.options.receiver.forget(item.job_id)
        else:
            item.status = status
            now = time.monotonic()
            age = now - (item.created_at or now)
            self.estimate.early(age)
            at = max(now + max(self.estimate.floor, 0.2 * age), (item.created_at or now) + self.estimate.value)
            self.schedule(item, at + (self.options.webhook_grace if self.options.receiver else 0.0))
        await self.update(item)

    def _start(self, running: set[asyncio.Task[None]], now: float) -> None:
        while len(running) < self.options.concurrency:
            item = self._next_fetch(now)
            if item is not None:
                self._fetching.add(item.index)
                coro = self._fetched(item)
            elif self._waiting:
                coro = self._created(self._waiting.pop())
            else:
                return
            task = asyncio.create_task(coro)
            running.add(task)
            task.add_done_callback(running.discard)

    async def run(self) -> None:
        """Run until every item is done; cancelled, stop every call in flight and start nothing new."""
        for item in self.items:  # re-attach to jobs a previous run created
            if not item.done and item.job_id is not None:
                item.created_at = item.created_at or time.monotonic()
                self.schedule(item, time.monotonic(), certain=True)
        running: set[asyncio.Task[None]] = set()
        try:
            while self._open or running:
                self._start(running, time.monotonic())
                if not self._open and not running:
                    break
                next_due = self._due[0][0] - time.monotonic() if self._due else None
                if next_due is not None and next_due <= 0 and running:
                    next_due = None  # due but held back (probing): the running tasks wake us
                self._wake.clear()
                wake = asyncio.create_task(self._wake.wait())
                try:
                    done, _ = await asyncio.wait(
                        [wake, *running],
                        timeout=None if next_due is None else max(0.0, next_due),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    wake.cancel()
                for task in done:
                    if task is not wake and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]  # a bug in a callback, not an API answer
        finally:
            for timer in self._timers:
                timer.cancel()
            for task in running:
                task.cancel()
            if running:  # let every call in flight finish cancelling before the caller hears of it
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.gather(*running, return_exceptions=True)


async def run_batch(
    items: list[BatchItem],
    surface: BatchSurface,
    *,
    http: _Session,
    store: BatchStore | None = None,
    concurrency: int = 16,
    on_update: Callable[[BatchItem], Any] | None = None,
    receiver: Receiver | None = None,
    estimate: float = 2.0,
    floor: float = 0.2,
    progress: bool | None = None,
) -> BatchResult:
    """Create, wait on and fetch every item; the engine behind each group's ``run_batch``.

    With a ``store``, every item is recorded before its create is sent and again when it
    is accepted and when it finishes; running the same batch again skips what is done,
    re-attaches to jobs in flight and creates only what was never accepted, with the same
    idempotency keys.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    recorder = _Recorder(store, surface, http)
    recorder.restore(items)
    bar = BatchProgress(len(items), f"{surface.kind} batch") if wanted(progress) else None
    if bar is not None:
        for item in items:
            bar.update(item)  # what a previous run already finished
    options = _Options(concurrency, chain(on_update, bar.update if bar else None), receiver, estimate, floor)
    start, before = time.monotonic(), dict(http.stats)
    batch = _Batch(items, surface, recorder, options)
    try:
        await batch.run()
    finally:
        if bar is not None:
            bar.close()
    after = http.stats
    return BatchResult(
        items,
        requests=after.get("requests", 0) - before.get("requests", 0),
        rate_limited=after.get("429", 0) - before.get("429", 0),
        wall_seconds=time.monotonic() - start,
        stats={
            "estimate_seconds": round(batch.estimate.value, 3),
            "retries": after.get("retries", 0) - before.get("retries", 0),
        },
    )
