"""tutorflow_nb: explore the TutorFlow API from JupyterLab.

    >>> import tutorflow_nb as tf
    >>> s = tf.connect()                    # doctest: +SKIP
    >>> job = s.content.expansions.create(request)          # doctest: +SKIP

Everything loads on first use, so ``import tutorflow_nb`` stays light: the clients
(httpx, pydantic) when first touched, the mock (FastAPI, uvicorn) only when started.
"""

from __future__ import annotations

from ._lazy import lazy

__version__ = "0.1.0"

_LAZY: dict[str, tuple[str, str | None]] = {
    "AdminClient": ("tutorflow_nb._twins", "AdminClient"),
    "ApiKey": ("tutorflow_nb.keys", "ApiKey"),
    "AsyncAdminClient": ("tutorflow_nb.admin", "AsyncAdminClient"),
    "AsyncContentClient": ("tutorflow_nb.content", "AsyncContentClient"),
    "AsyncPlatformClient": ("tutorflow_nb.platform", "AsyncPlatformClient"),
    "ContentClient": ("tutorflow_nb._twins", "ContentClient"),
    "PlatformClient": ("tutorflow_nb._twins", "PlatformClient"),
    "Session": ("tutorflow_nb.session", "Session"),
    "WebhookReceiver": ("tutorflow_nb.webhooks", "WebhookReceiver"),
    "connect": ("tutorflow_nb.session", "connect"),
    "ManifestStore": ("tutorflow_nb.store", "ManifestStore"),
    "errors": ("tutorflow_nb.errors", None),
    "frames": ("tutorflow_nb.frames", None),
    "pricing": ("tutorflow_nb.pricing", None),
    "mock": ("tutorflow_nb.mock", None),
    "models": ("tutorflow_nb.models", None),
    "signing": ("tutorflow_nb.signing", None),
    "widgets": ("tutorflow_nb.widgets", None),
}
__all__ = sorted(["__version__", *_LAZY])
__getattr__, __dir__ = lazy(__name__, _LAZY)
