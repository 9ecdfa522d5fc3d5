"""``tutorflow-nb``: the command line, a thin layer over the package.

tutorflow-nb mock --port 8765 --cookie-jar tutorflow-admin.cookies --env-file mock.env
tutorflow-nb smoke                # the runbook's smoke test against $TUTORFLOW_API_BASE_URL
tutorflow-nb lab                  # the mock and JupyterLab on the quickstart notebook
tutorflow-nb app                  # the mock and Voilà on the cost-planner app, a page with no code
tutorflow-nb run -- CMD ...       # any command beside a mock it shares with every kernel (Binder's start)
tutorflow-nb worlds               # a fresh mock for every kernel that names it in TUTORFLOW_MOCK_WORLDS (nbval)
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from . import checks
from .config import Settings, check_base_url, classroom_from
from .errors import ConfigurationError
from .extras import MissingExtraError
from .keys import ApiKey
from .mock.clock import MAX_SPEED
from .models.constants import MAX_RATE_LIMIT
from .redaction import redact
from .serving import bind, url_of

__all__ = ["main"]

QUICKSTART = "01-quickstart.ipynb"
APP = "app-cost-planner.ipynb"


def _mock(args: argparse.Namespace) -> int:
    from .mock import Faults, MockState  # noqa: PLC0415 - lazy: FastAPI loads only for the commands that serve
    from .mock.server import serve_forever, write_cookie_jar, write_env_file  # noqa: PLC0415 - the same

    try:
        faults = Faults(
            error_rate=args.fault_error_rate,
            drop_rate=args.fault_drop_rate,
            burst_429_rate=args.fault_429_rate,
            latency_ms=args.fault_latency_ms,
            job_failure_rate=args.fault_job_failure_rate,
            webhook_drop_rate=args.fault_webhook_drop_rate,
        )
        state = MockState(seed=args.seed, speed=args.speed, faults=faults, dialect=args.dialect)
    except ValueError as exc:
        print(f"tutorflow-nb mock: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(_cannot_listen("mock", args.host, args.port, exc), file=sys.stderr)
        return 2
    base_url = url_of(sock)
    demo = state.provision_demo(rate_limit=args.rate_limit)
    lines = [
        f"TutorFlow mock serving at {base_url}  (speed x{args.speed:g}, seed {args.seed})",
        f"  organization  {demo.organization_id}",
        f"  classroom     {demo.classroom_id}",
        f"  content key   {demo.content_key_prefix}…  ({args.rate_limit} requests/min)",
        f"  platform key  {demo.platform_key_prefix}…",
    ]
    if args.cookie_jar:
        write_cookie_jar(args.cookie_jar, base_url, demo.session_token)
        lines.append(f"  admin session written to {args.cookie_jar}  (curl -b {args.cookie_jar})")
    if args.env_file:
        write_env_file(args.env_file, base_url, demo)
        lines.append(f"  environment written to {args.env_file}  (set -a; . {args.env_file}; set +a)")
    lines.append(f"  API description {base_url}/docs   Ctrl-C stops")
    print("\n".join(lines), flush=True)
    serve_forever(state, sock, log_level=args.log_level)
    return 0


def _worlds(args: argparse.Namespace) -> int:
    from .mock.worlds import MockWorlds  # noqa: PLC0415 - lazy: FastAPI loads only for the commands that serve

    sock = None
    if args.fd is not None:
        sock, problem = _inherited(args.fd)
        if sock is None:
            print(f"tutorflow-nb worlds: --fd {args.fd} {problem}", file=sys.stderr)
            return 2
    try:
        service = MockWorlds(speed=args.speed, seed=args.seed, log_level=args.log_level)
        service.start(args.host, args.port, sock=sock)
    except OSError as exc:
        print(_cannot_listen("worlds", args.host, args.port, exc), file=sys.stderr)
        return 2
    print(f"TUTORFLOW_MOCK_WORLDS={service.base_url}", flush=True)
    print(
        f"  every tf.connect() in a process with this variable set, and no TUTORFLOW_API_BASE_URL, gets a "
        f"fresh mock of its own (x{args.speed:g} clock unless it asks for another)   Ctrl-C stops",
        flush=True,
    )
    stopped, signalled = threading.Event(), []

    def on_term(signum: int, frame: object) -> None:
        signalled.append(signum)
        stopped.set()

    signal.signal(signal.SIGTERM, on_term)
    if args.stop_with is not None:  # a harness started this service: when it is gone, so is the need for worlds
        watch = threading.Thread(target=_until_gone, args=(args.stop_with, stopped), name="tutorflow-worlds-watch")
        watch.daemon = True
        watch.start()
    try:
        stopped.wait()
    except KeyboardInterrupt:
        signalled.append(signal.SIGINT)
    finally:
        service.stop()
    return 128 + signalled[0] if signalled else 0  # as a shell reports a signalled command


def _inherited(fd: int) -> tuple[socket.socket | None, str]:
    """The listening TCP socket a harness handed over as ``fd``, or ``None`` and what is wrong with it."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        return None, f"is not a socket this process holds ({exc.strerror})"
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        sock.detach()
        return None, "is not a TCP socket: bind one on 127.0.0.1 and listen on it first"
    if sock.getsockname()[1] == 0 or not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        sock.detach()
        return None, "is not bound and listening: bind it on 127.0.0.1 and listen on it first"
    return sock, ""


def _cannot_listen(
    command: str, host: str, port: int, exc: OSError, flag: str = "--port", free: str = "0 picks a free one"
) -> str:
    """Why ``command`` cannot listen on ``host:port``, and which flag fixes it (the port's, when the port is it)."""
    where = f"tutorflow-nb {command}: cannot listen on {host}:{port}"
    why = exc.strerror or exc
    if exc.errno == errno.EADDRINUSE:
        return f"{where} ({flag} {port}): {why}; choose another {flag} ({free})"
    if exc.errno == errno.EACCES:
        return f"{where} ({flag} {port}): {why}; choose a {flag} above 1023 ({free})"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return f"{where}: {why}; check --host (an address of this machine, e.g. 127.0.0.1)"
    return f"{where}: {why}; check --host and {flag}"


def _until_gone(pid: int, stopped: threading.Event, every: float = 0.25) -> None:
    """Set ``stopped`` once process ``pid`` has exited, however it exited (already gone: at once)."""
    while _alive(pid):
        if stopped.wait(every):
            return
    stopped.set()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc here: os.kill is all there is to go on
        return True
    return state != "Z"


def _smoke(args: argparse.Namespace) -> int:
    from .smoke import run_smoke  # noqa: PLC0415 - lazy: the client loads only for the command that uses it

    env = Settings.from_env()
    server = None
    base_url = args.base_url or (check_base_url(env.base_url, "TUTORFLOW_API_BASE_URL") if env.base_url else None)
    key = ApiKey(env.content_key, "content", source="TUTORFLOW_CONTENT_API_KEY") if env.content_key else None
    cookies: dict[str, str] | None = None
    classroom = classroom_from(args.classroom_id or None, "--classroom-id")
    poll = (2.0, 5.0)
    if args.mock:
        from .mock import MockServer  # noqa: PLC0415 - lazy: FastAPI loads only for the commands that serve

        server = MockServer(speed=args.speed).start()
        assert server.demo is not None
        base_url, key = server.base_url, ApiKey(server.demo.content_key, "content")
        cookies, classroom, poll = (
            {"tutorflow_admin_session": server.demo.session_token},
            None,
            (2.0 / args.speed, 5.0 / args.speed),
        )
    if not base_url or not key:
        print(
            "tutorflow-nb smoke: set TUTORFLOW_API_BASE_URL and TUTORFLOW_CONTENT_API_KEY "
            "(set -a; . mock.env; set +a), or pass --mock",
            file=sys.stderr,
        )
        return 2
    if server is None:  # a jar's path, read here so that an error names where it came from
        from .admin import cookies_from  # noqa: PLC0415 - lazy, like the rest of this command

        cookies = cookies_from(args.admin_cookies or None, base_url, "--admin-cookies")
    try:
        report = run_smoke(base_url, key, admin_cookies=cookies, classroom_id=classroom, poll_interval=poll)
    finally:
        if server is not None:
            server.stop()
    print(f"against {base_url}\n{report}")
    return 0 if report.passed else 1


def _notebooks_dir() -> Path:
    """``./notebooks`` when run from a checkout, else the one beside the installed package."""
    for candidate in (Path.cwd() / "notebooks", Path(__file__).resolve().parents[1] / "notebooks"):
        if (candidate / QUICKSTART).exists():
            return candidate
    raise FileNotFoundError(f"no notebooks/{QUICKSTART} here: run tutorflow-nb lab from the tutorflow_nb checkout")


# ---------------------------------------------------------------- a port named on the command line is that port


def _option(extra: Sequence[str], flags: Sequence[str]) -> tuple[str, str] | None:
    """The last of ``flags`` among the options passed on (``--port=8866`` or ``--port 8866``): ``(flag, value)``."""
    found = None
    for i, arg in enumerate(extra):
        flag, eq, value = arg.partition("=")
        if flag in flags:
            found = (flag, value if eq else (extra[i + 1] if i + 1 < len(extra) else ""))
    return found


def _held_to_port(name: str, app: str, extra: list[str]) -> tuple[list[str], str | None]:
    """The options for the server ``app`` (``ServerApp``, ``Voila``) with the port they name held: ``(options,
    problem)``. The one rule for ports: a port named on the command line is the port served, or an error.

    A server told a busy port moves to the next free one (``port_retries``) with only a log line, and the user
    opens the port they asked for and finds nothing. So a named port is tried first (in use: an error naming
    the flag) and the server is told not to move (``port_retries=0``), unless the options ask it to move.
    """
    named = _option(extra, ("--port", f"--{app}.port"))
    if named is None or _option(extra, ("--port-retries", f"--{app}.port_retries")) is not None:
        return extra, None
    flag, text = named
    port = int(text) if text.isdigit() else text  # as the server reads it: digits only
    problem = checks.count_problem(port, low=0, high=65535)
    if problem is not None or not isinstance(port, int):
        return extra, f"tutorflow-nb {name}: {flag} {_as_typed(problem or '', text)}"
    ip = (_option(extra, ("--ip", f"--{app}.ip")) or ("", "localhost"))[1]
    host = {"localhost": "127.0.0.1", "": "0.0.0.0", "*": "0.0.0.0"}.get(ip, ip)  # where the server would bind
    if port:
        try:
            bind(host, port).close()
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return extra, _cannot_listen(name, host, port, exc, flag, free="or leave it out for a free one")
    return [*extra, f"--{app}.port_retries=0"], None


def _read_number(text: str) -> object:
    """``text`` as the number it spells (an int when it is one), else the text itself, for a check to name."""
    with contextlib.suppress(ValueError):
        return int(text) if text.strip().lstrip("+-").isdigit() else float(text)
    return text


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        print("tutorflow-nb lab needs JupyterLab: pip install -e '.[lab]'", file=sys.stderr)
        return 2
    try:
        notebooks = _notebooks_dir()
    except FileNotFoundError as exc:
        print(f"tutorflow-nb lab: {exc}", file=sys.stderr)
        return 2
    extra, problem = _held_to_port("lab", "ServerApp", extra)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.default_url=/lab/tree/{QUICKSTART}",
        *extra,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # containers often run as root; JupyterLab refuses it otherwise
    return _beside(args, "lab", command, "notebooks")


def _app(args: argparse.Namespace, extra: list[str]) -> int:
    """The mock (unless ``TUTORFLOW_API_BASE_URL`` is set) and Voilà on the app notebook; other options go to Voilà."""
    if importlib.util.find_spec("voila") is None:
        print("tutorflow-nb app needs Voilà: pip install -e '.[lab]'", file=sys.stderr)
        return 2
    # ./notebooks when run from a checkout, else the one beside the installed package
    found = [d / APP for d in (Path.cwd() / "notebooks", Path(__file__).resolve().parents[1] / "notebooks")]
    notebook = next((path for path in found if path.exists()), None)
    if notebook is None:
        print(f"tutorflow-nb app: no notebooks/{APP} here: run it from the tutorflow_nb checkout", file=sys.stderr)
        return 2
    extra, problem = _held_to_port("app", "Voila", extra)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    # Voilà serves the one notebook at / , runs it in a kernel that inherits env, and shows its outputs, not its code
    return _beside(args, "app", [sys.executable, "-m", "voila", str(notebook), *extra], "the app")


def _run(args: argparse.Namespace) -> int:
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("tutorflow-nb run: name the command to run, e.g. tutorflow-nb run -- jupyter lab", file=sys.stderr)
        return 2
    found = shutil.which(command[0])
    if found is None and not Path(command[0]).exists():
        print(f"tutorflow-nb run: command not found: {command[0]}", file=sys.stderr)
        return 127
    target = Path(found or command[0])
    if target.is_dir() or not os.access(target, os.X_OK):  # as a shell says it: 126, found but cannot run
        why = "is a directory" if target.is_dir() else "is not executable (chmod +x it, or name its interpreter)"
        print(f"tutorflow-nb run: {command[0]} {why}", file=sys.stderr)
        return 126
    return _beside(args, "run", command, "the command")


def _beside(args: argparse.Namespace, name: str, command: list[str], users: str) -> int:
    """Run ``command`` with the ``TUTORFLOW_*`` variables naming a bundled mock started for it, and stop the mock
    when the command ends; with ``TUTORFLOW_API_BASE_URL`` already set, the command uses that API instead.

    Every kernel the command starts (JupyterLab's, Voilà's) inherits the variables: they share one mock that is
    already warm, so ``connect()`` answers at once. If the mock cannot start, the command runs anyway and each
    kernel starts a mock of its own; but a ``--mock-port`` that cannot be served is an error, as every named
    port is. Any JupyterLab the command starts opens without its news prompt (:func:`_quiet_jupyter`).
    """
    env = dict(os.environ)
    server, jar = None, None
    given = Settings.from_env().base_url  # blank is unset, as connect() reads it
    if given is not None:
        try:
            url = check_base_url(given, "TUTORFLOW_API_BASE_URL")
        except ConfigurationError as exc:
            print(f"tutorflow-nb {name}: {exc}", file=sys.stderr)
            return 2
        print(f"tutorflow-nb {name}: {redact(url)} from TUTORFLOW_API_BASE_URL, for {users}", flush=True)
    else:
        from .mock import MockServer  # noqa: PLC0415 - lazy: FastAPI loads only for the commands that serve
        from .mock.server import write_cookie_jar  # noqa: PLC0415 - the same

        try:
            server = MockServer(speed=args.speed, port=args.mock_port).start()
        except OSError as exc:
            if args.mock_port:  # the port named on the command line, or nothing
                print(_cannot_listen(name, "127.0.0.1", args.mock_port, exc, "--mock-port"), file=sys.stderr)
                return 2
            print(f"tutorflow-nb {name}: the mock did not start ({exc}); each kernel starts its own", file=sys.stderr)
        except RuntimeError as exc:
            print(f"tutorflow-nb {name}: the mock did not start ({exc}); each kernel starts its own", file=sys.stderr)
        else:
            demo = server.demo
            assert demo is not None
            jar = write_cookie_jar(
                Path(tempfile.mkdtemp(prefix="tutorflow-nb-")) / "tutorflow-admin.cookies",
                server.base_url,
                demo.session_token,
            )
            env.update(demo.variables(server.base_url), TUTORFLOW_ADMIN_COOKIES=str(jar), TUTORFLOW_MOCK="1")
            print(
                f"tutorflow-nb {name}: the mock TutorFlow API is at {server.base_url} (x{args.speed:g} clock; "
                f"content key {demo.content_key_prefix}…); the TUTORFLOW_* variables name it for {users}",
                flush=True,
            )
    settings = None
    try:
        settings = _quiet_jupyter(env)
        try:
            child = subprocess.Popen(command, env=env)
        except OSError as exc:
            print(f"tutorflow-nb {name}: cannot run {command[0]}: {exc.strerror}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126
        previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())  # stopping us stops the command
        try:
            code = child.wait()
        except KeyboardInterrupt:
            child.terminate()
            child.wait(30)
            return 130
        finally:
            signal.signal(signal.SIGTERM, previous)
        return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell reports it
    finally:
        if server is not None:
            server.stop()
        if jar is not None:  # the session lives only as long as this mock: its jar goes with it
            shutil.rmtree(jar.parent, ignore_errors=True)
        if settings is not None:
            shutil.rmtree(settings, ignore_errors=True)


QUIET_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)
"""JupyterLab's news and update notices: the plugin that asks "Would you like to get notified about official
Jupyter news?" on a first run, and fetches news from the internet once answered."""


def _quiet_jupyter(env: dict[str, str]) -> Path:
    """Settings for the Jupyter servers a command of ours starts: JupyterLab's news prompt off. Returns the folder.

    The folder is put first on ``JUPYTER_CONFIG_PATH`` in ``env``, so it reaches every server the command starts
    (ours, or Binder's through ``start``) and no other: neither the user's own settings (``~/.jupyter``, which
    still come first) nor their environment's are written to. JupyterLab reads the plugins to leave out from
    ``labconfig/page_config.json`` on that path.
    """
    folder = Path(tempfile.mkdtemp(prefix="tutorflow-nb-jupyter-"))
    page = folder / "labconfig" / "page_config.json"
    page.parent.mkdir()
    page.write_text(json.dumps({"disabledExtensions": dict.fromkeys(QUIET_PLUGINS, True)}, indent=2), encoding="utf-8")
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(folder), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    return folder


# ---------------------------------------------------------------- argument checks: a usage error names the flag


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """A flag's whole number from ``low`` to ``high``, refused as :func:`checks.count` refuses it."""

    def parse(text: str) -> int:
        value = _read_number(text)
        problem = checks.count_problem(value, low=low, high=high)
        if problem is not None:
            raise argparse.ArgumentTypeError(_as_typed(problem, text))
        return checks.count(value, "", low=low, high=high)

    return parse


def _number(low: float, high: float | None = None, *, above: bool = False) -> Callable[[str], float]:
    """A flag's finite number, refused as :func:`checks.number` refuses it."""

    def parse(text: str) -> float:
        value: object = text
        with contextlib.suppress(ValueError):
            value = float(text)
        problem = checks.number_problem(value, low=low, high=high, above=above)
        if problem is not None:
            raise argparse.ArgumentTypeError(_as_typed(problem, text))
        return float(text)

    return parse


def _as_typed(problem: str, text: str) -> str:
    """A check's problem showing what was typed (``got '2'``), not the number it was read as (``got 2.0``)."""
    return f"{problem.rpartition(', got ')[0]}, got {text!r}"


_SPEED = _number(0, MAX_SPEED, above=True)
"""A mock clock's speed: what ``Clock`` accepts (``mock.clock.check_speed``)."""


def _output_file(text: str) -> Path:
    """A file the command may write: not a folder, in a folder that exists and can be written."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; name a file in it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {folder} does not exist; create it first")
    if (path.exists() and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be written here (permissions); choose another path")
    return path


def _base_url(text: str) -> str:
    try:
        return check_base_url(text, "--base-url")
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--base-url ")) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutorflow-nb", description="Explore the TutorFlow API from Jupyter.")
    sub = parser.add_subparsers(dest="command", required=True)

    mock = sub.add_parser(
        "mock",
        help="serve the bundled TutorFlow mock server",
        description="Serve a mock of the TutorFlow API with a demo organization.",
    )
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=_whole(0, 65535), default=8765, help="port (default 8765; 0 picks a free one)")
    mock.add_argument(
        "--cookie-jar", type=_output_file, help="write the admin session as a curl cookie jar to this file"
    )
    mock.add_argument("--env-file", type=_output_file, help="write TUTORFLOW_* variables to this file")
    mock.add_argument("--speed", type=_SPEED, default=1.0, help="mock clock speed (default 1 = wall time)")
    mock.add_argument("--seed", type=_whole(0), default=0, help="seed for ids and generated content")
    mock.add_argument(
        "--rate-limit", type=_whole(1, MAX_RATE_LIMIT), default=60, help="the demo content key's requests per minute"
    )
    mock.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    mock.add_argument(
        "--dialect",
        default="default",
        metavar="NAME[,NAME...]",
        help="where the documents are silent, answer another plausible way: no-rate-headers, ietf-rate-headers, "
        "retry-after-date, no-retry-after, nested-errors, plain-errors, bare-lists, extra-fields (several joined "
        "by commas; default: none). GET|PUT /_mock/dialect reads or switches it while serving",
    )
    for name, unit in (
        ("error-rate", "share of requests answered 503"),
        ("drop-rate", "share of connections dropped after processing"),
        ("429-rate", "share of requests answered with a spurious 429"),
        ("job-failure-rate", "share of jobs that fail"),
        ("webhook-drop-rate", "share of webhook delivery attempts lost"),
    ):
        mock.add_argument(f"--fault-{name}", type=_number(0, 1), default=0.0, help=f"{unit}, 0 to 1")
    mock.add_argument(
        "--fault-latency-ms", type=_number(0, 60_000), default=0.0, help="milliseconds added to every request"
    )
    mock.set_defaults(run=_mock)

    worlds = sub.add_parser(
        "worlds",
        help="serve a fresh mock to every kernel that asks (TUTORFLOW_MOCK_WORLDS)",
        description="Serve fresh mock worlds: every tf.connect() in a process whose TUTORFLOW_MOCK_WORLDS names "
        "this service (and with no TUTORFLOW_API_BASE_URL) gets a mock of its own, its own organization, keys, "
        "jobs and rate limits, without importing the mock in that process. Prints the variable's line first.",
    )
    worlds.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    worlds.add_argument("--port", type=_whole(0, 65535), default=0, help="port (default: a free one)")
    worlds.add_argument("--speed", type=_SPEED, default=10.0, help="the worlds' clock unless one asks (default 10)")
    worlds.add_argument("--seed", type=_whole(0), default=0, help="seed for ids and generated content")
    worlds.add_argument(
        "--fd",
        type=_whole(0),
        help="serve on this inherited listening socket instead of --host/--port (a test harness binds it first, "
        "so kernels can be pointed at it before the service has started)",
    )
    worlds.add_argument(
        "--stop-with",
        type=_whole(1),
        metavar="PID",
        help="stop when process PID exits, however it exits (a test harness passes its own)",
    )
    worlds.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    worlds.set_defaults(run=_worlds)

    smoke = sub.add_parser(
        "smoke",
        help="run the runbook's smoke test and pre-handoff checklist",
        description="Create, read, update and delete each resource type, check every documented "
        "error, run a pilot expansion, clean up, and print the checklist. Reads "
        "TUTORFLOW_API_BASE_URL, TUTORFLOW_CONTENT_API_KEY and TUTORFLOW_CLASSROOM_ID.",
    )
    smoke.add_argument("--base-url", type=_base_url, help="overrides TUTORFLOW_API_BASE_URL")
    smoke.add_argument("--classroom-id", help="overrides TUTORFLOW_CLASSROOM_ID (default: discovered)")
    smoke.add_argument("--admin-cookies", help="a curl cookie jar of the admin session, to check discovery")
    smoke.add_argument("--mock", action="store_true", help="run against a bundled mock started for the run")
    smoke.add_argument("--speed", type=_SPEED, default=20.0, help="the bundled mock's clock speed with --mock")
    smoke.set_defaults(run=_smoke)

    lab = sub.add_parser(
        "lab",
        help="start the mock and JupyterLab on the quickstart notebook",
        description="Start the bundled mock (unless TUTORFLOW_API_BASE_URL is set) and JupyterLab "
        "on the quickstart notebook; other options go to JupyterLab "
        "(e.g. --no-browser --port 8888).",
    )
    lab.add_argument("--speed", type=_SPEED, default=10.0, help="the mock's clock speed (default 10)")
    lab.add_argument("--mock-port", type=_whole(0, 65535), default=0, help="the mock's port (default: a free one)")
    lab.set_defaults(run=_lab, passthrough=True)

    app = sub.add_parser(
        "app",
        help="start the mock and Voilà on the cost-planner app",
        description="Start the bundled mock (unless TUTORFLOW_API_BASE_URL is set) and Voilà on "
        "notebooks/app-cost-planner.ipynb, a page with no code; other options go to Voilà "
        "(e.g. --no-browser --port 8866).",
    )
    app.add_argument("--speed", type=_SPEED, default=10.0, help="the mock's clock speed (default 10)")
    app.add_argument("--mock-port", type=_whole(0, 65535), default=0, help="the mock's port (default: a free one)")
    app.set_defaults(run=_app, passthrough=True)

    run = sub.add_parser(
        "run",
        help="run a command beside the bundled mock",
        description="Start the bundled mock (unless TUTORFLOW_API_BASE_URL is set) and run COMMAND with the "
        "TUTORFLOW_* variables naming it, so every kernel the command starts shares one warm mock; the mock "
        "stops when the command ends. Binder's start script runs the notebook server this way.",
    )
    run.add_argument("--speed", type=_SPEED, default=10.0, help="the mock's clock speed (default 10)")
    run.add_argument("--mock-port", type=_whole(0, 65535), default=0, help="the mock's port (default: a free one)")
    run.add_argument("command", nargs=argparse.REMAINDER, help="the command and its arguments (after --)")
    run.set_defaults(run=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.run(args, extra) if getattr(args, "passthrough", False) else args.run(args))
    except (ConfigurationError, MissingExtraError) as exc:  # a setting that cannot be used; an extra not installed
        print(f"tutorflow-nb {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
