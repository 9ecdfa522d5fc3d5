"""ipywidgets for TutorFlow, composed from standard widgets and tested by clicking in Python.

``ExpansionForm`` builds an expansion request field by field; ``JobMonitor`` shows a job or
a batch finishing live; ``CostEstimator`` plans courses and modules and shows what they
cost; ``Discovery`` walks the documented discovery sequence; ``CourseBrowser`` shows a
generated course. Each has a plain-text ``repr`` and ``_repr_html_`` for places where
widgets do not render. The widgets subscribe to the clients' callbacks; the clients never
import a widget.
"""

from __future__ import annotations

from .._lazy import lazy

_LAZY = {
    name: (f"{__name__}.{module}", name)
    for name, module in {
        "ExpansionForm": "form",
        "JobMonitor": "monitor",
        "CostEstimator": "estimator",
        "Discovery": "discovery",
        "CourseBrowser": "browser",
    }.items()
}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy(__name__, _LAZY)
