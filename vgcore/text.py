"""Text from outside (links, uploaded files, stored notes) as inert Markdown: whatever it
holds, it is shown as the characters it is, never as a heading, link, image, HTML,
emphasis, icon (:material/…:), colour (:red[…]) or LaTeX ($…$)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

# Unicode categories never shown: controls (newlines, ANSI escapes), format characters
# (bidi overrides that reorder the text around them, zero-width ones), surrogates, and
# line/paragraph separators; any of them can end a code span or disguise a name.
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def visible(s: str) -> str:
    return "".join("?" if unicodedata.category(c) in _HIDDEN else c for c in s)


def one_line(text: Any, limit: int) -> str:
    """`text` as one line of plain characters that cannot end a Markdown code span: every
    control or format character -> '?', backticks -> "'", cut to `limit` characters
    with '…' after a cut."""
    s = str(text)
    cut = len(s) > limit
    return visible(s[:limit]).replace("`", "'") + ("…" if cut else "")


def quote(text: Any, limit: int = 40) -> str:
    """`text` as an inert Markdown code span (see `one_line`): inside it Streamlit renders
    no link, image, HTML, emphasis, heading, icon, colour or LaTeX. Empty text is a
    space, since "``" would open a span only a later "``" closes."""
    return f"`{one_line(text, limit) or ' '}`"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|<>$:~=-])")


def escaped(text: Any, limit: int = 400) -> str:
    """`text` as inert Markdown prose: one line (see `one_line`), every character Markdown
    or Streamlit could read as markup backslash-escaped."""
    return _MARKDOWN.sub(r"\\\1", " ".join(one_line(text, limit).split()))


def is_wide(char: str) -> bool:
    """A character drawn about twice as wide as a Latin letter (CJK, full-width forms)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def text_width(text: str) -> int:
    """`text`'s width in Latin characters: a wide (CJK) character counts as 2."""
    return sum(2 if is_wide(c) else 1 for c in text)


__all__ = ["visible", "one_line", "quote", "escaped", "is_wide", "text_width"]
