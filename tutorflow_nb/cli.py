"""``tutorflow-nb``: the command line, a thin layer over the package.

    tutorflow-nb mock --port 8765 --cookie-jar tutorflow-admin.cookies --env-file mock.env
    tutorflow-nb smoke                # the runbook's smoke test against $TUTORFLOW_API_BASE_URL
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _mock(args: argparse.Namespace) -> int:
    from .mock import Faults, MockState
    from .mock.server import _url, bind, serve_forever, write_cookie_jar, write_env_file

    try:
        faults = Faults(error_rate=args.fault_error_rate, drop_rate=args.fault_drop_rate,
                        burst_429_rate=args.fault_429_rate, latency_ms=args.fault_latency_ms,
                        job_failure_rate=args.fault_job_failure_rate)
        state = MockState(seed=args.seed, speed=args.speed, faults=faults)
    except ValueError as exc:
        print(f"tutorflow-nb mock: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"tutorflow-nb mock: cannot listen on {args.host}:{args.port}: {exc.strerror}; "
              "choose another --port (0 picks a free one)", file=sys.stderr)
        return 2
    base_url = _url(sock)
    demo = state.provision_demo(rate_limit=args.rate_limit)
    lines = [f"TutorFlow mock serving at {base_url}  (speed x{args.speed:g}, seed {args.seed})",
             f"  organization  {demo.organization_id}",
             f"  classroom     {demo.classroom_id}",
             f"  content key   {demo.content_key_prefix}…  ({args.rate_limit} requests/min)",
             f"  platform key  {demo.platform_key_prefix}…"]
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
    from .config import Settings
    from .smoke import run_smoke

    env = Settings.from_env()
    server = None
    base_url, key, cookies = args.base_url or env.base_url, env.content_key, args.admin_cookies or env.admin_cookies
    classroom = args.classroom_id or env.classroom_id
    poll = (2.0, 5.0)
    if args.mock:
        from .mock import MockServer

        server = MockServer(speed=args.speed).start()
        assert server.demo is not None
        base_url, key = server.base_url, server.demo.content_key
        cookies, classroom, poll = {"tutorflow_admin_session": server.demo.session_token}, None, \
            (2.0 / args.speed, 5.0 / args.speed)
    if not base_url or not key:
        print("tutorflow-nb smoke: set TUTORFLOW_API_BASE_URL and TUTORFLOW_CONTENT_API_KEY "
              "(set -a; . mock.env; set +a), or pass --mock", file=sys.stderr)
        return 2
    try:
        report = run_smoke(base_url, key, admin_cookies=cookies, classroom_id=classroom, poll_interval=poll)
    finally:
        if server is not None:
            server.stop()
    print(f"against {base_url}\n{report}")
    return 0 if report.passed else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutorflow-nb", description="Explore the TutorFlow API from Jupyter.")
    sub = parser.add_subparsers(dest="command", required=True)

    mock = sub.add_parser("mock", help="serve the bundled TutorFlow mock server",
                          description="Serve a mock of the TutorFlow API with a demo organization.")
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    mock.add_argument("--cookie-jar", help="write the admin session as a curl cookie jar to this file")
    mock.add_argument("--env-file", help="write TUTORFLOW_* variables to this file")
    mock.add_argument("--speed", type=float, default=1.0, help="mock clock speed (default 1 = wall time)")
    mock.add_argument("--seed", type=int, default=0, help="seed for ids and generated content")
    mock.add_argument("--rate-limit", type=int, default=60, help="the demo content key's requests per minute")
    mock.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    for name, unit in (("error-rate", "share of requests answered 503"),
                       ("drop-rate", "share of connections dropped after processing"),
                       ("429-rate", "share of requests answered with a spurious 429"),
                       ("job-failure-rate", "share of jobs that fail"),
                       ("latency-ms", "milliseconds added to every request")):
        mock.add_argument(f"--fault-{name}", type=float, default=0.0, help=unit)
    mock.set_defaults(run=_mock)

    smoke = sub.add_parser("smoke", help="run the runbook's smoke test and pre-handoff checklist",
                           description="Create, read, update and delete each resource type, check every documented "
                                       "error, run a pilot expansion, clean up, and print the checklist. Reads "
                                       "TUTORFLOW_API_BASE_URL, TUTORFLOW_CONTENT_API_KEY and TUTORFLOW_CLASSROOM_ID.")
    smoke.add_argument("--base-url", help="overrides TUTORFLOW_API_BASE_URL")
    smoke.add_argument("--classroom-id", help="overrides TUTORFLOW_CLASSROOM_ID (default: discovered)")
    smoke.add_argument("--admin-cookies", help="a curl cookie jar of the admin session, to check discovery")
    smoke.add_argument("--mock", action="store_true", help="run against a bundled mock started for the run")
    smoke.add_argument("--speed", type=float, default=20.0, help="the bundled mock's clock speed with --mock")
    smoke.set_defaults(run=_smoke)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
