"""A user hands a frame builder whatever they hold: models, raw dicts, batch items, mixed, in any order.

Every builder reads every item on its own terms (it used to look at the first only).
"""

from __future__ import annotations

import itertools

import pytest
from conftest import POLL, source_request

from tutorflow_nb import ContentClient, PlatformClient, frames
from tutorflow_nb.mock import MockServer


@pytest.fixture(scope="module")
def held():  # type: ignore[no-untyped-def]
    """Courses, modules and expansion results in every form a user may hold them."""
    with MockServer(speed=100, seed=41) as server:
        assert server.demo is not None
        with PlatformClient(server.base_url, server.demo.platform_key, poll_interval=POLL) as platform:
            course = platform.courses.create("A beginner Python course covering loops", lesson_count=3)
            module = platform.modules.create("A lesson on fractions")
            batch = platform.courses.run_batch([{"prompt": "Course on maps", "lessonCount": 2}])
        with ContentClient(server.base_url, server.demo.content_key, poll_interval=POLL) as content:
            expansions = content.expansions.run_batch([source_request(1)])
        yield {
            "course": course,
            "course dict": course.to_wire(),
            "course item": batch[0],
            "module": module,
            "module dict": module.to_wire(),
            "result": expansions[0].result,
            "result dict": expansions[0].result.to_wire(),
            "expansion item": expansions[0],
        }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("builder", "names", "rows"),
    [
        (frames.courses, ["course", "course dict", "course item"], lambda h: 3),
        (
            frames.lessons,
            ["course", "course dict", "course item"],
            lambda h: 2 * len(h["course"].lessons) + len(h["course item"].result.lessons),
        ),
        (frames.chapters, ["course", "course dict", "course item"], None),
        # the same request held as a model and as a dict is one bill: three requests, three rows
        (frames.price_snapshots, ["course", "course dict", "module", "module dict", "course item"], lambda h: 3),
        (frames.jobs, ["course", "course dict", "module dict", "result", "result dict", "expansion item"], lambda h: 6),
        (frames.outputs, ["result", "result dict", "expansion item"], lambda h: 9),
    ],
)
def test_every_builder_takes_a_mixed_list_in_any_order(held, builder, names, rows) -> None:  # type: ignore[no-untyped-def]
    reference = None
    for order in itertools.permutations(names):
        frame = builder([held[name] for name in order])
        if rows is not None:
            assert len(frame) == rows(held)
        if reference is None:
            reference = frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)
        else:  # the same rows whatever the order
            assert frame.sort_values(list(frame.columns[:2])).reset_index(drop=True).equals(reference)
    assert list(reference.columns) == frames.COLUMNS[builder.__name__]


def test_a_thing_that_is_no_row_is_named() -> None:
    with pytest.raises(TypeError, match="cannot make a row of int"):
        frames.courses([{"id": "c", "lessons": []}, 3])
