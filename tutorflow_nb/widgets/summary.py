"""What a widget shows where no widget front end runs: a rendered notebook on GitHub, nbconvert HTML, a terminal.

A widget that mixes in :class:`Summarized` keeps its live view in JupyterLab and Voilà,
and adds to its display bundle a text summary (``text/plain``) and an HTML card
(``text/html``) of its state, never ``VBox(children=...)``.
"""

from __future__ import annotations

from typing import Any

from ..display import Card

__all__ = ["Summarized"]


class Summarized:
    """Mixed into a widget class (before the ipywidgets base): ``card()`` says what the widget holds."""

    def card(self) -> Card:
        raise NotImplementedError

    def __repr__(self) -> str:
        card = self.card()
        return f"<{type(self).__name__} {card.title}{f' · {card.status}' if card.status else ''}>"

    def __str__(self) -> str:
        return self.card().text()

    def _repr_html_(self) -> str:
        return self.card().html()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = dict(super()._repr_mimebundle_(**kwargs) or {})  # type: ignore[misc]  # ipywidgets' own
        card = self.card()
        bundle["text/plain"] = card.text()
        bundle["text/html"] = card.html()
        return bundle
