"""Webhook signatures: how the mock signs a delivery and how a receiver verifies one.

A delivery carries ``TutorFlow-Signature: t=<unix seconds>,v1=<hex>``, where the hex is
HMAC-SHA256 over ``"<t>.<raw body>"`` keyed with the subscription's secret (returned once
when the subscription is created). A receiver recomputes it over the raw bytes, compares
in constant time, and refuses timestamps older than its tolerance (default 300 s) and
delivery ids (``TutorFlow-Delivery``) it has already seen. The documents do not say how
TutorFlow signs deliveries; this scheme is an assumption (see ``mock/assumptions.py``).

    >>> header = sign(b'{"a":1}', "whsec_test", timestamp=1700000000)
    >>> verify(b'{"a":1}', header, "whsec_test", now=1700000010)
    1700000000
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["DELIVERY_HEADER", "EVENT_HEADER", "SIGNATURE_HEADER", "SignatureError", "sign", "verify"]

SIGNATURE_HEADER = "TutorFlow-Signature"
DELIVERY_HEADER = "TutorFlow-Delivery"
EVENT_HEADER = "TutorFlow-Event"


class SignatureError(ValueError):
    """A delivery whose signature is missing, malformed, wrong or too old."""


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The ``TutorFlow-Signature`` header value for ``body``."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={ts},v1={_digest(body, secret, ts)}"


def verify(body: bytes, header: str | None, secret: str, *, tolerance: float = 300.0, now: float | None = None) -> int:
    """Check a delivery; returns its timestamp, or raises :class:`SignatureError`."""
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError(f"malformed {SIGNATURE_HEADER} header")
        parts.setdefault(name, []).append(value)
    try:
        ts = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError(f"{SIGNATURE_HEADER} has no valid t= timestamp") from None
    expected = _digest(body, secret, ts)
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise SignatureError("signature does not match the body and secret")
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureError(f"timestamp is {abs(current - ts):.0f} s away from now (tolerance {tolerance:.0f} s)")
    return ts
