"""Expansion jobs: create, status over time, results, outputs as real resources, exports."""

from __future__ import annotations

import httpx
import pytest
from conftest import Org, source_request, wait_job

pytestmark = pytest.mark.anyio
EXP = "/v1/content/integrations/expansions"


@pytest.mark.slow
async def test_job_moves_queued_processing_completed(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(EXP, json=source_request(), headers={**org.content, "Idempotency-Key": "expansion:g1:v1"})
    assert r.status_code == 202
    job = r.json()
    assert job["status"] == "queued" and job["completedAt"] is None
    assert job["classroomId"] == org.classroom_id and job["idempotencyKey"] == "expansion:g1:v1"
    assert job["requestedOutputs"] == ["interactive_module", "summary_video", "expanded_quiz"]
    seen = {job["status"]}
    done = await wait_job(api, org, job["id"])
    seen.add(done["status"])
    assert done["status"] == "completed" and done["completedAt"] >= done["startedAt"] >= done["createdAt"]
    assert seen <= {"queued", "processing", "completed"}


@pytest.mark.slow
async def test_result_before_finish_is_409_then_one_output_per_requested(api: httpx.AsyncClient, org: Org) -> None:
    job = (await api.post(EXP, json=source_request(3), headers=org.content)).json()
    early = await api.get(f"{EXP}/{job['id']}/result", headers=org.content)
    assert early.status_code == 409 and early.json()["code"] == "job_not_finished"
    assert early.json()["jobStatus"] in ("queued", "processing")
    await wait_job(api, org, job["id"])
    result = (await api.get(f"{EXP}/{job['id']}/result", headers=org.content)).json()
    assert result["job"]["id"] == job["id"] and result["job"]["status"] == "completed"
    by_type = {o["outputType"]: o for o in result["outputs"]}
    assert set(by_type) == {"interactive_module", "summary_video", "expanded_quiz"}
    kinds = {"interactive_module": "module", "summary_video": "video", "expanded_quiz": "test"}
    for output_type, out in by_type.items():
        assert out["status"] == "completed" and out["resourceType"] == kinds[output_type]
        assert out["manifest"]["title"] and out["manifest"]["urls"]["publicUrl"].startswith("https://")
        resource = await api.get(org.room(f"/{out['resourceType']}s/{out['resourceId']}"), headers=org.content)
        assert resource.status_code == 200 and resource.json()["title"] == out["manifest"]["title"]
    video = (await api.get(org.room(f"/videos/{by_type['summary_video']['resourceId']}"), headers=org.content)).json()
    assert video["renderStatus"] == "not_rendered" and video["videoUrl"] is None  # scenes, never an MP4
    assert len(video["scenes"]) == 3 + 2 and all(s["narration"] for s in video["scenes"])


@pytest.mark.slow
async def test_generated_content_is_the_callers_own(api: httpx.AsyncClient, org: Org) -> None:
    body = source_request(2)
    job = (await api.post(EXP, json=body, headers=org.content)).json()
    await wait_job(api, org, job["id"])
    outputs = (await api.get(f"{EXP}/{job['id']}/result", headers=org.content)).json()["outputs"]
    module_id = next(o["resourceId"] for o in outputs if o["resourceType"] == "module")
    quiz_id = next(o["resourceId"] for o in outputs if o["resourceType"] == "test")
    module = (await api.get(org.room(f"/modules/{module_id}"), headers=org.content)).json()
    quiz = (await api.get(org.room(f"/tests/{quiz_id}"), headers=org.content)).json()
    assert module["title"] == "A1 Foundations module"
    assert "hello" in module["content"] and "a greeting" in module["content"]
    assert module["metadata"]["sourceContentId"] == "language-basics:level-a1"
    assert module["metadata"]["jobId"] == job["id"]
    terms = [e["term"] for lesson in body["payload"]["level"]["lessons"] for e in lesson["items"]]
    assert [q["prompt"] for q in quiz["questions"]] == [f"What does '{t}' mean?" for t in terms]
    for q in quiz["questions"]:
        assert q["choices"][q["answerIndex"]] in {"a greeting", "a farewell", "gratitude"}


@pytest.mark.slow
async def test_content_is_deterministic_for_payload_and_seed(api: httpx.AsyncClient, org: Org, other_org: Org) -> None:
    views = []
    for who in (org, other_org):
        job = (await api.post(EXP, json=source_request(3, outputs=("expanded_quiz",)), headers=who.content)).json()
        await wait_job(api, who, job["id"])
        out = (await api.get(f"{EXP}/{job['id']}/result", headers=who.content)).json()["outputs"][0]
        quiz = (await api.get(who.room(f"/tests/{out['resourceId']}"), headers=who.content)).json()
        views.append((quiz["title"], quiz["questions"]))
    assert views[0] == views[1]


@pytest.mark.slow
async def test_floco_terms_form_echoes_source_type(api: httpx.AsyncClient, org: Org) -> None:
    job = (await api.post(EXP, json=source_request(2, floco=True), headers=org.content)).json()
    assert job["sourceType"] == "floco"
    await wait_job(api, org, job["id"])
    result = (await api.get(f"{EXP}/{job['id']}/result", headers=org.content)).json()
    assert result["job"]["sourceType"] == "floco" and len(result["outputs"]) == 3
    module_id = next(o["resourceId"] for o in result["outputs"] if o["resourceType"] == "module")
    module = (await api.get(org.room(f"/modules/{module_id}"), headers=org.content)).json()
    blocks = module["metadata"]["interactive"]["blocks"]
    assert blocks[0] == {
        "type": "flashcard",
        "lessonId": "lesson-1",
        "term": "hello",
        "meaning": "a greeting",
        "example": "Hello, Min.",
    }
    plain = (await api.post(EXP, json=source_request(), headers=org.content)).json()
    assert plain["sourceType"] is None


@pytest.mark.slow
async def test_injected_failure_gives_failed_job_and_failed_outputs(api: httpx.AsyncClient, org: Org) -> None:
    await api.put("/_mock/faults", json={"fail_next_jobs": 1})
    try:
        job = (
            await api.post(
                EXP, json=source_request(outputs=("interactive_module", "expanded_quiz")), headers=org.content
            )
        ).json()
    finally:
        await api.put("/_mock/faults", json={"fail_next_jobs": 0})
    done = await wait_job(api, org, job["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "generation_failed"
    result = (await api.get(f"{EXP}/{job['id']}/result", headers=org.content)).json()
    assert result["job"]["status"] == "failed"
    assert result["outputs"] == [
        {
            "outputType": "interactive_module",
            "status": "failed",
            "resourceType": "module",
            "resourceId": None,
            "manifest": {},
        },
        {"outputType": "expanded_quiz", "status": "failed", "resourceType": "test", "resourceId": None, "manifest": {}},
    ]


@pytest.mark.slow
async def test_idempotent_create_replays_and_conflicts(api: httpx.AsyncClient, org: Org) -> None:
    headers = {**org.content, "Idempotency-Key": "language-basics-level-a1-2026-07-04"}
    first = await api.post(EXP, json=source_request(), headers=headers)
    again = await api.post(EXP, json=source_request(), headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    changed = await api.post(EXP, json=source_request(2), headers=headers)
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"
    assert "new key" in changed.json()["message"]
    jobs = (await api.get("/_mock/jobs")).json()["data"]
    assert sum(j["idempotencyKey"] == headers["Idempotency-Key"] and j["organizationId"] == org.id for j in jobs) == 1
    fresh = await api.post(EXP, json=source_request(), headers=org.content)  # no key: a new job
    assert fresh.json()["id"] != first.json()["id"]


@pytest.mark.slow
async def test_idempotency_keys_are_scoped_per_organization(api: httpx.AsyncClient, org: Org, other_org: Org) -> None:
    key = {"Idempotency-Key": "expansion:shared:v1"}
    a = await api.post(EXP, json=source_request(), headers={**org.content, **key})
    b = await api.post(EXP, json=source_request(2), headers={**other_org.content, **key})
    assert a.status_code == b.status_code == 202 and a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("requestedOutputs"), "requestedOutputs"),
        (lambda b: b.update(requestedOutputs=[]), "requestedOutputs"),
        (lambda b: b.update(requestedOutputs=["mp4_video"]), "requestedOutputs[0]"),
        (lambda b: b.update(requestedOutputs=["summary_video", "summary_video"]), "requestedOutputs"),
        (lambda b: b.update(sourceType="Not Valid!"), "sourceType"),
        (lambda b: b.update(extra="field"), "extra"),
        (lambda b: b["payload"].pop("level"), "payload.level"),
        (lambda b: b["payload"].pop("category"), "payload.category"),
        (lambda b: b["payload"].update(language="English"), "payload.language"),
        (lambda b: b["payload"]["level"].update(lessons=[]), "payload.level.lessons"),
        (lambda b: b["payload"]["level"]["lessons"][0].pop("items"), "payload.level.lessons[0]"),
        (lambda b: b["payload"]["level"]["lessons"][0].update(items=[]), "payload.level.lessons[0].items"),
        (
            lambda b: b["payload"]["level"]["lessons"][0]["items"][0].pop("meaning"),
            "payload.level.lessons[0].items[0].meaning",
        ),
        (lambda b: b["payload"]["level"]["lessons"][0].update(title="x" * 256), "payload.level.lessons[0].title"),
        (
            lambda b: b["payload"]["level"]["lessons"].append(dict(b["payload"]["level"]["lessons"][0])),
            "payload.level.lessons",
        ),
    ],
)
async def test_validation_names_each_bad_field(api: httpx.AsyncClient, org: Org, mutate, field: str) -> None:
    body = source_request()
    mutate(body)
    r = await api.post(EXP, json=body, headers=org.content)
    assert r.status_code == 400, r.text
    fields = [f["field"] for f in r.json()["fields"]]
    assert field in fields, fields
    assert any(field in m for m in r.json()["message"])


async def test_customer_payload_keeps_extra_fields(api: httpx.AsyncClient, org: Org) -> None:
    body = source_request()
    body["payload"]["level"]["lessons"][0]["difficulty"] = 2  # the customer's own field
    assert (await api.post(EXP, json=body, headers=org.content)).status_code == 202


async def test_malformed_and_oversized_bodies_are_4xx(api: httpx.AsyncClient, org: Org) -> None:
    headers = {**org.content, "Content-Type": "application/json"}
    r = await api.post(EXP, content=b'{"requestedOutputs": [', headers=headers)
    assert r.status_code == 400 and "malformed JSON" in r.json()["message"][0]
    r = await api.post(EXP, content=b"[]", headers=headers)
    assert r.status_code == 400
    huge = b'{"x": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    r = await api.post(EXP, content=huge, headers=headers)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

    async def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(20):
            yield b"a" * (64 * 1024)

    r = await api.post(EXP, content=chunks(), headers=headers)
    assert r.status_code == 413


async def test_bad_idempotency_key_is_400(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(EXP, json=source_request(), headers={**org.content, "Idempotency-Key": "k" * 300})
    assert r.status_code == 400 and r.json()["code"] == "invalid_idempotency_key"


async def test_explicit_classroom(api: httpx.AsyncClient, org: Org) -> None:
    r = await api.post(EXP, json={**source_request(), "classroomId": org.classroom_id}, headers=org.content)
    assert r.status_code == 202 and r.json()["classroomId"] == org.classroom_id
    r = await api.post(EXP, json={**source_request(), "classroomId": "no-such-room"}, headers=org.content)
    assert r.status_code == 404 and r.json()["code"] == "classroom_not_found"


async def test_export_ui_lesson_with_key_or_admin_session(api: httpx.AsyncClient, org: Org) -> None:
    lessons = (await api.get(org.room("/modules"), headers=org.content)).json()["data"]
    ui = [m for m in lessons if m["metadata"].get("authoredIn") == "ui"]
    assert len(ui) == 3
    path = org.room("/integrations/exports")
    body = {"lessonId": ui[0]["id"], "idempotencyKey": f"standalone-lesson:{ui[0]['id']}"}
    r = await api.post(path, json=body, headers=org.content)
    assert r.status_code == 201
    exported = r.json()
    assert exported["job"]["status"] == "completed" and exported["job"]["sourceType"] == "tutorflow_ui"
    assert exported["outputs"][0]["resourceId"] == ui[0]["id"]
    assert exported["outputs"][0]["manifest"]["title"] == ui[0]["title"]
    replay = await api.post(path, json=body, headers=org.admin)  # the admin session works too
    assert replay.status_code == 201 and replay.json()["job"]["id"] == exported["job"]["id"]
    job_id = exported["job"]["id"]
    assert (await api.get(f"{EXP}/{job_id}", headers=org.content)).json()["status"] == "completed"
    assert (await api.get(f"{EXP}/{job_id}/result", headers=org.content)).json()["outputs"] == exported["outputs"]
    other = await api.post(
        path, json={"lessonId": ui[1]["id"], "idempotencyKey": body["idempotencyKey"]}, headers=org.content
    )
    assert other.status_code == 409
    missing = await api.post(path, json={"lessonId": "nope"}, headers=org.content)
    assert missing.status_code == 404
    unauth = await api.post(path, json={"lessonId": ui[1]["id"]})
    assert unauth.status_code == 401
    mismatch = await api.post(
        path, json={"lessonId": ui[1]["id"], "idempotencyKey": "a"}, headers={**org.content, "Idempotency-Key": "b"}
    )
    assert mismatch.status_code == 400


async def test_export_refuses_another_organizations_classroom(api: httpx.AsyncClient, org: Org, other_org: Org) -> None:
    lessons = (await api.get(org.room("/modules"), headers=org.content)).json()["data"]
    path = org.room("/integrations/exports")
    assert (await api.post(path, json={"lessonId": lessons[0]["id"]}, headers=other_org.content)).status_code == 404
    assert (await api.post(path, json={"lessonId": lessons[0]["id"]}, headers=other_org.admin)).status_code == 404
