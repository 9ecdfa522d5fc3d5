"""The notebooks as pages: ``docs/notebooks`` links to ``notebooks/``, and each page says where to run it.

The site shows the notebooks as they are committed, with the outputs nbval checks: nothing is copied and
nothing is executed at build time. ``docs/notebooks`` is a symbolic link to the repository's ``notebooks/``
that the build makes when it is missing (git ignores it), so a page can never be a stale copy. Each
notebook's page opens with links that run that same notebook on Binder (JupyterLab, and Voilà for the
app) and show its source on GitHub.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError

REPOSITORY = "https://github.com/tutorflow/tutorflow_nb"
BINDER = "https://mybinder.org/v2/gh/tutorflow/tutorflow_nb/HEAD"
APP = "app-cost-planner"


def binder_lab(name: str) -> str:
    """The Binder link that opens ``notebooks/{name}.ipynb`` in JupyterLab."""
    return f"{BINDER}?labpath={quote(f'notebooks/{name}.ipynb', safe='')}"


def binder_voila(name: str) -> str:
    """The Binder link that serves ``notebooks/{name}.ipynb`` as a page with Voilà."""
    return f"{BINDER}?urlpath={quote(f'voila/render/notebooks/{name}.ipynb', safe='')}"


def link_notebooks(srcdir: Path) -> None:
    """Make ``docs/notebooks`` a link to ``../notebooks`` unless it is one already."""
    link = srcdir / "notebooks"
    if link.is_symlink():
        if link.resolve() != (srcdir.parent / "notebooks").resolve():
            raise ConfigError(f"{link} links to {os.readlink(link)}, not ../notebooks: remove it and build again")
        return
    if link.exists():
        raise ConfigError(f"{link} is a folder, not the link to ../notebooks the build makes: remove it")
    link.symlink_to(Path("..") / "notebooks", target_is_directory=True)


def _config_inited(app: Sphinx, config: Any) -> None:
    link_notebooks(Path(app.srcdir))


def _without_test_markers(doctree: nodes.document) -> None:
    """A cell's ``# NBVAL_...`` line tells nbval how to compare its output; a reader has no use for it."""
    for block in list(doctree.findall(nodes.literal_block)):
        parent = block.parent
        if not (isinstance(parent, nodes.container) and "cell_input" in parent["classes"]):
            continue
        text = block.astext()
        kept = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("# NBVAL_"))
        if kept != text:
            clean = nodes.literal_block(kept, kept, **block.attributes)
            parent.replace(block, clean)


def _run_links(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not docname.startswith("notebooks/"):
        return
    _without_test_markers(doctree)
    name = docname.removeprefix("notebooks/")
    links = [("Run it on Binder (JupyterLab)", binder_lab(name))]
    if name == APP:
        links.insert(0, ("Open the app on Binder (Voilà)", binder_voila(name)))
    links.append(("The notebook on GitHub", f"{REPOSITORY}/blob/main/notebooks/{name}.ipynb"))
    paragraph = nodes.paragraph()
    for i, (text, url) in enumerate(links):
        if i:
            paragraph += nodes.Text(" · ")
        paragraph += nodes.reference(text, text, refuri=url)
    box = nodes.container("", paragraph, classes=["run-notebook"])
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next(iter(section.findall(nodes.title)))
    section.insert(section.index(title) + 1, box)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _config_inited)
    app.connect("doctree-read", _run_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
