"""tutorflow_nb: explore the TutorFlow API from JupyterLab.

    >>> import tutorflow_nb as tf
    >>> s = tf.connect()                    # doctest: +SKIP
    >>> job = s.content.expansions.create(request)          # doctest: +SKIP

Every name loads on first use, so ``import tutorflow_nb`` stays light: the clients
(httpx, pydantic) when first touched, the mock (FastAPI, uvicorn) only when started.
Type checkers and IDEs read the imports below, which never run.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._lazy import lazy as _lazy

if _TYPE_CHECKING:
    from . import errors, frames, mock, models, pricing, signing, widgets
    from .admin import AsyncAdminClient
    from .content import AsyncContentClient
    from .keys import ApiKey
    from .platform import AsyncPlatformClient
    from .session import Session, connect
    from .store import ManifestStore
    from .sync_clients import AdminClient, ContentClient, PlatformClient
    from .webhooks import WebhookReceiver

__version__ = "0.2.0"

__all__ = [
    "AdminClient",
    "ApiKey",
    "AsyncAdminClient",
    "AsyncContentClient",
    "AsyncPlatformClient",
    "ContentClient",
    "ManifestStore",
    "PlatformClient",
    "Session",
    "WebhookReceiver",
    "__version__",
    "connect",
    "errors",
    "frames",
    "mock",
    "models",
    "pricing",
    "signing",
    "widgets",
]

_LAZY: dict[str, tuple[str, str | None]] = {
    "AdminClient": ("tutorflow_nb.sync_clients", "AdminClient"),
    "ApiKey": ("tutorflow_nb.keys", "ApiKey"),
    "AsyncAdminClient": ("tutorflow_nb.admin", "AsyncAdminClient"),
    "AsyncContentClient": ("tutorflow_nb.content", "AsyncContentClient"),
    "AsyncPlatformClient": ("tutorflow_nb.platform", "AsyncPlatformClient"),
    "ContentClient": ("tutorflow_nb.sync_clients", "ContentClient"),
    "ManifestStore": ("tutorflow_nb.store", "ManifestStore"),
    "PlatformClient": ("tutorflow_nb.sync_clients", "PlatformClient"),
    "Session": ("tutorflow_nb.session", "Session"),
    "WebhookReceiver": ("tutorflow_nb.webhooks", "WebhookReceiver"),
    "connect": ("tutorflow_nb.session", "connect"),
    "errors": ("tutorflow_nb.errors", None),
    "frames": ("tutorflow_nb.frames", None),
    "mock": ("tutorflow_nb.mock", None),
    "models": ("tutorflow_nb.models", None),
    "pricing": ("tutorflow_nb.pricing", None),
    "signing": ("tutorflow_nb.signing", None),
    "widgets": ("tutorflow_nb.widgets", None),
}
__getattr__, __dir__ = _lazy(__name__, _LAZY)
