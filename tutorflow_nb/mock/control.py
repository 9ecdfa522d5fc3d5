"""``MockControl``: the mock's ``/_mock`` control routes from Python, for any running mock.

>>> s.control.faults(error_rate=0.2, drop_rate=0.1)        # doctest: +SKIP
>>> s.control.advance(3600)                                # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from ..tls import tls_for

__all__ = ["MockControl", "MockWorld"]


class MockControl:
    """Reset, clock, faults, dialects, webhook deliveries and counts of a mock at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"<MockControl {self.base_url}>"

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """The JSON object a control route answers; raises ``httpx.HTTPStatusError`` on an error status."""
        response = httpx.request(
            method, f"{self.base_url}/_mock{path}", json=body, timeout=10, verify=tls_for(self.base_url)
        )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()  # every /_mock route answers an object
        return answer

    def is_mock(self) -> bool:
        try:
            return (
                httpx.get(f"{self.base_url}/_mock/state", timeout=5, verify=tls_for(self.base_url)).status_code == 200
            )
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


class MockWorld:
    """A fresh mock drawn from a :class:`~tutorflow_nb.mock.worlds.MockWorlds` service: ``stop()`` gives it back.

    Holds the world's demo credentials (full): never print them; ``repr`` shows none.
    """

    def __init__(self, service_url: str, answer: dict[str, Any]) -> None:
        self.service_url = service_url.rstrip("/")
        self.id = str(answer["id"])
        self.base_url = str(answer["baseUrl"]).rstrip("/")
        self.speed = float(answer["speed"])
        self.admin_email = str(answer["adminEmail"])
        self.admin_password = str(answer["adminPassword"])
        self.platform_key = str(answer["platformKey"])

    def __repr__(self) -> str:
        return f"<MockWorld {self.id} {self.base_url} speed={self.speed:g} from {self.service_url}>"

    @classmethod
    def draw(cls, service_url: str, speed: float | None = None, *, source: str = "TUTORFLOW_MOCK_WORLDS") -> MockWorld:
        """A fresh world from the service at ``service_url`` (``source`` names where that URL came from).

        Raises:
            ConnectionError: the service does not answer, or refuses; the message names ``source`` and the fix.
        """
        fix = (
            f"start one (`tutorflow-nb worlds`, or tutorflow_nb.mock.MockWorlds in Python) and name it in {source}, "
            f"or unset {source} to start the mock inside this process"
        )
        try:
            response = httpx.post(
                f"{service_url.rstrip('/')}/worlds", json={"speed": speed}, timeout=30, verify=tls_for(service_url)
            )
        except httpx.HTTPError as exc:
            raise ConnectionError(f"{source}: no mock worlds service answers at {service_url} ({exc}); {fix}") from None
        said = response.json() if "json" in response.headers.get("content-type", "") else {}
        if response.status_code != 201 or not isinstance(said, dict) or "baseUrl" not in said:
            words = said.get("error", response.text[:200]) if isinstance(said, dict) else response.text[:200]
            raise ConnectionError(
                f"{source}: {service_url} did not give a world (HTTP {response.status_code}: {words}); {fix}"
            )
        return cls(service_url, said)

    @property
    def control(self) -> MockControl:
        """The world's ``/_mock`` control routes."""
        return MockControl(self.base_url)

    def stop(self) -> None:
        """Give the world back: the service stops it within moments; a world already gone is no error."""
        with contextlib.suppress(httpx.HTTPError):  # the service went first: its worlds went with it
            httpx.delete(f"{self.service_url}/worlds/{self.id}", timeout=10, verify=tls_for(self.service_url))
