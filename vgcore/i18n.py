"""Words in the reader's language: gettext catalogs made and kept with Babel.

Every sentence, label and title a reader sees is written in English in the source and
looked up in the reader's language when it is made:

    tr("Diverged at epoch {epoch}", epoch=3)          # one message, its {placeholders}
    trn("{n} seed", "{n} seeds", n)                   # a message with a plural (n fills {n})
    N_("Gradient clipping")                           # marked for the catalog, looked up
                                                      # later with tr(label)

The language is the reader's, not the process's: two visitors of one server read two
languages at once, so nothing is ever installed process-wide. `tr` reads the language
of the current context (a ContextVar: each thread, and each Streamlit script run, has
its own); the app sets it at the top of every script run (`use`), a notebook or the CLI
reads English unless it says otherwise (`speaking`). Results never hold words (DESIGN):
the same result reads in either language.

Catalogs: `vgcore/locale/vglab.pot` (extracted from the source), one
`vgcore/locale/<lang>/LC_MESSAGES/vglab.po` per language and its compiled `.mo`, which is
what is loaded (`babel.support.Translations`). README, "Translations", has the commands
that re-extract, update and compile them.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, reduce
from pathlib import Path
from typing import Any, Iterable, Iterator

from babel.support import NullTranslations, Translations

# Language code -> its name, written in that language (what the picker shows).
LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"
DOMAIN = "vglab"
LOCALE_DIR = Path(__file__).parent / "locale"
# Each language's Babel locale. Messages format numbers with Python's format specs
# ({acc:.1%}, {n:,}): right for a language whose locale writes numbers as Python does,
# which tests/test_i18n.py checks for every language here.
LOCALES: dict[str, str] = {"en": "en", "zh": "zh_Hans_CN"}

_language: ContextVar[str] = ContextVar("vglab_language", default=DEFAULT)


def N_(message: str) -> str:  # noqa: N802 -- gettext's name for "mark, translate later"
    """`message` itself, marked for the catalog: a label declared before anyone reads it
    (a registry entry, a config field), translated where it is shown with tr(message)."""
    return message


def language_of(code: Any) -> str | None:
    """The language a code names ('zh', 'zh-CN', 'ZH_hans', 'en-GB' ...), or None."""
    if not isinstance(code, str):
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def language() -> str:
    """The language of the current context."""
    return _language.get()


def use(code: str) -> None:
    """Read `code` from now on, in this context (the app: at the top of a script run).
    ValueError for a language without a catalog."""
    lang = language_of(code)
    if lang is None:
        raise ValueError(f"lang: {code!r} is not one of {', '.join(LANGUAGES)}")
    _language.set(lang)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """`code` inside the block, the language before it after."""
    lang = language_of(code)
    if lang is None:
        raise ValueError(f"lang: {code!r} is not one of {', '.join(LANGUAGES)}")
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


@cache
def catalog(lang: str) -> NullTranslations:
    """The compiled catalog of `lang` (English: the source's own words)."""
    if lang == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], DOMAIN)


def tr(message: str, **values: Any) -> str:
    """`message` in the current language, its {placeholders} filled from `values`.
    Every message is a str.format pattern: a literal brace is written doubled."""
    return catalog(language()).gettext(message).format(**values)


def trn(singular: str, plural: str, n: int, **values: Any) -> str:
    """The form of a message for `n` in the current language ({n} filled with n)."""
    text = catalog(language()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


# Lists joined by messages: Chinese joins a list's items with 、 and a sentence's clauses
# with ；, where English writes ", " and "; ".
def listing(items: Iterable[Any]) -> str:
    """Items of one list in the current language: 'a, b, c' ('a、b、c'); '' for none."""
    return _joined(items, N_("{first}, {then}"))


def clauses(items: Iterable[Any]) -> str:
    """Clauses of one sentence in the current language: 'a; b; c' ('a；b；c')."""
    return _joined(items, N_("{first}; {then}"))


def _joined(items: Iterable[Any], message: str) -> str:
    parts = [str(i) for i in items]
    return reduce(lambda first, then: tr(message, first=first, then=then),
                  parts) if parts else ""


__all__ = ["LANGUAGES", "DEFAULT", "DOMAIN", "LOCALE_DIR", "N_", "tr", "trn", "language",
           "language_of", "use", "speaking", "catalog", "listing", "clauses",
           "LOCALES"]
