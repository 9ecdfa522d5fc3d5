"""The TLS settings a request to a URL needs, made once per process and shared by every client.

Loading the CA bundle takes ~25 ms and httpx does it for every client it makes, even one
that only ever speaks ``http://``. An ``http://`` URL never speaks TLS (redirects are not
followed), so it gets a context that trusts no certificate at all instead.

    >>> tls_for("http://127.0.0.1:8765").verify_mode.name
    'CERT_REQUIRED'
    >>> tls_for("https://api.tutorflow.io") is tls_for("https://api.tutorflow.io/v1")
    True
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["tls_for"]


def tls_for(url: str) -> ssl.SSLContext:
    """The shared context for requests to ``url``: the CA bundle for ``https://``, none for anything else."""
    return _context(url.lower().startswith("https:"))


@functools.cache
def _context(needed: bool) -> ssl.SSLContext:
    return httpx.create_ssl_context() if needed else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
