"""A real browser: JupyterLab headless on loopback, the expansion notebook run in Chromium, the form
filled and launched, the monitor watched until every job is completed. Screenshots go to
``test-artifacts/``. Without Debian's Chromium (``apt-get install chromium``) or Playwright the test
is skipped with that reason, and a skip is not a pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lab import free_port, start_lab, stop_lab

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = "03-expanding-source-content.ipynb"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium: apt-get install -y chromium", allow_module_level=True)


def _snapshot() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}


def _inner_text(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate("document.body.innerText"))


def test_expansion_notebook_form_and_monitor_in_chromium(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # JupyterLab saves what it runs: work on a copy, so the committed notebooks keep their outputs
    before = _snapshot()
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    port = free_port()
    proc, reader, _ = start_lab(tmp_path, port, "browser-test")
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-sync",
                    "--disable-background-networking",
                    "--disable-component-update",
                ],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
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
                browser.close()
    finally:
        stop_lab(proc, reader)
    for name in ("form.png", "monitor.png", "jupyterlab.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name
    assert _snapshot() == before, "the browser test changed the committed notebooks"
