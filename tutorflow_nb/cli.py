"""``tutorflow-nb``: the command line, a thin layer over the package.

tutorflow-nb mock --port 8765 --cookie-jar tutorflow-admin.cookies --env-file mock.env
tutorflow-nb smoke                # the runbook's smoke test against $TUTORFLOW_API_BASE_URL
tutorflow-nb lab                  # the mock and JupyterLab on the quickstart notebook
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .config import Settings
from .serving import bind, url_of

__all__ = ["main"]

QUICKSTART = "01-quickstart.ipynb"


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
        print(
            f"tutorflow-nb mock: cannot listen on {args.host}:{args.port}: {exc.strerror}; "
            "choose another --port (0 picks a free one)",
            file=sys.stderr,
        )
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


def _smoke(args: argparse.Namespace) -> int:
    from .smoke import run_smoke  # noqa: PLC0415 - lazy: the client loads only for the command that uses it

    env = Settings.from_env()
    server = None
    base_url, key, cookies = args.base_url or env.base_url, env.content_key, args.admin_cookies or env.admin_cookies
    classroom = args.classroom_id or env.classroom_id
    poll = (2.0, 5.0)
    if args.mock:
        from .mock import MockServer  # noqa: PLC0415 - lazy: FastAPI loads only for the commands that serve

        server = MockServer(speed=args.speed).start()
        assert server.demo is not None
        base_url, key = server.base_url, server.demo.content_key
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


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        print("tutorflow-nb lab needs JupyterLab: pip install -e '.[lab]'", file=sys.stderr)
        return 2
    try:
        notebooks = _notebooks_dir()
    except FileNotFoundError as exc:
        print(f"tutorflow-nb lab: {exc}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    server = None
    if not env.get("TUTORFLOW_API_BASE_URL"):
        from .mock import MockServer  # noqa: PLC0415 - lazy: FastAPI loads only for the commands that serve
        from .mock.server import write_cookie_jar  # noqa: PLC0415 - the same

        server = MockServer(speed=args.speed, port=args.mock_port).start()
        demo = server.demo
        assert demo is not None
        jar = write_cookie_jar(
            Path(tempfile.mkdtemp(prefix="tutorflow-nb-")) / "tutorflow-admin.cookies",
            server.base_url,
            demo.session_token,
        )
        env.update(
            TUTORFLOW_API_BASE_URL=server.base_url,
            TUTORFLOW_CONTENT_API_KEY=demo.content_key,
            TUTORFLOW_PLATFORM_API_KEY=demo.platform_key,
            TUTORFLOW_CLASSROOM_ID=demo.classroom_id,
            TUTORFLOW_ADMIN_COOKIES=str(jar),
            TUTORFLOW_MOCK="1",
        )
        print(
            f"tutorflow-nb lab: the mock TutorFlow API is at {server.base_url} (x{args.speed:g} clock; content key "
            f"{demo.content_key_prefix}…); notebooks reach it through the TUTORFLOW_* variables",
            flush=True,
        )
    else:
        print(
            f"tutorflow-nb lab: notebooks use {env['TUTORFLOW_API_BASE_URL']} from TUTORFLOW_API_BASE_URL", flush=True
        )
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
    child = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())  # stopping lab stops JupyterLab
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        child.wait(30)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server is not None:
            server.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutorflow-nb", description="Explore the TutorFlow API from Jupyter.")
    sub = parser.add_subparsers(dest="command", required=True)

    mock = sub.add_parser(
        "mock",
        help="serve the bundled TutorFlow mock server",
        description="Serve a mock of the TutorFlow API with a demo organization.",
    )
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    mock.add_argument("--cookie-jar", help="write the admin session as a curl cookie jar to this file")
    mock.add_argument("--env-file", help="write TUTORFLOW_* variables to this file")
    mock.add_argument("--speed", type=float, default=1.0, help="mock clock speed (default 1 = wall time)")
    mock.add_argument("--seed", type=int, default=0, help="seed for ids and generated content")
    mock.add_argument("--rate-limit", type=int, default=60, help="the demo content key's requests per minute")
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
        ("latency-ms", "milliseconds added to every request"),
    ):
        mock.add_argument(f"--fault-{name}", type=float, default=0.0, help=unit)
    mock.set_defaults(run=_mock)

    smoke = sub.add_parser(
        "smoke",
        help="run the runbook's smoke test and pre-handoff checklist",
        description="Create, read, update and delete each resource type, check every documented "
        "error, run a pilot expansion, clean up, and print the checklist. Reads "
        "TUTORFLOW_API_BASE_URL, TUTORFLOW_CONTENT_API_KEY and TUTORFLOW_CLASSROOM_ID.",
    )
    smoke.add_argument("--base-url", help="overrides TUTORFLOW_API_BASE_URL")
    smoke.add_argument("--classroom-id", help="overrides TUTORFLOW_CLASSROOM_ID (default: discovered)")
    smoke.add_argument("--admin-cookies", help="a curl cookie jar of the admin session, to check discovery")
    smoke.add_argument("--mock", action="store_true", help="run against a bundled mock started for the run")
    smoke.add_argument("--speed", type=float, default=20.0, help="the bundled mock's clock speed with --mock")
    smoke.set_defaults(run=_smoke)

    lab = sub.add_parser(
        "lab",
        help="start the mock and JupyterLab on the quickstart notebook",
        description="Start the bundled mock (unless TUTORFLOW_API_BASE_URL is set) and JupyterLab "
        "on the quickstart notebook; other options go to JupyterLab "
        "(e.g. --no-browser --port 8888).",
    )
    lab.add_argument("--speed", type=float, default=10.0, help="the mock's clock speed (default 10)")
    lab.add_argument("--mock-port", type=int, default=0, help="the mock's port (default: a free one)")
    lab.set_defaults(run=_lab, passthrough=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.run(args, extra) if getattr(args, "passthrough", False) else args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
