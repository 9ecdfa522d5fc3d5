"""Lesson cost estimates before spending, and reconciliation with what was billed.

Money is exact, end to end: every amount is a ``Decimal`` equal to ``unit_price × units``,
never rounded (a sum is as exact as its parts; a price below a cent stays below a cent).
The catalog holds the documented entries (``course.default`` and ``module.default`` at
$0.05 per lesson, ``platform_pricing_catalog_v2``), can be loaded from the API where it
has a catalog route, and can be overridden. The expansion meters (interactive module,
summary video, expanded quiz) are not published: an estimate lists them as unpriced
unless you supply prices, and never counts them as free.

    >>> est = estimate(courses=[6])
    >>> est.total
    Decimal('0.30')

Billing follows the lessons actually generated, so an estimate also gives a low-high
range learned from your history of requested against generated lessons. Reconciliation
pairs each planned request with the billed request it became by what identifies a
request (its Idempotency-Key, or its external id), never by position; a row that cannot
be paired says so.
"""

from __future__ import annotations

import difflib
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd
from pydantic import BaseModel

from . import checks, idempotency
from .display import Card, ShownByCard, format_usd
from .frames import price_snapshots
from .jobs import BatchItem
from .models.constants import CATALOG_SOURCE, DEFAULT_LESSONS, MAX_LESSONS, OUTPUT_TYPES, UNIT_PRICE
from .models.platform import CourseRequest, PlatformModule
from .platform import course_body

if TYPE_CHECKING:
    from .sync_clients import PlatformClient

__all__ = [
    "DEFAULT_CATALOG",
    "EXPANSION_METERS",
    "MAX_PLANNED",
    "Billed",
    "Catalog",
    "CatalogEntry",
    "Estimate",
    "History",
    "PlanEntry",
    "estimate",
    "history_from",
    "reconcile",
]

SOURCE = CATALOG_SOURCE
EXPANSION_METERS = OUTPUT_TYPES
"""The expansion billing meters: one per output type, prices not published."""
ZERO = Decimal("0.00")
PlanEntry: TypeAlias = "int | Mapping[str, Any] | tuple[str, Mapping[str, Any]] | None"
"""A planned course or module: a lesson count, a request body, or an ``(external_id, body)`` pair."""
History: TypeAlias = "pd.DataFrame | Iterable[tuple[int, int] | BatchItem[CourseRequest]]"
"""Lessons requested against lessons generated: ``(requested, generated)`` pairs, a DataFrame with
``requested_lessons`` and ``generated_lessons`` columns, or the batch items of course requests."""
BilledRequest: TypeAlias = (
    "CourseRequest | PlatformModule | BatchItem[CourseRequest] | BatchItem[PlatformModule] | Mapping[str, Any]"
)
Billed: TypeAlias = "pd.DataFrame | BilledRequest | Iterable[BilledRequest]"
"""What was billed: course and module results (models or documented dicts), batch items, or a
``frames.price_snapshots`` frame."""
MAX_PLANNED = 100_000
"""The most requests one estimate plans (courses, modules and expansions together): a larger plan is refused by
name at once, rather than built row by row for minutes. Estimate a part and scale it instead."""


def _money(value: Any, where: str) -> Decimal:
    """An exact, finite, non-negative amount of dollars."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise ValueError(f"{where} must be a price such as '0.05', got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where} must be a price such as '0.05', got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{where} must be a finite price >= 0 such as '0.05', got {value!r}")
    return amount


@dataclass(frozen=True)
class CatalogEntry:
    catalog_key: str
    category: str
    unit_price: Decimal
    unit: str = "lesson"
    tier: str = "default"
    currency: str = "USD"
    source: str = SOURCE


@dataclass(frozen=True)
class Catalog:
    """Prices by catalog key; expansion meters are ``expansion.<output type>`` and absent by default."""

    entries: Mapping[str, CatalogEntry]

    @classmethod
    def default(cls) -> Catalog:
        return DEFAULT_CATALOG

    @classmethod
    def from_api(cls, platform: PlatformClient) -> Catalog:
        """The catalog from ``GET /v1/platform/pricing/catalog`` (a sync platform client)."""
        return cls.from_wire(platform.pricing_catalog())

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Catalog:
        """The catalog from its documented JSON shape (``entries[]`` with ``catalogKey``, ``unitPrice``, …)."""
        entries = {}
        for i, e in enumerate(data.get("entries") or []):
            for name in ("catalogKey", "category"):
                if not isinstance(e, Mapping) or not isinstance(e.get(name), str) or not e[name]:
                    raise ValueError(f"entries[{i}].{name} must be text, such as 'course.default', got {e!r}")
            entries[e["catalogKey"]] = CatalogEntry(
                e["catalogKey"],
                e["category"],
                _money(e.get("unitPrice"), f"entries[{i}].unitPrice"),
                e.get("unit", "lesson"),
                e.get("tier", "default"),
                e.get("currency", "USD"),
                data.get("source", SOURCE),
            )
        return cls(entries)

    @property
    def known_keys(self) -> list[str]:
        """The catalog keys a price can be given for: this catalog's entries and the expansion meters."""
        return list(dict.fromkeys([*self.entries, *(f"expansion.{meter}" for meter in EXPANSION_METERS)]))

    def with_prices(self, prices: Mapping[str, str | int | float | Decimal]) -> Catalog:
        """A copy with prices set or overridden, e.g. ``{"expansion.summary_video": "0.10"}``.

        Only a key the catalog knows (:attr:`known_keys`) takes a price: a misspelt one would leave the
        real meter unpriced while the estimate looked priced.

        Raises:
            ValueError: a key the catalog does not know (the known ones are listed), or a price that is not
                a finite amount >= 0 (``"Infinity"``, ``-1``, ``"ten"``).
        """
        if not isinstance(prices, Mapping):
            raise ValueError(f"prices must be a mapping of catalog key to price, got {type(prices).__name__}")
        known = self.known_keys
        for key in prices:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"prices: unknown catalog key {key!r}; {hint}known keys: {', '.join(known)}")
        entries = dict(self.entries)
        for key, price in prices.items():
            value = _money(price, f"price for {key}")
            old = entries.get(key)
            category = key.split(".", 1)[0]
            unit = "output" if category == "expansion" else "lesson"
            entries[key] = CatalogEntry(
                key, category, value, old.unit if old else unit, "default", "USD", old.source if old else "user"
            )
        return Catalog(entries)

    def price(self, key: str) -> CatalogEntry | None:
        return self.entries.get(key)


DEFAULT_CATALOG = Catalog(
    {
        "course.default": CatalogEntry("course.default", "course", UNIT_PRICE),
        "module.default": CatalogEntry("module.default", "module", UNIT_PRICE),
    }
)


def _lesson_count(body: Mapping[str, Any] | None, where: str) -> int:
    value = None if body is None else body.get("lessonCount", body.get("lesson_count"))
    return DEFAULT_LESSONS if value is None else checks.lesson_count(value, f"{where}: lessonCount")


@dataclass(frozen=True)
class _Planned:
    """One planned request: its body (when the plan gives one) and the keys it could be sent with."""

    body: Mapping[str, Any] | None
    keys: frozenset[str] = frozenset()
    external_id: str | None = None


def _planned(entry: PlanEntry, category: str, where: str) -> _Planned:
    """A plan entry as a request: a count alone identifies nothing; a body identifies itself by its keys."""
    external: str | None = None
    body: Mapping[str, Any] | None
    if isinstance(entry, tuple):
        external, body = entry
    elif entry is None or isinstance(entry, Mapping):
        body = entry
    elif category == "course":
        return _Planned({"lessonCount": checks.lesson_count(entry, f"{where}: lessonCount")})
    else:
        raise ValueError(f"{where} must be a module request (a dict) or an (external_id, body) pair, got {entry!r}")
    if body is None:
        return _Planned(None)
    if not isinstance(body, Mapping):
        raise ValueError(f"{where} must be a request body (a dict), got {type(body).__name__}")
    if category == "course":  # its lessonCount as the client sends it, so the keys derived here are the keys sent
        body = course_body(dict(body), f"{where}: lessonCount")
    if not (body.get("prompt") or body.get("topic") or body.get("idempotencyKey") or external):
        return _Planned(body)  # a body that could not be sent as it is identifies no request
    derive = idempotency.platform_course if category == "course" else idempotency.platform_module
    sent = {k: v for k, v in body.items() if k != "idempotencyKey"}
    variants = [sent] if category == "module" else [sent, {**sent, "mode": "async"}, {**sent, "mode": "sync"}]
    keys = {derive(v, external_id=external) for v in variants}
    if body.get("idempotencyKey"):
        keys.add(str(body["idempotencyKey"]))
    return _Planned(body, frozenset(keys), external)


def history_from(pairs: History | None, name: str = "history") -> list[tuple[int, int]]:
    """(requested, generated) lesson pairs from a DataFrame with ``requested_lessons`` and
    ``generated_lessons`` columns, batch items of course requests, or pairs.

    Both numbers of a pair are a course's lessons: whole numbers from 1 to 50. A frame's row
    missing either is left out (a course not generated yet); so is a batch item without a result.

    Raises:
        ValueError: anything else, named by where it is (``history[2]: generated lessons``).
    """
    if pairs is None:
        return []
    if isinstance(pairs, pd.DataFrame):
        missing = [c for c in ("requested_lessons", "generated_lessons") if c not in pairs.columns]
        if missing:
            raise ValueError(
                f"{name}: a frame of history needs the columns requested_lessons and generated_lessons; "
                f"it has no {' and no '.join(missing)}"
            )
        frame = pairs.dropna(subset=["requested_lessons", "generated_lessons"])
        return [
            _pair(r, g, partial("{} row {!r}".format, name, label))
            for label, r, g in zip(frame.index, frame["requested_lessons"], frame["generated_lessons"], strict=True)
        ]
    if isinstance(pairs, (str, bytes, Mapping)) or not isinstance(pairs, Iterable):
        raise ValueError(
            f"{name} must be (requested, generated) pairs, a DataFrame with requested_lessons and "
            f"generated_lessons, or course batch items; got {type(pairs).__name__}"
        )
    out = []
    for i, p in enumerate(pairs):
        where = partial("{}[{}]".format, name, i)  # spelled only if the pair is refused
        if isinstance(p, BatchItem):  # a course's batch item
            generated = getattr(p.result, "lesson_count", None) if p.result is not None else None
            if generated is not None:
                out.append(_pair(p.request.get("lessonCount", DEFAULT_LESSONS), generated, where))
        elif isinstance(p, (tuple, list)) and len(p) == 2:
            out.append(_pair(p[0], p[1], where))
        else:
            raise ValueError(f"{where()} must be a (requested, generated) pair of lesson counts, got {p!r}")
    return out


def _pair(requested: object, generated: object, where: Callable[[], str]) -> tuple[int, int]:
    """One history pair, each number a course's lessons (1 to 50); ``where`` names the pair once one is refused."""
    return (
        checks.lesson_count(requested, lambda: f"{where()}: requested lessons", fix=""),
        checks.lesson_count(generated, lambda: f"{where()}: generated lessons", fix=""),
    )


@dataclass
class Estimate(ShownByCard):
    """A plan's cost: one row per planned request, shaped like price snapshots, plus totals."""

    frame: pd.DataFrame
    total: Decimal
    low: Decimal
    high: Decimal
    unpriced: list[str] = field(default_factory=list)
    ratio_range: tuple[float, float] = (1.0, 1.0)
    planned: list[_Planned] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        extra = f"; unpriced: {', '.join(self.unpriced)}" if self.unpriced else ""
        return (
            f"<Estimate {len(self.frame)} rows: {format_usd(self.total)} "
            f"(range {format_usd(self.low)}-{format_usd(self.high)}){extra}>"
        )

    def card(self) -> Card:
        """The estimate at a glance: total, range, what is unpriced, and every planned request."""
        frame = self.frame
        return Card(
            f"Estimate {format_usd(self.total)}",
            rows=[
                ("range", f"{format_usd(self.low)} to {format_usd(self.high)}"),
                ("requests", str(len(frame))),
                ("unpriced", f"{', '.join(self.unpriced)} (not counted, not free)" if self.unpriced else None),
            ],
            table=(
                ["plan", "catalog key", "units", "unit price", "amount"],
                [
                    [
                        r["plan_id"],
                        r["catalog_key"],
                        str(r["units"]),
                        format_usd(r["unit_price"]),
                        format_usd(r["amount_usd"]),
                    ]
                    for r in frame.to_dict("records")
                ],
            ),
        )


ESTIMATE_COLUMNS = [
    "plan_id",
    "category",
    "catalog_key",
    "idempotency_key",
    "unit",
    "unit_price",
    "units",
    "amount_usd",
    "low_usd",
    "high_usd",
    "low_units",
    "high_units",
    "priced",
    "source",
]


def estimate(
    courses: Iterable[PlanEntry] | int = (),
    modules: Iterable[PlanEntry] | int = 0,
    *,
    expansions: Iterable[Mapping[str, Any] | BaseModel] | int = (),
    catalog: Catalog | None = None,
    history: History | None = None,
) -> Estimate:
    """Estimate a plan: what it would cost, exactly, before anything is sent.

    Args:
        courses: the planned courses, each a lesson count, a course request body (``lessonCount``
            and the rest, as ``courses.create(data=…)`` takes it), or an ``(external_id, body)``
            pair; or a number of default 5-lesson courses. A body makes the row pairable with
            what was billed (see :func:`reconcile`).
        modules: how many modules, or their request bodies (or pairs).
        expansions: expansion requests, or how many (unpriced unless the catalog has ``expansion.*``).
        catalog: the prices (the documented catalog by default).
        history: (requested, generated) pairs, a frame, or course batch items: the low-high range.

    A plan holds at most :data:`MAX_PLANNED` requests (courses, modules and expansions together);
    a larger one is refused at once, before anything is built.

    Raises:
        ValueError: a count, a lesson count or a history pair that is not a whole number in range, a plan
            larger than :data:`MAX_PLANNED`: each named (``courses``, ``courses[3]: lessonCount``, ``history[2]``).
    """
    catalog = catalog or DEFAULT_CATALOG
    if not isinstance(catalog, Catalog):
        raise ValueError(f"catalog must be a pricing.Catalog (Catalog.default().with_prices(…)), got {catalog!r}")
    plan: list[PlanEntry] = _plan(courses, "courses", None, MAX_PLANNED)
    module_plan: list[PlanEntry] = _plan(modules, "modules", {}, MAX_PLANNED - len(plan))
    room = MAX_PLANNED - len(plan) - len(module_plan)
    exp_list: list[Any] = _plan(expansions, "expansions", {"requestedOutputs": list(EXPANSION_METERS)}, room)
    planned = [_planned(c, "course", f"courses[{i}]") for i, c in enumerate(plan)]
    counts = [_lesson_count(p.body, f"courses[{i}]") for i, p in enumerate(planned)]
    planned_modules = [_planned(m, "module", f"modules[{i}]") for i, m in enumerate(module_plan)]
    pairs = history_from(history)
    ratios = [g / r for r, g in pairs]
    lo_ratio, hi_ratio = (min(ratios), max(ratios)) if ratios else (1.0, 1.0)

    rows: list[dict[str, Any]] = []
    unpriced: list[str] = []

    def add(plan_id: str, key: str, category: str, units: int, low: int, high: int, request_key: str | None) -> None:
        entry = catalog.price(key)
        if entry is None and key not in unpriced:
            unpriced.append(key)
        price = entry.unit_price if entry else None
        rows.append(
            {
                "plan_id": plan_id,
                "category": category,
                "catalog_key": key,
                "idempotency_key": request_key,
                "unit": entry.unit if entry else None,
                "unit_price": price,
                "units": units,
                "amount_usd": price * units if price is not None else None,
                "low_usd": price * low if price is not None else None,
                "high_usd": price * high if price is not None else None,
                "low_units": low,
                "high_units": high,
                "priced": entry is not None,
                "source": entry.source if entry else None,
            }
        )

    def first_key(p: _Planned) -> str | None:
        return min(p.keys) if p.keys else None

    named: dict[str, str] = {}  # a plan row is named by its external id, when it has one: it must be unique
    for where, p in [(f"courses[{i}]", p) for i, p in enumerate(planned)] + [
        (f"modules[{i}]", p) for i, p in enumerate(planned_modules)
    ]:
        if p.external_id is not None and named.setdefault(p.external_id, where) != where:
            raise ValueError(
                f"{where}: external id {p.external_id!r} is already planned at {named[p.external_id]}; "
                "each planned request needs its own"
            )
    for i, (n, p) in enumerate(zip(counts, planned, strict=True)):
        fewest = min(MAX_LESSONS, max(1, math.floor(n * lo_ratio)))
        most = min(MAX_LESSONS, max(1, math.ceil(n * hi_ratio)))
        add(p.external_id or f"course-{i + 1}", "course.default", "course", n, fewest, most, first_key(p))
    for i, p in enumerate(planned_modules):
        add(p.external_id or f"module-{i + 1}", "module.default", "module", 1, 1, 1, first_key(p))
    for i, req in enumerate(exp_list):
        for out in _outputs(req, f"expansions[{i}]"):
            add(f"expansion-{i + 1}", f"expansion.{out}", "expansion", 1, 1, 1, None)

    frame = pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)
    for col in ("units", "low_units", "high_units"):
        frame[col] = frame[col].astype("Int64")
    frame["category"] = frame["category"].astype("category")
    priced = [r for r in rows if r["priced"]]
    total: Decimal = sum((r["amount_usd"] for r in priced), ZERO)
    low: Decimal = sum((r["low_usd"] for r in priced), ZERO)
    high: Decimal = sum((r["high_usd"] for r in priced), ZERO)
    return Estimate(frame, total, low, high, unpriced, (lo_ratio, hi_ratio), planned + planned_modules)


def _scalar(value: Any) -> bool:
    """A number where a count goes (checked by :func:`checks.count`), rather than a list."""
    return isinstance(value, numbers.Number)


def _plan(value: Any, name: str, default: Any, room: int) -> list[Any]:
    """The planned entries of one kind: ``value`` copies of ``default`` for a count, else the list's entries.

    Never more than ``room``: a count is compared, and a list (or a generator, endless or not) is read no
    further than one entry past it, so a plan too large is refused at once.
    """
    if _scalar(value):
        n = checks.count(value, name)
        if n > room:
            raise _too_many(name, f"{n:,}", room)
        return [default] * n
    entries = list(itertools.islice(_iterable(value, name), room + 1))
    if len(entries) > room:
        raise _too_many(name, f"more than {room:,}", room)
    return entries


def _outputs(request: object, where: str) -> list[str]:
    """The outputs an expansion request asks for (every meter when it names none), each one the API knows."""
    body = request.model_dump(by_alias=True) if isinstance(request, BaseModel) else request
    if not isinstance(body, Mapping):
        raise ValueError(f"{where} must be an expansion request (a dict with requestedOutputs), got {request!r}")
    outputs = body.get("requestedOutputs") or list(EXPANSION_METERS)
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Iterable):
        raise ValueError(f"{where}.requestedOutputs must be a list of output types, got {outputs!r}")
    for j, out in enumerate(outputs):
        if out not in EXPANSION_METERS:
            raise ValueError(
                f"{where}.requestedOutputs[{j}]: unknown output type {out!r}; known: {', '.join(EXPANSION_METERS)}"
            )
    return list(outputs)


def _too_many(name: str, how_many: str, room: int) -> ValueError:
    before = f", {MAX_PLANNED - room:,} of them planned before {name}" if room < MAX_PLANNED else ""
    return ValueError(
        f"{name} plans {how_many} requests; one estimate takes at most {MAX_PLANNED:,} (courses, modules and "
        f"expansions together{before}): estimate a part of the plan and scale its total"
    )


def _iterable(value: Any, where: str) -> Iterable[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValueError(f"{where} must be a number or a list (of lesson counts or request bodies), got {value!r}")
    iterable: Iterable[Any] = value
    return iterable


RECONCILE_COLUMNS = [
    "plan_id",
    "request_id",
    "idempotency_key",
    "category",
    "paired",
    "estimated_units",
    "billed_units",
    "estimated_usd",
    "billed_usd",
    "difference_usd",
    "explanation",
]


def reconcile(est: Estimate, billed: Billed) -> pd.DataFrame:
    """The estimate against what was billed, per request and in total, with each difference explained.

    Each planned request is paired with the billed request it became by its Idempotency-Key
    (the plan's request bodies derive the same keys the client sends; a key's successor
    ``…:r2`` still pairs) or by its external id, never by position. A planned row with no
    billed request says so, and so does a billed request the plan does not name; a plan of
    bare lesson counts names no request, so its rows cannot be paired and are said to be.
    The last row is the total, which always compares.

    ``billed``: course and module results (models or documented dicts), batch items, or a
    ``frames.price_snapshots`` frame (which pairs by ``request_id`` only). A request named
    more than once (a replay of a re-run cell, a frame concatenated twice) is billed once.

    Raises:
        ValueError: ``billed`` is none of these (a frame without ``request_id``, text, a number).
    """
    billed = _bills(billed)
    if isinstance(billed, pd.DataFrame):  # a frame the caller put together: each named request billed once
        named = billed["request_id"].notna()
        snapshots = pd.concat([billed[named].drop_duplicates("request_id"), billed[~named]])
    else:
        snapshots = price_snapshots(billed)  # one row per request already
    keys = _billed_keys(billed) if not isinstance(billed, pd.DataFrame) else {}
    planned_rows = est.frame[est.frame["category"].isin(["course", "module"])].to_dict("records")
    plans = {r["plan_id"]: p for r, p in zip(planned_rows, est.planned, strict=True)}
    bills = snapshots[snapshots["category"].isin(["course", "module"])].to_dict("records")
    rows: list[dict[str, Any]] = []
    used: set[int] = set()
    for plan_row in planned_rows:
        planned = plans[plan_row["plan_id"]]
        match = next(
            (
                i
                for i, b in enumerate(bills)
                if i not in used
                and b["category"] == plan_row["category"]
                and _same_request(planned, keys.get(str(b["request_id"]), (None, None)))
            ),
            None,
        )
        if match is not None:
            used.add(match)
        rows.append(
            _row(
                plan_row,
                bills[match] if match is not None else None,
                planned,
                keys.get(str(bills[match]["request_id"]), (None, None))[0] if match is not None else None,
            )
        )
    for i, bill in enumerate(bills):
        if i not in used:
            rows.append(_row(None, bill, None, keys.get(str(bill["request_id"]), (None, None))[0]))
    est_total = sum((r["estimated_usd"] for r in rows), ZERO)
    bill_total = sum((r["billed_usd"] for r in rows), ZERO)
    rows.append(
        {
            "plan_id": "total",
            "request_id": None,
            "idempotency_key": None,
            "category": None,
            "paired": all(r["paired"] for r in rows),
            "estimated_units": sum(r["estimated_units"] for r in rows),
            "billed_units": sum(r["billed_units"] for r in rows),
            "estimated_usd": est_total,
            "billed_usd": bill_total,
            "difference_usd": bill_total - est_total,
            "explanation": "as estimated"
            if bill_total == est_total
            else f"billed {'+' if bill_total > est_total else '-'}{format_usd(abs(bill_total - est_total))} "
            "against the estimate",
        }
    )
    frame = pd.DataFrame(rows, columns=RECONCILE_COLUMNS)
    for col in ("estimated_units", "billed_units"):
        frame[col] = frame[col].astype("Int64")
    for col in ("plan_id", "request_id", "idempotency_key", "explanation"):
        frame[col] = frame[col].astype("string")
    frame["category"] = frame["category"].astype("category")
    frame["paired"] = frame["paired"].astype("boolean")
    result: pd.DataFrame = frame
    return result


def _bills(billed: object) -> pd.DataFrame | list[Any]:
    """``billed`` as a frame of bills or a list of billed requests (read once: a generator is empty after).

    Raises:
        ValueError: it is neither (a frame without ``request_id``, text, a number).
    """
    if isinstance(billed, pd.DataFrame):
        if "request_id" not in billed.columns or "category" not in billed.columns:
            raise ValueError("billed: a frame of bills is frames.price_snapshots(…), with request_id and category")
        return billed
    if isinstance(billed, (BaseModel, BatchItem, Mapping)):
        return [billed]
    if isinstance(billed, (str, bytes)) or not isinstance(billed, Iterable):
        raise ValueError(
            "billed must be course or module results, batch items, a list of them, or a price_snapshots frame; "
            f"got {type(billed).__name__}"
        )
    return list(billed)


def _billed_keys(billed: list[Any]) -> dict[str, tuple[str | None, str | None]]:
    """Request id -> (Idempotency-Key, external id) of each billed request, from what identifies it."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for item in billed:
        if isinstance(item, BatchItem):
            result = item.result
            request_id = getattr(result, "id", None) or item.job_id
            out[str(request_id)] = (item.idempotency_key, item.external_id)
            continue
        data = item.model_dump(by_alias=True) if hasattr(item, "model_dump") else item
        if isinstance(data, Mapping) and data.get("id") is not None:
            key = data.get("idempotencyKey")
            out[str(data["id"])] = (key, idempotency.external_id_of(key) if isinstance(key, str) else None)
    return out


def _same_request(planned: _Planned, billed: tuple[str | None, str | None]) -> bool:
    key, external = billed
    if key and planned.keys and idempotency.origin(key) in {idempotency.origin(k) for k in planned.keys}:
        return True
    return bool(external and planned.external_id and external == planned.external_id)


def _row(
    plan: dict[str, Any] | None, bill: dict[str, Any] | None, planned: _Planned | None, key: str | None
) -> dict[str, Any]:
    est_units = int(plan["units"]) if plan else 0
    est_usd = plan["amount_usd"] if plan and plan["amount_usd"] is not None else ZERO
    bill_units = int(bill["units"]) if bill else 0
    bill_usd = Decimal(str(bill["amount_usd"])) if bill else ZERO
    if plan is None:
        why = "billed, but the plan names no such request"
    elif bill is None and planned is not None and not planned.keys and planned.external_id is None:
        why = (
            "cannot be paired: the plan gives only a lesson count; plan with request bodies "
            "(courses=[{'prompt': …, 'lessonCount': 5}]) to pair each with its bill"
        )
    elif bill is None:
        why = "planned but not billed (failed, not sent, or not yet complete)"
    elif bill_units > est_units:
        why = f"{bill_units - est_units} more lesson(s) generated than requested"
    elif bill_units < est_units:
        why = f"{est_units - bill_units} fewer lesson(s) generated than requested"
    else:
        why = "as estimated"
    return {
        "plan_id": plan["plan_id"] if plan else None,
        "request_id": bill["request_id"] if bill else None,
        "idempotency_key": key or (plan.get("idempotency_key") if plan else None),
        "category": (plan or bill or {}).get("category"),
        "paired": plan is not None and bill is not None,
        "estimated_units": est_units,
        "billed_units": bill_units,
        "estimated_usd": est_usd,
        "billed_usd": bill_usd,
        "difference_usd": bill_usd - est_usd,
        "explanation": why,
    }
