"""``CostEstimator``: plan courses and modules, see what they cost, reconcile with the bill."""

from __future__ import annotations

import html
import re
import string
from typing import Any

import ipywidgets as w
import pandas as pd

from .. import frames, pricing
from ..display import Card, format_usd
from .summary import Summarized

__all__ = ["CostEstimator"]


class CostEstimator(Summarized, w.VBox):
    """Lesson counts of the planned courses, how many modules, and the estimate: table, range,
    total and a bar chart. With billed snapshots, a reconciliation too.

    Counts alone name no request, so the reconciliation cannot pair them with bills. Pass
    ``external_ids`` (formats with ``{n}``, the 1-based place in the plan) and create with
    the same external ids: the n-th planned course pairs with the course created with
    ``external_id="course-{n}"``, and a planned one that was never created says so.

    >>> CostEstimator(courses=[5, 10], modules=3)                 # doctest: +SKIP
    >>> CostEstimator(courses=[5] * 3, external_ids=("course-{n}", "module-{n}"))  # doctest: +SKIP
    """

    def __init__(
        self,
        courses: list[int] | None = None,
        modules: int = 0,
        *,
        catalog: pricing.Catalog | None = None,
        history: pricing.History | None = None,
        billed: pricing.Billed | None = None,
        external_ids: tuple[str, str] | None = None,
    ) -> None:
        self.catalog, self.history, self.billed = catalog, history, billed
        self.external_ids = _checked_formats(external_ids)
        self.problem: str | None = None
        """Why the plan as it stands cannot be estimated (``None`` when it can): shown, and in the card."""
        self.estimate: pricing.Estimate | None = None
        self.reconciliation: pd.DataFrame | None = None
        self.course_count = w.IntSlider(value=len(courses or [5]), min=0, max=50, description="courses")
        self.lessons = w.IntSlider(
            value=(courses or [5])[0] if courses else 5, min=1, max=50, description="lessons each"
        )
        self.custom = w.Text(
            value=", ".join(map(str, courses)) if courses else "",
            description="or counts",
            placeholder="e.g. 5, 10, 6 (overrides the sliders)",
        )
        self.modules = w.IntSlider(value=modules, min=0, max=200, description="modules")
        self.error = w.HTML()
        self.summary = w.HTML()
        self.chart = w.HTML()
        self.table = w.HTML()
        self.reconcile_button = w.Button(description="reconcile with billed")  # on once billed: refresh()
        self.reconcile_button.on_click(lambda _: self.reconcile())
        self.reconciled = w.HTML()
        for widget in (self.course_count, self.lessons, self.custom, self.modules):
            widget.observe(lambda _: self.refresh(), names="value")
        super().__init__(
            [
                w.HBox([self.course_count, self.lessons]),
                self.custom,
                self.modules,
                self.error,
                self.summary,
                self.chart,
                self.table,
                self.reconcile_button,
                self.reconciled,
            ]
        )
        self.refresh()

    @property
    def plan(self) -> list[Any]:
        text = self.custom.value.strip()
        if text:  # whole numbers as numbers; anything else stays text, for the estimate to name
            return [
                int(p) if re.fullmatch(r"[+-]?[0-9]+", p.strip()) else p.strip() for p in text.split(",") if p.strip()
            ]
        return [self.lessons.value] * self.course_count.value

    def refresh(self) -> None:
        courses: list[Any] = self.plan
        modules: Any = self.modules.value
        if self.external_ids is not None:
            course_id, module_id = self.external_ids
            courses = [
                (course_id.format(n=n), {"lessonCount": c}) if isinstance(c, int) else c
                for n, c in enumerate(courses, 1)
            ]
            modules = [(module_id.format(n=n), {}) for n in range(1, modules + 1)]
        try:
            self.estimate = pricing.estimate(
                courses=courses, modules=modules, catalog=self.catalog, history=self.history
            )
        except ValueError as exc:
            # nothing of the last plan stays on show: a stale total next to an edited plan would be read as its price
            self.estimate, self.reconciliation, self.problem = None, None, str(exc)
            self.error.value = f"<span style='color:#b00020'>{html.escape(self.problem)}</span>"
            for shown in (self.summary, self.chart, self.table, self.reconciled):
                shown.value = ""
            self.reconcile_button.disabled = True
            return
        self.error.value, self.problem = "", None
        self.reconcile_button.disabled = self.billed is None
        est = self.estimate
        unpriced = f"; unpriced: {', '.join(est.unpriced)}" if est.unpriced else ""
        self.summary.value = (
            f"<b>total {format_usd(est.total)}</b> (range {format_usd(est.low)} to "
            f"{format_usd(est.high)}) for "
            f"{len(est.frame)} request(s){html.escape(unpriced)}"
        )
        by_category = est.frame.groupby("category", observed=True)["amount_usd"].sum()
        top = max([float(v) for v in by_category] + [0.01])
        self.chart.value = "".join(
            f"<div style='display:flex;align-items:center;gap:6px'><span style='width:70px'>{c}</span>"
            f"<div style='background:#1565c0;height:14px;width:{max(2, int(240 * float(v) / top))}px'></div>"
            f"<span>{format_usd(v)}</span></div>"
            for c, v in by_category.items()
        )
        self.table.value = est.frame[
            ["plan_id", "catalog_key", "units", "unit_price", "amount_usd", "low_units", "high_units"]
        ].pipe(frames.to_html)
        if self.reconciliation is not None:  # a reconciliation on show follows the plan
            self.reconcile()

    def set_billed(self, billed: pricing.Billed, history: pricing.History | None = None) -> None:
        """What was billed so far (and, optionally, the lesson history for the range): the reconcile
        button turns on, and a reconciliation on show is redone."""
        self.billed = billed
        if history is not None:
            self.history = history
        self.refresh()  # which turns the reconcile button on or off

    def reconcile(self) -> pd.DataFrame | None:
        """The estimate against what was billed (see :func:`pricing.reconcile`), shown below the button."""
        if self.billed is None or self.estimate is None:
            return None
        self.reconciliation = pricing.reconcile(self.estimate, self.billed)
        total = self.reconciliation.iloc[-1]
        self.reconciled.value = (
            f"<b>billed {format_usd(total['billed_usd'])}</b> against "
            f"{format_usd(total['estimated_usd'])} estimated: {html.escape(str(total['explanation']))}"
            + frames.to_html(self.reconciliation)
        )
        return self.reconciliation

    def card(self) -> Card:
        if self.estimate is None:
            return Card("Cost estimator", "invalid plan", [("problem", self.problem)])
        card = self.estimate.card()
        card.title = f"Cost estimator: {card.title}"
        if self.reconciliation is not None:
            total = self.reconciliation.iloc[-1]
            card.rows.append(("billed", f"{format_usd(total['billed_usd'])}: {total['explanation']}"))
        return card


def _checked_formats(external_ids: tuple[str, str] | None) -> tuple[str, str] | None:
    """``external_ids`` once each is a format of ``{n}`` alone (``course-{n}``), distinct from the other."""
    if external_ids is None:
        return None
    if not isinstance(external_ids, tuple) or len(external_ids) != 2:
        raise ValueError(
            "external_ids: a pair of formats (courses, modules) such as ('course-{n}', 'module-{n}'), "
            f"got {external_ids!r}"
        )
    for name in external_ids:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(name) if f is not None]
        except (ValueError, TypeError):  # a lone brace, or not text at all
            fields = None
        if fields != ["n"]:
            raise ValueError(
                f"external_ids: each format holds {{n}} (the place in the plan) once and no other field, "
                f"e.g. 'course-{{n}}'; got {name!r}"
            )
    if external_ids[0] == external_ids[1]:
        raise ValueError(f"external_ids: courses and modules need different formats, got {external_ids[0]!r} twice")
    return external_ids
