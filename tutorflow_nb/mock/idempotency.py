"""Idempotency records: the same key with the same body replays the original answer; a different body is 409.

Records are scoped by owner (an organization for Content Integration, a workspace for
the Agent Platform) and by operation, so two organizations may use the same key. A
record keeps the first answer's status and body as they were then (``assumptions.idempotency``).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from ..idempotency import MAX_LENGTH
from ..idempotency import fingerprint as _fingerprint
from .errors import BadRequest, Conflict

__all__ = ["MAX_KEY_LENGTH", "IdempotencyStore", "Replay", "fingerprint"]

MAX_KEY_LENGTH = MAX_LENGTH
"""The longest ``Idempotency-Key`` accepted: the same bound the client's derived keys keep."""
FINGERPRINT_LENGTH = 64
"""The whole SHA-256 hex digest: the server compares bodies, so it keeps the full fingerprint."""


def fingerprint(body: Any) -> str:
    """The body's fingerprint, as the client computes it (``tutorflow_nb.idempotency.fingerprint``), full length."""
    return _fingerprint(body, length=FINGERPRINT_LENGTH)


@dataclass
class Replay:
    """The first answer to a key: ``ref`` points at the created thing, ``status_code`` and ``body`` are the answer."""

    ref: str
    status_code: int
    body: Any

    def answer(self, **changes: Any) -> tuple[int, Any]:
        """The original answer again (a copy), with ``changes`` set on its body (``idempotentReplay=True``)."""
        body = copy.deepcopy(self.body)
        if changes and isinstance(body, dict):
            body.update(changes)
        return self.status_code, body


class IdempotencyStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str, str], tuple[str, Replay]] = {}

    def reset(self) -> None:
        with self._lock:
            self._records.clear()

    @staticmethod
    def check_key(key: str | None, field: str = "Idempotency-Key") -> str | None:
        if key is None:
            return None
        if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise BadRequest(
                f"{field} must be 1-{MAX_KEY_LENGTH} printable characters, "
                "e.g. 'expansion:{externalContentGroupId}:{version}'",
                fields=[],
                code="invalid_idempotency_key",
            )
        return key

    def lookup(self, owner: str, operation: str, key: str | None, body: Any) -> Replay | None:
        """The earlier outcome for this key, or ``None``; :class:`Conflict` if the body changed."""
        if key is None:
            return None
        with self._lock:
            found = self._records.get((owner, operation, key))
        if found is None:
            return None
        print_, replay = found
        if print_ != fingerprint(body):
            raise Conflict(
                f"Idempotency-Key '{key}' was already used with a different request body. "
                "Send a new key when the content changes (bump the version in the key); "
                "reuse a key only to retry the identical request.",
                code="idempotency_key_reused",
            )
        return replay

    def remember(self, owner: str, operation: str, key: str | None, body: Any, replay: Replay) -> None:
        """Keep the first answer to ``key`` (a copy, so later changes to the thing never alter it)."""
        if key is None:
            return
        kept = Replay(replay.ref, replay.status_code, copy.deepcopy(replay.body))
        with self._lock:
            self._records.setdefault((owner, operation, key), (fingerprint(body), kept))
