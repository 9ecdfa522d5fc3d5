"""``ExpansionForm``: an expansion request built field by field, validated before it is sent.

The form keeps any request it is given exactly, or says what it cannot show and refuses
to launch: it never sends content other than what was loaded and edited. Entries are
edited one per line as ``term | meaning | example``; a ``|``, a line break or a
backslash inside a value is written ``\\|``, ``\\n`` or ``\\\\``. Fields the form has no
widget for (extra fields of the payload, the category, the level or a lesson) are kept as
they came; what it cannot keep (an entry's extra fields, a value with surrounding blanks)
is named, and Launch stays off until the request is loaded without it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w
from pydantic import ValidationError

from .. import idempotency
from ..display import Card
from ..models.constants import OUTPUT_TYPES
from ..models.requests import ExpansionCreate, field_errors
from ..sync_clients import ContentClient
from .summary import Summarized

__all__ = ["ExpansionForm", "LessonEditor", "differences", "entry_line", "parse_entry_line"]

_ERR = "color:#b00020;font-size:90%"
_LESSON_FIELDS = ("id", "type", "title", "items", "terms")
_ENTRY_FIELDS = ("term", "meaning", "example")
_SPLIT = re.compile(r"(?<!\\)(?:\\\\)*\|")


def _error_html(message: str | None) -> str:
    return f"<span style='{_ERR}'>{html.escape(message)}</span>" if message else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "\\r").replace("\n", "\\n")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "r": "\r"}.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def entry_line(entry: Mapping[str, Any]) -> str:
    r"""One entry as a line of the editor: ``term | meaning | example``, with ``|``, line breaks and ``\`` escaped.

    >>> entry_line({"term": "a | b", "meaning": "true if\neither is"})
    'a \\| b | true if\\neither is'
    """
    parts = [entry.get("term", ""), entry.get("meaning", "")]
    if entry.get("example") is not None:
        parts.append(entry["example"])
    return " | ".join(_escape(str(p)) for p in parts)


def parse_entry_line(line: str) -> dict[str, str] | None:
    """The entry a line of the editor holds (``None`` for a blank line); the inverse of :func:`entry_line`."""
    if not line.strip():
        return None
    cells, start = [], 0
    for match in _SPLIT.finditer(line):
        end = match.end() - 1
        cells.append(line[start:end])
        start = match.end()
    cells.append(line[start:])
    values = [_unescape(c.strip()) for c in cells]
    entry = {"term": values[0], "meaning": values[1] if len(values) > 1 else ""}
    if len(values) > 2:
        entry["example"] = " | ".join(values[2:])
    return entry


def differences(wanted: Any, got: Any, path: str = "") -> list[str]:
    """Wire paths where ``got`` is not exactly ``wanted`` (the form's check that nothing changed)."""
    if isinstance(wanted, Mapping) and isinstance(got, Mapping):
        out: list[str] = []
        for key in dict.fromkeys([*wanted, *got]):
            sub = f"{path}.{key}" if path else str(key)
            if key not in got or key not in wanted:
                out.append(sub)
            else:
                out += differences(wanted[key], got[key], sub)
        return out
    if isinstance(wanted, list) and isinstance(got, list) and len(wanted) == len(got):
        return [d for i, (a, b) in enumerate(zip(wanted, got, strict=True)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if wanted == got and type(wanted) is type(got) else [path or "request"]


class LessonEditor(w.VBox):
    """One source lesson: id, type, title, and its entries one per line as ``term | meaning | example``.

    Its extra fields, and whether it lists ``items`` or ``terms``, are kept as it came.
    """

    def __init__(self, form: ExpansionForm, lesson: Mapping[str, Any] | None = None, *, key: str = "items") -> None:
        lesson = dict(lesson or {})
        self.key = "terms" if lesson.get("terms") is not None else ("items" if lesson.get("items") is not None else key)
        self.extra = {k: v for k, v in lesson.items() if k not in _LESSON_FIELDS}
        entries = lesson.get(self.key) or []
        self.form = form
        self.lesson_id = w.Text(value=str(lesson.get("id", "")), description="id", layout=w.Layout(width="30%"))
        self.lesson_type = w.Text(
            value=str(lesson.get("type", "vocabulary")), description="type", layout=w.Layout(width="30%")
        )
        self.title = w.Text(value=str(lesson.get("title", "")), description="title", layout=w.Layout(width="40%"))
        self.entries = w.Textarea(
            value="\n".join(entry_line(e) for e in entries if isinstance(e, Mapping)),
            placeholder="term | meaning | example (one per line; write \\| for a | inside a value)",
            layout=w.Layout(width="100%", height="80px"),
        )
        self.error = w.HTML()
        self.up, self.down, self.remove = (
            w.Button(description=d, layout=w.Layout(width="auto")) for d in ("↑", "↓", "remove")
        )
        self.up.on_click(lambda _: form.move(self, -1))
        self.down.on_click(lambda _: form.move(self, +1))
        self.remove.on_click(lambda _: form.remove_lesson(self))
        for child in (self.lesson_id, self.lesson_type, self.title, self.entries):
            child.observe(lambda _: form.refresh(), names="value")
        super().__init__(
            [
                w.HBox([self.lesson_id, self.lesson_type, self.title]),
                self.entries,
                self.error,
                w.HBox([self.up, self.down, self.remove]),
            ],
            layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"),
        )

    def value(self) -> dict[str, Any]:
        """The lesson as it would be sent."""
        lines = self.entries.value.split("\n")  # only \n separates entries: other line breaks are text
        entries = [e for e in map(parse_entry_line, lines) if e is not None]
        return {
            "id": self.lesson_id.value,
            "type": self.lesson_type.value,
            "title": self.title.value,
            **self.extra,
            self.key: entries,
        }


class ExpansionForm(Summarized, w.VBox):
    """Build a Content Integration expansion request; Launch sends it.

    >>> form = ExpansionForm(client=s.content)          # doctest: +SKIP
    >>> form                                            # doctest: +SKIP
    """

    def __init__(
        self,
        client: ContentClient | None = None,
        *,
        request: Mapping[str, Any] | None = None,
        on_launch: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.client, self.on_launch = client, on_launch
        self.job: Any = None
        self.errors: dict[str, str] = {}
        self.unrepresentable: list[str] = []
        """Wire paths of the loaded request the form cannot show; Launch stays off while there are any."""
        self._loading = False
        self._order: list[str] = list(OUTPUT_TYPES)
        self._extra: dict[str, dict[str, Any]] = {"request": {}, "payload": {}, "category": {}, "level": {}}
        self.source_type = w.Text(description="sourceType", placeholder="e.g. floco (optional)")
        self.classroom_id = w.Text(description="classroomId", placeholder="optional: the client's classroom")
        self.category_id = w.Text(description="category id")
        self.category_title = w.Text(description="category")
        self.language = w.Text(value="en", description="language")
        self.level_id = w.Text(description="level id")
        self.level_title = w.Text(description="level")
        self.outputs = {o: w.Checkbox(value=True, description=o, indent=False) for o in OUTPUT_TYPES}
        self.upload = w.FileUpload(accept=".json,application/json", multiple=False, description="load JSON")
        self.upload.observe(self._uploaded, names="value")
        self.upload_status = w.HTML()
        self.lessons = w.VBox()
        self.add_button = w.Button(description="add lesson", icon="plus")
        self.add_button.on_click(lambda _: self.add_lesson())
        self.preview = w.HTML()
        self.key_label = w.HTML()
        self.kept = w.HTML()
        self.status = w.HTML()
        self.launch_button = w.Button(description="Launch", button_style="primary", icon="rocket")
        self.launch_button.on_click(lambda _: self.launch())
        self.field_errors = {
            name: w.HTML()
            for name in (
                "sourceType",
                "classroomId",
                "payload.category",
                "payload.language",
                "payload.level",
                "requestedOutputs",
                "payload.level.lessons",
            )
        }
        for widget in (
            self.source_type,
            self.classroom_id,
            self.category_id,
            self.category_title,
            self.language,
            self.level_id,
            self.level_title,
        ):
            widget.observe(lambda _: self.refresh(), names="value")
        for name, box in self.outputs.items():
            box.observe(lambda change, n=name: self._toggled(n, change["new"]), names="value")
        self.source_type.observe(self._source_type_changed, names="value")
        rows = [
            w.HBox([self.upload, self.upload_status]),
            w.HBox([self.source_type, self.field_errors["sourceType"]]),
            w.HBox([self.classroom_id, self.field_errors["classroomId"]]),
            w.HBox([self.category_id, self.category_title, self.field_errors["payload.category"]]),
            w.HBox([self.language, self.field_errors["payload.language"]]),
            w.HBox([self.level_id, self.level_title, self.field_errors["payload.level"]]),
            w.HBox([w.Label("requestedOutputs"), *self.outputs.values(), self.field_errors["requestedOutputs"]]),
            w.HTML("<b>lessons</b>"),
            self.lessons,
            w.HBox([self.add_button, self.field_errors["payload.level.lessons"]]),
            w.HTML("<b>request</b>"),
            self.preview,
            self.kept,
            self.key_label,
            w.HBox([self.launch_button, self.status]),
        ]
        super().__init__(rows)
        self.load(request or _EXAMPLE)

    # ------------------------------------------------------------ the request

    def lesson_editors(self) -> list[LessonEditor]:
        return [child for child in self.lessons.children if isinstance(child, LessonEditor)]

    @property
    def request(self) -> dict[str, Any]:
        """The request body as it would be sent."""
        cat_id, cat_title = self.category_id.value, self.category_title.value
        category: Any = {"id": cat_id, "title": cat_title, **self._extra["category"]} if cat_id else cat_title
        level = {
            "id": self.level_id.value,
            "title": self.level_title.value,
            **self._extra["level"],
            "lessons": [e.value() for e in self.lesson_editors()],
        }
        payload: dict[str, Any] = {"category": category}
        if self.language.value:
            payload["language"] = self.language.value
        payload.update(self._extra["payload"])
        payload["level"] = level
        body: dict[str, Any] = {}
        if self.source_type.value:
            body["sourceType"] = self.source_type.value
        body["requestedOutputs"] = self._chosen_outputs()
        body["payload"] = payload
        if self.classroom_id.value:
            body["classroomId"] = self.classroom_id.value
        body.update(self._extra["request"])
        return body

    def _chosen_outputs(self) -> list[str]:
        return [o for o in self._order if self.outputs[o].value]

    def _source_type_changed(self, change: Mapping[str, Any]) -> None:
        """A source type the user types picks its entries' name: ``terms`` for floco, ``items`` otherwise."""
        if self._loading:
            return
        for editor in self.lesson_editors():
            editor.key = "terms" if change["new"] == "floco" else "items"
        self.refresh()

    def _toggled(self, name: str, on: bool) -> None:
        """A newly ticked output goes last, so the loaded order of the others never changes."""
        if self._loading:
            return
        if on and name in self._order:
            self._order.remove(name)
            self._order.append(name)
        self.refresh()

    def validate(self) -> dict[str, str]:
        """Field path to message for every problem, checked with the API's own rules and names."""
        out: dict[str, str] = dict.fromkeys(
            self.unrepresentable, "the form cannot show this field; launch this request from code"
        )
        try:
            ExpansionCreate.model_validate(self.request)
        except ValidationError as exc:
            for path, message in field_errors(exc):
                out.setdefault(path or "request", message)
        return out

    @property
    def as_sent(self) -> dict[str, Any]:
        """The body Launch sends: the form's request, addressed to the client's chosen classroom when it names none."""
        return self.client.expansions.as_sent(self.request) if self.client is not None else self.request

    @property
    def idempotency_key(self) -> str:
        """The key Launch sends: the expansions group's one derivation (``expansion:{source id}:v1:{fingerprint}``)."""
        if self.client is not None:
            return str(self.client.expansions.idempotency_key(self.request))
        return idempotency.expansion(self.request)

    def refresh(self) -> None:
        """Re-validate and redraw the preview, the key and the errors next to their fields."""
        if self._loading:
            return
        self.errors = self.validate()
        for name, label in self.field_errors.items():
            label.value = _error_html(
                next(
                    (
                        m
                        for p, m in self.errors.items()
                        if p == name or (p.startswith(name + ".") and not p.startswith("payload.level.lessons["))
                    ),
                    None,
                )
            )
        for i, editor in enumerate(self.lesson_editors()):
            prefix = f"payload.level.lessons[{i}]"
            editor.error.value = _error_html(
                "; ".join(
                    f"{p.removeprefix(prefix).lstrip('.') or 'lesson'}: {m}"
                    for p, m in self.errors.items()
                    if p.startswith(prefix)
                )
            )
        sent = json.dumps(self.as_sent, indent=2, ensure_ascii=False)
        self.preview.value = f"<pre style='max-height:240px;overflow:auto'>{html.escape(sent)}</pre>"
        self.key_label.value = f"Idempotency-Key: <code>{html.escape(self.idempotency_key or '')}</code>"
        kept = [f"{_WHERE[part]}{name}" for part, extra in self._extra.items() for name in extra]
        kept += [f"payload.level.lessons[{i}].{name}" for i, e in enumerate(self.lesson_editors()) for name in e.extra]
        self.kept.value = f"<i>kept as loaded, no widget: {html.escape(', '.join(kept))}</i>" if kept else ""
        if self.unrepresentable:
            self.status.value = _error_html(
                "the form cannot show " + ", ".join(self.unrepresentable) + ": Launch is off so that nothing "
                "else is sent; launch this request from code (s.content.expansions.create(request)) or load "
                "it without those fields"
            )
        self.launch_button.disabled = bool(self.errors)

    def to_json(self) -> str:
        return json.dumps(self.request, indent=2, ensure_ascii=False)

    # ------------------------------------------------------------ editing

    def add_lesson(self, lesson: Mapping[str, Any] | None = None) -> LessonEditor:
        n = len(self.lessons.children) + 1
        key = "terms" if self.source_type.value == "floco" else "items"
        editor = LessonEditor(self, lesson or {"id": f"lesson-{n}", "type": "vocabulary", "title": "", key: []})
        self.lessons.children = (*self.lessons.children, editor)
        self.refresh()
        return editor

    def remove_lesson(self, editor: LessonEditor) -> None:
        self.lessons.children = tuple(e for e in self.lessons.children if e is not editor)
        self.refresh()

    def move(self, editor: LessonEditor, step: int) -> None:
        children = list(self.lessons.children)
        i = children.index(editor)
        j = max(0, min(len(children) - 1, i + step))
        children[i], children[j] = children[j], children[i]
        self.lessons.children = tuple(children)
        self.refresh()

    def load(self, request: Mapping[str, Any] | str | Path) -> None:
        """Fill the form from a request dict, or a JSON file of one.

        A bare source payload (``category``, ``language``, ``level``, as the source system
        exports it) is taken as the request's ``payload``; the outputs stay as they are.
        Whatever the form cannot show exactly is listed in :attr:`unrepresentable`, and
        Launch stays off: the form never sends other content than it was given.

        Raises:
            ValueError: the file is not JSON, or its JSON is not an object.
        """
        if not isinstance(request, Mapping):
            loaded = json.loads(Path(request).read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError(f"{request}: expected a JSON object (a request or a source payload)")
            request = loaded
        request = dict(request)
        if "payload" not in request and "level" in request:
            request = {"requestedOutputs": self._chosen_outputs(), "payload": request}
        payload = _mapping(request.get("payload"))
        category = payload.get("category")
        level = _mapping(payload.get("level"))
        self._extra = {
            "request": _without(request, ("sourceType", "requestedOutputs", "payload", "classroomId")),
            "payload": _without(payload, ("category", "language", "level")),
            "category": _without(_mapping(category), ("id", "title")),
            "level": _without(level, ("id", "title", "lessons")),
        }
        wanted = [o for o in request.get("requestedOutputs") or [] if o in self.outputs]
        self._order = list(dict.fromkeys([*wanted, *OUTPUT_TYPES]))
        key = "terms" if request.get("sourceType") == "floco" else "items"
        self._loading = True
        try:
            self.source_type.value = _text(request.get("sourceType"))
            self.classroom_id.value = _text(request.get("classroomId"))
            self.category_id.value = _text(category.get("id")) if isinstance(category, Mapping) else ""
            self.category_title.value = _text(category.get("title") if isinstance(category, Mapping) else category)
            self.language.value = _text(payload.get("language"))
            self.level_id.value, self.level_title.value = _text(level.get("id")), _text(level.get("title"))
            for name, box in self.outputs.items():
                box.value = name in wanted
            listed = level.get("lessons")
            lessons: list[Any] = listed if isinstance(listed, list) else []
            self.lessons.children = tuple(LessonEditor(self, _mapping(lesson), key=key) for lesson in lessons)
        finally:
            self._loading = False
        self.unrepresentable = differences(request, self.request)
        self.refresh()

    def _uploaded(self, change: dict[str, Any]) -> None:
        """A JSON file chosen with the upload button: load it, or say what is wrong with it."""
        if not change["new"]:
            return
        upload = change["new"][0]
        name = str(upload.get("name", "the file"))
        try:
            request = json.loads(bytes(upload["content"]).decode("utf-8"))
            if not isinstance(request, dict):
                raise ValueError("it holds JSON, but not an object: expected a request or a source payload")
        except UnicodeDecodeError:
            self.upload_status.value = _error_html(f"{name}: not UTF-8 text; save the file as UTF-8 and load it again")
            return
        except ValueError as exc:
            self.upload_status.value = _error_html(f"{name}: {exc}")
            return
        self.load(request)
        self.upload_status.value = f"loaded {html.escape(name)}"

    def save(self, path: str | Path) -> Path:
        """Write the request as JSON (UTF-8, whatever the locale) to ``path``; :meth:`load` reads it back."""
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    # ------------------------------------------------------------ launching

    def launch(self) -> Any:
        """Send the request (``client.expansions.create``) or hand it to ``on_launch``."""
        self.refresh()
        if self.errors:
            self.status.value = _error_html(f"{len(self.errors)} problem(s): fix the fields marked in red")
            return None
        try:
            if self.on_launch is not None:
                self.job = self.on_launch(self.request)
            elif self.client is not None:
                self.job = self.client.expansions.create(self.request)
            else:
                raise ValueError("no client: pass ExpansionForm(client=s.content) or on_launch=…")
        except Exception as exc:
            self.status.value = _error_html(f"{type(exc).__name__}: {exc}")
            return None
        job_id = getattr(self.job, "id", None)
        self.status.value = f"launched: job <code>{html.escape(str(job_id))}</code>" if job_id else "launched"
        return self.job

    def card(self) -> Card:
        request = self.request
        level = request["payload"]["level"]
        return Card(
            "Expansion form",
            "valid" if not self.errors else f"{len(self.errors)} problem(s)",
            [
                ("source", f"{idempotency.source_content_id(request) or '—'}, {len(level['lessons'])} lesson(s)"),
                ("outputs", ", ".join(request["requestedOutputs"]) or None),
                ("Idempotency-Key", self.idempotency_key),
                ("launched", f"job {getattr(self.job, 'id', self.job)}" if self.job is not None else None),
                *[(path, message) for path, message in self.errors.items()],
            ],
        )


_WHERE = {"request": "", "payload": "payload.", "category": "payload.category.", "level": "payload.level."}


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _without(values: Mapping[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in known}


def _text(value: Any) -> str:
    """A field's text; a value that is not text shows as text (and the form then names it as changed)."""
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


_EXAMPLE = {
    "requestedOutputs": list(OUTPUT_TYPES),
    "payload": {
        "category": {"id": "language-basics", "title": "Language Basics"},
        "language": "en",
        "level": {
            "id": "level-a1",
            "title": "A1 Foundations",
            "lessons": [
                {
                    "id": "lesson-vocabulary-1",
                    "type": "vocabulary",
                    "title": "Basic greetings",
                    "items": [{"term": "hello", "meaning": "a greeting"}],
                }
            ],
        },
    },
}
