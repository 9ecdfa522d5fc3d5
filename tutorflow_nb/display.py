"""How objects show themselves: one :class:`Card` gives both the HTML a notebook renders and the text a terminal prints.

A card has a title, a status shown as a coloured chip, rows of label and value (ids a
user needs, links, money as money, keys by prefix only) and, optionally, a table. Every
value is escaped; nothing here knows a model.

    >>> print(Card("Expansion job 3f94…", "completed", [("outputs", "3")]).text())
    Expansion job 3f94… · completed
      outputs  3
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Card", "Link", "ShownByCard", "Value", "chip", "format_usd", "short"]

TONE_COLOURS = {"good": "#2e7d32", "bad": "#b00020", "busy": "#1565c0", "idle": "#6d6d6d"}
"""A chip's colour by its tone (``models.constants.tone_of`` says which tone a status has)."""


def format_usd(amount: Decimal | None) -> str:
    """Dollars as people read them: two decimals, more only when the amount has them ($0.004 stays $0.004).

    >>> format_usd(Decimal("0.3")), format_usd(Decimal("0.004")), format_usd(Decimal("-0.05")), format_usd(None)
    ('$0.30', '$0.004', '-$0.05', '—')
    """
    if amount is None:
        return "—"
    amount = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    if not amount.is_finite():  # NaN or Infinity: said as it is, never as money
        return str(amount)
    # written out digit by digit: no rounding to the context's 28 digits, whatever the size
    whole, _, cents = f"{amount.copy_abs():f}".partition(".")
    return f"{'-' if amount < 0 else ''}${whole}.{cents.rstrip('0').ljust(2, '0')}"


def short(value: str | None, keep: int = 8) -> str:
    """An id or token shortened for a glance (``3f9440c4…``); the whole id stays in the object."""
    if not value:
        return "—"
    return value if len(value) <= keep + 1 else value[:keep] + "…"


def chip(status: str | None, tone: str | None = None) -> str:
    """A status as a small chip (HTML), coloured by its ``tone`` (``good``, ``bad``, ``busy``, ``idle``)."""
    if not status:
        return ""
    colour = TONE_COLOURS.get(tone or "", "#37474f")
    return (
        f"<span style='background:{colour};color:#fff;border-radius:9px;padding:1px 8px;"
        f"font-size:85%;font-family:sans-serif'>{html.escape(status)}</span>"
    )


@dataclass(frozen=True)
class Link:
    """A link: clickable in HTML, its text (and address) in plain text."""

    url: str
    text: str

    def html(self) -> str:
        return (
            f"<a href='{html.escape(self.url, quote=True)}' target='_blank' rel='noopener'>{html.escape(self.text)}</a>"
        )

    def __str__(self) -> str:
        return f"{self.text} <{self.url}>"


Value = str | Link | None


@dataclass
class Card:
    """A compact view of one object."""

    title: str
    status: str | None = None
    rows: list[tuple[str, Value]] = field(default_factory=list)
    table: tuple[list[str], list[list[Value]]] | None = None
    note: str | None = None
    tone: str | None = None
    """The status chip's colour: ``good``, ``bad``, ``busy`` or ``idle`` (``models.constants.tone_of``)."""

    def html(self) -> str:
        head = (
            # the classes keep MathJax (JupyterLab's, Notebook's) from reading "$0.25 … $0.05" as TeX
            f"<div class='tf-card tex2jax_ignore mathjax_ignore' "
            f"style='font-family:sans-serif;border:1px solid #ddd;border-radius:6px;padding:6px 10px;"
            f"margin:2px 0;max-width:900px'><div><b>{html.escape(self.title)}</b> {chip(self.status, self.tone)}</div>"
        )
        rows = "".join(
            f"<tr><td style='color:#666;padding-right:12px;text-align:left'>{html.escape(label)}</td>"
            f"<td style='text-align:left'>{_html(value)}</td></tr>"
            for label, value in self.rows
            if value is not None
        )
        body = f"<table style='border-collapse:collapse;margin-top:4px'>{rows}</table>" if rows else ""
        if self.table is not None:
            headers, lines = self.table
            cells = "".join(
                "<tr>" + "".join(f"<td style='padding:1px 8px;text-align:left'>{_html(v)}</td>" for v in line) + "</tr>"
                for line in lines
            )
            body += (
                "<table style='border-collapse:collapse;margin-top:6px;font-size:90%'><tr>"
                + "".join(f"<th style='padding:1px 8px;text-align:left'>{html.escape(h)}</th>" for h in headers)
                + f"</tr>{cells}</table>"
            )
        if self.note:
            body += f"<div style='color:#666;font-size:85%;margin-top:4px'>{html.escape(self.note)}</div>"
        return head + body + "</div>"

    def text(self) -> str:
        lines = [self.title + (f" · {self.status}" if self.status else "")]
        shown = [(label, value) for label, value in self.rows if value is not None]
        width = max((len(label) for label, _ in shown), default=0)
        lines += [f"  {label.ljust(width)}  {value}" for label, value in shown]
        if self.table is not None:
            headers, rows = self.table
            cells = [headers, *[[_text(v) for v in row] for row in rows]]
            widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
            lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        if self.note:
            lines.append(f"  {self.note}")
        return "\n".join(lines)


class ShownByCard:
    """Mixed in by an object that shows itself through its :meth:`card`: a notebook renders the card's
    HTML, IPython and ``str()`` print its text; ``repr()`` stays the class's own."""

    def card(self) -> Card:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.card().html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else self.card().text())

    def __str__(self) -> str:
        return self.card().text()


def _html(value: Value | Any) -> str:
    if isinstance(value, Link):
        return value.html()
    return html.escape("" if value is None else str(value))


def _text(value: Value | Any) -> str:
    if isinstance(value, Link):
        return value.text
    return "" if value is None else str(value)
