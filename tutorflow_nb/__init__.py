"""tutorflow_nb: explore the TutorFlow API from JupyterLab.

Heavy parts load on first use: ``tutorflow_nb.mock`` (FastAPI, uvicorn) is imported when
it is first touched, not by ``import tutorflow_nb``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "mock", "signing"]

_LAZY = {"mock", "signing"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'tutorflow_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)
