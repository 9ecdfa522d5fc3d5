"""Progress outside notebooks: a terminal bar for the long calls (batches and waits), where it helps and only there.

One switch: the ``progress`` argument of ``run_batch`` and ``wait`` (``True`` or ``False``),
else the ``TUTORFLOW_PROGRESS`` environment variable (``0`` or ``1``), else on when
standard error is a terminal and off otherwise (a pipe, a log file, CI) and in a notebook
kernel, where :class:`~tutorflow_nb.widgets.JobMonitor` does this job. The bars are
tqdm's, drawn on standard error; the clients only call the callbacks made here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["ENV", "BatchProgress", "WaitProgress", "wanted"]

ENV = "TUTORFLOW_PROGRESS"


def wanted(progress: bool | None) -> bool:
    """Whether to draw a bar: the argument, else ``TUTORFLOW_PROGRESS``, else a terminal outside a notebook."""
    if progress is not None:
        return progress
    setting = os.environ.get(ENV, "").strip().lower()
    if setting:
        return setting not in ("0", "off", "false", "no")
    if "ipykernel" in sys.modules:  # a notebook kernel: the JobMonitor widget is the progress there
        return False
    return sys.stderr.isatty()


def _bar(**options: Any) -> Any:
    from tqdm import tqdm  # noqa: PLC0415 - lazy: only a call that shows a bar loads tqdm

    try:
        sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
    except (OSError, ValueError):
        sized = False
    # a terminal that reports its size gets a bar that follows it; one that reports none (0 x 0, where tqdm would
    # hide every bar) gets 80 columns and 24 rows
    width: dict[str, Any] = {"dynamic_ncols": True} if sized else {"ncols": 80, "nrows": 24}
    return tqdm(file=sys.stderr, leave=True, **width, **options)


class _Item(Protocol):
    @property
    def done(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def index(self) -> int: ...


class BatchProgress:
    """A batch's bar: one step per item done, with counts by final status."""

    def __init__(self, total: int | None, what: str = "batch") -> None:
        self._bar = _bar(total=total, desc=what, unit="item")
        self._done: set[int] = set()
        self._counts: dict[str, int] = {}

    def update(self, item: _Item) -> None:
        if item.done and item.index not in self._done:
            self._done.add(item.index)
            self._counts[item.status] = self._counts.get(item.status, 0) + 1
            self._bar.set_postfix_str(", ".join(f"{s} {n}" for s, n in sorted(self._counts.items())), refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


class WaitProgress:
    """One job's bar while it is waited on: its status as it changes, and the time so far."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._bar = _bar(total=None, desc=what, bar_format="{desc} [{elapsed}]")  # tqdm's {postfix} adds ", "

    def update(self, job: Any) -> None:
        self._bar.set_description_str(f"{self._what}: {getattr(job, 'status', job)}")

    def close(self) -> None:
        self._bar.close()


def chain(*callbacks: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """One callback calling each given one in turn (``None`` when none is given)."""
    present = [c for c in callbacks if c is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]

    def call(value: Any) -> Any:
        results = [c(value) for c in present]
        awaitables = [r for r in results if hasattr(r, "__await__")]
        return _gather(awaitables) if awaitables else None

    return call


async def _gather(awaitables: list[Any]) -> None:
    for awaitable in awaitables:
        await awaitable
