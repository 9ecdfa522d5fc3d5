"""The runbook's smoke test and pre-handoff checklist, as a function and ``tutorflow-nb smoke``.

Against any base URL and ``tf_content_`` key: discovery, then create / get / update /
delete of a module, course, video, slide deck and test, cleaning up whatever it created
even when a step fails; each documented error status provoked safely and checked for
its typed error; a small pilot expansion; and the checklist, item by item.

    >>> report = run_smoke(base_url, content_key)            # doctest: +SKIP
    >>> print(report)                                        # doctest: +SKIP
"""

from __future__ import annotations

import io
import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TutorFlowError,
)
from .http import HttpSession, RetryPolicy
from .keys import ApiKey
from .sync import run_sync
from .sync_clients import AdminClient, ContentClient

__all__ = ["Check", "SmokeReport", "run_smoke"]

KINDS = ("modules", "courses", "videos", "slides", "tests")
PILOT = {
    "requestedOutputs": ["interactive_module"],
    "payload": {
        "category": {"id": "smoke-test", "title": "Smoke test"},
        "language": "en",
        "level": {
            "id": "pilot",
            "title": "Pilot",
            "lessons": [
                {
                    "id": "pilot-1",
                    "type": "vocabulary",
                    "title": "Pilot lesson",
                    "items": [{"term": "hello", "meaning": "a greeting"}],
                }
            ],
        },
    },
}


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class SmokeReport:
    steps: list[Check] = field(default_factory=list)
    checklist: list[Check] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.steps + self.checklist) and not self.leftovers

    def __str__(self) -> str:
        def line(c: Check) -> str:
            return f"  [{'PASS' if c.passed else 'FAIL'}] {c.name}" + (f": {c.detail}" if c.detail else "")

        out = ["Smoke test", *map(line, self.steps), "", "Pre-handoff checklist", *map(line, self.checklist)]
        if self.leftovers:
            out += ["", "Could not clean up (delete by hand): " + ", ".join(self.leftovers)]
        out += ["", "PASSED" if self.passed else "FAILED"]
        return "\n".join(out)


@dataclass
class _Run:
    """What the run learned, for the checklist."""

    classrooms: list[str] = field(default_factory=list)
    organizations: int | None = None
    crud: bool = True
    replays: bool = True
    external_ids: bool = True
    pilot: bool = False
    not_retried: bool = False
    handled: dict[int, str] = field(default_factory=dict)
    created: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (kind, id), until deleted
    texts: list[str] = field(default_factory=list)


def _expect(run: _Run, status: int, errors: type[Exception] | tuple[type[Exception], ...], action: Any) -> None:
    try:
        action()
        run.handled[status] = "no error came back"
    except errors as exc:
        run.texts.append(str(exc))
        run.handled[status] = ""
    except Exception as exc:
        run.handled[status] = f"{type(exc).__name__}: {exc}"


def _crud(client: Any, room: str, run_id: str, run: _Run, step: Any) -> None:
    for kind in KINDS:
        group = getattr(client, kind)
        external = f"{kind[:-1]}:smoke-test"
        key = f"{'slides' if kind == 'slides' else kind[:-1]}:smoke-test:{run_id}"
        title = f"Content API smoke test ({kind})"
        try:
            made = group.create(title, classroom_id=room, idempotency_key=key, metadata={"externalId": external})
            run.created[kind] = (kind, made.id)
            again = group.create(title, classroom_id=room, idempotency_key=key, metadata={"externalId": external})
            run.replays &= again.id == made.id
            run.external_ids &= (made.metadata or {}).get("externalId") == external
            got = group.get(made.id, classroom_id=room)
            updated = group.update(made.id, classroom_id=room, title=title + " updated")
            deleted = group.delete(made.id, classroom_id=room)
            del run.created[kind]
            try:
                group.get(made.id, classroom_id=room)
                gone = False
            except NotFoundError:
                gone = True
            ok = got.id == made.id and (updated.title or "").endswith("updated") and gone
            step(
                Check(
                    f"{kind}: create, get, update, delete", ok, f"id {made.id}, delete answered {deleted.status_code}"
                )
            )
            run.crud &= ok
        except TutorFlowError as exc:
            step(Check(f"{kind}: create, get, update, delete", False, str(exc)))
            run.crud = False


def _errors(client: Any, base_url: str, room: str, run_id: str, run: _Run) -> None:
    before = client.http.stats["requests"]
    _expect(run, 400, BadRequestError, lambda: client.modules.create(classroom_id=room, data={"title": ""}))
    run.not_retried = client.http.stats["requests"] - before == 1
    with ContentClient(base_url, "tf_content_" + "0" * 32, retry=RetryPolicy(0)) as stranger:
        _expect(run, 401, AuthenticationError, stranger.classrooms)
    wrong = HttpSession(base_url, surface="content", key=ApiKey("tf_platform_" + "0" * 32), retry=RetryPolicy(0))
    try:  # a tf_platform_ key on /v1/content/** is refused (403, or 401 for a key TutorFlow does not know)
        _expect(
            run,
            403,
            (PermissionDeniedError, AuthenticationError),
            lambda: run_sync(wrong.request("GET", "/v1/content/classrooms")),
        )
    finally:
        run_sync(wrong.aclose())
    _expect(
        run, 404, NotFoundError, lambda: client.modules.get("00000000-0000-4000-8000-000000000404", classroom_id=room)
    )
    key = f"module:smoke-test-conflict:{run_id}"
    first = client.modules.create("Smoke conflict A", classroom_id=room, idempotency_key=key)
    run.created["conflict"] = ("modules", first.id)
    _expect(
        run,
        409,
        ConflictError,
        lambda: client.modules.create("Smoke conflict B", classroom_id=room, idempotency_key=key),
    )
    client.modules.delete(first.id, classroom_id=room)
    del run.created["conflict"]
    budget = client.http.budget
    run.handled[429] = "" if budget is not None and budget.limit else "no rate-limit headers seen"


def _pilot(client: Any, room: str, run_id: str, run: _Run, step: Any) -> None:
    try:
        job = client.expansions.create(PILOT, external_id="smoke-test:pilot", version=run_id)
        result = client.expansions.wait_result(job.id, timeout=600)
        for out in result.outputs:
            if out.resource_id and out.resource_type in ("module", "video", "test"):
                run.created[f"pilot {out.resource_type}"] = (out.resource_type + "s", out.resource_id)
        run.pilot = result.job.status == "completed" and bool(result.outputs)
        step(Check("pilot expansion", run.pilot, f"job {job.id} {result.job.status}"))
    except TutorFlowError as exc:
        step(Check("pilot expansion", False, str(exc)))


def run_smoke(
    base_url: str,
    content_key: str,
    *,
    admin_cookies: str | Path | dict[str, str] | None = None,
    classroom_id: str | None = None,
    run_id: str | None = None,
    poll_interval: tuple[float, float] = (2.0, 5.0),
) -> SmokeReport:
    """Run the runbook's smoke test; the report says what passed, per step and per checklist item."""
    report, run = SmokeReport(), _Run()
    run_id = run_id or time.strftime("%Y%m%dT%H%M%S")
    step = report.steps.append
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    logger = logging.getLogger("tutorflow_nb")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    client = ContentClient(base_url, content_key, classroom_id=classroom_id, poll_interval=poll_interval)
    room = classroom_id
    try:
        if admin_cookies is not None:
            try:
                with AdminClient(base_url, cookies=admin_cookies) as admin:
                    run.organizations = len(admin.organizations())
                step(
                    Check(
                        "GET /v1/content/organizations (admin session)",
                        run.organizations > 0,
                        f"{run.organizations} organization(s)",
                    )
                )
            except (TutorFlowError, ValueError) as exc:
                step(Check("GET /v1/content/organizations (admin session)", False, str(exc)))
        run.classrooms = [r.id for r in client.classrooms()]
        step(Check("GET /v1/content/classrooms", bool(run.classrooms), f"{len(run.classrooms)} classroom(s)"))
        room = room or (run.classrooms[0] if run.classrooms else None)
        if room is None:
            raise RuntimeError("no classroom: create one in TutorFlow first")
        _crud(client, room, run_id, run, step)
        _errors(client, base_url, room, run_id, run)
        _pilot(client, room, run_id, run, step)
    except Exception as exc:
        step(Check("smoke test ran to the end", False, f"{type(exc).__name__}: {exc}"))
        run.texts.append("".join(traceback.format_exception(exc)))
    finally:
        for label, (kind, rid) in list(run.created.items()):
            try:
                getattr(client, kind).delete(rid, classroom_id=room)
            except TutorFlowError:
                report.leftovers.append(f"{label} {rid}")
        history = list(client.http.history)
        client.close()
        logger.removeHandler(handler)
        logger.setLevel(old_level)

    run.texts += [logs.getvalue(), str(report)]
    surfaces = {path.split("/")[2] for _, path, _ in history}
    check = report.checklist.append
    check(
        Check(
            "ids are discovered through the API",
            bool(run.classrooms) and (admin_cookies is None or bool(run.organizations)),
            "classrooms" + (" and organizations" if admin_cookies is not None else ""),
        )
    )
    check(
        Check(
            "only tf_content_ keys on /v1/content/**",
            surfaces == {"content"} and ApiKey(content_key).surface == "content",
            f"surfaces called: {sorted(surfaces)}",
        )
    )
    check(
        Check(
            "create requests send stable idempotency keys",
            run.replays,
            "a repeated create replayed the same resource" if run.replays else "a replay made a new resource",
        )
    )
    check(
        Check(
            "TutorFlow ids are stored next to external ids",
            run.external_ids,
            "metadata.externalId came back beside each id",
        )
    )
    expected = {
        400: "BadRequestError" + (", not retried" if run.not_retried else ", but it was RETRIED"),
        401: "AuthenticationError",
        403: "PermissionDeniedError (401 for a key TutorFlow does not know)",
        404: "NotFoundError",
        409: "ConflictError",
        429: "paced by the key's budget; 429s retried after Retry-After",
    }
    for status, detail in expected.items():
        problem = run.handled.get(status, "not checked")
        check(Check(f"{status} handled", not problem and (status != 400 or run.not_retried), problem or detail))
    check(
        Check(
            "logs redact the full bearer token",
            not any(content_key in t for t in run.texts),
            "only the key prefix appears",
        )
    )
    check(Check("a small pilot payload completes before larger payloads", run.pilot))
    check(Check("everything created was cleaned up", run.crud and not report.leftovers))
    return report
