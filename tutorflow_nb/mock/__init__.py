"""A mock of the TutorFlow API that behaves as the documents say, served over real HTTP.

    >>> from tutorflow_nb.mock import MockServer
    >>> with MockServer(speed=20) as server:       # doctest: +SKIP
    ...     print(server.base_url, server.demo.content_key_prefix)

``create_app`` gives the ASGI app (for ``httpx.ASGITransport`` in tests); ``MockState``
is the state model the routes call; ``MockServer`` runs uvicorn in a background thread
on a free loopback port. What the documents leave open is decided in ``assumptions``.
Names load on first use, so ``tutorflow_nb.mock.schemas`` can be used without FastAPI.
"""

from __future__ import annotations

from .._lazy import lazy

_LAZY = {
    name: (f"{__name__}.{module}", name)
    for name, module in {
        "ASSUMPTIONS": "assumptions",
        "Demo": "state",
        "Faults": "faults",
        "MockControl": "control",
        "MockServer": "server",
        "MockState": "state",
        "create_app": "app",
        "write_cookie_jar": "server",
        "write_env_file": "server",
    }.items()
}
__all__ = [
    "ASSUMPTIONS",
    "Demo",
    "Faults",
    "MockControl",
    "MockServer",
    "MockState",
    "create_app",
    "write_cookie_jar",
    "write_env_file",
]
assert __all__ == sorted(_LAZY)
__getattr__, __dir__ = lazy(__name__, _LAZY)
