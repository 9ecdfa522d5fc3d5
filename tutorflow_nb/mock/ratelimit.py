"""Per-key request budgets: ``rateLimitPerMinute`` requests per minute of mock time.

A fixed window starts at a key's first request and lasts one mock minute. Every
authenticated request counts, whatever its answer. The answer carries the headers
described in ``assumptions.py`` (``X-RateLimit-*``, ``RateLimit-Policy``), with times
in wall-clock seconds.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .clock import Clock
from .errors import RateLimited

__all__ = ["WINDOW_SECONDS", "RateInfo", "RateLimiter", "fmt_seconds"]

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateInfo:
    limit: int
    remaining: int
    reset_wall: float  # wall seconds until the window resets
    window_wall: float  # the window's length in wall seconds

    def headers(self) -> dict[str, str]:
        """The default dialect's headers (``dialects.Dialect.rate_headers`` chooses)."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": fmt_seconds(self.reset_wall),
            "RateLimit-Policy": f"{self.limit};w={fmt_seconds(self.window_wall)}",
        }


def fmt_seconds(seconds: float) -> str:
    """Whole seconds where they are whole, else three decimals (mock speeds make fractions)."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}"


class RateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key id -> (window start, count)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def charge(self, key_id: str, limit: int) -> RateInfo:
        """Count one request against ``key_id``; raise :class:`RateLimited` past the limit."""
        now = self._clock.now()
        with self._lock:
            start, count = self._windows.get(key_id, (now, 0))
            if now - start >= WINDOW_SECONDS:
                start, count = now, 0
            count += 1
            self._windows[key_id] = (start, count)
        reset_wall = self._clock.to_wall(max(0.0, start + WINDOW_SECONDS - now))
        info = RateInfo(
            limit, max(0, limit - count), round(reset_wall, 3), round(self._clock.to_wall(WINDOW_SECONDS), 3)
        )
        if count > limit:
            retry_after = max(1, math.ceil(reset_wall)) if reset_wall >= 1 else reset_wall
            raise RateLimited(
                f"rate limit of {limit} requests per minute exceeded for this key; retry after {retry_after} s",
                retry_after=retry_after,
                rate=info,
            )
        return info
