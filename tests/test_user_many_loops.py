"""A user drives one client from many event loops: ``asyncio.run()`` in a loop, sync calls, a closed client.

Connections of a loop that is gone are released with it; ``close()`` leaves nothing open
and no ``ResourceWarning``. Run in a fresh interpreter in development mode, with
ResourceWarning an error, so nothing is hidden by this process's other clients.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

SCENARIO = textwrap.dedent(
    """
    import asyncio, gc, os
    from tutorflow_nb import AsyncContentClient, ContentClient
    from tutorflow_nb.mock import MockServer

    def fds():
        return len(os.listdir("/proc/self/fd"))

    with MockServer(speed=100) as server:
        key = server.demo.content_key
        client = AsyncContentClient(server.base_url, key)

        async def one():
            return await client.classrooms()

        asyncio.run(one())
        with ContentClient(server.base_url, key) as warm:  # the process's one background loop, made once: not a leak
            warm.classrooms()
        gc.collect()
        before = fds()
        for _ in range(60):
            asyncio.run(one())
        gc.collect()
        print("async", before, fds())

        sync = ContentClient.from_async(client)  # the same client, sync, on the background loop
        sync.classrooms()
        asyncio.run(one())
        sync.close()
        gc.collect()
        print("closed", fds() <= before)

        with ContentClient(server.base_url, key) as other:  # a sync client from start to close
            other.classrooms()
            other.modules.list()
        gc.collect()
        print("sync", fds() <= before)
    """
)


def test_sixty_asyncio_runs_keep_no_connection_and_close_leaves_no_warning() -> None:
    ran = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", SCENARIO],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in ran.stdout.splitlines())
    before, after = map(int, lines["async"].split())
    assert after - before <= 2, f"open files grew from {before} to {after} over 60 asyncio.run() calls"
    assert lines["closed"] == "True" and lines["sync"] == "True"
    assert "ResourceWarning" not in ran.stderr and "unclosed" not in ran.stderr, ran.stderr[-3000:]
