"""tutorflow_nb: explore the TutorFlow API from JupyterLab.

    >>> import tutorflow_nb as tf
    >>> s = tf.connect()                    # doctest: +SKIP
    >>> job = s.content.expansions.create(request)          # doctest: +SKIP

Everything loads on first use, so ``import tutorflow_nb`` stays light: the clients
(httpx, pydantic) when first touched, the mock (FastAPI, uvicorn) only when started.
"""

from __future__ import annotations

import importlib
from typing import Any

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
}
__all__ = sorted(["__version__", *_LAZY])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tutorflow_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
