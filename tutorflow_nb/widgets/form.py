"""``ExpansionForm``: an expansion request built field by field, validated before it is sent."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
from pydantic import ValidationError

from .. import idempotency
from ..models.constants import OUTPUT_TYPES
from ..models.requests import ExpansionCreate, field_errors

__all__ = ["ExpansionForm", "LessonEditor"]

_ERR = "color:#b00020;font-size:90%"


def _error_html(message: str | None) -> str:
    return f"<span style='{_ERR}'>{html.escape(message)}</span>" if message else ""


class LessonEditor(w.VBox):
    """One source lesson: id, type, title, and its entries one per line as ``term | meaning | example``."""

    def __init__(self, form: ExpansionForm, lesson: dict[str, Any] | None = None) -> None:
        lesson = lesson or {}
        entries = lesson.get("items") if lesson.get("items") is not None else lesson.get("terms") or []
        self.form = form
        self.lesson_id = w.Text(value=lesson.get("id", ""), description="id", layout=w.Layout(width="30%"))
        self.lesson_type = w.Text(
            value=lesson.get("type", "vocabulary"), description="type", layout=w.Layout(width="30%")
        )
        self.title = w.Text(value=lesson.get("title", ""), description="title", layout=w.Layout(width="40%"))
        self.entries = w.Textarea(
            value="\n".join(
                " | ".join(x for x in (e.get("term", ""), e.get("meaning", ""), e.get("example")) if x is not None)
                for e in entries
            ),
            placeholder="term | meaning | example (one per line)",
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

    def value(self, key: str) -> dict[str, Any]:
        entries = []
        for line in self.entries.value.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not any(parts):
                continue
            entry = {"term": parts[0], "meaning": parts[1] if len(parts) > 1 else ""}
            if key == "terms" and len(parts) > 2 and parts[2]:
                entry["example"] = parts[2]
            entries.append(entry)
        return {
            "id": self.lesson_id.value.strip(),
            "type": self.lesson_type.value.strip(),
            "title": self.title.value.strip(),
            key: entries,
        }


class ExpansionForm(w.VBox):
    """Build a Content Integration expansion request; Launch sends it.

    >>> form = ExpansionForm(client=s.content)          # doctest: +SKIP
    >>> form                                            # doctest: +SKIP
    """

    def __init__(
        self,
        client: Any = None,
        *,
        request: dict[str, Any] | None = None,
        on_launch: Callable[[Any], Any] | None = None,
    ) -> None:
        self.client, self.on_launch = client, on_launch
        self.job: Any = None
        self.errors: dict[str, str] = {}
        self._loading = False
        self.source_type = w.Text(description="sourceType", placeholder="e.g. floco (optional)")
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
        self.status = w.HTML()
        self.launch_button = w.Button(description="Launch", button_style="primary", icon="rocket")
        self.launch_button.on_click(lambda _: self.launch())
        self.field_errors = {
            name: w.HTML()
            for name in (
                "sourceType",
                "payload.category",
                "payload.language",
                "payload.level",
                "requestedOutputs",
                "payload.level.lessons",
            )
        }
        for widget in (
            self.source_type,
            self.category_id,
            self.category_title,
            self.language,
            self.level_id,
            self.level_title,
            *self.outputs.values(),
        ):
            widget.observe(lambda _: self.refresh(), names="value")
        rows = [
            w.HBox([self.upload, self.upload_status]),
            w.HBox([self.source_type, self.field_errors["sourceType"]]),
            w.HBox([self.category_id, self.category_title, self.field_errors["payload.category"]]),
            w.HBox([self.language, self.field_errors["payload.language"]]),
            w.HBox([self.level_id, self.level_title, self.field_errors["payload.level"]]),
            w.HBox([w.Label("requestedOutputs"), *self.outputs.values(), self.field_errors["requestedOutputs"]]),
            w.HTML("<b>lessons</b>"),
            self.lessons,
            w.HBox([self.add_button, self.field_errors["payload.level.lessons"]]),
            w.HTML("<b>request</b>"),
            self.preview,
            self.key_label,
            w.HBox([self.launch_button, self.status]),
        ]
        super().__init__(rows)
        self.load(request or _EXAMPLE)

    # ------------------------------------------------------------ the request

    def lesson_editors(self) -> list[LessonEditor]:
        return list(self.lessons.children)  # type: ignore[arg-type]

    @property
    def request(self) -> dict[str, Any]:
        """The request body as it would be sent."""
        key = "terms" if self.source_type.value.strip() == "floco" else "items"
        cat_id, cat_title = self.category_id.value.strip(), self.category_title.value.strip()
        payload: dict[str, Any] = {
            "category": {"id": cat_id, "title": cat_title} if cat_id else cat_title,
            "level": {
                "id": self.level_id.value.strip(),
                "title": self.level_title.value.strip(),
                "lessons": [e.value(key) for e in self.lesson_editors()],
            },
        }
        if self.language.value.strip():
            payload["language"] = self.language.value.strip()
        body: dict[str, Any] = {"requestedOutputs": self._chosen_outputs(), "payload": payload}
        if self.source_type.value.strip():
            body = {"sourceType": self.source_type.value.strip(), **body}
        return body

    def _chosen_outputs(self) -> list[str]:
        return [o for o, box in self.outputs.items() if box.value]

    def validate(self) -> dict[str, str]:
        """Field path to message for every problem, checked with the API's own rules and names."""
        try:
            ExpansionCreate.model_validate(self.request)
        except ValidationError as exc:
            out: dict[str, str] = {}
            for path, message in field_errors(exc):
                out.setdefault(path or "request", message)
            return out
        return {}

    @property
    def idempotency_key(self) -> str:
        """The key Launch sends: the expansions group's one derivation (``expansion:{source id}:v1:{fingerprint}``)."""
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
        self.preview.value = f"<pre style='max-height:240px;overflow:auto'>{html.escape(self.to_json())}</pre>"
        self.key_label.value = f"Idempotency-Key: <code>{html.escape(self.idempotency_key or '')}</code>"
        self.launch_button.disabled = bool(self.errors)

    def to_json(self) -> str:
        return json.dumps(self.request, indent=2, ensure_ascii=False)

    # ------------------------------------------------------------ editing

    def add_lesson(self, lesson: dict[str, Any] | None = None) -> LessonEditor:
        n = len(self.lessons.children) + 1
        editor = LessonEditor(self, lesson or {"id": f"lesson-{n}", "type": "vocabulary", "title": "", "items": []})
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

    def load(self, request: dict[str, Any] | str | Path) -> None:
        """Fill the form from a request dict, or a JSON file of one.

        A bare source payload (``category``, ``language``, ``level``, as the source system
        exports it) is taken as the request's ``payload``; the outputs stay as they are.
        """
        if not isinstance(request, dict):
            request = json.loads(Path(request).read_text())
        if "payload" not in request and "level" in request:
            request = {"requestedOutputs": self._chosen_outputs(), "payload": request}
        payload = request.get("payload") or {}
        category = payload.get("category")
        level = payload.get("level") or {}
        self._loading = True
        try:
            self.source_type.value = request.get("sourceType") or ""
            self.category_id.value = category.get("id", "") if isinstance(category, dict) else ""
            self.category_title.value = category.get("title", "") if isinstance(category, dict) else (category or "")
            self.language.value = payload.get("language") or ""
            self.level_id.value, self.level_title.value = level.get("id", ""), level.get("title", "")
            wanted = request.get("requestedOutputs") or []
            for name, box in self.outputs.items():
                box.value = name in wanted
            self.lessons.children = tuple(LessonEditor(self, lesson) for lesson in level.get("lessons") or [])
        finally:
            self._loading = False
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
        path = Path(path)
        path.write_text(self.to_json() + "\n")
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

    def __repr__(self) -> str:
        state = f"{len(self.errors)} problem(s)" if self.errors else "valid"
        return f"<ExpansionForm {len(self.lesson_editors())} lesson(s), {state}, key {self.idempotency_key}>"

    def _repr_html_(self) -> str:
        return (
            f"<p><b>ExpansionForm</b> ({'valid' if not self.errors else 'has problems'})</p>"
            f"<pre>{html.escape(self.to_json())}</pre>"
        )


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
