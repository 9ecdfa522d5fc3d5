"""The mock's description in front of tools nobody here wrote, as a team adopting TutorFlow would put it.

- **Redocly** and **Spectral** lint ``docs/openapi.json``: no error, and no warning but the
  one explained (``no-ambiguous-paths``: the two edit-token templates share a shape, never
  a method). A broken copy (no ``security``, no ``servers``) must fail, so the linters are
  seen to look.
- **openapi-python-client** generates a client of every ``/v1`` operation with no warning,
  and that generated client runs the documented flow against a real mock: classrooms, an
  expansion with its Idempotency-Key to its result, classroom module CRUD, sync and async
  Platform courses, the editor, Platform module CRUD. Every answer is parsed into typed
  attributes, none left in ``additional_properties``.
- **Prism**, a validating proxy, stands between our own clients and the mock while a
  journey touches every ``/v1`` operation our clients have, and provokes each error status
  the runbook's checklist names (400, 401, 403, 404, 409, 429): Prism reports no violation
  of the description, in either direction.

The npm tools are pinned in ``tests/contract/package-lock.json``; ``.ci/run`` installs them
with ``npm ci``, and so does the first test here when they are missing and npm is on PATH.
Without npm these tests skip, naming the install (CI always has npm).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tutorflow_nb import AsyncAdminClient, AsyncContentClient, AsyncPlatformClient
from tutorflow_nb.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
)
from tutorflow_nb.mock import MockServer
from tutorflow_nb.mock.openapi import EXAMPLES

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "tests" / "contract"
SNAPSHOT = ROOT / "docs" / "openapi.json"
TOOLS = ("redocly", "spectral", "prism")
EXPLAINED_WARNINGS = {"no-ambiguous-paths"}
"""Redocly warnings the description explains rather than avoids (see the two edit-token operations)."""
NODE_ENV = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


@pytest.fixture(scope="session")
def tools() -> Path:
    """``tests/contract/node_modules/.bin``, installed from the lock file if it is not there yet."""
    bin_dir = CONTRACT / "node_modules" / ".bin"
    if not all((bin_dir / tool).exists() for tool in TOOLS):
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not on PATH: install Node.js 20+ with npm, then run `npm ci` in tests/contract")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CONTRACT, check=True, timeout=900
        )
    return bin_dir


def spec() -> dict[str, Any]:
    description: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return description


def v1_operations() -> dict[tuple[str, str], str]:
    """Every ``/v1`` operation of the description: (method, path template) -> operationId."""
    return {
        (m.upper(), p): op["operationId"]
        for p, ops in spec()["paths"].items()
        if p.startswith("/v1/")
        for m, op in ops.items()
    }


def broken_copy(tmp_path: Path) -> Path:
    """The description with what Redocly and Spectral must notice taken away: servers, a security, the tags."""
    broken = spec()
    broken["servers"] = []
    del broken["paths"]["/v1/platform/courses"]["post"]["security"]
    del broken["tags"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    return path


# ---------------------------------------------------------------- validator and linters


def test_openapi_spec_validator_refuses_a_broken_copy() -> None:
    """The fast tier validates the description (test_openapi.py); here the validator is seen to look."""
    broken = spec()
    del broken["paths"]["/v1/platform/courses"]["post"]["responses"]["201"]["description"]
    with pytest.raises(OpenAPIValidationError, match="description"):
        validate(broken)


def redocly(tools: Path, path: Path) -> dict[str, Any]:
    r = subprocess.run(
        [tools / "redocly", "lint", str(path), "--format=json", "--config", str(CONTRACT / "redocly.yaml")],
        capture_output=True,
        text=True,
        env=NODE_ENV,
        timeout=300,
    )
    report: dict[str, Any] = json.loads(r.stdout)
    return report


def test_redocly_finds_no_error(tools: Path, tmp_path: Path) -> None:
    report = redocly(tools, SNAPSHOT)
    problems = [(p["severity"], p["ruleId"], p["message"]) for p in report["problems"]]
    assert report["totals"]["errors"] == 0, problems
    assert {rule for _, rule, _ in problems} <= EXPLAINED_WARNINGS, problems
    print(f"Redocly: {report['totals']['errors']} errors, {report['totals']['warnings']} warnings: {problems}")
    broken = redocly(tools, broken_copy(tmp_path))
    rules = {p["ruleId"] for p in broken["problems"] if p["severity"] == "error"}
    assert {"security-defined", "no-empty-servers"} <= rules, broken["totals"]


def spectral(tools: Path, path: Path) -> list[dict[str, Any]]:
    r = subprocess.run(
        [tools / "spectral", "lint", str(path), "--ruleset", str(CONTRACT / ".spectral.yaml"), "-f", "json", "-q"],
        capture_output=True,
        text=True,
        env=NODE_ENV,
        timeout=300,
    )
    out = r.stdout.strip()
    problems: list[dict[str, Any]] = json.loads(out[out.index("[") :]) if "[" in out else []
    return problems


def test_spectral_finds_nothing(tools: Path, tmp_path: Path) -> None:
    problems = spectral(tools, SNAPSHOT)
    assert [(p["code"], p["message"], p["path"]) for p in problems] == []
    codes = {p["code"] for p in spectral(tools, broken_copy(tmp_path))}
    assert {"oas3-api-servers", "operation-tag-defined"} <= codes, codes


# ---------------------------------------------------------------- a generated client


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The package openapi-python-client makes of the snapshot (imported), and what the generator printed."""
    out = tmp_path_factory.mktemp("generated")
    package = out / "tutorflow_mock_client"
    binary = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{binary.parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # it runs ruff
    r = subprocess.run(
        [binary, "generate", "--path", str(SNAPSHOT), "--output-path", str(package), "--meta", "none"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("tutorflow_mock_client"), r.stdout + r.stderr
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.startswith("tutorflow_mock_client")]:
            del sys.modules[name]


def test_the_generator_makes_every_operation_without_a_warning(generated: tuple[Any, str]) -> None:
    package, printed = generated
    assert not re.search(r"warning|unable|will not be generated|error", printed, re.IGNORECASE), printed
    made = {p.stem for p in (Path(package.__file__).parent / "api").rglob("*.py") if p.stem != "__init__"}
    missing = {f"{m} {p}" for (m, p), op_id in v1_operations().items() if snake(op_id) not in made}
    assert missing == set()


def untyped(value: Any, where: str) -> list[str]:
    """Every field of a parsed answer that the generated client left in ``additional_properties``."""
    if isinstance(value, list):
        return [x for i, item in enumerate(value) for x in untyped(item, f"{where}[{i}]")]
    if not attrs.has(type(value)):
        return []
    declared = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    if not declared:
        return []  # a free-form map by design (a resource's metadata, a lesson's content)
    found = [f"{where}.{name}" for name in getattr(value, "additional_properties", {})]
    return found + [x for name in declared for x in untyped(getattr(value, name), f"{where}.{name}")]


@dataclass
class Generated:
    """The generated package's operations and models, called the way its README shows."""

    package: Any
    base_url: str

    def op(self, operation_id: str) -> Any:
        for tag in (Path(self.package.__file__).parent / "api").iterdir():
            if (tag / f"{snake(operation_id)}.py").exists():
                return importlib.import_module(f"tutorflow_mock_client.api.{tag.name}.{snake(operation_id)}")
        raise LookupError(operation_id)

    def model(self, name: str, data: dict[str, Any]) -> Any:
        return getattr(self.package.models, name).from_dict(data)

    def client(self, token: str | None = None) -> Any:
        if token is None:
            return self.package.Client(base_url=self.base_url, raise_on_unexpected_status=True)
        return self.package.AuthenticatedClient(base_url=self.base_url, token=token, raise_on_unexpected_status=True)


def seed(server: MockServer, **body: Any) -> dict[str, Any]:
    r = httpx.post(server.url("/_mock/organizations"), json={"adminEmail": f"{uuid.uuid4().hex[:8]}@t.example", **body})
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_the_generated_client_runs_the_documented_flow_typed(generated: tuple[Any, str]) -> None:
    package, _ = generated
    with MockServer(speed=50, seed=3, provision=False) as server, contextlib.ExitStack() as clients:
        org = seed(server, rateLimitPerMinute=5000)
        gen = Generated(package, server.base_url)
        content, platform, editor = (
            clients.enter_context(gen.client(token)) for token in (org["contentKey"], org["platformKey"], None)
        )
        answers: list[tuple[str, Any]] = []

        def call(operation_id: str, client: Any, status: int, **kwargs: Any) -> Any:
            response = gen.op(operation_id).sync_detailed(client=client, **kwargs)
            assert response.status_code == status, (operation_id, response.content[:300])
            answers.append((operation_id, response.parsed))
            return response.parsed

        rooms = call("listClassrooms", content, 200)
        room = rooms.data[0].id
        body = gen.model("ExpansionCreate", {**EXAMPLES["floco"], "classroomId": room})
        job = call("createExpansion", content, 202, body=body, idempotency_key="expansion:generated:v1")
        replay = call("createExpansion", content, 202, body=body, idempotency_key="expansion:generated:v1")
        assert replay.id == job.id and job.status == "queued"
        deadline = time.monotonic() + 30
        while call("getExpansion", content, 200, job_id=job.id).status not in ("completed", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        result = call("getExpansionResult", content, 200, job_id=job.id)
        assert result.outputs[0].manifest.urls.public_url.startswith("https://")

        module = call(
            "createClassroomModule",
            content,
            201,
            classroom_id=room,
            body=gen.model("ModuleCreate", EXAMPLES["smoke-module"]),
            idempotency_key="module:smoke-test:v1",
        )
        call("getClassroomModule", content, 200, classroom_id=room, resource_id=module.id)
        update = gen.model("ModuleUpdate", {"title": "Content API smoke test updated"})
        assert call(
            "updateClassroomModule", content, 200, classroom_id=room, resource_id=module.id, body=update
        ).title.endswith("updated")
        call("listClassroomModules", content, 200, classroom_id=room)
        assert call("deleteClassroomModule", content, 200, classroom_id=room, resource_id=module.id).deleted is True

        sync = call("createCourse", platform, 201, body=gen.model("PlatformCourseCreate", EXAMPLES["course-request"]))
        assert sync.status == "COMPLETED" and sync.price_snapshot.amount_usd == pytest.approx(0.05 * sync.lesson_count)
        queued = call(
            "createCourse", platform, 202, body=gen.model("PlatformCourseCreate", {"prompt": "Tides", "mode": "async"})
        )
        assert queued.status == "PENDING" and queued.price_snapshot is None and queued.poll_after_ms > 0
        deadline = time.monotonic() + 30
        while not (course := call("getCourse", platform, 200, course_request_id=queued.id)).is_terminal:
            assert time.monotonic() < deadline
            time.sleep(course.poll_after_ms / 1000)
        assert course.status == "COMPLETED" and course.price_snapshot.units == course.lesson_count
        assert {c.id for c in call("listCourses", platform, 200).data} == {sync.id, queued.id}

        token = sync.preview_url.rsplit("/", 1)[1]
        call("getEditorCourse", editor, 200, edit_token=token)
        canonical = call("getCanonicalCourse", editor, 200, edit_token=token)
        stream = call(
            "generateLesson",
            editor,
            200,
            edit_token=token,
            lesson_id=canonical.lessons[0].id,
            body=gen.model("GenerateLesson", EXAMPLES["generate"]),
        )
        assert stream.startswith("event: start") and "event: done" in stream

        made = call(
            "createModule",
            platform,
            201,
            body=gen.model("PlatformModuleCreate", EXAMPLES["module-request"]),
            idempotency_key="module:generated:v1",
        )
        assert made.price_snapshot.amount_usd == pytest.approx(0.05) and made.metadata.language == "en"
        call("getModule", platform, 200, module_id=made.id)
        call(
            "updateModule",
            platform,
            200,
            module_id=made.id,
            body=gen.model("PlatformModuleUpdate", {"lecture": "<p>v2</p>"}),
        )
        assert [m.id for m in call("listModules", platform, 200).data] == [made.id]
        assert call("deleteModule", platform, 200, module_id=made.id).deleted_at is not None

        left = [x for operation_id, parsed in answers for x in untyped(parsed, operation_id)]
        assert left == [], "fields the description does not type"


# ---------------------------------------------------------------- our client through a validating proxy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def prism_proxy(tools: Path, upstream: str, log: Path) -> Iterator[str]:
    """Prism validating every request and answer between a client and ``upstream``; yields its base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [tools / "prism", "proxy", str(SNAPSHOT), upstream, "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=NODE_ENV,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            assert time.monotonic() < deadline, "Prism did not start listening in 120 s"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Seen:
    method: str
    path: str
    status: int
    violations: list[dict[str, Any]]


class Recording(httpx.AsyncBaseTransport):
    """A transport that remembers each call's status and the violations Prism found (its ``sl-violations``)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[Seen] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        found = json.loads(response.headers.get("sl-violations", "[]"))
        self.seen.append(Seen(request.method, request.url.path, response.status_code, found))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def template_of(method: str, path: str, templates: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The description's operation a request was (the fewest parameters win: ``/public/x`` over ``/{id}``)."""
    matches = [
        (m, t)
        for m, t in templates
        if m == method and re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)), path)
    ]
    return min(matches, key=lambda mt: mt[1].count("{"), default=None)


OUR_CLIENT_LACKS = {("POST", "/v1/content/auth/sign-out"): "a session ends by deleting its cookie jar"}
"""Operations of the description our clients have no call for (the journey cannot touch them)."""


async def journey(base_url: str, upstream: str, org: dict[str, Any], slow: dict[str, Any], rec: Recording) -> set[int]:
    """Every call our clients have, and each error the runbook's checklist names; the error statuses met."""
    met: set[int] = set()
    poll = (0.05, 0.1)
    async with (
        AsyncAdminClient(base_url, transport=rec) as admin,
        AsyncContentClient(base_url, org["contentKey"], poll_interval=poll, transport=rec) as content,
        AsyncPlatformClient(base_url, org["platformKey"], poll_interval=poll, transport=rec) as platform,
    ):
        await admin.sign_in(org["adminEmail"], "tutorflow-demo")
        org_id = (await admin.organizations())[0].id
        key = await admin.api_keys.create(org_id, "journey", rate_limit_per_minute=100)
        await admin.api_keys.list(org_id)
        rotated = await admin.api_keys.rotate(org_id, key.id)
        await admin.api_keys.revoke(org_id, rotated.id)
        hook = await admin.webhooks.create(org_id, "https://hooks.test.example/tf", description="journey")
        await admin.webhooks.list(org_id)
        await admin.webhooks.delete(org_id, hook.id)

        room = (await content.classrooms())[0].id
        lesson = await content.modules.create("A UI lesson", content="<p>Written in the UI</p>")
        await admin.export(room, lesson.id)
        await content.exports.create(lesson.id)
        job = await content.expansions.create(EXAMPLES["floco"], idempotency_key="expansion:journey:v1")
        other = {**EXAMPLES["floco"], "requestedOutputs": ["summary_video"]}
        with pytest.raises(ConflictError):  # 409: the same Idempotency-Key with another body
            await content.expansions.create(other, idempotency_key="expansion:journey:v1")
        met.add(409)
        await content.expansions.wait(job.id, timeout=30)
        await content.expansions.get(job.id)
        await content.expansions.result(job.id)
        for kind in ("modules", "courses", "videos", "slides", "tests"):
            group = getattr(content, kind)
            made = await group.create(f"Journey {kind}")
            await group.get(made.id)
            await group.list()
            await group.update(made.id, title=f"Journey {kind} v2")
            await group.delete(made.id)
        with pytest.raises(BadRequestError):  # 400: a course naming a module that is not there
            await content.courses.create("Broken", module_ids=["no-such-module"])
        met.add(400)
        with pytest.raises(NotFoundError):
            await content.expansions.get("no-such-job")
        met.add(404)
        async with AsyncContentClient(base_url, "tf_content_" + "0" * 40, transport=rec) as stranger:
            with pytest.raises(AuthenticationError):
                await stranger.classrooms()
        met.add(401)
        async with httpx.AsyncClient(transport=rec) as raw:  # our clients never send a key to the other surface
            other = {"Authorization": f"Bearer {org['platformKey']}"}
            assert (await raw.get(f"{base_url}/v1/content/classrooms", headers=other)).status_code == 403
        met.add(403)
        async with httpx.AsyncClient() as elsewhere:  # another program spends the key's window (2 a minute) ...
            for _ in range(2):
                await elsewhere.get(
                    f"{upstream}/v1/content/classrooms", headers={"Authorization": f"Bearer {slow['contentKey']}"}
                )
        async with AsyncContentClient(base_url, slow["contentKey"], transport=rec) as limited:
            await limited.classrooms()  # ... so ours meets a 429 and waits as Retry-After asks

        course = await platform.courses.create("Tides and the moon", lesson_count=2)
        queued = await platform.courses.create("Waves", lesson_count=2, mode="async")
        await platform.courses.wait(queued.id, timeout=30)
        await platform.courses.get(course.id)
        await platform.courses.list()
        await platform.courses.edit_token(course.id)
        await platform.courses.public(course.share_token or "")
        editor = platform.courses.editor(course)
        await editor.summary()
        await editor.full()
        await editor.lesson(1)
        canonical = await editor.canonical()
        await editor.save_canonical(canonical)
        first = canonical.lessons[0]["id"]
        await editor.lesson_by_id(first)
        await editor.update_lesson_by_id(first, title="Tides, revisited")
        [event async for event in editor.generate(first, EXAMPLES["generate"])]
        await editor.add_lesson("Practice: tides", "exam")
        await editor.update_course(title="Tides")
        await editor.update_lesson(1, lecture="<p>Updated HTML</p>")
        await editor.infer_type("Practice: Factoring Polynomials")
        module = await platform.modules.create("A short lesson about waves")
        await platform.modules.get(module.id)
        await platform.modules.list()
        await platform.modules.update(module.id, title="Waves")
        await platform.modules.public(module.share_token or "")
        await platform.modules.delete(module.id)
        await platform.pricing_catalog()
    return met | {s.status for s in rec.seen if s.status == 429}


def test_our_client_through_a_validating_proxy_meets_no_violation(tools: Path, tmp_path: Path) -> None:
    log = tmp_path / "prism.log"
    with MockServer(speed=50, seed=4, provision=False) as server, prism_proxy(tools, server.base_url, log) as proxy:
        org, slow = seed(server, rateLimitPerMinute=5000), seed(server, rateLimitPerMinute=2)
        rec = Recording()
        met = anyio.run(journey, proxy, server.base_url, org, slow, rec)
        bad = {"prompt": "Tides", "lessonCount": 0}  # a request the description refuses: Prism must name it
        headers = {"Authorization": f"Bearer {org['platformKey']}"}
        refused = httpx.post(f"{proxy}/v1/platform/courses", json=bad, headers=headers)
    assert {400, 401, 403, 404, 409, 429} <= met
    violations = [(s.method, s.path, s.status, v) for s in rec.seen for v in s.violations]
    assert violations == []
    operations = v1_operations()
    touched = {template_of(s.method, s.path, list(operations)) for s in rec.seen}
    assert None not in touched, [s for s in rec.seen if template_of(s.method, s.path, list(operations)) is None]
    untouched = set(operations) - touched - set(OUR_CLIENT_LACKS)
    assert untouched == set()
    print(f"Prism: {len(rec.seen)} calls, {len(touched)} operations, statuses {sorted({s.status for s in rec.seen})}")
    assert refused.status_code == 400 and "lessonCount" in refused.headers["sl-violations"], "Prism is seen to look"
