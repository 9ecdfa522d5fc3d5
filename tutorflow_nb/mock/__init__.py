"""A mock of the TutorFlow API that behaves as the documents say, served over real HTTP.

    >>> from tutorflow_nb.mock import MockServer
    >>> with MockServer(speed=20) as server:       # doctest: +SKIP
    ...     print(server.base_url, server.demo.content_key_prefix)

``create_app`` gives the ASGI app (for ``httpx.ASGITransport`` in tests); ``MockState``
is the state model the routes call; ``MockServer`` runs uvicorn in a background thread
on a free loopback port; ``MockWorlds`` serves a fresh ``MockServer`` to every kernel that
asks (``TUTORFLOW_MOCK_WORLDS``). What the documents leave open is decided in ``assumptions``,
and ``dialects`` answer it each other plausible way on request (``MockServer(dialect=...)``).
Names load on first use, so importing the package costs nothing until the mock is used.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from .._lazy import lazy as _lazy

if _TYPE_CHECKING:
    from .app import create_app
    from .assumptions import ASSUMPTIONS, DIALECTS
    from .control import MockControl, MockWorld
    from .dialects import Dialect
    from .faults import Faults
    from .server import MockServer, write_cookie_jar, write_env_file
    from .state import Demo, MockState
    from .worlds import MockWorlds

__all__ = [
    "ASSUMPTIONS",
    "DIALECTS",
    "Demo",
    "Dialect",
    "Faults",
    "MockControl",
    "MockServer",
    "MockState",
    "MockWorld",
    "MockWorlds",
    "create_app",
    "write_cookie_jar",
    "write_env_file",
]
_LAZY: dict[str, tuple[str, str | None]] = {
    "ASSUMPTIONS": (f"{__name__}.assumptions", "ASSUMPTIONS"),
    "DIALECTS": (f"{__name__}.assumptions", "DIALECTS"),
    "Demo": (f"{__name__}.state", "Demo"),
    "Dialect": (f"{__name__}.dialects", "Dialect"),
    "Faults": (f"{__name__}.faults", "Faults"),
    "MockControl": (f"{__name__}.control", "MockControl"),
    "MockServer": (f"{__name__}.server", "MockServer"),
    "MockState": (f"{__name__}.state", "MockState"),
    "MockWorld": (f"{__name__}.control", "MockWorld"),
    "MockWorlds": (f"{__name__}.worlds", "MockWorlds"),
    "create_app": (f"{__name__}.app", "create_app"),
    "write_cookie_jar": (f"{__name__}.server", "write_cookie_jar"),
    "write_env_file": (f"{__name__}.server", "write_env_file"),
}
__getattr__, __dir__ = _lazy(__name__, _LAZY, extra="mock")
