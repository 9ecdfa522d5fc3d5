"""One key's request budget: every request of the key waits here for a send slot.

The documents say rate limits "follow the workspace API key settings" (``rateLimitPerMinute``)
and no more, so the budget works with whatever a server tells it, and with nothing:

- **Told a window** (``X-RateLimit-Limit/-Remaining/-Reset``, the IETF ``RateLimit-Limit/
  -Remaining/-Reset`` headers, ``RateLimit-Policy: <limit>;w=<seconds>``), it mirrors the
  server's window: bursts while the window has room, waits for the reset when it has none.
- **Told nothing**, it learns the window, in the spirit of the AWS SDK's adaptive retry mode:
  until a first 429 at most ``OPEN_IN_FLIGHT`` requests are on the wire (so a limit is
  overshot by few); after a 429 nothing is sent until ``Retry-After`` (or an exponential
  backoff) has passed, then one probe at a time until the server accepts again. That
  acceptance is a window's reset: the requests accepted since the window began are its
  limit, the time since then is its length, and the budget keeps to that window as if it
  had been told (multiplicative decrease: a later 429 learns it afresh from there). After
  ``INCREASE_AFTER`` full windows without a 429 it tries one request more per window
  (additive increase), so a limit learned low (a window another client had half spent)
  climbs back; the first such try the server refuses marks the limit found, and the budget
  waits out that window (it knows when it ends) instead of learning again.

Shared by every request of the key, across clients, tasks and threads (:func:`budget_for`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping

from .keys import ApiKey

__all__ = ["RateBudget", "budget_for", "rate_headers"]

OPEN_IN_FLIGHT = 2
"""Requests on the wire at once while the server has said nothing about its limit."""
PROBE_BACKOFF = (1.0, 8.0)
"""First and longest wait between probes after a 429 with no Retry-After (doubling)."""
INCREASE_AFTER = 3
"""Full learned windows without a 429 before the learned limit grows by one."""


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
        self._reset_guessed = False  # _reset_at is this budget's guess (a window's length), not a server's word
        self._in_flight = self._sent = 0
        self._window_first = 0  # sequence number of the first request of the current window
        self._blocked_until = 0.0
        self.waited = 0.0
        self.requests = 0
        self.told = limit is not None
        """Whether a server's headers (or the caller) gave the window."""
        # learning the window, while no server has told one
        self.learned = False
        """Whether the window in force was learned from 429s rather than told."""
        self._probing = False
        self._probe_from = 0  # requests from this sequence number on are probes
        self._streak = 0
        self._began = time.monotonic()  # when the window being learned began
        self._accepted = 0  # requests accepted since then
        self._full_windows = 0
        self._trying = False  # this window tries one request more than the limit learned
        self._found = False  # a try was refused: the learned limit is the server's
        self._quiet_from = 0  # 429s of requests sent before this sequence number are already accounted for

    def __repr__(self) -> str:
        if self.told:
            return f"<RateBudget limit={self.limit} window={self.window:g}s available={self._available}>"
        if self.learned:
            return f"<RateBudget learned limit={self.limit} window={self.window:.2f}s available={self._available}>"
        return f"<RateBudget unknown{' probing' if self._probing else ''}>"

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
        if self._probing:  # one probe at a time until the server accepts again
            return (None, 0.01) if self._in_flight else (self._take(now), 0.0)
        if not (self.told or self.learned):
            return (None, 0.005) if self._in_flight >= OPEN_IN_FLIGHT else (self._take(now), 0.0)
        if self._reset_at is not None and now >= self._reset_at:
            self._new_window(now)
        if self._available <= 0 and self._reset_at is None and not self._in_flight:
            # a window that began while its predecessor's requests were still on the wire started with none
            # available, and those answers, older than the window, do not say when it ends: begin the next
            self._new_window(now)
        if self._available > 0:
            self._available -= 1
            if self._reset_at is None and self.limit:  # until a server says when this window ends
                self._reset_at, self._reset_guessed = now + self.window + self.margin, True
            return self._take(now), 0.0
        return None, (0.01 if self._reset_at is None else self._reset_at - now)

    def _new_window(self, now: float) -> None:
        self._trying = False
        if self.learned and not self._available and self.limit and not self._found:
            self._full_windows += 1  # the whole learned window was wanted
            if self._full_windows >= INCREASE_AFTER:
                self.limit, self._full_windows, self._trying = self.limit + 1, 0, True
        self._available = (self.limit or 1) - self._in_flight
        self._reset_at = None
        self._window_first = self._sent + 1
        self._began, self._accepted = now, 0

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
                    self._learn(now, seq, status)
                return
            self.told, self.learned, self._probing = True, False, False
            limit, remaining, reset, window = info
            learning = self.limit is None
            self.limit = limit
            if window:
                self.window = window
            if seq < self._window_first or remaining is None:
                return  # an answer from before the window rolled over says nothing new
            # Answers arrive out of order: any request still in flight may not be counted yet.
            server_view = remaining - self._in_flight
            told_reset = None if reset is None else now + reset + self.margin
            ours = None if self._reset_guessed else self._reset_at
            if told_reset is not None and ours is not None and told_reset > ours + self.margin:
                # the server's window rolled over before ours
                self._new_window(now)
                learning = True
            self._available = server_view if learning else min(self._available, server_view)
            if told_reset is not None:
                keep = 0.0 if self._reset_guessed or learning else (self._reset_at or 0.0)
                self._reset_at, self._reset_guessed = max(keep, told_reset), False

    def _learn(self, now: float, seq: int, status: int | None) -> None:
        if status is None:
            return  # no answer: says nothing about the limit
        if status == 429:
            if seq < self._quiet_from:
                return  # on the wire before a 429 this budget has already acted on
            if self._trying:  # one request more than the learned limit was too many: the limit is found
                self.limit, self._trying, self._found = (self.limit or 2) - 1, False, True
                self._available, self._quiet_from = 0, self._sent + 1
                self._blocked_until = max(self._blocked_until, self._reset_at or now)
                return
            if not self._probing:  # the window is spent: what it accepted is its limit, learned on recovery
                self._probing, self._streak, self._probe_from = True, 0, self._sent + 1
            if seq >= self._probe_from:  # a probe was refused (not a request already on the wire before)
                self._streak += 1
            low, high = PROBE_BACKOFF
            self._blocked_until = max(self._blocked_until, now + min(high, low * 2**self._streak))
            return
        if self._probing and seq >= self._probe_from:  # a probe accepted: a new window began
            self.limit = max(1, self._accepted)
            self.window = max(now - self._began, 0.05)
            self.learned, self._probing, self._full_windows, self._found = True, False, 0, False
            self._reset_at = None
            self._new_window(now)
            self._available -= 1  # the probe itself
            self._reset_at = now + self.window + self.margin
            self._accepted = 1
            return
        self._accepted += 1

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
