"""Waiting on work: one job at a time (:func:`wait_for`), or thousands within a key's budget (:func:`run_batch`).

Nothing here knows a surface. A resource group (``Expansions``, ``Courses``,
``Modules``) hands the engine a :class:`Plan`: its requests, how each becomes an item
with its Idempotency-Key, and a :class:`BatchSurface` (how to create one item and how to
look at it once); the engine does the rest. It reads the requests as it goes (a
generator of a million is fine), creates every item, then fetches each result once it is
expected to be done. Expected finish times are learned as the batch runs: a fetch that
finds a job unfinished at some age raises the estimate to just above that age, a fetch
that finds it done lets it drift down a little, so few fetches come early and a batch
costs close to the minimum of two requests per job. Every request goes through the key's
one ``RateBudget``, so the batch runs as fast as the limit allows without a 429. With a
webhook receiver, completions arrive as deliveries and the fetch happens at once; polling
is then only the fallback for a delivery that never came.

With a store, every item is written before its create is sent and again when it is
accepted and when it finishes; the writes run on a thread of their own, so a store that
another program holds locked delays only the store, never the event loop. A stored item
keeps only its ids, state and key in memory: its request and result are read back from
the store when asked for.

A cancelled batch (Ctrl-C on a sync call, ``task.cancel()`` on an async one, leaving an
:func:`iter_batch` loop) stops every call it has in flight and starts nothing new; the
store then says exactly which items were accepted, and running the same batch again
resumes them.

Progress is reported to an ``on_update`` callback; nothing here draws anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import inspect
import itertools
import json
import logging
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .display import Card, ShownByCard, Value, short
from .errors import JobFailedError, JobTimeoutError, StoreError, TutorFlowError, is_transient
from .models.base import Model, to_body
from .models.constants import FINAL_STATUSES, FINISHED_STATES, is_failed, state_of, tone_of
from .progress import BatchProgress, WaitProgress, chain, wanted

__all__ = [
    "BatchItem",
    "BatchResult",
    "BatchStore",
    "BatchSurface",
    "Created",
    "Plan",
    "Pollable",
    "Receiver",
    "batch_items",
    "iter_batch",
    "overall_status",
    "run_batch",
    "wait_for",
]

log = logging.getLogger("tutorflow_nb.jobs")


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
T = TypeVar("T", bound=Model)
"""What a batch's items end with: ``ExpansionResult``, ``CourseRequest`` or ``PlatformModule``."""


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


class BatchItem(Generic[T]):
    """One request of a batch and what became of it.

    ``status`` is one of ``models.constants.STATES`` in every surface: ``pending`` until the
    server accepts the create, ``queued`` and ``processing`` while it works, then
    ``completed``, ``failed`` (the job failed: its result says why) or ``error`` (refused, or
    given up after transient failures; ``error`` holds the message). An item of a stored
    batch keeps only its ids, state and key in memory: :attr:`request` and :attr:`result`
    are read back from the store when asked for.
    """

    __slots__ = (
        "_answers",
        "_request",
        "_result",
        "created_at",
        "error",
        "external_id",
        "fetches",
        "finished_at",
        "idempotency_key",
        "index",
        "job_id",
        "setbacks",
        "status",
    )

    def __init__(
        self,
        index: int,
        request: dict[str, Any] | None,
        idempotency_key: str,
        external_id: str | None = None,
        *,
        job_id: str | None = None,
        status: str = "pending",
        created_at: float | None = None,
    ) -> None:
        self.index = index
        self.idempotency_key = idempotency_key
        self.external_id = external_id
        self.job_id = job_id
        self.status = status
        self.error: str | None = None
        self.created_at = created_at
        """When the create answered (``time.monotonic()``)."""
        self.finished_at: float | None = None
        self.fetches = 0
        """How many times the batch looked at this item's job."""
        self.setbacks = 0
        """Calls that failed transiently even after the client's own retries, and were made again later."""
        self._request = request
        self._result: T | None = None
        self._answers: _Answers[T] | None = None

    @property
    def request(self) -> dict[str, Any]:
        """The body the create sends (read back from the store once it is written there)."""
        if self._request is None and self._answers is not None:
            return self._answers.request(self.idempotency_key)
        return self._request or {}

    @request.setter
    def request(self, body: dict[str, Any]) -> None:
        self._request = body

    @property
    def result(self) -> T | None:
        """What the item ended with: the finished job's answer (``None`` until then, and for an ``error``)."""
        if self._result is None and self._answers is not None and self.status in FINISHED_STATES:
            return self._answers.result(self.idempotency_key)
        return self._result

    @result.setter
    def result(self, value: T | None) -> None:
        self._result = value

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def elapsed(self) -> float | None:
        if self.created_at is None:
            return None
        return (self.finished_at or time.monotonic()) - self.created_at

    def _stored(self, answers: _Answers[T]) -> None:
        """The store holds this item's request and result from now on: read them from there, hold neither."""
        self._answers, self._request, self._result = answers, None, None

    def __repr__(self) -> str:
        return f"<BatchItem {self.index} {self.status} job={short(self.job_id)} key={self.idempotency_key[:40]!r}>"


def overall_status(counts: Mapping[str, int], total: int) -> str:
    """A batch's status from its items' states: ``completed`` when every item completed, ``failed`` when any
    failed or ended in error, else ``processing``.

        >>> overall_status({"completed": 2}, 2), overall_status({"completed": 1, "error": 1}, 3)
        ('completed', 'failed')
    """
    if counts.get("failed") or counts.get("error"):
        return "failed"
    return "completed" if counts.get("completed", 0) == total else "processing"


@dataclass
class BatchResult(ShownByCard, Generic[T]):
    """A finished batch: its items in request order, and what the run cost.

    ``result[i].result`` is the typed answer (``ExpansionResult`` for an expansion batch,
    ``CourseRequest`` for courses, ``PlatformModule`` for modules); a stored batch reads it
    from its store when asked, a chunk at a time in :meth:`loaded`.
    """

    items: list[BatchItem[T]]
    requests: int = 0
    rate_limited: int = 0
    wall_seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[BatchItem[T]]:
        return iter(self.items)

    def __getitem__(self, i: int) -> BatchItem[T]:
        return self.items[i]

    def loaded(self, chunk: int = 1000) -> Iterator[tuple[BatchItem[T], dict[str, Any], T | None]]:
        """Every item with its request and result, read from the store ``chunk`` items at a time."""
        for start in range(0, len(self.items), chunk):
            part = self.items[start : start + chunk]
            answers = next((i._answers for i in part if i._answers is not None), None)
            read = answers.many([i.idempotency_key for i in part if i._answers is not None]) if answers else {}
            for item in part:
                request, result = read.get(item.idempotency_key, (item._request or {}, item._result))
                yield item, request, result

    @property
    def results(self) -> list[T | None]:
        """Each item's result, in request order (``None`` for an item that ended in ``error``)."""
        return [result for _, _, result in self.loaded()]

    @property
    def failed(self) -> list[BatchItem[T]]:
        return [i for i in self.items if i.status in ("failed", "error")]

    @property
    def requests_per_job(self) -> float:
        return self.requests / max(1, len(self.items))

    @property
    def counts(self) -> dict[str, int]:
        """How many items ended (or stand) in each state."""
        return dict(Counter(item.status for item in self.items))

    @property
    def status(self) -> str:
        """``completed``, ``failed`` or ``processing``: :func:`overall_status` of the items."""
        return overall_status(self.counts, len(self.items))

    def __repr__(self) -> str:
        return (
            f"<BatchResult {len(self.items)} items {self.counts} requests={self.requests} "
            f"({self.requests_per_job:.2f}/job) 429s={self.rate_limited} {self.wall_seconds:.1f}s>"
        )

    def card(self, rows: int = 20) -> Card:
        """The batch at a glance: counts by state, what it cost, and its first ``rows`` items."""
        statuses = self.counts
        status = overall_status(statuses, len(self.items))
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
            status,
            [
                ("statuses", ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))),
                ("requests", f"{self.requests} ({self.requests_per_job:.2f} per item), {self.rate_limited} 429s"),
                ("took", f"{self.wall_seconds:.1f} s"),
            ],
            table=(["#", "external id", "job", "status", "elapsed", "error"], lines),
            note=f"{len(self.items) - rows} more item(s): .items has them all" if len(self.items) > rows else None,
            tone=tone_of(status),
        )


@dataclass(frozen=True)
class Created(Generic[T]):
    """What a create answered: the job's id and status, and its result when the answer already holds it."""

    job_id: str
    status: str
    result: T | None = None
    classroom_id: str | None = None


class BatchSurface(Protocol[T]):
    """What a resource group tells the engine about its work."""

    kind: str
    """The store's name for this kind of item (``expansion``, ``platform-course``, ``platform-module``)."""

    async def create(self, item: BatchItem[T]) -> Created[T]:
        """Send ``item``'s create with its idempotency key."""
        ...

    async def check(self, job_id: str) -> tuple[str, T | None]:
        """One look at a job: ``(status, result)``, the result ``None`` while it is not done."""
        ...

    def parse(self, stored: dict[str, Any]) -> T:
        """A stored result back into its model."""
        ...

    def source_of(self, item: BatchItem[T]) -> str | None:
        """The item's ``sourceContentId`` for the store."""
        ...


class BatchStore(Protocol):
    """Where a batch records its items so that a re-run resumes (``ManifestStore`` is one).

    Every record belongs to a target (the base URL and key prefix it was written with): a
    batch reads and resumes only its own target's records. The batch calls these from a
    thread of its own, one call at a time; a failure raises ``StoreError``.
    """

    def get(self, target: str, kind: str, idempotency_key: str) -> dict[str, Any] | None: ...
    def lookup(self, target: str, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]: ...
    def answers(self, target: str, kind: str, keys: list[str]) -> dict[str, tuple[str, str | None]]: ...
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


@dataclass(frozen=True)
class Plan(Generic[T]):
    """A batch ready to run: its requests and how each becomes an item, its surface, and its pace.

    ``requests`` is any iterable, read as the batch goes: bodies (dicts or models), or
    ``(external_id, body)`` pairs. ``as_sent`` turns a body into what its create sends
    (before the key is derived from it); ``key_of(body, external_id)`` derives the key.
    """

    requests: Iterable[Any]
    key_of: Callable[[dict[str, Any], str | None], str]
    surface: BatchSurface[T]
    http: _Session
    as_sent: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    estimate: float = 2.0
    floor: float = 0.2

    def item(self, index: int, entry: Any) -> BatchItem[T]:
        """The item for one entry of ``requests``, its key derived once, before anything is sent."""
        return _item(index, entry, self.key_of, self.as_sent)


def _item(
    index: int,
    entry: Any,
    key_of: Callable[[dict[str, Any], str | None], str],
    as_sent: Callable[[dict[str, Any]], dict[str, Any]] | None,
) -> BatchItem[Any]:
    external, data = entry if isinstance(entry, tuple) else (None, entry)
    body = to_body(data) if as_sent is None else as_sent(to_body(data))
    return BatchItem(index, body, key_of(body, external), external)


def batch_items(
    requests: Iterable[Any],
    key_of: Callable[[dict[str, Any], str | None], str],
    as_sent: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[BatchItem[Any]]:
    """Batch items with their idempotency keys derived once, before anything is sent (what a batch makes of each)."""
    return [_item(i, entry, key_of, as_sent) for i, entry in enumerate(requests)]


# ---------------------------------------------------------------- the store, off the loop


class _Answers(Generic[T]):
    """Where a stored batch's requests and results are read back from: one at a time, or a chunk at once."""

    def __init__(self, store: BatchStore, target: str, kind: str, parse: Callable[[dict[str, Any]], T]) -> None:
        self.store, self.target, self.kind, self.parse = store, target, kind, parse

    def request(self, key: str) -> dict[str, Any]:
        row = self.store.get(self.target, self.kind, key)
        return json.loads(row["request"]) if row else {}

    def result(self, key: str) -> T | None:
        row = self.store.get(self.target, self.kind, key)
        return self.parse(json.loads(row["result"])) if row and row["result"] else None

    def many(self, keys: list[str]) -> dict[str, tuple[dict[str, Any], T | None]]:
        read = self.store.answers(self.target, self.kind, keys)
        return {
            key: (json.loads(request), self.parse(json.loads(result)) if result else None)
            for key, (request, result) in read.items()
        }


class _StoreThread:
    """One daemon thread that makes a batch's store calls in order, while the event loop only awaits them.

    A daemon, and not a ``ThreadPoolExecutor`` (whose threads the interpreter joins at exit):
    a program stopped by Ctrl-C while another program holds the store locked ends at once,
    instead of waiting out the lock's timeout.
    """

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]] | None] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="tutorflow-store", daemon=True).start()

    async def run(self, call: Callable[[], Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._calls.put((call, future))
        return await future

    def close(self) -> None:
        self._calls.put(None)  # the calls before it are still made (a write the batch no longer waits for)

    def _serve(self) -> None:
        while (next_call := self._calls.get()) is not None:
            call, future = next_call
            try:
                result: Any = call()
            except BaseException as exc:  # handed to whoever awaits the call
                _settle(future, None, exc)
            else:
                _settle(future, result, None)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """Give ``future`` (on its loop) the result of a call made on another thread, unless nobody waits any more."""

    def settle() -> None:
        if future.done():  # cancelled: the batch stopped waiting for this write
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is left to tell
        future.get_loop().call_soon_threadsafe(settle)


class _Recorder(Generic[T]):
    """Writes a batch's progress to a store (or nowhere), on a thread of its own, and restores a re-run from it.

    The event loop only waits for a write, never blocks on one: a store that another program
    holds locked delays this batch's items, while the kernel's cells, widgets and Ctrl-C go on.
    """

    def __init__(self, store: BatchStore | None, surface: BatchSurface[T], session: _Session) -> None:
        self.store, self.surface = store, surface
        self.target, self.key_prefix = session.target, session.key_prefix
        self._thread = _StoreThread() if store is not None else None
        self.answers = _Answers(store, self.target, surface.kind, surface.parse) if store is not None else None

    async def _run(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        assert self._thread is not None
        return await self._thread.run(functools.partial(call, *args, **kwargs))

    async def _keep(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A write of what the server already did (accepted a job, finished one): cancelled while it is made (Ctrl-C),
        it is let finish, for at most ``KEEP_SECONDS``, so the store stays exact, as a create on the wire is let
        answer; then the cancellation goes on. A store locked longer loses the record, never the work: a re-run
        sends the same key, which the server replays."""
        write = asyncio.ensure_future(self._run(call, *args, **kwargs))
        try:
            return await asyncio.shield(write)
        except asyncio.CancelledError:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(write), self.KEEP_SECONDS)
            raise

    KEEP_SECONDS = 5.0

    def close(self) -> None:
        if self._thread is not None:
            self._thread.close()

    async def restore(self, items: list[BatchItem[T]]) -> None:
        """What a previous run of the same batch did: finished items are done, accepted ones re-attached."""
        if self.store is None or self.answers is None or not items:
            return
        rows = await self._run(self.store.lookup, self.target, self.surface.kind, [i.idempotency_key for i in items])
        for item in items:
            row = rows.get(item.idempotency_key)
            if row is None:
                continue
            item.job_id = row["job_id"]
            if row["status"] in FINISHED_STATES and row["has_result"]:
                item.status = row["status"]
                item.finished_at = time.monotonic()
                item._stored(self.answers)
            elif item.job_id:  # accepted before: re-attach, whatever went wrong after
                item.status = row["status"] if row["status"] in ("queued", "processing") else "processing"

    async def intend(self, item: BatchItem[T]) -> None:
        if self.store is not None:
            await self._run(
                self.store.intend,
                self.target,
                self.surface.kind,
                item.idempotency_key,
                item.request,
                source_content_id=self.surface.source_of(item),
                external_id=item.external_id,
                key_prefix=self.key_prefix,
            )

    async def accepted(self, item: BatchItem[T], classroom_id: str | None) -> None:
        if self.store is not None and item.job_id is not None:
            await self._keep(
                self.store.accepted,
                self.target,
                self.surface.kind,
                item.idempotency_key,
                item.job_id,
                item.status,
                classroom_id,
            )
            item._request = None  # the store has it (read back by item.request)
            item._answers = self.answers

    async def finished(self, item: BatchItem[T]) -> None:
        if self.store is not None and self.answers is not None:
            result = item._result.to_stored() if item._result is not None else None
            await self._keep(
                self.store.finished,
                self.target,
                self.surface.kind,
                item.idempotency_key,
                item.status,
                result,
                item.error,
            )
            item._stored(self.answers)


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


@dataclass(frozen=True)
class _Options:
    concurrency: int
    on_update: Callable[[BatchItem[Any]], Any] | None
    receiver: Receiver | None
    on_finished: Callable[[BatchItem[Any]], None] | None = None
    webhook_grace: float = 3.0


class _Batch(Generic[T]):
    """The scheduler shared by every kind of batch.

    Requests are read a chunk at a time, as the batch needs more work. A call that still
    fails transiently after the client's own retries (what ``errors.may_retry`` allows
    again: 429, 500, 502, 503, 504 or no answer, on a request that is safe to repeat) sets its
    item back: the create or fetch is tried again later, up to ``SETBACKS`` times, with the
    same Idempotency-Key. Only then, or on any other failure, is the item ``error``. The
    setbacks wait 1 s, 2 s, 4 s, 8 s and 16 s whatever the client's ``RetryPolicy``, so a
    batch rides out an outage of about 30 s even on a client tuned to retry at once (a short
    per-call backoff must not make a batch give up sooner). A request that repeats one
    already in the batch (the same Idempotency-Key) is not sent again: its item follows the
    first one's.
    """

    SETBACKS = 5
    CHUNK = 64

    def __init__(self, plan: Plan[T], recorder: _Recorder[T], options: _Options) -> None:
        self.plan, self.surface, self.recorder, self.options = plan, plan.surface, recorder, options
        self.items: list[BatchItem[T]] = []
        self.estimate = _Estimate(plan.estimate, plan.floor)
        self._source: Iterator[Any] | None = iter(plan.requests)
        self._intake: asyncio.Task[None] | None = None
        self._first: dict[str, BatchItem[T]] = {}  # key -> the first item that sends it
        self._mirrors: dict[int, list[BatchItem[T]]] = {}  # index of a first item -> its repeats
        self._due: list[tuple[float, int, BatchItem[T], bool]] = []  # fetches: (when, tie, item, certain)
        self._again: list[tuple[float, int, BatchItem[T]]] = []  # creates set back: (when, tie, item)
        self._fetching: set[int] = set()  # indices of items being fetched now
        self._tie = itertools.count()
        self._wake = asyncio.Event()
        self._open: set[int] = set()
        self._waiting: deque[BatchItem[T]] = deque()
        self._failure: BaseException | None = None

    # ------------------------------------------------------------ reading the requests

    async def _take(self) -> None:
        """Up to ``CHUNK`` more requests made into items, restored from the store, and queued."""
        assert self._source is not None
        made: list[BatchItem[T]] = []
        try:
            for entry in itertools.islice(self._source, self.CHUNK):
                made.append(self.plan.item(len(self.items), entry))
                self.items.append(made[-1])
        except Exception as exc:  # the requests' own error: say how far the batch got and how to go on
            if hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note(
                    f"tutorflow_nb: the batch stopped at request {len(self.items)} (counting from 0); nothing more "
                    "was sent. Fix the requests and run the same batch again: with its store, nothing done is sent "
                    "twice"
                )
            raise
        if len(made) < self.CHUNK:
            self._source = None
        fresh = [i for i in made if i.idempotency_key not in self._first]
        for item in fresh:
            self._first.setdefault(item.idempotency_key, item)
        await self.recorder.restore(fresh)
        for item in made:
            first = self._first[item.idempotency_key]
            if first is not item:  # the same request again: it follows the first one
                if first.done:
                    await self._follow(first, item)
                else:
                    self._open.add(item.index)
                    self._mirrors.setdefault(first.index, []).append(item)
            elif item.done:  # a previous run finished it
                await self.update(item)
            else:
                self._open.add(item.index)
                if item.job_id is not None:  # a previous run created it: look again at once
                    item.created_at = time.monotonic()
                    self.schedule(item, time.monotonic(), certain=True)
                else:
                    self._waiting.append(item)

    # ------------------------------------------------------------ scheduling

    def schedule(self, item: BatchItem[T], at: float, certain: bool = False) -> None:
        """Fetch ``item`` at ``at``; ``certain`` when a webhook said it is done (never deferred)."""
        heapq.heappush(self._due, (at, next(self._tie), item, certain))
        self._wake.set()

    def _next_fetch(self, now: float) -> BatchItem[T] | None:
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

    async def _follow(self, first: BatchItem[T], item: BatchItem[T]) -> None:
        """``item`` repeats ``first``'s request: it ends as ``first`` did, with nothing sent for it."""
        item.job_id, item.status, item.error = first.job_id, first.status, first.error
        item.created_at, item.finished_at = first.created_at, first.finished_at
        item._request, item._result, item._answers = first._request, first._result, first._answers
        await self.update(item)

    async def update(self, item: BatchItem[T]) -> None:
        if item.done:
            self._open.discard(item.index)
            if self.options.on_finished is not None:
                self.options.on_finished(item)
        await _call(self.options.on_update, item)
        if item.done:
            for mirror in self._mirrors.pop(item.index, ()):
                await self._follow(item, mirror)

    async def _finish(self, item: BatchItem[T], result: T, status: str) -> None:
        item.result, item.finished_at = result, time.monotonic()
        item.status = "failed" if state_of(status) == "failed" else "completed"
        await self.recorder.finished(item)
        await self.update(item)

    async def _failed(self, item: BatchItem[T], exc: TutorFlowError) -> None:
        """Set ``item`` back after a transient failure, or end it as ``error``."""
        if is_transient(exc) and item.setbacks < self.SETBACKS:
            self._set_back(item, exc)
            return
        item.status, item.error, item.finished_at = "error", str(exc), time.monotonic()
        await self.recorder.finished(item)
        await self.update(item)

    def _set_back(self, item: BatchItem[T], exc: TutorFlowError) -> None:
        """Try ``item``'s create or fetch again later (the same key: nothing is duplicated)."""
        item.setbacks += 1
        backoff = 0.5 * 2**item.setbacks  # 1 s, 2 s, 4 s ...
        now = time.monotonic()
        if item.job_id is None:  # the create: send it again once the backoff has passed
            delay = min(30.0, backoff)
            heapq.heappush(self._again, (now + delay, next(self._tie), item))
            self._wake.set()
        else:  # the fetch: look again when the job may be done and the backoff has passed
            delay = min(30.0, self.estimate.value + backoff)
            self.schedule(item, now + delay, certain=True)
        log.info(
            "batch item %d: %s; trying again in %.1fs (%d/%d)", item.index, exc, delay, item.setbacks, self.SETBACKS
        )

    async def _created(self, item: BatchItem[T]) -> None:
        await self.recorder.intend(item)
        try:
            created = await self.surface.create(item)
        except TutorFlowError as exc:
            await self._failed(item, exc)
            return
        item.job_id, item.created_at = created.job_id, time.monotonic()
        state = state_of(created.status)
        if created.result is not None:  # the answer holds the finished work (a module, a sync course)
            item.status = state
            await self.recorder.accepted(item, created.classroom_id)
            await self._finish(item, created.result, created.status)
            return
        # a create replayed after a dropped answer can find its job already finished: its
        # result still has to be fetched, so the item is not done yet, only being brought in
        ready = state in FINISHED_STATES
        item.status = "processing" if ready else state
        await self.recorder.accepted(item, created.classroom_id)
        await self.update(item)
        now = time.monotonic()
        receiver, job_id = self.options.receiver, created.job_id
        if ready:
            self.schedule(item, now, certain=True)
        elif receiver is not None:
            receiver.watch(job_id, functools.partial(self._delivered, item))
            self.schedule(item, now + self.estimate.value * 3 + self.options.webhook_grace)
        else:
            self.schedule(item, now + self.estimate.value)

    def _delivered(self, item: BatchItem[T]) -> None:
        self.schedule(item, time.monotonic(), certain=True)

    async def _fetched(self, item: BatchItem[T]) -> None:
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
            if item.fetches == 1:
                self.estimate.on_time()
            if self.options.receiver is not None:
                self.options.receiver.forget(item.job_id)
            await self._finish(item, result, status)
            return
        item.status = state_of(status)
        now = time.monotonic()
        age = now - (item.created_at or now)
        self.estimate.early(age)
        at = max(now + max(self.estimate.floor, 0.2 * age), (item.created_at or now) + self.estimate.value)
        self.schedule(item, at + (self.options.webhook_grace if self.options.receiver else 0.0))
        await self.update(item)

    def _start(self, running: set[asyncio.Task[None]], now: float) -> None:
        if self._source is not None and self._intake is None and len(self._waiting) < self.options.concurrency:
            self._intake = asyncio.create_task(self._take())
        while len(running) < self.options.concurrency:
            item = self._next_fetch(now)
            if item is not None:
                self._fetching.add(item.index)
                coro = self._fetched(item)
            elif self._again and self._again[0][0] <= now:
                coro = self._created(heapq.heappop(self._again)[2])
            elif self._waiting:
                coro = self._created(self._waiting.popleft())
            else:
                return
            task = asyncio.create_task(coro)
            running.add(task)
            task.add_done_callback(running.discard)
            task.add_done_callback(self._failed_task)

    def _failed_task(self, task: asyncio.Task[None]) -> None:
        """Keep the first failure of a call (a store that cannot be written, a bug in a callback); every one is
        read here, so none is reported as "never retrieved"."""
        if not task.cancelled() and task.exception() is not None and self._failure is None:
            self._failure = task.exception()

    def _next_wake(self, now: float) -> float | None:
        """Seconds until a fetch or a create set back is due (``None``: nothing is)."""
        due = [heap[0][0] for heap in (self._due, self._again) if heap]
        return min(due) - now if due else None

    async def run(self) -> None:
        """Run until every item is done; cancelled, stop every call in flight and start nothing new."""
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                self._start(running, time.monotonic())
                if not (self._open or running or self._intake is not None or self._source is not None):
                    break
                next_due = self._next_wake(time.monotonic())
                if next_due is not None and next_due <= 0 and running:
                    next_due = None  # due but held back (probing): the running tasks wake us
                self._wake.clear()
                wake = asyncio.create_task(self._wake.wait())
                waiting = [wake, *running, *([self._intake] if self._intake is not None else [])]
                try:
                    done, _ = await asyncio.wait(
                        waiting,
                        timeout=None if next_due is None else max(0.0, next_due),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    wake.cancel()
                if self._intake is not None and self._intake in done:
                    intake, self._intake = self._intake, None
                    intake.result()  # the requests' own error (a generator that raised), or the store's
                if self._failure is not None:  # a store failure, or a bug in a callback
                    raise self._failure
        finally:
            others = [*running, *([self._intake] if self._intake is not None else [])]
            for task in others:
                task.cancel()
            if others:  # let every call in flight finish cancelling before the caller hears of it
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.gather(*others, return_exceptions=True)


def _total(requests: Iterable[Any], total: int | None) -> int | None:
    if total is not None:
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            raise ValueError(f"total must be a whole number of requests, 0 or more, not {total!r}")
        return total
    return len(requests) if isinstance(requests, Sized) else None


async def _run(
    plan: Plan[T],
    *,
    store: BatchStore | None,
    concurrency: int,
    on_update: Callable[[BatchItem[T]], Any] | None,
    receiver: Receiver | None,
    total: int | None,
    progress: bool | None,
    on_finished: Callable[[BatchItem[T]], None] | None = None,
) -> BatchResult[T]:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number, at least 1, not {concurrency!r}")
    recorder = _Recorder(store, plan.surface, plan.http)
    bar = BatchProgress(_total(plan.requests, total), f"{plan.surface.kind} batch") if wanted(progress) else None
    options = _Options(concurrency, chain(on_update, bar.update if bar else None), receiver, on_finished)
    start, before = time.monotonic(), dict(plan.http.stats)
    batch = _Batch(plan, recorder, options)

    def result() -> BatchResult[T]:
        after = plan.http.stats
        return BatchResult(
            batch.items,
            requests=after.get("requests", 0) - before.get("requests", 0),
            rate_limited=after.get("429", 0) - before.get("429", 0),
            wall_seconds=time.monotonic() - start,
            stats={
                "estimate_seconds": round(batch.estimate.value, 3),
                "retries": after.get("retries", 0) - before.get("retries", 0),
            },
        )

    try:
        await batch.run()
    except StoreError as exc:
        exc.result = result()
        raise
    finally:
        recorder.close()
        if bar is not None:
            bar.close()
    return result()


async def run_batch(
    plan: Plan[T],
    *,
    store: BatchStore | None = None,
    concurrency: int = 16,
    on_update: Callable[[BatchItem[T]], Any] | None = None,
    receiver: Receiver | None = None,
    total: int | None = None,
    progress: bool | None = None,
) -> BatchResult[T]:
    """Create, wait on and fetch every item of ``plan``; the engine behind each group's ``run_batch``.

    With a ``store``, every item is recorded before its create is sent and again when it
    is accepted and when it finishes; running the same batch again skips what is done,
    re-attaches to jobs in flight and creates only what was never accepted, with the same
    idempotency keys. ``total`` is how many requests there are, for the progress bar, when
    ``plan.requests`` cannot say (a generator).

    Raises:
        StoreError: the store could not be written (locked past its timeout, a full disk, a
            read-only file); nothing more was sent, ``.result`` holds the batch so far, and the
            same batch run again resumes.
    """
    return await _run(
        plan,
        store=store,
        concurrency=concurrency,
        on_update=on_update,
        receiver=receiver,
        total=total,
        progress=progress,
    )


async def iter_batch(
    plan: Plan[T],
    *,
    store: BatchStore | None = None,
    concurrency: int = 16,
    on_update: Callable[[BatchItem[T]], Any] | None = None,
    receiver: Receiver | None = None,
    total: int | None = None,
    progress: bool | None = None,
) -> AsyncGenerator[BatchItem[T], None]:
    """Run ``plan`` as :func:`run_batch` does, yielding each item as it finishes (in finishing order).

    Items a previous run of the same stored batch finished come first. Leaving the loop early
    (``break``, an exception, Ctrl-C, cancelling) stops the batch as an interrupted
    :func:`run_batch` does: nothing more is sent, the store is exact, a re-run resumes.
    """
    finished: asyncio.Queue[BatchItem[T]] = asyncio.Queue()
    running = asyncio.ensure_future(
        _run(
            plan,
            store=store,
            concurrency=concurrency,
            on_update=on_update,
            receiver=receiver,
            total=total,
            progress=progress,
            on_finished=finished.put_nowait,
        )
    )
    try:
        while True:
            next_one = asyncio.ensure_future(finished.get())
            try:
                await asyncio.wait([next_one, running], return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not next_one.done():
                    next_one.cancel()
            if next_one.done() and not next_one.cancelled():
                yield next_one.result()
                continue
            while not finished.empty():
                yield finished.get_nowait()
            running.result()  # the batch's own error, if it ended with one
            return
    finally:
        if not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(running, return_exceptions=True)
