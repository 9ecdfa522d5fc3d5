"""The widget manager's script, served by the site itself, so saved widgets draw with the network off.

A notebook page that holds widgets carries their saved state; ``@jupyter-widgets/html-manager``'s
``dist/embed.js`` draws them. Nothing is committed and no page loads it from a CDN: the build fetches the
pinned package with ``npm pack`` (one tarball, none of its dependencies: ``embed.js`` is a complete bundle),
checks the tarball against the pinned sha512, and copies ``embed.js``, its licence and its fonts into
``_static/jupyter-widgets/``. The copy is kept in ``docs/_build/`` under the pinned checksum, so a rebuild
needs no network; a different pin fetches again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

PACKAGE = "@jupyter-widgets/html-manager@1.0.15"
INTEGRITY = "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="
"""``npm view @jupyter-widgets/html-manager@VERSION dist.integrity``: change both together."""
SCRIPT = "jupyter-widgets/embed.js"
"""Where pages load the manager from, under ``_static/``."""
KEPT = (".js", ".txt", ".woff", ".woff2", ".ttf", ".eot", ".svg")

log = logging.getLogger(__name__)


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(cache: Path) -> Path:
    """The folder to serve as ``_static``, holding ``jupyter-widgets/embed.js``; fetched once per pin."""
    folder = cache / INTEGRITY.removeprefix("sha512-").replace("/", "_").replace("+", "-")[:24]
    target = folder / "jupyter-widgets"
    if (target / "embed.js").is_file():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(
            f"npm is not on PATH: the widget manager ({PACKAGE}) comes from the npm registry at build time; "
            "install Node.js 18 or later (it brings npm) and build again"
        )
    with tempfile.TemporaryDirectory() as tmp:
        ran = subprocess.run(
            [npm, "pack", PACKAGE, "--pack-destination", tmp, "--json", "--prefer-offline", "--silent"],
            capture_output=True,
            text=True,
            check=False,
        )
        if ran.returncode != 0:
            raise ExtensionError(f"npm pack {PACKAGE} failed (exit {ran.returncode}): {ran.stderr.strip()[-2000:]}")
        tarball = Path(tmp) / json.loads(ran.stdout)[0]["filename"]
        got = _integrity(tarball)
        if got != INTEGRITY:
            raise ExtensionError(f"{PACKAGE}: the tarball's checksum is {got}, not the pinned {INTEGRITY}")
        staging = Path(tmp) / "jupyter-widgets"
        staging.mkdir()
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                name = Path(member.name)
                wanted = name.parts[:2] == ("package", "dist") and name.suffix in KEPT and len(name.parts) == 3
                if (wanted and name.name != "libembed-amd.js" and name.name != "embed-amd.js") or member.name in (
                    "package/LICENSE",
                    "package/package.json",
                ):
                    source = archive.extractfile(member)
                    assert source is not None, member.name
                    (staging / name.name).write_bytes(source.read())
        if not (staging / "embed.js").is_file():
            raise ExtensionError(f"{PACKAGE} holds no dist/embed.js: pin a 1.x release of the html-manager")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(staging, target)
    log.info("widget manager: %s copied from the npm registry into %s", PACKAGE, target)
    return folder


def _builder_inited(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    app.config.html_static_path.append(str(fetch(Path(app.srcdir) / "_build" / "widget-manager")))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
