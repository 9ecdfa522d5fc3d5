"""Write ``docs/openapi.json``: the mock's OpenAPI description exactly as ``GET /openapi.json`` serves it.

    python scripts/openapi_snapshot.py            # rewrite the snapshot
    python scripts/openapi_snapshot.py --check    # exit 1, saying what differs, if it is not what the mock serves

The docs site renders its HTTP reference from the snapshot and the contract tests
(``tests/test_openapi*.py``) read it, so it must never drift from the mock:
``tests/test_openapi.py`` runs the same check, and CI runs ``--check``. The mock answers in
its default dialect and a fresh state, which is what the description describes.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"
FIX = "run python scripts/openapi_snapshot.py and commit docs/openapi.json"


def served() -> dict[str, Any]:
    """The description a fresh mock serves at ``/openapi.json``, fetched from the app in process."""
    import anyio  # noqa: PLC0415 - lazy: only a run needs the mock and a client
    import httpx  # noqa: PLC0415 - lazy: the same

    from tutorflow_nb.mock import create_app  # noqa: PLC0415 - lazy: the same

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
            return await client.get("/openapi.json")

    response = anyio.run(fetch)
    if response.status_code != httpx.codes.OK:
        raise SystemExit(f"GET /openapi.json answered {response.status_code}: {response.text[:200]}")
    description: dict[str, Any] = response.json()
    return description


def render(description: dict[str, Any]) -> str:
    """The snapshot's text: indented JSON, keys in the mock's order, one newline at the end."""
    return json.dumps(description, indent=2, ensure_ascii=False) + "\n"


def differences(old: str, new: str) -> str:
    """What changed, for a person: the paths and schemas added, removed or changed, then the diff's head."""
    try:
        before, after = json.loads(old), json.loads(new)
    except ValueError:
        return "docs/openapi.json is not JSON"
    lines = []
    for section, pick in (("path", lambda d: d.get("paths", {})), ("schema", _schemas)):
        b, a = pick(before), pick(after)
        for name in sorted(set(a) - set(b)):
            lines.append(f"  + {section} {name} (served, not in the snapshot)")
        for name in sorted(set(b) - set(a)):
            lines.append(f"  - {section} {name} (in the snapshot, no longer served)")
        for name in sorted(set(a) & set(b)):
            if a[name] != b[name]:
                lines.append(f"  ~ {section} {name} differs")
    rest = {k for k in set(before) | set(after) if k not in ("paths", "components") and before.get(k) != after.get(k)}
    lines += [f"  ~ {key} differs" for key in sorted(rest)]
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "docs/openapi.json", "served", n=1))
    cut = [line if len(line) <= 200 else f"{line[:200]} … ({len(line) - 200} more characters)" for line in diff[:40]]
    shown = cut + ([f"… {len(diff) - 40} more diff lines"] if len(diff) > 40 else [])
    return "\n".join([*lines, "", *shown])


def _schemas(description: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = description.get("components", {}).get("schemas", {})
    return schemas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the snapshot is what the mock serves")
    args = parser.parse_args(argv)
    text = render(served())
    if args.check:
        old = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if old != text:
            what = differences(old, text) if old else "docs/openapi.json does not exist"
            sys.stderr.write(f"docs/openapi.json is not what the mock serves: {FIX}\n{what}\n")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {os.path.relpath(TARGET, ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
