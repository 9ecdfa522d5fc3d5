"""The optional parts of the package and what installs each: one table, one error.

``pip install tutorflow-nb`` installs what a program talking to TutorFlow needs (the
clients, models, errors, budget, batches, store, frames, pricing). The rest comes with an
extra: the mock server and the worlds service with ``mock``, the webhook receiver with
``webhooks``, the widgets with ``widgets``; ``lab`` brings all of them and JupyterLab.
A module that needs an extra imports its packages under :func:`needs`, so a missing one
is an error that names the exact ``pip install`` to run:

    >>> with needs("widgets"):
    ...     import json  # a package every install has: nothing to say
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, Literal

__all__ = ["EXTRAS", "Extra", "MissingExtraError", "has", "install_command", "needs", "require"]

Extra = Literal["mock", "webhooks", "widgets"]

EXTRAS: Final[dict[Extra, tuple[tuple[str, ...], str]]] = {
    "mock": (("fastapi", "starlette", "uvicorn"), "the bundled mock server and the worlds service"),
    "webhooks": (("uvicorn",), "the webhook receiver"),
    "widgets": (("ipywidgets",), "the widgets"),
}
"""Each extra: the top-level packages it installs, and what in tutorflow_nb needs them."""


def install_command(extra: Extra) -> str:
    """The command that installs ``extra`` (``pip install "tutorflow-nb[mock]"``)."""
    return f'pip install "tutorflow-nb[{extra}]"'


class MissingExtraError(ModuleNotFoundError):
    """A part of tutorflow_nb was used whose optional packages are not installed; the message names the install."""

    def __init__(self, extra: Extra, package: str | None = None, *, why: str = "") -> None:
        self.extra = extra
        what = EXTRAS[extra][1]
        missing = f" ({package} is not installed)" if package else ""
        super().__init__(
            f"{why}{what} need the '{extra}' extra{missing}: {install_command(extra)} "
            f'(or "tutorflow-nb[lab]" for everything a notebook user needs)',
            name=package,
        )


def has(extra: Extra) -> bool:
    """Whether every package of ``extra`` can be imported here (nothing is imported to find out)."""
    return all(importlib.util.find_spec(package) is not None for package in EXTRAS[extra][0])


def require(extra: Extra, *, why: str = "") -> None:
    """Raise :class:`MissingExtraError` unless ``extra`` is installed; ``why`` opens its message.

    Raises:
        MissingExtraError: a package of ``extra`` is missing; the message names the ``pip install``.
    """
    for package in EXTRAS[extra][0]:
        if importlib.util.find_spec(package) is None:
            raise MissingExtraError(extra, package, why=why)


@contextmanager
def needs(extra: Extra) -> Iterator[None]:
    """Imports made inside that fail for a package of ``extra`` raise :class:`MissingExtraError` instead."""
    try:
        yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").partition(".")[0]
        if isinstance(exc, MissingExtraError) or top not in EXTRAS[extra][0]:
            raise
        raise MissingExtraError(extra, top) from None
