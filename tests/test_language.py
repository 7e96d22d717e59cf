"""The reader's language in the app (app/language.py): chosen per visitor, carried in
every link as ?lang=, switching keeps every control and result, and a result trained for
a reader of one language is shown to a reader of the other without training again."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import runner
from tests.test_app import APP, TIMEOUT
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

FAST = {"epochs": "1", "n_seeds": "1", "train_size": "200"}


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch):
    monkeypatch.setenv("VGLAB_STORE", "memory")
    runner.forget_results()
    yield
    runner.forget_results()


def _open(path: str, **link: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(link)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_opens_in_its_language_and_every_link_carries_it():
    at = _open("pages/gradient_flow.py", lang="zh", **FAST)
    assert at.session_state["lang"] == "zh"
    assert at.query_params["lang"] == "zh"
    at = _open("pages/gradient_flow.py", **FAST)
    assert at.session_state["lang"] == "en" and at.query_params["lang"] == "en"


def test_switching_language_keeps_every_control_and_trains_nothing_again():
    """A reader sets a control whose shown values are words (the init scheme) and one
    that is a number, then switches to Chinese and back: each control keeps its value,
    the link its settings, and the run is the one already stored: trained once for
    readers of both languages."""
    at = _open("pages/gradient_flow.py", **FAST)
    at.selectbox(key="init").set_value("xavier")
    at.slider(key="depth").set_value(2)
    at.run()
    base = PAGE_EXPERIMENTS["gradient_flow"].config
    shown = base.replace(init="xavier", hidden=(base.hidden[0],) * 2, epochs=1, n_seeds=1,
                         train_size=200)
    store = runner.result_store()
    assert store.trainings(shown) == 1
    for lang in ("zh", "en", "zh"):
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert at.selectbox(key="init").value == "xavier"
        assert at.slider(key="depth").value == 2
        assert at.query_params["lang"] == lang
    assert store.trainings(shown) == 1


def test_a_language_the_lab_has_not_is_told_and_english_used():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lang": "fr"})
    at.run()                # the welcome page
    assert at.session_state["lang"] == "en"
    (warning,) = [w.value for w in at.warning if "lang" in w.value]
    assert "`lang=fr` is not one of: en, zh" in warning
    assert "the default is used instead" in warning
