"""``MockControl``: the mock's ``/_mock`` control routes from Python, for any running mock.

>>> s.control.faults(error_rate=0.2, drop_rate=0.1)        # doctest: +SKIP
>>> s.control.advance(3600)                                # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["MockControl"]


class MockControl:
    """Reset, clock, faults, dialects, webhook deliveries and counts of a mock at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"<MockControl {self.base_url}>"

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """The JSON object a control route answers; raises ``httpx.HTTPStatusError`` on an error status."""
        response = httpx.request(method, f"{self.base_url}/_mock{path}", json=body, timeout=10)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()  # every /_mock route answers an object
        return answer

    def is_mock(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/_mock/state", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/state")

    def faults(self, **settings: float) -> dict[str, Any]:
        """Switch faults: error_rate, drop_rate, burst_429_rate, latency_ms, latency_jitter_ms, job_failure_rate,
        fail_next_jobs, webhook_drop_rate."""
        return self._call("PUT", "/faults", settings)

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    def dialect(self, *names: str) -> list[str]:
        """The dialects in force; given names (``"nested-errors"``, ``"bare-lists,extra-fields"``), switch first.

        ``dialect("default")`` goes back to the default.

        Raises:
            ValueError: an unknown name or a contradictory pair, in the mock's words (it changes nothing).
        """
        try:
            answer = self._call("PUT", "/dialect", {"dialect": list(names)}) if names else self._call("GET", "/dialect")
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 400:
                raise
            said = exc.response.json() if "json" in exc.response.headers.get("content-type", "") else {}
            words = said.get("message") or exc.response.text
            words = "; ".join(map(str, words)) if isinstance(words, list) else str(words)
            raise ValueError(words.removeprefix("dialect: ")) from None
        return [str(name) for name in answer["dialect"]]

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the mock clock forward (finishes jobs, expires edit tokens)."""
        return self._call("POST", "/clock/advance", {"seconds": seconds})

    def speed(self, speed: float) -> dict[str, Any]:
        return self._call("PUT", "/clock", {"speed": speed})

    def deliveries(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._call("GET", "/webhooks/deliveries")["data"]
        return data

    def jobs(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._call("GET", "/jobs")["data"]
        return data

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "/reset")
