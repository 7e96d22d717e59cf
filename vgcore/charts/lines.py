"""Chart text broken into lines that fit a phone: Latin text at spaces (textwrap), text
with CJK characters, written without spaces between words, also between them, by the
Chinese line-breaking rules (禁则). Widths are in Latin characters, a CJK character
counting as 2 (`vgcore.text.text_width`)."""
from __future__ import annotations

import re
import textwrap

from vgcore.text import is_wide, text_width

# Chinese line-breaking rules (禁则): no line starts with a closing mark or ends with an
# opening one.
_NO_LINE_START = set("，。、；：？！）」』】〉》”’…·%,.;:?!)]}")
_NO_LINE_END = set("（「『【〈《“‘([{")
# A line is best broken after these (or at a space) rather than inside a phrase, and
# outside brackets.
_BREAK_AFTER = set("，。、；：？！）」』】〉》”,;:?!)")
_OPENING, _CLOSING = "（([【「『《〈“", "）)]】」』》〉”"


def text_lines(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` (`text_width`), broken at spaces; text with
    CJK characters (written without spaces between words) also between them."""
    if not any(is_wide(c) for c in text):
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return _wide_lines(text, width)


def _wide_lines(text: str, width: int) -> list[str]:
    """Line filling over pieces that may not be split: a run of Latin letters, digits
    and signs, or one CJK character (closing marks kept with what they close, opening
    marks with what they open); spaces are break points, dropped at a break. A full line
    is broken where it reads best among the places that keep at least 3/5 of it: after a
    punctuation mark (，；：。 …), else at a space, else outside brackets, else before the
    piece that did not fit; a last line under a quarter of the width takes pieces from
    the line above. A piece longer than a line stands on its own line, as textwrap's
    break_long_words=False does."""
    Piece = tuple[str, str]                    # (the spaces before it, the piece)
    pieces: list[Piece] = []
    space = ""
    for run in re.findall(r"\s+|\S", text):
        if run.isspace():
            space = run if pieces else ""
            continue
        last = pieces[-1][1][-1] if pieces else ""
        if not pieces or space:
            pieces.append((space, run))
        elif (is_wide(run) or is_wide(last)) and not (
                run in _NO_LINE_START or last in _NO_LINE_END):
            pieces.append(("", run))                # a break may come between them
        else:   # a Latin word grows; a mark stays with what it closes or opens
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + run)
        space = ""

    def joined(parts: list[Piece]) -> str:
        return "".join(sp + piece for sp, piece in parts).strip()

    def fits(parts: list[Piece]) -> bool:
        return text_width(joined(parts)) <= width

    def kept(parts: list[Piece]) -> bool:     # long enough to end a line early
        return text_width(joined(parts)) * 5 >= width * 3

    def quality(before: list[Piece], after: Piece) -> int:
        """How well a line breaks between `before` and `after`."""
        if before[-1][1][-1] in _BREAK_AFTER:
            return 3
        if after[0]:
            return 2
        head = joined(before)
        return 1 if sum(head.count(c) for c in _OPENING) <= sum(
            head.count(c) for c in _CLOSING) else 0

    lines: list[list[Piece]] = []
    line: list[Piece] = []
    for piece in pieces:
        if not line or fits(line + [piece]):
            line.append(piece)
            continue
        ends = [k for k in range(1, len(line)) if kept(line[:k])] + [len(line)]
        cut = max(ends, key=lambda k: (quality(line[:k], (line + [piece])[k]), k))
        lines.append(line[:cut])
        line = line[cut:] + [piece]
        while len(line) > 1 and not fits(line):
            lines.append(line[:-1])
            line = line[-1:]
    if line:
        lines.append(line)
    # a short last line takes pieces from the line above (which stays long enough)
    while len(lines) > 1 and len(lines[-2]) > 1 and \
            text_width(joined(lines[-1])) * 4 < width and \
            fits(lines[-2][-1:] + lines[-1]) and kept(lines[-2][:-1]):
        lines[-1] = lines[-2][-1:] + lines[-1]
        lines[-2] = lines[-2][:-1]
    return [joined(parts) for parts in lines]


__all__ = ["text_lines"]
