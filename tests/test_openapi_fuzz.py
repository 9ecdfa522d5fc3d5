"""Fuzzing: schemathesis against the mock's own ``/openapi.json``, every operation.

Each operation (but the three control routes that move the clock or wipe the state) gets
generated requests, valid and invalid, with the caller's credential for its surface; half
of them aim at real things (a job, a resource of each kind, a course, its edit token, a
module) so success answers are checked too, not only 404s.
Every answer must be no 5xx, a documented status, the documented content type, and match
the documented schema, which for a success is the model the client parses it with
(``tutorflow_nb/mock/openapi.py``). Requests missing their credential must be refused.
The mock speaks the default dialect throughout (the one ``/openapi.json`` describes):
a fuzzed ``PUT /_mock/dialect`` is undone after its case, as a fuzzed fault is.

Left out: ``positive_data_acceptance``. It expects every schema-valid request to succeed,
which no API with opaque cursors and cross-field rules (a lesson needs ``items`` or
``terms``; an ``answerIndex`` inside ``choices``) can do; those rules have their own tests.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import anyio
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import ComponentInfo
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tutorflow_nb.mock import Faults, MockState, create_app
from tutorflow_nb.mock.openapi import surface

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

EXAMPLES = int(os.environ.get("TUTORFLOW_FUZZ_EXAMPLES", "25"))

state = MockState(seed=13)
demo = state.provision_demo(rate_limit=10_000)
app = create_app(state)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


def credentials(path: str) -> dict[str, str]:
    if not path.startswith("/v1/"):
        return {}
    kind = surface(path)
    if kind == "admin":
        return {"Cookie": f"tutorflow_admin_session={demo.session_token}"}
    if kind in ("content", "platform"):
        return {"Authorization": f"Bearer {demo.content_key if kind == 'content' else demo.platform_key}"}
    return {}


async def real_things() -> dict[str, str]:
    """Ids of real things of the demo organization, to put in paths."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as c:

        async def call(method: str, path: str, body: Any = None, headers: Any = None) -> Any:
            r = await c.request(method, path, json=body, headers=headers or {})
            assert r.status_code < 300, r.text
            return r.json()

        content, platform = credentials("/v1/content/x"), credentials("/v1/platform/x")
        ids = {"organizationId": demo.organization_id, "classroomId": demo.classroom_id}
        body = {
            "requestedOutputs": ["interactive_module"],
            "payload": {
                "category": "Fuzz",
                "level": {
                    "id": "fuzz",
                    "title": "Fuzz",
                    "lessons": [
                        {"id": "l1", "type": "vocabulary", "title": "Words", "items": [{"term": "a", "meaning": "b"}]}
                    ],
                },
            },
        }
        ids["jobId"] = (await call("POST", "/v1/content/integrations/expansions", body, content))["id"]
        for kind in ("modules", "courses", "videos", "slides", "tests"):
            ids[kind] = (
                await call("POST", f"/v1/content/classrooms/{demo.classroom_id}/{kind}", {"title": "Fuzz"}, content)
            )["id"]
        course = await call("POST", "/v1/platform/courses", {"prompt": "Fuzz", "lessonCount": 2}, platform)
        await call("POST", "/_mock/clock/advance", {"seconds": 3600})
        ids["courseRequestId"], ids["shareToken"] = course["id"], course["shareToken"]
        token = await call("POST", f"/v1/platform/courses/{course['id']}/edit-token", None, platform)
        ids["editToken"] = token["editToken"]
        canonical = await call("GET", f"/v1/platform/courses/edit/{ids['editToken']}/canonical")
        ids["lessonId"], ids["sequence"] = canonical["lessons"][0]["id"], "1"
        ids["moduleId"] = (await call("POST", "/v1/platform/modules", {"prompt": "Fuzz"}, platform))["id"]
        keys = await call(
            "GET",
            f"/v1/content/organizations/{demo.organization_id}/api-keys",
            None,
            credentials("/v1/content/organizations"),
        )
        ids["keyId"] = keys["data"][-1]["id"]
        return ids


REAL = anyio.run(real_things)
TURN = itertools.count()
KINDS = ("modules", "courses", "videos", "slides", "tests")
SESSION = "tutorflow_admin_session"
POSITIVE = ComponentInfo(GenerationMode.POSITIVE)


# every TutorFlow operation and the control routes, but those that move the clock or wipe the
# state: they would change what every later case meets (their own tests are in test_mock_control)
FUZZED = (
    schema.include(path_regex=r"^/(v1|_mock)/")
    .exclude(path_regex=r"^/_mock/(reset|clock/advance)$")
    .exclude(method="PUT", path="/_mock/clock")
)


@FUZZED.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_as_documented(case: Any) -> None:
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and case.path_parameters and next(TURN) % 2:
        kind = next((k for k in KINDS if f"/{k}/" in case.path), None)
        for name in case.path_parameters:
            real = REAL.get(kind) if name == "resourceId" and kind else REAL.get(name)
            if real:
                case.path_parameters[name] = real
    headers = credentials(case.path)
    if case.meta is not None and case.meta.components.get(ParameterLocation.HEADER, POSITIVE).mode.is_negative:
        headers = {}  # the headers are the invalid part: adding a key would mend them
    if surface(case.path) == "admin":  # schemathesis decides whether the cookie is sent, we its value
        headers = {}
        if SESSION in (case.cookies or {}):
            case.cookies[SESSION] = demo.session_token
    response = case.call(headers=headers)
    excluded = [positive_data_acceptance]
    if response.status_code == 413:  # too large is a refusal too, which the check does not count
        excluded.append(negative_data_rejection)
    try:
        case.validate_response(response, headers=headers, excluded_checks=excluded)
    finally:
        state.faults.faults = Faults()  # a fuzzed PUT /_mock/faults must not fault what comes next
        state.dialect = "default"  # nor a fuzzed PUT /_mock/dialect answer it in another dialect
