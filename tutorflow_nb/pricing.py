"""Lesson cost estimates before spending, and reconciliation with what was billed.

Money is exact: every amount is a ``Decimal`` equal to ``unit_price × units`` (and integer
cents beside it). The catalog holds the documented entries (``course.default`` and
``module.default`` at $0.05 per lesson, ``platform_pricing_catalog_v2``), can be loaded
from the API where it has a catalog route, and can be overridden. The expansion meters
(interactive module, summary video, expanded quiz) are not published: an estimate lists
them as unpriced unless you supply prices, and never counts them as free.

    >>> est = estimate(courses=[6])
    >>> est.total
    Decimal('0.30')

Billing follows the lessons actually generated, so an estimate also gives a low-high
range learned from your history of requested against generated lessons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from .frames import price_snapshots
from .jobs import BatchItem
from .models.constants import CATALOG_SOURCE, DEFAULT_LESSONS, MAX_LESSONS, OUTPUT_TYPES, UNIT_PRICE

__all__ = [
    "DEFAULT_CATALOG",
    "EXPANSION_METERS",
    "Catalog",
    "CatalogEntry",
    "Estimate",
    "estimate",
    "history_from",
    "reconcile",
]

SOURCE = CATALOG_SOURCE
EXPANSION_METERS = OUTPUT_TYPES
"""The expansion billing meters: one per output type, prices not published."""
CENT = Decimal("0.01")


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
    def from_api(cls, platform: Any) -> Catalog:
        """The catalog from ``GET /v1/platform/pricing/catalog`` (a platform client, sync or async twin)."""
        data = platform.pricing_catalog()
        return cls.from_wire(data)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Catalog:
        entries = {}
        for e in data.get("entries", []):
            entries[e["catalogKey"]] = CatalogEntry(
                e["catalogKey"],
                e["category"],
                Decimal(str(e["unitPrice"])),
                e.get("unit", "lesson"),
                e.get("tier", "default"),
                e.get("currency", "USD"),
                data.get("source", SOURCE),
            )
        return cls(entries)

    def with_prices(self, prices: Mapping[str, Any]) -> Catalog:
        """A copy with prices set or overridden, e.g. ``{"expansion.summary_video": "0.10"}``."""
        entries = dict(self.entries)
        for key, price in prices.items():
            value = Decimal(str(price))
            if value < 0:
                raise ValueError(f"price for {key} must be >= 0, got {price}")
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


def _lesson_count(value: Any, where: str) -> int:
    if value is None:
        return DEFAULT_LESSONS
    if isinstance(value, Mapping):
        value = value.get("lessonCount", value.get("lesson_count"))
        if value is None:
            return DEFAULT_LESSONS
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: lessonCount must be a whole number from 1 to {MAX_LESSONS}, got {value!r}")
    if not 1 <= value <= MAX_LESSONS:
        raise ValueError(
            f"{where}: lessonCount must be between 1 and {MAX_LESSONS} (the hard cap), got {value}; "
            "split a longer course into several"
        )
    return value


def history_from(pairs: Any) -> list[tuple[int, int]]:
    """(requested, generated) lesson pairs from a DataFrame with ``requested_lessons`` and
    ``generated_lessons`` columns, batch items of course requests, or pairs."""
    if isinstance(pairs, pd.DataFrame):
        frame = pairs.dropna(subset=["requested_lessons", "generated_lessons"])
        return [(int(r), int(g)) for r, g in zip(frame["requested_lessons"], frame["generated_lessons"], strict=True)]
    out = []
    for p in pairs or []:
        if isinstance(p, BatchItem):  # a course's batch item
            if p.result is None or getattr(p.result, "lesson_count", None) is None:
                continue
            out.append((int(p.request.get("lessonCount", DEFAULT_LESSONS)), int(p.result.lesson_count)))
        else:
            requested, generated = p
            out.append((int(requested), int(generated)))
    return out


@dataclass
class Estimate:
    """A plan's cost: one row per planned request, shaped like price snapshots, plus totals."""

    frame: pd.DataFrame
    total: Decimal
    low: Decimal
    high: Decimal
    unpriced: list[str] = field(default_factory=list)
    ratio_range: tuple[float, float] = (1.0, 1.0)

    def __repr__(self) -> str:
        extra = f"; unpriced: {', '.join(self.unpriced)}" if self.unpriced else ""
        return f"<Estimate {len(self.frame)} rows: ${self.total} (range ${self.low}-${self.high}){extra}>"

    def _repr_html_(self) -> str:
        head = f"<p><b>Estimate</b>: ${self.total} (range ${self.low} to ${self.high})"
        if self.unpriced:
            head += f"; <b>unpriced</b> (not counted, not free): {', '.join(self.unpriced)}"
        return head + "</p>" + self.frame.to_html(index=False)


def estimate(
    courses: Iterable[Any] | int = (),
    modules: int = 0,
    *,
    expansions: Sequence[Any] | int = (),
    catalog: Catalog | None = None,
    history: Any = None,
) -> Estimate:
    """Estimate a plan: ``courses`` (requested lesson counts, dicts with ``lessonCount``, or a
    number of default 5-lesson courses), ``modules`` (how many), ``expansions`` (requests, or how
    many, each with its requested outputs; unpriced unless the catalog has ``expansion.*``).

    ``history`` ((requested, generated) pairs, a frame, or course batch items) gives the
    low-high range; without it the range is the requested counts.
    """
    catalog = catalog or DEFAULT_CATALOG
    plan = [None] * courses if isinstance(courses, int) else list(courses)
    counts = [_lesson_count(c, f"courses[{i}]") for i, c in enumerate(plan)]
    if isinstance(modules, bool) or not isinstance(modules, int) or modules < 0:
        raise ValueError(f"modules must be a whole number >= 0, got {modules!r}")
    pairs = history_from(history) if history is not None else []
    ratios = [g / r for r, g in pairs if r > 0]
    lo_ratio, hi_ratio = (min(ratios), max(ratios)) if ratios else (1.0, 1.0)

    rows: list[dict[str, Any]] = []
    unpriced: list[str] = []

    def add(plan_id: str, key: str, category: str, units: int, low_units: int, high_units: int) -> None:
        entry = catalog.price(key)
        if entry is None:
            unpriced.append(key) if key not in unpriced else None
        price = entry.unit_price if entry else None
        rows.append(
            {
                "plan_id": plan_id,
                "category": category,
                "catalog_key": key,
                "unit": entry.unit if entry else None,
                "unit_price": price,
                "units": units,
                "amount_usd": price * units if price is not None else None,
                "low_usd": price * low_units if price is not None else None,
                "high_usd": price * high_units if price is not None else None,
                "low_units": low_units,
                "high_units": high_units,
                "priced": entry is not None,
                "source": entry.source if entry else None,
            }
        )

    for i, n in enumerate(counts):
        low = min(MAX_LESSONS, max(1, math.floor(n * lo_ratio)))
        high = min(MAX_LESSONS, max(1, math.ceil(n * hi_ratio)))
        add(f"course-{i + 1}", "course.default", "course", n, low, high)
    for i in range(modules):
        add(f"module-{i + 1}", "module.default", "module", 1, 1, 1)
    exp_list = (
        [{"requestedOutputs": list(EXPANSION_METERS)}] * expansions if isinstance(expansions, int) else list(expansions)
    )
    for i, req in enumerate(exp_list):
        outs = (req.get("requestedOutputs") if isinstance(req, Mapping) else None) or list(EXPANSION_METERS)
        for out in outs:
            add(f"expansion-{i + 1}", f"expansion.{out}", "expansion", 1, 1, 1)

    frame = pd.DataFrame(
        rows,
        columns=[
            "plan_id",
            "category",
            "catalog_key",
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
        ],
    )
    for col in ("units", "low_units", "high_units"):
        frame[col] = frame[col].astype("Int64")
    frame["category"] = frame["category"].astype("category")
    priced = [r for r in rows if r["priced"]]
    total = sum((r["amount_usd"] for r in priced), Decimal("0.00")).quantize(CENT)
    low = sum((r["low_usd"] for r in priced), Decimal("0.00")).quantize(CENT)
    high = sum((r["high_usd"] for r in priced), Decimal("0.00")).quantize(CENT)
    return Estimate(frame, total, low, high, unpriced, (lo_ratio, hi_ratio))


def reconcile(est: Estimate, snapshots: Any) -> pd.DataFrame:
    """The estimate against what was billed, per request and in total, with each difference explained.

    ``snapshots`` are billed requests (course and module results, dicts, or a
    ``frames.price_snapshots`` frame); they are matched to the plan in order within each
    category. The last row is the total.
    """
    billed = snapshots if isinstance(snapshots, pd.DataFrame) else price_snapshots(snapshots)
    planned = est.frame[est.frame["category"].isin(["course", "module"])]
    rows = []
    for category in ("course", "module"):
        plan_rows = planned[planned["category"] == category].to_dict("records")
        bill_rows = billed[billed["category"] == category].to_dict("records")
        for i in range(max(len(plan_rows), len(bill_rows))):
            p = plan_rows[i] if i < len(plan_rows) else None
            b = bill_rows[i] if i < len(bill_rows) else None
            est_units = int(p["units"]) if p else 0
            est_usd = p["amount_usd"] if p else Decimal("0.00")
            bill_units = int(b["units"]) if b else 0
            bill_usd = Decimal(str(b["amount_usd"])) if b else Decimal("0.00")
            if p is None:
                why = "billed but not in the plan"
            elif b is None:
                why = "planned but not billed (failed, not sent, or not yet complete)"
            elif bill_units > est_units:
                why = f"{bill_units - est_units} more lesson(s) generated than requested"
            elif bill_units < est_units:
                why = f"{est_units - bill_units} fewer lesson(s) generated than requested"
            else:
                why = "as estimated"
            rows.append(
                {
                    "plan_id": p["plan_id"] if p else None,
                    "request_id": b["request_id"] if b else None,
                    "category": category,
                    "estimated_units": est_units,
                    "billed_units": bill_units,
                    "estimated_usd": est_usd,
                    "billed_usd": bill_usd,
                    "difference_usd": bill_usd - est_usd,
                    "explanation": why,
                }
            )
    est_total = sum((r["estimated_usd"] for r in rows), Decimal("0.00"))
    bill_total = sum((r["billed_usd"] for r in rows), Decimal("0.00"))
    rows.append(
        {
            "plan_id": "total",
            "request_id": None,
            "category": None,
            "estimated_units": sum(r["estimated_units"] for r in rows),
            "billed_units": sum(r["billed_units"] for r in rows),
            "estimated_usd": est_total,
            "billed_usd": bill_total,
            "difference_usd": bill_total - est_total,
            "explanation": "as estimated"
            if bill_total == est_total
            else f"billed ${bill_total - est_total:+} against the estimate",
        }
    )
    frame = pd.DataFrame(rows)
    for col in ("estimated_units", "billed_units"):
        frame[col] = frame[col].astype("Int64")
    return frame
