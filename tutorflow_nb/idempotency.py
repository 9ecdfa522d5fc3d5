"""Idempotency keys: derived once from the runbook's patterns and a fingerprint of the body.

The runbook's patterns (``module:{externalModuleId}:{version}``, ``expansion:{group}:
{version}``, …) name *what* is created; the fingerprint (12 hex characters of SHA-256
over the canonical JSON body) makes a changed body get a new key, so a retry replays
and an edit never collides with its first version.

    >>> derive("expansion", {"b": 1, "a": 2}, external_id="language-basics:level-a1", version="v1")
    'expansion:language-basics:level-a1:v1:d3626ac30a87'

A key travels as an HTTP header, which carries printable ASCII only: any other character
of an external id or version (``français``, a space, a tab) is percent-encoded, so every
key can be sent and the same ids always give the same key.

    >>> derive("expansion", {}, external_id="français:A1")
    'expansion:fran%C3%A7ais:A1:v1:44136fa355b3'

A key longer than fits (the API takes 255 characters; a derived key leaves room for its
successors' ``:r20``) keeps its head, then ``|`` and a digest of the whole key: two long ids
that differ only at their end (two cohorts of one URL) never share a key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from .errors import StaleReplayError

__all__ = [
    "MAX_GENERATIONS",
    "PATTERNS",
    "create_live",
    "derive",
    "expansion",
    "export",
    "external_id_of",
    "fingerprint",
    "origin",
    "platform_course",
    "platform_module",
    "resource",
    "source_content_id",
    "successor",
]

PATTERNS = {
    "module": "module:{external_id}:{version}",
    "course": "course:{external_id}:{version}",
    "video": "video:{external_id}:{version}",
    "slide": "slides:{external_id}:{version}",
    "test": "test:{external_id}:{version}",
    "expansion": "expansion:{external_id}:{version}",
    "export": "standalone-lesson:{external_id}:{version}",
    "platform-course": "platform-course:{external_id}:{version}",
    "platform-module": "platform-module:{external_id}:{version}",
}
MAX_LENGTH = 255
MAX_GENERATIONS = 20
"""How many successors of one derived key a create walks through before it gives up."""
_LONGEST_TAIL = len(f":r{MAX_GENERATIONS}")
"""A derived key leaves room for its successors' tail, so ``…:r2`` only appends and still names its origin."""
_CUT = "|"
"""Marks a key shortened to fit: never left bare in an encoded id or version, so it cannot be mistaken."""
# printable ASCII but the space, | and % (a literal % is encoded too, so "a b" and "a%20b" stay two ids)
_HEADER_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in (_CUT, "%"))


def fingerprint(body: Any, length: int = 12) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def derive(kind: str, body: Any, *, external_id: str | None = None, version: str | None = None) -> str:
    """A stable key for creating ``body`` as ``kind``; the same inputs always give the same key."""
    if kind not in PATTERNS:
        raise ValueError(f"unknown idempotency kind {kind!r}; one of {', '.join(PATTERNS)}")
    print_ = fingerprint(body)
    key = PATTERNS[kind].format(
        external_id=quote(external_id, safe=_HEADER_SAFE) if external_id else print_,
        # the version is the last field before the fingerprint: a ":" in it is encoded so the key reads back
        version=quote(version, safe=_HEADER_SAFE.replace(":", "")) if version else "v1",
    )
    if external_id:
        key = f"{key}:{print_}"
    return _fit(key, print_, MAX_LENGTH - _LONGEST_TAIL)


def _fit(key: str, tail: str, room: int = MAX_LENGTH) -> str:
    """``key`` (which ends with ``tail``) as is if it fits in ``room``, else shortened but still unique.

    Too long for the header: keep a readable head, then a digest of the whole key, so two long
    ids that differ only near their end still get two keys; ``tail`` stays last.
    """
    if len(key) <= room:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: room - len(digest) - len(tail) - 2]}{_CUT}{digest}:{tail}"


# ---------------------------------------------------------------- one derivation per resource group
# Each group's creates, its batches and the form call the function of their group, and nothing else.

_RESOURCE_KIND = {"modules": "module", "courses": "course", "videos": "video", "slides": "slide", "tests": "test"}


def source_content_id(request: Mapping[str, Any]) -> str | None:
    """The runbook's ``sourceContentId`` of an expansion request: ``{category id}:{level id}``.

    A category sent as a plain string stands for its own id; ``None`` when either is missing.

        >>> source_content_id({"payload": {"category": {"id": "language-basics"}, "level": {"id": "level-a1"}}})
        'language-basics:level-a1'
    """
    payload = request.get("payload")
    if not isinstance(payload, Mapping):
        return None
    category, level = payload.get("category"), payload.get("level")
    cat = category.get("id") if isinstance(category, Mapping) else category
    level_id = level.get("id") if isinstance(level, Mapping) else None
    return f"{cat}:{level_id}" if cat and level_id else None


def expansion(body: Mapping[str, Any], *, external_id: str | None = None, version: str | None = None) -> str:
    """``expansion:{external id}:{version}:{fingerprint}``; the external id defaults to the ``sourceContentId``."""
    return derive("expansion", body, external_id=external_id or source_content_id(body), version=version)


def resource(kind: str, body: Mapping[str, Any], *, external_id: str | None = None, version: str | None = None) -> str:
    """A classroom resource's create (``kind`` is ``modules``, ``courses``, …): ``module:{external id}:…``.

    The external id defaults to the body's ``metadata.externalId``.
    """
    metadata = body.get("metadata")
    external = external_id or (metadata.get("externalId") if isinstance(metadata, Mapping) else None)
    return derive(_RESOURCE_KIND[kind], body, external_id=external, version=version)


def export(lesson_id: str, classroom_id: str, *, version: str | None = None) -> str:
    """An export of a UI-authored lesson: ``standalone-lesson:{lesson id}:{version}:{fingerprint}``."""
    return derive(
        "export", {"classroomId": classroom_id, "lessonId": lesson_id}, external_id=lesson_id, version=version
    )


def platform_course(body: Mapping[str, Any], *, external_id: str | None = None, version: str | None = None) -> str:
    """A Platform course's create, over the body as sent (``mode`` included)."""
    return derive("platform-course", body, external_id=external_id, version=version)


def platform_module(body: Mapping[str, Any], *, external_id: str | None = None, version: str | None = None) -> str:
    """A Platform module's create."""
    return derive("platform-module", body, external_id=external_id, version=version)


# ---------------------------------------------------------------- re-running a create whose resource was deleted

T = TypeVar("T")


def successor(key: str, generation: int) -> str:
    """The key that stands in for ``key`` once its resource is gone: ``…:r2``, ``…:r3`` (generation 1 is ``key``).

    >>> successor("module:ext-1:v1:0a1b2c3d4e5f", 2)
    'module:ext-1:v1:0a1b2c3d4e5f:r2'
    """
    if generation <= 1:
        return key
    tail = f":r{generation}"
    if len(key) + len(tail) <= MAX_LENGTH:  # every derived key: it left room for this
        return key + tail
    return _fit(key, key.rpartition(":")[2], MAX_LENGTH - len(tail)) + tail  # a long key of the caller's own


_SUCCESSOR = re.compile(r":r\d+$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{12}$")


def origin(key: str) -> str:
    """The key a successor stands in for (``…:r2`` → ``…``); any other key is its own origin."""
    return _SUCCESSOR.sub("", key)


def external_id_of(key: str) -> str | None:
    """The external id a key derived by this package names, successors included; ``None`` otherwise.

    >>> external_id_of("platform-course:course-4:v1:0a1b2c3d4e5f:r2"), external_id_of("platform-course:0a1b2c3d4e5f:v1")
    ('course-4', None)

    A key shortened to fit the header no longer holds its whole id, so it names none.
    """
    kind, _, rest = origin(key).partition(":")
    if _CUT in rest:  # shortened to fit: the id's end is gone, so the key no longer names it
        return None
    if not any(pattern.startswith(f"{kind}:") for pattern in PATTERNS.values()):
        return None
    parts = rest.rsplit(":", 2)
    if len(parts) != 3 or not _FINGERPRINT.match(parts[2]) or not parts[0]:
        return None
    return unquote(parts[0])


async def create_live(
    key: str,
    *,
    derived: bool,
    create: Callable[[str], Awaitable[T]],
    is_live: Callable[[T], Awaitable[bool]],
    what: str,
) -> T:
    """Create with ``key`` and make sure the answer is a live resource, not a replay of a deleted one.

    A server that remembers keys replays the first create's answer for the same key, even
    after its resource was deleted: re-running a create-use-delete cell would hand back a
    dead id. With a key the client derived, the create moves on to the key's successor
    (``…:r2``, ``…:r3``: stable too, so a retry or a re-run still replays instead of
    duplicating) until the answer is alive. A key the caller chose is never replaced:
    :class:`StaleReplayError` says what happened.
    """
    for generation in range(1, MAX_GENERATIONS + 1):
        current = successor(key, generation)
        made = await create(current)
        if await is_live(made):
            return made
        if not derived:
            raise StaleReplayError(f"Idempotency-Key {current!r} replays a {what} that has been deleted since")
    raise StaleReplayError(
        f"the last {MAX_GENERATIONS} successors of Idempotency-Key {key!r} all replay deleted {what}s; "
        "pass version= (or a key of your own) to start afresh"
    )
