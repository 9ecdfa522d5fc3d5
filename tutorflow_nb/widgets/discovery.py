"""``Discovery``: organizations, a new key (shown by its prefix), classrooms: the documented sequence."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from ..display import Card
from ..models import CreatedApiKey
from ..models.constants import MAX_RATE_LIMIT
from ..sync_clients import AdminClient, ContentClient
from .summary import Summarized

__all__ = ["Discovery"]


class Discovery(Summarized, w.VBox):
    """Sign-in is the admin client's; this walks the rest: pick an organization, create a
    ``tf_content_`` key, pick one of its classrooms. ``content`` is then a ready client.

    >>> d = Discovery(s.admin)                                      # doctest: +SKIP
    """

    def __init__(self, admin: AdminClient, *, key_name: str = "tutorflow-nb") -> None:
        self.admin = admin
        self.content: ContentClient | None = None
        self.created_key: CreatedApiKey | None = None
        self.organization = w.Dropdown(description="organization", options=[])
        self.key_name = w.Text(value=key_name, description="key name")
        self.rate_limit = w.BoundedIntText(value=60, min=1, max=MAX_RATE_LIMIT, description="per minute")
        self.create_button = w.Button(description="create key", button_style="primary")
        self.create_button.on_click(lambda _: self.create_key())
        self.key_label = w.HTML()
        self.classroom = w.Dropdown(description="classroom", options=[])
        self.classroom.observe(self._classroom_picked, names="value")
        self.error = w.HTML()
        super().__init__(
            [
                self.organization,
                w.HBox([self.key_name, self.rate_limit, self.create_button]),
                self.key_label,
                self.classroom,
                self.error,
            ]
        )
        self.load_organizations()

    def load_organizations(self) -> None:
        try:
            orgs = self.admin.organizations()
        except Exception as exc:
            self.error.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self.organization.options = [(f"{o.name} ({o.id})", o.id) for o in orgs]
        if orgs:
            self.organization.value = orgs[0].id

    def create_key(self) -> ContentClient | None:
        """Create the key (its full value is kept in the client, never shown) and list its classrooms; the client on
        that key (``None`` when it could not be made: the widget says why)."""
        if not self.organization.value:
            self.error.value = "<span style='color:#b00020'>pick an organization first</span>"
            return None
        try:
            self.created_key = self.admin.api_keys.create(
                self.organization.value, self.key_name.value, rate_limit_per_minute=self.rate_limit.value
            )
            content = self.content = ContentClient(self.admin.http.base_url, self.created_key.key)
            rooms = content.classrooms()
        except Exception as exc:
            self.error.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return None
        self.error.value = ""
        self.key_label.value = (
            f"created <code>{html.escape(self.created_key.key_prefix)}…</code> "
            f"({self.created_key.rate_limit_per_minute}/min): stored in this session only"
        )
        self.classroom.options = [(f"{r.name} ({r.id})", r.id) for r in rooms]
        if rooms:
            self.classroom.value = rooms[0].id
            content.use_classroom(rooms[0].id)
        return content

    def _classroom_picked(self, change: dict[str, Any]) -> None:
        if self.content is not None and change["new"]:
            self.content.use_classroom(change["new"])

    def card(self) -> Card:
        key = f"{self.created_key.key_prefix}…" if self.created_key else None
        return Card(
            "Discovery",
            "key created" if key else "no key yet",
            [("organization", self.organization.value), ("key", key), ("classroom", self.classroom.value)],
        )
