"""What the TutorFlow documents leave open, and what the mock does there: the one place.

Each entry is a conservative choice. The mock's OpenAPI description (``/openapi.json``)
lists them all in ``info.description`` and marks each route that rests on one with
``x-assumptions``; the README and the mock-tour notebook point here. Change a choice
here and in the code it names when TutorFlow's real behaviour is known.

Where another answer is as plausible, a *dialect* plays it (``DIALECTS``; the code is in
``dialects.py``): ``MockState(dialect=...)``, ``tutorflow-nb mock --dialect``, or
``PUT /_mock/dialect`` at run time. Each entry ends by naming the dialects that vary it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ASSUMPTIONS", "CONFLICTS", "DIALECTS", "VARIED_BY", "assumed", "describe"]

_CHOICES: dict[str, str] = {
    "admin-sign-in": (
        "An admin signs in with POST /v1/content/auth/sign-in {email, password}; the answer sets the "
        "'tutorflow_admin_session' cookie (HttpOnly, 12 h), which `curl -b tutorflow-admin.cookies` sends. "
        "POST /v1/content/auth/sign-out ends it."
    ),
    "error-body": (
        "Errors answer JSON {statusCode, error, message, code, requestId} (NestJS-style, as the DTO names in "
        "the documents suggest); a 400 adds fields: [{field, message}] naming every bad field, and message "
        "is then a list of 'field: problem' strings, and field names are wire paths (payload.level.lessons[0].title). "
        "A string that must not be empty (every title, id, name, prompt, topic, term, body idempotency key) refuses "
        "a whitespace-only one alike: 'must not be blank'. "
        "A body that is not JSON text (not UTF-8, malformed, nested deeper than 64 levels, half a surrogate pair), "
        "empty, or a JSON value that is not an object is a 400 naming 'body'; a body over 1 MiB is 413; a method a "
        "route does not have is 405 with an Allow header listing the ones it has (HEAD wherever GET is: HEAD answers "
        "as GET without a body). code is a snake_case name of the refusal (validation_error, missing_api_key, "
        "wrong_api_surface, classroom_not_found, idempotency_key_reused, rate_limited, service_unavailable, …). "
        "/openapi.json lists every status each operation can answer."
    ),
    "rate-limit-headers": (
        "Every authenticated request counts against its key's rateLimitPerMinute in a fixed window of one "
        "mock minute starting at the window's first request. Answers carry X-RateLimit-Limit, "
        "X-RateLimit-Remaining, X-RateLimit-Reset (wall seconds until the window resets) and "
        "RateLimit-Policy: '<limit>;w=<window in wall seconds>'. A 429 adds Retry-After in wall seconds (a "
        "fraction under a fast clock), as does a 503 from the fault injector."
    ),
    "lists": (
        "List routes answer {data: [...], nextCursor: string | null}; pass ?cursor=<nextCursor> for the next "
        "page and ?limit=1..100 (default 20). A cursor this API did not return, or an empty one, is a 400 "
        "naming 'cursor'."
    ),
    "api-keys": (
        "Keys are created with POST …/api-keys {name, rateLimitPerMinute (1-10000, default 60)}; the full key "
        "is in that answer only ('key'), reads show keyPrefix (the prefix and 8 characters). POST "
        "…/api-keys/{keyId}/rotate revokes the key at once and returns its successor (full key once); DELETE "
        "…/api-keys/{keyId} revokes it. A revoked key answers 401."
    ),
    "surface-mixing": (
        "A tf_platform_ key on /v1/content/** or a tf_content_ key on /v1/platform/** answers 403 "
        "'wrong_api_surface'; a missing, unknown or revoked key answers 401."
    ),
    "other-organization": (
        "Another organization's classroom, job or resource answers 404, exactly as an unknown id does, so "
        "nothing reveals that it exists."
    ),
    "resource-shapes": (
        "Classroom resources are created from {title} alone; optional fields: modules {type, content, "
        "description, metadata, isPublic}, courses {description, language, level, moduleIds, metadata}, "
        "videos {description, scenes[{title, narration, durationSeconds}], metadata}, slides {description, "
        "slides[{title, body}], metadata}, tests {description, questions[{prompt, choices, answerIndex}], "
        "passingScore, metadata}. A course's moduleIds name live modules of the same classroom (create and PATCH; "
        "any other id is a 400 naming moduleIds[i]). Unknown fields are refused with 400. Answers add id, "
        "classroomId, shareToken, createdAt, updatedAt. PATCH takes any subset (not empty), each field bounded as "
        "in the create."
    ),
    "delete-responses": (
        "Resource-specific deletes: modules 200 {id, deleted: true}; courses 200 {id, status: 'archived', "
        "archivedAt}; videos 202 {id, deleted: true, renderJobsCancelled}; slides 204 with no body; tests 200 "
        "{id, deleted: true, attemptsDeleted}. A deleted resource then answers 404."
    ),
    "expansion-request": (
        "An expansion takes {sourceType?, requestedOutputs (1-3 distinct of interactive_module, summary_video, "
        "expanded_quiz), payload {category (string or {id, title}), language?, level {id, title, lessons "
        "(1-100) [{id, type, title, items|terms}]}}, classroomId?}; omitted classroomId means the "
        "organization's first classroom. sourceType is echoed (null when not sent). The create answers 202 "
        "with the job."
    ),
    "expansion-timing": (
        "A job is queued for 1 mock second, then processing for 2 s + 0.5 s per lesson + 0.05 s per term + "
        "1 s per requested output, then completed (or failed when a failure is injected)."
    ),
    "expansion-result": (
        "GET …/expansions/{jobId}/result answers 409 'job_not_finished' while the job is queued or "
        "processing. A completed job has one output per requested output {outputType, status, resourceType "
        "(module, video, test), resourceId, manifest {title, urls {publicUrl, editUrl}, …}}; each resourceId "
        "is a real classroom resource. A failed job answers 200 with job.status 'failed', job.error, and "
        "outputs with status 'failed', resourceId null and manifest {}."
    ),
    "exports": (
        "POST /v1/content/classrooms/{classroomId}/integrations/exports accepts the admin session cookie or a "
        "tf_content_ key. lessonId is a module of that classroom (UI-authored lessons are modules). It "
        "answers 201 {job, outputs} with a completed job (sourceType 'tutorflow_ui') that GET …/expansions/"
        "{jobId} and …/result also return. idempotencyKey may be in the body or the Idempotency-Key header. "
        "As on every route, the caller is checked first: no credential is a 401 before any 400."
    ),
    "idempotency": (
        "An Idempotency-Key is honoured by the creates the documents pair with it: expansions and classroom resource "
        "creates take it as the Idempotency-Key header; exports, Platform courses and Platform modules take the header "
        "or a body idempotencyKey (both at once must be equal, else 400). Other POSTs (API keys, webhooks, sign-in, "
        "edit tokens, added lessons, infer-type, generation) ignore it. A key is scoped to the organization (Content) "
        "or workspace (Platform) and to the operation (each resource kind of each classroom is one). The same key with "
        "the same body (compared without idempotencyKey) replays the original response: the first answer's status and "
        "body as they were then, not the thing's current state (an async course first answered 202 PENDING replays "
        "202 PENDING; poll it for now). A Platform replay (course or module) sets idempotentReplay: true; the module "
        "document does not list the field, so the mock adds it to module replays only, as the course document "
        "describes it. Content replays carry no replay flag, as the content documents name none. The same key with a "
        "different body answers 409 'idempotency_key_reused'. Only answered creates are remembered (a refusal or an "
        "injected 503 is not; a dropped connection after processing is). A create without a key is never replayed."
    ),
    "webhooks": (
        "Subscriptions: POST /v1/content/organizations/{organizationId}/webhooks {url, events, description?} "
        "with the admin session answers 201 with a signing 'secret' (shown once); GET lists; DELETE removes. "
        "Deliveries POST JSON {id, type, createdAt, data {jobId, status, sourceType, requestedOutputs, "
        "completedAt, classroomId}} with TutorFlow-Signature 't=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">', "
        "TutorFlow-Delivery (the id, for replay checks) and TutorFlow-Event. A non-2xx answer is retried "
        "after 1, 5 and 25 mock seconds."
    ),
    "platform-timing": (
        "mode 'sync' answers 201 with a COMPLETED course. mode 'async' answers 202 PENDING (1 mock s), then "
        "PROCESSING (3 s + 0.5 s per lesson), then COMPLETED or FAILED; pollAfterMs is 2 mock s in wall "
        "milliseconds. priceSnapshot, chapters, lessons, lessonCount and URLs are null until COMPLETED; a "
        "FAILED request carries error and is not billed."
    ),
    "lesson-types": (
        "How the mock reads the document's lesson-type rules. A topic is programming (code is what is learnt: a "
        "programming language, coding, a framework), web (building for the web: HTML, CSS, websites, web "
        "development), ai (prompt engineering, LLMs, machine learning), language (learning a language, named in "
        "English or in itself, in any script, or by a purpose: Business English, JLPT, IELTS) or general. The "
        "request's subject decides where the mock knows it (mathematics is never programming); words count whole, "
        "and those that are code only in context (functions, loops, code, react, java, python) count by their "
        "context ('linear functions', 'Morse code', 'ball python' are not code). 'Web and general conceptual "
        "courses start with ai-tutor' is read literally: a web course starts with ai-tutor, and since web topics "
        "are programming topics its later lessons may be coding-lesson or coding-test. coding-* appear in "
        "programming and web courses only; the first lesson is coding-lesson, ai-tutor, chat-ai, "
        "reading-comprehension or ai-tutor by kind. A module without type is its own first lesson. infer-type "
        "uses the course's context (the body's courseTitle/courseDescription and existingLessons, else the "
        "course's title, prompt and subject): when that context names a kind, the lesson follows it ('Practice: "
        "loops' in 'Intermediate Algebra' is an exam); the lesson's own words pick exam, flashcard, "
        "reading-comprehension (language courses; markdown elsewhere), chat-ai or markdown."
    ),
    "lesson-count": (
        "The documents call lessonCount the target ('a course request generates lessonCount lessons') and bill "
        "'actual generated lessons, not the requested lessonCount', without saying by how much the two differ. "
        "The mock generates the requested lessonCount for about 6 requests in 10, one more for 2 in 10 and one "
        "fewer for 2 in 10 (always within 1-50, so 1 may become 2), decided by the request body and the mock's "
        "seed: the same request on the same seed always gets the same count. lessonCount in the answer, "
        "len(lessons) and priceSnapshot.units are that count."
    ),
    "edit-tokens": (
        "Edit tokens last one mock hour. An unknown token answers 404 'edit_token_not_found'; an expired one "
        "401 'edit_token_expired'. Minting a new token keeps older ones valid until they expire. GET "
        "/v1/platform/courses/{id} returns the latest token's previewUrl without refreshing it; GET "
        "…/public/{shareToken}/full refreshes an expired token and returns editToken, editTokenExpiresAt and "
        "previewUrl beside the full course."
    ),
    "editor-payloads": (
        "Canonical PATCH replaces the curriculum: lessons left out are removed, lesson sequences must be 1..n, "
        "every chapterId must be in chapters. PATCH …/lessons/by-id/{id}/full with a new sequence moves the "
        "lesson and renumbers the rest. Added lessons go to the end of their chapter; a course holds at most "
        "50 lessons. Edits are never billed."
    ),
    "lesson-nulls": (
        "PATCH …/lessons/by-id/{lessonId}/full refuses null (400 naming the field) for the fields the canonical "
        "payload always holds: title, slug, type, chapterId, sequence, quizzes, problems and metadata; description, "
        "lecture and content may be null. So GET …/canonical always answers a payload PATCH …/canonical takes back."
    ),
    "sse": (
        "POST …/lessons/by-id/{lessonId}/generate streams text/event-stream events 'start', 'lecture' "
        "{delta}, optionally 'quizzes', and 'done' {lessonId, lecture, content, quizzes, problems, saved: "
        "false}; nothing is saved."
    ),
    "platform-modules": (
        "Platform modules are generated synchronously (201, status completed). PATCH takes title, "
        "description, type, lecture (a changed lecture increments lectureVersion), content, isPublic, slug, "
        "metadata (merged). DELETE soft-deletes and answers the module with deletedAt; it then answers 404 "
        "and leaves lists. The public route is GET /v1/platform/modules/public/{shareToken} (404 when not "
        "public or deleted) and omits ownership, billing and storage fields."
    ),
    "pricing-catalog": (
        "GET /v1/platform/pricing/catalog (platform key) answers {source, currency, entries [{catalogKey, "
        "category, tier, unit, unitPrice, currency}]} with course.default and module.default at $0.05 per "
        "lesson. The expansion meters are not published and not listed."
    ),
    "web-urls": (
        "publicUrl, previewUrl, lessonUrl and manifest URLs point at https://tutorflow.io paths as the "
        "documents show; the mock serves no web pages."
    ),
    "rate-limit-scope": (
        "Only bearer-key routes are rate limited; admin-session routes, share-token and edit-token routes are not."
    ),
    "answer-fields": (
        "Answers hold the fields the documents show (and those these assumptions add), nothing else; clients "
        "should still ignore fields they do not know."
    ),
}

DIALECTS: dict[str, str] = {
    "default": "Every assumption as written here.",
    "no-rate-headers": (
        "No X-RateLimit-* and no RateLimit-* headers on any answer; a 429 still carries Retry-After unless another "
        "dialect removes it."
    ),
    "ietf-rate-headers": (
        "Instead of X-RateLimit-*: RateLimit-Limit: <limit>, RateLimit-Remaining: <remaining>, RateLimit-Reset: "
        "<wall seconds until the window resets>, RateLimit-Policy: <limit>;w=<window in wall seconds>."
    ),
    "retry-after-date": (
        "Retry-After is an HTTP date (IMF-fixdate, RFC 9110), at least one second ahead, rounded up to the second."
    ),
    "no-retry-after": "429 and 503 answers carry no Retry-After.",
    "nested-errors": (
        'Error bodies are {"error": {"status": <int>, "code": "<code>", "message": "<one string>", "requestId": '
        '"<id>", "details": [{"field": "<wire path>", "message": "<string>"}]}}; details only on a 400 with fields '
        "(the message then joins them as '<field>: <message>; …')."
    ),
    "plain-errors": (
        "Error bodies are text/plain; charset=utf-8, one line '<code>: <message>' (a 400's fields joined as "
        "'<field>: <message>; …'), nothing else; the X-Request-Id header stays."
    ),
    "bare-lists": (
        "Every list route answers a bare JSON array of every item: no envelope, no cursor; limit and cursor are "
        "ignored."
    ),
    "extra-fields": (
        "Every JSON object in every answer (top level and nested, list envelopes and error bodies included; "
        'Server-Sent Event data too) carries unknown fields: "_meta": {"dialect": "extra-fields"} and "etag": '
        '"W/\\"<hash>\\"" (a nested object and a string). A request body may carry them back (a client '
        "that saves what it read sends them): they are set aside before the body is validated."
    ),
}
"""Each plausible other answer the mock can give, by name. Dialects change the answers of TutorFlow routes
(``/v1/**``) only; ``/_mock/**`` and ``/openapi.json`` always answer as ``default`` (whose shapes
``/openapi.json`` describes). Several can be combined, unless ``CONFLICTS`` pairs them."""

CONFLICTS: dict[frozenset[str], str] = {
    frozenset({"no-rate-headers", "ietf-rate-headers"}): "both decide the rate-limit headers",
    frozenset({"retry-after-date", "no-retry-after"}): "both decide Retry-After",
    frozenset({"nested-errors", "plain-errors"}): "both decide the error body",
}
"""Dialects that answer the same question two ways (``default`` combines with none: it means no variation)."""

VARIED_BY: dict[str, tuple[str, ...]] = {
    "error-body": ("nested-errors", "plain-errors", "extra-fields"),
    "rate-limit-headers": ("no-rate-headers", "ietf-rate-headers", "retry-after-date", "no-retry-after"),
    "lists": ("bare-lists", "extra-fields"),
    "answer-fields": ("extra-fields",),
}
"""The assumptions each dialect answers otherwise."""


def _with_dialects(key: str, text: str) -> str:
    varied = VARIED_BY.get(key)
    if not varied:
        return f"{text} No dialect varies this."
    return f"{text} Dialects that answer otherwise: {', '.join(varied)}."


ASSUMPTIONS: dict[str, str] = {key: _with_dialects(key, text) for key, text in _CHOICES.items()}
"""Every assumption by id, each ending with the dialects that vary it."""
assert {d for names in VARIED_BY.values() for d in names} == set(DIALECTS) - {"default"}
assert set(VARIED_BY) <= set(_CHOICES)


def assumed(*ids: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that rests on the named assumptions."""
    unknown = [i for i in ids if i not in ASSUMPTIONS]
    if unknown:
        raise KeyError(f"unknown assumption(s): {unknown}")
    return {"x-assumptions": [{"id": i, "text": ASSUMPTIONS[i]} for i in ids]}


def describe() -> str:
    """Markdown for the OpenAPI ``info.description``."""
    lines = [
        (
            "A mock of the TutorFlow API (Content Integration `/v1/content/**` and Agent Platform "
            "`/v1/platform/**`) served by tutorflow_nb. Control routes under `/_mock` are the mock's own."
        ),
        "",
        "## Assumptions where the published documents are silent",
        "",
    ]
    lines += [f"- **{key}**: {text}" for key, text in ASSUMPTIONS.items()]
    lines += [
        "",
        "## Dialects: the other plausible answers",
        "",
        (
            "Start the mock with `--dialect NAME[,NAME…]` (or `MockServer(dialect=...)`), or switch at run time "
            "with `PUT /_mock/dialect`. Dialects change `/v1/**` answers only; the schemas here describe `default`. "
            "These pairs cannot be combined: "
            + "; ".join(f"{' and '.join(sorted(pair))} ({why})" for pair, why in CONFLICTS.items())
            + "."
        ),
        "",
    ]
    lines += [f"- **{name}**: {text}" for name, text in DIALECTS.items()]
    return "\n".join(lines)
