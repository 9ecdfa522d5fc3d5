"""The cost-planner app (``notebooks/app-cost-planner.ipynb``) and ``tutorflow-nb app``.

The notebook is executed in a real kernel, then driven from Python the way its page is driven in
Voilà: a control moved, the sample generated, the pilot launched and awaited. Three settings: none
(the bundled mock), the documented variables pointing at another API (a separate mock, standing in
for TutorFlow: nothing may be generated there until asked), and no platform key. Then the command:
the mock and Voilà, the page rendered with the app's outputs and no code, reloads billing nothing
twice, the documented variables honoured, and SIGTERM or Ctrl-C stopping Voilà too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from pathlib import Path

import httpx
import nbformat
import pytest
from lab import free_port, start_app, stop
from nbclient import NotebookClient

from tutorflow_nb.mock import MockServer

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "app-cost-planner.ipynb"
FULL_KEY = re.compile(r"tf_(content|platform)_[a-z0-9]{32}")

# what a person does on the page, as code: move a slider, press the buttons, wait for the monitor
DRIVE = [
    """
import json
seen = {"banner_mock": on_mock, "billed_at_load": billed_summary.value, "status_at_load": sample_status.value,
        "total_at_load": str(estimator.estimate.total), "summary_at_load": estimator.summary.value}
estimator.course_count.value = 4  # one more course of 5 lessons
seen["total_moved"] = str(estimator.estimate.total)
if not sample_button.disabled:
    sample_button.click()
seen["billed"] = billed_summary.value
seen["sample_status"] = sample_status.value
seen["summary"] = estimator.summary.value
estimator.reconcile_button.click()
seen["reconciled"] = estimator.reconciled.value
seen["form_key"] = form.idempotency_key
seen["form_preview_room"] = s.content.chosen_classroom is not None and s.content.chosen_classroom in form.preview.value
seen["form_room_chosen"] = s.content.chosen_classroom is not None
form.launch_button.click()
seen["form_status"] = form.status.value
""",
    """
batch = await monitor.wait()
seen["tally"] = dict(monitor.tally)
seen["monitor_jobs"] = [item.job_id for item in batch]
seen["monitor_keys"] = [item.idempotency_key for item in batch]
seen["form_job"] = getattr(form.job, "id", None)
seen["monitor_counts"] = monitor.counts.value
print(json.dumps(seen))
""",
]


def _drive(tmp_path: Path, env: dict[str, str]) -> tuple[dict, str]:
    """Execute the app with the driving cells appended, in a kernel with exactly ``env``'s TUTORFLOW_* settings."""
    work = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(source.strip()) for source in DRIVE]
    kernel_env = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")} | env
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}})
    client.execute(env=kernel_env)
    for cell in nb.cells:  # nothing on the page went to stderr or raised
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr" and output["output_type"] != "error", output
    text = "".join(o.get("text", "") for o in nb.cells[-1]["outputs"])
    return json.loads(text), nbformat.writes(nb)


def _documented(server: MockServer) -> dict[str, str]:
    """The documented variables for ``server``, the classroom left to discovery (as a first setup has it)."""
    assert server.demo is not None
    variables = server.demo.variables(server.base_url)
    del variables["TUTORFLOW_CLASSROOM_ID"]
    return variables


def _generated(server: MockServer) -> tuple[int, int]:
    counts = httpx.get(f"{server.base_url}/_mock/state").json()["counts"]
    return counts["platformCourses"], counts["platformModules"]


def _common(seen: dict) -> None:
    """What holds whatever the setting: the plan follows its controls, the pilot completes in the monitor."""
    assert "total $0.85" in seen["summary_at_load"]  # 3 courses of 5 lessons and 2 modules at $0.05 a lesson
    assert (seen["total_at_load"], seen["total_moved"]) == ("0.85", "1.10")  # a fourth course: 5 more lessons
    assert "total $1.10" in seen["summary"]
    assert seen["tally"] == {"completed": 1}
    assert seen["monitor_jobs"] == [seen["form_job"]] and seen["form_job"] in seen["form_status"]
    assert "completed: 1" in seen["monitor_counts"]
    # the form shows the key the pilot is sent with, and the classroom the session chose in its preview
    assert seen["monitor_keys"] == [seen["form_key"]]
    assert seen["form_preview_room"] == seen["form_room_chosen"]


def test_app_with_no_setting_uses_the_bundled_mock_and_bills_its_sample(tmp_path: Path) -> None:
    seen, executed = _drive(tmp_path, {})
    _common(seen)
    assert seen["banner_mock"] is True
    # the sample was generated at load (a mock bills nothing real): 3 courses, 2 modules, each priced per lesson
    assert re.search(r"3 course\(s\) and 2 module\(s\), \d+ generated lessons", seen["billed_at_load"])
    assert seen["billed_at_load"] == seen["billed"], "nothing generated twice"
    # the range comes from those courses' generated lessons; the reconciliation names the unbilled fourth course
    low, high = re.search(r"range \$([\d.]+) to \$([\d.]+)", seen["summary"]).groups()  # type: ignore[union-attr]
    assert float(low) <= 1.10 <= float(high) and (low, high) != ("1.10", "1.10")
    assert "course-4" in seen["reconciled"] and "planned but not billed" in seen["reconciled"]
    assert "against $1.10 estimated" in seen["reconciled"] and "NaN" not in seen["reconciled"]
    assert "bundled mock TutorFlow API" in executed and not FULL_KEY.search(executed)


def test_app_with_the_documented_variables_generates_nothing_until_asked(tmp_path: Path) -> None:
    """Another API (a separate mock without TUTORFLOW_MOCK, as TutorFlow would be): nothing is generated at load,
    the button says what the sample costs, and pressing it bills exactly the sample there."""
    with MockServer(speed=10) as remote:
        assert remote.demo is not None
        env = _documented(remote)
        seen, executed = _drive(tmp_path, env)
        assert _generated(remote) == (3, 2)
        jobs = httpx.get(f"{remote.base_url}/_mock/jobs").json()["data"]
        assert [j["id"] for j in jobs] == seen["monitor_jobs"], "the pilot ran on that API, once"
        keys = (remote.demo.content_key, remote.demo.platform_key)
    _common(seen)
    assert seen["banner_mock"] is False
    assert "nothing yet" in seen["billed_at_load"] and "billed about $0.85" in seen["status_at_load"]
    assert "3 course(s) and 2 module(s)" in seen["billed"]
    assert "billed to your platform key" in executed
    leaked = any(key in executed for key in keys)  # kept out of the assertion: pytest would print it
    assert not leaked and not FULL_KEY.search(executed), "a full key showed in the app's outputs or widget state"


def test_app_without_a_platform_key_still_plans_and_runs_the_pilot(tmp_path: Path) -> None:
    with MockServer(speed=10) as remote:
        assert remote.demo is not None
        env = {"TUTORFLOW_API_BASE_URL": remote.base_url, "TUTORFLOW_CONTENT_API_KEY": remote.demo.content_key}
        seen, _ = _drive(tmp_path, env)
        assert _generated(remote) == (0, 0)
    _common(seen)
    assert "nothing yet" in seen["billed"]
    assert "ConfigurationError" in seen["sample_status"] and "TUTORFLOW_PLATFORM_API_KEY" in seen["sample_status"]
    assert "planned but not billed" in seen["reconciled"]


# ------------------------------------------------------------------ tutorflow-nb app


def test_app_command_serves_the_app_in_voila_on_its_own_mock(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    port = free_port()
    proc, reader, seen = start_app(tmp_path, port)
    try:
        mock_url = re.search(r"mock TutorFlow API is at (http://[\d.:]+)", seen).group(1)  # type: ignore[union-attr]
        assert "tf_content_" in seen and not FULL_KEY.search(seen)  # prefixes only
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=120)
        assert page.status_code == 200
        assert "TutorFlow cost planner" in page.text and "started beside this page" in page.text  # its banner
        assert "Billed in this session" in page.text and "NBVAL_IGNORE_OUTPUT" not in page.text  # outputs, no code
        assert not FULL_KEY.search(page.text)
        state = httpx.get(f"{mock_url}/_mock/state").json()["counts"]
        assert (state["platformCourses"], state["platformModules"]) == (3, 2), "the page's kernel used this mock"
        httpx.get(f"http://127.0.0.1:{port}/", timeout=120).raise_for_status()  # a reload: a new kernel, same keys
        state = httpx.get(f"{mock_url}/_mock/state").json()["counts"]
        assert (state["platformCourses"], state["platformModules"]) == (3, 2), "a reload bills nothing twice"
    finally:
        stop(proc, reader, "Voilà")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{mock_url}/_mock/state", timeout=2)  # the mock stopped with the command


def test_app_command_honours_the_documented_variables(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    with MockServer(speed=10) as remote:
        assert remote.demo is not None
        env = _documented(remote)
        port = free_port()
        proc, reader, seen = start_app(tmp_path, port, env)
        try:
            assert f"{remote.base_url} from TUTORFLOW_API_BASE_URL, for the app" in seen
            assert "mock TutorFlow API is at" not in seen  # it started no mock of its own
            page = httpx.get(f"http://127.0.0.1:{port}/", timeout=120)
            assert page.status_code == 200 and "billed to your platform key" in page.text
            assert _generated(remote) == (0, 0), "nothing generated on another API until asked"
        finally:
            status = stop(proc, reader, "Voilà", signal.SIGINT)  # Ctrl-C
    assert status == 130
