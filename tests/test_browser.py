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
import re
import time
from collections import Counter

import pytest
from zh_words import english_runs

from app.catalog import PAGES
from tests.browser_util import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAIN,
    ROOT,
    StreamlitServer,
    full_page_screenshot,
    wait_until_finished,
)
from tests.needs import unavailable

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 400, "height": 800}
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


_TEXT_WITHOUT_ICONS = """links => links.map(a => { const c = a.cloneNode(true);
    c.querySelectorAll('[data-testid="stIconEmoji"], [data-testid="stIconMaterial"]')
     .forEach(i => i.remove());
    return c.textContent.trim(); })"""


def _nav_titles(page) -> list[str]:
    """The navigation's page titles in order, without their icons: from the top bar's
    section menus (a wide screen), or from the sidebar (a phone: Streamlit moves the
    menus there)."""
    sections = page.locator('[data-testid="stTopNavSection"]')
    if sections.count() == 0 or not sections.first.is_visible():
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        return page.locator('[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]') \
            .evaluate_all(_TEXT_WITHOUT_ICONS)
    titles = []
    for i in range(sections.count()):
        sections.nth(i).click()
        links = page.locator('[data-testid="stTopNavPopover"] [data-testid="stTopNavDropdownLink"]')
        links.first.wait_for()
        titles += links.evaluate_all(_TEXT_WITHOUT_ICONS)
        page.keyboard.press("Escape")
        links.first.wait_for(state="detached")
    return titles


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


@pytest.mark.parametrize("size", [VIEWPORT, PHONE], ids=["wide", "phone"])
def test_navigation_lists_every_page_once(browser, server, size):
    """In the top bar's menus on a wide screen, in the sidebar on a phone."""
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        _open(page, server, "", f"navigation {size['width']} px")
        titles = _nav_titles(page)
    finally:
        context.close()
    counts = Counter(titles)
    for spec in PAGES:
        assert counts[spec.title] == 1, f"{spec.title!r} appears {counts[spec.title]}× in {titles}"
    assert len(titles) == len(PAGES), f"unexpected navigation entries: {titles}"


# ---------------------------------------------------------------------------------------
# Every screen a room uses: a phone and a projector
# ---------------------------------------------------------------------------------------
# What a screen shows: the main column, each chart's box and what it draws, the page's
# sideways overflow, and the controls (in the sidebar or the page).
_SCREEN_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const column = document.querySelector('[data-testid="stMainBlockContainer"]')
        .getBoundingClientRect();
    const box = e => { const r = e.getBoundingClientRect();
                       return {top: r.top, left: r.left, right: r.right, bottom: r.bottom,
                               width: r.width}; };
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .map(c => ({box: box(c), drawn: c.querySelector('canvas, svg') &&
                                         box(c.querySelector('canvas, svg')),
                    overflow: getComputedStyle(c).overflowX,
                    title: (c.textContent || '').slice(0, 60)}));
    const tables = [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(box);
    const controls = [...document.querySelectorAll(':is([data-testid="stSidebar"], ' +
        '[data-testid="stMain"]) :is(' +
        '[data-testid="stSlider"], [data-testid="stSelectbox"], ' +
        '[data-testid="stMultiSelect"], [data-testid="stNumberInput"])')].map(box);
    return {column: box({getBoundingClientRect: () => column}), charts, tables, controls,
            pans: main.scrollWidth > main.clientWidth + 1, height: window.innerHeight};
}"""


def _settled_screen(page, settle_s: float = 6.0) -> dict:
    """The screen once its layout has settled: the same charts at the same places for
    1 s (three looks 0.5 s apart), each with its drawing, and nothing panning. While Vega
    draws and Streamlit sizes a box, a box can be as wide as its chart for a moment (~1 s),
    a chart redrawn by a rerun has no drawing for a moment, and a chart fitted to its
    column can appear a moment after the ones below it (seen on a loaded machine)."""
    def layout(screen: dict) -> list:
        return [(round(c["box"]["top"]), round(c["box"]["width"]), bool(c["drawn"]))
                for c in screen["charts"]]
    deadline = time.monotonic() + settle_s
    screen, still = page.evaluate(_SCREEN_JS), 0
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        again = page.evaluate(_SCREEN_JS)
        still = still + 1 if layout(again) == layout(screen) else 0
        screen = again
        if still >= 2 and not screen["pans"] and all(c["drawn"] for c in screen["charts"]):
            break                   # unchanged for 1 s
    return screen


# "On the first screen": at least this much of a chart (or table) above the fold.
SEEN_PX = 200


def _assert_fits(screen: dict, label: str) -> None:
    """The page never pans sideways, and no chart is wider than its column unless it
    scrolls inside its own box."""
    assert not screen["pans"], f"{label}: the page pans sideways"
    column = screen["column"]
    for c in screen["charts"]:
        assert c["drawn"], f"{label}: chart {c['title']!r} drew nothing"
        assert c["box"]["right"] <= column["right"] + 1, \
            f"{label}: chart {c['title']!r} ends at {c['box']['right']:.0f} px, past its " \
            f"column's {column['right']:.0f} px"
        if c["drawn"]["width"] > c["box"]["width"] + 1:
            assert c["overflow"] in ("auto", "scroll"), \
                f"{label}: chart {c['title']!r} draws {c['drawn']['width']:.0f} px in a " \
                f"{c['box']['width']:.0f} px box that does not scroll"


@pytest.mark.parametrize("size", [PHONE, PROJECTOR], ids=["phone", "projector"])
@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_fits_the_screen(browser, server, spec, size):
    """No chart is wider than its column unless it scrolls inside its own box, and the
    page never pans sideways; on a projector a lesson's first screen shows a control and
    the page's first chart (lesson 8: its table, which its "What to look for" names)."""
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        label = f"{spec.url_path} at {size['width']}×{size['height']}"
        _open(page, server, "" if spec.url_path == "home" else spec.url_path, label)
        if spec.section == "Lessons":
            page.wait_for_function(
                """sel => [...document.querySelectorAll(sel)].every(
                       c => c.querySelector('canvas, svg'))""", arg=CHART, timeout=30_000)
        screen = _settled_screen(page)
        page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}-{size['width']}-first-screen.png"))
    finally:
        context.close()
    _assert_fits(screen, label)
    if spec.section == "Lessons" and size is PROJECTOR:
        fold = screen["height"]
        assert any(0 <= b["top"] and b["bottom"] <= fold and b["left"] >= 0
                   for b in screen["controls"]), f"{label}: no control on the first screen"
        exhibits = [c["box"] for c in screen["charts"]] + \
            (screen["tables"] if spec.url_path == "how_fixed" else [])
        tops = sorted(b["top"] for b in exhibits)
        assert tops and tops[0] <= fold - SEEN_PX, \
            f"{label}: the first chart starts at {tops[0] if tops else None} px; the first " \
            f"screen ({fold} px) shows less than {SEEN_PX} px of it"


# ---------------------------------------------------------------------------------------
# Shared links
# ---------------------------------------------------------------------------------------
def _depth_shown(page) -> str:
    return page.locator('[data-testid="stSlider"] input[aria-label="Hidden layers"]') \
        .input_value()


def _activations_shown(page, settle_s: float = 5.0) -> list[str]:
    """The activations' chips, once there are any (at most `settle_s`): a page drawn from
    kept charts can end its run before the browser shows the value a link seeded."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Activations to compare")
    try:
        box.locator("[data-tag]").first.wait_for(timeout=settle_s * 1000)
    except PlaywrightTimeout:
        pass
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


def test_option_name_in_link_restores_it(page, server):
    """?activations=relu (the config's name, as the README and the guide write it) is
    restored like the label ReLU the app writes itself, without a warning."""
    _open(page, server, "gradient_flow?depth=2&activations=relu", "gradient_flow?…relu")
    _assert_no_exception(page)
    assert _depth_shown(page) == "2"
    assert _activations_shown(page) == ["ReLU"]
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0


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


# ---------------------------------------------------------------------------------------
# In Chinese
# ---------------------------------------------------------------------------------------
# Words of Streamlit's own widgets, which the app cannot translate (Streamlit has no
# i18n: its issue #1353): the file uploader's box.
STREAMLIT_OWN = re.compile(r"Drag and drop files? here|Limit \d+MB per file[^\n]*|Browse files")


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_reads_in_chinese(browser, server, spec):
    """Opened with ?lang=zh on a projector (1280×720): the navigation, the sidebar and
    the page read in Chinese (no run of English words outside names, code and bracketed
    terms), and the page fits the screen as in English. The screenshot is looked at."""
    context = browser.new_context(viewport=PROJECTOR)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        label = f"{spec.url_path}?lang=zh"
        path = "" if spec.url_path == "home" else spec.url_path
        _open(page, server, f"{path}?lang=zh", label)
        _assert_no_exception(page)
        if spec.section == "Lessons":
            page.wait_for_function(
                """sel => [...document.querySelectorAll(sel)].every(
                       c => c.querySelector('canvas, svg')) """, arg=CHART, timeout=30_000)
        screen = _settled_screen(page)
        (SCREENSHOTS / "zh").mkdir(parents=True, exist_ok=True)
        full_page_screenshot(page, SCREENSHOTS / "zh" / f"{spec.url_path}.png")
        text = page.locator(MAIN).inner_text() + "\n" + \
            page.locator('[data-testid="stSidebar"]').inner_text()
        titles = _nav_titles(page)
    finally:
        context.close()
    assert re.search(r"[\u4e00-\u9fff]", text), f"{label}: no Chinese on the page"
    left = sorted(set(english_runs(STREAMLIT_OWN.sub(" ", text))))
    assert not left, f"{label}: English left: {left}"
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    _assert_fits(screen, label)


def test_the_browsers_language_picks_chinese(browser, server):
    """A link without ?lang opened by a browser set to Chinese reads in Chinese, and the
    address then carries ?lang=zh, so that a link copied from it opens in Chinese too."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        _open(page, server, "activations", "activations, browser in Chinese")
        assert "lang=zh" in page.url
        assert re.search(r"[\u4e00-\u9fff]", page.locator(MAIN).inner_text())
    finally:
        context.close()
