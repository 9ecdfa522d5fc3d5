"""A mock of the TutorFlow API that behaves as the documents say, served over real HTTP.

    >>> from tutorflow_nb.mock import MockServer
    >>> with MockServer(speed=20) as server:       # doctest: +SKIP
    ...     print(server.base_url, server.demo.content_key_prefix)

``create_app`` gives the ASGI app (for ``httpx.ASGITransport`` in tests); ``MockState``
is the state model the routes call; ``MockServer`` runs uvicorn in a background thread
on a free loopback port. What the documents leave open is decided in ``assumptions``.
"""

from .app import create_app
from .assumptions import ASSUMPTIONS
from .faults import Faults
from .server import MockServer, write_cookie_jar, write_env_file
from .state import Demo, MockState

__all__ = ["ASSUMPTIONS", "Demo", "Faults", "MockServer", "MockState", "create_app", "write_cookie_jar",
           "write_env_file"]
