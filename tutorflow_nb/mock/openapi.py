"""The mock's ``/openapi.json``: every operation described as what it answers, for tools and for people.

FastAPI describes the routes and their request bodies; :func:`document` makes that a
contract a tool nobody here wrote can trust (``tests/test_openapi*.py`` hold it to that
with schemathesis, openapi-spec-validator, Redocly, openapi-python-client and Prism):

- **One entry per operation** (``OPERATIONS``, keyed by method and exact path, never by a
  pattern): its operationId, tag, summary, description, and the schema of every success
  status it answers with. A route without an entry, or an entry without a route, stops
  the description from being built.
- **Answers typed field by field.** A success refers to the model the client parses it
  with (``tutorflow_nb.models``), each field the mock always sends marked required
  (``REQUIRED``; a field the documents' own example leaves out stays optional), and what
  the client keeps as a dict typed by ``mock.schemas``. The generation route answers
  ``text/event-stream`` and names its events.
- **Errors**: every error status an operation can answer, each with the one error body
  (``assumptions.error-body``); FastAPI's never-sent 422s are gone.
- **For people**: tags by surface and group, the documents' words in summaries and
  descriptions (or the assumption an answer rests on), the documents' own examples,
  ``security`` on every operation (``[]`` where none), ``servers`` and ``info.license``.

``docs/openapi.json`` is a snapshot of it (``scripts/openapi_snapshot.py --check``).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from ..models import (
    ApiKeyInfo,
    CanonicalCourse,
    Classroom,
    CourseRequest,
    CreatedApiKey,
    EditToken,
    ExpansionJob,
    ExpansionResult,
    Organization,
    PlatformLesson,
    PlatformModule,
    WebhookSubscription,
)
from ..models import content as content_models
from ..models import platform as platform_models
from ..models.constants import RESOURCE_KINDS
from .schemas import DESCRIBED, SSE_EVENTS
from .schemas import SURFACE as DESCRIBED_SURFACE

__all__ = ["OPERATIONS", "SSE", "Operation", "allowed_methods", "document", "schema_surfaces", "surface"]

REF = "#/components/schemas/{model}"
SSE = "text/event-stream"
"""An answer that streams Server-Sent Events (``OPERATIONS``' answers name it instead of a schema)."""

CLIENT_MODELS: dict[str, list[type[BaseModel]]] = {
    "content": [Organization, ApiKeyInfo, CreatedApiKey, Classroom, WebhookSubscription, ExpansionJob, ExpansionResult],
    "platform": [CourseRequest, EditToken, PlatformLesson, CanonicalCourse, PlatformModule],
}
"""The client's models the answers refer to, by surface (their nested models come along)."""

# Fields the mock always sends, per schema. Left out, on purpose: what the documents' own
# example of the answer leaves out (the real API may too), and what the mock sends only sometimes.
REQUIRED: dict[str, list[str]] = {
    "Organization": ["id", "name", "slug", "createdAt"],
    "ApiKeyInfo": ["id", "name", "keyPrefix", "rateLimitPerMinute", "createdAt", "lastUsedAt", "revokedAt"],
    "CreatedApiKey": ["id", "name", "keyPrefix", "rateLimitPerMinute", "createdAt", "key"],
    "Classroom": ["id", "name", "organizationId", "createdAt"],
    "WebhookSubscription": ["id", "url", "events", "description", "createdAt"],
    "ExpansionJob": ["id", "status", "sourceType"],  # the documents' result example shows these three
    "ExpansionResult": ["job", "outputs"],
    "Output": ["outputType", "resourceType", "resourceId", "manifest"],
    "CourseRequest": [
        *("id", "status", "courseId", "title", "description", "language", "subject", "level", "slug", "tier"),
        *("mode", "hasQuiz", "hasPractice", "lessonCount", "priceSnapshot", "shareToken", "thumbnailUrl"),
        *("previewUrl", "publicUrl", "chapters", "lessons", "idempotencyKey", "idempotentReplay", "isTerminal"),
        *("createdAt", "completedAt"),
    ],
    "PriceSnapshot": ["category", "tier", "unit", "unitPrice", "units", "amountUsd", "currency", "source"],
    "Chapter": ["title", "sequence", "lessonCount", "slug"],
    "LessonSummary": ["title", "type", "sequence", "chapterTitle", "chapterSlug", "lessonSlug", "lessonUrl"],
    "EditToken": ["editToken", "editTokenExpiresAt"],
    "PlatformLesson": [
        *("id", "sequence", "title", "type", "chapterTitle", "description", "lectureContent", "codeContent"),
        *("quizzes", "lessonSlug", "chapterSlug"),
    ],
    "CanonicalCourse": ["id", "title", "description", "slug", "chapters", "lessons"],
    "PlatformModule": [
        *("id", "title", "description", "type", "isPublic", "content", "lectureKey", "lecture", "lectureVersion"),
        *("status", "metadata", "slug", "shareToken", "publicUrl", "platformWorkspaceId", "platformApiKeyId"),
        *("idempotencyKey", "priceSnapshot", "quizzes", "createdAt", "updatedAt", "completedAt"),
    ],
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


# Fields the client keeps as dicts or unions, typed for the description (schema -> field -> schema).
TYPED: dict[str, dict[str, dict[str, Any]]] = {
    "ExpansionJob": {"error": _nullable(_ref("Failure"))},
    "Output": {"manifest": _ref("OutputManifest")},
    "CourseRequest": {"error": _nullable(_ref("Failure"))},
    "PlatformLesson": {"quizzes": {"type": "array", "items": _ref("Quiz")}},
    "CanonicalCourse": {
        "chapters": {"type": "array", "items": _ref("CanonicalChapter")},
        "lessons": {"type": "array", "items": _ref("CanonicalLesson")},
    },
    "PlatformModule": {
        "metadata": _nullable(_ref("ModuleMetadata")),
        "quizzes": {"type": "array", "items": _ref("Quiz")},
    },
}

# What the documents say of a field, or the assumption it rests on (schema -> field -> words).
FIELD_NOTES: dict[str, dict[str, str]] = {
    "CourseRequest": {
        "id": "Platform course request ID.",
        "status": "PENDING, PROCESSING, COMPLETED, or FAILED.",
        "courseId": "Actual course ID in TutorFlow (null until generation completes).",
        "tier": "Pricing tier used (`default`).",
        "mode": "Execution mode (sync or async).",
        "lessonCount": (
            "Number of lessons in the generated course (length of lessons). Null until generation completes."
        ),
        "priceSnapshot": (
            "Pricing details captured at request time. The documents leave open whether an async request's first "
            "answer carries it: the mock sends null until COMPLETED, and a FAILED request is not billed "
            "(assumption platform-timing)."
        ),
        "chapters": "Chapter summaries with title, sequence, lessonCount, and slug (null until COMPLETED).",
        "lessons": "Lesson summaries (null until COMPLETED).",
        "shareToken": "Token used to construct the public URL and to resolve edit tokens for the list-mode preview.",
        "previewUrl": (
            "Editor URL: /{locale}/platform/courses/edit/{editToken} on single-course endpoints, "
            "/{locale}/platform/courses/{shareToken} on the list endpoint (it resolves the latest edit token)."
        ),
        "publicUrl": "Public read-only learner URL, opens at the first lesson.",
        "isTerminal": "Whether the request has reached a final state.",
        "pollAfterMs": (
            "Recommended polling interval for async requests (null once terminal; assumption platform-timing)."
        ),
        "idempotencyKey": "Echoed idempotency key.",
        "idempotentReplay": (
            "true if this response reused an existing request, false for a fresh request, null when no "
            "idempotencyKey was provided."
        ),
        "error": "Why a FAILED request failed; null otherwise (the mock's addition, assumption platform-timing).",
        "completedAt": "ISO 8601 timestamp when generation completed.",
    },
    "PriceSnapshot": {
        "unitPrice": "Dollars per unit: 0.05 per lesson.",
        "units": "Lessons actually generated (billing follows what the AI produces, not the requested lessonCount).",
        "amountUsd": "unitPrice × units.",
    },
    "PlatformModule": {
        "id": "Platform module ID. Use this for get, update, delete, and list reconciliation.",
        "type": "Lesson type inferred by TutorFlow or supplied in the request.",
        "isPublic": "Whether the share-token public endpoint can render the module.",
        "lectureVersion": "Lecture content version. Increments when lecture is updated.",
        "status": "processing, completed, or failed.",
        "deletedAt": "ISO 8601 timestamp when soft-deleted, otherwise null.",
        "shareToken": "Token used by public module routes.",
        "priceSnapshot": "Per-unit billing snapshot for this module.",
        "idempotentReplay": (
            "true on a replay of an earlier create with the same key. The module document does not list it; "
            "the mock adds it to replays only, as the course document describes it (assumption idempotency)."
        ),
        "quizzes": "Generated quiz items when hasQuiz is true.",
    },
    "ExpansionJob": {"status": "queued, processing, completed or failed (assumption expansion-timing)."},
    "Output": {"resourceId": "Links the generated output to the direct resource APIs (null when it failed)."},
}

ERROR: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": (
        "Every refusal's body (assumption error-body): NestJS-style, with the bad fields named on a 400. "
        "Dialects answer otherwise (nested-errors, plain-errors)."
    ),
    "required": ["statusCode", "error", "message", "code"],
    "properties": {
        "statusCode": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "code": {"type": "string", "description": "A snake_case name of the refusal (validation_error, …)."},
        "requestId": {"type": ["string", "null"]},
        "fields": {"type": "array", "items": _ref("FieldProblem")},
    },
}
FIELD_PROBLEM: dict[str, Any] = {
    "type": "object",
    "title": "FieldProblem",
    "description": "One bad field of a request, by its wire path (payload.level.lessons[0].title).",
    "required": ["field", "message"],
    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
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
    "mock": [],
}
PARAMETERS = {
    "Idempotency-Key": (
        "Prevents duplicate processing: the same key with the same body replays the first answer; with another "
        "body it is a 409. Send it on every create, and the same key on every retry (assumption idempotency)."
    ),
    "limit": "Items per page, 1-100 (default 20; assumption lists).",
    "cursor": "The nextCursor of the previous page (assumption lists).",
}
"""What the description says of the parameters many operations share."""
SUCCESS_WORDS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}


def surface(path: str) -> str:
    """The credential a path takes: ``content``, ``platform``, ``admin``, ``token`` (in the path) or ``public``."""
    if "/public/" in path or path.endswith(("/auth/sign-in", "/auth/sign-out")):
        return "public"
    if "/courses/edit/" in path:
        return "token"
    if path.startswith(("/v1/content/organizations", "/v1/content/auth/")):
        return "admin"
    return "content" if path.startswith("/v1/content/") else "platform"


# ---------------------------------------------------------------- the operations


@dataclass(frozen=True)
class Operation:
    """What the description says of one operation."""

    operation_id: str
    tag: str
    summary: str
    description: str
    answers: dict[int, str | None] = field(default_factory=dict)
    """Each success status and the schema of its body (``None``: no body; ``SSE``: an event stream)."""
    examples: dict[str, Any] = field(default_factory=dict)
    """The documents' own examples: ``request``, or a status as a string (``"201"``)."""


TAGS: dict[str, list[tuple[str, str]]] = {
    "Content Integration": [
        ("Content: admin session", "Sign in as a TutorFlow admin and discover organizations (the admin cookie)."),
        ("Content: API keys", "Create, list, rotate and revoke tf_content_ workspace keys (admin session)."),
        ("Content: webhooks", "Subscribe to content.completed and content.failed (admin session)."),
        ("Content: classrooms", "The classrooms a tf_content_ key reaches."),
        ("Content: expansions", "Expand customer-owned source JSON into editable TutorFlow content."),
        ("Content: exports", "A Content Integration result for content authored in the TutorFlow UI."),
        *(
            (f"Content: classroom {kind}", f"Create, read, update and delete a classroom's {kind}.")
            for kind in RESOURCE_KINDS
        ),
    ],
    "Agent Platform": [
        ("Platform: courses", "Generate courses billed per lesson; poll async requests; mint edit tokens."),
        ("Platform: course editor", "The edit-token routes: no API key, the token in the path (one hour)."),
        ("Platform: modules", "Generate, read, update and soft-delete standalone modules (one lesson each)."),
        ("Platform: pricing", "The published price catalog."),
    ],
    "tutorflow_nb mock": [
        ("Mock control", "The mock's own routes (reset, seed, clock, faults, dialects): not TutorFlow.")
    ],
}


def _content_ops() -> dict[tuple[str, str], Operation]:
    orgs = "/v1/content/organizations"
    keys, hooks = orgs + "/{organizationId}/api-keys", orgs + "/{organizationId}/webhooks"
    expansions = "/v1/content/integrations/expansions"
    admin, api_keys, webhooks = "Content: admin session", "Content: API keys", "Content: webhooks"
    ops: dict[tuple[str, str], Operation] = {
        ("POST", "/v1/content/auth/sign-in"): Operation(
            "signIn",
            admin,
            "Sign in as a TutorFlow admin",
            "Starts the admin session that `curl -b tutorflow-admin.cookies` sends: the answer sets the "
            "`tutorflow_admin_session` cookie. The documents do not say how an admin signs in "
            "(assumption admin-sign-in).",
            {200: "AdminSession"},
        ),
        ("POST", "/v1/content/auth/sign-out"): Operation(
            "signOut",
            admin,
            "End the admin session",
            "Ends the session and clears its cookie (assumption admin-sign-in).",
            {204: None},
        ),
        ("GET", orgs): Operation(
            "listOrganizations",
            admin,
            "List the admin's organizations",
            "Step 2 of the discovery sequence: call GET /v1/content/organizations with the admin session "
            "cookie, then create a tf_content_ key for the selected organization. Pages: assumption lists.",
            {200: "OrganizationPage"},
        ),
        ("POST", keys): Operation(
            "createApiKey",
            api_keys,
            "Create a tf_content_ key",
            "Create or rotate a key for an external content system. The full key is in this answer only "
            "(assumption api-keys): store it now, and log only keyPrefix.",
            {201: "CreatedApiKey"},
            {"request": {"name": "external-content-test", "rateLimitPerMinute": 60}},
        ),
        ("GET", keys): Operation(
            "listApiKeys",
            api_keys,
            "List the organization's keys",
            "Keys as reads show them: keyPrefix, never the key (assumptions api-keys, lists).",
            {200: "ApiKeyInfoPage"},
        ),
        ("POST", keys + "/{keyId}/rotate"): Operation(
            "rotateApiKey",
            api_keys,
            "Rotate a key",
            "Revokes the key at once and returns its successor, the full key shown once (assumption api-keys).",
            {201: "CreatedApiKey"},
        ),
        ("DELETE", keys + "/{keyId}"): Operation(
            "revokeApiKey",
            api_keys,
            "Revoke a key",
            "A revoked key answers 401 from then on (assumption api-keys).",
            {200: "ApiKeyInfo"},
        ),
        ("POST", hooks): Operation(
            "createWebhook",
            webhooks,
            "Subscribe to webhook events",
            "Subscribe to content.completed and content.failed after the polling flow is verified. The answer "
            "holds the signing secret, shown once (assumption webhooks).",
            {201: "WebhookSubscription"},
        ),
        ("GET", hooks): Operation(
            "listWebhooks",
            webhooks,
            "List webhook subscriptions",
            "Without their secrets (assumptions webhooks, lists).",
            {200: "WebhookSubscriptionPage"},
        ),
        ("DELETE", hooks + "/{webhookId}"): Operation(
            "deleteWebhook", webhooks, "Remove a webhook subscription", "Assumption webhooks.", {200: "WebhookDeleted"}
        ),
        ("GET", "/v1/content/classrooms"): Operation(
            "listClassrooms",
            "Content: classrooms",
            "List the key's classrooms",
            "Step 4 of the discovery sequence: call GET /v1/content/classrooms with the tf_content_ bearer key "
            "and use the returned classroom id for expansion and resource CRUD. Pages: assumption lists.",
            {200: "ClassroomPage"},
        ),
        ("POST", expansions): Operation(
            "createExpansion",
            "Content: expansions",
            "Create an expansion",
            "Sends customer-owned source content (a floco payload) to be expanded into the requested outputs. "
            "Send an Idempotency-Key on every create request; a retry with the same key replays the first "
            "answer. The response returns a job with status queued. Body bounds and classroomId: assumption "
            "expansion-request.",
            {202: "ExpansionJob"},
            {"request": "floco"},
        ),
        ("GET", expansions + "/{jobId}"): Operation(
            "getExpansion",
            "Content: expansions",
            "Get an expansion job's status",
            "Use this endpoint while the job is queued or processing; poll every 2 to 5 seconds until completed "
            "or failed (timing: assumption expansion-timing).",
            {200: "ExpansionJob"},
        ),
        ("GET", expansions + "/{jobId}/result"): Operation(
            "getExpansionResult",
            "Content: expansions",
            "Get an expansion's result",
            "The result includes one manifest per output. Before the job has finished it answers 409 "
            "job_not_finished (assumption expansion-result).",
            {200: "ExpansionResult"},
            {"200": "result"},
        ),
        ("POST", "/v1/content/classrooms/{classroomId}/integrations/exports"): Operation(
            "createExport",
            "Content: exports",
            "Export UI-authored content",
            "Creates a completed Content Integration result for content already authored in the TutorFlow UI. "
            "Takes the admin session or a tf_content_ key (assumption exports).",
            {201: "ExpansionResult"},
            {
                "request": {
                    "lessonId": "standalone-lesson-id",
                    "idempotencyKey": "standalone-lesson:standalone-lesson-id",
                }
            },
        ),
    }
    deleted = {
        "modules": (200, "ModuleDeleted"),
        "courses": (200, "CourseArchived"),
        "videos": (202, "VideoDeleted"),
        "slides": (204, None),
        "tests": (200, "TestDeleted"),
    }
    shapes = {
        "modules": "ClassroomModule",
        "courses": "ClassroomCourse",
        "videos": "ClassroomVideo",
        "slides": "ClassroomSlideDeck",
        "tests": "ClassroomTest",
    }
    for kind in RESOURCE_KINDS:
        one, shape, tag = kind[:-1], shapes[kind], f"Content: classroom {kind}"
        named, base = one.capitalize(), f"/v1/content/classrooms/{{classroomId}}/{kind}"
        status, gone = deleted[kind]
        examples: dict[str, Any] = {}
        if kind == "modules":
            examples = {"request": "smoke-module"}
        ops[("POST", base)] = Operation(
            f"createClassroom{named}",
            tag,
            f"Create a classroom {one}",
            f"Creates a UI-owned {one} in the classroom. Send an Idempotency-Key "
            f"(`{one if kind != 'slides' else 'slides'}:{{external id}}:{{version}}`); a retry with the same key "
            "replays the first answer. Shape: assumption resource-shapes.",
            {201: shape},
            examples,
        )
        ops[("GET", base)] = Operation(
            f"listClassroom{named}s",
            tag,
            f"List the classroom's {kind}",
            "Pages: assumption lists.",
            {200: f"{shape}Page"},
        )
        ops[("GET", base + "/{resourceId}")] = Operation(
            f"getClassroom{named}", tag, f"Get a classroom {one}", "Assumption resource-shapes.", {200: shape}
        )
        ops[("PATCH", base + "/{resourceId}")] = Operation(
            f"updateClassroom{named}",
            tag,
            f"Update a classroom {one}",
            "Takes any subset of the create's fields, each bounded as in the create (assumption resource-shapes).",
            {200: shape},
            {"request": {"title": "Content API smoke test updated"}} if kind == "modules" else {},
        )
        ops[("DELETE", base + "/{resourceId}")] = Operation(
            f"deleteClassroom{named}",
            tag,
            f"Delete a classroom {one}",
            "Follow the resource-specific delete table: each kind answers its own way (assumption delete-responses).",
            {status: gone},
        )
    return ops


def _platform_ops() -> dict[tuple[str, str], Operation]:
    courses, edit, modules = "/v1/platform/courses", "/v1/platform/courses/edit/{editToken}", "/v1/platform/modules"
    tag, editor, mods = "Platform: courses", "Platform: course editor", "Platform: modules"
    ambiguous = (
        " The path template `/v1/platform/courses/{courseRequestId}/edit-token` shares its shape with "
        "`/v1/platform/courses/edit/{editToken}` (`…/courses/edit/edit-token` matches both), but no method "
        "is on both: POST is only the edit-token mint, GET and PATCH only the editor; and a course request id "
        "is a UUID, an edit token 48 hex characters."
    )
    return {
        ("POST", courses): Operation(
            "createCourse",
            tag,
            "Create a course request",
            "Creates a course request. The AI model generates a structured curriculum with chapters and lessons, "
            "creates the course in TutorFlow, and returns edit and preview URLs. Billed per generated lesson "
            "($0.05): the billable amount equals unitPrice × actual generated lessons, not the requested "
            "lessonCount. mode sync (default) answers 201 with the completed course; mode async answers 202 "
            "PENDING with pollAfterMs: poll GET /v1/platform/courses/{id} until isTerminal. Reusing an "
            "idempotencyKey returns the original response with idempotentReplay: true.",
            {201: "CourseRequest", 202: "CourseRequest"},
            {"request": "course-request", "201": "course"},
        ),
        ("GET", courses): Operation(
            "listCourses",
            tag,
            "List course requests",
            "Each previewUrl here is /{locale}/platform/courses/{shareToken}: that page resolves the latest edit "
            "token server-side, so list links need no token refresh. Pages: assumption lists.",
            {200: "CourseRequestPage"},
        ),
        ("GET", courses + "/{courseRequestId}"): Operation(
            "getCourse",
            tag,
            "Get a course request",
            "Poll this until isTerminal is true. previewUrl links the editor with the current edit token "
            "(without refreshing it: assumption edit-tokens).",
            {200: "CourseRequest"},
            {"200": "course"},
        ),
        ("POST", courses + "/{courseRequestId}/edit-token"): Operation(
            "createEditToken",
            tag,
            "Mint a new edit token",
            "Refreshing an edit token: the token is valid for one hour. Older tokens stay valid until they "
            "expire (assumption edit-tokens)." + ambiguous,
            {201: "EditToken"},
            {"201": {"editToken": "new-token-hex...", "editTokenExpiresAt": "2026-03-24T13:30:00.000Z"}},
        ),
        ("GET", courses + "/public/{shareToken}/full"): Operation(
            "getSharedCourse",
            tag,
            "Get the full course by share token",
            "The share-token endpoint auto-refreshes the edit token on access: it answers the full course with "
            "the latest edit token and its editor previewUrl (assumption edit-tokens).",
            {200: "SharedCourse"},
        ),
        ("GET", edit): Operation(
            "getEditorCourse",
            editor,
            "Get course summary",
            "No API key: the edit token is the credential. An unknown token answers 404, an expired one 401 "
            "(assumption edit-tokens)." + ambiguous,
            {200: "CourseSummary"},
        ),
        ("PATCH", edit): Operation(
            "updateEditorCourse",
            editor,
            "Update course title/description",
            'Returns { "success": true }.',
            {200: "Success"},
            {"request": {"title": "New Title", "description": "Updated overview."}, "200": {"success": True}},
        ),
        ("GET", edit + "/full"): Operation(
            "getEditorFullCourse",
            editor,
            "Get full course with all lesson content",
            "Lessons as PlatformLessonPublicDto.",
            {200: "FullCourse"},
        ),
        ("GET", edit + "/canonical"): Operation(
            "getCanonicalCourse",
            editor,
            "Get the canonical editor payload with chapters and lessons",
            "Returns the same course shape used by the shared course editor: course metadata, chapter IDs/slugs, "
            "and lesson rows with UUIDs. Use this response as the source of truth before bulk saves.",
            {200: "CanonicalCourse"},
        ),
        ("PATCH", edit + "/canonical"): Operation(
            "saveCanonicalCourse",
            editor,
            "Bulk-update the canonical editor payload",
            'Saves a full curriculum edit. Returns { "success": true }. Lessons left out are removed '
            "(assumption editor-payloads).",
            {200: "Success"},
            {"request": "canonical", "200": {"success": True}},
        ),
        ("GET", edit + "/lessons/by-id/{lessonId}/full"): Operation(
            "getLessonById",
            editor,
            "Get one full lesson by UUID",
            "Prefer the UUID-based routes over sequence-based ones: lesson UUIDs stay stable when lessons are "
            "reordered. Answers the canonical lesson payload.",
            {200: "CanonicalLesson"},
        ),
        ("PATCH", edit + "/lessons/by-id/{lessonId}/full"): Operation(
            "updateLessonById",
            editor,
            "Update one full lesson by UUID",
            "Returns the canonical lesson payload. A new sequence moves the lesson and renumbers the rest "
            "(assumption editor-payloads).",
            {200: "CanonicalLesson"},
            {"request": "lesson-full"},
        ),
        ("POST", edit + "/lessons/by-id/{lessonId}/generate"): Operation(
            "generateLesson",
            editor,
            "Stream generated lesson content for one lesson by UUID",
            "This endpoint streams Server-Sent Events. It generates lecture, content, quizzes, or practice content "
            "for the lesson but does not save the final payload by itself: save it with PATCH "
            "…/lessons/by-id/{lessonId}/full. The backend overrides the course and lesson identity from the "
            "editToken and lessonId. Events, in order (assumption sse): "
            + "; ".join(f"`{name}` ({model.__name__})" for name, model in SSE_EVENTS.items())
            + " (quizzes for exam and flashcard lessons only).",
            {200: SSE},
            {"request": "generate"},
        ),
        ("GET", edit + "/lessons/{sequence}"): Operation(
            "getLessonBySequence",
            editor,
            "Get single lesson",
            "By its sequence (1-based); prefer the UUID routes.",
            {200: "PlatformLesson"},
        ),
        ("PATCH", edit + "/lessons/{sequence}"): Operation(
            "updateLessonBySequence",
            editor,
            "Update lesson content, title, slug, or description",
            'Returns { "success": true }.',
            {200: "Success"},
            {"request": {"lecture": "<p>Updated HTML</p>", "title": "Loops, Revisited"}, "200": {"success": True}},
        ),
        ("POST", edit + "/lessons"): Operation(
            "addLesson",
            editor,
            "Add a new lesson to the course",
            "Returns the created lesson as PlatformLessonPublicDto. It goes to the end of its chapter; a course "
            "holds at most 50 lessons (assumption editor-payloads).",
            {201: "PlatformLesson"},
            {"request": "add-lesson"},
        ),
        ("POST", edit + "/infer-type"): Operation(
            "inferLessonType",
            editor,
            "Infer the best lesson type from a title/description",
            "Given a lesson title (and optional context), the AI returns the best lesson type to use (how the "
            "mock reads the lesson-type rules: assumption lesson-types).",
            {200: "InferredType"},
            {"request": "infer-type", "200": {"type": "exam"}},
        ),
        ("POST", modules): Operation(
            "createModule",
            mods,
            "Create a module",
            "Creates a single module: one standalone lesson with lecture HTML, optional interactive content, "
            "optional quizzes, metadata, slug and publish flag, billed as one generated lesson ($0.05). Send "
            "prompt or its classroom-compatible alias topic. Generated synchronously "
            "(assumption platform-modules).",
            {201: "PlatformModule"},
            {"request": "module-request", "201": "module"},
        ),
        ("GET", modules): Operation(
            "listModules",
            mods,
            "List modules",
            "Deleted modules leave the list. Pages: assumption lists.",
            {200: "PlatformModulePage"},
        ),
        ("GET", modules + "/public/{shareToken}"): Operation(
            "getPublicModule",
            mods,
            "Get a public module by share token",
            "What the learner-facing page renders: no ownership, billing or storage fields; 404 when not public "
            "or deleted (assumption platform-modules).",
            {200: "PublicModule"},
        ),
        ("GET", modules + "/{moduleId}"): Operation(
            "getModule", mods, "Get a module", "The full ModuleResDto.", {200: "PlatformModule"}
        ),
        ("PATCH", modules + "/{moduleId}"): Operation(
            "updateModule",
            mods,
            "Update a module",
            "A changed lecture increments lectureVersion; metadata is merged (assumption platform-modules).",
            {200: "PlatformModule"},
        ),
        ("DELETE", modules + "/{moduleId}"): Operation(
            "deleteModule",
            mods,
            "Soft-delete a module",
            "Answers the module with deletedAt set; it then answers 404 and leaves lists (assumption "
            "platform-modules).",
            {200: "PlatformModule"},
        ),
        ("GET", "/v1/platform/pricing/catalog"): Operation(
            "getPricingCatalog",
            "Platform: pricing",
            "Get the price catalog",
            "course.default and module.default at $0.05 per lesson (assumption pricing-catalog).",
            {200: "PricingCatalog"},
        ),
    }


def _mock_ops() -> dict[tuple[str, str], Operation]:
    def op(operation_id: str, summary: str, description: str) -> Operation:
        return Operation(operation_id, "Mock control", summary, description)

    return {
        ("POST", "/_mock/reset"): op("mockReset", "Forget everything", "Every organization, key, job and resource."),
        ("POST", "/_mock/organizations"): op(
            "mockSeedOrganization",
            "Seed an organization",
            "An organization with a classroom, an admin, a tf_content_ and a tf_platform_ key (full keys: "
            "the mock serves loopback only).",
        ),
        ("GET", "/_mock/clock"): op("mockGetClock", "Read the mock clock", "Its time and speed."),
        ("PUT", "/_mock/clock"): op("mockSetClockSpeed", "Set the clock's speed", "Mock seconds per wall second."),
        ("POST", "/_mock/clock/advance"): op("mockAdvanceClock", "Move the clock", "Jobs due by then settle."),
        ("GET", "/_mock/faults"): op("mockGetFaults", "Read the injected faults", "Rates of 503s, drops, 429s…"),
        ("PUT", "/_mock/faults"): op("mockSetFaults", "Inject faults", "Only the rates given change."),
        ("DELETE", "/_mock/faults"): op("mockClearFaults", "Clear every fault", "Back to a mock that never fails."),
        ("GET", "/_mock/webhooks/deliveries"): op(
            "mockListDeliveries", "List webhook deliveries", "Each with its attempts and payload."
        ),
        ("GET", "/_mock/state"): op("mockGetState", "Count what exists", "Counts, clock and faults."),
        ("GET", "/_mock/jobs"): op("mockListJobs", "List expansion jobs", "Each with its Idempotency-Key."),
        ("GET", "/_mock/dialect"): op(
            "mockGetDialect",
            "Read the dialect",
            "The dialects in force on TutorFlow routes, and every dialect there is.",
        ),
        ("PUT", "/_mock/dialect"): op(
            "mockSetDialect",
            "Switch the dialect",
            "Answer TutorFlow routes in these dialects from the next request on.",
        ),
    }


OPERATIONS: dict[tuple[str, str], Operation] = {**_content_ops(), **_platform_ops(), **_mock_ops()}
"""Every operation of the mock, by method and exact path."""

PAGES: dict[str, str] = {
    "OrganizationPage": "Organization",
    "ApiKeyInfoPage": "ApiKeyInfo",
    "WebhookSubscriptionPage": "WebhookSubscription",
    "ClassroomPage": "Classroom",
    **{f"{shape}Page": shape for shape in ("ClassroomModule", "ClassroomCourse", "ClassroomVideo")},
    **{f"{shape}Page": shape for shape in ("ClassroomSlideDeck", "ClassroomTest")},
    "CourseRequestPage": "CourseRequest",
    "PlatformModulePage": "PlatformModule",
}
"""Each list answer: ``{data, nextCursor}`` of one item schema (assumption lists)."""
REQUEST_SHAPES = {
    "Scene": "content",
    "Slide": "content",
    "Question": "content",
    "CanonicalChapter": "platform",
    "CanonicalLesson": "platform",
}
"""Request shapes answers hold as they were sent (a video's scenes, the canonical payload): one schema serves both."""
PRIVATE_MODULE_FIELDS = frozenset(
    {
        "platformWorkspaceId",
        "platformApiKeyId",
        "idempotencyKey",
        "idempotentReplay",
        "priceSnapshot",
        "lectureKey",
        "pdfKey",
    }
)
"""What the public module route leaves out of a module (assumption platform-modules)."""


# ---------------------------------------------------------------- examples from the documents

_COURSE_LESSONS = [
    (
        "Welcome to Python",
        "ai-tutor",
        "Introduction to Variables",
        "introduction-to-variables-cf1710",
        "welcome-to-python-29ae64",
    ),
    (
        "Variable Practice",
        "coding-test",
        "Introduction to Variables",
        "introduction-to-variables-cf1710",
        "variable-practice-1b3f82",
    ),
    (
        "For and While Loops",
        "coding-lesson",
        "Working with Loops",
        "working-with-loops-253716",
        "for-and-while-loops-59c305",
    ),
    ("Loop Challenges", "coding-test", "Working with Loops", "working-with-loops-253716", "loop-challenges-a4b5c6"),
    (
        "Writing Functions",
        "coding-lesson",
        "Defining Functions",
        "defining-functions-ad2b35",
        "writing-functions-d7e8f9",
    ),
    (
        "Function Exercises",
        "coding-test",
        "Defining Functions",
        "defining-functions-ad2b35",
        "function-exercises-0a1b2c",
    ),
]
EXAMPLES: dict[str, Any] = {
    "floco": {
        "sourceType": "floco",
        "requestedOutputs": ["interactive_module", "summary_video", "expanded_quiz"],
        "payload": {
            "category": "Vocabulary",
            "level": {
                "id": "glossary-a1",
                "title": "A1 glossary",
                "lessons": [
                    {
                        "id": "lesson-1",
                        "type": "term",
                        "title": "Greetings",
                        "terms": [{"term": "hello", "meaning": "a greeting", "example": "Hello, Min."}],
                    }
                ],
            },
        },
    },
    "result": {
        "job": {"id": "job-id", "sourceType": "floco", "status": "completed"},
        "outputs": [
            {
                "outputType": "interactive_module",
                "resourceType": "module",
                "resourceId": "module-id",
                "manifest": {
                    "title": "A1 glossary module",
                    "urls": {"publicUrl": "https://tutorflow.io/share/module/share-token"},
                },
            }
        ],
    },
    "smoke-module": {
        "title": "Content API smoke test",
        "type": "markdown",
        "content": "<h2>Smoke test</h2><p>This module was created by the Content API.</p>",
        "metadata": {"externalId": "module:smoke-test"},
    },
    "course-request": {
        "prompt": "Create a beginner Python course covering variables, loops, and functions with hands-on exercises",
        "language": "en",
        "level": "beginner",
        "lessonCount": 5,
    },
    "course": {
        "id": "a1c2d3e4-f5g6-7h8i-9j0k-l1m2n3o4p5q6",
        "status": "COMPLETED",
        "courseId": "c7d8e9f0-1a2b-3c4d-5e6f-7g8h9i0j1k2l",
        "title": "Python Quick Start",
        "description": "A beginner-friendly Python course covering variables, loops, and functions.",
        "language": "en",
        "subject": None,
        "level": "beginner",
        "slug": "python-quick-start-2e5ad6",
        "tier": "default",
        "mode": "sync",
        "hasQuiz": True,
        "hasPractice": True,
        "lessonCount": 6,
        "priceSnapshot": {
            "category": "course",
            "catalogKey": "course.default",
            "tier": "default",
            "unit": "lesson",
            "unitPrice": 0.05,
            "units": 6,
            "amountUsd": 0.30,
            "currency": "USD",
            "source": "platform_pricing_catalog_v2",
        },
        "shareToken": "b018172542f9a3c4d5e6f7890abcdef12345678",
        "thumbnailUrl": None,
        "previewUrl": "https://tutorflow.io/en/platform/courses/edit/9f3a...",
        "publicUrl": "https://tutorflow.io/en/platform/courses/b018172542f9.../lessons/1",
        "chapters": [
            {
                "title": "Introduction to Variables",
                "sequence": 1,
                "lessonCount": 2,
                "slug": "introduction-to-variables-cf1710",
            },
            {"title": "Working with Loops", "sequence": 2, "lessonCount": 2, "slug": "working-with-loops-253716"},
            {"title": "Defining Functions", "sequence": 3, "lessonCount": 2, "slug": "defining-functions-ad2b35"},
        ],
        "lessons": [
            {
                "title": title,
                "type": kind,
                "sequence": i,
                "chapterTitle": chapter,
                "chapterSlug": chapter_slug,
                "lessonSlug": slug,
                "lessonUrl": f"https://tutorflow.io/en/platform/courses/b018.../lessons/{i}",
            }
            for i, (title, kind, chapter, chapter_slug, slug) in enumerate(_COURSE_LESSONS, 1)
        ],
        "idempotencyKey": None,
        "idempotentReplay": None,
        "isTerminal": True,
        "createdAt": "2026-03-24T10:32:15.108Z",
        "completedAt": "2026-03-24T10:32:37.671Z",
    },
    "canonical": {
        "title": "Python Foundations",
        "description": "A practical Python course.",
        "slug": "python-foundations",
        "chapters": [{"id": "getting-started", "title": "Getting Started", "slug": "getting-started", "sequence": 1}],
        "lessons": [
            {
                "id": "2ca91d88-7b0c-4287-89f1-89a74d8a5b26",
                "chapterId": "getting-started",
                "title": "Variables and Types",
                "description": "Learn how Python stores data.",
                "slug": "variables-and-types",
                "type": "ai-tutor",
                "sequence": 1,
                "lecture": "<p>Python variables are names for values...</p>",
                "content": {"blocks": []},
                "quizzes": [],
                "problems": [],
                "metadata": {"duration": 12},
            }
        ],
    },
    "lesson-full": {
        "title": "Control Flow",
        "type": "ai-tutor",
        "chapterId": "python-basics",
        "sequence": 2,
        "lecture": "<p>Use if statements to branch...</p>",
        "content": {"blocks": []},
        "quizzes": [],
        "problems": [],
        "metadata": {"duration": 15},
    },
    "generate": {
        "chapter": {"id": "python-basics", "name": "Python Basics"},
        "courseTitle": "Python Foundations",
        "courseDescription": "A practical Python course.",
        "shouldGenerateImage": False,
    },
    "add-lesson": {
        "title": "Solving Quadratic Equations",
        "description": "Practice the quadratic formula on real problems.",
        "type": "ai-tutor",
        "quizCount": 0,
        "chapterSequence": 2,
    },
    "infer-type": {
        "lessonTitle": "Practice: Factoring Polynomials",
        "lessonDescription": "Hands-on practice problems for factoring.",
        "courseTitle": "Intermediate Algebra",
        "courseDescription": "Algebra fundamentals for high school students.",
        "existingLessons": [
            {"title": "Welcome to Algebra", "type": "ai-tutor"},
            {"title": "Variables and Expressions", "type": "ai-tutor"},
        ],
    },
    "module-request": {
        "prompt": "Create a short beginner lesson about Python variables with a quick practice quiz",
        "language": "en",
    },
    "module": {
        "id": "4d3b7f2a-7b8f-497c-a1d9-58b7f2e0c111",
        "title": "Python Variables",
        "description": "Create a lesson about Python variables.",
        "type": "markdown",
        "isPublic": True,
        "content": None,
        "lectureKey": "platform/workspaces/.../modules/.../lecture/1.txt",
        "lecture": "<h1>Python Variables</h1><p>...</p>",
        "lectureVersion": 1,
        "status": "completed",
        "metadata": {"locale": "en", "language": "en"},
        "slug": "python-variables-a1b2c3",
        "shareToken": "b018172542f9a3c4d5e6f7890abcdef12345678",
        "publicUrl": "https://tutorflow.io/en/platform/modules/b018172542f9...",
        "platformWorkspaceId": "workspace-uuid",
        "platformApiKeyId": "api-key-uuid",
        "idempotencyKey": None,
        "priceSnapshot": {
            "category": "module",
            "catalogKey": "module.default",
            "tier": "default",
            "unit": "lesson",
            "unitPrice": 0.05,
            "units": 1,
            "amountUsd": 0.05,
            "currency": "USD",
            "source": "platform_pricing_catalog_v2",
        },
        "quizzes": [],
        "createdAt": "2026-04-27T10:00:00.000Z",
        "updatedAt": "2026-04-27T10:00:12.000Z",
        "completedAt": "2026-04-27T10:00:12.000Z",
    },
}
"""The documents' own examples, verbatim, by name (``Operation.examples`` names them)."""
SSE_EXAMPLE = "".join(
    f"event: {name}\ndata: {json.dumps(data)}\n\n"
    for name, data in (
        ("start", {"lessonId": "2ca91d88-7b0c-4287-89f1-89a74d8a5b26", "type": "ai-tutor"}),
        ("lecture", {"delta": "<h2>Variables and Types</h2>"}),
        ("lecture", {"delta": "<p>Python variables are names for values...</p>"}),
        (
            "done",
            {
                "lessonId": "2ca91d88-7b0c-4287-89f1-89a74d8a5b26",
                "lecture": "<h2>Variables and Types</h2><p>Python variables are names for values...</p>",
                "content": {"blocks": []},
                "quizzes": [],
                "problems": [],
                "saved": False,
            },
        ),
    )
)
"""A lesson generation as it streams (the mock's events, ``assumptions.sse``), with the documents' lesson."""


# ---------------------------------------------------------------- building the description


class _Describe(GenerateJsonSchema):
    """pydantic's JSON Schema as the description wants it: money a number, no per-field titles."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        return {"type": "number"}  # the wire sends money as a JSON number (0.05)

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # a property's name is its title; generators would turn titles into class names


def schema_surfaces() -> dict[str, str]:
    """The surface each answer schema belongs to (``content``, ``platform``, ``shared``), from where it is defined."""
    out = dict(DESCRIBED_SURFACE)
    for kind, module in (("content", content_models), ("platform", platform_models)):
        out.update(dict.fromkeys(module.__all__, kind))
    out.update(REQUEST_SHAPES)
    out.update({page: out[item] for page, item in PAGES.items()})
    out.update({"PublicModule": "platform", "Error": "shared", "FieldProblem": "shared"})
    return out


def _answer_schemas() -> dict[str, Any]:
    """Every answer schema by name: the client's models, ``mock.schemas``, pages, and the error body."""
    models: list[type[BaseModel]] = [m for models in CLIENT_MODELS.values() for m in models] + list(DESCRIBED)
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF, schema_generator=_Describe)
    defs: dict[str, Any] = top.get("$defs", {})
    for name, required in REQUIRED.items():
        schema = defs[name]
        missing = set(required) - set(schema["properties"])
        assert not missing, f"REQUIRED names fields {name} does not have: {missing}"
        schema["required"] = sorted(set(schema.get("required", [])) | set(required))
    for name, fields in TYPED.items():
        for prop, typed in fields.items():
            assert prop in defs[name]["properties"], f"TYPED names {name}.{prop}, which does not exist"
            defs[name]["properties"][prop] = copy.deepcopy(typed)
    for name, notes in FIELD_NOTES.items():
        for prop, words in notes.items():
            defs[name]["properties"][prop]["description"] = words
    for schema in defs.values():
        for prop in schema.get("properties", {}).values():
            prop.pop("default", None)  # a client's default, not what the wire says
    public = copy.deepcopy(defs["PlatformModule"])
    public.update(
        title="PublicModule", description="A public module by share token: no ownership, billing or storage fields."
    )
    for name in PRIVATE_MODULE_FIELDS:
        public["properties"].pop(name, None)
    public["required"] = [f for f in public["required"] if f not in PRIVATE_MODULE_FIELDS]
    defs["PublicModule"] = public
    for page, item in PAGES.items():
        defs[page] = {
            "type": "object",
            "title": page,
            "description": f"One page of {item} items; pass nextCursor as ?cursor= for the next (assumption lists).",
            "required": ["data", "nextCursor"],
            "properties": {
                "data": {"type": "array", "items": _ref(item)},
                "nextCursor": {"type": ["string", "null"], "description": "null on the last page"},
            },
        }
    defs["Error"], defs["FieldProblem"] = ERROR, FIELD_PROBLEM
    return defs


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


def _error_response(code: int) -> dict[str, Any]:
    return {"description": REASONS[code], "content": {"application/json": {"schema": _ref("Error")}}}


def _example(value: Any) -> Any:
    return copy.deepcopy(EXAMPLES[value]) if isinstance(value, str) else value


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema with its ``$defs`` written in place of each ``$ref``: whole wherever it is put."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[1]]))
            return {k: walk(v) for k, v in node.items() if k != "title" or not isinstance(v, str) or node is schema}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out: dict[str, Any] = walk(schema)
    return out


def _success(status: int, schema: str | None) -> dict[str, Any]:
    words = SUCCESS_WORDS[status]
    if schema is None:
        return {"description": words}
    if schema == SSE:
        return {
            "description": f"{words}: Server-Sent Events, each `event: <name>` and `data: <JSON>`",
            "content": {
                SSE: {
                    "schema": {"type": "string", "description": "A text/event-stream of the events named above."},
                    "x-events": {name: _inline(model.model_json_schema()) for name, model in SSE_EVENTS.items()},
                    "example": SSE_EXAMPLE,
                }
            },
        }
    return {"description": words, "content": {"application/json": {"schema": _ref(schema)}}}


def _describe_operation(method: str, path: str, op: dict[str, Any], entry: Operation) -> None:
    op.update(operationId=entry.operation_id, tags=[entry.tag], summary=entry.summary, description=entry.description)
    assumed = [a["id"] for a in op.get("x-assumptions", [])]
    if assumed:
        op["description"] += "\n\nRests on: " + ", ".join(f"`{a}`" for a in assumed) + " (info.description)."
    for parameter in op.get("parameters", []):
        if parameter["name"] in PARAMETERS:
            parameter["description"] = PARAMETERS[parameter["name"]]
    responses: dict[str, Any] = op.setdefault("responses", {})
    responses.pop("422", None)  # the mock answers validation errors with 400 (assumption error-body)
    for listed in [s for s in responses if s.startswith("2")]:
        if int(listed) not in entry.answers and path.startswith("/v1/"):
            del responses[listed]  # FastAPI's guess (a 200 where the route answers 201)
    if path.startswith("/v1/"):
        for status, answer in entry.answers.items():
            responses[str(status)] = _success(status, answer)
        for code in _errors(method, path, op):
            responses[str(code)] = _error_response(code)
    else:
        for given in responses.values():
            for media in given.get("content", {}).values():
                media.get("schema", {}).pop("title", None)  # FastAPI's "Response Reset Mock Reset Post"
        if "requestBody" in op:
            responses["400"] = _error_response(400)
        responses["413"] = _error_response(413)  # any request's body is limited, the mock's own routes' too
    for where, value in entry.examples.items():
        if where == "request":
            op["requestBody"]["content"]["application/json"]["example"] = _example(value)
        else:
            responses[where]["content"]["application/json"]["example"] = _example(value)
    kind = "mock" if path.startswith("/_mock/") else surface(path)
    op["security"] = SECURITY[kind]
    if path.endswith("/integrations/exports"):  # a key, or the admin session (assumptions.exports)
        op["security"] = SECURITY["content"] + SECURITY["admin"]


def _reachable(schema: dict[str, Any]) -> set[str]:
    """The component schemas the operations refer to, directly or through other schemas."""
    refs = re.compile(r'"\$ref": "#/components/schemas/([^"]+)"')
    seen: set[str] = set()
    todo = set(refs.findall(json.dumps(schema["paths"])))
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= set(refs.findall(json.dumps(schema["components"]["schemas"][name]))) - seen
    return seen


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a FastAPI-generated description of the mock in place (and return it)."""
    routes = {(m.upper(), p) for p, ops in schema.get("paths", {}).items() for m in ops}
    unknown, stale = routes - set(OPERATIONS), set(OPERATIONS) - routes
    if unknown or stale:
        raise KeyError(
            f"OPERATIONS and the routes differ: routes without an entry {sorted(unknown)}, "
            f"entries without a route {sorted(stale)}"
        )
    ids = [o.operation_id for o in OPERATIONS.values()]
    assert len(ids) == len(set(ids)), "two operations share an operationId"
    schemas: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for name, answer in _answer_schemas().items():
        if name in REQUEST_SHAPES:  # generated here only as parts of an answer model
            assert name in schemas, f"{name} is no longer a request shape: give the answer its own"
            continue  # an answer holds what was sent (a video's scenes): the request's schema says it
        if name in schemas:
            raise ValueError(f"two schemas are named {name}: a request body and an answer; rename one")
        schemas[name] = answer
    for body in schemas.values():
        for prop in body.get("properties", {}).values():
            prop.pop("title", None)  # a property's name is its title; generators would make class names of them
    for name, body in schemas.items():
        if "__" in name or body.get("title", name) != name:
            raise ValueError(f"schema {name} (title {body.get('title')}) is not named as a person would read it")
    schema["components"]["securitySchemes"] = {
        "workspaceKey": {"type": "http", "scheme": "bearer", "description": "A tf_content_ workspace key."},
        "platformKey": {"type": "http", "scheme": "bearer", "description": "A tf_platform_ key."},
        "adminSession": {
            "type": "apiKey",
            "in": "cookie",
            "name": "tutorflow_admin_session",
            "description": "The signed-in TutorFlow admin session (assumption admin-sign-in).",
        },
    }
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            _describe_operation(method.upper(), path, op, OPERATIONS[(method.upper(), path)])
    for name in set(schemas) - _reachable(schema):
        del schemas[name]  # a client model's part the description types otherwise (Output.manifest)
    schema["tags"] = [{"name": name, "description": words} for group in TAGS.values() for name, words in group]
    schema["x-tagGroups"] = [{"name": group, "tags": [name for name, _ in tags]} for group, tags in TAGS.items()]
    used = {o.tag for o in OPERATIONS.values()}
    assert used == {t["name"] for t in schema["tags"]}, "every tag is used, and every operation's tag declared"
    schema["info"]["license"] = {"name": "MIT", "identifier": "MIT"}
    schema["info"]["contact"] = {"name": "tutorflow_nb (the mock's makers, not TutorFlow)"}
    schema["servers"] = [
        {
            "url": "http://127.0.0.1:{port}",
            "description": "The mock as `tutorflow-nb mock` serves it (`--port`).",
            "variables": {"port": {"default": "8765"}},
        },
        {"url": "https://api.tutorflow.io", "description": "TutorFlow itself, which the mock plays (its documents)."},
    ]
    return schema


def allowed_methods(schema: dict[str, Any], path: str) -> list[str]:
    """Every method the description lists for the route ``path`` falls under (an ``Allow`` header)."""
    methods: set[str] = set()
    for template, ops in schema.get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {m.upper() for m in ops}
    return sorted(methods)
