"""Sphinx configuration of the documentation site: ``python docs/build.py`` builds it into ``site/``.

The pages are Markdown (MyST) and the notebooks as committed (MyST-NB, never executed here: a page shows the
outputs nbval checks). The local extensions in ``_ext/`` add what is generated from the code, so it cannot
drift: the notebooks' pages and their Binder links, the widget manager's script, the Python API pages, the
HTTP reference (from ``openapi.json``) and the mock's assumptions and dialects.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import tutorflow_nb  # noqa: E402 - after the path of the local extensions

project = "tutorflow_nb"
author = "The tutorflow_nb developers"
copyright = "2026, the tutorflow_nb developers"
release = version = tutorflow_nb.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinxarg.ext",
    "notebook_pages",
    "widget_manager",
    "generated",
    "api_reference",
    "http_reference",
]

root_doc = "index"
exclude_patterns = ["_build", "_templates", "_ext", "README.md", "**.ipynb_checkpoints", "notebooks/sanitize.cfg"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# Strict: the build (-W -n) fails on any warning and on any reference to this project that does not resolve.
nitpicky = True
# Names of other projects show as plain text: the build runs offline, so it reads no other project's inventory.
nitpick_ignore_regex = [
    (
        r"py:(class|obj|exc|data|func|meth|attr)",
        (
            r"(httpx|httpcore|pydantic|pydantic_core|pandas|numpy|ipywidgets|traitlets|fastapi|starlette|uvicorn"
            r"|tqdm|sqlite3|asyncio|concurrent|collections|decimal|datetime|pathlib|os|socket|ssl|threading|types"
            r"|logging|argparse|subprocess|enum|email|http|json|re|contextlib|typing_extensions|_typeshed)(\..+)?"
        ),
    ),
]

# MyST: the notebooks are pages as committed; Markdown pages link by path and heading.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# Python API: the signature shows the types; napoleon reads the Google-style sections (Args, Returns, Raises).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_class_signature = "separated"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
python_use_unqualified_type_names = True
add_module_names = False
# Classes and functions are not entries of the navigation: the API pages list them, and the whole-site
# navigation every page carries would otherwise copy thousands of entries into every page.
toc_object_entries = False

html_theme = "furo"
html_title = f"tutorflow_nb {release}"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_copy_source = False
html_show_sourcelink = False
html_baseurl = "https://tutorflow.github.io/tutorflow_nb/"
# No "edit this page" links: notebook pages come through a link the build makes, and API pages are generated,
# so the theme's guess at a source path would be wrong for both (each notebook page links to its source).
html_theme_options: dict[str, str] = {}

# The Python API pages, in reading order: a name documented by an earlier module is linked to from later ones.
api_modules = [
    "tutorflow_nb",
    "tutorflow_nb.sync_clients",
    "tutorflow_nb.content",
    "tutorflow_nb.admin",
    "tutorflow_nb.platform",
    "tutorflow_nb.errors",
    "tutorflow_nb.models",
    "tutorflow_nb.frames",
    "tutorflow_nb.pricing",
    "tutorflow_nb.widgets",
    "tutorflow_nb.widgets.form",
    "tutorflow_nb.mock",
    "tutorflow_nb.signing",
    "tutorflow_nb.mock.worlds",
    "tutorflow_nb.mock.dialects",
    "tutorflow_nb.mock.errors",
    "tutorflow_nb.mock.ratelimit",
    "tutorflow_nb.mock.clock",
    "tutorflow_nb.jobs",
    "tutorflow_nb.store",
    "tutorflow_nb.extras",
    "tutorflow_nb.checks",
    "tutorflow_nb.http",
    "tutorflow_nb.budget",
    "tutorflow_nb.sync",
    "tutorflow_nb.progress",
    "tutorflow_nb.display",
    "tutorflow_nb.widgets.summary",
]
# Classes defined in these modules show their documented members only: the mock's state model is internal.
api_documented_members_only = ["tutorflow_nb.mock.state"]
nb_ipywidgets_js = {"jupyter-widgets/embed.js": {"data-jupyter-widgets-cdn": "./"}}
