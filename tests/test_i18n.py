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


# -- the catalogs -------------------------------------------------------------------------
ROOT = i18n.LOCALE_DIR.parents[1]
POT = i18n.LOCALE_DIR / "vglab.pot"
KEYWORDS = ["-k", "tr", "-k", "trn:1,2", "-k", "N_", "--no-default-keywords"]


def _read(path):
    from babel.messages.pofile import read_po
    with open(path, "rb") as f:
        return read_po(f)


def _fields(text: str) -> set[str]:
    import string
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_holds_every_message_of_the_source(tmp_path):
    """vgcore/locale/vglab.pot is what `pybabel extract` finds now (README,
    "Translations"): no message of the source missing from it, none left over."""
    import subprocess
    import sys
    fresh = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", *KEYWORDS, "--no-location", "-q", "-o", str(fresh), "."],
                   cwd=ROOT, check=True)
    ids = {m.id for m in _read(fresh) if m.id}
    assert ids == {m.id for m in _read(POT) if m.id}, \
        "re-extract the catalogs (README, Translations)"


def test_every_message_is_translated_into_chinese_with_its_placeholders():
    """Every message of the template is in the Chinese catalog, translated (not empty,
    not fuzzy), with the same {placeholders} (a plural's one Chinese form holds those
    of both English forms)."""
    zh = {m.id: m for m in _read(i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "vglab.po")
          if m.id}
    problems = []
    for message in _read(POT):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        got = zh.get(message.id)
        strings = () if got is None else (got.string if isinstance(got.string, tuple)
                                          else (got.string,))
        if got is None or not all(s and s.strip() for s in strings) or got.fuzzy:
            problems.append(f"not translated: {ids[0]!r}")
            continue
        want = set().union(*(_fields(i) for i in ids))
        if any(_fields(s) != want for s in strings):
            problems.append(f"placeholders differ: {ids[0]!r}")
    assert not problems, "\n".join(problems[:40])


def test_the_compiled_catalog_is_the_translations():
    """The .mo the app loads says what the .po says (compile after every change)."""
    import gettext
    from babel.messages.mofile import write_mo
    import io
    po = _read(i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "vglab.po")
    fresh = io.BytesIO()
    write_mo(fresh, po)
    fresh.seek(0)
    with open(i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "vglab.mo", "rb") as f:
        shipped = gettext.GNUTranslations(f)
    assert gettext.GNUTranslations(fresh)._catalog == shipped._catalog
