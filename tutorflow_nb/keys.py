"""API keys that never show themselves, and are checked where they are made.

    >>> key = ApiKey("tf_content_abcd1234" + "x" * 24)
    >>> key
    ApiKey('tf_content_abcd1234…')
    >>> key.surface
    'content'

A key pasted with a line break, a space, a non-ASCII or an invisible character cannot be
sent in an ``Authorization`` header: it is refused at once, with the variable or argument
it came from named and only its prefix shown, instead of failing later as a network error.

    >>> ApiKey("tf_content_abcd1234xxxxxxxx\\n", source="TUTORFLOW_CONTENT_API_KEY")
    Traceback (most recent call last):
    ...
    tutorflow_nb.errors.ConfigurationError: TUTORFLOW_CONTENT_API_KEY (tf_content_abcd1234…) has a line break at \
position 28; paste the key again without it

Only the HTTP layer calls :meth:`ApiKey.reveal`, to build the ``Authorization`` header.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal

from .errors import ConfigurationError
from .redaction import PREFIX_CHARS, PREFIXES, key_prefix, remember

__all__ = ["PREFIXES", "ApiKey", "Surface", "key_prefix"]

Surface = Literal["content", "platform"]


def _flaw(secret: str) -> str | None:
    """What makes ``secret`` impossible to send as a header value, if anything."""
    for position, char in enumerate(secret, start=1):
        if char in "\r\n":
            return f"a line break at position {position}"
        if char.isspace():
            return f"a space or tab at position {position}" if position < len(secret) else "trailing whitespace"
        if not char.isascii():
            return f"a non-ASCII character ({unicodedata.name(char, 'unnamed')}) at position {position}"
        if not char.isprintable():
            return f"an invisible control character at position {position}"
    return None


class ApiKey:
    """A TutorFlow API key. ``str()``, ``repr()`` and f-strings show the prefix only.

    Args:
        secret: the full key, exactly as TutorFlow issued it.
        surface: ``"content"`` or ``"platform"`` when the key must belong to that surface.
        source: where the key came from (an argument or environment variable), named in errors.

    Raises:
        ConfigurationError: the key is empty, holds whitespace or a character a header cannot
            carry, or is not a key of ``surface``.
    """

    __slots__ = ("_secret", "prefix", "surface")

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """On the wire a key is a string (in a create or rotate answer, and nowhere else)."""
        return {"type": "string", "pattern": "^tf_(content|platform)_"}

    def __init__(self, secret: str, surface: Surface | None = None, *, source: str = "the API key") -> None:
        if not isinstance(secret, str) or not secret.strip():
            shown = (
                "an empty string"
                if secret == ""
                else ("only whitespace" if isinstance(secret, str) else f"a {type(secret).__name__}")
            )
            raise ConfigurationError(f"{source} must be a TutorFlow API key, got {shown}")
        found = next((s for s, p in PREFIXES.items() if secret.strip().startswith(p)), None)
        prefix = key_prefix(secret.strip())
        flaw = _flaw(secret)
        if flaw is not None:
            raise ConfigurationError(f"{source} ({prefix}…) has {flaw}; paste the key again without it")
        if surface is not None and found != surface:
            other = "platform" if surface == "content" else "content"
            hint = (
                f"this is a {PREFIXES[other]} key: the {other} surface's; the surfaces never mix"
                if found == other
                else f"TutorFlow {surface} keys start with {PREFIXES[surface]}"
            )
            raise ConfigurationError(
                f"{source}: expected a {PREFIXES[surface]} key for /v1/{surface}/**, got {prefix}…: {hint}"
            )
        if found is not None and len(secret) < len(PREFIXES[found]) + PREFIX_CHARS:
            raise ConfigurationError(f"{source} ({prefix}…) is too short to be a TutorFlow key; paste it whole")
        self._secret = secret
        self.surface: Surface | None = found  # type: ignore[assignment]  # found is one of PREFIXES' keys
        self.prefix = prefix
        remember(secret)

    def reveal(self) -> str:
        """The full key, for the Authorization header only."""
        return self._secret

    def __repr__(self) -> str:
        return f"ApiKey('{self.prefix}…')"

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("ApiKey cannot be pickled: it would write the full key")
