"""``CourseBrowser``: a generated course's chapters and lessons, its price, a lesson's payload."""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as w

from ..display import Card
from ..models import CourseRequest
from ..sync_clients import PlatformClient
from .summary import Summarized

__all__ = ["CourseBrowser"]


class CourseBrowser(Summarized, w.VBox):
    """Chapters and lessons with their types and links, the price snapshot, and the canonical
    payload of the lesson you pick (through the course's edit token).

    >>> CourseBrowser(s.platform, course)                           # doctest: +SKIP
    """

    def __init__(self, platform: PlatformClient | None, course: CourseRequest) -> None:
        self.platform, self.course = platform, course
        self.header = w.HTML()
        self.chapters = w.Accordion()
        self.lesson = w.Dropdown(description="lesson", options=[])
        self.open_button = w.Button(description="open payload")
        self.open_button.on_click(lambda _: self.open_lesson())
        self.payload = w.HTML()
        super().__init__([self.header, self.chapters, w.HBox([self.lesson, self.open_button]), self.payload])
        self.draw()

    def draw(self) -> None:
        c = self.course
        snap = c.price_snapshot
        price = f"${snap.amount_usd} = {snap.units} × ${snap.unit_price}" if snap else "not billed"
        self.header.value = (
            f"<b>{html.escape(c.title or '')}</b> · {c.status} · {c.lesson_count or 0} lessons · "
            f"{price}"
            + (f" · <a href='{html.escape(c.public_url)}' target='_blank'>public</a>" if c.public_url else "")
        )
        children, titles = [], []
        for chapter in c.chapters or []:
            rows = "".join(
                f"<tr><td>{x.sequence}</td><td>{html.escape(x.title)}</td><td><code>{x.type}</code></td>"
                f"<td><a href='{html.escape(x.lesson_url or '')}' target='_blank'>open</a></td></tr>"
                for x in c.lessons or []
                if x.chapter_title == chapter.title
            )
            children.append(w.HTML(f"<table>{rows}</table>"))
            titles.append(f"{chapter.sequence}. {chapter.title} ({chapter.lesson_count})")
        self.chapters.children = children
        for i, t in enumerate(titles):
            self.chapters.set_title(i, t)
        self.lesson.options = [(f"{x.sequence}. {x.title}", x.sequence) for x in c.lessons or []]

    def open_lesson(self) -> dict[str, Any] | None:
        """The picked lesson's canonical payload (by UUID, which survives reorders); needs the platform client."""
        if self.platform is None:
            self.payload.value = "<i>no platform client: show CourseBrowser(s.platform, course) to open a lesson</i>"
            return None
        editor = self.platform.courses.editor(self.course)
        lessons = editor.canonical().lessons
        chosen = next((x for x in lessons if x["sequence"] == self.lesson.value), None)
        if chosen is None:
            self.payload.value = "<i>no such lesson</i>"
            return None
        full: dict[str, Any] = editor.lesson_by_id(chosen["id"])
        self.payload.value = (
            f"<pre style='max-height:300px;overflow:auto'>{html.escape(json.dumps(full, indent=2))}</pre>"
        )
        return full

    def card(self) -> Card:
        card = self.course.card() if hasattr(self.course, "card") else Card("Course")
        return card
