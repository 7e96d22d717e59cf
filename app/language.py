"""The reader's language: English or 简体中文, per visitor, carried in every link as
`?lang=zh` (or `?lang=en`), so that a shared link opens in the sender's language. Without
one, the browser's language (`st.context.locale`) chooses. Words are made in it for the
whole script run (vgcore.i18n); switching keeps every control's value and every result
(results hold no words).
"""
from __future__ import annotations

import streamlit as st

from vgcore import i18n
from vgcore.i18n import LANGUAGES, language_of, tr

from . import links
from .widgets import keep_across_languages

PARAM = "lang"                  # the link's parameter and the picker's key
_BEFORE = "_language_before"    # the language of the session's previous run


def _from_link_or_browser() -> str:
    """The language a new visitor starts in: the link's, else the browser's, else
    English."""
    linked = language_of(st.query_params.get(PARAM))
    if linked is not None:
        return linked
    try:
        browser = st.context.locale
    except Exception:  # noqa: BLE001 -- no browser (a bare script run): English
        browser = None
    return language_of(browser) or i18n.DEFAULT


def choose_language() -> str:
    """Make the sidebar's language picker, read the reader's language for this run and
    put it in the link; a control's value survives a switch (`keep_across_languages`).
    A link naming a language the lab does not have is told, and English used."""
    raw = st.query_params.get(PARAM)
    before = st.session_state.get(_BEFORE)
    start = before or _from_link_or_browser()
    picked = st.sidebar.segmented_control(
        "Language · 语言", list(LANGUAGES), default=start, key=PARAM,
        format_func=LANGUAGES.get, label_visibility="collapsed")
    lang = picked or start              # clicking the chosen one again unpicks it
    i18n.use(lang)
    if before is not None and before != lang:
        keep_across_languages()
    st.session_state[_BEFORE] = lang
    if raw is not None and language_of(raw) is None:
        st.warning(tr("This link's parameter {problem}; {consequence}.",
                      problem=tr("{param} is not one of: {allowed}",
                                 param=links.shown(PARAM, raw), allowed="en, zh"),
                      consequence=tr("the default is used instead")),
                   icon=":material/warning:")
    if st.query_params.get(PARAM) != lang:
        st.query_params[PARAM] = lang
    return lang


__all__ = ["choose_language", "PARAM"]
