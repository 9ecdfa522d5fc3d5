"""ipywidgets for TutorFlow, composed from standard widgets and tested by clicking in Python.

``ExpansionForm`` builds an expansion request field by field; ``JobMonitor`` shows a job or
a batch finishing live; ``CostEstimator`` plans courses and modules and shows what they
cost; ``Discovery`` walks the documented discovery sequence; ``CourseBrowser`` shows a
generated course. Each has a plain-text ``repr`` and ``_repr_html_`` for places where
widgets do not render. The widgets subscribe to the clients' callbacks; the clients never
import a widget.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from .._lazy import lazy as _lazy

if _TYPE_CHECKING:
    from .browser import CourseBrowser
    from .discovery import Discovery
    from .estimator import CostEstimator
    from .form import ExpansionForm
    from .monitor import JobMonitor

__all__ = ["CostEstimator", "CourseBrowser", "Discovery", "ExpansionForm", "JobMonitor"]
_LAZY: dict[str, tuple[str, str | None]] = {
    "CostEstimator": (f"{__name__}.estimator", "CostEstimator"),
    "CourseBrowser": (f"{__name__}.browser", "CourseBrowser"),
    "Discovery": (f"{__name__}.discovery", "Discovery"),
    "ExpansionForm": (f"{__name__}.form", "ExpansionForm"),
    "JobMonitor": (f"{__name__}.monitor", "JobMonitor"),
}
__getattr__, __dir__ = _lazy(__name__, _LAZY, extra="widgets")
