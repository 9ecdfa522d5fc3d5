"""The test tiers: every notebook nbval runs is ``slow`` (a kernel per notebook), like the tests marked so.

``python -m pytest -m "not slow"`` is the fast tier; ``python -m pytest`` runs everything.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
