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
import signal
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from types import FrameType
from typing import Any, TypeVar

__all__ = ["CANCEL_GRACE_SECONDS", "collect", "run_sync"]

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
        Whatever the coroutine raises; an interrupt of the caller (``KeyboardInterrupt``)
        after the coroutine has been cancelled and has stopped.
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

    A handler of someone else's (``asyncio.run``'s, which only cancels its own main task, and that
    task is the one blocked in this call) is called too, after the call is cancelled: it learns of
    the Ctrl-C as it would have, and the call does not go on spending until it ends by itself. Only
    the main thread can hold a signal handler; elsewhere, or where SIGINT is ignored or left to the
    system, nothing changes."""
    interrupted: list[bool] = []
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield interrupted
        return
    owner = None if previous is signal.default_int_handler else previous

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if interrupted or task.done():
            if owner is None:
                raise KeyboardInterrupt
            owner(signum, frame)  # asyncio.run's raises on a second Ctrl-C
            return
        interrupted.append(True)
        task.cancel()
        task.get_loop().call_soon_threadsafe(lambda: None)  # wake the loop if it sleeps in select()
        if owner is not None:
            owner(signum, frame)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


async def collect(items: AsyncIterator[T]) -> list[T]:
    """Every item of an async iterator, in a list (how sync twins return a stream)."""
    return [item async for item in items]
