"""pandas DataFrames of TutorFlow work, with documented, stable columns and proper dtypes.

Every builder takes client results (models, lists of them, batch items, a whole batch) or the
raw dicts of the documented shapes (:data:`Rows`), and builds its frame column by column (one
list per column, typed once), which keeps tens of thousands of courses fast; a stored batch is
read from its store a chunk at a time. Datetimes are UTC, statuses are spelled one way
(``models.constants.state_of``: ``completed``, never ``COMPLETED``) and they and types are
categoricals, counts are nullable integers, ids are strings, and money is
exact: ``Decimal`` objects as the wire has them, never rounded, and integer cents beside them where the
amount is a whole number of cents (``whole_cents`` says so; a price below a cent leaves ``amount_cents`` empty).

===================  =====================================================================
``jobs``             expansion jobs and Platform course and module requests, one frame
``outputs``          one row per expansion output, in the runbook's manifest storage shape
``courses``          one row per Platform course
``chapters``         one row per chapter of each course
``lessons``          one row per lesson of each course
``source_lessons``   one row per lesson of expansion source payloads
``price_snapshots``  one row per billed request
===================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

import pandas as pd
from pydantic import BaseModel

from .display import format_usd
from .idempotency import source_content_id
from .jobs import BatchItem, BatchResult
from .models.constants import is_terminal, state_of

__all__ = [
    "COLUMNS",
    "Row",
    "Rows",
    "as_dicts",
    "chapters",
    "courses",
    "jobs",
    "lessons",
    "outputs",
    "price_snapshots",
    "source_lessons",
    "to_cents",
    "to_html",
]

MONEY_COLUMNS = frozenset(
    {"unit_price", "amount_usd", "estimated_usd", "billed_usd", "difference_usd", "low_usd", "high_usd"}
)
"""Columns that hold dollars (``Decimal``): :func:`to_html` shows them as money."""

COLUMNS: dict[str, list[str]] = {
    "jobs": [
        "surface",
        "kind",
        "id",
        "status",
        "is_terminal",
        "created_at",
        "completed_at",
        "duration_s",
        "source_type",
        "idempotency_key",
        "classroom_id",
        "external_id",
    ],
    "outputs": [
        "source_content_id",
        "tutorflow_job_id",
        "output_type",
        "status",
        "resource_type",
        "resource_id",
        "manifest_title",
        "public_url",
        "edit_url",
        "manifest",
    ],
    "courses": [
        "id",
        "course_id",
        "status",
        "title",
        "level",
        "language",
        "subject",
        "lesson_count",
        "chapter_count",
        "amount_usd",
        "amount_cents",
        "whole_cents",
        "share_token",
        "public_url",
        "created_at",
        "completed_at",
    ],
    "chapters": ["course_request_id", "course_id", "sequence", "title", "slug", "lesson_count"],
    "lessons": [
        "course_request_id",
        "course_id",
        "course_title",
        "sequence",
        "title",
        "type",
        "chapter_title",
        "chapter_slug",
        "lesson_slug",
        "lesson_url",
    ],
    "source_lessons": [
        "source_content_id",
        "source_type",
        "category",
        "level_id",
        "level_title",
        "lesson_id",
        "lesson_type",
        "title",
        "term_count",
        "terms",
    ],
    "price_snapshots": [
        "request_id",
        "category",
        "catalog_key",
        "tier",
        "unit",
        "unit_price",
        "units",
        "amount_usd",
        "amount_cents",
        "whole_cents",
        "currency",
        "source",
        "created_at",
    ],
}
_CATEGORIES = {
    "surface",
    "kind",
    "status",
    "output_type",
    "resource_type",
    "type",
    "lesson_type",
    "category",
    "tier",
    "unit",
    "currency",
    "source",
    "level",
    "language",
}
_DATETIMES = {"created_at", "completed_at"}
_INTS = {"lesson_count", "chapter_count", "sequence", "units", "amount_cents", "term_count"}
_FLOATS = {"duration_s"}
_OBJECTS = {"manifest", "amount_usd", "unit_price", "terms"}
_BOOLS = {"is_terminal", "whole_cents"}


Row: TypeAlias = BaseModel | Mapping[str, Any] | BatchItem[Any]
"""One row's worth: a model the client answered, a dict in the documents' shape, or a batch item."""
Rows: TypeAlias = Row | BatchResult[Any] | Iterable[Row] | None
"""What every builder takes: one row, a whole batch, or any iterable of rows (a list, a generator)."""


def as_dicts(items: Rows) -> list[dict[str, Any]]:
    """Wire-shaped dicts from a model, a dict, a batch item, a batch, or an iterable of any of them.

    Raises:
        TypeError: something that is none of these, named.
    """
    return list(_dicts(items))


def _dicts(items: Rows) -> Iterator[dict[str, Any]]:
    if items is None:
        return
    if isinstance(items, BatchResult):  # read from its store a chunk at a time
        for item, request, result in items.loaded():
            yield _batch_item(item, request, result)
        return
    rows: Iterable[Any] = [items] if isinstance(items, (BaseModel, Mapping, BatchItem)) else items
    for item in rows:
        if isinstance(item, BaseModel):
            yield item.model_dump(mode="json", by_alias=True)
        elif isinstance(item, Mapping):
            yield dict(item)
        elif isinstance(item, BatchItem):
            yield _batch_item(item, item.request, item.result)
        else:
            raise TypeError(f"cannot make a row of {type(item).__name__}; pass models, dicts, batch items or a batch")


def _batch_item(item: BatchItem[Any], request: dict[str, Any], result: Any) -> dict[str, Any]:
    data = result.model_dump(mode="json", by_alias=True) if isinstance(result, BaseModel) else dict(result or {})
    data.setdefault("_request", request)
    data.setdefault("_external_id", item.external_id)
    data.setdefault("_idempotency_key", item.idempotency_key)
    if "job" not in data and "status" not in data:
        data.update({"id": item.job_id, "status": item.status})
    return data


def to_cents(amount: Any) -> int | None:
    """Integer cents of a dollar amount when it is a whole number of cents (``0.05`` is 5), else ``None``.

    Never rounded: ``0.004`` dollars is no whole number of cents, and says so with ``None``.

        >>> to_cents("0.30"), to_cents("0.004"), to_cents(None)
        (30, None, None)
    """
    if amount is None:
        return None
    cents = Decimal(str(amount)) * 100
    return int(cents) if cents == cents.to_integral_value() else None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _dollars(value: Any) -> Decimal | None:
    """A dollar amount as the exact ``Decimal`` it is on the wire, never rounded (``0.004`` stays ``0.004``)."""
    return None if value is None else Decimal(str(value))


def _frame(name: str, columns: dict[str, list[Any]]) -> pd.DataFrame:
    """A frame with the documented columns, in order, each typed once."""
    data = {}
    for col in COLUMNS[name]:
        values = columns[col]
        if col in _DATETIMES:
            data[col] = pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")
        elif col in _CATEGORIES:
            data[col] = pd.Categorical(values)
        elif col in _INTS:
            data[col] = pd.array(values, dtype="Int64")
        elif col in _FLOATS:
            data[col] = pd.array(values, dtype="Float64")
        elif col in _BOOLS:
            data[col] = pd.array(values, dtype="boolean")
        elif col in _OBJECTS:
            data[col] = pd.Series(values, dtype="object")
        else:
            data[col] = pd.array(values, dtype="string")
    frame: pd.DataFrame = pd.DataFrame(data)
    return frame


def _state(status: str | None) -> str | None:
    """A status in the one spelling frames show (``models.constants.state_of``); none stays none."""
    return state_of(status) if status else None


def _job_row(d: dict[str, Any]) -> tuple[Any, ...]:
    if "job" in d and isinstance(d["job"], Mapping):  # an expansion result
        d = {**d["job"], "_external_id": d.get("_external_id")}
    if "requestedOutputs" in d or ("sourceType" in d and "isTerminal" not in d):
        kind = "export" if d.get("sourceType") == "tutorflow_ui" else "expansion"
        status = d.get("status")
        terminal = is_terminal(status)
        return (
            "content",
            kind,
            d.get("id"),
            _state(status),
            terminal,
            d.get("createdAt"),
            d.get("completedAt"),
            d.get("sourceType"),
            d.get("idempotencyKey"),
            d.get("classroomId"),
            d.get("_external_id"),
        )
    kind = "module" if "lectureVersion" in d or "platformWorkspaceId" in d else "course"
    status = d.get("status")
    terminal = bool(d["isTerminal"]) if "isTerminal" in d else is_terminal(status)
    return (
        "platform",
        kind,
        d.get("id"),
        _state(status),
        bool(terminal),
        d.get("createdAt"),
        d.get("completedAt"),
        None,
        d.get("idempotencyKey"),
        d.get("classroomId"),
        d.get("_external_id"),
    )


def jobs(items: Rows) -> pd.DataFrame:
    """Expansion jobs and Platform course/module requests in one frame (``surface`` tells which)."""
    rows = [_job_row(d) for d in as_dicts(items)]
    names = [
        "surface",
        "kind",
        "id",
        "status",
        "is_terminal",
        "created_at",
        "completed_at",
        "source_type",
        "idempotency_key",
        "classroom_id",
        "external_id",
    ]
    cols = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    frame = _frame("jobs", {**cols, "duration_s": [None] * len(rows)})
    frame["duration_s"] = (frame["completed_at"] - frame["created_at"]).dt.total_seconds().astype("Float64")
    return frame


def outputs(results: Rows, source_ids: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per expansion output, with what the runbook says to store.

    ``source_content_id`` comes from ``source_ids`` (job id to your external id), or from
    the request of a batch item (``{category id}:{level id}``).
    """
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS["outputs"]}
    for d in as_dicts(results):
        job = d.get("job") or {}
        job_id = job.get("id")
        source = (
            (source_ids or {}).get(str(job_id))
            or d.get("_external_id")
            or (source_content_id(d["_request"]) if d.get("_request") else None)
        )
        for out in d.get("outputs") or []:
            manifest = out.get("manifest") or {}
            urls = manifest.get("urls") or {}
            cols["source_content_id"].append(source)
            cols["tutorflow_job_id"].append(job_id)
            cols["output_type"].append(out.get("outputType"))
            cols["status"].append(_state(out.get("status")))
            cols["resource_type"].append(out.get("resourceType"))
            cols["resource_id"].append(out.get("resourceId"))
            cols["manifest_title"].append(manifest.get("title"))
            cols["public_url"].append(urls.get("publicUrl"))
            cols["edit_url"].append(urls.get("editUrl"))
            cols["manifest"].append(manifest)
    return _frame("outputs", cols)


def _course_dicts(items: Rows) -> list[dict[str, Any]]:
    if isinstance(items, list) and all(type(item) is dict for item in items):
        return items  # raw documented dicts: use as they are (fast path; every one is checked, not the first)
    return as_dicts(items)


def courses(items: Rows) -> pd.DataFrame:
    """One row per Platform course request."""
    ds = _course_dicts(items)
    snaps = [d.get("priceSnapshot") or {} for d in ds]
    amounts = [_dollars(s.get("amountUsd")) for s in snaps]
    cols: dict[str, list[Any]] = {
        "id": [d.get("id") for d in ds],
        "course_id": [d.get("courseId") for d in ds],
        "status": [_state(d.get("status")) for d in ds],
        "title": [d.get("title") for d in ds],
        "level": [d.get("level") for d in ds],
        "language": [d.get("language") for d in ds],
        "subject": [d.get("subject") for d in ds],
        "lesson_count": [d.get("lessonCount") for d in ds],
        "chapter_count": [len(d["chapters"]) if d.get("chapters") is not None else None for d in ds],
        "amount_usd": amounts,
        "amount_cents": [to_cents(a) for a in amounts],
        "whole_cents": [None if a is None else to_cents(a) is not None for a in amounts],
        "share_token": [d.get("shareToken") for d in ds],
        "public_url": [d.get("publicUrl") for d in ds],
        "created_at": [d.get("createdAt") for d in ds],
        "completed_at": [d.get("completedAt") for d in ds],
    }
    return _frame("courses", cols)


def chapters(items: Rows) -> pd.DataFrame:
    """One row per chapter of each course."""
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS["chapters"]}
    for d in _course_dicts(items):
        chs = d.get("chapters") or []
        n = len(chs)
        cols["course_request_id"] += [d.get("id")] * n
        cols["course_id"] += [d.get("courseId")] * n
        cols["sequence"] += [c.get("sequence") for c in chs]
        cols["title"] += [c.get("title") for c in chs]
        cols["slug"] += [c.get("slug") for c in chs]
        cols["lesson_count"] += [c.get("lessonCount") for c in chs]
    return _frame("chapters", cols)


def lessons(items: Rows) -> pd.DataFrame:
    """One row per lesson of each course: type, sequence, chapter, slugs and URL."""
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS["lessons"]}
    for d in _course_dicts(items):
        ls = d.get("lessons") or []
        n = len(ls)
        cols["course_request_id"] += [d.get("id")] * n
        cols["course_id"] += [d.get("courseId")] * n
        cols["course_title"] += [d.get("title")] * n
        cols["sequence"] += [x.get("sequence") for x in ls]
        cols["title"] += [x.get("title") for x in ls]
        cols["type"] += [x.get("type") for x in ls]
        cols["chapter_title"] += [x.get("chapterTitle") for x in ls]
        cols["chapter_slug"] += [x.get("chapterSlug") for x in ls]
        cols["lesson_slug"] += [x.get("lessonSlug") for x in ls]
        cols["lesson_url"] += [x.get("lessonUrl") for x in ls]
    return _frame("lessons", cols)


def source_lessons(requests: Rows) -> pd.DataFrame:
    """One row per lesson of expansion source payloads (either documented shape: ``items`` or ``terms``)."""
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS["source_lessons"]}
    for row in as_dicts(requests):
        d = row.get("_request") or row
        payload = d.get("payload") or {}
        category = payload.get("category")
        level = payload.get("level") or {}
        for lesson in level.get("lessons") or []:
            entries = lesson.get("items") if lesson.get("items") is not None else lesson.get("terms") or []
            cols["source_content_id"].append(source_content_id(d))
            cols["source_type"].append(d.get("sourceType"))
            cols["category"].append(category.get("title") if isinstance(category, Mapping) else category)
            cols["level_id"].append(level.get("id"))
            cols["level_title"].append(level.get("title"))
            cols["lesson_id"].append(lesson.get("id"))
            cols["lesson_type"].append(lesson.get("type"))
            cols["title"].append(lesson.get("title"))
            cols["term_count"].append(len(entries))
            cols["terms"].append([e.get("term") for e in entries])
    return _frame("source_lessons", cols)


def price_snapshots(items: Rows) -> pd.DataFrame:
    """One row per billed request, every ``priceSnapshot`` field; unbilled requests are left out.

    A request is billed once however many answers name it: a replay (a re-run cell), a
    re-fetch or the same result listed twice is one row, the first seen.
    """
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS["price_snapshots"]}
    seen: set[str] = set()
    for d in as_dicts(items):
        snap = d.get("priceSnapshot") if "priceSnapshot" in d else (d if "amountUsd" in d else None)
        if not snap:
            continue
        request_id = d.get("id") if snap is not d else d.get("requestId")
        if request_id is not None:
            if str(request_id) in seen:
                continue
            seen.add(str(request_id))
        amount = _dollars(snap.get("amountUsd"))
        cols["request_id"].append(request_id)
        cols["category"].append(snap.get("category"))
        cols["catalog_key"].append(snap.get("catalogKey"))
        cols["tier"].append(snap.get("tier"))
        cols["unit"].append(snap.get("unit"))
        cols["unit_price"].append(_decimal(snap.get("unitPrice")))
        cols["units"].append(snap.get("units"))
        cols["amount_usd"].append(amount)
        cols["amount_cents"].append(to_cents(amount))
        cols["whole_cents"].append(None if amount is None else to_cents(amount) is not None)
        cols["currency"].append(snap.get("currency"))
        cols["source"].append(snap.get("source"))
        cols["created_at"].append(d.get("createdAt"))
    return _frame("price_snapshots", cols)


def to_html(frame: pd.DataFrame) -> str:
    """A frame as an HTML table for people: money as money (``$0.30``, ``-$0.05``), missing values blank.

    The frame keeps its exact ``Decimal`` values; this is how a widget or an app shows them. The
    table is marked so that Jupyter's MathJax does not read two dollar amounts as TeX.
    """
    shown = pd.DataFrame(
        {column: [(_usd_cell if column in MONEY_COLUMNS else _cell)(v) for v in frame[column]] for column in frame}
    )
    table = shown.to_html(index=False)
    return f"<div class='tex2jax_ignore mathjax_ignore'>{table}</div>"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (str, Decimal)) and bool(pd.isna(value)))


def _cell(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _usd_cell(value: Any) -> str:
    if _missing(value):
        return ""
    return format_usd(value if isinstance(value, Decimal) else Decimal(str(value)))
