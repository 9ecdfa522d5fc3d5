"""The mock's OpenAPI description as a contract: whole, valid, typed, one surface per answer, and snapshotted.

What a team adopting TutorFlow does with ``/openapi.json``: validate it, read it, generate a
client from it, put a proxy in front of the mock with it. The tools themselves run in
``test_openapi_tools.py`` (slow); here are the properties they rely on, checked on the
description the mock serves:

- it is valid OpenAPI (openapi-spec-validator), and ``docs/openapi.json`` is exactly it;
- every operation is described for people (operationId, tag, summary, description,
  security) and every success names its schema, never a bare object;
- schema names are unique and readable, and no answer of one surface refers to a schema
  of the other (the generic content ``Resource`` once stood on the Platform's billing routes);
- what the documents' examples and the mock's real answers hold validates against it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Org, seed_org, wait_course
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tutorflow_nb.mock.openapi import OPERATIONS, SSE, schema_surfaces, surface

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[1]
REFS = re.compile(r'"\$ref": "#/components/schemas/([^"]+)"')


def _snapshot_script() -> Any:
    spec = importlib.util.spec_from_file_location("openapi_snapshot", ROOT / "scripts" / "openapi_snapshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["openapi_snapshot"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    description: dict[str, Any] = _snapshot_script().served()
    return description


def operations(spec: dict[str, Any], prefix: str = "/v1/") -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() if p.startswith(prefix) for m, op in ops.items()]


def reachable(spec: dict[str, Any], node: Any) -> set[str]:
    """Every component schema ``node`` refers to, directly or through other schemas."""
    seen: set[str] = set()
    todo = set(REFS.findall(json.dumps(node)))
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= set(REFS.findall(json.dumps(spec["components"]["schemas"][name]))) - seen
    return seen


# ---------------------------------------------------------------- valid, and snapshotted


@pytest.mark.slow
def test_the_snapshot_is_what_the_mock_serves(served: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    script = _snapshot_script()
    monkeypatch.setattr(script, "served", lambda: served)  # fetched once for the module
    on_disk = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert on_disk == script.render(served), "docs/openapi.json is stale: run python scripts/openapi_snapshot.py"
    assert script.main(["--check"]) == 0


@pytest.mark.slow
def test_the_check_says_what_differs_and_how_to_mend_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], served: dict[str, Any]
) -> None:
    script = _snapshot_script()
    monkeypatch.setattr(script, "served", lambda: served)  # fetched once for the module
    stale = json.loads(script.render(served))
    del stale["paths"]["/v1/platform/modules"]
    stale["components"]["schemas"]["CourseRequest"]["required"].remove("priceSnapshot")
    stale["paths"]["/v1/platform/gone"] = {}
    for text, expected in (
        (script.render(stale), ["+ path /v1/platform/modules", "- path /v1/platform/gone", "~ schema CourseRequest"]),
        ("not json", ["not JSON"]),
        (None, ["does not exist"]),
    ):
        target = tmp_path / "openapi.json"
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(text)
        monkeypatch.setattr(script, "TARGET", target)
        assert script.main(["--check"]) == 1
        err = capsys.readouterr().err
        assert "run python scripts/openapi_snapshot.py" in err
        assert all(line in err for line in expected), err
    assert script.main([]) == 0 and script.main(["--check"]) == 0  # rewriting mends it


@pytest.mark.slow  # about 5 s on this 250 kB description
def test_openapi_spec_validator_finds_no_error(served: dict[str, Any]) -> None:
    validate(served)  # raises on the first error, naming it (test_openapi_tools sees it refuse a broken copy)


# ---------------------------------------------------------------- described for people and for tools


def test_every_operation_is_described_for_people(served: dict[str, Any]) -> None:
    declared = {t["name"] for t in served["tags"]}
    grouped = {t for group in served["x-tagGroups"] for t in group["tags"]}
    ids = []
    for method, path, op in operations(served, "/"):
        name = f"{method} {path}"
        ids.append(op["operationId"])
        assert re.fullmatch(r"[a-z][A-Za-z]+", op["operationId"]), name  # readable: createCourse, not create_v1_…
        assert len(op["tags"]) == 1 and op["tags"][0] in declared, name
        assert op["summary"].strip() and len(op["description"]) >= 10, name
        assert "security" in op, name
        if path.startswith("/v1/"):
            group = op["tags"][0].split(":")[0]
            assert group == {"/v1/content/": "Content", "/v1/platform": "Platform"}[path[:12]], name
        else:
            assert op["tags"] == ["Mock control"] and op["security"] == [], name
    assert len(ids) == len(set(ids)) and declared == grouped
    assert served["info"]["license"]["identifier"] == "MIT" and served["servers"]


def test_each_operation_declares_the_credential_it_takes(served: dict[str, Any]) -> None:
    schemes = {"content": [{"workspaceKey": []}], "platform": [{"platformKey": []}], "admin": [{"adminSession": []}]}
    for method, path, op in operations(served):
        expected = schemes.get(surface(path), [])
        if path.endswith("/integrations/exports"):
            expected = schemes["content"] + schemes["admin"]
        assert op["security"] == expected, f"{method} {path}"


def test_every_success_names_its_schema_and_every_error_the_error_body(served: dict[str, Any]) -> None:
    schemas = served["components"]["schemas"]
    for method, path, op in operations(served):
        entry = OPERATIONS[(method, path)]
        successes = {int(s): r for s, r in op["responses"].items() if s.startswith("2")}
        assert set(successes) == set(entry.answers), f"{method} {path}"
        for status, answer in successes.items():
            content = answer.get("content", {})
            if entry.answers[status] is None:
                assert content == {}, f"{method} {path} {status}"
            elif entry.answers[status] == SSE:
                assert list(content) == ["text/event-stream"] and content[SSE]["x-events"], path
            else:
                ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                assert schemas[ref]["type"] == "object" and schemas[ref]["properties"], f"{method} {path}"
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "422" not in op["responses"], f"{method} {path}: the mock answers 400, never 422"


def test_schema_names_are_unique_and_readable(served: dict[str, Any]) -> None:
    schemas = served["components"]["schemas"]
    for name, schema in schemas.items():
        assert re.fullmatch(r"[A-Z][A-Za-z]+", name), name  # no module paths, no __1 suffixes
        assert schema.get("title", name) == name, name
        for prop, sub in schema.get("properties", {}).items():
            assert "title" not in sub, f"{name}.{prop}: a title would become a class name"
    titles = [s.get("title") for s in schemas.values() if s.get("title")]
    assert len(titles) == len(set(titles))
    assert not set(schemas) - reachable(served, served["paths"]), "unused components"


def test_no_answer_refers_to_the_other_surfaces_schemas(served: dict[str, Any]) -> None:
    """The class of the Platform billing routes described as the content ``Resource``: by the schemas' home."""
    home = schema_surfaces()
    used: dict[str, set[str]] = {"content": set(), "platform": set()}
    for method, path, op in operations(served):
        kind = "platform" if path.startswith("/v1/platform/") else "content"
        answers = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        for name in reachable(served, answers):
            assert home.get(name) in (kind, "shared"), f"{method} {path} answers {name}, a {home.get(name)} schema"
            used[kind].add(name)
    shared = used["content"] & used["platform"]
    assert shared <= {n for n, h in home.items() if h == "shared"}, shared
    assert {"CourseRequest", "PriceSnapshot", "PlatformModule"} <= used["platform"]


def test_the_billing_routes_are_typed_in_every_status(served: dict[str, Any]) -> None:
    paths = served["paths"]

    def answer(path: str, method: str, status: str) -> str:
        ref: str = paths[path][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[1]

    assert answer("/v1/platform/courses", "post", "201") == answer("/v1/platform/courses", "post", "202")
    assert answer("/v1/platform/courses", "post", "202") == "CourseRequest"
    assert answer("/v1/platform/courses", "get", "200") == "CourseRequestPage"
    assert answer("/v1/platform/modules", "post", "201") == "PlatformModule"
    assert answer("/v1/platform/modules", "get", "200") == "PlatformModulePage"
    course = served["components"]["schemas"]["CourseRequest"]
    for name in ("priceSnapshot", "status", "isTerminal", "pollAfterMs", "previewUrl"):
        assert name in course["properties"], name
    assert {"priceSnapshot", "status", "isTerminal", "previewUrl"} <= set(course["required"])
    assert "platform-timing" in course["properties"]["priceSnapshot"]["description"]  # the assumption it rests on


# ---------------------------------------------------------------- what the description says holds


def _validator(spec: dict[str, Any], name: str) -> OAS31Validator:
    """A validator of one component schema, its references resolved inside the description."""
    return OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def test_the_documents_examples_match_their_schemas(served: dict[str, Any]) -> None:
    seen = 0
    for method, path, op in operations(served):
        media = [(op.get("requestBody", {}).get("content", {}).get("application/json", {}), "request")]
        media += [(r.get("content", {}).get("application/json", {}), s) for s, r in op["responses"].items()]
        for body, where in media:
            if "example" in body:
                name = body["schema"]["$ref"].rsplit("/", 1)[1]
                errors = [e.message for e in _validator(served, name).iter_errors(body["example"])]
                assert errors == [], f"{method} {path} {where}: {errors}"
                seen += 1
    assert seen >= 15


async def test_what_the_editor_answers_can_be_saved_back(api: httpx.AsyncClient, org: Org) -> None:
    """A lesson PATCHed with null in a field the canonical payload holds as a list or object is refused, so
    GET canonical always answers a payload PATCH canonical takes (as the documents say: the source of truth)."""
    course = await api.post("/v1/platform/courses", json={"prompt": "Tides", "lessonCount": 2}, headers=org.platform)
    done = await wait_course(api, org, course.json()["id"])
    edit = "/v1/platform/courses/edit/" + done["previewUrl"].rsplit("/", 1)[1]
    lesson = (await api.get(edit + "/canonical")).json()["lessons"][0]["id"]
    for name in ("title", "slug", "type", "chapterId", "sequence", "quizzes", "problems", "metadata"):
        r = await api.patch(f"{edit}/lessons/by-id/{lesson}/full", json={name: None})
        assert r.status_code == 400 and r.json()["fields"][0]["field"] == name, (name, r.text)
    for name, value in (("description", None), ("lecture", None), ("content", None), ("quizzes", [])):
        assert (await api.patch(f"{edit}/lessons/by-id/{lesson}/full", json={name: value})).status_code == 200
    canonical = (await api.get(edit + "/canonical")).json()
    assert (await api.patch(edit + "/canonical", json=canonical)).status_code == 200, "GET canonical is saveable"


async def test_real_answers_hold_every_required_field(api: httpx.AsyncClient, served: dict[str, Any]) -> None:
    """Required means always sent: each billing answer, as the mock gives it, validates (async first answer too)."""
    org = await seed_org(api)
    for mode, status in (("sync", 201), ("async", 202)):
        r = await api.post("/v1/platform/courses", json={"prompt": "Tides", "mode": mode}, headers=org.platform)
        assert r.status_code == status
        assert list(_validator(served, "CourseRequest").iter_errors(r.json())) == [], mode
    module = await api.post("/v1/platform/modules", json={"prompt": "Waves"}, headers=org.platform)
    assert list(_validator(served, "PlatformModule").iter_errors(module.json())) == []
    page = await api.get("/v1/platform/courses", headers=org.platform)
    assert list(_validator(served, "CourseRequestPage").iter_errors(page.json())) == []
    broken = {**module.json(), "priceSnapshot": {"amountUsd": "0.05"}}
    assert list(_validator(served, "PlatformModule").iter_errors(broken)), "a drifted answer is noticed"
