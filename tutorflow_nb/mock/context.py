"""What every backend of the mock shares: the lock, the clock, ids, faults and idempotency.

Each backend (``accounts``, ``content``, ``platform``, ``webhooks``) receives one
``Context`` and nothing else of the whole state, as moto's backends receive their
region: none of them reaches back into ``MockState``.

    >>> ctx = Context(seed=1)
    >>> ctx.new_id() == Context(seed=1).new_id()     # ids follow the seed
    True
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid

from .clock import Clock
from .faults import FaultInjector, Faults
from .idempotency import IdempotencyStore

__all__ = ["Context"]


class Context:
    """The lock, clock, ids, faults, idempotency records, seed and web address the backends share.

    ``lock`` is re-entrant and guards every change of every backend. Ids are UUIDs drawn
    from a generator seeded by ``seed`` (the same seed gives the same ids after a
    :meth:`reset`); tokens are secrets and follow no seed.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        web_base_url: str = "https://tutorflow.io",
    ) -> None:
        self.seed = seed
        self.lock = threading.RLock()
        self.clock = Clock(speed)
        self.faults = FaultInjector(faults, seed)
        self.idempotency = IdempotencyStore()
        self.web_base_url = web_base_url.rstrip("/")
        self._rng = random.Random(seed)

    def reset(self) -> None:
        """Re-seed the ids and forget the idempotency records (clock and faults stay)."""
        with self.lock:
            self._rng = random.Random(self.seed)
            self.idempotency.reset()

    def new_id(self) -> str:
        """The next id: a version-4 UUID drawn from the seeded generator."""
        with self.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    @staticmethod
    def new_token(nbytes: int = 20) -> str:
        """A random hex token of ``nbytes`` bytes (share tokens, edit tokens, sessions, secrets)."""
        return secrets.token_hex(nbytes)
