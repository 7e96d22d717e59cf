"""Real-browser suite: the app served by `streamlit run`, driven by Debian's chromium.

Every page of app/catalog.py is opened, run to the end and checked for exceptions and
(lesson pages) rendered charts; a full-page screenshot of each lands in
test-artifacts/screenshots/<url_path>.png for a human to look at. Also checked: the
sidebar lists every page once, a shared link restores its experiment, a bad link warns.
The server's peak memory is written to test-artifacts/server-memory.txt.

Without /usr/bin/chromium these tests are skipped, except under CI (env CI set), where
they fail.
"""
from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from app.catalog import PAGES
from tests.needs import unavailable
from tests.browser_util import (CHROMIUM, CHROMIUM_ARGS, MAIN, ROOT, StreamlitServer,
                                full_page_screenshot, wait_until_finished)

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
CHART = '[data-testid="stVegaLiteChart"]'
TIMINGS: dict[str, float] = {}


def _unavailable(reason: str) -> None:
    unavailable("real-browser suite", reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-server")
    srv = StreamlitServer(cache_dir=tmp / "vgcore-cache", log_path=tmp / "streamlit.log")
    try:
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        lines = [f"peak RSS of the server process tree: {srv.rss.peak_kb / 1024:.0f} MiB",
                 f"VmHWM of the server process: {srv.rss.hwm_kb / 1024:.0f} MiB",
                 *(f"{name}: {secs:.1f} s" for name, secs in TIMINGS.items())]
        (ARTIFACTS / "server-memory.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} not found (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    # what the page asks of the network, for test_page_asks_only_its_own_server
    pg.vglab_requests, pg.vglab_failures = [], []
    pg.on("request", lambda r: pg.vglab_requests.append(r.url))
    pg.on("response", lambda r: pg.vglab_failures.append((r.status, r.url))
          if r.status >= 400 else None)
    pg.on("requestfailed", lambda r: pg.vglab_failures.append((r.failure, r.url)))
    try:
        yield pg
    finally:
        context.close()


# Streamlit issue #7074: a page opened by its URL first asks for these under /<page>/ (404)
KNOWN_STREAMLIT_404 = ("_stcore/health", "_stcore/host-config")


def _open(page, server, path_and_query: str, label: str | None = None) -> None:
    page.goto(f"{server.url}/{path_and_query}")
    TIMINGS[label or path_and_query or "/"] = wait_until_finished(page)


def _assert_no_exception(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, \
        f"{page.url} shows an exception:\n{exceptions.first.inner_text()[:2000]}"


def _assert_asks_only_its_own_server(page, server, spec) -> None:
    """No request to any other host (a workshop room may have no internet; the favicon
    was once fetched from fonts.gstatic.com), and no failed request but #7074's pair."""
    origin = server.url.rstrip("/")
    elsewhere = [u for u in page.vglab_requests
                 if not u.startswith((origin + "/", "data:", "blob:")) and u != origin]
    assert not elsewhere, f"{spec.url_path} asks other hosts: {elsewhere[:5]}"
    unexpected = [(why, url) for why, url in page.vglab_failures
                  if not (why == 404 and url.split("?")[0].endswith(
                      tuple(f"/{spec.url_path}/{p}" for p in KNOWN_STREAMLIT_404)))]
    assert not unexpected, f"{spec.url_path}: failed requests {unexpected[:5]}"


def _nav_titles(page) -> list[str]:
    """Sidebar navigation links' text, without their emoji icons."""
    return page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]') \
        .evaluate_all("""links => links.map(a => { const c = a.cloneNode(true);
            c.querySelectorAll('[data-testid="stIconEmoji"], [data-testid="stIconMaterial"]')
             .forEach(i => i.remove());
            return c.textContent.trim(); })""")


# ---------------------------------------------------------------------------------------
# Every page
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_runs_and_renders(page, server, spec):
    _open(page, server, "" if spec.url_path == "home" else spec.url_path, spec.url_path)
    assert page.locator(MAIN).count() == 1
    _assert_no_exception(page)
    _assert_asks_only_its_own_server(page, server, spec)
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, f"{spec.url_path} (defaults) shows an error: " \
                                f"{errors.first.inner_text()[:500]}"
    if spec.section == "Lessons":
        # Vega draws asynchronously after the element mounts: wait for every chart's canvas/svg
        page.wait_for_function(
            """sel => { const charts = [...document.querySelectorAll(sel)];
                        return charts.length > 0 &&
                               charts.every(c => c.querySelector('canvas, svg')); }""",
            arg=CHART, timeout=30_000)
        assert page.locator(f"{CHART} canvas, {CHART} svg").count() >= 1
    full_page_screenshot(page, SCREENSHOTS / f"{spec.url_path}.png")


def test_sidebar_lists_every_page_once(page, server):
    _open(page, server, "", "sidebar")
    titles = _nav_titles(page)
    counts = Counter(titles)
    for spec in PAGES:
        assert counts[spec.title] == 1, f"{spec.title!r} appears {counts[spec.title]}× in {titles}"
    assert len(titles) == len(PAGES), f"unexpected navigation entries: {titles}"


# ---------------------------------------------------------------------------------------
# Shared links
# ---------------------------------------------------------------------------------------
def _depth_shown(page) -> str:
    return page.locator('[data-testid="stSlider"] input[aria-label="Hidden layers"]') \
        .input_value()


def _activations_shown(page) -> list[str]:
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Activations to compare")
    return box.locator("[data-tag]").evaluate_all(
        "tags => tags.map(t => t.getAttribute('aria-label'))")


def test_link_restores_experiment(page, server):
    # Streamlit's query-param binding writes (and reads back) the label a widget shows,
    # so the app's own links say activations=ReLU, not the option key relu.
    _open(page, server, "gradient_flow?depth=2&activations=ReLU", "gradient_flow?depth=2…")
    _assert_no_exception(page)
    assert _depth_shown(page) == "2"
    assert _activations_shown(page) == ["ReLU"]
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0


def test_option_key_in_link_warns(page, server):
    """?activations=relu (the config's key, not the label) cannot be restored by the
    binding; the page must say so instead of silently showing the defaults."""
    _open(page, server, "gradient_flow?depth=2&activations=relu", "gradient_flow?…relu")
    _assert_no_exception(page)
    assert _depth_shown(page) == "2"
    warning = page.locator('[data-testid="stAlertContentWarning"]') \
        .filter(has_text="activations=relu")
    assert warning.count() == 1, "no warning names the unrestorable parameter"


def test_bad_parameter_warns_instead_of_failing(page, server):
    _open(page, server, "gradient_flow?depth=999", "gradient_flow?depth=999")
    _assert_no_exception(page)
    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="depth=999")
    assert warning.count() == 1, "no warning names the bad parameter"
    assert _depth_shown(page) == "4"          # the page's default is used instead


def test_a_download_is_named_after_its_page_settings_and_seed(page, server):
    """A room's downloads tell themselves apart: the page, the settings that differ from
    its defaults, the seed, so a room's files do not all share one name."""
    _open(page, server, "overfitting?epochs=1&dropout=0.5&seed=3", "overfitting download")
    _assert_no_exception(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="History (CSV)").click()
    assert info.value.suggested_filename == "overfitting_epochs1_dropout0.5_seed3-history.csv"


def test_first_visitor_of_a_fresh_server_gets_the_shared_link(browser, tmp_path):
    """Streamlit serves the first run of a fresh server as an old-style pages/ app; a
    shared link must still open its page inside our navigation, with its parameters and
    without a "Page not found" dialog (app/catalog.py, app.blocks.require_app_frame)."""
    fresh = StreamlitServer(cache_dir=tmp_path / "vgcore-cache", log_path=tmp_path / "log")
    context = browser.new_context(viewport=VIEWPORT)
    try:
        fresh.wait_healthy()
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        _open(pg, fresh, "gradient_flow?depth=2&epochs=0&seed=5", "fresh server: gradient_flow")
        _assert_no_exception(pg)
        assert pg.locator('[role="dialog"]').count() == 0, pg.locator('[role="dialog"]') \
            .first.inner_text()
        assert pg.locator(f"{MAIN} h1").first.inner_text().startswith("Gradient flow")
        assert _nav_titles(pg) == [spec.title for spec in PAGES]
        assert _depth_shown(pg) == "2"
        assert pg.locator('input[aria-label="Seed"]').input_value() == "5"
        assert "seed=5" in pg.url and "/gradient_flow" in pg.url
    finally:
        context.close()
        fresh.stop()


def test_server_still_healthy(browser, server):
    """Last: the server survived every page (and its memory figure is taken at teardown)."""
    assert server.proc.poll() is None, server.log_tail()
    time.sleep(0.5)
    assert server.rss.peak_kb > 0
