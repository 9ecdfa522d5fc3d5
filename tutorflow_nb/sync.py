"""Running async code from sync code: :func:`run_sync`, the one runner under every sync client.

With no event loop running here (a script, a worker thread) the call runs on one shared
background loop, so connections are pooled once for the whole process. Inside a running
loop (a Jupyter cell, an ipywidgets callback) it patches that loop with nest-asyncio2,
only then, and runs there, so callbacks stay on the kernel's thread.

An interrupted call stops. When the caller is interrupted (Ctrl-C in a script, the
kernel's interrupt button in JupyterLab, any exception raised into the waiting thread),
the call's coroutine is cancelled wherever it runs, and :func:`run_sync` waits for it to
finish cancelling (every request in flight stopped, nothing new started) before the
interrupt reaches the caller.

    >>> async def answer() -> int:
    ...     return 42
    >>> run_sync(answer())
    42
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from types import FrameType
from typing import Any, TypeVar, cast

__all__ = ["CANCEL_GRACE_SECONDS", "collect", "iterate", "run_sync"]

T = TypeVar("T")
CANCEL_GRACE_SECONDS = 10.0
"""How long an interrupted call may take to stop its requests in flight before the interrupt goes on anyway."""

_portal_lock = threading.Lock()
_portal: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    """The process's one background loop for sync calls made outside a running loop."""
    global _portal  # noqa: PLW0603 - one loop for the whole process, made on first use
    with _portal_lock:
        if _portal is None or _portal.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="tutorflow-nb-sync", daemon=True).start()
            _portal = loop
        return _portal


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, whether or not a loop is running here.

    Raises:
        KeyboardInterrupt: the caller was interrupted; raised once the coroutine has been cancelled and has
            stopped. Anything the coroutine raises is raised as it is.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _run_in_background(coro)
    return _run_nested(loop, coro)


def _run_in_background(coro: Coroutine[Any, Any, T]) -> T:
    stopped = threading.Event()

    async def tracked() -> T:
        try:
            return await coro
        finally:
            stopped.set()

    future = asyncio.run_coroutine_threadsafe(tracked(), _background_loop())
    try:
        return future.result()
    except BaseException:
        if not future.done():  # the caller was interrupted, not the call: stop the call
            future.cancel()
            stopped.wait(CANCEL_GRACE_SECONDS)
        raise


def _run_nested(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    import nest_asyncio2  # noqa: PLC0415 - lazy: only a sync call inside a running loop needs the patch

    nest_asyncio2.apply(loop)
    task = loop.create_task(coro)
    with _sigint_cancels(task) as interrupted:
        try:
            result = loop.run_until_complete(task)
        except BaseException:
            if not task.done():  # interrupted while the loop waited: cancel the call and let it stop
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(asyncio.wait([task], timeout=CANCEL_GRACE_SECONDS))
            if interrupted:
                raise KeyboardInterrupt from None
            raise
        if interrupted:  # the call was cancelled by Ctrl-C but finished what it had on the wire
            raise KeyboardInterrupt
        return result


@contextlib.contextmanager
def _sigint_cancels(task: asyncio.Task[Any]) -> Iterator[list[bool]]:
    """While ``task`` runs on this thread's loop, Ctrl-C cancels it instead of raising inside whatever
    coroutine happens to run (an HTTP call half-sent, a store write): the call then stops cleanly and
    :func:`run_sync` raises ``KeyboardInterrupt`` itself, as ``asyncio.run`` does. A second Ctrl-C
    raises at once.

    It takes Ctrl-C over from Python's default handler and from ``asyncio.run``'s (which would
    only cancel its own main task, the very task blocked in this call, so the call would go on
    spending until it ended by itself); ``asyncio.run`` then sees the ``KeyboardInterrupt`` come
    out of its main task. A handler of the program's own (a graceful stop that does not raise),
    SIGINT ignored or left to the system are left alone, as is every thread but the main one."""
    interrupted: list[bool] = []
    if threading.current_thread() is not threading.main_thread() or not _ours_to_take(signal.getsignal(signal.SIGINT)):
        yield interrupted
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if interrupted or task.done():
            raise KeyboardInterrupt
        interrupted.append(True)
        task.cancel()
        task.get_loop().call_soon_threadsafe(lambda: None)  # wake the loop if it sleeps in select()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def _ours_to_take(handler: object) -> bool:
    """``handler`` is Python's default SIGINT handler or ``asyncio.run``'s (``Runner._on_sigint``)."""
    if handler is signal.default_int_handler:
        return True
    method = getattr(handler, "func", None) if isinstance(handler, functools.partial) else None
    runner = getattr(asyncio, "Runner", None)  # Python 3.11+
    return runner is not None and getattr(method, "__func__", None) is getattr(runner, "_on_sigint", object())


async def collect(items: AsyncIterator[T]) -> list[T]:
    """Every item of an async iterator, in a list (how sync twins return a stream)."""
    return [item async for item in items]


def iterate(items: AsyncIterator[T]) -> Iterator[T]:
    """An async iterator as a sync one (how sync twins of ``iter_*`` methods hand out items as they come).

    Each step runs with :func:`run_sync`, so Ctrl-C during a step stops what the iterator
    runs; leaving the loop early (``break``, an exception in the loop's body) closes the
    async iterator, which stops it too.
    """

    async def step() -> tuple[bool, T | None]:
        try:
            return True, await anext(items)
        except StopAsyncIteration:
            return False, None

    try:
        while True:
            more, item = run_sync(step())
            if not more:
                return
            yield cast(T, item)  # more is True: a step that found an item
    finally:
        close = getattr(items, "aclose", None)
        if close is not None:
            run_sync(close())
