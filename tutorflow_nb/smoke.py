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
import secrets
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NetworkError,
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
    """One step or checklist item: ``passed`` is ``True`` or ``False`` only when this run verified it,
    ``None`` when it could not be checked (a step before it failed, the server never answered)."""

    name: str
    passed: bool | None
    detail: str = ""

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "NOT CHECKED"}[self.passed]

    @classmethod
    def on_evidence(cls, name: str, seen: str | None, passed: bool, detail: str) -> Check:
        """The checklist's one rule: an item is judged only on what this run saw.

        ``seen`` says what this run saw that the item can be judged on (``None``: nothing; then the
        item is NOT CHECKED, whatever ``passed`` says, and its detail says what was missing).
        """
        return cls(name, passed if seen is not None else None, detail)


@dataclass
class SmokeReport:
    steps: list[Check] = field(default_factory=list)
    checklist: list[Check] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every step and item was verified and passed (one not checked is not a pass), nothing left behind."""
        return all(c.passed is True for c in self.steps + self.checklist) and not self.leftovers

    def __str__(self) -> str:
        def line(c: Check) -> str:
            return f"  [{c.verdict}] {c.name}" + (f": {c.detail}" if c.detail else "")

        out = ["Smoke test", *map(line, self.steps), "", "Pre-handoff checklist", *map(line, self.checklist)]
        if self.leftovers:
            out += ["", "Could not clean up (delete by hand): " + ", ".join(self.leftovers)]
        unchecked = sum(c.passed is None for c in self.steps + self.checklist)
        verdict = "PASSED" if self.passed else "FAILED"
        out += ["", verdict + (f" ({unchecked} item(s) not checked)" if unchecked else "")]
        return "\n".join(out)


@dataclass
class _Run:
    """What the run learned, for the checklist."""

    classrooms: list[str] = field(default_factory=list)
    organizations: int | None = None
    crud: bool | None = None  # None: not checked by this run; True or False only once it was
    replays: bool | None = None
    external_ids: bool | None = None
    pilot: bool | None = None
    not_retried: bool | None = None
    made: int = 0
    handled: dict[int, str] = field(default_factory=dict)
    created: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (kind, id), until deleted
    texts: list[str] = field(default_factory=list)
    log: str = ""  # what the package logged during the run


def _both(so_far: bool | None, now: bool) -> bool:
    """A verdict that took one more observation into account: checked from now on."""
    return now if so_far is None else so_far and now


def _expect(run: _Run, status: int, errors: type[Exception] | tuple[type[Exception], ...], action: Any) -> None:
    try:
        action()
        run.handled[status] = "no error came back"
    except errors as exc:
        run.texts.append(str(exc))
        run.handled[status] = ""
    except NetworkError as exc:  # no answer: nothing was learnt of how this status is handled
        run.texts.append(str(exc))
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
            run.made += 1
            again = group.create(title, classroom_id=room, idempotency_key=key, metadata={"externalId": external})
            run.replays = _both(run.replays, again.id == made.id)
            run.external_ids = _both(run.external_ids, (made.metadata or {}).get("externalId") == external)
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
            run.crud = _both(run.crud, ok)
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
    run.made += 1
    _expect(
        run,
        409,
        ConflictError,
        lambda: client.modules.create("Smoke conflict B", classroom_id=room, idempotency_key=key),
    )
    client.modules.delete(first.id, classroom_id=room)
    del run.created["conflict"]
    budget = client.http.budget
    if budget is not None and budget.limit:
        run.handled[429] = ""  # else: not checked (the server sent no rate-limit headers to learn the budget from)


def _pilot(client: Any, room: str, run_id: str, run: _Run, step: Any) -> None:
    try:
        job = client.expansions.create(PILOT, external_id="smoke-test:pilot", version=run_id)
        result = client.expansions.wait_result(job.id, timeout=600)
        for out in result.outputs:
            if out.resource_id and out.resource_type in ("module", "video", "test"):
                run.created[f"pilot {out.resource_type}"] = (out.resource_type + "s", out.resource_id)
                run.made += 1
        run.pilot = result.job.status == "completed" and bool(result.outputs)
        step(Check("pilot expansion", run.pilot, f"job {job.id} {result.job.status}"))
    except TutorFlowError as exc:
        run.pilot = False
        step(Check("pilot expansion", False, str(exc)))


def run_smoke(
    base_url: str,
    content_key: str | ApiKey,
    *,
    admin_cookies: str | Path | dict[str, str] | AdminClient | None = None,
    classroom_id: str | None = None,
    run_id: str | None = None,
    poll_interval: tuple[float, float] = (2.0, 5.0),
) -> SmokeReport:
    """Run the runbook's smoke test; the report says what passed, per step and per checklist item.

    ``admin_cookies`` (a cookie jar, a mapping, or a signed-in :class:`AdminClient` such as
    ``session.admin``) adds the admin session's organization listing to the steps.
    """
    report, run = SmokeReport(), _Run()
    # a run's keys are its own: two runs in the same second must not replay each other's deleted resources
    run_id = run_id or f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    step = report.steps.append
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    logger = logging.getLogger("tutorflow_nb")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    key = content_key if isinstance(content_key, ApiKey) else ApiKey(content_key, "content", source="content_key")
    client = ContentClient(base_url, key, classroom_id=classroom_id, poll_interval=poll_interval)
    room = classroom_id
    try:
        if admin_cookies is not None:
            try:
                if isinstance(admin_cookies, AdminClient):
                    run.organizations = len(admin_cookies.organizations())
                else:
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

    run.log = logs.getvalue()
    run.texts += [run.log, str(report)]
    report.checklist += _checklist(run, history, key, admin_cookies is not None, report.leftovers)
    return report


def _checklist(
    run: _Run, history: list[tuple[str, str, int | None]], key: ApiKey, admin: bool, leftovers: list[str]
) -> list[Check]:
    """The runbook's pre-handoff checklist, each item judged by :meth:`Check.on_evidence` on what this run saw."""
    answered = [h for h in history if h[2] is not None]
    surfaces = sorted({path.split("/")[2] for _, path, _ in answered})
    discovered = bool(run.classrooms) and (not admin or bool(run.organizations))
    asked = f"GET /v1/content/classrooms{' and organizations' if admin else ''}"
    if discovered:
        found = f"{asked} answered"
    else:
        found = f"{asked}: no classroom came back" if answered else "the server never answered"
    items = [
        Check.on_evidence(
            "ids are discovered through the API",
            f"{len(answered)} answer(s)" if answered else None,
            discovered,
            found,
        ),
        Check.on_evidence(
            "only tf_content_ keys on /v1/content/**",
            "requests answered" if answered else None,
            surfaces == ["content"] and key.surface == "content",
            f"surfaces called: {surfaces}" if answered else "no request was answered",
        ),
        Check.on_evidence(
            "create requests send stable idempotency keys",
            "a repeated create" if run.replays is not None else None,
            run.replays is True,
            "a repeated create replayed the same resource"
            if run.replays
            else "a replay made a new resource"
            if run.replays is False
            else "no create was made",
        ),
        Check.on_evidence(
            "TutorFlow ids are stored next to external ids",
            "a create's answer" if run.external_ids is not None else None,
            run.external_ids is True,
            "metadata.externalId came back beside each id" if run.external_ids is not None else "no create was made",
        ),
    ]
    expected = {
        400: "BadRequestError" + (", not retried" if run.not_retried else ", but it was RETRIED"),
        401: "AuthenticationError",
        403: "PermissionDeniedError (401 for a key TutorFlow does not know)",
        404: "NotFoundError",
        409: "ConflictError",
        429: "paced by the key's budget; 429s retried after Retry-After",
    }
    for status, detail in expected.items():
        problem = run.handled.get(status)
        missing = "the server sent no rate-limit headers" if status == 429 and answered else "not reached"
        items.append(
            Check.on_evidence(
                f"{status} handled",
                "provoked and answered" if problem is not None else None,
                not problem and (status != 400 or bool(run.not_retried)),
                problem or detail if problem is not None else missing,
            )
        )
    shown = bool(answered) and key.prefix in run.log  # the key went out and the logs spoke of it: redaction was due
    items.append(
        Check.on_evidence(
            "logs redact the full bearer token",
            "the key named in this run's logs" if shown else None,
            key.reveal() not in "\n".join(run.texts),
            "only the key prefix appears" if shown else "no request with the key was logged",
        )
    )
    items.append(
        Check.on_evidence(
            "a small pilot payload completes before larger payloads",
            "the pilot ran" if run.pilot is not None else None,
            run.pilot is True,
            "" if run.pilot is not None else "not reached",
        )
    )
    items.append(
        Check.on_evidence(
            "everything created was cleaned up",
            f"{run.made} created" if run.made else None,
            run.crud is not False and not leftovers,
            f"{run.made} resource(s) created and deleted" if run.made else "nothing was created",
        )
    )
    return items
