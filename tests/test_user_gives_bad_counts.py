"""A user passes a count that is not one: NaN from an empty pandas cell, ``True``, ``-100``, ``2.5``, ``"x"``, or
a number far too large. Wherever a count goes (an estimate, its history, a course's lesson count, a batch, the
mock's settings, a flag) it is refused at once by the name it came in by, and nothing is sent.

Whole numbers in any dress (``6``, ``6.0``, ``numpy.int64(6)``, ``Decimal("6")``) are that number, and a course
asked for with ``6.0`` lessons is the very request asked for with ``6``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from conftest import POLL

from tutorflow_nb import PlatformClient, cli, pricing
from tutorflow_nb.mock import MockServer

NOT_COUNTS: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    np.float64("nan"),
    pd.NA,
    Decimal("NaN"),
    True,
    False,
    -100,
    2.5,
    "x",
    "5",
    None,
    [5],
]
WHOLE_SIX: list[Any] = [6, 6.0, np.int64(6), np.float64(6.0), Decimal("6"), Decimal("6.00")]

ENTRY_POINTS: dict[str, tuple[Callable[[Any], object], str]] = {
    "estimate(courses=…)": (lambda v: pricing.estimate(courses=v), "courses"),
    "estimate(courses=[…])": (lambda v: pricing.estimate(courses=[5, v]), "courses[1]: lessonCount"),
    "estimate(courses=[body])": (
        lambda v: pricing.estimate(courses=[{"prompt": "p", "lessonCount": v}]),
        "courses[0]: lessonCount",
    ),
    "estimate(modules=…)": (lambda v: pricing.estimate(modules=v), "modules"),
    "estimate(expansions=…)": (lambda v: pricing.estimate(expansions=v), "expansions"),
    "history requested": (lambda v: pricing.estimate(courses=[5], history=[(5, 6), (v, 3)]), "history[1]"),
    "history generated": (lambda v: pricing.estimate(courses=[5], history=[(3, v)]), "history[0]"),
    "history frame": (
        lambda v: pricing.estimate(
            history=pd.DataFrame({"requested_lessons": [5, 5], "generated_lessons": [6, v]}, index=["a", "b"])
        ),
        "history row 'b'",
    ),
    "MockServer(rate_limit=…)": (lambda v: MockServer(rate_limit=v, provision=False), "rate_limit"),
    "MockServer(seed=…)": (lambda v: MockServer(seed=v, provision=False), "seed"),
    "MockServer(port=…)": (lambda v: MockServer(port=v, provision=False), "port"),
}
# a frame's cell holding NaN or NA is a course not generated yet, left out, not an error; None is no history
SKIPPED = {
    ("history frame", "nan"),
    ("history frame", "np.float64(nan)"),
    ("history frame", "<NA>"),
    ("history frame", "Decimal('NaN')"),
    ("history frame", "None"),
    ("estimate(courses=[…])", "None"),  # None in a plan is a course of the default 5 lessons
    ("history requested", "[5]"),  # a list in a pair is named too, but by the pair: checked below
    ("MockServer(rate_limit=…)", "False"),
}


def _cases() -> list[Any]:
    cases = []
    for (where, (call, name)), value in itertools.product(ENTRY_POINTS.items(), NOT_COUNTS):
        if (where, repr(value)) in SKIPPED:
            continue
        if where.startswith("estimate(") and where.endswith("=…)") and isinstance(value, list):
            continue  # a list is a plan there, not a count
        cases.append(pytest.param(call, name, value, id=f"{where} {value!r}"))
    return cases


@pytest.mark.parametrize(("call", "name", "value"), _cases())
def test_a_value_that_is_not_a_count_is_refused_by_name(call: Callable[[Any], object], name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=rf"^{re.escape(name)}(?=[ :])") as raised:
        call(value)
    assert "must be" in str(raised.value)  # and says what it must be


@pytest.mark.parametrize("value", WHOLE_SIX, ids=repr)
def test_a_whole_number_in_any_dress_is_that_number(value: Any) -> None:
    est = pricing.estimate(courses=[value], history=[(value, value)])
    assert est.frame["units"].tolist() == [6] and est.total == Decimal("0.30") and est.ratio_range == (1.0, 1.0)
    assert len(pricing.estimate(courses=value).frame) == 6
    frame = pd.DataFrame({"requested_lessons": [5.0, None, 6.0], "generated_lessons": [6.0, 7.0, value]})
    assert pricing.history_from(frame) == [(5, 6), (6, 6)]  # a cell not filled yet is a course still running


def test_the_histories_of_the_issue_are_refused_and_the_range_never_lies() -> None:
    for bad in [(3, -100), (3, 2.5), (3, True), (3, "x"), (3, float("nan")), (3, 0), (0, 3), (3, 51)]:
        with pytest.raises(ValueError, match=r"history\[0\]: (requested|generated) lessons must be a whole number"):
            pricing.estimate(courses=[3], history=[bad])
    for shape in ["x", 35, {"requested": 3}, [(3, 4, 5)], [3]]:
        with pytest.raises(ValueError, match=r"^history"):
            pricing.estimate(courses=[3], history=shape)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="requested_lessons and generated_lessons"):
        pricing.estimate(history=pd.DataFrame({"requested": [3]}))


@pytest.mark.parametrize(
    ("plan", "name"),
    [
        ({"courses": 10_000_000}, "courses plans 10,000,000 requests"),
        ({"courses": itertools.repeat(5)}, "courses plans more than 100,000 requests"),  # an endless generator
        ({"modules": 10**12}, "modules plans 1,000,000,000,000 requests"),
        ({"courses": [5] * 10, "modules": pricing.MAX_PLANNED - 9}, "modules plans 99,991 requests"),
        ({"courses": 1, "modules": 1, "expansions": itertools.count()}, "expansions plans more than 99,998"),
    ],
    ids=["ten million courses", "endless courses", "a trillion modules", "modules past the rest", "endless expansions"],
)
def test_a_plan_too_large_is_refused_at_once_by_name(plan: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(name)) as raised:
        pricing.estimate(**plan)
    assert f"at most {pricing.MAX_PLANNED:,}" in str(raised.value) and "scale its total" in str(raised.value)


@pytest.mark.slow
def test_the_largest_plan_is_estimated() -> None:
    est = pricing.estimate(courses=pricing.MAX_PLANNED - 1, modules=1)
    assert len(est.frame) == pricing.MAX_PLANNED
    assert est.total == Decimal("0.05") * (5 * (pricing.MAX_PLANNED - 1) + 1)


def test_a_misspelt_price_key_is_refused_and_the_known_ones_listed() -> None:
    catalog = pricing.Catalog.default()
    with pytest.raises(ValueError, match=r"'expansion\.sumary_video'; did you mean 'expansion\.summary_video'\?") as e:
        catalog.with_prices({"expansion.sumary_video": "0.10"})
    for key in catalog.known_keys:
        assert key in str(e.value)
    with pytest.raises(ValueError, match=r"unknown catalog key 'courses\.default'"):
        catalog.with_prices({"courses.default": "0.04"})
    priced = catalog.with_prices(dict.fromkeys(catalog.known_keys, "0.10"))
    assert pricing.estimate(expansions=1, catalog=priced).unpriced == []  # every real meter takes its price
    fetched = pricing.Catalog.from_wire(
        {"entries": [{"catalogKey": "course.premium", "category": "course", "unitPrice": 0.07}]}
    )
    assert fetched.with_prices({"course.premium": "0.08"}).price("course.premium") is not None  # the API's own keys
    with pytest.raises(ValueError, match=r"entries\[0\]\.catalogKey"):
        pricing.Catalog.from_wire({"entries": [{"category": "course", "unitPrice": 0.05}]})


# ---------------------------------------------------------------- the Platform client, against the mock


def _listed(server: MockServer) -> list[Any]:
    assert server.demo is not None
    answer = httpx.get(
        server.url("/v1/platform/courses"), headers={"Authorization": f"Bearer {server.demo.platform_key}"}
    )
    return list(answer.json()["data"])


@pytest.mark.slow
@pytest.mark.parametrize("value", NOT_COUNTS, ids=repr)
def test_a_course_with_a_bad_lesson_count_is_refused_before_anything_is_sent(
    own_server: MockServer, value: Any
) -> None:
    assert own_server.demo is not None
    with PlatformClient(own_server.base_url, own_server.demo.platform_key, poll_interval=POLL) as platform:
        platform.http.history.clear()
        if value is not None:  # lesson_count=None is "not given": the documented default
            with pytest.raises(ValueError, match=r"^lesson_count must be a whole number between 1 and 50"):
                platform.courses.create("A course on loops", lesson_count=value)
        with pytest.raises(ValueError, match=r"^lessonCount must be a whole number between 1 and 50"):
            platform.courses.create(data={"prompt": "A course on loops", "lessonCount": value})
        with pytest.raises(ValueError, match=r"^requests\[1\]\.lessonCount must be a whole number between 1 and 50"):
            platform.courses.run_batch([{"prompt": "fine"}, ("ext-2", {"prompt": "p", "lessonCount": value})])
        assert list(platform.http.history) == []  # nothing was sent
    assert _listed(own_server) == []


@pytest.mark.slow
@pytest.mark.parametrize("value", [6.0, np.int64(6), Decimal("6")], ids=repr)
def test_a_whole_lesson_count_in_any_dress_is_the_same_request(own_server: MockServer, value: Any) -> None:
    assert own_server.demo is not None
    with PlatformClient(own_server.base_url, own_server.demo.platform_key, poll_interval=POLL) as platform:
        first = platform.courses.create("A course on loops", lesson_count=value)
        again = platform.courses.create("A course on loops", lesson_count=6)
    assert again.id == first.id and again.idempotent_replay is True  # one course, billed once
    assert [c["id"] for c in _listed(own_server)] == [first.id]


# ---------------------------------------------------------------- the command line, in-process


@pytest.mark.parametrize("text", ["nan", "inf", "-1", "0", "2.5", "True", "60000", ""])
def test_the_rate_limit_flag_is_refused_as_the_setting_is(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["mock", "--rate-limit", text])
    assert stopped.value.code == 2
    assert "argument --rate-limit: must be a whole number between 1 and 10000" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rate_limit": 60000}, "rate_limit must be a whole number between 1 and 10000, got 60000"),
        ({"rate_limit": 0}, "rate_limit must be a whole number between 1 and 10000, got 0"),
        ({"port": 70000}, "port must be a whole number between 0 and 65535, got 70000; 0 picks a free one"),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
    ],
)
def test_the_mock_refuses_its_settings_as_its_flags_do(settings: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        MockServer(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expansions", "said"),
    [
        (["summary_video"], "expansions[0] must be an expansion request"),
        ([{"requestedOutputs": ["sumary_video"]}], "expansions[0].requestedOutputs[0]: unknown output type"),
        ([{"requestedOutputs": "summary_video"}], "expansions[0].requestedOutputs must be a list"),
    ],
)
def test_a_misspelt_expansion_output_is_refused_not_left_unpriced(expansions: list[Any], said: str) -> None:
    with pytest.raises(ValueError, match=re.escape(said)):
        pricing.estimate(expansions=expansions)
