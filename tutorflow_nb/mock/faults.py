"""Fault injection: what a real network and a real service do to a client.

Switch faults on at start (``create_app(faults=Faults(error_rate=0.1))``, or the CLI's
``--fault-*`` flags) or at run time (``PUT /_mock/faults``). They apply to TutorFlow
routes only, never to the ``/_mock`` control routes or ``/openapi.json``.

- ``error_rate``: the share of requests answered 503 *before* anything is processed, with a
  ``Retry-After`` of one mock second (in wall seconds, at most 1).
- ``drop_rate``: the share of requests whose connection is dropped *after* the request
  was processed (the job exists, the client never hears so): the case idempotency keys
  exist for.
- ``burst_429_rate``: the share of requests answered with a spurious 429 and a short
  ``Retry-After``, as a busy gateway does.
- ``latency_ms``: wall milliseconds added to every request (``latency_jitter_ms`` more at
  random).
- ``job_failure_rate``: the share of new expansion jobs and Platform course requests that
  end ``failed``/``FAILED``. ``fail_next_jobs`` forces the next N to fail.
- ``webhook_drop_rate``: the share of webhook delivery attempts lost on the way (recorded as
  failed, so the mock retries them as it retries any failed delivery, then gives up).
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["FaultInjector", "Faults"]


@dataclass
class Faults:
    error_rate: float = 0.0
    drop_rate: float = 0.0
    burst_429_rate: float = 0.0
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    job_failure_rate: float = 0.0
    fail_next_jobs: int = 0
    webhook_drop_rate: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_rate") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{f.name} must be between 0 and 1, got {value!r}")
            if value < 0:
                raise ValueError(f"{f.name} must be >= 0, got {value!r}")

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class FaultInjector:
    """Draws the dice for each request and job, from a seeded generator."""

    def __init__(self, faults: Faults | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.faults = faults or Faults()
        self._rng = random.Random(seed ^ 0x5EED)

    def update(self, **changes: float | int) -> Faults:
        """Change some settings and keep the rest; returns the new ``Faults``.

        Raises ``ValueError`` for an unknown setting or a value out of bounds.
        """
        merged: dict[str, Any] = {**self.faults.as_dict(), **changes}  # values are checked by Faults itself
        unknown = set(changes) - set(self.faults.as_dict())
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            self.faults = Faults(**merged)  # validates
        return self.faults

    def _roll(self, rate: float) -> bool:
        with self._lock:
            return rate > 0 and self._rng.random() < rate

    def should_error(self) -> bool:
        return self._roll(self.faults.error_rate)

    def should_drop(self) -> bool:
        return self._roll(self.faults.drop_rate)

    def should_burst_429(self) -> bool:
        return self._roll(self.faults.burst_429_rate)

    def should_drop_webhook(self) -> bool:
        return self._roll(self.faults.webhook_drop_rate)

    def latency_seconds(self) -> float:
        f = self.faults
        if not f.latency_ms and not f.latency_jitter_ms:
            return 0.0
        with self._lock:
            jitter = self._rng.random() * f.latency_jitter_ms
        return (f.latency_ms + jitter) / 1000.0

    def job_fails(self) -> bool:
        with self._lock:
            if self.faults.fail_next_jobs > 0:
                self.faults.fail_next_jobs -= 1
                return True
        return self._roll(self.faults.job_failure_rate)
