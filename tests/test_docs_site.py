"""The documentation site, built once with the command ``CONTRIBUTING.md`` gives, and read as a person would.

The build is strict (any warning or unresolved reference fails it). Then, over every page of ``site/``: no
broken internal link or anchor; every notebook has its page, with its outputs and no error; every public
name and every ``/v1`` operation has its anchor; no page loads anything from another host; the README's
links into the site land on pages that exist. In Debian's Chromium, with every request to another host
blocked, each notebook page that holds widgets draws all of them from their saved state.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("myst_nb", reason="the docs extra is not installed (pip install -e '.[docs]')")

import tutorflow_nb

ROOT = Path(__file__).resolve().parents[1]
SITE_URL = "https://tutorflow.github.io/tutorflow_nb/"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PUBLIC_MODULES = ["errors", "frames", "mock", "models", "pricing", "signing", "widgets"]
LOADING_RELS = {"stylesheet", "preload", "prefetch", "modulepreload", "icon", "manifest", "preconnect", "dns-prefetch"}

pytestmark = pytest.mark.slow


@dataclass
class Page:
    """What a page of the site holds, as an HTML parser reads it."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    loads: list[tuple[str, str]] = field(default_factory=list)
    """``(tag, url)`` of everything the page makes the browser fetch."""
    classes: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Reader(html.parser.HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in ("id", "name") if tag == "a" else ("id",):
            if a.get(name):
                self.page.ids.add(a[name])
        if a.get("class"):
            self.page.classes.append(a["class"])
        if tag == "a" and "href" in a:
            self.page.links.append(a["href"])
        if tag == "link" and set(a.get("rel", "").lower().split()) & LOADING_RELS:
            self.page.loads.append((tag, a.get("href", "")))
        for attribute in ("src", "data", "poster"):
            if a.get(attribute) and tag in ("script", "img", "iframe", "source", "video", "audio", "embed", "object"):
                self.page.loads.append((tag, a[attribute]))
        if a.get("srcset"):
            self.page.loads += [(tag, part.split()[0]) for part in a["srcset"].split(",") if part.strip()]
        if a.get("style"):
            self.page.loads += [("style", url) for url in _css_urls(a["style"])]
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.page.loads += [("style", url) for url in _css_urls(data)]
        self.page.text.append(data)


def _css_urls(css: str) -> list[str]:
    urls = re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", css)
    return urls + re.findall(r"""@import\s+['"]([^'"]+)['"]""", css)


def _elsewhere(url: str) -> bool:
    """A URL that reaches another host (``data:`` and relative URLs stay in the page or the site)."""
    return bool(urlsplit(url).netloc) or url.startswith("//")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for the module by ``python docs/build.py`` into a folder of its own."""
    out = tmp_path_factory.mktemp("docs") / "site"
    started = time.perf_counter()
    ran = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build.py"), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(f"\nthe site built in {time.perf_counter() - started:.1f} s")  # a figure for the report, never asserted
    assert ran.returncode == 0, f"the strict build failed:\n{ran.stdout[-4000:]}\n{ran.stderr[-8000:]}"
    return out


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[Path, Page]:
    read = {}
    for path in sorted(site.rglob("*.html")):
        page = Page()
        _Reader(page).feed(path.read_text(encoding="utf-8"))
        read[path] = page
    return read


def test_every_internal_link_and_anchor_resolves(site: Path, pages: dict[Path, Page]) -> None:
    broken = []
    for path, page in pages.items():
        for link in page.links + [url for _, url in page.loads]:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(site)}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{path.relative_to(site)}: {link} (no such anchor)")
    assert not broken, "\n".join(broken[:50])
    assert len(pages) > 40


def test_no_page_loads_anything_from_another_host(site: Path, pages: dict[Path, Page]) -> None:
    loads = [(path.relative_to(site), tag, url) for path, page in pages.items() for tag, url in page.loads]
    assert any(url.endswith("embed.js") or "embed.js?" in url for _, _, url in loads), "the widget manager loads"
    elsewhere = [f"{p}: <{tag}> {url}" for p, tag, url in loads if _elsewhere(url)]
    for css in site.rglob("*.css"):
        elsewhere += [f"{css.relative_to(site)}: {url}" for url in _css_urls(css.read_text()) if _elsewhere(url)]
    assert not elsewhere, "\n".join(elsewhere[:50])


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_has_its_page_with_outputs_and_no_error(
    site: Path, pages: dict[Path, Page], notebook: Path
) -> None:
    path = site / "notebooks" / f"{notebook.stem}.html"
    assert path.is_file(), f"no page for {notebook.name}"
    cells = json.loads(notebook.read_text())["cells"]
    with_outputs = sum(1 for c in cells if c["cell_type"] == "code" and c.get("outputs"))
    page = pages[path]
    shown = sum(1 for c in page.classes if "cell_output" in c.split())
    assert shown == with_outputs, f"{shown} cells show outputs on the page, {with_outputs} in the notebook"
    errors = [c for c in page.classes if {"traceback", "stderr", "error"} & set(c.split())]
    assert not errors and "Traceback (most recent call last)" not in "".join(page.text)
    assert "NBVAL_" not in "".join(page.text), "nbval's markers are left out of the code a page shows"
    binder = f"https://mybinder.org/v2/gh/tutorflow/tutorflow_nb/HEAD?labpath=notebooks%2F{notebook.name}"
    assert binder in page.links, "the page opens the same notebook on Binder"


def _public_names() -> list[str]:
    names = [f"tutorflow_nb.{n}" for n in tutorflow_nb.__all__]
    for module in PUBLIC_MODULES:
        names += [f"tutorflow_nb.{module}.{n}" for n in importlib.import_module(f"tutorflow_nb.{module}").__all__]
    return names


def test_every_public_name_has_an_anchor_in_the_api_reference(site: Path, pages: dict[Path, Page]) -> None:
    anchors = set().union(*(p.ids for path, p in pages.items() if path.parent == site / "api"))
    missing = [n for n in _public_names() if n not in anchors and f"module-{n}" not in anchors]
    assert not missing, missing
    assert len(_public_names()) > 100


def test_the_http_reference_lists_every_v1_operation(site: Path, pages: dict[Path, Page]) -> None:
    from docutils.nodes import make_id

    from tutorflow_nb.mock import create_app

    served = create_app().openapi()
    page = pages[site / "reference" / "http.html"]
    text = " ".join(" ".join(page.text).split())
    operations = [
        (method, path, op)
        for path, item in served["paths"].items()
        for method, op in item.items()
        if path.startswith("/v1/")
    ]
    assert len(operations) > 50
    missing = [
        f"{method.upper()} {path}"
        for method, path, op in operations
        if make_id(f"op-{op['operationId']}") not in page.ids or f"{method.upper()} {path}" not in text
    ]
    assert not missing, missing


def test_the_cli_reference_has_every_subcommand_and_option(site: Path, pages: dict[Path, Page]) -> None:
    import argparse

    from tutorflow_nb.cli import build_parser

    parser = build_parser()
    page = pages[site / "reference" / "cli.html"]
    text = " ".join(page.text)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, sub in subparsers.choices.items():
        if f"tutorflow-nb-{name}" not in page.ids:
            missing.append(name)
        options = [o for a in sub._actions if not isinstance(a, argparse._HelpAction) for o in a.option_strings]
        missing += [f"{name} {o}" for o in options if o not in text]
    assert not missing, missing
    assert len(subparsers.choices) >= 6


def test_the_readme_links_into_pages_the_site_has(site: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    into_site = [u for u in re.findall(r"\]\((https?://[^)\s]+)\)", readme) if u.startswith(SITE_URL)]
    assert len(into_site) >= 10, into_site
    missing = []
    for url in into_site:
        parts = urlsplit(url[len(SITE_URL) :])
        target = site / (unquote(parts.path) or "index.html")
        if not target.is_file():
            missing.append(url)
        elif parts.fragment:
            page = Page()
            _Reader(page).feed(target.read_text())
            if parts.fragment not in page.ids:
                missing.append(url)
    assert not missing, missing


# ------------------------------------------------------------------ widgets, in Chromium, offline


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site over HTTP on loopback, as GitHub Pages serves it."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _widget_notebooks() -> list[Path]:
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {})
            for c in cells
            if c["cell_type"] == "code"
            for o in c.get("outputs", [])
        ):
            found.append(path)
    return found


def _views(notebook: Path) -> int:
    cells = json.loads(notebook.read_text())["cells"]
    return sum(
        1
        for c in cells
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium: apt-get install -y chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def _open_offline(chromium: Any, served: str, path: str, height: int = 1200) -> tuple[Any, list[str], list[str]]:
    """A page opened with every request to another host refused; the page, those requests, its script errors."""
    page = chromium.new_page(viewport={"width": 1280, "height": height})
    elsewhere: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith(served + "/"):
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{served}/{path}")
    return page, elsewhere, errors


@pytest.mark.parametrize("notebook", _widget_notebooks(), ids=lambda p: p.stem)
def test_a_notebook_page_draws_every_saved_widget_offline(chromium: Any, served: str, notebook: Path) -> None:
    page, elsewhere, errors = _open_offline(chromium, served, f"notebooks/{notebook.stem}.html")
    try:
        views = _views(notebook)
        page.wait_for_function(
            "n => document.querySelectorAll('.widget-subarea > .jupyter-widgets, .widget-subarea > .lm-Widget')"
            ".length >= n",
            arg=views,
            timeout=60_000,
        )
        assert page.locator(".widget-subarea").count() == views
        assert not errors, errors
        assert not elsewhere, f"requests to another host: {elsewhere}"
    finally:
        page.close()


def test_the_app_page_draws_sliders_buttons_and_the_form_offline(chromium: Any, served: str) -> None:
    page, elsewhere, errors = _open_offline(chromium, served, "notebooks/app-cost-planner.html", height=2600)
    try:
        page.wait_for_selector(".widget-button:has-text('Launch')", timeout=60_000)
        assert page.locator(".widget-slider").count() >= 3, "the estimator's sliders"
        assert page.locator(".widget-button").count() >= 2, "the buttons: Launch and the others"
        assert page.locator(".widget-text input, .widget-textarea textarea").count() >= 3, "the form's fields"
        text = str(page.evaluate("document.body.innerText"))
        assert "total $" in text and "Launch" in text
        assert not errors, errors
        assert not elsewhere, f"requests to another host: {elsewhere}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".widget-button:has-text('Launch')").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "site-widgets-offline.png"))
        assert (ARTIFACTS / "site-widgets-offline.png").stat().st_size > 10_000
    finally:
        page.close()
