"""Every object a user holds in a cell shows itself: an HTML card in a notebook, readable text in a terminal.

Asserted on what is produced: the status chip, the ids a user needs, links that click
(with no edit token in them: the editor link resolves the token by share token), money
as money, keys by prefix only; and for widgets, a summary wherever no widget front end
runs (never ``VBox(children=...)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import source_request

import tutorflow_nb as tf
from tutorflow_nb import pricing
from tutorflow_nb.mock import MockServer
from tutorflow_nb.widgets import CostEstimator, CourseBrowser, Discovery, ExpansionForm, JobMonitor


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with MockServer(speed=100, seed=51) as server:
        assert server.demo is not None
        s = tf.connect(
            server.base_url, content_key=server.demo.content_key, platform_key=server.demo.platform_key, quiet=True
        )
        store = tf.ManifestStore(tmp_path_factory.mktemp("display") / "s.sqlite")
        batch = s.content.expansions.run_batch([source_request(1), source_request(2, level="b")], store=store)
        job = s.content.expansions.get(batch[0].job_id)
        course = s.platform.courses.create("A beginner Python course covering loops", lesson_count=3)
        module = s.platform.modules.create("A short lesson on fractions")
        token = s.platform.courses.edit_token(course.id)
        yield {
            "job": job,
            "result": batch[0].result,
            "course": course,
            "module": module,
            "token": token,
            "classroom": s.content.classrooms()[0],
            "batch": batch,
            "store": store,
            "estimate": pricing.estimate(courses=[5, 10], modules=2),
            "server": server,
            "deleted": s.platform.modules.delete(module.id),
        }
        store.close()
        s.close()


CASES = {
    "job": ("Expansion job", ["job id", "Idempotency-Key", "completed"]),
    "result": ("Expansion result", ["interactive_module", "summary_video", "expanded_quiz", "open"]),
    "course": ("Course", ["request id", "$0.15 (3 lessons × $0.05)", "open the editor", "completed"]),
    "module": ("Module", ["module id", "$0.05 (1 lesson × $0.05)", "completed"]),
    "deleted": ("Module", ["deleted"]),
    "token": ("Edit token", ["expires"]),
    "classroom": ("Classroom", ["id"]),
    "batch": ("Batch of 2", ["completed 2", "requests", "per item"]),
    "store": ("Manifest store", ["completed 2", "targets"]),
    "estimate": ("Estimate $0.85", ["range", "course-1", "$0.25", "$0.50"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_object_shows_an_html_card_and_readable_text(held: dict[str, Any], name: str) -> None:
    obj = held[name]
    title, words = CASES[name]
    page, text = obj._repr_html_(), str(obj) if not hasattr(obj, "card") else obj.card().text()
    assert page.startswith("<div") and title in page and title in text
    assert "mathjax_ignore" in page.split(">", 1)[0]  # "$0.25 … $0.05" stays money, not TeX, in Jupyter
    for word in words:
        assert word in page and word in text, word
    assert len(repr(obj).splitlines()) == 1  # a one-line repr stays one line
    pretty: list[str] = []
    obj._repr_pretty_(type("P", (), {"text": lambda self, s: pretty.append(s)})(), False)
    assert pretty == [text]  # what IPython prints in a terminal is the card's text


def test_statuses_are_chips_and_links_click(held: dict[str, Any]) -> None:
    course, result = held["course"], held["result"]
    page = course._repr_html_()
    assert "border-radius:9px" in page and ">completed<" in page  # the status chip, in the one spelling
    hrefs = re.findall(r"href='([^']+)'", page)
    assert course.public_url in hrefs and all(h.startswith("https://tutorflow.io/") for h in hrefs)
    assert course.editor_url in hrefs and "/courses/edit/" not in course.editor_url
    assert len([h for h in hrefs if "/lessons/" in h]) >= course.lesson_count  # one per lesson, and the public one
    assert all(out.public_url in result._repr_html_() for out in result.outputs)


def test_no_secret_shows_in_any_card(held: dict[str, Any]) -> None:
    server = held["server"]
    secrets = [
        server.demo.content_key,
        server.demo.platform_key,
        server.demo.session_token,
        held["token"].edit_token,
        held["course"].edit_token,
    ]
    for name in CASES:
        obj = held[name]
        shown = obj._repr_html_() + str(obj) + repr(obj)
        for secret in secrets:
            leaked = secret in shown
            assert not leaked, f"a secret in the {name} card"
    assert held["token"].edit_token[:6] + "…" in str(held["token"])  # the token by its prefix
    assert server.demo.content_key_prefix in str(held["store"])  # keys by prefix: the store's target


WIDGETS = {
    "form": lambda h: ExpansionForm(),
    "monitor": lambda h: JobMonitor(),
    "estimator": lambda h: CostEstimator(courses=[5, 6], modules=1),
    "browser": lambda h: CourseBrowser(None, h["course"]),
}


@pytest.mark.parametrize("name", sorted(WIDGETS))
def test_widgets_show_a_summary_where_no_widget_front_end_runs(held: dict[str, Any], name: str) -> None:
    widget = WIDGETS[name](held)
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # JupyterLab and Voilà still get the live view
    plain, page = bundle["text/plain"], bundle["text/html"]
    assert "VBox" not in plain and "children=" not in plain and len(plain.splitlines()) >= 2
    assert page.startswith("<div") and plain.splitlines()[0].split(" · ")[0] in page


def test_discovery_summary_shows_the_key_by_prefix(held: dict[str, Any]) -> None:
    server = held["server"]
    admin = tf.AdminClient(server.base_url, cookies={"tutorflow_admin_session": server.demo.session_token})
    picker = Discovery(admin)
    picker.create_button.click()
    bundle = picker._repr_mimebundle_()
    assert picker.created_key.key_prefix in bundle["text/plain"]
    assert picker.created_key.key.reveal() not in bundle["text/plain"] + bundle["text/html"]
    admin.close()
