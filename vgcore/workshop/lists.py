"""Lists in the reader's language: the punctuation that joins a list's items is a message
too, since Chinese joins items with 、 and clauses with ； where English writes ", " and
"; ". Used by the workshop's sentences (exercises' checks, cures, uploads)."""
from __future__ import annotations

from functools import reduce
from typing import Iterable

from vgcore.i18n import tr


def listing(items: Iterable[str]) -> str:
    """Items as one list: 'a, b, c' ('a、b、c'); '' for none."""
    parts = [str(i) for i in items]
    return reduce(lambda first, then: tr("{first}, {then}", first=first, then=then),
                  parts) if parts else ""


def clauses(items: Iterable[str]) -> str:
    """Clauses of one sentence: 'a; b; c' ('a；b；c'); '' for none."""
    parts = [str(i) for i in items]
    return reduce(lambda first, then: tr("{first}; {then}", first=first, then=then),
                  parts) if parts else ""


__all__ = ["listing", "clauses"]
