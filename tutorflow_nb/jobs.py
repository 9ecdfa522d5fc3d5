"""Waiting on jobs: one at a time (``wait_for``), or thousands within the key's budget.

A batch (``run_expansions``, ``run_courses``, ``run_modules``) creates every item, then
fetches each job's result once it is expected to be done. Expected finish times are
learned as the batch runs: a fetch that finds a job unfinished at some age raises the
estimate to just above that age, a fetch that finds it done lets it drift down a little,
so few fetches come early and a batch costs close to the minimum of two requests per job. Every request goes
through the key's one ``RateBudget``, so the batch runs as fast as the limit allows
without a 429. With a webhook receiver, completions arrive as deliveries and the fetch
happens at once; polling is then only the fallback for a delivery that never came.

Progress is reported to an ``on_update`` callback; nothing here draws anything.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import JobFailedError, JobTimeoutError, TutorFlowError, is_transient

if TYPE_CHECKING:
    from .content import AsyncContentClient
    from .platform import AsyncPlatformClient
    from .store import ManifestStore
    from .webhooks import WebhookReceiver

__all__ = ["BatchItem", "BatchResult", "run_courses", "run_expansions", "run_modules", "wait_for"]

FAILED = frozenset({"failed", "FAILED"})
log = logging.getLogger("tutorflow_nb.jobs")


async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    out = callback(*args)
    if inspect.isawaitable(out):
        await out


async def wait_for(
    fetch: Callable[[], Awaitable[Any]],
    *,
    timeout: float,
    interval: tuple[float, float],
    on_status: Callable[[Any], Any] | None = None,
    what: str = "job",
) -> Any:
    """Poll ``fetch()`` until the job is terminal: every 2-5 s by default, or as ``pollAfterMs`` says.

    Returns the finished job; a failed one raises :class:`JobFailedError` carrying it, and
    one still running after ``timeout`` seconds raises :class:`JobTimeoutError`.
    """
    lo, hi = interval
    deadline = time.monotonic() + timeout
    last, delay = None, lo
    while True:
        job = await fetch()
        if job.status != last:
            last = job.status
            await _call(on_status, job)
        if job.is_terminal:
            if job.status in FAILED:
                error = getattr(job, "error", None) or (job.model_extra or {}).get("error") or {}
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


@dataclass
class BatchItem:
    """One request of a batch and what became of it."""

    index: int
    request: dict[str, Any]
    idempotency_key: str
    external_id: str | None = None
    job_id: str | None = None
    status: str = "pending"  # pending, created, <server statuses…>, completed, failed, error
    result: Any = None
    error: str | None = None
    created_at: float | None = None  # wall clock (time.monotonic) when the create answered
    finished_at: float | None = None
    fetches: int = 0
    setbacks: int = 0  # calls that failed transiently after the client's own retries
    fetching: bool = field(default=False, repr=False)

    @property
    def done(self) -> bool:
        return self.status in ("completed", "failed", "error")

    @property
    def elapsed(self) -> float | None:
        if self.created_at is None:
            return None
        return (self.finished_at or time.monotonic()) - self.created_at


@dataclass
class BatchResult:
    """A finished batch: its items in request order, and what the run cost."""

    items: list[BatchItem]
    requests: int = 0
    rate_limited: int = 0
    wall_seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
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

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return (
            f"<BatchResult {len(self.items)} items {counts} requests={self.requests} "
            f"({self.requests_per_job:.2f}/job) 429s={self.rate_limited} {self.wall_seconds:.1f}s>"
        )


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


class _Batch:
    """The scheduler shared by every kind of batch; ``create`` and ``check`` make it one kind.

    A call that still fails transiently (5xx, 429, no answer) after the client's own retries
    sets its item back: the create or fetch is tried again later, up to ``SETBACKS`` times,
    with the same Idempotency-Key. Only then, or on a refusal (400, 401, 403, 404, 409), is
    the item ``error``.
    """

    SETBACKS = 5

    def __init__(
        self,
        items: list[BatchItem],
        *,
        create: Callable[[BatchItem], Awaitable[bool | None]],
        check: Callable[[BatchItem], Awaitable[bool]],
        http: Any,
        estimate: float,
        floor: float,
        concurrency: int,
        on_update: Callable[[BatchItem], Any] | None,
        receiver: WebhookReceiver | None = None,
        webhook_grace: float = 3.0,
        record_error: Callable[[BatchItem], None] | None = None,
    ) -> None:
        self.items, self._create, self._check, self.http = items, create, check, http
        self.estimate = _Estimate(estimate, floor)
        self.concurrency, self.on_update = concurrency, on_update
        self.receiver, self.grace = receiver, webhook_grace
        self._due: list[tuple[float, int, BatchItem, bool]] = []  # (when, tie, item, certain)
        self._fetching = 0
        self._tie = itertools.count()
        self._wake = asyncio.Event()
        self._open = {item.index for item in items if not item.done}
        self._waiting = [item for item in reversed(items) if not item.done and item.job_id is None]
        self._record_error = record_error or (lambda item: None)

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
            if item.done or item.fetching:  # a webhook already brought it in, or a fallback did
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
        await _call(self.on_update, item)

    async def _failed(self, item: BatchItem, exc: TutorFlowError) -> None:
        """Set ``item`` back after a transient failure, or end it as ``error``."""
        if is_transient(exc) and item.setbacks < self.SETBACKS:
            self._set_back(item, exc)
            return
        item.status, item.error, item.finished_at = "error", str(exc), time.monotonic()
        self._record_error(item)
        await self.update(item)

    def _set_back(self, item: BatchItem, exc: TutorFlowError) -> None:
        """Try ``item``'s create or fetch again later (the same key: nothing is duplicated)."""
        item.setbacks += 1
        delay = min(30.0, self.estimate.value + 0.5 * 2**item.setbacks)
        if item.job_id is None:  # the create: send it again
            asyncio.get_running_loop().call_later(delay, self._recreate, item)
        else:  # the fetch: look again
            self.schedule(item, time.monotonic() + delay, certain=True)
        log.info(
            "batch item %d: %s; trying again in %.1fs (%d/%d)", item.index, exc, delay, item.setbacks, self.SETBACKS
        )

    def _recreate(self, item: BatchItem) -> None:
        self._waiting.append(item)
        self._wake.set()

    async def _created(self, item: BatchItem) -> None:
        try:
            ready = await self._create(item)
        except TutorFlowError as exc:
            await self._failed(item, exc)
            return
        await self.update(item)
        if item.done:
            return
        now = time.monotonic()
        if ready:  # the create's answer says the job has finished
            self.schedule(item, now, certain=True)
        elif self.receiver is not None:
            self.receiver.watch(item.job_id, lambda: self.schedule(item, time.monotonic(), certain=True))  # type: ignore[arg-type]
            self.schedule(item, now + self.estimate.value * 3 + self.grace)
        else:
            self.schedule(item, now + self.estimate.value)

    async def _fetched(self, item: BatchItem) -> None:
        item.fetches += 1
        self._fetching += 1
        try:
            done = await self._check(item)
        except TutorFlowError as exc:
            await self._failed(item, exc)
            return
        finally:
            item.fetching = False
            self._fetching -= 1
        if done:
            item.finished_at = time.monotonic()
            if item.fetches == 1:
                self.estimate.on_time()
            if self.receiver is not None:
                self.receiver.forget(item.job_id)  # type: ignore[arg-type]
        else:
            now = time.monotonic()
            age = now - (item.created_at or now)
            self.estimate.early(age)
            at = max(now + max(self.estimate.floor, 0.2 * age), (item.created_at or now) + self.estimate.value)
            self.schedule(item, at + (self.grace if self.receiver else 0.0))
        await self.update(item)

    async def run(self) -> BatchResult:
        start = time.monotonic()
        before = dict(self.http.stats)
        waiting = self._waiting
        for item in self.items:  # re-attach to jobs a previous run created
            if not item.done and item.job_id is not None:
                item.created_at = item.created_at or time.monotonic()
                self.schedule(item, time.monotonic(), certain=True)
        running: set[asyncio.Task[None]] = set()
        while self._open or running:
            now = time.monotonic()
            while len(running) < self.concurrency:
                item = self._next_fetch(now)
                if item is not None:
                    item.fetching = True
                    coro = self._fetched(item)
                elif waiting:
                    coro = self._created(waiting.pop())
                else:
                    break
                task = asyncio.create_task(coro)
                running.add(task)
                task.add_done_callback(running.discard)
            if not self._open and not running:
                break
            next_due = self._due[0][0] - time.monotonic() if self._due else None
            if next_due is not None and next_due <= 0 and running:
                next_due = None  # due but held back (probing): the running tasks wake us
            self._wake.clear()
            waiters: list[Any] = [asyncio.create_task(self._wake.wait())]
            waiters += list(running)
            timeout = None if next_due is None else max(0.0, next_due)
            done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            waiters[0].cancel()
            for task in done:
                if task is not waiters[0] and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        after = self.http.stats
        return BatchResult(
            self.items,
            requests=after["requests"] - before.get("requests", 0),
            rate_limited=after["429"] - before.get("429", 0),
            wall_seconds=time.monotonic() - start,
            stats={
                "estimate_seconds": round(self.estimate.value, 3),
                "retries": after["retries"] - before.get("retries", 0),
            },
        )


class _Recorder:
    """Writes a batch's progress to a ``ManifestStore`` (or nowhere) and restores it on a re-run."""

    def __init__(
        self,
        store: ManifestStore | None,
        kind: str,
        key_prefix: str | None,
        source_of: Callable[[BatchItem], str | None],
        parse: Callable[[dict[str, Any]], Any],
    ) -> None:
        self.store, self.kind, self.key_prefix, self.source_of, self.parse = store, kind, key_prefix, source_of, parse

    def restore(self, items: list[BatchItem]) -> None:
        if self.store is None:
            return
        for item in items:
            row = self.store.get(self.kind, item.idempotency_key)
            if row is None:
                continue
            item.job_id = row["job_id"]
            if row["status"] in ("completed", "failed") and row["result"]:
                item.status, item.result = row["status"], self.parse(json.loads(row["result"]))
                item.finished_at = time.monotonic()
            elif item.job_id:  # accepted before: re-attach, whatever went wrong after
                item.status = "created"

    def intend(self, item: BatchItem) -> None:
        if self.store is not None:
            self.store.intend(
                self.kind,
                item.idempotency_key,
                item.request,
                source_content_id=self.source_of(item),
                external_id=item.external_id,
                key_prefix=self.key_prefix,
            )

    def accepted(self, item: BatchItem, classroom_id: str | None = None) -> None:
        if self.store is not None:
            self.store.accepted(self.kind, item.idempotency_key, item.job_id, item.status, classroom_id)

    def finished(self, item: BatchItem) -> None:
        if self.store is not None:
            result = item.result.model_dump(mode="json", by_alias=True) if item.result is not None else None
            self.store.finished(self.kind, item.idempotency_key, item.status, result, item.error)


def _items(requests: Iterable[Any], key_of: Callable[[dict[str, Any], str | None], str]) -> list[BatchItem]:
    """Batch items with their idempotency keys derived once, before anything is sent."""
    from .content import to_body

    items = []
    for i, entry in enumerate(requests):
        external = None
        if isinstance(entry, tuple):
            external, entry = entry
        body = to_body(entry)
        items.append(BatchItem(i, body, key_of(body, external), external))
    return items


async def run_expansions(
    client: AsyncContentClient,
    requests: Iterable[Any] | Sequence[Any],
    *,
    store: ManifestStore | None = None,
    concurrency: int = 16,
    on_update: Callable[[BatchItem], Any] | None = None,
    receiver: WebhookReceiver | None = None,
    version: str | None = None,
    estimate: float | None = None,
) -> BatchResult:
    """Create, wait on and fetch the results of many expansions; returns a :class:`BatchResult`.

    ``requests`` holds expansion bodies (dicts or models), or ``(external_id, body)`` pairs.
    Each item's ``result`` is an ``ExpansionResult``; a failed job's item has status
    ``failed`` (its outputs say so), a refused create has status ``error`` and the message.
    With a ``store``, every item is recorded before its create is sent, and a re-run of
    the same batch resumes: done items are skipped, jobs in flight re-attached, nothing
    created twice.
    """
    from .models import ExpansionResult

    exp = client.expansions
    items = _items(requests, lambda body, ext: exp.idempotency_key(body, external_id=ext, version=version))
    rec = _Recorder(
        store,
        "expansion",
        client.key_prefix,
        lambda item: item.external_id or exp.source_id(item.request),
        ExpansionResult.model_validate,
    )
    rec.restore(items)

    async def create(item: BatchItem) -> bool:
        rec.intend(item)
        job = await exp.create(item.request, idempotency_key=item.idempotency_key)
        item.job_id, item.created_at = job.id, time.monotonic()
        # a create replayed after a dropped answer can find the job already finished: its
        # result still has to be fetched, so the item is not done yet, only ready
        ready = job.status in ("completed", "failed")
        item.status = "created" if ready else job.status
        rec.accepted(item, job.classroom_id)
        return ready

    async def check(item: BatchItem) -> bool:
        result = await exp.result_if_done(item.job_id)  # type: ignore[arg-type]
        if result is None:
            item.status = "processing"
            return False
        item.result, item.status = result, result.job.status
        rec.finished(item)
        return True

    lo = client.poll_interval[0]
    return await _Batch(
        items,
        create=create,
        check=check,
        http=client.http,
        estimate=estimate or lo,
        floor=lo / 10,
        concurrency=concurrency,
        on_update=on_update,
        receiver=receiver,
        record_error=rec.finished,
    ).run()


async def run_courses(
    client: AsyncPlatformClient,
    requests: Iterable[Any],
    *,
    store: ManifestStore | None = None,
    concurrency: int = 16,
    on_update: Callable[[BatchItem], Any] | None = None,
    version: str | None = None,
    estimate: float | None = None,
) -> BatchResult:
    """Generate many Platform courses asynchronously (``mode: "async"``), polling each as ``pollAfterMs`` says.

    With a ``store`` the batch resumes as ``run_expansions`` does.
    """
    from . import idempotency
    from .models import CourseRequest

    courses = client.courses
    items = _items(
        requests,
        lambda body, ext: idempotency.derive(
            "platform-course", {**body, "mode": "async"}, external_id=ext, version=version
        ),
    )
    rec = _Recorder(
        store, "platform-course", client.key_prefix, lambda item: item.external_id, CourseRequest.model_validate
    )
    rec.restore(items)

    async def create(item: BatchItem) -> None:
        rec.intend(item)
        course = await courses.create(data={**item.request, "mode": "async"}, idempotency_key=item.idempotency_key)
        item.job_id, item.status, item.created_at = course.id, course.status, time.monotonic()
        rec.accepted(item)
        if course.is_terminal:
            _finish_course(item, course)
            rec.finished(item)

    async def check(item: BatchItem) -> bool:
        course = await courses.get(item.job_id)  # type: ignore[arg-type]
        item.status = course.status
        if not course.is_terminal:
            return False
        _finish_course(item, course)
        rec.finished(item)
        return True

    lo = client.poll_interval[0]
    return await _Batch(
        items,
        create=create,
        check=check,
        http=client.http,
        estimate=estimate or lo,
        floor=lo / 10,
        concurrency=concurrency,
        on_update=on_update,
        record_error=rec.finished,
    ).run()


def _finish_course(item: BatchItem, course: Any) -> None:
    item.result, item.finished_at = course, time.monotonic()
    item.status = "failed" if course.status in FAILED else "completed"


async def run_modules(
    client: AsyncPlatformClient,
    requests: Iterable[Any],
    *,
    concurrency: int = 16,
    on_update: Callable[[BatchItem], Any] | None = None,
    version: str | None = None,
) -> BatchResult:
    """Generate many Platform modules (each is synchronous: one request per module)."""
    from . import idempotency

    modules = client.modules
    items = _items(
        requests, lambda body, ext: idempotency.derive("platform-module", body, external_id=ext, version=version)
    )

    async def create(item: BatchItem) -> None:
        module = await modules.create(data=item.request, idempotency_key=item.idempotency_key)
        item.job_id, item.result, item.created_at = module.id, module, time.monotonic()
        item.finished_at = item.created_at
        item.status = "failed" if module.status == "failed" else "completed"

    async def never(item: BatchItem) -> bool:  # modules finish in the create
        return True

    return await _Batch(
        items,
        create=create,
        check=never,
        http=client.http,
        estimate=0.0,
        floor=0.0,
        concurrency=concurrency,
        on_update=on_update,
    ).run()
