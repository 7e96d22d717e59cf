"""Keep the message catalogs (vgcore/locale) in step with the source, with Babel:

    python -m vgcore.catalogs            # extract the template, update and compile each language

prints every message a language still lacks, or whose {placeholders} differ from its
English, and exits 1 while there is one (tests/test_i18n.py asserts the same).

Every message is a str.format pattern (vgcore.i18n): Babel also reads a text like
"100% on its" as a %-format ("% o") and `pybabel compile` then calls the Chinese
translation incompatible, so this compiles with the brace check instead of that one.
"""
from __future__ import annotations

import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from vgcore.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = LOCALE_DIR.parents[1]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
# tr(message), trn(singular, plural, n), N_(label): vgcore.i18n's three markers
KEYWORDS = {"tr": None, "trn": (1, 2), "N_": None}
SOURCES = ("streamlit_app.py", "app", "pages", "vgcore")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _brace_only(message: Message) -> Message:
    message.flags.discard("python-format")
    return message


def source_files() -> list[Path]:
    """The files a reader's words live in: the app, its pages and the library."""
    return sorted(p for source in SOURCES for p in
                  ([ROOT / source] if source.endswith(".py") else (ROOT / source).rglob("*.py")))


def extract() -> Catalog:
    """Every message of the source, as the template (sorted, no locations, so that the
    file changes only when a message does)."""
    template = Catalog(project="Vanishing Gradient Lab", fuzzy=False)
    for path in source_files():
        for _lineno, message, _comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS):
            template.add(message, context=context)
    for message in template:
        _brace_only(message)
    return template


def fields(text: str) -> set[str]:
    """The {placeholders} of a str.format pattern."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(catalog: Catalog) -> list[str]:
    """What a language's catalog lacks: messages not translated (empty or fuzzy) and
    translations whose placeholders are not their English's (a plural's one Chinese form
    holds those of both English forms)."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            out.append(f"not translated: {ids[0]!r}")
        elif any(fields(s) != set().union(*map(fields, ids)) for s in strings):
            out.append(f"placeholders differ: {ids[0]!r}")
    return out


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, catalog, width=88, no_location=True, sort_output=True)


def read(path: Path) -> Catalog:
    with open(path, "rb") as f:
        catalog = read_po(f)
    for message in catalog:
        _brace_only(message)
    return catalog


def update(template: Catalog, lang: str) -> Catalog:
    """`lang`'s catalog with the template's messages: new ones empty, gone ones dropped
    (no fuzzy guesses: a guessed translation of another sentence is wrong)."""
    path = po_path(lang)
    catalog = read(path) if path.exists() else Catalog(locale=lang, domain=DOMAIN)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    return catalog


def compile_catalog(catalog: Catalog, lang: str) -> None:
    with open(po_path(lang).with_suffix(".mo"), "wb") as f:
        write_mo(f, catalog)


def main() -> int:
    template = extract()
    _write(template, TEMPLATE)
    status = 0
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        catalog = update(template, lang)
        _write(catalog, po_path(lang))
        compile_catalog(catalog, lang)
        missing = problems(catalog)
        print(f"{lang}: {len(template)} messages, {len(missing)} to translate "
              f"({po_path(lang).relative_to(ROOT)})")
        for line in missing:
            print(f"  {line}")
        status = status or int(bool(missing))
    return status


if __name__ == "__main__":
    sys.exit(main())
