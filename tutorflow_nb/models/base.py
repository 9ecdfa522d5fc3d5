"""The base of every model: camelCase aliases, extra fields kept."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["Model", "Page"]

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    def to_wire(self) -> dict[str, Any]:
        """The model as the API spells it (camelCase), extra fields included."""
        return self.model_dump(mode="json", by_alias=True)


class Page(Model, Generic[T]):
    """One page of a list: ``data`` and the cursor of the next page (``None`` at the end)."""

    data: list[T]
    next_cursor: str | None = None
