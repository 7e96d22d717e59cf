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


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_every_language_writes_numbers_as_the_messages_format_specs_do(lang):
    """Messages format numbers with Python's specs ({acc:.1%}, {n:,}, {x:.3g}): that is
    right only while each language's locale (CLDR, through Babel) writes the same
    decimal point, grouping and percent sign. A language that writes 84,2 % needs its
    numbers formatted by Babel instead."""
    from babel.numbers import format_decimal, format_percent
    locale = i18n.LOCALES[lang]
    assert format_percent(0.842, locale=locale) == f"{0.842:.0%}"
    assert format_percent(0.8425, "#,##0.0%", locale=locale) == f"{0.8425:.1%}"
    assert format_decimal(12345.678, "#,##0.0", locale=locale) == f"{12345.678:,.1f}"

# -- the catalogs -------------------------------------------------------------------------
def test_the_template_holds_every_message_of_the_source():
    """vgcore/locale/vglab.pot is what the source holds now (`python -m vgcore.catalogs`,
    README "Translations"): no message missing from it, none left over."""
    from vgcore import catalogs
    fresh = {m.id for m in catalogs.extract() if m.id}
    assert fresh == {m.id for m in catalogs.read(catalogs.TEMPLATE) if m.id}, \
        "re-extract the catalogs: python -m vgcore.catalogs"


def test_every_message_is_translated_into_chinese_with_its_placeholders():
    """Every message of the template is in the Chinese catalog, translated (not empty,
    not fuzzy), with the same {placeholders} (a plural's one Chinese form holds those
    of both English forms)."""
    from vgcore import catalogs
    template = catalogs.read(catalogs.TEMPLATE)
    zh = catalogs.read(catalogs.po_path("zh"))
    missing = [f"not in the catalog: {m.id!r}" for m in template
               if m.id and zh.get(m.id) is None]
    problems = missing + catalogs.problems(zh)
    assert not problems, "\n".join(problems[:40])


def test_the_compiled_catalog_is_the_translations():
    """The .mo the app loads says what the .po says (compile after every change)."""
    import gettext
    import io

    from babel.messages.mofile import write_mo

    from vgcore import catalogs
    fresh = io.BytesIO()
    write_mo(fresh, catalogs.read(catalogs.po_path("zh")))
    fresh.seek(0)
    with open(catalogs.po_path("zh").with_suffix(".mo"), "rb") as f:
        shipped = gettext.GNUTranslations(f)
    assert gettext.GNUTranslations(fresh)._catalog == shipped._catalog


def test_a_brace_message_with_a_percent_sign_is_not_a_percent_format(tmp_path):
    """'100% on its' holds no %-placeholder: Babel's own checks, which `pybabel compile`
    runs, pass a Chinese translation with text after 100% once the catalog is read with
    vgcore.catalogs; our brace check still finds a translation with other placeholders."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from vgcore import catalogs
    catalog = Catalog(locale="zh")
    catalog.add("{net} reaches 100% on its training set", "{net} 在训练集上达到 100%")
    catalog.add("{n} of {total}", "{n} / {all}")
    catalog.add("epoch {epoch}", "")
    path = tmp_path / "zh.po"
    with open(path, "wb") as f:
        write_po(f, catalog)
    assert list(catalog.check()), "Babel alone misreads '100% on' as a %-format"
    read = catalogs.read(path)
    assert list(read.check()) == []
    assert catalogs.problems(read) == ["placeholders differ: '{n} of {total}'",
                                       "not translated: 'epoch {epoch}'"]


def test_lists_and_clauses_take_each_languages_punctuation():
    assert i18n.listing(["a", "b", "c"]) == "a, b, c" and i18n.listing([]) == ""
    assert i18n.clauses(["a", "b"]) == "a; b"
    with speaking("zh"):
        assert i18n.listing(["甲", "乙", "丙"]) == "甲、乙、丙"
        assert i18n.clauses(["甲", "乙"]) == "甲；乙"
