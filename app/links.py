"""A shared link's parameters: every one is either used by a control of the page or
announced in a warning, never dropped without a word.

How a run goes: `start()` (from `page_intro`) remembers the URL's parameters as the page
opened and marks where the warnings go; every URL-bound control is made through
`app.widgets.bound`, which judges its parameter before Streamlit seeds the control from
it (`judge`); `finish()` (from streamlit_app.py, after the page ran) adds a warning for
every parameter no control used and draws the warnings. Streamlit drops a bad value from
the URL after the first run, so the warnings are remembered until the learner changes a
control.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from vgcore.i18n import N_, tr
from vgcore.text import one_line, quote

SHOWN_CHARS = 60                # of a link's parameter name, and of its value, in a warning:
#                                 enough to recognise it, too little to write a page with
_RUN = "_link_run"              # this run's LinkRun, in session state
_MEMO = "_link_problems_"       # + page: (problems, control values) of the last bad link
_RESET = "_link_reset_"         # + key: value to give a control before it is made
_USED = "_link_used_"           # + page: every parameter a control of the page has used
# Parameters of the whole app, used on every page by the frame (streamlit_app.py).
APP_PARAMS = frozenset({"lang"})


@dataclass
class LinkRun:
    page: str
    params: dict[str, list[str]]           # the URL's parameters when the page started
    notices: Any                           # the container the warnings go into
    used: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)   # (what, consequence)
    resets: dict[str, Any] = field(default_factory=dict)


def start(page: str) -> None:
    """Begin a page's run: remember its link and where its warnings go."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    st.session_state[_RUN] = LinkRun(page, params, st.container())


def _current() -> LinkRun | None:
    return st.session_state.get(_RUN)


def shown(name: str, value: str | None = None) -> str:
    """A link's parameter as inert Markdown for a warning: one code span `name=value`
    (`name` without a value), each part one line of at most SHOWN_CHARS characters (…
    after a cut) with no backtick or control character (`uploads.quote`), so nothing a
    link holds can close the span and become a heading, link, image, HTML, emphasis,
    icon (:material/…:), colour (:red[…]) or LaTeX ($…$)."""
    text = one_line(name, SHOWN_CHARS)
    if value is not None:
        text += "=" + one_line(value, SHOWN_CHARS)
    return quote(text, len(text))


def write_as_the_app(key: str, labels: list[str]) -> None:
    """Put a link's accepted parameter in the form the control itself writes (its labels:
    `?init=he` becomes `?init=He+%2F+Kaiming`), before the control is first made.
    Streamlit 1.67 seeds a bound control from the URL as the page opened and reads labels
    only, over any value the app set: `?activations=relu&activations=tanh` would start as
    tanh alone. So the seed and the address bar both get the labels; a copied link then
    reads as the app writes it. Reaches into Streamlit's query parameters (pinned
    version: requirements.txt); tests/test_app.py opens such links."""
    from streamlit.runtime.state.session_state_proxy import get_session_state
    with get_session_state().query_params() as params:
        params._initial_query_params[key] = list(labels)
        params.set_corrected_value(key, list(labels), "string_array_value")


def claim(key: str, problem: str | None, default: Any, empty_from_link: bool) -> None:
    """A control bound to `key` is about to be made: mark the parameter as used and
    record what is wrong with its value (`problem`). A value Streamlit would still accept
    although it is wrong for the page (an empty multiselect from `?activations=`) is
    replaced by `default` on an immediate rerun (`empty_from_link`)."""
    run = _current()
    if run is None:
        return
    run.used.add(key)
    if problem:
        run.problems.append((problem, N_("the default is used instead")))
        if empty_from_link:
            run.resets[key] = default


def resetting() -> bool:
    """Whether this run ends in a rerun that gives a control from the link its default:
    its value now is a placeholder, so an error about it would only flash."""
    run = _current()
    return bool(run and run.resets)


def pending_reset(key: str) -> tuple[bool, Any]:
    """(True, value) when the last run asked for this control to start at `value`."""
    name = _RESET + key
    if name in st.session_state:
        return True, st.session_state.pop(name)
    return False, None


def finish() -> None:
    """After the page ran: announce every parameter no control used, then draw this
    page's warnings (kept until a control changes) and rerun if a control must be reset."""
    run = _current()
    if run is None:
        return
    used = st.session_state.setdefault(_USED + run.page, set())
    used |= run.used
    for key in run.params:
        if key not in used and key not in APP_PARAMS:   # a control made in an earlier run
            value = ", ".join(run.params[key])          # may have gone since
            run.problems.append((tr("{param} is not a setting this page uses",
                                    param=shown(key, value)), N_("it is ignored")))
    memo = _MEMO + run.page
    values = {key: run.resets.get(key, st.session_state.get(key)) for key in run.used}
    if run.problems:
        st.session_state[memo] = (run.problems, values)
    elif memo in st.session_state and _changed(st.session_state[memo][1], values):
        del st.session_state[memo]
    for problem, consequence in st.session_state.get(memo, ((), None))[0]:
        run.notices.warning(tr("This link's parameter {problem}; {consequence}.",
                               problem=problem, consequence=tr(consequence)),
                            icon=":material/warning:")
    if run.resets:
        for key, value in run.resets.items():
            st.session_state[_RESET + key] = value
        st.rerun()


def _changed(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Whether the learner changed a control since the bad link's run. Only controls made
    in both runs count: a control that appears once the run succeeds (a page's own, shown
    only with a result) was not changed by anybody."""
    return any(key in now and now[key] != value for key, value in before.items())


__all__ = ["start", "claim", "write_as_the_app", "finish", "pending_reset", "resetting", "shown", "LinkRun",
           "SHOWN_CHARS"]
