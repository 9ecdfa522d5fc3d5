"""``JobMonitor``: a job or a whole batch, finishing live, ending with DataFrames."""

from __future__ import annotations

import asyncio
import html
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sized
from typing import Any

import ipywidgets as w

from .. import frames
from ..content import AsyncContentClient
from ..display import TONE_COLOURS, Card
from ..http import HttpSession
from ..jobs import BatchItem, BatchResult, overall_status
from ..models import ExpansionJob, ExpansionResult
from ..models.base import Body
from ..models.constants import state_of, tone_of
from ..platform import AsyncPlatformClient
from ..sync import run_sync
from ..sync_clients import ContentClient, PlatformClient
from .summary import Summarized

__all__ = ["JobMonitor"]


class JobMonitor(Summarized, w.VBox):
    """Live status of a batch: per job status and elapsed time, a progress bar, counts by
    status, requests used against the key's budget, errors with their message.

    It is the batch's ``on_update`` callback; :meth:`start` runs a batch as a task on the
    running loop, so the kernel stays free for other cells while the monitor updates.

    >>> monitor = JobMonitor()                                         # doctest: +SKIP
    >>> monitor.start(s.content, requests)                             # doctest: +SKIP
    """

    REDRAW_SECONDS = 0.1
    """A batch of more items than the table shows is redrawn at most this often (and always at its end)."""

    def __init__(self, *, title: str = "Jobs", max_rows: int = 50) -> None:
        self.items: dict[int, BatchItem[Any]] = {}
        self.batch: BatchResult[Any] | None = None
        self.task: asyncio.Task[BatchResult[Any] | ExpansionResult] | None = None
        self.what = "batch"
        """``batch`` after :meth:`start`, ``job`` after :meth:`watch`."""
        self.result: BatchResult[Any] | ExpansionResult | None = None
        """What the run ended with: the batch (after :meth:`start`) or the job's result (after :meth:`watch`)."""
        self.http: Any = None
        self.max_rows = max_rows
        self.total: int | None = None
        """How many items the run holds (``None``: a generator that could not say)."""
        self._drawn = 0.0
        self._started = time.monotonic()
        self.heading = w.HTML(f"<b>{html.escape(title)}</b>")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="done", bar_style="info")
        self.counts = w.HTML()
        self.budget = w.HTML()
        self.table = w.HTML()
        self.errors = w.HTML()
        self.stop_button = w.Button(description="Stop", icon="stop", button_style="warning", disabled=True)
        self.stop_button.on_click(lambda _: self.stop())
        self.stopped = False
        self._run = 0
        self._stop_asked = False
        self.failure: BaseException | None = None
        """What ended the run early (a refused job id, a failed job, a timeout); ``None`` otherwise."""
        super().__init__(
            [self.heading, w.HBox([self.progress, self.stop_button]), self.counts, self.budget, self.table, self.errors]
        )

    # ------------------------------------------------------------ fed by the waiter

    def expect(self, total: int | None, http: HttpSession | None = None) -> None:
        """A run of ``total`` items begins (``None``: a generator that cannot say; the bar follows what came)."""
        self.total = total
        self.progress.max = max(1, total or 0)
        self.http = http
        self._started = time.monotonic()
        self.redraw()

    def update(self, item: BatchItem[Any]) -> None:
        """The batch's ``on_update`` callback: one item changed (a big batch is redrawn at most 10 times a second)."""
        self.items[item.index] = item
        now = time.monotonic()
        if len(self.items) <= self.max_rows or now - self._drawn >= self.REDRAW_SECONDS:
            self.redraw()

    def status_changed(self, job: ExpansionJob) -> None:
        """A ``wait(..., on_status=…)`` callback for a single job."""
        item = self.items.get(0) or BatchItem(
            0, {}, getattr(job, "idempotency_key", "") or "", job_id=job.id, created_at=time.monotonic()
        )
        item.status = state_of(job.status)
        if item.done:
            item.finished_at = time.monotonic()
        self.update(item)

    # ------------------------------------------------------------ running

    @property
    def running(self) -> bool:
        """Whether what :meth:`start` or :meth:`watch` began is still going (a run told to stop is not)."""
        return self.task is not None and not self.task.done() and not self.stopped

    def _begin(self, what: str, total: int | None, http: Any) -> None:
        """A fresh run: refused while the last one is going (its Stop would be lost), else everything reset."""
        if self.running:
            raise RuntimeError(
                f"this JobMonitor is still running its {self.what}: press its Stop button (monitor.stop()) "
                "first, or show a new JobMonitor() for the new run"
            )
        self.items, self.batch, self.result, self.task = {}, None, None, None
        self.stopped, self.failure, self.what = False, None, what
        self._stop_asked = False
        self._run += 1  # a late callback of the run before (stopped, still unwinding) changes nothing of this one
        self.expect(total, http)

    def start(
        self,
        client: ContentClient | PlatformClient | AsyncContentClient | AsyncPlatformClient,
        requests: Iterable[Body | tuple[str, Body]],
        *,
        total: int | None = None,
        **options: Any,
    ) -> JobMonitor:
        """Run ``client.expansions.run_batch`` (or ``courses``, via ``group=``) without blocking the kernel.

        ``requests`` is any iterable, a generator included (read as the batch goes); ``total``
        says how many it holds when it cannot say itself, so the bar knows its end.

        Raises:
            RuntimeError: this monitor's last run is still going; stop it first.
        """
        group = options.pop("group", "expansions")
        aio = getattr(client, "aio", client)
        if total is None and isinstance(requests, Sized):
            total = len(requests)
        self._begin("batch", total, aio.http)
        batch = getattr(aio, group).run_batch(requests, on_update=self._this_run(self.update), total=total, **options)
        return self._launch(batch)

    def watch(
        self, client: ContentClient | AsyncContentClient, job: ExpansionJob | str, *, timeout: float = 900.0
    ) -> JobMonitor:
        """Follow one expansion job (the job, or its id) to its result without blocking the kernel.

        The result lands in :meth:`frames` like a batch's; :meth:`wait` returns it.

        >>> JobMonitor().watch(s.content, s.content.expansions.create(request))  # doctest: +SKIP
        """
        aio = client.aio if isinstance(client, ContentClient) else client
        job_id = getattr(job, "id", job)
        if not isinstance(job_id, str) or not job_id:
            raise ValueError(f"job: expected an expansion job or its id, got {job!r}")
        self._begin("job", 1, aio.http)
        item = self.items[0] = BatchItem(
            0, {}, getattr(job, "idempotency_key", "") or "", job_id=job_id, created_at=time.monotonic()
        )

        async def follow() -> Any:
            on_status = self._this_run(self.status_changed)
            item.result = await aio.expansions.wait_result(job_id, timeout=timeout, on_status=on_status)
            return item.result

        return self._launch(follow())

    def _this_run(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """``callback`` while the run being started is the monitor's; a no-op once a newer run has begun."""
        run = self._run

        def call(value: Any) -> None:
            if run == self._run:
                callback(value)

        return call

    def _launch(self, coro: Any) -> JobMonitor:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                result = run_sync(coro)
            except BaseException as exc:  # shown on the monitor, then the caller's to handle
                self._ended_by(exc)
                raise
            self._done(result)
            return self
        self.task = loop.create_task(coro)
        self.stop_button.disabled = False
        self.task.add_done_callback(self._this_run(self._ended))
        return self

    def _ended(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self._ended_by(asyncio.CancelledError())
        elif task.exception() is not None:
            self._ended_by(task.exception())
        else:
            self._done(task.result())

    def stop(self) -> None:
        """Stop what :meth:`start` or :meth:`watch` began: every call in flight is cancelled and nothing new is created.

        With a store, running the same batch again resumes exactly where this one stopped.
        """
        if self.task is not None and not self.task.done():
            self.task.cancel()
            self._stop_asked = True
            self._ended_by(asyncio.CancelledError())  # said at once; a new run may start now
        self.stop_button.disabled = True

    def _done(self, result: Any) -> None:
        self.result = result
        if self.what == "batch":
            self.batch = result
        self.stop_button.disabled = True
        self.redraw()

    def _ended_by(self, exc: BaseException | None) -> None:
        """The run ended early: stopped (cancelled, interrupted) or failed; the card and the errors say which."""
        self.stop_button.disabled = True
        if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt)):
            self.stopped = True
            accepted = sum(1 for item in self.items.values() if item.job_id is not None)
            self.redraw()
            self.errors.value = (
                f"<span style='color:#b00020'>stopped: {accepted} item(s) had been accepted, nothing new is "
                "created; run the same batch again (with its store) to resume</span>"
            )
            return
        self.failure = exc
        if self.what == "job" and 0 in self.items and not self.items[0].done:
            self.items[0].status, self.items[0].error = "error", str(exc)
            self.items[0].finished_at = time.monotonic()
        self.redraw()
        failed = f"{self.what} stopped: {exc!r}" if self.what == "batch" else str(exc)
        self.errors.value = f"<span style='color:#b00020'>{html.escape(failed)}</span>"

    async def wait(self) -> BatchResult[Any] | ExpansionResult | None:
        """Await what :meth:`start` or :meth:`watch` began: the batch, or the one job's result.

        After Stop it returns ``None`` (the monitor says what had been accepted); interrupting
        the wait itself still interrupts it.
        """
        task = self.task
        if task is None:
            return self.result
        try:
            return await task  # interrupting this wait stops the run too, as Ctrl-C should
        except asyncio.CancelledError:
            if self._stop_asked:  # the run was stopped (Stop, or monitor.stop()): nothing to hand back
                return None
            raise  # this wait was interrupted: say so

    # ------------------------------------------------------------ drawing

    @property
    def tally(self) -> Counter[str]:
        return Counter(item.status for item in self.items.values())

    def redraw(self) -> None:
        self._drawn = time.monotonic()
        tally = self.tally
        done = sum(1 for item in self.items.values() if item.done)
        if self.total is None:  # a generator: the bar's end is what has come so far
            self.progress.max = max(1, len(self.items))
        self.progress.value = min(done, self.progress.max)
        self.progress.bar_style = (
            "danger"
            if tally["failed"] or tally["error"]
            else ("success" if done and done >= self.progress.max else "info")
        )
        self.counts.value = (
            " · ".join(
                f"<span style='color:{TONE_COLOURS[tone_of(s)]}'>{s}: {n}</span>" for s, n in sorted(tally.items())
            )
            or "waiting…"
        )
        if self.http is not None:
            budget = self.http.budget
            limit = f"{budget.limit} per {budget.window:g} s" if budget is not None and budget.limit else "unknown"
            self.budget.value = (
                f"requests: {self.http.stats['requests']} (429s: {self.http.stats['429']}), "
                f"key budget {limit}, elapsed {time.monotonic() - self._started:.1f} s"
            )
        rows = sorted(self.items.values(), key=lambda i: i.index)[: self.max_rows]
        cells = "".join(
            f"<tr><td>{i.index}</td><td><code>{html.escape(str(i.job_id or ''))}</code></td>"
            f"<td style='color:{TONE_COLOURS[tone_of(i.status)]}'>{html.escape(i.status)}</td>"
            f"<td>{(i.elapsed or 0):.1f} s</td></tr>"
            for i in rows
        )
        self.table.value = f"<table><tr><th>#</th><th>job</th><th>status</th><th>elapsed</th></tr>{cells}</table>"
        errors = [i for i in self.items.values() if i.error]
        self.errors.value = "".join(
            f"<div style='color:#b00020'>#{i.index}: {html.escape(i.error or '')}</div>" for i in errors[:10]
        )

    def frames(self) -> dict[str, Any]:
        """The results as DataFrames: ``jobs`` and, for expansions, ``outputs``."""
        items = sorted(self.items.values(), key=lambda i: i.index)
        finished = [i for i in items if i.result is not None]
        out = {"jobs": frames.jobs(finished)}
        if finished and hasattr(finished[0].result, "outputs"):
            out["outputs"] = frames.outputs(finished)
        return out

    def card(self) -> Card:
        done = sum(1 for i in self.items.values() if i.done)
        tally = ", ".join(f"{s} {n}" for s, n in sorted(self.tally.items())) or "nothing yet"
        expected = self.total if self.total is not None else len(self.items)
        status = (
            "stopped"
            if self.stopped
            else ("failed" if self.failure is not None else overall_status(self.tally, max(1, expected)))
        )
        rows = sorted(self.items.values(), key=lambda i: i.index)[:20]
        return Card(
            f"Jobs {done}/{self.progress.max} done",
            status,
            [("statuses", tally), ("ended by", None if self.failure is None else str(self.failure))],
            table=(
                ["#", "job", "status", "elapsed"],
                [[str(i.index), i.job_id, i.status, f"{(i.elapsed or 0):.1f} s"] for i in rows],
            ),
            tone=tone_of(status),
        )
