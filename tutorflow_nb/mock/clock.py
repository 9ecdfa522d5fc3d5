"""The mock's clock: mock time can run faster than wall time, and can be advanced.

Everything that happens "over time" in the mock (jobs moving through their states,
edit tokens expiring, rate-limit windows resetting) is measured on this clock. Every
duration the mock *reports* to a client (``pollAfterMs``, ``Retry-After``, rate-limit
reset times) is converted back to wall-clock units with :meth:`Clock.to_wall`, so a
client never needs to know the speed.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

__all__ = ["MAX_SPEED", "Clock", "check_speed", "iso", "usable_speed"]

MAX_SPEED = 100_000.0
"""The fastest clock: a mock day in under a second of wall time (an admin session, 12 mock hours, lasts 0.43 s)."""


def usable_speed(speed: object) -> bool:
    """Whether ``speed`` can drive a clock: a number above 0 and at most ``MAX_SPEED`` (``True`` is no number).

    >>> [usable_speed(s) for s in (10, 0.5, 100_000, 0, -1, 1e9, float("nan"), float("inf"), True, "10")]
    [True, True, True, False, False, False, False, False, False, False]
    """
    return isinstance(speed, (int, float)) and not isinstance(speed, bool) and 0 < speed <= MAX_SPEED


def check_speed(speed: object, source: str = "speed") -> float:
    """``speed`` as a float once it can drive a clock (:func:`usable_speed`).

    Raises:
        ValueError: naming ``source`` (the argument, field or flag it came from) and the bounds.
    """
    if not usable_speed(speed):
        raise ValueError(
            f"{source} must be a number above 0 and at most {MAX_SPEED:g} (1 is wall time, 10 ten times faster), "
            f"got {speed!r}"
        )
    return float(speed)  # type: ignore[arg-type]  # usable_speed has made it an int or a float


class Clock:
    """Mock time = start + (wall time elapsed) x speed + manual advances.

    >>> clock = Clock(speed=10.0, start=0.0)
    >>> round(clock.advance(60))     # jump one mock minute ahead; returns the new mock time
    60
    """

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._speed = check_speed(speed)
        self._base_mock = time.time() if start is None else float(start)
        self._base_wall = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        """Mock time as a UNIX timestamp in seconds."""
        with self._lock:
            return self._base_mock + (time.monotonic() - self._base_wall) * self._speed

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on; mock time does not jump."""
        speed = check_speed(speed)
        now = self.now()
        with self._lock:
            self._base_mock, self._base_wall, self._speed = now, time.monotonic(), speed

    def advance(self, seconds: float) -> float:
        """Move mock time forward by ``seconds`` of mock time; returns the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._base_mock += seconds
        return self.now()

    def to_wall(self, mock_seconds: float) -> float:
        """How many wall-clock seconds a span of mock time lasts at the current speed."""
        return mock_seconds / self._speed

    def iso(self, ts: float | None = None) -> str:
        return iso(self.now() if ts is None else ts)


def iso(ts: float) -> str:
    """ISO 8601 UTC with milliseconds and a ``Z``, as the TutorFlow documents show."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
