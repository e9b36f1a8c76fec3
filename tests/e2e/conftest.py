"""Browser fixtures: the app served on a free localhost port, Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT = Path(
    os.environ.get("E2E_OUTPUT", Path(__file__).resolve().parents[2] / "test-output" / "e2e")
)


@pytest.fixture()
def live_server(app, demo):
    """The test app on http://127.0.0.1:<free port> for the duration of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture()
def browser():
    """Debian's Chromium, headless; never a downloaded browser."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        violations = _report_csp_violations(browser)
        yield browser
        browser.close()
    assert not violations, f"the Content-Security-Policy blocked something: {violations}"


def _report_csp_violations(browser) -> list[str]:
    """Collect what the app's Content-Security-Policy blocks in any page of the test (Chromium
    reports it on the console): a blocked script or style would break the page silently."""
    violations: list[str] = []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text[:300]),
        )
        return context

    browser.new_context = watched_context
    return violations


@pytest.fixture()
def shots(request):
    """Save numbered screenshots under test-output/e2e/<test name>/."""
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def shot(page, name: str) -> Path:
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    shot.folder = folder
    return shot
