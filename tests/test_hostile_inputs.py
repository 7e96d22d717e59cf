"""Anything from outside is data: a link's parameters (names and values) shown in the app's
warnings are inert Markdown, one line, bounded; no traceback reaches a browser. Checked on
the helper, on the warning Markdown of AppTest runs, and once in a real browser (the DOM
inside the alert, and no request to any host but the app's own)."""
from __future__ import annotations

import os
import tomllib
import unicodedata
from urllib.parse import quote as url_quote

import pytest
from streamlit.testing.v1 import AppTest

from app.links import SHOWN_CHARS, shown
from app.widgets import Widget, label_of, link_problems, option_of, widgets_of
from vgcore.kinds import KINDS
from tests.test_app import ROOT, assert_clean, charts_of, link_warnings, open_page

# The link of the report: a value that closed the code span and wrote a heading and a link
SESSION_EXPIRED = "3`\n\n# Session expired\n\n[log in](http://example.invalid)\n\n`"
HOSTILE_KEY = "# x\n[a](http://e.invalid)"
IMG = "<img src=http://e.invalid/x.png>"
HOSTILE_VALUES = [SESSION_EXPIRED, IMG, ":red[big]", "$x$", ":material/home: :smile:",
                  "**bold** _em_ ~~gone~~", "``", "\r\n# h", "\u202eevil\u200b",
                  "![i](http://e.invalid/i.png)", "<a href='http://e.invalid'>a</a>",
                  "x" * 500 + "[a](http://e.invalid)"]
# What must never appear outside a code span (the app's own text has none of these).
MARKUP = ("](", "<", ">", "$", "#", "**", "~~", ":red[", ":material", "e.invalid",
          "example.invalid", "Session expired")


def assert_inert(md: str, max_span: int = 2 * SHOWN_CHARS + 3) -> None:
    """`md` (a warning's Markdown) holds outside text only in code spans that nothing can
    close early: one line, no control or format character, an even number of backticks,
    no markup outside the spans, every span bounded."""
    assert "\n" not in md and "\r" not in md, md
    assert not [c for c in md if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")], md
    pieces = md.split("`")
    assert len(pieces) % 2 == 1, f"unbalanced backticks: {md!r}"
    outside, spans = "".join(pieces[0::2]), pieces[1::2]
    for bad in MARKUP:
        assert bad not in outside, (bad, md)
    assert all(0 < len(s) <= max_span for s in spans), md


# ---------------------------------------------------------------------------------------
# The helper
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=range(len(HOSTILE_VALUES)))
def test_shown_is_one_bounded_inert_code_span(value):
    for md in (shown("depth", value), shown(value), shown(HOSTILE_KEY, value),
               f"This link's parameter {shown(value, value)} is not a setting this page "
               f"uses; it is ignored."):
        assert_inert(md)
    assert shown("depth", "999") == "`depth=999`"           # plain text is untouched
    assert shown("activations", "") == "`activations=`"
    cut = shown("k", "v" * 100)
    assert cut == f"`k={'v' * SHOWN_CHARS}…`"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_link_names_an_option_by_its_label_or_its_config_name_in_any_case(kind):
    """What the app writes (the label) and what the README and the guide write (the
    config's name) both restore the option; so do both in another case."""
    selects = [w for w in widgets_of(kind).values() if w.kind in ("select", "multi")]
    assert selects
    for w in selects:
        for option in w.options:
            for text in (label_of(w, option), str(option), label_of(w, option).upper(),
                         str(option).upper()):
                assert option_of(w, text) == option, (w.field, text)
                assert link_problems({w.field: [text]}, widgets={w.field: w}) == []


def test_a_link_naming_no_option_or_two_is_refused_in_the_controls_words():
    w = Widget("pick", "select", "Pick", ("a", "b"), fmt={"a": "b", "b": "Bee"})
    assert option_of(w, "b") is None            # a's label and b's name: which one?
    assert option_of(w, "BEE") == "b"
    assert option_of(w, "a") == "a"
    for text in ("b", "c", IMG):
        problems = link_problems({"pick": [text]}, widgets={"pick": w})
        assert len(problems) == 1 and problems[0].endswith("is not one of: b, Bee"), problems
        assert_inert(problems[0])


def test_error_details_are_not_sent_to_the_browser():
    """client.showErrorDetails = "none": an uncaught exception shows Streamlit's generic
    sentence, not its message, type, server paths or code (they go to the server log)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    cwd = os.getcwd()
    os.chdir(ROOT)                       # Streamlit reads ./.streamlit/config.toml
    try:
        at = AppTest.from_string("raise RuntimeError('/srv/secret/path.py')").run()
    finally:
        os.chdir(cwd)
    assert len(at.exception) == 1
    shown_text = at.exception[0].value + " ".join(at.exception[0].stack_trace)
    assert "/srv/secret" not in shown_text and "RuntimeError" not in shown_text


# ---------------------------------------------------------------------------------------
# AppTest: the warnings pages draw for hostile links
# ---------------------------------------------------------------------------------------
def _page_text(at: AppTest) -> list[str]:
    """Every Markdown the page drew that is not a warning (titles, headings, text)."""
    return [e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                 "info", "error", "success")
            for e in getattr(at, kind)]


def test_the_session_expired_link_is_one_inert_warning():
    at = open_page("pages/gradient_flow.py", depth=SESSION_EXPIRED, epochs="0")
    assert_clean(at)
    warnings = link_warnings(at)
    assert len(warnings) == 1, warnings
    assert_inert(warnings[0])
    assert "# Session expired" in warnings[0] and "[log in](http:" in warnings[0]
    assert not any("Session expired" in t for t in _page_text(at))
    assert at.slider(key="depth").value == 4 and charts_of(at)   # the default is used


@pytest.mark.parametrize("path", ["pages/gradient_flow.py", "pages/activations.py"])
def test_hostile_keys_and_values_are_inert_warnings(path):
    link = {HOSTILE_KEY: "1", IMG: IMG, ":red[big]": "$x$", "init": ":material/home:",
            "chain_preset": "**b** [a](http://e.invalid)", "epochs": "0",
            "lr": "\r\n## h", "seed": "x" * 500}
    at = open_page(path, **link)
    assert_clean(at)
    warnings = link_warnings(at)
    # every hostile parameter is announced: gradient_flow has init, lr and seed controls;
    # activations has chain_preset; the rest are unknown to either page
    assert len(warnings) >= 4, warnings
    for w in warnings:
        assert_inert(w)
    assert any("# x?[a](http://e.invalid)=1" in w for w in warnings), warnings
    assert any(IMG in w for w in warnings), warnings
    assert not any("e.invalid" in t or "<img" in t for t in _page_text(at))


# ---------------------------------------------------------------------------------------
# One real browser: the DOM of the alert, and nothing asked of another host
# ---------------------------------------------------------------------------------------
def test_a_hostile_link_renders_as_text_in_a_browser(tmp_path):
    from tests.browser_util import (CHROMIUM, CHROMIUM_ARGS, StreamlitServer,
                                    wait_until_finished)
    from tests.needs import unavailable
    if not os.path.exists(CHROMIUM):
        unavailable("hostile-link browser test", f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("hostile-link browser test", "playwright is not installed")
    links = {   # path and query -> the literal text its warning must show
        "gradient_flow?depth=" + url_quote(SESSION_EXPIRED, safe=""):
            ["# Session expired", "[log in](http://example.invalid)"],
        "gradient_flow?epochs=0&" + "&".join(
            f"{url_quote(k, safe='')}={url_quote(v, safe='')}"
            for k, v in [(HOSTILE_KEY, "1"), ("init", IMG), (":red[big]", "$x$"),
                         ("seed", ":material/home: **b**")]):
            # Streamlit's frontend rewrites ":material/" to ":material_" in the whole
            # source before parsing, code spans included (the icon is still not drawn)
            ["[a](http://e.invalid)", IMG, ":red[big]=$x$", "seed=:material", "home: **b**"],
    }
    server = StreamlitServer(cache_dir=tmp_path / "cache", log_path=tmp_path / "log.txt",
                             env={"VGLAB_STORE": "memory"})
    elsewhere: list[str] = []
    try:
        server.wait_healthy()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                origin = server.url + "/"

                def guard(route):      # a request to any other host is refused, and noted
                    url = route.request.url
                    if url.startswith((origin, "data:", "blob:")) or url == server.url:
                        route.continue_()
                    else:
                        elsewhere.append(url)
                        route.abort()
                context.route("**/*", guard)
                page = context.new_page()
                page.set_default_timeout(30_000)
                for path, literals in links.items():
                    page.goto(f"{server.url}/{path}")
                    wait_until_finished(page)
                    assert page.locator('[data-testid="stException"]').count() == 0
                    alerts = page.locator('[data-testid="stAlert"]').filter(
                        has_text="link's parameter")
                    assert alerts.count() >= 1, page.content()[:2000]
                    text = " ".join(alerts.all_inner_texts())
                    for literal in literals:
                        assert literal in text, (literal, text)
                    bodies = alerts.locator('[data-testid="stMarkdownContainer"]')
                    bad = bodies.locator("a, img, h1, h2, h3, h4, h5, h6, strong, em, del, "
                                         "[data-testid='stIconMaterial'], .katex, "
                                         "span[style*='color']")
                    assert bad.count() == 0, bad.evaluate_all("e => e.map(x => x.outerHTML)")
                    main = page.locator('[data-testid="stMainBlockContainer"]')
                    assert main.locator("h1").count() == 1     # the page's own title only
            finally:
                browser.close()
    finally:
        server.stop()
    assert not elsewhere, elsewhere
