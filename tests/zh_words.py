"""What may stay in Latin letters in a page read in Chinese, and the English left beside
it: used by the AppTest reading (tests/test_zh_pages.py) and the browser's
(tests/test_browser.py)."""
from __future__ import annotations

import re

# Names that stay as they are in Chinese text, and the English of a term in brackets.
NAMES = re.compile(
    r"(Glorot|Bengio|Nielsen|Hochreiter|Schmidhuber|Ioffe|Szegedy|He et al\.|Kaiming|"
    r"Xavier|LeCun|Hinton|Pascanu|Mikolov|Karpathy|Gers|Cho|Zhang|Ren|Sun|Osindero|Teh|"
    r"Lamblin|Popovici|Larochelle|Bordes|Jozefowicz|Zaremba|Sutskever|"
    r"Neural Networks and Deep Learning)")
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ '\-][A-Za-z][a-z]+){2,}\b")


def prose(text: str) -> str:
    """`text` without what may stay in Latin letters: code, links' targets, bracketed
    English terms, names, formulas' letters."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)             # a link's target
    text = re.sub(r"（[^（）]*）", " ", text)              # 梯度消失（vanishing gradient）
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r":material/[a-z_]+:", " ", text)
    return NAMES.sub(" ", text)


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words left in `text` once `prose` has taken out
    what may stay."""
    return ENGLISH_RUN.findall(prose(text))
