"""Lazy attributes for a package: names load on first use, so imports stay light."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any

from .extras import Extra, needs

__all__ = ["lazy"]


def lazy(
    package: str, names: Mapping[str, tuple[str, str | None]], *, extra: Extra | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps a public name to (module, attribute),
    attribute ``None`` meaning the module itself. A loaded name is cached in the package. A name whose
    module needs an ``extra`` that is not installed raises :class:`~tutorflow_nb.extras.MissingExtraError`."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, attr = names[name]
        with needs(extra) if extra else nullcontext():
            module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
