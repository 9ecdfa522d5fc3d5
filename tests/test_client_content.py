"""The content client against the mock over real HTTP: every resource method, sync and async."""

from __future__ import annotations

import httpx
import pytest
from conftest import POLL, Org, source_request

from tutorflow_nb import AsyncContentClient, ContentClient
from tutorflow_nb.errors import JobFailedError
from tutorflow_nb.mock import MockServer
from tutorflow_nb.models import Classroom, ExpansionJob, ExpansionResult, Resource
from tutorflow_nb.sync import run_sync

KINDS = ["modules", "courses", "videos", "slides", "tests"]


def test_classrooms_and_discovered_classroom(content: ContentClient, tf_org: Org) -> None:
    rooms = content.classrooms()
    assert [r.id for r in rooms] == [tf_org.classroom_id] and isinstance(rooms[0], Classroom)
    assert content.classroom_id() == tf_org.classroom_id  # discovered, not configured


CHOOSE = ["argument", "environment", "use_classroom", "form field"]
SEND = ["create", "run_batch", "form launch", "module create", "export"]


@pytest.mark.parametrize(
    ("choose", "send"),
    # the form's classroomId field addresses the form's own request, so it pairs with the two sends of one request
    [(c, s) for c in CHOOSE for s in SEND if c != "form field" or s in ("create", "form launch")],
)
def test_a_chosen_classroom_is_where_every_call_lands(
    live_server: MockServer, tf_org: Org, monkeypatch: pytest.MonkeyPatch, tmp_path, choose: str, send: str
) -> None:  # type: ignore[no-untyped-def]
    """The user picks the second classroom one way or another; nothing they then create lands in the first."""
    from tutorflow_nb import ManifestStore
    from tutorflow_nb.widgets import ExpansionForm

    second = live_server.state.add_classroom(tf_org.id, f"Second {choose} {send}").id
    monkeypatch.setenv("TUTORFLOW_CLASSROOM_ID", second if choose == "environment" else "")
    args = {"classroom_id": second} if choose == "argument" else {}
    with ContentClient(live_server.base_url, tf_org.content_key, poll_interval=POLL, **args) as client:
        if choose == "use_classroom":
            client.use_classroom(second)
        request = source_request(3)
        if choose == "form field":
            request = {**request, "classroomId": second}
        if send == "create":
            if choose != "form field":  # a row whose classroomId is null names no classroom: the chosen one holds
                assert client.expansions.as_sent({**request, "classroomId": None})["classroomId"] == second
            landed = client.expansions.create(request).classroom_id
            assert client.expansions.idempotency_key(request) != client.expansions.idempotency_key(
                {**request, "classroomId": tf_org.classroom_id}
            )
        elif send == "run_batch":
            with ManifestStore(tmp_path / "store.sqlite") as store:
                # first the default classroom, then the chosen one, from one store: two jobs, not one replayed
                with monkeypatch.context() as env:
                    env.delenv("TUTORFLOW_CLASSROOM_ID")
                    first = ContentClient(live_server.base_url, tf_org.content_key, poll_interval=POLL)
                with first:
                    done = first.expansions.run_batch([request], store=store, progress=False).items[0]
                item = client.expansions.run_batch([request], store=store, progress=False).items[0]
                assert item.job_id != done.job_id and done.result.job.classroom_id == tf_org.classroom_id
                landed = item.result.job.classroom_id
        elif send == "form launch":
            form = ExpansionForm(client=client)
            form.load(request)
            assert form.as_sent["classroomId"] == second and second in form.preview.value
            job = form.launch()
            assert job is not None, form.status.value
            assert job.idempotency_key == form.idempotency_key  # the key shown is the key sent
            landed = job.classroom_id
        elif send == "module create":
            landed = client.modules.create("Where am I?").classroom_id
        else:
            lesson = live_server.state.content.seed_ui_lessons(tf_org.id, second, 1)[0]
            landed = client.exports.create(lesson["id"]).job.classroom_id
    assert landed == second


@pytest.mark.parametrize(
    ("value", "source"), [(" abc", "classroom_id"), ("abc\n", "TUTORFLOW_CLASSROOM_ID"), ("a b", "classroom_id")]
)
def test_a_pasted_classroom_id_with_whitespace_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str, source: str
) -> None:
    from tutorflow_nb.errors import ConfigurationError

    monkeypatch.setenv("TUTORFLOW_CLASSROOM_ID", value if source != "classroom_id" else "")
    with pytest.raises(ConfigurationError, match=source):
        ContentClient(
            "http://127.0.0.1:9", "tf_content_" + "a" * 32, classroom_id=value if source == "classroom_id" else None
        )


@pytest.mark.parametrize("kind", KINDS)
def test_resource_crud(content: ContentClient, kind: str) -> None:
    group = getattr(content, kind)
    created = group.create("Client smoke", metadata={"externalId": f"{kind}:client-smoke"})
    assert isinstance(created, Resource) and created.title == "Client smoke"
    assert group.get(created.id).id == created.id
    assert created.id in [r.id for r in group.list()]
    assert group.update(created.id, title="Client smoke updated").title == "Client smoke updated"
    deleted = group.delete(created.id)
    assert deleted.status_code == {"modules": 200, "courses": 200, "videos": 202, "slides": 204, "tests": 200}[kind]
    assert deleted.id == (None if kind == "slides" else created.id)
    assert created.id not in [r.id for r in group.list()]


def test_snake_case_fields_reach_the_wire(content: ContentClient) -> None:
    module = content.modules.create("Typed", type="flashcard", is_public=False, content="<p>x</p>")
    assert module.model_extra["isPublic"] is False and module.model_extra["type"] == "flashcard"
    quiz = content.tests.create(
        "Quiz", passing_score=80, questions=[{"prompt": "2+2?", "choices": ["3", "4"], "answerIndex": 1}]
    )
    assert quiz.model_extra["passingScore"] == 80


def test_create_is_idempotent_by_derived_key(content: ContentClient, live_server: MockServer, tf_org: Org) -> None:
    a = content.modules.create("Same", metadata={"externalId": "module:same"})
    b = content.modules.create("Same", metadata={"externalId": "module:same"})
    c = content.modules.create("Changed", metadata={"externalId": "module:same"})
    assert a.id == b.id != c.id  # a changed body gets a new key


def test_ids_that_are_not_ascii_still_make_a_sendable_key(content: ContentClient) -> None:
    body = source_request()
    body["payload"]["category"] = {"id": "français", "title": "Français"}
    body["payload"]["level"]["id"] = "niveau A1\t(débutant)"
    key = content.expansions.idempotency_key(body)
    assert key.startswith("expansion:fran%C3%A7ais:niveau%20A1%09(d%C3%A9butant):v1:")
    first = content.expansions.create(body)  # a header carries the key
    assert content.expansions.create(body).id == first.id  # and it replays
    module = content.modules.create("Été", metadata={"externalId": "module:été"})
    assert content.modules.create("Été", metadata={"externalId": "module:été"}).id == module.id


def test_expansion_lifecycle(content: ContentClient) -> None:
    statuses: list[str] = []
    job = content.expansions.create(source_request(2))
    assert isinstance(job, ExpansionJob) and job.status == "queued"
    assert job.idempotency_key.startswith("expansion:language-basics:level-a1:v1:")
    assert content.expansions.create(source_request(2)).id == job.id  # same body, same key: replayed
    assert content.expansions.result_if_done(job.id) is None
    done = content.expansions.wait(job.id, on_status=lambda j: statuses.append(j.status))
    assert done.status == "completed" and statuses[-1] == "completed" and len(set(statuses)) == len(statuses)
    result = content.expansions.result(job.id)
    assert isinstance(result, ExpansionResult) and len(result.outputs) == 3
    assert content.expansions.result_if_done(job.id) == result
    module_out = next(o for o in result.outputs if o.resource_type == "module")
    assert content.modules.get(module_out.resource_id).title == module_out.manifest.title


def test_failed_job_raises_with_the_job(content: ContentClient, live_server: MockServer) -> None:
    httpx.put(live_server.url("/_mock/faults"), json={"fail_next_jobs": 1})
    try:
        job = content.expansions.create(source_request(3))
    finally:
        httpx.put(live_server.url("/_mock/faults"), json={"fail_next_jobs": 0})
    with pytest.raises(JobFailedError) as caught:
        content.expansions.wait(job.id)
    assert caught.value.job.id == job.id and caught.value.job.status == "failed"
    assert caught.value.code == "generation_failed"
    assert [o.status for o in content.expansions.result(job.id).outputs] == ["failed"] * 3


def test_export_ui_lesson(content: ContentClient) -> None:
    ui = [m for m in content.modules.list() if (m.metadata or {}).get("authoredIn") == "ui"]
    result = content.exports.create(ui[0].id)
    assert result.job.status == "completed" and result.outputs[0].resource_id == ui[0].id
    assert result.job.idempotency_key.startswith(f"standalone-lesson:{ui[0].id}:v1:")
    assert content.exports.create(ui[0].id).job.id == result.job.id


@pytest.mark.anyio
async def test_async_client_same_methods(live_server: MockServer, tf_org: Org) -> None:
    async with AsyncContentClient(live_server.base_url, tf_org.content_key, poll_interval=POLL) as client:
        job = await client.expansions.create(source_request())
        result = await client.expansions.wait_result(job.id)
        assert result.job.status == "completed"
        m = await client.videos.create("Async video", scenes=[{"title": "One", "narration": "Hi"}])
        assert (await client.videos.get(m.id)).model_extra["scenes"][0]["title"] == "One"
    public = {n for n in dir(AsyncContentClient) if not n.startswith("_")}
    assert public - {"aclose"} <= {n for n in dir(ContentClient) if not n.startswith("_")}


def test_client_refuses_platform_key_and_platform_paths(live_server: MockServer, tf_org: Org) -> None:
    with pytest.raises(ValueError, match="tf_platform_ key: the platform surface"):
        ContentClient(live_server.base_url, tf_org.platform_key)
    with pytest.raises(ValueError, match="start with tf_content_"):
        ContentClient(live_server.base_url, "sk_live_whatever")
    with (
        ContentClient(live_server.base_url, tf_org.content_key) as client,
        pytest.raises(ValueError, match="surfaces never mix"),
    ):
        run_sync(client.aio.http.request("GET", "/v1/platform/courses"))  # refused before anything is sent


def test_env_configuration(monkeypatch: pytest.MonkeyPatch, live_server: MockServer, tf_org: Org) -> None:
    monkeypatch.setenv("TUTORFLOW_API_BASE_URL", live_server.base_url)
    monkeypatch.setenv("TUTORFLOW_CONTENT_API_KEY", tf_org.content_key)
    monkeypatch.setenv("TUTORFLOW_CLASSROOM_ID", tf_org.classroom_id)
    with ContentClient() as client:
        assert client.classroom_id() == tf_org.classroom_id
        assert client.modules.list()
    monkeypatch.delenv("TUTORFLOW_CONTENT_API_KEY")
    with pytest.raises(ValueError, match="TUTORFLOW_CONTENT_API_KEY"):
        ContentClient()
