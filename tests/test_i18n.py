"""Words in the reader's language (vgcore/i18n.py): a per-context language, never a
process-wide one; messages as str.format patterns; plurals through the catalog."""
import threading

import pytest

from vgcore import i18n
from vgcore.i18n import N_, language, language_of, speaking, tr, trn


def test_english_is_the_source_and_the_default():
    assert language() == "en"
    assert tr("Diverged at epoch {epoch}", epoch=3) == "Diverged at epoch 3"
    assert trn("{n} seed", "{n} seeds", 1) == "1 seed"
    assert trn("{n} seed", "{n} seeds", 3) == "3 seeds"
    assert tr("a literal {{brace}}") == "a literal {brace}"
    assert N_("Gradient clipping") == "Gradient clipping"


@pytest.mark.parametrize("code, lang", [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"),
                                        ("ZH", "zh"), ("en-GB", "en"), ("fr", None),
                                        ("", None), (None, None), (3, None)])
def test_language_of_a_code(code, lang):
    assert language_of(code) == lang


def test_a_language_is_the_contexts_not_the_process():
    """Two visitors at once: a thread speaking Chinese leaves another thread English."""
    seen = {}
    inside = threading.Event()
    leave = threading.Event()

    def visitor():
        i18n.use("zh")
        seen["zh"] = language()
        inside.set()
        leave.wait(5)
    t = threading.Thread(target=visitor)
    t.start()
    inside.wait(5)
    seen["en"] = language()
    leave.set()
    t.join(5)
    assert seen == {"zh": "zh", "en": "en"}


def test_speaking_restores_the_language_before():
    with speaking("zh"):
        assert language() == "zh"
        with speaking("en"):
            assert language() == "en"
        assert language() == "zh"
    assert language() == "en"


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="lang: 'fr' is not one of en, zh"):
        i18n.use("fr")
    with pytest.raises(ValueError, match="lang: 'xx' is not one of en, zh"):
        with speaking("xx"):
            pass


def test_numbers_in_each_languages_style():
    assert i18n.percent(0.842) == "84%" and i18n.percent(0.8425, 1) == "84.2%"
    assert i18n.decimal(12345.678, 1) == "12,345.7"
    with speaking("zh"):
        assert i18n.percent(0.842) == "84%"
        assert i18n.decimal(12345.678, 1) == "12,345.7"
