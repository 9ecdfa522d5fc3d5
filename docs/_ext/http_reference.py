"""The HTTP reference: every operation and schema of the mock's OpenAPI description, as plain pages.

It reads ``docs/openapi.json``, the committed snapshot of what the mock serves at ``/openapi.json`` (a test
keeps the two equal), and writes Markdown: operations grouped by tag, each with its credential, parameters,
request body, responses and the assumptions it rests on; then every schema as a table of its fields. The
pages need no script and no viewer from another host, and Sphinx's search finds every route.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils.nodes import make_id
from generated import generator
from sphinx.application import Sphinx

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
SNAPSHOT = "openapi.json"


def operation_anchor(method: str, path: str, operation: dict[str, Any]) -> str:
    """The HTML id of an operation's section: its operationId, else its method and path."""
    return make_id("op-" + (operation.get("operationId") or f"{method}-{path}"))


def schema_anchor(name: str) -> str:
    """The HTML id of a schema's section."""
    return make_id(f"schema-{name}")


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``(method, path, operation)`` of a description, in its order."""
    return [
        (method, path, operation)
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _schema_link(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return f"{{ref}}`{name} <{schema_anchor(name)}>`"


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type in a few words: links to named schemas, alternatives, items, enums, bounds."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _schema_link(schema["$ref"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [type_of(s) for s in schema[key]]
            nullable = "null" in options
            words = " or ".join(o for o in options if o != "null")
            return f"{words} or null" if nullable else words
    if "allOf" in schema:
        return " and ".join(type_of(s) for s in schema["allOf"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " or ".join(type_of({**schema, "type": k}) for k in kind)
    if kind == "array":
        words = f"array of {type_of(schema.get('items', {}))}"
    elif kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        words = f"object of {type_of(schema['additionalProperties'])}"
    else:
        words = str(kind) + (f" ({schema['format']})" if "format" in schema else "")
    bounds = []
    for key, label in (
        ("minLength", "length ≥"),
        ("maxLength", "length ≤"),
        ("minItems", "items ≥"),
        ("maxItems", "items ≤"),
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            bounds.append(f"{label} {schema[key]}")
    if "pattern" in schema:
        bounds.append(f"matches `{schema['pattern']}`")
    return words + (f" ({', '.join(bounds)})" if bounds else "")


def _credential(spec: dict[str, Any], operation: dict[str, Any]) -> str:
    schemes = spec.get("components", {}).get("securitySchemes", {})
    needs = operation.get("security", spec.get("security"))
    if not needs:
        return "none"
    options = []
    for requirement in needs:
        names = []
        for name in requirement:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "http":
                detail = f"{scheme.get('scheme', '')} {scheme.get('description', '')}".strip()
            else:
                detail = f"{scheme.get('in', '')} `{scheme.get('name', '')}`".strip()
            names.append(f"`{name}` ({detail})")
        options.append(" and ".join(names) or "none")
    return " or ".join(options)


def _operation(spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> list[str]:
    out = [f"({operation_anchor(method, path, operation)})=", f"### `{method.upper()} {path}`", ""]
    if operation.get("summary"):
        out += [f"**{operation['summary']}**", ""]
    if operation.get("deprecated"):
        out += ["*Deprecated.*", ""]
    if operation.get("description"):
        out += [operation["description"], ""]
    out += [f"Credential: {_credential(spec, operation)}.", ""]
    parameters = operation.get("parameters", [])
    if parameters:
        out += ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
        for p in parameters:
            out.append(
                f"| `{p['name']}` | {p.get('in', '')} | {_cell(type_of(p.get('schema', {})))} | "
                f"{'yes' if p.get('required') else 'no'} | {_cell(p.get('description', ''))} |"
            )
        out.append("")
    body = operation.get("requestBody")
    if body:
        kinds = [f"{_cell(type_of(c.get('schema', {})))} as `{t}`" for t, c in body.get("content", {}).items()]
        required = "required" if body.get("required") else "optional"
        out += [f"Request body ({required}): {'; '.join(kinds)}.", ""]
    out += ["| status | meaning | body |", "|---|---|---|"]
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        kinds = "; ".join(f"{type_of(c.get('schema', {}))} as `{t}`" for t, c in content.items()) or "none"
        out.append(f"| {status} | {_cell(answer.get('description', ''))} | {_cell(kinds)} |")
    out.append("")
    assumed = operation.get("x-assumptions", [])
    if assumed:
        links = ", ".join(f"{{ref}}`{a['id']} <assumption-{a['id']}>`" for a in assumed)
        out += [f"Rests on the assumptions: {links}.", ""]
    return out


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    out = [f"({schema_anchor(name)})=", f"### `{name}`", ""]
    if schema.get("description"):
        out += [schema["description"], ""]
    properties = schema.get("properties")
    if not properties:
        return [*out, f"{type_of({k: v for k, v in schema.items() if k != 'title'})}.", ""]
    required = set(schema.get("required", []))
    out += ["| field | type | required | description |", "|---|---|---|---|"]
    for field, sub in properties.items():
        detail = sub.get("description", "")
        if "default" in sub:
            detail = f"{detail} Default `{json.dumps(sub['default'])}`.".strip()
        out.append(f"| `{field}` | {_cell(type_of(sub))} | {'yes' if field in required else 'no'} | {_cell(detail)} |")
    extra = schema.get("additionalProperties")
    out += ["", "Other fields are refused." if extra is False else "Other fields are kept.", ""]
    return out


def render(spec: dict[str, Any]) -> str:
    """The reference as Markdown: operations by tag, then schemas."""
    out: list[str] = []
    tags: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for method, path, operation in operations(spec):
        tags.setdefault((operation.get("tags") or ["Other"])[0], []).append((method, path, operation))
    described = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    for tag, ops in tags.items():
        out += [f"## {tag}", ""]
        if described.get(tag):
            out += [described[tag], ""]
        for method, path, operation in ops:
            out += _operation(spec, method, path, operation)
    out += ["## Schemas", ""]
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        out += _schema(name, schema)
    return "\n".join(out)


@generator("http")
def _http(app: Sphinx, docname: str, arg: str) -> str:
    snapshot = Path(app.srcdir) / (arg or SNAPSHOT)
    app.env.note_dependency(str(snapshot))
    return render(json.loads(snapshot.read_text(encoding="utf-8")))


def setup(app: Sphinx) -> dict[str, Any]:
    return {"parallel_read_safe": True, "parallel_write_safe": True}
