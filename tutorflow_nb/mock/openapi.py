"""The mock's ``/openapi.json``: every TutorFlow operation with the answers it really gives.

FastAPI documents a 200 (or the route's status) and a 422 the mock never sends. This pass
makes the description a contract that schemathesis can hold the mock to:

- every success answer refers to the model the client parses it with
  (``tutorflow_nb.models``), so "the mock answers what the client reads" is checked;
- every error status an operation can answer is listed, each with the one error body
  (``statusCode, error, message, code, requestId``, ``fields`` on a 400; see
  ``assumptions.error-body``), and the never-sent 422s are gone;
- every operation names its credential (``security``): a workspace key, a platform
  key, the admin session, or none (edit and share tokens are in the path).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..models import (
    ApiKeyInfo,
    CanonicalCourse,
    Classroom,
    CourseRequest,
    CreatedApiKey,
    DeleteResult,
    EditToken,
    ExpansionJob,
    ExpansionResult,
    Organization,
    PlatformLesson,
    PlatformModule,
    Resource,
    WebhookSubscription,
)

__all__ = ["allowed_methods", "document"]

REF = "#/components/schemas/{model}"
KINDS = "modules|courses|videos|slides|tests"

# (method, path pattern) -> the model the client reads the success answer with; "page:" a list of them
SUCCESS: list[tuple[str, str, type[BaseModel] | str]] = [
    ("GET", r"/v1/content/organizations", "page:Organization"),
    ("POST", r".*/api-keys", CreatedApiKey),
    ("GET", r".*/api-keys", "page:ApiKeyInfo"),
    ("POST", r".*/api-keys/\{keyId\}/rotate", CreatedApiKey),
    ("DELETE", r".*/api-keys/\{keyId\}", ApiKeyInfo),
    ("POST", r".*/webhooks", WebhookSubscription),
    ("GET", r".*/webhooks", "page:WebhookSubscription"),
    ("GET", r"/v1/content/classrooms", "page:Classroom"),
    ("POST", r"/v1/content/integrations/expansions", ExpansionJob),
    ("GET", r"/v1/content/integrations/expansions/\{jobId\}", ExpansionJob),
    ("GET", r".*/expansions/\{jobId\}/result", ExpansionResult),
    ("POST", r".*/integrations/exports", ExpansionResult),
    ("POST", rf".*/(?:{KINDS})", Resource),
    ("GET", rf".*/(?:{KINDS})", "page:Resource"),
    ("GET", rf".*/(?:{KINDS})/\{{resourceId\}}", Resource),
    ("PATCH", rf".*/(?:{KINDS})/\{{resourceId\}}", Resource),
    ("DELETE", rf".*/(?:{KINDS})/\{{resourceId\}}", DeleteResult),
    ("POST", r"/v1/platform/courses", CourseRequest),
    ("GET", r"/v1/platform/courses", "page:CourseRequest"),
    ("GET", r"/v1/platform/courses/\{courseRequestId\}", CourseRequest),
    ("POST", r".*/edit-token", EditToken),
    ("GET", r".*/edit/\{editToken\}/lessons/\{sequence\}", PlatformLesson),
    ("GET", r".*/edit/\{editToken\}/canonical", CanonicalCourse),
    ("POST", r".*/edit/\{editToken\}/lessons", PlatformLesson),
    ("POST", r"/v1/platform/modules", PlatformModule),
    ("GET", r"/v1/platform/modules", "page:PlatformModule"),
    ("GET", r"/v1/platform/modules/\{moduleId\}", PlatformModule),
    ("PATCH", r"/v1/platform/modules/\{moduleId\}", PlatformModule),
    ("DELETE", r"/v1/platform/modules/\{moduleId\}", PlatformModule),
]
MODELS: list[type[BaseModel]] = sorted(
    {m for _, _, m in SUCCESS if not isinstance(m, str)} | {Organization, ApiKeyInfo, Classroom, WebhookSubscription},
    key=lambda m: m.__name__,
)

ERROR = {
    "type": "object",
    "title": "Error",
    "required": ["statusCode", "error", "message", "code"],
    "properties": {
        "statusCode": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "code": {"type": "string"},
        "requestId": {"type": ["string", "null"]},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
REASONS = {
    400: "Bad request: the body, a query or a header is invalid (fields name each one)",
    401: "Missing, unknown or revoked credential (or an expired edit token)",
    403: "The other surface's key",
    404: "Not found, or not this organization's",
    409: "Conflict: an idempotency key reused with another body, or not ready yet",
    413: "Body over 1 MiB",
    429: "Rate limited (Retry-After)",
    503: "Unavailable (Retry-After)",
}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "content": [{"workspaceKey": []}],
    "platform": [{"platformKey": []}],
    "admin": [{"adminSession": []}],
    "token": [],
    "public": [],
}


def surface(path: str) -> str:
    if "/public/" in path or path.endswith(("/auth/sign-in", "/auth/sign-out")):
        return "public"
    if "/courses/edit/" in path:
        return "token"
    if path.startswith(("/v1/content/organizations", "/v1/content/auth/")):
        return "admin"
    return "content" if path.startswith("/v1/content/") else "platform"


def _success(method: str, path: str) -> dict[str, Any] | None:
    for m, pattern, model in SUCCESS:
        if m == method and re.fullmatch(pattern, path):
            if isinstance(model, str):
                item = {"$ref": REF.format(model=model.removeprefix("page:"))}
                return {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {"type": "array", "items": item},
                        "nextCursor": {"type": ["string", "null"]},
                    },
                }
            return {"$ref": REF.format(model=model.__name__)}
    return None


def _errors(method: str, path: str, op: dict[str, Any]) -> list[int]:
    kind = surface(path)
    codes = {400, 429, 503}  # validation, and the faults any TutorFlow route can meet
    codes |= {"content": {401, 403}, "platform": {401, 403}, "admin": {401}, "token": {401, 404}, "public": set()}[kind]
    if "{" in path:
        codes.add(404)
    if "requestBody" in op:
        codes |= {404, 413}  # a body can name a classroom, lesson or module that is not there
    if path.endswith("/auth/sign-in"):
        codes.add(401)
    if path.endswith("/auth/sign-out"):
        codes.discard(400)
    headers = {p["name"] for p in op.get("parameters", []) if p.get("in") == "header"}
    if "Idempotency-Key" in headers or path.endswith(("/result", "/edit-token")):
        codes.add(409)
    return sorted(codes)


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a FastAPI-generated description of the mock in place (and return it)."""
    components = schema.setdefault("components", {})
    _, defs = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    components.setdefault("schemas", {}).update(defs.get("$defs", {}))
    components["schemas"]["Error"] = ERROR
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    components["securitySchemes"] = {
        "workspaceKey": {"type": "http", "scheme": "bearer", "description": "tf_content_ key"},
        "platformKey": {"type": "http", "scheme": "bearer", "description": "tf_platform_ key"},
        "adminSession": {"type": "apiKey", "in": "cookie", "name": "tutorflow_admin_session"},
    }
    for path, ops in schema.get("paths", {}).items():
        if not path.startswith("/v1/"):
            for op in ops.values():
                _drop_422(op)
            continue
        for method, op in ops.items():
            _drop_422(op)
            responses = op.setdefault("responses", {})
            success = _success(method.upper(), path)
            for status, answer in responses.items():
                if success is not None and status.startswith("2") and status != "204":
                    answer["content"] = {"application/json": {"schema": success}}
            for code in _errors(method.upper(), path, op):
                responses[str(code)] = _error_response(code)
            op["security"] = SECURITY[surface(path)]
            if path.endswith("/integrations/exports"):  # a key, or the admin session (assumptions.exports)
                op["security"] = SECURITY["content"] + SECURITY["admin"]
    return schema


def _drop_422(op: dict[str, Any]) -> None:
    """The mock answers validation errors with 400 (``assumptions.error-body``), never 422."""
    responses = op.get("responses", {})
    if responses.pop("422", None) is not None and "400" not in responses:
        responses["400"] = _error_response(400)


def _error_response(code: int) -> dict[str, Any]:
    return {
        "description": REASONS[code],
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
    }


def allowed_methods(schema: dict[str, Any], path: str) -> list[str]:
    """Every method the description lists for the route ``path`` falls under (an ``Allow`` header)."""
    methods: set[str] = set()
    for template, ops in schema.get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in ops}
    return sorted(methods)
