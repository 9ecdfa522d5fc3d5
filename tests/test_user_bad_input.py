"""A user gets a number, a file or an address wrong: a clear error that names it and the fix.

For the command line: exit status 2, the flag named, no traceback, and a user's file never
changed. For Python calls: a ``ValueError`` (``ConfigurationError`` where it is a setting)
naming the argument. Nothing is sent and nothing is written before the input is checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import tutorflow_nb as tf
from tutorflow_nb import pricing
from tutorflow_nb.errors import ConfigurationError

CLI = Path(sys.executable).parent / "tutorflow-nb"

# (arguments, the flag named, words of the fix)
BAD_FLAGS = [
    (["mock", "--rate-limit", "0"], "--rate-limit", "between 1 and 10000"),
    (["mock", "--rate-limit", "ten"], "--rate-limit", "whole number"),
    (["mock", "--speed", "nan"], "--speed", "finite number > 0"),
    (["mock", "--speed", "0"], "--speed", "> 0"),
    (["mock", "--speed", "inf"], "--speed", "finite"),
    (["mock", "--port", "70000"], "--port", "between 0 and 65535"),
    (["mock", "--port", "-1"], "--port", "between 0 and 65535"),
    (["mock", "--seed", "1.5"], "--seed", "whole number"),
    (["mock", "--fault-error-rate", "2"], "--fault-error-rate", "<= 1"),
    (["mock", "--fault-drop-rate", "-0.1"], "--fault-drop-rate", ">= 0"),
    (["mock", "--fault-latency-ms", "nan"], "--fault-latency-ms", "finite"),
    (["mock", "--env-file", "{tmp}"], "--env-file", "is a folder"),
    (["mock", "--cookie-jar", "{tmp}"], "--cookie-jar", "is a folder"),
    (["mock", "--env-file", "{tmp}/no/such/mock.env"], "--env-file", "does not exist"),
    (["mock", "--env-file", "{tmp}/mine.env", "--port", "70000"], "--port", "between 0 and 65535"),
    (["mock", "--cookie-jar", "{tmp}/mine.env", "--rate-limit", "-5"], "--rate-limit", "between 1 and 10000"),
    (["smoke", "--base-url", "api.tutorflow.io"], "--base-url", "http:// or https://"),
    (["smoke", "--base-url", "https://api.tutorflow.io?key=1"], "--base-url", "no query"),
    (["smoke", "--speed", "-3"], "--speed", "> 0"),
    (["lab", "--mock-port", "99999"], "--mock-port", "between 0 and 65535"),
    (["app", "--speed", "nan"], "--speed", "finite"),
]


def _run(
    args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TUTORFLOW_")}
    return subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, timeout=60, env={**clean, **(env or {})}, cwd=cwd
    )


@pytest.mark.slow
@pytest.mark.parametrize(("args", "flag", "fix"), BAD_FLAGS, ids=[" ".join(a) for a, _, _ in BAD_FLAGS])
def test_a_bad_flag_is_a_usage_error_that_names_it(args: list[str], flag: str, fix: str, tmp_path: Path) -> None:
    mine = tmp_path / "mine.env"
    mine.write_text("mine\n")
    ran = _run([a.format(tmp=tmp_path) for a in args], cwd=tmp_path)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert f"argument {flag}" in ran.stderr and fix in ran.stderr
    assert "Traceback" not in ran.stderr and ran.stdout == ""
    assert mine.read_text() == "mine\n"  # a user's file is never changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.env"]  # and nothing else is written


@pytest.mark.slow
def test_a_bad_variable_is_named_and_exits_2() -> None:
    ran = _run(["smoke"], env={"TUTORFLOW_API_BASE_URL": "api.tutorflow.io", "TUTORFLOW_CONTENT_API_KEY": "x"})
    assert ran.returncode == 2 and "TUTORFLOW_API_BASE_URL" in ran.stderr and "Traceback" not in ran.stderr
    key = "tf_content_" + "a" * 32 + "\n"
    ran = _run(["smoke"], env={"TUTORFLOW_API_BASE_URL": "http://127.0.0.1:9", "TUTORFLOW_CONTENT_API_KEY": key})
    assert ran.returncode == 2 and "TUTORFLOW_CONTENT_API_KEY" in ran.stderr and "line break" in ran.stderr
    assert key.strip() not in ran.stderr


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: pricing.estimate(courses=-1), "courses must be a whole number >= 0"),
        (lambda: pricing.estimate(courses=5.5), "courses must be a whole number"),
        (lambda: pricing.estimate(courses=True), "courses must be a whole number"),
        (lambda: pricing.estimate(courses="5"), "courses must be a number or a list"),
        (lambda: pricing.estimate(courses=[5, 0]), "courses[1]: lessonCount"),
        (lambda: pricing.estimate(courses=[5, 51]), "courses[1]: lessonCount must be a whole number between 1 and 50"),
        (lambda: pricing.estimate(courses=[{"prompt": "p", "lessonCount": 2.5}]), "courses[0]: lessonCount"),
        (lambda: pricing.estimate(modules=-2), "modules must be a whole number >= 0"),
        (lambda: pricing.estimate(modules=1.5), "modules must be a whole number"),
        (lambda: pricing.estimate(expansions=-1), "expansions must be a whole number >= 0"),
        (
            lambda: pricing.Catalog.default().with_prices({"expansion.summary_video": "Infinity"}),
            "price for expansion.summary_video must be a finite",
        ),
        (
            lambda: pricing.Catalog.default().with_prices({"expansion.summary_video": "NaN"}),
            "price for expansion.summary_video must be a finite",
        ),
        (
            lambda: pricing.Catalog.default().with_prices({"expansion.summary_video": -1}),
            "price for expansion.summary_video must be a finite price >= 0",
        ),
        (
            lambda: pricing.Catalog.default().with_prices({"expansion.summary_video": "ten"}),
            "price for expansion.summary_video must be a price",
        ),
        (
            lambda: pricing.Catalog.default().with_prices({"expansion.summary_video": True}),
            "price for expansion.summary_video must be a price",
        ),
        (
            lambda: pricing.Catalog.from_wire({"entries": [{"catalogKey": "a", "category": "b", "unitPrice": "inf"}]}),
            "entries[0].unitPrice",
        ),
    ],
)
def test_bad_numbers_name_the_argument(call, names: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=re.escape(names)):
        call()


def test_good_numbers_still_work() -> None:
    assert pricing.estimate(courses=2, modules=1).total == Decimal("0.55")
    assert (
        pricing.Catalog.default().with_prices({"expansion.summary_video": "0.10"}).price("expansion.summary_video")
        is not None
    )


def test_connect_with_a_base_url_and_no_keys_names_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TUTORFLOW_CONTENT_API_KEY", "TUTORFLOW_PLATFORM_API_KEY", "TUTORFLOW_ADMIN_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    s = tf.connect("http://127.0.0.1:9", quiet=True)
    assert s.surfaces == ()
    for surface, variable in (
        ("content", "TUTORFLOW_CONTENT_API_KEY"),
        ("platform", "TUTORFLOW_PLATFORM_API_KEY"),
        ("admin", "TUTORFLOW_ADMIN_COOKIES"),
    ):
        with pytest.raises(ConfigurationError, match=variable):
            getattr(s, surface)
