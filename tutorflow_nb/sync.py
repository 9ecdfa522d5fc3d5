"""The sync facade: twins of the async clients, generated, never written twice.

``sync_twin(AsyncContentClient)`` makes a class whose methods run the async ones to
completion. With no event loop running here (a script, a worker thread) the call runs on
one shared background loop, so connections are pooled once for the whole process;
inside a running loop (a Jupyter cell, an ipywidgets callback, while other tasks run on
the kernel's loop) it patches that loop with nest-asyncio2, only then, and runs there,
so callbacks stay on the kernel's thread.
Resource groups (classes that set ``__sync_group__ = True``) become twins too; async generators come back as lists. The async
object stays reachable as ``.aio``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["SyncTwin", "run_sync", "sync_twin"]

T = TypeVar("T")
_portal_lock = threading.Lock()
_portal: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    """The process's one background loop for sync calls made outside a running loop."""
    global _portal
    with _portal_lock:
        if _portal is None or _portal.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="tutorflow-nb-sync", daemon=True).start()
            _portal = loop
        return _portal


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, whether or not a loop is running here."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run_coroutine_threadsafe(coro, _background_loop()).result()
    import nest_asyncio2

    nest_asyncio2.apply(loop)
    return loop.run_until_complete(coro)


async def _collect(agen: Any) -> list[Any]:
    return [item async for item in agen]


class SyncTwin:
    """Base of generated twins: wraps an async object, mirrors its public methods."""

    _async_cls: type = object

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.aio = self._async_cls(*args, **kwargs)
        _wrap_groups(self)

    @classmethod
    def _from_async(cls, obj: Any) -> SyncTwin:
        twin = cls.__new__(cls)
        twin.aio = obj
        _wrap_groups(twin)
        return twin

    def __repr__(self) -> str:
        return repr(self.aio).replace("<Async", "<", 1)

    def __getattr__(self, name: str) -> Any:  # plain attributes (key_prefix, http, …)
        return getattr(self.aio, name)

    def __enter__(self) -> SyncTwin:
        return self

    def __exit__(self, *exc: Any) -> None:
        close = getattr(self, "close", None)
        if close is not None:
            close()


def _wrap_groups(twin: SyncTwin) -> None:
    for name, value in vars(twin.aio).items():
        if not name.startswith("_") and _is_group(value):
            setattr(twin, name, sync_twin(type(value))._from_async(value))


def _is_group(value: Any) -> bool:
    """Resource groups (``client.modules``, ``client.courses``, an editor…) opt in with ``__sync_group__``."""
    return getattr(type(value), "__sync_group__", False) is True


def _method(name: str, fn: Any) -> Any:
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(self: SyncTwin, *args: Any, **kwargs: Any) -> list[Any]:
            return run_sync(_collect(getattr(self.aio, name)(*args, **kwargs)))

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(self: SyncTwin, *args: Any, **kwargs: Any) -> Any:
        out = run_sync(getattr(self.aio, name)(*args, **kwargs))
        return sync_twin(type(out))._from_async(out) if _is_group(out) else out

    return wrapper


def _plain(name: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(self: SyncTwin, *args: Any, **kwargs: Any) -> Any:
        out = getattr(self.aio, name)(*args, **kwargs)
        return sync_twin(type(out))._from_async(out) if _is_group(out) else out

    return wrapper


@functools.cache
def sync_twin(async_cls: type) -> type[SyncTwin]:
    """The sync twin class of ``async_cls`` (cached: one twin per class)."""
    namespace: dict[str, Any] = {
        "_async_cls": async_cls,
        "__doc__": async_cls.__doc__,
        "__module__": async_cls.__module__,
    }
    for klass in reversed(async_cls.__mro__[:-1]):
        for name, fn in vars(klass).items():
            if name.startswith("_") and name not in ("__aenter__",):
                continue
            if name == "aclose":
                namespace["close"] = _method("aclose", fn)
            elif inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
                namespace[name] = _method(name, fn)
            elif inspect.isfunction(fn):
                namespace[name] = _plain(name, fn)
            elif isinstance(fn, property):
                namespace[name] = property(lambda self, _n=name: getattr(self.aio, _n), doc=fn.__doc__)
    name = async_cls.__name__.removeprefix("Async")
    return type(name, (SyncTwin,), namespace)
