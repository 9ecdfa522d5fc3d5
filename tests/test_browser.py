"""A real browser, Debian's Chromium driven by Playwright, on loopback servers the package's commands start:

- JupyterLab: the expansion notebook run, the form filled and launched, the monitor watched until every job
  is completed;
- Voilà (``tutorflow-nb app``): the cost-planner page, with no code and no error, a slider moved and the
  total following it, the pilot launched and watched to ``completed``;
- Jupyter Notebook 7 (``/tree``, ``/notebooks/…`` on the ``tutorflow-nb lab`` server): the quickstart and the
  app run from a cleared state to their last output; the quickstart's result and course show as cards with
  their status and links.

Screenshots go to ``test-artifacts/``. The servers work on copies: the committed notebooks stay as they are.
Without Debian's Chromium (``apt-get install chromium``) or Playwright the tests are skipped with that
reason, and a skip is not a pass."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab import free_port, start_app, start_lab, stop

pytestmark = pytest.mark.slow  # every test here takes seconds: servers, processes or many requests

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = "03-expanding-source-content.ipynb"
FULL_KEY = re.compile(r"tf_(content|platform)_[a-z0-9]{32}")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium: apt-get install -y chromium", allow_module_level=True)


def _snapshot() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}


def _inner_text(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate("document.body.innerText"))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the module; each test opens its own page."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def committed_notebooks_unchanged() -> Iterator[None]:
    """Every test works on a copy; the committed notebooks keep their outputs, byte for byte."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = _snapshot()
    yield
    assert _snapshot() == before, "the browser test changed the committed notebooks"


def _copy_notebooks(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    return tmp_path


def test_expansion_notebook_form_and_monitor_in_chromium(tmp_path: Path, chromium: Any) -> None:
    port = free_port()
    proc, reader, _ = start_lab(_copy_notebooks(tmp_path), port, "browser-test")
    try:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token=browser-test")
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            choose = page.locator(".jp-Dialog button:has-text('Select')")
            if choose.count():
                choose.first.click()
            page.wait_for_function(
                "(document.querySelector('.jp-StatusBar-Widget')||{innerText:''}).innerText.includes('Idle')",
                timeout=90_000,
            )
            page.wait_for_timeout(1000)
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            page.wait_for_function("document.body.innerText.includes('[11]:')", timeout=180_000)

            # the form: a new level id, then Launch, in the page itself
            form = page.locator(".jupyter-widgets:has(.widget-button:has-text('Launch'))").first
            form.scroll_into_view_if_needed()
            level = page.locator(".widget-text:has(label:text-is('level id')) input").first
            level.fill("from-the-browser")
            level.press("Tab")
            page.wait_for_function("document.body.innerText.includes('from-the-browser')", timeout=30_000)
            page.locator(".widget-button:has-text('Launch')").first.click()
            page.wait_for_function("document.body.innerText.includes('launched: job')", timeout=60_000)
            page.locator(".widget-button:has-text('Launch')").first.screenshot(path=str(ARTIFACTS / "launch.png"))
            form_box = page.locator(".widget-vbox:has(.widget-button:has-text('Launch'))").first
            form_box.screenshot(path=str(ARTIFACTS / "form.png"))

            # the monitor: every job of the batch completed (and the refused item said so)
            monitor = page.locator(".widget-vbox:has(.widget-html:has-text('Language Basics'))").first
            monitor.scroll_into_view_if_needed()
            page.wait_for_function("document.body.innerText.includes('completed: 5')", timeout=120_000)
            monitor.screenshot(path=str(ARTIFACTS / "monitor.png"))
            text = _inner_text(page)
            assert "completed: 5" in text and "error: 1" in text
            assert "tf_content_" in text and "from-the-browser" in text
        finally:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab.png"))
            page.close()
    finally:
        stop(proc, reader)
    for name in ("form.png", "monitor.png", "jupyterlab.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name


def test_app_in_voila_has_no_code_follows_its_controls_and_runs_the_pilot(tmp_path: Path, chromium: Any) -> None:
    """``tutorflow-nb app`` with no setting, as a person meets it: a page of outputs only, none an error; the
    total follows a slider moved with the keyboard; Launch runs the pilot to ``completed`` in the monitor."""
    port = free_port()
    proc, reader, _ = start_app(_copy_notebooks(tmp_path), port)
    try:
        page = chromium.new_page(viewport={"width": 1280, "height": 1500})
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(".widget-button:has-text('Launch')", timeout=90_000)
            page.wait_for_function("document.body.innerText.includes('Billed in this session')", timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "app.png"))

            # no code: every code cell shows its outputs only; and no error output of any kind
            code_cells = page.locator(".jp-CodeCell")
            assert code_cells.count() == 5 and page.locator(".jp-CodeCell.jp-mod-noInput").count() == 5
            assert page.locator(".jp-CodeCell .jp-InputArea, .cm-editor, .jp-InputPrompt").count() == 0
            html, text = page.content(), _inner_text(page)
            assert "tf.connect(" not in html and "NBVAL_IGNORE_OUTPUT" not in html
            assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
            assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0
            assert "Traceback" not in text and "There was an error" not in text and "NaN" not in text
            assert "TutorFlow cost planner" in text and "bundled mock" not in text  # the command's own mock
            assert "tf_content_" in text and not FULL_KEY.search(html), "keys by prefix only"

            # a control moved: one more course of 5 lessons, and the total shown follows
            total = page.locator(".widget-html:has-text('total $')").first
            assert "total $0.85" in total.inner_text()
            handle = page.locator(".widget-slider:has(label:text-is('courses')) .noUi-handle").first
            handle.focus()
            handle.press("ArrowRight")
            page.wait_for_function(
                "[...document.querySelectorAll('.widget-html')].some(e => e.innerText.includes('total $1.10'))",
                timeout=30_000,
            )
            assert "6 request(s)" in total.inner_text()

            # the pilot: Launch, then the monitor follows the job the form names to completed
            launch = page.locator(".widget-button:has-text('Launch')").first
            launch.scroll_into_view_if_needed()
            launch.click()
            page.wait_for_function("document.body.innerText.includes('launched: job')", timeout=60_000)
            page.wait_for_function("document.body.innerText.includes('completed: 1')", timeout=60_000)
            monitor = page.locator(".widget-vbox:has(> .widget-html:has-text('Pilot expansion'))").last
            job = re.search(r"launched: job (\S+)", _inner_text(page)).group(1)  # type: ignore[union-attr]
            assert job in monitor.inner_text() and "completed" in monitor.inner_text()
            monitor.screenshot(path=str(ARTIFACTS / "app-pilot.png"))
        finally:
            page.set_viewport_size({"width": 1280, "height": 2700})
            page.screenshot(path=str(ARTIFACTS / "app-full.png"))
            page.close()
    finally:
        stop(proc, reader, "Voilà")
    for name in ("app.png", "app-pilot.png", "app-full.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name


def _notebook_page(page: Any) -> str | None:
    """Which of Notebook 7's pages this is (``tree``, ``notebooks``), from the page's own configuration."""
    return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).notebookPage")


def _run_all_in_notebook_7(page: Any, base: str, name: str, last_output: str) -> None:
    """Open ``name`` in Notebook 7, clear every output, run all, and wait for its last output to say ``last_output``."""
    page.goto(f"{base}/notebooks/{name}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    assert _notebook_page(page) == "notebooks", "Notebook 7's notebook page, not JupyterLab's"
    choose = page.locator(".jp-Dialog button:has-text('Select')")
    if choose.count():
        choose.first.click()
    page.click(".lm-MenuBar-itemLabel:text-is('Edit')")
    page.click(".lm-Menu-itemLabel:text-is('Clear Outputs of All Cells')")
    assert page.locator(".jp-OutputArea-output").count() == 0, "what follows is this run's, not the saved outputs"
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_function(
        "want => (o => o.length > 0 && o[o.length - 1].innerText.includes(want))"
        "(document.querySelectorAll('.jp-OutputArea-output'))",
        arg=last_output,
        timeout=180_000,
    )
    page.wait_for_function(
        "![...document.querySelectorAll('.jp-InputPrompt')].some(e => e.innerText.includes('*'))", timeout=60_000
    )
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, name
    assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0, name
    assert not FULL_KEY.search(page.content()), name


def test_quickstart_and_app_in_notebook_7(tmp_path: Path, chromium: Any) -> None:
    """Notebook 7's interface, not only JupyterLab's: its file tree lists the notebooks; the quickstart and the
    app, each run from cleared outputs, reach their last output; the app's pilot completes there too."""
    port = free_port()
    proc, reader, _ = start_lab(_copy_notebooks(tmp_path), port, "notebook7-test")
    base = f"http://127.0.0.1:{port}"
    try:
        page = chromium.new_page(viewport={"width": 1280, "height": 1000})
        try:
            page.goto(f"{base}/tree?token=notebook7-test")
            page.wait_for_selector("text=app-cost-planner.ipynb", timeout=90_000)
            assert _notebook_page(page) == "tree"
            assert page.locator("text=01-quickstart.ipynb").count() >= 1
            page.screenshot(path=str(ARTIFACTS / "notebook7-tree.png"))

            # the quickstart: its last output is the generated course's lessons, chapter by chapter
            _run_all_in_notebook_7(page, base, "01-quickstart.ipynb", "chapter_title")
            assert "Demo Classroom" in _inner_text(page)
            page.screenshot(path=str(ARTIFACTS / "notebook7-quickstart.png"))
            # objects show themselves as cards: a status chip, the ids, links that open TutorFlow
            for title, name in (("Expansion result", "result-card.png"), ("Course ", "course-card.png")):
                card = page.locator(f".jp-RenderedHTMLCommon:has(b:text-matches('^{title}'))").first
                card.scroll_into_view_if_needed()
                text = card.inner_text()
                assert re.search(r"\b(completed|COMPLETED)\b", text), text
                links = [card.locator("a").nth(i).get_attribute("href") for i in range(card.locator("a").count())]
                assert links and all(str(link).startswith("https://tutorflow.io/") for link in links), links
                card.screenshot(path=str(ARTIFACTS / name))
            course_card = page.locator(".jp-RenderedHTMLCommon:has(b:text-matches('^Course '))").first.inner_text()
            assert re.search(r"billed\s+\$0\.\d\d \(\d+ lessons × \$0\.05\)", course_card), course_card  # not TeX

            # the app: its last output is the pilot's form and monitor; the pilot runs to completed
            _run_all_in_notebook_7(page, base, "app-cost-planner.ipynb", "Pilot expansion")
            billed = "[...document.querySelectorAll('.widget-html')].map(e => e.textContent).join(' ')"
            assert "Billed in this session: 3 course(s) and 2 module(s)" in page.evaluate(billed)
            launch = page.locator(".widget-button:has-text('Launch')").first
            launch.scroll_into_view_if_needed()
            launch.click()
            page.wait_for_function("document.body.innerText.includes('completed: 1')", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "notebook7-app.png"))
        finally:
            page.close()
    finally:
        stop(proc, reader)
    for name in ("notebook7-tree.png", "notebook7-quickstart.png", "notebook7-app.png", "result-card.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
