"""One key's request budget: every request of the key waits here for a send slot.

The documents say rate limits "follow the workspace API key settings" and no more, so
the budget works with whatever a server tells it, and with nothing:

- **Told a window** (``X-RateLimit-Limit/-Remaining/-Reset``, the IETF ``RateLimit-Limit/
  -Remaining/-Reset`` headers, ``RateLimit-Policy: <limit>;w=<seconds>``), it mirrors the
  server's window: bursts while the window has room, waits for the reset when it has none.
- **Told nothing**, it paces adaptively, in the spirit of the AWS SDK's adaptive retry mode:
  no pacing until the first 429; after one, it sends a single probe at a time (after
  ``Retry-After`` when the answer has one, else an exponential backoff) until the server
  accepts again, then paces a token bucket at 90 % of the rate the server just accepted
  (requests accepted since the previous recovery over the time they took), rising slowly
  (additive increase) until the next 429 lowers it again (multiplicative decrease).

Shared by every request of the key, across clients, tasks and threads (:func:`budget_for`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping

from .keys import ApiKey

__all__ = ["RateBudget", "budget_for", "rate_headers"]

SAFETY = 0.9
"""After a recovery, pace at this share of the rate the server was seen to accept."""
INCREASE = 0.0005
"""Additive increase per accepted request, as a share of the rate set at the last recovery."""
DECREASE = 0.5
"""Multiplicative decrease of the paced rate on a 429 (the recovery then measures it afresh)."""
PROBE_BACKOFF = (0.25, 8.0)
"""First and longest wait between probes after a 429 with no Retry-After (doubling)."""


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def rate_headers(headers: Mapping[str, str]) -> tuple[int, int | None, float | None, float | None] | None:
    """``(limit, remaining, seconds to reset, window seconds)`` from an answer's rate-limit headers, if any.

    Both the common ``X-RateLimit-*`` form and the IETF ``RateLimit-*`` fields are read.

        >>> rate_headers({"ratelimit-limit": "60", "ratelimit-remaining": "59", "ratelimit-reset": "30",
        ...               "ratelimit-policy": "60;w=60"})
        (60, 59, 30.0, 60.0)
        >>> rate_headers({}) is None
        True
    """
    for prefix in ("x-ratelimit-", "ratelimit-"):
        limit = _float(headers.get(prefix + "limit"))
        if limit is not None:
            remaining = _float(headers.get(prefix + "remaining"))
            reset = _float(headers.get(prefix + "reset"))
            break
    else:
        return None
    window = None
    for part in (headers.get("ratelimit-policy") or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name == "w":
            window = _float(value)
    return int(limit), None if remaining is None else int(remaining), reset, window


class RateBudget:
    """One key's request budget (see the module's description for how it paces)."""

    def __init__(self, limit: int | None = None, window: float = 60.0) -> None:
        self._lock = threading.Lock()
        self.limit, self.window = limit, window
        self._available = limit if limit else 1
        self._reset_at: float | None = None
        self._in_flight = self._sent = 0
        self._window_first = 0  # sequence number of the first request of the current window
        self._blocked_until = 0.0
        self.waited = 0.0
        self.requests = 0
        # adaptive pacing, while no server has told a window
        self.told = limit is not None
        self.rate: float | None = None
        """The paced rate in requests per second when pacing adaptively (``None``: not paced yet)."""
        self._tokens = 1.0
        self._refilled = time.monotonic()
        self._probing = False
        self._streak = 0
        self._accepted = 0
        self._recovered_at = time.monotonic()
        self._increase = 0.0

    def __repr__(self) -> str:
        if self.told:
            return f"<RateBudget limit={self.limit} window={self.window:g}s available={self._available}>"
        pace = f"{self.rate:.2f}/s" if self.rate else "not paced"
        return f"<RateBudget adaptive {pace}{' probing' if self._probing else ''}>"

    @property
    def margin(self) -> float:
        return max(0.05, 0.01 * self.window)

    # ------------------------------------------------------------ send slots

    def _take(self, now: float) -> int:
        self._sent += 1
        self._in_flight += 1
        self.requests += 1
        return self._sent

    def _try(self, now: float) -> tuple[int | None, float]:
        if now < self._blocked_until:
            return None, self._blocked_until - now
        if not self.told:
            return self._try_adaptive(now)
        if self._reset_at is not None and now >= self._reset_at:
            self._available = (self.limit or 1) - self._in_flight
            self._reset_at = None
            self._window_first = self._sent + 1
        if self._available > 0:
            self._available -= 1
            if self._reset_at is None and self.limit:
                self._reset_at = now + self.window + self.margin
            return self._take(now), 0.0
        return None, (0.01 if self._reset_at is None else self._reset_at - now)

    def _try_adaptive(self, now: float) -> tuple[int | None, float]:
        if self._probing and self._in_flight:
            return None, 0.01  # one probe at a time until the server accepts again
        if self.rate is None or self._probing:
            return self._take(now), 0.0
        self._tokens = min(max(1.0, self.rate * 0.5), self._tokens + (now - self._refilled) * self.rate)
        self._refilled = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return self._take(now), 0.0
        return None, (1.0 - self._tokens) / self.rate

    async def acquire(self) -> int:
        """Wait for a send slot; returns the request's sequence number."""
        start = time.monotonic()
        while True:
            with self._lock:
                seq, delay = self._try(time.monotonic())
            if seq is not None:
                self.waited += time.monotonic() - start
                return seq
            await asyncio.sleep(min(max(delay, 0.001), 0.25))

    # ------------------------------------------------------------ answers

    def release(self, seq: int, headers: Mapping[str, str] | None, status: int | None = None) -> None:
        """Account for the answer to request ``seq``: its headers and status (``None`` when nothing came back)."""
        now = time.monotonic()
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            info = rate_headers(headers) if headers is not None else None
            if info is None:
                if not self.told:
                    self._adapt(now, status)
                return
            self.told = True
            limit, remaining, reset, window = info
            learning = self.limit is None
            self.limit = limit
            if window:
                self.window = window
            if seq < self._window_first or remaining is None:
                return  # an answer from before the window rolled over says nothing new
            # Answers arrive out of order: any request still in flight may not be counted yet.
            server_view = remaining - self._in_flight
            self._available = server_view if learning else min(self._available, server_view)
            if reset is not None:
                self._reset_at = max(self._reset_at or 0.0, now + reset + self.margin)

    def _adapt(self, now: float, status: int | None) -> None:
        if status is None:
            return  # no answer: says nothing about the rate
        if status == 429:
            if not self._probing:
                sent_rate = self._accepted / max(now - self._recovered_at, 1e-3)
                self.rate = DECREASE * min(self.rate or sent_rate, sent_rate)
            self._probing = True
            self._streak += 1
            low, high = PROBE_BACKOFF
            self._blocked_until = max(self._blocked_until, now + min(high, low * 2 ** (self._streak - 1)))
            return
        if self._probing:  # the first answer after a 429 streak: measure what the server accepted meanwhile
            accepted_rate = (self._accepted + 1) / max(now - self._recovered_at, 1e-3)
            self.rate = SAFETY * accepted_rate
            self._increase = INCREASE * self.rate
            self._probing, self._streak, self._accepted = False, 0, 0
            self._recovered_at, self._tokens, self._refilled = now, 0.0, now
            return
        self._accepted += 1
        if self.rate is not None:
            self.rate += self._increase

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (after a 429's Retry-After)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, time.monotonic() + seconds)


_BUDGETS: dict[tuple[str, ApiKey], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def budget_for(base_url: str, key: ApiKey, limit: int | None = None) -> RateBudget:
    """The one budget of ``key`` on ``base_url``, shared by every client in this process."""
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get((base_url, key))
        if budget is None:
            budget = _BUDGETS[(base_url, key)] = RateBudget(limit)
        return budget
