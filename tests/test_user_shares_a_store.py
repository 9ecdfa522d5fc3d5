"""A user's store meets the rest of the world: other programs on the same file, a file that is locked, full or
read-only, content that changes, a spreadsheet, a newer tutorflow_nb, requests that come from a generator.

Nothing is lost and nothing is done twice, counted on the mock; every failure is an error that names the file
and says what to do; a locked file delays only the store, never the event loop.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from conftest import POLL, seed_org_sync, source_request

from tutorflow_nb import AsyncContentClient, ContentClient, ManifestStore, frames
from tutorflow_nb.errors import ConfigurationError, StoreError
from tutorflow_nb.mock import MockServer
from tutorflow_nb.models import ExpansionResult
from tutorflow_nb.store import SCHEMA_VERSION

HERE = Path(__file__).parent


def _jobs(server: MockServer, org_id: str) -> list[dict[str, Any]]:
    """The jobs the mock holds for an organization: what was really created."""
    return _jobs_at(server.base_url, org_id)


def _jobs_at(base_url: str, org_id: str) -> list[dict[str, Any]]:
    return [j for j in httpx.get(f"{base_url}/_mock/jobs").json()["data"] if j["organizationId"] == org_id]


def _wait_until(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


def _requests(n: int, tag: str) -> list[dict[str, Any]]:
    return [source_request(1, level=f"{tag}-{i}") for i in range(n)]


@pytest.fixture
def org_content(own_server: MockServer) -> Iterator[tuple[ContentClient, str]]:
    org = seed_org_sync(own_server)
    with ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
        yield content, org.id


# ---------------------------------------------------------------- several openers, one new file


OPENER = textwrap.dedent(
    """
    import sys, time
    from tutorflow_nb import ManifestStore
    path, start, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    while time.time() < start:  # every opener opens at the same moment
        pass
    with ManifestStore(path) as store:
        store.intend("t", "expansion", name, {"n": 1}, source_content_id=None, external_id=None, key_prefix=None)
    """
)


@pytest.mark.slow
def test_threads_opening_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(30):
        path = tmp_path / f"round-{round_}.sqlite"
        gate = threading.Barrier(6)
        failures: list[BaseException] = []

        def open_and_write(
            name: str, path: Path = path, gate: threading.Barrier = gate, failures: list[BaseException] = failures
        ) -> None:
            gate.wait()
            try:
                with ManifestStore(path) as store:
                    store.intend(
                        "t", "expansion", name, {"n": 1}, source_content_id=None, external_id=None, key_prefix=None
                    )
            except BaseException as exc:  # reported below, with the others
                failures.append(exc)

        threads = [threading.Thread(target=open_and_write, args=(f"w{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == []
        with ManifestStore(path) as store:
            assert store.count() == 6


@pytest.mark.slow
def test_three_programs_opening_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(5):
        path = tmp_path / f"round-{round_}.sqlite"
        start = time.time() + 2.0  # after every interpreter has started and imported the package
        openers = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(path), str(start), f"p{i}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(3)
        ]
        errors = [p.communicate(timeout=60)[1] for p in openers]
        assert [p.returncode for p in openers] == [0, 0, 0], errors
        with ManifestStore(path) as store:
            assert store.count() == 3


# ---------------------------------------------------------------- a file another program holds locked


class _Locked:
    """Another program holding ``path``'s write lock (its own SQLite connection, in a transaction)."""

    def __init__(self, path: Path) -> None:
        self.db: sqlite3.Connection | None = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.db is not None:
            self.db.execute("COMMIT")
            self.db.close()
            self.db = None


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_locked_store_never_freezes_the_event_loop(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server)
    path = tmp_path / "locked.sqlite"
    ManifestStore(path).close()
    store = ManifestStore(path, timeout=60)
    lock = _Locked(path)
    ticks = 0

    async def ticker() -> None:  # a cell, a widget, anything else the kernel's loop runs
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    try:
        async with AsyncContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
            beside = asyncio.create_task(ticker())
            batch = asyncio.create_task(content.expansions.run_batch(_requests(16, "locked"), store=store))
            while ticks < 50:  # the loop keeps turning while every write of the batch waits on the lock
                await asyncio.sleep(0.01)
            assert not batch.done() and _jobs(own_server, org.id) == []  # nothing sent before its record is
            lock.release()
            result = await batch
            beside.cancel()
        assert [i.status for i in result] == ["completed"] * 16
        assert len(_jobs(own_server, org.id)) == 16 and store.count("completed") == 16
    finally:
        lock.release()
        store.close()


def test_a_store_locked_past_its_timeout_stops_the_batch_and_names_the_file(
    own_server: MockServer, tmp_path: Path
) -> None:
    org = seed_org_sync(own_server)
    path = tmp_path / "held.sqlite"
    ManifestStore(path).close()
    lock = _Locked(path)
    try:
        with (
            ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content,
            ManifestStore(path, timeout=0.5) as store,
            pytest.raises(StoreError) as caught,
        ):
            content.expansions.run_batch(_requests(4, "held"), store=store)
    finally:
        lock.release()
    message = str(caught.value)
    assert f"ManifestStore {path} could not be written: another program holds it locked (waited 0.5 s)" in message
    assert "timeout=" in message and "run again resumes" in message and caught.value.path == str(path)
    result = caught.value.result
    assert result is not None and result.counts == {"pending": len(result)}  # what it got to, and no further
    assert _jobs(own_server, org.id) == []  # nothing sent that was not written down first


LOCKED_SCRIPT = textwrap.dedent(
    """
    import sys
    from tutorflow_nb import ContentClient, ManifestStore
    from conftest import source_request
    base_url, key, db = sys.argv[1:4]
    requests = [source_request(1, level=f"locked-{i}") for i in range(8)]
    with ContentClient(base_url, key, poll_interval=(0.05, 0.1)) as client:
        store = ManifestStore(db, timeout=120)
        print("batch", flush=True)
        client.expansions.run_batch(requests, store=store)
    print("finished", flush=True)
    """
)


@pytest.mark.slow
def test_ctrl_c_stops_a_batch_that_waits_on_a_locked_store(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server)
    path = tmp_path / "locked.sqlite"
    ManifestStore(path).close()
    lock = _Locked(path)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", LOCKED_SCRIPT, own_server.base_url, org.content_key, str(path)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "batch"
        time.sleep(0.5)  # the batch is waiting on the lock now (it waits up to 120 s)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)  # it ends while the lock is still held: the store held up nothing
        assert child.returncode != 0 and "KeyboardInterrupt" in err and "finished" not in out
        assert "Task exception was never retrieved" not in err
    finally:
        lock.release()
    assert _jobs(own_server, org.id) == []  # nothing was sent before its record could be written


# ---------------------------------------------------------------- a full disk, a read-only file

FULL_DISK_SCRIPT = textwrap.dedent(
    """
    import resource, signal, sys
    from tutorflow_nb import ContentClient, ManifestStore
    from tutorflow_nb.errors import StoreError
    from conftest import source_request
    base_url, key, db, limit, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    requests = [source_request(3, level=f"full-{i}") for i in range(n)]
    store = ManifestStore(db)
    if limit:  # a disk with this many bytes for the store
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    with ContentClient(base_url, key, poll_interval=(0.05, 0.1)) as client:
        try:
            batch = client.expansions.run_batch(requests, store=store)
        except StoreError as exc:
            print("STORE ERROR", exc, flush=True)
            print("SO FAR", len(exc.result), exc.result.counts, flush=True)
            sys.exit(3)
    print("DONE", batch.counts, flush=True)
    """
)


@pytest.mark.slow
def test_a_full_disk_stops_the_batch_with_an_error_that_names_the_file(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server)
    if True:  # the disk: a limit on how big the store's files may grow
        path = tmp_path / "full.sqlite"
        ManifestStore(path).close()
        args = [sys.executable, "-c", FULL_DISK_SCRIPT, own_server.base_url, org.content_key, str(path)]
        full = subprocess.run(
            [*args, str(path.stat().st_size + 48_000), "40"], cwd=HERE, capture_output=True, text=True
        )
        assert full.returncode == 3, full.stdout + full.stderr
        assert f"ManifestStore {path} could not be written: the disk is full" in full.stdout, full.stdout
        assert "run again resumes" in full.stdout and "SO FAR 40" in full.stdout
        assert "Traceback" not in full.stderr and "never retrieved" not in full.stderr
        # room again: the same batch resumes, one job per item
        again = subprocess.run([*args, "0", "40"], cwd=HERE, capture_output=True, text=True)
        assert again.returncode == 0 and "'completed': 40" in again.stdout, again.stdout + again.stderr
    jobs = _jobs(own_server, org.id)
    assert len(jobs) == 40 and len({j["idempotencyKey"] for j in jobs}) == 40


def _read_only(path: Path) -> Any:
    """Make ``path`` a file nobody may write, root included (``chattr +i``), or refuse with the reason; the undo."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"as root, only an immutable file is read-only, and chattr +i failed here: {made.stderr.strip()}")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.slow
def test_a_read_only_store_is_an_error_that_names_the_file(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server)
    path = tmp_path / "readonly.sqlite"
    ManifestStore(path).close()
    undo = _read_only(path)
    try:
        before = path.read_bytes()
        args = [sys.executable, "-c", FULL_DISK_SCRIPT, own_server.base_url, org.content_key, str(path), "0", "4"]
        run = subprocess.run(args, cwd=HERE, capture_output=True, text=True)
        assert run.returncode == 3, run.stdout + run.stderr
        assert f"ManifestStore {path} could not be written: it is read-only" in run.stdout, run.stdout
        assert "never retrieved" not in run.stderr and "Traceback" not in run.stderr
        assert path.read_bytes() == before
        assert _jobs(own_server, org.id) == []  # nothing is sent before its record is written
    finally:
        undo()


# ---------------------------------------------------------------- content that changes


@pytest.mark.slow
def test_a_changed_source_leaves_one_current_record(org_content: tuple[ContentClient, str], tmp_path: Path) -> None:
    content, org_id = org_content
    requests = [(f"source-{i}", source_request(2, level=f"changed-{i}")) for i in range(3)]
    with ManifestStore(tmp_path / "changed.sqlite") as store:
        first = content.expansions.run_batch(requests, store=store)
        fixed = source_request(2, level="changed-1")
        fixed["payload"]["level"]["lessons"][0]["title"] = "Greetings, fixed"
        again = content.expansions.run_batch([requests[0], ("source-1", fixed), requests[2]], store=store)
        assert len(_jobs_at(content.base_url, org_id)) == 4
        current, history = store.outputs(), store.outputs(history=True)
        assert len(current) == 9 and len(history) == 12  # one current record per source and output type
        assert current.groupby(["source_content_id", "output_type"]).size().max() == 1
        old, new = first[1].job_id, again[1].job_id
        assert set(current.loc[current["source_content_id"] == "source-1", "tutorflow_job_id"]) == {new}
        replaced = history[history["tutorflow_job_id"] == old]
        assert len(replaced) == 3 and set(replaced["superseded_by"]) == {new}
        assert replaced["superseded_at"].notna().all() and current["superseded_at"].isna().all()
        assert history["recorded_at"].notna().all()
        assert {m["tutorFlowJobId"] for m in store.manifests() if m["sourceContentId"] == "source-1"} == {new}
        items = store.items(history=True)
        assert items.loc[items["job_id"] == old, "superseded_by"].tolist() == [again[1].idempotency_key]
        assert len(store.items()) == 3
        exported = pd.read_csv(store.export(tmp_path / "outputs.csv"))
        assert len(exported) == 9 and old not in set(exported["tutorflow_job_id"])


# ---------------------------------------------------------------- exports a spreadsheet opens

FORMULAS = ['=HYPERLINK("http://example.test","open")', "+SUM(A1:A9)", "-2+3", "@SUM(1)", "\tlead", "\rlead"]


@pytest.mark.slow
def test_an_export_never_hands_a_spreadsheet_a_formula(org_content: tuple[ContentClient, str], tmp_path: Path) -> None:
    content, _ = org_content
    requests = [(ext, source_request(1, level=f"formula-{i}")) for i, ext in enumerate(FORMULAS)]
    with ManifestStore(tmp_path / "formula.sqlite") as store:
        content.expansions.run_batch(requests, store=store)
        for table in ("outputs", "items"):
            path = store.export(tmp_path / f"{table}.csv", table)
            with path.open(newline="", encoding="utf-8") as handle:
                cells = [cell for row in csv.reader(handle) for cell in row]
            assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
            shown = {cell[1:] for cell in cells if cell.startswith("'")}
            if table == "outputs":
                assert shown >= set(FORMULAS)  # every id is still there, as text


# ---------------------------------------------------------------- a store from a newer tutorflow_nb


def test_a_newer_store_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    with ManifestStore(path) as store:
        store.intend("t", "expansion", "k", {"n": 1}, source_content_id=None, external_id=None, key_prefix=None)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ConfigurationError) as caught:
        ManifestStore(path)
    message = str(caught.value)
    assert str(path) in message and f"version {SCHEMA_VERSION + 1}" in message and "pip install -U" in message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in before} == before


# ---------------------------------------------------------------- requests from a generator


@pytest.mark.slow
def test_a_generator_that_raises_stops_the_batch_and_a_rerun_resumes(
    org_content: tuple[ContentClient, str], tmp_path: Path
) -> None:
    content, org_id = org_content
    requests = _requests(150, "generator")

    def broken() -> Iterator[dict[str, Any]]:
        for i, body in enumerate(requests):
            if i == 100:
                raise ValueError("row 100 of the spreadsheet is empty")
            yield body

    with ManifestStore(tmp_path / "generator.sqlite") as store:
        with pytest.raises(ValueError, match="row 100") as caught:
            content.expansions.run_batch(broken(), store=store)
        notes = " ".join(getattr(caught.value, "__notes__", []))
        assert "stopped at request" in notes and "run the same batch again" in notes
        sent = _jobs_at(content.base_url, org_id)
        assert len(sent) <= 100 and len({j["idempotencyKey"] for j in sent}) == len(sent)
        assert {j["id"] for j in sent} <= set(store.items()["job_id"].dropna())
        batch = content.expansions.run_batch(iter(requests), store=store, total=150)
    assert batch.counts == {"completed": 150}
    jobs = _jobs_at(content.base_url, org_id)
    assert len(jobs) == 150 and len({j["idempotencyKey"] for j in jobs}) == 150


@pytest.mark.slow
def test_a_request_yielded_twice_is_sent_once(org_content: tuple[ContentClient, str]) -> None:
    content, org_id = org_content
    requests = _requests(5, "twice")
    batch = content.expansions.run_batch(iter([*requests, requests[2], requests[0]]))
    assert batch.counts == {"completed": 7}
    assert batch[5].job_id == batch[2].job_id and batch[6].job_id == batch[0].job_id
    assert batch[5].result is not None and batch[5].result.job.id == batch[2].job_id
    assert len(_jobs_at(content.base_url, org_id)) == 5
    creates = [h for h in content.http.history if h[0] == "POST"]
    assert len(creates) == 5


# ---------------------------------------------------------------- results as they finish


@pytest.mark.slow
def test_iter_batch_yields_each_item_as_it_finishes_and_a_stored_result_reads_back(
    org_content: tuple[ContentClient, str], tmp_path: Path
) -> None:
    content, org_id = org_content
    requests = _requests(24, "iter")
    seen: list[int] = []
    with ManifestStore(tmp_path / "iter.sqlite") as store:
        for item in content.expansions.iter_batch(iter(requests), store=store):
            assert item.done and item.status == "completed"
            assert isinstance(item.result, ExpansionResult) and item.result.job.id == item.job_id
            assert item._result is None and item._request is None  # held by the store, not in memory
            seen.append(item.index)
        assert sorted(seen) == list(range(24))
        batch = content.expansions.run_batch(requests, store=store)  # finished: read back, nothing sent
        assert batch.requests == 0 and batch.counts == {"completed": 24}
        jobs = frames.jobs(batch)
        assert len(jobs) == 24 and set(jobs["status"]) == {"completed"} and jobs["external_id"].isna().all()
        assert len(frames.outputs(batch)) == 72
        assert [r.job.id for r in batch.results if r] == [i.job_id for i in batch]
    assert len(_jobs_at(content.base_url, org_id)) == 24


@pytest.mark.slow
def test_leaving_an_iter_batch_loop_stops_the_batch(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server, rateLimitPerMinute=600)  # ten requests a wall second: a slow batch
    requests = _requests(40, "leave")
    with (
        ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content,
        ManifestStore(tmp_path / "leave.sqlite") as store,
    ):
        for item in content.expansions.iter_batch(requests, store=store):
            assert item.status == "completed"
            break
        sent = len(content.http.history)
        created = len(_jobs(own_server, org.id))
        time.sleep(1.0)  # anything still running in the background would show by now
        assert len(content.http.history) == sent and len(_jobs(own_server, org.id)) == created < 40
        accepted = set(store.items()["job_id"].dropna())
        assert accepted == {j["id"] for j in _jobs(own_server, org.id)}
        batch = content.expansions.run_batch(requests, store=store)
    assert batch.counts == {"completed": 40}
    jobs = _jobs(own_server, org.id)
    assert len(jobs) == 40 and len({j["idempotencyKey"] for j in jobs}) == 40


ITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from tutorflow_nb import ContentClient, ManifestStore
    from conftest import source_request
    base_url, key, db = sys.argv[1:4]
    requests = (source_request(1, level=f"iter-script-{i}") for i in range(40))
    with ContentClient(base_url, key, poll_interval=(0.05, 0.1)) as client, ManifestStore(db) as store:
        for item in client.expansions.iter_batch(requests, store=store, total=40):
            print("got", item.index, flush=True)
    print("finished", flush=True)
    """
)


@pytest.mark.slow
def test_ctrl_c_in_an_iter_batch_loop_in_a_script(own_server: MockServer, tmp_path: Path) -> None:
    org = seed_org_sync(own_server, rateLimitPerMinute=600)
    db = tmp_path / "iter-script.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", ITER_SCRIPT, own_server.base_url, org.content_key, str(db)],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().startswith("got ")
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode != 0 and "KeyboardInterrupt" in err and "finished" not in out
    assert "never retrieved" not in err
    created = len(_jobs(own_server, org.id))
    time.sleep(1.0)
    assert len(_jobs(own_server, org.id)) == created < 40
    with ManifestStore(db) as store:
        assert set(store.items()["job_id"].dropna()) == {j["id"] for j in _jobs(own_server, org.id)}
        with ContentClient(own_server.base_url, org.content_key, poll_interval=POLL) as content:
            batch = content.expansions.run_batch(
                (source_request(1, level=f"iter-script-{i}") for i in range(40)), store=store
            )
    assert batch.counts == {"completed": 40} and len(_jobs(own_server, org.id)) == 40


KERNEL_ITER_CELL = """
import tutorflow_nb as tf
from conftest import source_request
store = tf.ManifestStore({db!r})
client = tf.ContentClient({base!r}, {key!r}, poll_interval=(0.05, 0.1))
got = 0
requests = (source_request(1, level=f"kernel-iter-{{i}}") for i in range(40))
for item in client.expansions.iter_batch(requests, store=store):
    got += 1
print(got)
"""


@pytest.mark.slow
def test_the_kernel_interrupt_stops_an_iter_batch_loop(own_server: MockServer, tmp_path: Path) -> None:
    from jupyter_client.manager import start_new_kernel

    org = seed_org_sync(own_server, rateLimitPerMinute=600)
    db = tmp_path / "kernel-iter.sqlite"
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(HERE))
    try:
        msg_id = kc.execute(KERNEL_ITER_CELL.format(db=str(db), base=own_server.base_url, key=org.content_key))
        _wait_until(lambda: len(_jobs(own_server, org.id)) >= 5)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:  # an earlier request's reply (kernel_info)
            reply = kc.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        created = len(_jobs(own_server, org.id))
        time.sleep(1.0)
        assert len(_jobs(own_server, org.id)) == created < 40
        with ManifestStore(db) as store:
            assert set(store.items()["job_id"].dropna()) == {j["id"] for j in _jobs(own_server, org.id)}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
