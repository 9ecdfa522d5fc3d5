"""``tutorflow-nb mock`` as a user runs it, and the documents' examples against it, unchanged but the host."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

EXAMPLES = Path(__file__).parent / "doc_examples"
DOCS = Path(__file__).resolve().parents[2] / "shared" / "tutorflow-docs"
DOC_HOST = "https://api.tutorflow.io"
CLI = Path(sys.executable).parent / "tutorflow-nb"


class RunningMock:
    def __init__(self, workdir: Path, banner: str, env: dict[str, str], proc: subprocess.Popen[str]) -> None:
        self.workdir, self.banner, self.env, self.proc = workdir, banner, env, proc

    @property
    def base_url(self) -> str:
        return self.env["TUTORFLOW_API_BASE_URL"]

    def example(self, name: str, **subs: str) -> str:
        text = (EXAMPLES / name).read_text().replace(DOC_HOST, self.base_url)
        for key, value in subs.items():
            text = text.replace("{" + key + "}", value)
        return text

    def shell(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", script],
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **self.env, **env},
        )


def _start(workdir: Path, *args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    proc = subprocess.Popen(
        [str(CLI), "mock", *args], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


@pytest.fixture(scope="module")
def cli_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningMock]:
    assert CLI.exists(), "the console script tutorflow-nb is not installed next to this Python"
    workdir = tmp_path_factory.mktemp("cli")
    shutil.copy(EXAMPLES / "source-content.json", workdir)
    shutil.copy(EXAMPLES / "floco-source.json", workdir)
    proc, lines = _start(
        workdir,
        "--port",
        "0",
        "--speed",
        "50",
        "--cookie-jar",
        "tutorflow-admin.cookies",
        "--env-file",
        "mock.env",
        "--log-level",
        "warning",
    )
    banner = ""
    deadline = time.monotonic() + 20
    while "Ctrl-C" not in banner:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, banner
        with contextlib.suppress(queue.Empty):
            banner += lines.get(timeout=0.5)
    env = dict(
        line.split("=", 1)
        for line in (workdir / "mock.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    yield RunningMock(workdir, banner, env, proc)
    proc.terminate()
    proc.wait(10)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


@pytest.mark.slow
def test_banner_shows_prefixes_never_full_keys(cli_mock: RunningMock) -> None:
    env, banner = cli_mock.env, cli_mock.banner
    assert set(env) == {
        "TUTORFLOW_API_BASE_URL",
        "TUTORFLOW_CONTENT_API_KEY",
        "TUTORFLOW_PLATFORM_API_KEY",
        "TUTORFLOW_CLASSROOM_ID",
    }
    assert env["TUTORFLOW_CONTENT_API_KEY"].startswith("tf_content_")
    assert env["TUTORFLOW_PLATFORM_API_KEY"].startswith("tf_platform_")
    assert env["TUTORFLOW_CONTENT_API_KEY"] not in banner and env["TUTORFLOW_PLATFORM_API_KEY"] not in banner
    assert env["TUTORFLOW_CONTENT_API_KEY"][:19] in banner and env["TUTORFLOW_PLATFORM_API_KEY"][:20] in banner
    assert env["TUTORFLOW_API_BASE_URL"] in banner and env["TUTORFLOW_CLASSROOM_ID"] in banner
    for name in ("mock.env", "tutorflow-admin.cookies"):
        assert stat.S_IMODE((cli_mock.workdir / name).stat().st_mode) == 0o600
    jar = (cli_mock.workdir / "tutorflow-admin.cookies").read_text()
    assert jar.startswith("# Netscape HTTP Cookie File") and "tutorflow_admin_session" in jar


@pytest.mark.slow
def test_env_file_loads_with_set_a(cli_mock: RunningMock) -> None:
    out = subprocess.run(
        [
            "bash",
            "-c",
            (
                "set -a; . ./mock.env; set +a; "
                'curl -sS "$TUTORFLOW_API_BASE_URL/v1/content/classrooms" '
                '-H "Authorization: Bearer $TUTORFLOW_CONTENT_API_KEY"'
            ),
        ],
        cwd=cli_mock.workdir,
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")},
    )
    assert json.loads(out.stdout)["data"][0]["id"] == cli_mock.env["TUTORFLOW_CLASSROOM_ID"]


def test_curl_create_key_with_cookie_jar(cli_mock: RunningMock) -> None:
    orgs = cli_mock.shell(
        f"curl -sS {cli_mock.base_url}/v1/content/organizations -b tutorflow-admin.cookies | jq -r '.data[0].id'"
    )
    org_id = orgs.stdout.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", org_id), orgs
    out = cli_mock.shell(cli_mock.example("create_key.sh", organizationId=org_id))
    created = json.loads(out.stdout)
    assert created["key"].startswith("tf_content_") and created["name"] == "external-content-test"
    assert created["rateLimitPerMinute"] == 60 and created["keyPrefix"] == created["key"][:19]


def _poll_until_done(cli_mock: RunningMock, job_id: str) -> dict[str, Any]:
    script = cli_mock.example("poll_and_retrieve.sh").splitlines()
    status_call = "\n".join(script[:2])
    deadline = time.monotonic() + 20
    while True:
        job = json.loads(cli_mock.shell(status_call, JOB_ID=job_id).stdout)
        if job["status"] in ("completed", "failed"):
            return job
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.slow
def test_curl_node_and_python_share_one_job(cli_mock: RunningMock) -> None:
    created = json.loads(cli_mock.shell(cli_mock.example("create_expansion.sh")).stdout)
    assert created["status"] == "queued"
    assert _poll_until_done(cli_mock, created["id"])["status"] == "completed"
    both = cli_mock.shell(cli_mock.example("poll_and_retrieve.sh"), JOB_ID=created["id"]).stdout
    status, result = _json_docs(both)
    assert status["status"] == "completed" and len(result["outputs"]) == 3

    node = cli_mock.workdir / "example.mjs"
    node.write_text(
        cli_mock.example("create_expansion.mjs")
        + "\n"
        + cli_mock.example("polling_helper.mjs")
        + "\nconst done = await waitForContentJob(job.id)\nconsole.log(JSON.stringify({job, done}))\n"
    )
    ran = subprocess.run(
        ["node", str(node)], capture_output=True, text=True, timeout=120, env={**os.environ, **cli_mock.env}
    )
    assert ran.returncode == 0, ran.stderr
    from_node = json.loads(ran.stdout)
    assert from_node["job"]["id"] == created["id"] and from_node["done"]["status"] == "completed"

    scope: dict[str, Any] = {}
    os.environ.update(cli_mock.env)
    try:
        exec(compile(cli_mock.example("create_expansion.py"), "create_expansion.py", "exec"), scope)
    finally:
        for key in cli_mock.env:
            os.environ.pop(key, None)
    assert scope["job"]["id"] == created["id"]  # same key, same body: replayed
    jobs = httpx.get(f"{cli_mock.base_url}/_mock/jobs").json()["data"]
    assert [j["idempotencyKey"] for j in jobs].count("language-basics-level-a1-2026-07-04") == 1


def test_floco_payload_from_the_reference(cli_mock: RunningMock) -> None:
    script = (
        cli_mock.example("create_expansion.sh")
        .replace("language-basics-level-a1-2026-07-04", "floco-glossary-a1-2026-07-02")
        .replace("@source-content.json", "@floco-source.json")
    )
    job = json.loads(cli_mock.shell(script).stdout)
    assert job["sourceType"] == "floco"
    assert _poll_until_done(cli_mock, job["id"])["status"] == "completed"
    result = json.loads(
        cli_mock.shell(
            cli_mock.example("poll_and_retrieve.sh").splitlines()[2]
            + "\n"
            + cli_mock.example("poll_and_retrieve.sh").splitlines()[3],
            JOB_ID=job["id"],
        ).stdout
    )
    assert result["job"] == {**result["job"], "id": job["id"], "sourceType": "floco", "status": "completed"}
    assert [o["outputType"] for o in result["outputs"]] == ["interactive_module", "summary_video", "expanded_quiz"]


def _json_docs(text: str) -> list[Any]:
    decoder, docs, pos = json.JSONDecoder(), [], 0
    text = text.strip()
    while pos < len(text):
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return docs


@pytest.mark.parametrize("kind", ["modules", "courses", "videos", "slides", "tests"])
def test_runbook_smoke_script(cli_mock: RunningMock, kind: str) -> None:
    script = cli_mock.example("smoke.sh")
    if kind != "modules":  # the same script for each required type, created from a title
        body = script[script.index("-d '{") + 4 : script.index("}' | jq") + 1]
        script = script.replace(
            body, json.dumps({"title": "Content API smoke test", "metadata": {"externalId": f"{kind}:smoke-test"}})
        )
        script = script.replace("/modules", f"/{kind}").replace("module:smoke-test:v1", f"{kind}:smoke-test:v1")
    ran = cli_mock.shell(script)
    assert ran.returncode == 0, ran.stderr
    docs = _json_docs(ran.stdout)
    classrooms, got, patched, *deleted = docs
    assert classrooms["data"][0]["id"] == cli_mock.env["TUTORFLOW_CLASSROOM_ID"]
    assert got["title"] == "Content API smoke test" and patched["title"] == "Content API smoke test updated"
    assert got["id"] == patched["id"]
    if kind == "slides":
        assert deleted == []  # 204, no body
    else:
        assert deleted[0]["id"] == got["id"]
    gone = httpx.get(
        f"{cli_mock.base_url}/v1/content/classrooms/{got['classroomId']}/{kind}/{got['id']}",
        headers={"Authorization": f"Bearer {cli_mock.env['TUTORFLOW_CONTENT_API_KEY']}"},
    )
    assert gone.status_code == 404


@pytest.mark.slow
def test_smoke_command_with_the_env_file(cli_mock: RunningMock) -> None:
    ran = subprocess.run(
        ["bash", "-c", f"set -a; . ./mock.env; set +a; {CLI} smoke --admin-cookies tutorflow-admin.cookies"],
        cwd=cli_mock.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.rstrip().endswith("PASSED") and "[FAIL]" not in ran.stdout
    assert cli_mock.env["TUTORFLOW_CONTENT_API_KEY"] not in ran.stdout + ran.stderr


def test_examples_are_verbatim_copies_of_the_documents() -> None:
    if not DOCS.is_dir():
        pytest.skip(f"the TutorFlow documents are not beside this clone ({DOCS})")
    corpus = "".join(p.read_text() for p in sorted(DOCS.glob("*.txt")))
    for name in (
        "create_key.sh",
        "create_expansion.sh",
        "poll_and_retrieve.sh",
        "create_expansion.mjs",
        "polling_helper.mjs",
        "create_expansion.py",
        "smoke.sh",
        "floco-source.json",
    ):
        for line in (EXAMPLES / name).read_text().splitlines():
            assert line in corpus, f"{name}: {line!r} is not in the documents"


@pytest.mark.slow
def test_cli_refuses_a_busy_port_and_bad_faults(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        ran = subprocess.run(
            [str(CLI), "mock", "--port", str(port)], capture_output=True, text=True, timeout=30, cwd=tmp_path
        )
    assert ran.returncode == 2 and "choose another --port" in ran.stderr
    ran = subprocess.run(
        [str(CLI), "mock", "--fault-error-rate", "2"], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert ran.returncode == 2 and "argument --fault-error-rate: must be a finite number >= 0 and <= 1" in ran.stderr
    ran = subprocess.run([str(CLI), "--help"], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0 and "mock" in ran.stdout


# ------------------------------------------------------------------ tutorflow-nb run

CHILD = """
import json, os, sys
import tutorflow_nb as tf
s = tf.connect(quiet=True)
print(json.dumps({"url": s.base_url, "rooms": [r.id for r in s.content.classrooms()], "mock": s.control is not None,
                  "key": os.environ.get("TUTORFLOW_CONTENT_API_KEY")}))
sys.exit(int(sys.argv[1]))
"""


def _run_beside(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    return subprocess.run(
        [str(CLI), "run", *args], capture_output=True, text=True, timeout=timeout, env={**clean, **(env or {})}
    )


@pytest.mark.slow
def test_run_puts_a_warm_mock_beside_any_command_and_stops_it_after() -> None:
    ran = _run_beside("--", sys.executable, "-c", CHILD, "3")
    assert ran.returncode == 3, ran.stderr  # the command's own exit status
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["rooms"] and seen["mock"] is True  # the child reached the mock through the variables alone
    assert seen["key"].startswith("tf_content_") and seen["key"] not in ran.stdout.replace(json.dumps(seen), "")
    banner = ran.stdout.splitlines()[0]
    assert f"the mock TutorFlow API is at {seen['url']}" in banner and seen["key"] not in banner  # prefix only
    with pytest.raises(httpx.TransportError):
        httpx.get(seen["url"] + "/_mock/state", timeout=2)  # the mock ended with the command


@pytest.mark.slow
def test_run_uses_the_api_the_variables_name_and_refuses_no_command() -> None:
    from tutorflow_nb.mock import MockServer

    with MockServer(speed=10) as remote:
        assert remote.demo is not None
        env = {"TUTORFLOW_API_BASE_URL": remote.base_url, "TUTORFLOW_CONTENT_API_KEY": remote.demo.content_key}
        ran = _run_beside(sys.executable, "-c", CHILD, "0", env=env)
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout.strip().splitlines()[-1])["url"] == remote.base_url
        assert f"{remote.base_url} from TUTORFLOW_API_BASE_URL, for the command" in ran.stdout
        assert "mock TutorFlow API is at" not in ran.stdout  # no mock of its own
    for args, status, says in (
        ((), 2, "name the command to run"),
        (("--",), 2, "name the command to run"),
        (("--", "no-such-command-here"), 127, "command not found: no-such-command-here"),
    ):
        ran = _run_beside(*args)
        assert (ran.returncode, says in ran.stderr) == (status, True), ran.stderr


KILLED = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
JAR = "import os; print(os.environ['TUTORFLOW_ADMIN_COOKIES'], os.path.exists(os.environ['TUTORFLOW_ADMIN_COOKIES']))"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "args", "env", "status", "says"),
    [
        ("a folder", ("--", "/tmp"), {}, 126, "/tmp is a directory"),
        ("not executable", ("--", "NOT_EXECUTABLE"), {}, 126, "is not executable"),
        ("killed by SIGKILL", ("--", sys.executable, "-c", KILLED), {}, 128 + 9, "mock TutorFlow API is at"),
        ("blank URL is unset", ("--", sys.executable, "-c", "pass"), {"TUTORFLOW_API_BASE_URL": "  "}, 0, "is at"),
        ("ftp URL", ("--", sys.executable, "-c", "pass"), {"TUTORFLOW_API_BASE_URL": "ftp://x"}, 2, "http://"),
        ("URL with /v1", ("--", "true"), {"TUTORFLOW_API_BASE_URL": "https://api.tutorflow.io/v1"}, 2, "without /v1"),
    ],
)
def test_run_reports_as_a_shell_would(
    tmp_path: Path, case: str, args: tuple[str, ...], env: dict[str, str], status: int, says: str
) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")  # no execute bit
    ran = _run_beside(*(str(script) if a == "NOT_EXECUTABLE" else a for a in args), env=env)
    assert ran.returncode == status, (case, ran.stderr)
    assert says in ran.stdout + ran.stderr, case
    if status == 2:
        assert "TUTORFLOW_API_BASE_URL" in ran.stderr  # the variable that needs the fix


@pytest.mark.slow
def test_run_leaves_no_admin_session_behind() -> None:
    ran = _run_beside("--", sys.executable, "-c", JAR)
    jar, existed = ran.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    assert existed == "True" and not Path(jar).exists() and not Path(jar).parent.exists()


@pytest.mark.slow
def test_run_passes_a_stop_on_to_the_command() -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    with subprocess.Popen(
        [str(CLI), "run", "--", sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean,
    ) as proc:
        assert proc.stdout is not None
        url = re.search(r"mock TutorFlow API is at (http://[\d.:]+)", proc.stdout.readline()).group(1)  # type: ignore[union-attr]
        assert proc.stdout.readline().strip() == "up"
        proc.terminate()  # SIGTERM, as Binder and JupyterHub stop a server
        assert proc.wait(30) != 0
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/_mock/state", timeout=2)
