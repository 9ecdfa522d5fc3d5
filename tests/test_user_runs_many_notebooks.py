"""A person runs many notebooks at once against one ``tutorflow-nb worlds`` service (as nbval does).

Each ``connect()`` must get a mock of its own (nothing one notebook does shows in another,
and a notebook answers the same whichever ran before), at the clock it asked for or the
service's; a setting that cannot work is named with its fix before anything starts;
nothing secret is shown; a world is given back when its session closes, and every world
stops with the service.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from conftest import seed_org_sync, source_request
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import tutorflow_nb as tf
from tutorflow_nb.errors import ConfigurationError
from tutorflow_nb.mock import MockServer, MockWorld, MockWorlds
from tutorflow_nb.mock.worlds import WorldsClosedError
from tutorflow_nb.serving import ThreadedServer

VARIABLES = (
    "TUTORFLOW_API_BASE_URL",
    "TUTORFLOW_CONTENT_API_KEY",
    "TUTORFLOW_PLATFORM_API_KEY",
    "TUTORFLOW_CLASSROOM_ID",
    "TUTORFLOW_ADMIN_COOKIES",
    "TUTORFLOW_MOCK",
    "TUTORFLOW_MOCK_WORLDS",
)


@pytest.fixture(scope="module")
def service() -> Iterator[MockWorlds]:
    with MockWorlds(speed=100) as worlds:
        yield worlds


@pytest.fixture
def drawing(monkeypatch: pytest.MonkeyPatch, service: MockWorlds) -> MockWorlds:
    """A process whose only setting is TUTORFLOW_MOCK_WORLDS, naming ``service``."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUTORFLOW_MOCK_WORLDS", service.base_url)
    return service


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/_mock/state", timeout=2)
    except httpx.HTTPError:
        return False
    return True


def _gone(url: str, within: float = 5.0) -> bool:
    """A world given back stops within moments (its shutdown runs in the background)."""
    deadline = time.monotonic() + within
    while _answers(url):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.slow
def test_two_notebooks_get_worlds_of_their_own(drawing: MockWorlds, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tf.connect(), tf.connect()
    try:
        said = capsys.readouterr().out.splitlines()
        assert len(said) == 2 and all("bundled mock" in line and "x100 clock" in line for line in said)
        assert first.base_url != second.base_url
        assert isinstance(first.mock, MockWorld) and first.control is not None
        assert set(drawing.worlds.values()) >= {first.base_url, second.base_url}
        # seeded alike: a notebook answers the same whichever ran before it
        assert (first.organization_id, first.classroom_id) == (second.organization_id, second.classroom_id)
        job = first.content.expansions.create(source_request())
        first.content.expansions.wait_result(job.id)
        first.platform.courses.create("Tides", lesson_count=2)
        assert [j["id"] for j in first.control.jobs()] == [job.id]
        assert second.control.jobs() == [] and second.platform.courses.list() == []
        assert (
            second.content.expansions.create(source_request()).id == job.id
        )  # the same first job id, not a shared one
    finally:
        first.close()
        second.close()
    assert first.base_url not in drawing.worlds.values() and second.base_url not in drawing.worlds.values()
    assert _gone(first.base_url) and _gone(second.base_url)


@pytest.mark.slow
def test_a_world_shows_no_secret(drawing: MockWorlds, capsys: pytest.CaptureFixture[str]) -> None:
    with tf.connect() as s:
        world = s.mock
        assert isinstance(world, MockWorld)
        secrets = [world.admin_password, world.platform_key, s.content.aio.http.key.reveal()]
        shown = capsys.readouterr().out + repr(s) + repr(world) + str(world) + repr(s.control)
        listing = httpx.get(f"{drawing.base_url}/worlds").text
        for secret in secrets:
            assert secret not in shown and secret not in listing
        assert s.platform.key_prefix in repr(s)


@pytest.mark.slow
@pytest.mark.parametrize(("asked", "clock"), [(None, 100.0), (25, 25.0), (7.5, 7.5)])
def test_a_world_runs_at_the_clock_asked_or_the_services(
    drawing: MockWorlds, asked: float | None, clock: float, capsys: pytest.CaptureFixture[str]
) -> None:
    with tf.connect(mock_speed=asked) as s:
        assert s.control is not None and s.control.state()["clock"]["speed"] == clock
        assert f"x{clock:g} clock" in capsys.readouterr().out
        assert s.content.poll_interval == (2.0 / clock, 5.0 / clock)


def test_a_base_url_wins_over_the_worlds(
    drawing: MockWorlds, monkeypatch: pytest.MonkeyPatch, live_server: MockServer
) -> None:
    org = seed_org_sync(live_server)
    before = dict(drawing.worlds)
    monkeypatch.setenv("TUTORFLOW_API_BASE_URL", live_server.base_url)
    monkeypatch.setenv("TUTORFLOW_CONTENT_API_KEY", org.content_key)
    with tf.connect(quiet=True) as s:
        assert s.base_url == live_server.base_url and s.mock is None
    assert drawing.worlds == before


@pytest.mark.slow
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_variable_is_unset(drawing: MockWorlds, monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("TUTORFLOW_MOCK_WORLDS", blank)
    before = dict(drawing.worlds)
    with tf.connect(quiet=True) as s:
        assert isinstance(s.mock, MockServer)  # started inside this process, as with nothing set
    assert drawing.worlds == before


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("not a url", "the URL `tutorflow-nb worlds` prints"),
        ("ftp://127.0.0.1:9", "the URL `tutorflow-nb worlds` prints"),
        ("  http://127.0.0.1:9", "holds whitespace"),
        ("http://user:pw@127.0.0.1:9", "no query, fragment or credentials"),
        ("http://127.0.0.1:9", "no mock worlds service answers"),  # nothing listens on the discard port
        ("http://127.0.0.1:9/v1", "no mock worlds service answers"),  # a path is no API root here: tried as given
        ("LIVE", "did not give a world"),  # a mock, but not a worlds service
    ],
)
def test_a_variable_that_cannot_work_is_named_with_its_fix(
    drawing: MockWorlds, monkeypatch: pytest.MonkeyPatch, live_server: MockServer, value: str, words: str
) -> None:
    monkeypatch.setenv("TUTORFLOW_MOCK_WORLDS", live_server.base_url if value == "LIVE" else value)
    with pytest.raises(ConfigurationError) as caught:
        tf.connect(quiet=True)
    message = str(caught.value)
    assert "TUTORFLOW_MOCK_WORLDS" in message and words in message
    assert "api.tutorflow.io" not in message and "pw@" not in message  # never the API's example, never a password
    if words in ("no mock worlds service answers", "did not give a world"):  # it was asked: the fixes
        assert "`tutorflow-nb worlds`" in message and "unset TUTORFLOW_MOCK_WORLDS" in message


@pytest.mark.parametrize("speed", [0, -1, math.nan, math.inf, "fast", True, 100_001, 1e9, 10**400])
def test_a_mock_speed_that_cannot_work_is_named_before_anything_starts(drawing: MockWorlds, speed: Any) -> None:
    before = dict(drawing.worlds)
    with pytest.raises(ConfigurationError, match="mock_speed must be a number above 0 and at most 100000"):
        tf.connect(mock_speed=speed)
    assert drawing.worlds == before


def _mock_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("tutorflow-mock-http")}


def _no_new_mock_threads(before: set[str], within: float = 5.0) -> bool:
    """No mock server thread beyond ``before`` is left once those stopping have stopped."""
    deadline = time.monotonic() + within
    while _mock_threads() - before:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.slow
@pytest.mark.parametrize("where", ["a world", "inside this process"])
@pytest.mark.parametrize("fails", ["sign_in", "classrooms", "interrupted"])
def test_a_connect_that_fails_gives_back_its_mock(
    drawing: MockWorlds, monkeypatch: pytest.MonkeyPatch, where: str, fails: str
) -> None:
    """However provisioning fails (an error, or Ctrl-C), the mock it started or drew is not left serving."""
    if where != "a world":
        monkeypatch.delenv("TUTORFLOW_MOCK_WORLDS")
    before, threads = dict(drawing.worlds), _mock_threads()
    raised: type[BaseException] = KeyboardInterrupt if fails == "interrupted" else RuntimeError
    target = "classrooms" if fails == "classrooms" else "sign_in"
    owner = tf.ContentClient if target == "classrooms" else tf.AdminClient
    started: list[str] = []

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        started.append(self.base_url)
        raise raised("provisioning stopped here")

    monkeypatch.setattr(owner, target, failing)
    with pytest.raises(raised):
        tf.connect(quiet=True)
    assert started and _gone(started[0])
    assert drawing.worlds == before
    if where != "a world":  # (the service runs in this process too: its next spare is a thread of its own)
        assert _no_new_mock_threads(threads)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("[]", 400, "JSON object"),
        ('"x"', 400, "JSON object"),
        ("not json", 400, "JSON object"),
        ('{"speed": 0}', 400, "speed must be a number above 0"),
        ('{"speed": -3}', 400, "speed must be a number above 0"),
        ('{"speed": "fast"}', 400, "speed must be a number above 0"),
        ('{"speed": true}', 400, "speed must be a number above 0"),
        ('{"speed": NaN}', 400, "speed must be a number above 0"),
        ('{"speed": Infinity}', 400, "speed must be a number above 0"),
        ('{"speed": 1e9}', 400, "at most 100000"),
        ('{"speed": 1' + "0" * 400 + "}", 400, "at most 100000"),
        ('{"speed": 100000}', 201, ""),
        ("{}", 201, ""),
        ('{"speed": null}', 201, ""),
        ('{"speed": 12}', 201, ""),
    ],
)
def test_the_service_draws_only_what_it_can(service: MockWorlds, body: str, status: int, words: str) -> None:
    before = dict(service.worlds)
    answer = httpx.post(f"{service.base_url}/worlds", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    if status == 201:
        world = answer.json()
        expected = json.loads(body).get("speed") or service.speed
        assert world["speed"] == expected and service.worlds[world["id"]] == world["baseUrl"]
        assert httpx.delete(f"{service.base_url}/worlds/{world['id']}").status_code == 202
        assert _gone(world["baseUrl"])
    else:
        assert words in answer.json()["error"]
    assert service.worlds == before
    assert httpx.delete(f"{service.base_url}/worlds/no-such-world").status_code == 404


@pytest.mark.slow
def test_every_world_stops_with_the_service() -> None:
    """Worlds drawn, one given back a moment before (still shutting down), the spare: all stop, none is left."""
    served: list[MockServer] = []

    class Kept(MockWorlds):
        def _serving(self, speed: float) -> MockServer:
            served.append(super()._serving(speed))
            return served[-1]

    threads = _mock_threads()
    with Kept(speed=50) as worlds:
        drawn = [MockWorld.draw(worlds.base_url) for _ in range(4)]
        assert all(_answers(w.base_url) for w in drawn) and len(worlds.worlds) == 4
        slow = next(server for server in served if server.base_url == drawn[3].base_url)
        stop = slow.stop

        def slow_stop(timeout: float = 5.0) -> None:
            time.sleep(0.5)  # still shutting down when the service is told to stop
            stop(timeout)

        slow.stop = slow_stop  # type: ignore[method-assign]  # one server's shutdown made slow, for this test
        drawn[3].stop()  # given back: it stops in the background, and the service's stop waits for it too
    assert not any(_answers(w.base_url) for w in drawn)
    assert not _answers(worlds.base_url)
    assert _no_new_mock_threads(threads, within=0)  # stop() returned once every world had stopped
    drawn[0].stop()  # giving back to a service that is gone is no error


@pytest.mark.slow
def test_two_stops_at_once_each_return_when_nothing_serves() -> None:
    """A harness's stop and a Ctrl-C's stop at the same moment: neither returns while a world still serves."""
    threads = _mock_threads()
    worlds = MockWorlds(speed=50).start()
    drawn = [MockWorld.draw(worlds.base_url) for _ in range(5)]
    left: list[set[str]] = []

    def stop() -> None:
        worlds.stop()
        left.append(_mock_threads() - threads)  # what still runs the moment this stop() returned

    stops = [threading.Thread(target=stop) for _ in range(2)]
    for thread in stops:
        thread.start()
    for thread in stops:
        thread.join(30)
    assert left == [set(), set()]
    assert not any(_answers(w.base_url) for w in drawn)


@pytest.mark.slow
@pytest.mark.parametrize("draws", [1, 4])
def test_a_stop_during_draws_leaves_no_world_serving(draws: int) -> None:
    """Draws in flight when the service stops: each gets its world or WorldsClosedError, and none is left serving."""
    threads = _mock_threads()
    worlds = MockWorlds(speed=50).start()
    go = threading.Barrier(draws + 1)
    outcome: list[object] = []

    def draw(n: int) -> None:
        go.wait()
        try:
            outcome.append(worlds.draw(speed=20 + n)[1])  # not the service's speed: each starts a server of its own
        except WorldsClosedError as exc:
            outcome.append(exc)

    drawing = [threading.Thread(target=draw, args=(n,)) for n in range(draws)]
    for thread in drawing:
        thread.start()
    go.wait()
    time.sleep(0.02)  # the draws are starting their servers
    worlds.stop()
    assert _no_new_mock_threads(threads, within=0)  # stop() returned once nothing served
    for thread in drawing:
        thread.join(30)
    assert len(outcome) == draws
    assert all(isinstance(o, WorldsClosedError | MockServer) for o in outcome)


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tutorflow_nb.cli", "worlds", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_tutorflow_nb_worlds_serves_kernels_until_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    with _cli("--port", "0", "--speed", "40") as service:
        assert service.stdout is not None
        name, _, url = service.stdout.readline().strip().partition("=")
        assert name == "TUTORFLOW_MOCK_WORLDS" and url.startswith("http://127.0.0.1:")
        env = {k: v for k, v in os.environ.items() if k not in VARIABLES} | {"TUTORFLOW_MOCK_WORLDS": url}
        cell = (
            "import sys, tutorflow_nb as tf; s = tf.connect(); print(s.base_url); "
            "print('fastapi' in sys.modules or 'tutorflow_nb.mock.app' in sys.modules)"
        )
        kernel = subprocess.run(
            [sys.executable, "-c", cell], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        said, world_url, imported = kernel.stdout.splitlines()
        assert "x40 clock" in said and world_url != url and _answers(world_url)
        assert imported == "False"  # the kernel never imported the mock's web stack
        service.send_signal(signal.SIGTERM)
        assert service.wait(15) == 128 + signal.SIGTERM  # as a shell reports a command ended by SIGTERM
    assert not _answers(world_url)


@pytest.mark.slow
def test_tutorflow_nb_worlds_ends_on_ctrl_c_and_stops_its_worlds() -> None:
    with _cli("--port", "0", "--speed", "40") as service:
        assert service.stdout is not None
        url = service.stdout.readline().strip().partition("=")[2]
        world = MockWorld.draw(url)
        service.send_signal(signal.SIGINT)
        assert service.wait(15) == 128 + signal.SIGINT
    assert not _answers(world.base_url) and not _answers(url)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["worlds", "mock"])
def test_a_host_that_cannot_be_listened_on_is_named(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tutorflow_nb.cli", command, "--host", "no-such-host.invalid", "--port", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "cannot listen on no-such-host.invalid:0" in done.stderr and "check --host" in done.stderr
    assert "--port" not in done.stderr


@pytest.mark.slow
def test_tutorflow_nb_worlds_names_a_port_it_cannot_use() -> None:
    with MockWorlds() as taken:
        port = taken.base_url.rsplit(":", 1)[1]
        with _cli("--port", port) as refused:
            _, err = refused.communicate(timeout=30)
    assert refused.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err


@pytest.mark.slow
def test_giving_back_every_world_leaves_the_service_serving(service: MockWorlds) -> None:
    drawn = [MockWorld.draw(service.base_url, 30) for _ in range(2)]
    answer = httpx.delete(f"{service.base_url}/worlds")
    assert answer.status_code == 202 and answer.json()["stopping"] >= 2
    assert service.worlds == {} and all(_gone(w.base_url) for w in drawn)
    again = MockWorld.draw(service.base_url)
    assert _answers(again.base_url) and again.speed == service.speed
    again.stop()


def _notebook(cells: list[tuple[str, str | None]]) -> nbformat.NotebookNode:
    """Code cells with the output each prints (``""``: none; ``None``: nbval ignores it)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for source, printed in cells:
        if printed is None:
            nb.cells.append(nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\n" + source))
            continue
        outs = [nbformat.v4.new_output("stream", name="stdout", text=printed + "\n")] if printed else []
        nb.cells.append(nbformat.v4.new_code_cell(source, outputs=outs, execution_count=1))
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("own", [None, "http://127.0.0.1:9"])
def test_a_user_tests_their_own_notebooks_with_the_plugin(tmp_path: Path, own: str | None) -> None:
    """Two notebooks that each count the jobs on their mock, then a plain test: each notebook sees only its own
    job (whichever ran first), no kernel imports FastAPI, the worlds run at x50, the service stops with the run,
    and the test after the notebooks sees the variable as the user had it (unset, or their own value)."""
    body = {
        "requestedOutputs": ["expanded_quiz"],
        "payload": {
            "category": "Vocabulary",
            "level": {"id": "a1", "title": "A1", "lessons": [
                {"id": "l1", "type": "term", "title": "Greetings", "terms": [{"term": "hi", "meaning": "a greeting"}]}
            ]},
        },
    }  # fmt: skip
    counting = [
        ("import os, sys, tutorflow_nb as tf\ns = tf.connect(quiet=True)", ""),
        ("open('service.url', 'w').write(os.environ['TUTORFLOW_MOCK_WORLDS'])", None),
        (f"s.content.expansions.create({body!r})", None),
        ("print(len(s.control.jobs()), 'fastapi' in sys.modules, s.control.state()['clock']['speed'])", "1 False 50.0"),
    ]
    for name in ("a-first.ipynb", "b-second.ipynb"):
        nbformat.write(_notebook(counting), tmp_path / name)
    (tmp_path / "test_z_after.py").write_text(
        f"import os\n\ndef test_the_variable_is_as_it_was():\n"
        f"    assert os.environ.get('TUTORFLOW_MOCK_WORLDS') == {own!r}\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES} | ({"TUTORFLOW_MOCK_WORLDS": own} if own else {})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tutorflow_nb.pytest_worlds",
         "--nbval", "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "9 passed" in done.stdout
    assert not _answers((tmp_path / "service.url").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 2.0])
def test_a_service_stops_with_the_harness_that_started_it(after: float) -> None:
    """A test run killed outright (SIGKILL: no clean-up runs), before its service has even started or after,
    leaves no worlds service behind."""
    harness = (
        "import os, signal, subprocess, sys, time\n"
        "from tutorflow_nb.serving import bind, url_of\n"
        "sock = bind('127.0.0.1', 0)\n"
        "subprocess.Popen([sys.executable, '-m', 'tutorflow_nb.cli', 'worlds', '--fd', str(sock.fileno()),\n"
        "                  '--stop-with', str(os.getpid())], pass_fds=[sock.fileno()], stdout=subprocess.DEVNULL)\n"
        "print(url_of(sock), flush=True)\n"
        f"time.sleep({after})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", harness], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == -signal.SIGKILL
    url = done.stdout.strip()
    time.sleep(1.5)  # past the service's start-up: a service that outlived its harness would answer by now
    assert _gone(url, within=10), "the service outlived the process that started it"


@pytest.mark.slow
def test_a_stopped_service_draws_no_world_and_leaves_none_serving() -> None:
    """stop() while a draw is under way: the draw is refused and its world stopped; a later draw is refused."""
    release, started = threading.Event(), threading.Event()

    class Slow(MockWorlds):
        def _serving(self, speed: float) -> MockServer:
            server = super()._serving(speed)
            if speed == 7:  # the draw under test (the spare runs at the service's speed)
                started.set()
                release.wait(10)
            return server

    worlds = Slow(speed=50).start()
    outcome: list[BaseException | str] = []

    def draw() -> None:
        try:
            outcome.append(worlds.draw(7)[1].base_url)
        except BaseException as exc:
            outcome.append(exc)

    threads = _mock_threads()
    drawing = threading.Thread(target=draw)
    drawing.start()
    assert started.wait(10)
    stopping = threading.Thread(target=worlds.stop)
    stopping.start()
    time.sleep(0.3)
    assert stopping.is_alive()  # stop() waits for the draw in flight ...
    release.set()
    stopping.join(10)
    assert not stopping.is_alive()  # ... and returns once it has ended
    drawing.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], WorldsClosedError)
    with pytest.raises(WorldsClosedError, match="draws no more worlds"):
        worlds.draw()
    with pytest.raises(WorldsClosedError, match="start a new MockWorlds"):
        worlds.start()  # a stopped service is not started again only to refuse every draw
    assert _no_new_mock_threads(threads)


def _listening(kind: str) -> socket.socket:
    if kind == "unbound TCP":
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if kind == "bound, not listening":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        return sock
    if kind == "UDP":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        return sock
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(f"\0tutorflow-test-{os.getpid()}")
    sock.listen()
    return sock


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["unbound TCP", "bound, not listening", "UDP", "listening AF_UNIX"])
def test_tutorflow_nb_worlds_refuses_a_socket_it_cannot_serve_on(kind: str) -> None:
    with _listening(kind) as sock:
        fd = sock.fileno()
        done = subprocess.run(
            [sys.executable, "-m", "tutorflow_nb.cli", "worlds", "--fd", str(fd)],
            pass_fds=[fd], capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2 and f"--fd {fd}" in done.stderr, done.stderr
    assert "TUTORFLOW_MOCK_WORLDS=" not in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("fd", ["999", "0"])
def test_tutorflow_nb_worlds_names_an_fd_that_is_no_socket(fd: str) -> None:
    with _cli("--fd", fd) as refused:
        _, err = refused.communicate(timeout=30)
    assert refused.returncode == 2 and f"--fd {fd}" in err


@pytest.mark.slow
def test_the_plugin_says_when_its_service_has_gone(tmp_path: Path) -> None:
    """The service dies mid-run (killed from the first notebook): the next notebook fails saying so, and no
    give-back error piles up after each notebook."""
    kill = (
        "import os, signal\n"
        "pytest_pid = str(os.getppid())  # nbval's kernels are children of the pytest process\n"
        "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        "        argv = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\\0')\n"
        "    except OSError:\n"
        "        continue\n"
        "    mine = b'--stop-with' in argv and argv[argv.index(b'--stop-with') + 1] == pytest_pid.encode()\n"
        "    if b'worlds' in argv and mine:\n"
        "        os.kill(int(pid), signal.SIGKILL)"
    )
    nbformat.write(_notebook([(kill, "")]), tmp_path / "a-kills-the-service.ipynb")
    nbformat.write(_notebook([("import tutorflow_nb as tf\ns = tf.connect(quiet=True)", "")]), tmp_path / "b.ipynb")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tutorflow_nb.pytest_worlds",
         "--nbval", "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:]
    assert "has exited (status -9" in done.stdout and "1 passed, 1 error" in done.stdout, done.stdout[-3000:]
    assert "URLError" not in done.stdout


@pytest.mark.slow
def test_a_server_stopped_from_its_own_route_answers_then_stops() -> None:
    """stop() called on the server's own thread (an async route) cannot wait for itself: it answers, then stops."""

    async def stop_me(request: object) -> PlainTextResponse:
        runner.stop()
        return PlainTextResponse("stopping")

    runner = ThreadedServer(Starlette(routes=[Route("/stop", stop_me)]), name="tutorflow-test-own-stop", lifespan="off")
    url = runner.start("127.0.0.1", 0)
    answer = httpx.get(f"{url}/stop")
    assert answer.status_code == 200 and answer.text == "stopping"
    assert _gone(url, within=10)
    runner.stop()  # and stopping it again from outside is no error
