"""What the documentation is made from, checked without building it: the README, the OpenAPI snapshot the
HTTP reference renders, and the widget state the notebook pages draw from."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SITE_URL = "https://tutorflow.github.io/tutorflow_nb/"
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def _links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_the_readme_is_a_landing_page() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= 150, f"the README has {len(lines)} lines; the site holds the rest"


def test_every_link_of_the_readme_resolves() -> None:
    """Files and headings of the repository exist; Binder links open notebooks that exist; links into the
    site name a page the site has a source for (the site tests check them against a built site)."""
    text = README.read_text()
    titles = re.findall(r"^#+ (.+)$", text, re.M)
    headings = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in titles}
    broken = []
    for link in _links(text):
        parts = urlsplit(link)
        if not parts.scheme:
            if parts.path and not (ROOT / unquote(parts.path)).exists():
                broken.append(link)
            if not parts.path and parts.fragment not in headings:
                broken.append(link)
        elif link.startswith("https://mybinder.org/v2/"):
            query = parse_qs(parts.query)
            opened = query.get("labpath", []) + [p.removeprefix("voila/render/") for p in query.get("urlpath", [])]
            if not opened or not all((ROOT / p).is_file() for p in opened):
                broken.append(link)
        elif link.startswith(SITE_URL):
            page = parts.path.removeprefix(urlsplit(SITE_URL).path) or "index.html"
            source = ROOT / "docs" / page.removesuffix(".html")
            if not (source.with_suffix(".md").is_file() or (ROOT / page.replace(".html", ".ipynb")).is_file()):
                broken.append(link)
    assert not broken, broken
    assert len(_links(text)) > 15


def test_the_openapi_snapshot_is_what_the_mock_serves() -> None:
    """The HTTP reference renders ``docs/openapi.json``: it must be the description the mock serves now."""
    from tutorflow_nb.mock import create_app

    served = create_app().openapi()
    snapshot = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert snapshot == served, (
        "docs/openapi.json differs from the mock's /openapi.json: regenerate it with "
        'python -c "import json; from tutorflow_nb.mock import create_app; '
        'print(json.dumps(create_app().openapi(), indent=2))" > docs/openapi.json'
    )


def _notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def _referenced(value: object) -> set[str]:
    """Model ids a widget's state points at (``IPY_MODEL_<id>``), however deep."""
    if isinstance(value, str):
        return {value.removeprefix("IPY_MODEL_")} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        return set().union(*map(_referenced, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_referenced, value)) if value else set()
    return set()


@pytest.mark.parametrize("notebook", _notebooks(), ids=lambda p: p.stem)
def test_a_notebook_saves_the_state_of_every_widget_it_shows(notebook: Path) -> None:
    """A page draws a widget only from saved state: every view shown, and every model it refers to, is there.
    Re-executing a notebook with ``store_widget_state`` (CONTRIBUTING.md) keeps this true."""
    nb = json.loads(notebook.read_text())
    views = [
        o["data"][VIEW]["model_id"]
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if VIEW in o.get("data", {})
    ]
    state = nb["metadata"].get("widgets", {}).get(STATE, {}).get("state", {})
    missing, seen, todo = [], set(), list(views)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        if model not in state:
            missing.append(model)
            continue
        todo += _referenced(state[model].get("state", {}))
    assert not missing, f"{len(missing)} widget model(s) shown or referred to but not saved: re-execute the notebook"


def test_contributing_gives_the_build_and_the_re_execution_commands() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    blocks = "\n".join(re.findall(r"```bash\n(.*?)```", text, re.S))
    assert "python docs/build.py" in blocks
    assert "--ExecutePreprocessor.store_widget_state=True" in blocks and "--inplace" in blocks
    assert 'python -m pytest -m "not slow"' in blocks
