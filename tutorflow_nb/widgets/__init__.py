"""ipywidgets for TutorFlow, composed from standard widgets and tested by clicking in Python.

``ExpansionForm`` builds an expansion request field by field; ``JobMonitor`` shows a job or
a batch finishing live; ``CostEstimator`` plans courses and modules and shows what they
cost; ``Discovery`` walks the documented discovery sequence; ``CourseBrowser`` shows a
generated course. Each has a plain-text ``repr`` and ``_repr_html_`` for places where
widgets do not render. The widgets subscribe to the clients' callbacks; the clients never
import a widget.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"ExpansionForm": "form", "JobMonitor": "monitor", "CostEstimator": "estimator", "Discovery": "discovery",
         "CourseBrowser": "browser"}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tutorflow_nb.widgets' has no attribute {name!r}")
