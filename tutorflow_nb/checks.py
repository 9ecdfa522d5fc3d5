"""Counts and numbers a caller gives, checked in one place and refused by the name they came in by.

Pricing, the Platform client, the mock's settings and the command line all check a count
or a number here, so ``courses``, ``lesson_count``, ``history[2]``, ``rate_limit`` and
``--rate-limit`` are refused the same way: the name, what it must be, what it was.

A count is a whole number: an ``int`` (a NumPy integer too), or a float or ``Decimal``
with nothing after the point (``6.0``, as a pandas column holds counts once one cell is
empty). A bool, a string, NaN, an infinity, a fraction, or a number out of range is refused.

    >>> count(6.0, "lesson_count", low=1, high=50)
    6
    >>> count(float("nan"), "lesson_count", low=1, high=50)
    Traceback (most recent call last):
    ...
    ValueError: lesson_count must be a whole number between 1 and 50, got nan
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from decimal import Decimal

from .models.constants import MAX_LESSONS

__all__ = ["Name", "count", "count_problem", "lesson_count", "number", "number_problem", "whole"]

LESSONS_FIX = f"a course has 1 to {MAX_LESSONS} lessons ({MAX_LESSONS} is the hard cap); split a longer course"


def whole(value: object) -> int | None:
    """``value`` as an ``int`` when it is a whole number (not a bool, not text), else ``None``.

    >>> whole(3), whole(3.0), whole(Decimal("3")), whole(2.5), whole(True), whole("3"), whole(float("inf"))
    (3, 3, 3, None, None, None, None)
    """
    if type(value) is int:  # the common case, first
        return value
    if isinstance(value, bool):  # an int to Python, never a count (NumPy's bool is no number at all)
        return None
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, numbers.Integral):
        return operator.index(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() else None
    return None


def _span(low: float, high: float | None, *, above: bool = False, whole: bool = False) -> str:
    if whole and high is not None:
        return f"between {low:g} and {high:g}"
    floor = f"> {low:g}" if above else f">= {low:g}"
    return floor if high is None else f"{floor} and <= {high:g}"


def count_problem(value: object, *, low: int = 0, high: int | None = None) -> str | None:
    """What is wrong with ``value`` as a whole number from ``low`` to ``high`` (``None``: nothing).

    >>> count_problem(-1), count_problem(5, low=1, high=50)
    ('must be a whole number >= 0, got -1', None)
    """
    return _problem(value, whole(value), low, high)


def _problem(value: object, n: int | None, low: int, high: int | None) -> str | None:
    if n is None or n < low or (high is not None and n > high):
        return f"must be a whole number {_span(low, high, whole=True)}, got {value!r}"
    return None


Name = str | Callable[[], str]
"""What a value came in by: the name, or a function that spells it (only called when the value is refused, so a
long list's ``history[12345]: generated lessons`` is never spelled for the values that are fine)."""


def count(value: object, name: Name, *, low: int = 0, high: int | None = None, fix: str = "") -> int:
    """``value`` as an ``int`` once it is a whole number from ``low`` to ``high``.

    Raises:
        ValueError: naming ``name`` (the argument, field or flag it came in by), the range and ``fix``.
    """
    n = whole(value)
    problem = _problem(value, n, low, high)
    if problem is not None or n is None:
        raise ValueError(f"{name if isinstance(name, str) else name()} {problem}" + (f"; {fix}" if fix else ""))
    return n


def lesson_count(value: object, name: Name, fix: str = LESSONS_FIX) -> int:
    """A course's number of lessons: a whole number from 1 to the hard cap, 50.

    Raises:
        ValueError: naming ``name`` and the fix.
    """
    return count(value, name, low=1, high=MAX_LESSONS, fix=fix)


def number_problem(value: object, *, low: float, high: float | None = None, above: bool = False) -> str | None:
    """What is wrong with ``value`` as a finite number ``>= low`` (``> low`` with ``above``) and ``<= high``."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(float(value))
    if ok:
        n = float(value)  # type: ignore[arg-type]  # a Real, checked just above
        ok = (n > low if above else n >= low) and (high is None or n <= high)
    return None if ok else f"must be a finite number {_span(low, high, above=above)}, got {value!r}"


def number(value: object, name: str, *, low: float, high: float | None = None, above: bool = False) -> float:
    """``value`` as a ``float`` once it is a finite number in range.

    Raises:
        ValueError: naming ``name`` and the range.
    """
    problem = number_problem(value, low=low, high=high, above=above)
    if problem is not None:
        raise ValueError(f"{name} {problem}")
    return float(value)  # type: ignore[arg-type]  # number_problem found it a finite Real
