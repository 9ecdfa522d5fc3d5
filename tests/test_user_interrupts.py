"""A user interrupts a long call: Ctrl-C in a script, the interrupt button in JupyterLab, Stop on the monitor.

Whatever was interrupted stops: no request is sent and nothing is created afterwards,
counted on the mock, not on the client's word. The store then says exactly which items
were accepted, and running the same batch again finishes it with one job per item.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import seed_org_sync, source_request

from tutorflow_nb import AsyncContentClient, ContentClient, ManifestStore, PlatformClient
from tutorflow_nb.mock import MockServer
from tutorflow_nb.widgets import JobMonitor

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

N = 40
"""Items per batch."""
RATE = 20
"""Requests per mock minute, which is one wall second here."""
SETTLE = 2.0
"""Seconds to keep counting after an interrupt: anything still running in the background would show by then."""


@pytest.fixture
def slow_server() -> Iterator[MockServer]:
    """A mock whose keys allow 20 requests per wall second: a batch of 40 takes a few seconds."""
    with MockServer(speed=60, seed=11, rate_limit=RATE) as server:
        yield server


def _jobs(server: MockServer, org_id: str | None = None) -> list[dict]:
    jobs = httpx.get(server.url("/_mock/jobs")).json()["data"]
    return [j for j in jobs if org_id is None or j["organizationId"] == org_id]


def _wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


def _ctrl_c() -> None:
    """What Ctrl-C does: a real SIGINT to this process (Python raises KeyboardInterrupt in the main thread, even
    while it blocks waiting; ``_thread.interrupt_main`` would not wake a blocked wait)."""
    os.kill(os.getpid(), signal.SIGINT)


def _interrupt_when(condition: Callable[[], bool]) -> threading.Thread:
    """Press Ctrl-C as soon as ``condition`` holds."""

    def watch() -> None:
        _wait_until(condition)
        _ctrl_c()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _stays(count: Callable[[], int]) -> int:
    """The count right after an interrupt, checked to stay the same while background work would show."""
    first = count()
    time.sleep(SETTLE)
    assert count() == first, "work went on after the interrupt"
    return first


def _requests(n: int, tag: str) -> list[dict]:
    return [source_request(1, level=f"{tag}-{i}") for i in range(n)]


def _resume_and_check(server: MockServer, key: str, org_id: str | None, store: ManifestStore, requests: list) -> None:
    """The same batch again: it completes, and the server holds exactly one job per item."""
    with ContentClient(server.base_url, key, poll_interval=(0.05, 0.1)) as content:
        batch = content.expansions.run_batch(requests, store=store)
    assert [i.status for i in batch] == ["completed"] * len(requests)
    jobs = _jobs(server, org_id)
    keys = [j["idempotencyKey"] for j in jobs]
    assert len(jobs) == len(requests) and len(set(keys)) == len(keys)


def _accepted_matches_server(store: ManifestStore, server: MockServer, org_id: str | None) -> None:
    items = store.items()
    accepted = set(items["job_id"].dropna())
    assert accepted == {j["id"] for j in _jobs(server, org_id)}, "the store must say exactly what was accepted"


# ---------------------------------------------------------------- a script, Ctrl-C

SCRIPT = textwrap.dedent(
    """
    import sys
    from tutorflow_nb import ContentClient, ManifestStore
    from conftest import source_request
    base_url, key, db = sys.argv[1:4]
    requests = [source_request(1, level=f"script-{i}") for i in range(int(sys.argv[4]))]
    with ContentClient(base_url, key, poll_interval=(0.05, 0.1)) as client, ManifestStore(db) as store:
        client.expansions.run_batch(requests, store=store)
    print("finished")
    """
)
ASYNC_MAIN = textwrap.dedent(
    """
    import asyncio, sys
    from tutorflow_nb import ContentClient, ManifestStore
    from conftest import source_request
    base_url, key, db = sys.argv[1:4]
    requests = [source_request(1, level=f"script-{i}") for i in range(int(sys.argv[4]))]

    async def main():  # the sync client called from a coroutine: asyncio.run owns Ctrl-C here
        try:
            with ContentClient(base_url, key, poll_interval=(0.05, 0.1)) as client, ManifestStore(db) as store:
                client.expansions.run_batch(requests, store=store)
        finally:
            await asyncio.sleep(0.05)  # the program's own clean-up still runs: the Ctrl-C came once
            print("cleaned up", flush=True)

    asyncio.run(main())
    print("finished")
    """
)
OWN_HANDLER = textwrap.dedent(
    """
    import asyncio, signal, sys
    from tutorflow_nb import ContentClient
    from conftest import source_request
    base_url, key = sys.argv[1:3]
    requests = [source_request(1, level=f"own-{i}") for i in range(int(sys.argv[3]))]
    signal.signal(signal.SIGINT, lambda *_: print("asked to stop after this batch", flush=True))

    async def main():
        with ContentClient(base_url, key, poll_interval=(0.05, 0.1)) as client:
            return client.expansions.run_batch(requests)

    batch = asyncio.run(main())
    print("finished", sum(item.status == "completed" for item in batch))
    """
)


def _ctrl_c_script(
    server: MockServer, script: str, *args: str, after_jobs: int, timeout: float
) -> tuple[int, str, str]:
    """Run ``script`` (base URL, content key, then ``args``), press Ctrl-C once the mock holds ``after_jobs``
    jobs, and wait for it to end: its exit status, stdout and stderr."""
    assert server.demo is not None
    child = subprocess.Popen(
        [sys.executable, "-c", script, server.base_url, server.demo.content_key, *args],
        cwd=Path(__file__).parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_until(lambda: len(_jobs(server)) >= after_jobs)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=timeout)
    return child.returncode, out, err


@pytest.mark.parametrize("script", [SCRIPT, ASYNC_MAIN], ids=["plain", "inside-asyncio-run"])
def test_ctrl_c_in_a_script_stops_the_batch(slow_server: MockServer, tmp_path: Path, script: str) -> None:
    assert slow_server.demo is not None
    db = tmp_path / "script.sqlite"
    returncode, out, err = _ctrl_c_script(slow_server, script, str(db), str(N), after_jobs=5, timeout=15)
    assert returncode != 0 and "KeyboardInterrupt" in err and "finished" not in out
    assert ("cleaned up" in out) == (script is ASYNC_MAIN)
    created = _stays(lambda: len(_jobs(slow_server)))
    assert 5 <= created < N
    with ManifestStore(db) as store:
        _accepted_matches_server(store, slow_server, None)
        _resume_and_check(
            slow_server,
            slow_server.demo.content_key,
            None,
            store,
            [source_request(1, level=f"script-{i}") for i in range(N)],
        )


def test_a_programs_own_ctrl_c_handler_is_left_alone(slow_server: MockServer, tmp_path: Path) -> None:
    """A program that handles Ctrl-C itself (a graceful stop that does not raise) decides: the batch goes on."""
    returncode, out, err = _ctrl_c_script(slow_server, OWN_HANDLER, "12", after_jobs=3, timeout=60)
    assert returncode == 0, err
    assert "asked to stop after this batch" in out and "finished 12" in out


# ---------------------------------------------------------------- in this process: sync calls, async tasks


def test_ctrl_c_on_a_sync_batch_stops_it(slow_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(slow_server, rateLimitPerMinute=RATE)
    requests = _requests(N, "sync")
    with ManifestStore(tmp_path / "sync.sqlite") as store:
        with ContentClient(slow_server.base_url, org.content_key, poll_interval=(0.05, 0.1)) as content:
            _interrupt_when(lambda: len(_jobs(slow_server, org.id)) >= 5)
            with pytest.raises(KeyboardInterrupt):
                content.expansions.run_batch(requests, store=store)
            sent = len(content.http.history)
            created = _stays(lambda: len(_jobs(slow_server, org.id)))
            assert len(content.http.history) == sent, "a request was sent after the interrupt"
        assert created < N
        _accepted_matches_server(store, slow_server, org.id)
        _resume_and_check(slow_server, org.content_key, org.id, store, requests)


def test_ctrl_c_on_wait_stops_polling(own_server: MockServer) -> None:
    assert own_server.demo is not None
    own_server.state.clock.set_speed(1)  # a job now takes several wall seconds
    try:
        with ContentClient(own_server.base_url, own_server.demo.content_key, poll_interval=(0.05, 0.1)) as content:
            job = content.expansions.create(source_request(3, level="wait"))
            for call in (content.expansions.wait, content.expansions.wait_result):
                started = len(content.http.history)
                _interrupt_when(lambda s=started: len(content.http.history) >= s + 3)  # a few polls in
                with pytest.raises(KeyboardInterrupt):
                    call(job.id, timeout=900)
                polls = len(content.http.history)
                time.sleep(0.5)
                assert len(content.http.history) == polls, f"{call.__name__} went on polling after the interrupt"
    finally:
        own_server.state.clock.set_speed(100)


def test_ctrl_c_on_a_course_batch_stops_it(slow_server: MockServer) -> None:
    org = seed_org_sync(slow_server, rateLimitPerMinute=RATE)

    def courses() -> int:  # counted by the mock itself: the key's own budget is spent by the batch
        return int(httpx.get(slow_server.url("/_mock/state")).json()["counts"]["platformCourses"])

    before = courses()
    with PlatformClient(slow_server.base_url, org.platform_key, poll_interval=(0.05, 0.1)) as platform:
        plan = [{"prompt": f"Course {i}", "lessonCount": 2} for i in range(N)]
        _interrupt_when(lambda: courses() >= before + 5)
        with pytest.raises(KeyboardInterrupt):
            platform.courses.run_batch(plan)
        assert _stays(courses) - before < N


def test_ctrl_c_during_lesson_generation_stops_the_stream(own_server: MockServer) -> None:
    assert own_server.demo is not None
    with PlatformClient(own_server.base_url, own_server.demo.platform_key) as platform:
        course = platform.courses.create("A beginner Python course covering loops", lesson_count=2)
        editor = platform.courses.editor(course)
        lesson = editor.canonical().lessons[0]
        own_server.control.faults(latency_ms=6000)
        answered = threading.Event()  # when the server's first event would have come
        server = threading.Timer(6.0, answered.set)
        try:
            threading.Timer(0.3, _ctrl_c).start()
            server.start()
            with pytest.raises(KeyboardInterrupt):
                editor.generate(lesson["id"], course_title="Loops")
            assert not answered.is_set()  # the interrupt ended the stream; it did not wait for the server
        finally:
            server.cancel()
            own_server.control.clear_faults()


@pytest.mark.anyio
async def test_cancelling_an_async_batch_stops_it(slow_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(slow_server, rateLimitPerMinute=RATE)
    requests = _requests(N, "async")
    store = ManifestStore(tmp_path / "async.sqlite")
    async with AsyncContentClient(slow_server.base_url, org.content_key, poll_interval=(0.05, 0.1)) as content:
        task = asyncio.create_task(content.expansions.run_batch(requests, store=store))
        while len(await asyncio.to_thread(_jobs, slow_server, org.id)) < 5:
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        sent = len(content.http.history)
        await asyncio.to_thread(_stays, lambda: len(_jobs(slow_server, org.id)))
        assert len(content.http.history) == sent
    _accepted_matches_server(store, slow_server, org.id)
    await asyncio.to_thread(_resume_and_check, slow_server, org.content_key, org.id, store, requests)
    store.close()


@pytest.mark.anyio
async def test_stop_on_the_monitor_stops_the_batch(slow_server: MockServer) -> None:
    org = seed_org_sync(slow_server, rateLimitPerMinute=RATE)
    with ContentClient(slow_server.base_url, org.content_key, poll_interval=(0.05, 0.1)) as content:
        monitor = JobMonitor().start(content, _requests(N, "monitor"))
        assert not monitor.stop_button.disabled
        while len(await asyncio.to_thread(_jobs, slow_server, org.id)) < 5:
            await asyncio.sleep(0.02)
        monitor.stop_button.click()
        assert await monitor.wait() is None  # the run was stopped: waiting on it hands back nothing, raises nothing
        created = await asyncio.to_thread(_stays, lambda: len(_jobs(slow_server, org.id)))
        assert created < N and monitor.stopped and monitor.stop_button.disabled
        assert "stopped" in monitor.errors.value and "resume" in monitor.errors.value


@pytest.mark.anyio
async def test_interrupting_a_wait_on_the_monitor_stops_the_batch_too(slow_server: MockServer) -> None:
    """The cell awaiting ``monitor.wait()`` is interrupted: the wait raises, and the batch stops with it."""
    org = seed_org_sync(slow_server, rateLimitPerMinute=RATE)
    with ContentClient(slow_server.base_url, org.content_key, poll_interval=(0.05, 0.1)) as content:
        monitor = JobMonitor().start(content, _requests(N, "monitor-wait"))
        waiter = asyncio.ensure_future(monitor.wait())
        while len(await asyncio.to_thread(_jobs, slow_server, org.id)) < 5:
            await asyncio.sleep(0.02)
        waiter.cancel()  # what the kernel's interrupt does to the awaiting cell
        with pytest.raises(asyncio.CancelledError):
            await waiter
        created = await asyncio.to_thread(_stays, lambda: len(_jobs(slow_server, org.id)))
        assert created < N and monitor.stopped and not monitor.running


# ---------------------------------------------------------------- a real kernel, the interrupt button

KERNEL_CELL = """
import tutorflow_nb as tf
from conftest import source_request
requests = [source_request(1, level=f"kernel-{{i}}") for i in range({n})]
store = tf.ManifestStore({db!r})
client = tf.ContentClient({base!r}, {key!r}, poll_interval=(0.05, 0.1))
batch = client.expansions.run_batch(requests, store=store)
print([item.status for item in batch].count("completed"))
"""


def _execute(kc, code: str, timeout: float = 60) -> dict:  # type: ignore[no-untyped-def]
    msg_id = kc.execute(code)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            outputs.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    return {"reply": reply["content"], "stdout": "".join(outputs)}


def test_the_kernel_interrupt_button_stops_a_batch_cell(slow_server: MockServer, tmp_path: Path) -> None:
    jupyter_client = pytest.importorskip("jupyter_client.manager")
    org = seed_org_sync(slow_server, rateLimitPerMinute=RATE)
    db = tmp_path / "kernel.sqlite"
    km, kc = jupyter_client.start_new_kernel(kernel_name="python3", cwd=str(Path(__file__).parent))
    try:
        cell = KERNEL_CELL.format(db=str(db), base=slow_server.base_url, key=org.content_key, n=N)
        msg_id = kc.execute(cell)
        _wait_until(lambda: len(_jobs(slow_server, org.id)) >= 5)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        created = _stays(lambda: len(_jobs(slow_server, org.id)))
        assert created < N
        with ManifestStore(db) as store:
            _accepted_matches_server(store, slow_server, org.id)
        # the same cell again, in the same kernel: it resumes and finishes, one job per item
        rerun = _execute(kc, cell, timeout=120)
        assert rerun["reply"]["status"] == "ok" and rerun["stdout"].strip() == str(N)
        jobs = _jobs(slow_server, org.id)
        assert len(jobs) == N and len({j["idempotencyKey"] for j in jobs}) == N
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
