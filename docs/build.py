"""Build the documentation site into ``site/``: ``python docs/build.py``.

Strict (every warning is an error, every cross-reference must resolve) and from scratch every time: the
output folder is emptied and Sphinx's environment lives in a temporary folder, so no page is ever left over
from an earlier build. Notebooks are shown as committed, never executed. The widget manager's script is
fetched once per pinned version (``docs/_ext/widget_manager.py``); everything else is local.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sphinx.cmd.build import build_main

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent


def build(out: Path, *, quiet: bool = False) -> int:
    """Build the site into ``out`` (emptied first); Sphinx's exit status."""
    if out.resolve() in (ROOT, DOCS, Path.home()):
        raise SystemExit(f"build.py: --out {out} would empty {out.resolve()}: name a folder of its own, e.g. site")
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    # MyST-NB writes the notebooks' images beside the output folder: a scratch folder keeps them out of the tree
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-build-") as scratch:
        html, doctrees = Path(scratch) / "html", Path(scratch) / "doctrees"
        args = ["-W", "--keep-going", "-n", "-E", "-a", "-b", "html", "-d", str(doctrees), str(DOCS), str(html)]
        status = build_main([*args, "-q"] if quiet else args)
        if html.is_dir():
            html.rename(out)
        return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="the output folder (default: site/)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    status = build(args.out, quiet=args.quiet)
    took = time.perf_counter() - started
    verdict = f"built {args.out}/index.html" if status == 0 else f"FAILED (exit {status})"
    print(f"build.py: {verdict} in {took:.1f} s", file=sys.stderr)  # noqa: T201 - a build script reports
    return status


if __name__ == "__main__":
    sys.exit(main())
