"""The base of every model (camelCase aliases, extra fields kept), and request bodies from what callers hold."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from ..display import Card, short

__all__ = ["Body", "Model", "Page", "to_body", "when"]

T = TypeVar("T")


def when(value: datetime | None) -> str | None:
    """A moment as a card shows it, ``2026-11-24 05:42:19 UTC``; ``None`` stays ``None``."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else None


class Model(BaseModel):
    """A wire shape: camelCase aliases, unknown fields kept, and a card to show itself by.

    In a notebook a model renders as its card (HTML); IPython and ``str()`` print the card
    as text; ``repr()`` is one line. ``model_dump()`` still gives every field.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The model as the API spells it (camelCase), extra fields included."""
        return self.model_dump(mode="json", by_alias=True)

    def to_stored(self) -> dict[str, Any]:
        """The model as a store keeps it: :meth:`to_wire` without any secret the API put in it."""
        return self.to_wire()

    def card(self) -> Card | None:
        """How this object shows itself (``None``: as pydantic shows a model)."""
        return None

    def _repr_html_(self) -> str | None:
        card = self.card()
        return card.html() if card is not None else None

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        card = None if cycle else self.card()
        printer.text(card.text() if card is not None else repr(self))

    def __str__(self) -> str:
        card = self.card()
        return card.text() if card is not None else super().__str__()

    def __repr__(self) -> str:
        card = self.card()
        if card is None:
            return super().__repr__()
        ident = getattr(self, "id", None)
        name = short(ident) if isinstance(ident, str) else card.title
        return f"<{type(self).__name__} {name}{f' · {card.status}' if card.status else ''}>"


class Page(Model, Generic[T]):
    """One page of a list: ``data`` and the cursor of the next page (``None`` at the end)."""

    data: list[T]
    next_cursor: str | None = None


Body = BaseModel | Mapping[str, Any]
"""A request body as a caller holds it: a dict in the documents' shape, or a model."""


def to_body(data: Body | None = None, **fields: Any) -> dict[str, Any]:
    """A request body from a dict or model plus snake_case keyword fields (``None`` left out).

    >>> to_body({"title": "Intro"}, lesson_count=6, mode=None)
    {'title': 'Intro', 'lessonCount': 6}
    """
    if isinstance(data, BaseModel):
        body = data.model_dump(mode="json", by_alias=True, exclude_none=True)
    elif data is None:
        body = {}
    elif isinstance(data, Mapping):
        body = dict(data)
    else:
        raise TypeError(f"a request body is a dict or a model, not {type(data).__name__}")
    body.update({to_camel(k): v for k, v in fields.items() if v is not None})
    return body
