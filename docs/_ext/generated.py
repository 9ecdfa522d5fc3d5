"""Pages that hold text generated from the code at build time, so the site cannot drift from it.

A Markdown page asks for generated text with a fence of its own::

    ```{generated} assumptions
    ```

and the fence is replaced, before the page is parsed, by the Markdown the named generator writes. The
generators: ``assumptions`` and ``dialects`` (from ``tutorflow_nb.mock.assumptions``), ``api MODULE``
(``api_reference``), ``http`` (``http_reference``). A fence naming no generator fails the build.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

Generator = Callable[[Sphinx, str, str], str]
"""``(app, docname, argument) -> Markdown``."""

GENERATORS: dict[str, Generator] = {}
FENCE = re.compile(r"^```\{generated\}[ \t]+(?P<kind>[\w-]+)[ \t]*(?P<arg>[^\n]*)\n```[ \t]*$", re.M)


def generator(kind: str) -> Callable[[Generator], Generator]:
    """Register a generator under ``kind``."""

    def register(function: Generator) -> Generator:
        GENERATORS[kind] = function
        return function

    return register


def anchor(text: str) -> str:
    """The id a generated heading gets: lower case, words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@generator("assumptions")
def _assumptions(app: Sphinx, docname: str, arg: str) -> str:
    from tutorflow_nb.mock.assumptions import ASSUMPTIONS, VARIED_BY  # noqa: PLC0415 - read at build time

    parts = []
    for key, text in ASSUMPTIONS.items():
        varied = ", ".join(f"{{ref}}`{d} <dialect-{d}>`" for d in VARIED_BY.get(key, ()))
        parts.append(
            f"(assumption-{key})=\n### `{key}`\n\n{_escape(text)}\n\n"
            + (f"Dialects that answer otherwise: {varied}.\n" if varied else "")
        )
    return "\n".join(parts)


@generator("dialects")
def _dialects(app: Sphinx, docname: str, arg: str) -> str:
    from tutorflow_nb.mock.assumptions import CONFLICTS, DIALECTS, VARIED_BY  # noqa: PLC0415 - read at build time

    parts = []
    for name, text in DIALECTS.items():
        varies = [key for key, names in VARIED_BY.items() if name in names]
        links = ", ".join(f"{{ref}}`{key} <assumption-{key}>`" for key in varies)
        parts.append(
            f"(dialect-{name})=\n### `{name}`\n\n{_escape(text)}\n\n"
            + (f"It answers otherwise: {links}.\n" if links else "")
        )
    pairs = "; ".join(f"`{' and '.join(sorted(pair))}` ({why})" for pair, why in CONFLICTS.items())
    return f"These pairs cannot be combined: {pairs}.\n\n" + "\n".join(parts)


def _escape(text: str) -> str:
    """The code's Markdown (the OpenAPI description shows it too) with ``*``, ``|`` and ``<`` kept literal."""
    return re.sub(r"([*|<])", r"\\\1", text)


def _expand(app: Sphinx, docname: str, source: list[str]) -> None:
    def replace(match: re.Match[str]) -> str:
        kind = match["kind"]
        if kind not in GENERATORS:
            raise ExtensionError(f"{docname}: no generator named {kind!r} (known: {', '.join(sorted(GENERATORS))})")
        return GENERATORS[kind](app, docname, match["arg"].strip())

    source[0] = FENCE.sub(replace, source[0])


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("source-read", _expand)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
