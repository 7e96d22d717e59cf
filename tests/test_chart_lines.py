"""Chart text in lines that fit a phone (vgcore/charts/lines.py): Latin text at spaces,
Chinese also between characters, never starting a line with a closing mark nor ending
one with an opening mark, preferring a break after punctuation."""
import pytest

from vgcore.charts.lines import text_lines
from vgcore.text import text_width

CHINESE = ("每个网络各用一个对数色标，相对于其最大的单元梯度：深色单元几乎不学习，"
           "红圈单元完全没有梯度；边按 |w| 绘制，值小则淡")


def test_latin_text_breaks_at_spaces_as_textwrap_does():
    assert text_lines("the gradient of each hidden layer at initialisation", 20) == [
        "the gradient of each", "hidden layer at", "initialisation"]


@pytest.mark.parametrize("width", [20, 36, 44, 58])
def test_chinese_lines_fit_and_keep_every_character(width):
    lines = text_lines(CHINESE, width)
    assert all(text_width(line) <= width for line in lines), lines
    assert "".join(lines).replace(" ", "") == CHINESE.replace(" ", "")
    assert len(lines) > 1


@pytest.mark.parametrize("width", [20, 30, 44])
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(width):
    text = "梯度消失（vanishing gradient）：第一层的梯度比最后一层小约 100 倍，因此它学得慢。" * 2
    for line in text_lines(text, width):
        assert line[0] not in "，。、；：）」』】〉》”", line
        assert line[-1] not in "（「『【〈《“", line


def test_a_line_breaks_after_punctuation_when_that_keeps_most_of_it():
    """Chinese may break between any two characters; a punctuation mark is preferred
    where the line keeps at least 3/5 of its width."""
    assert text_lines(CHINESE, 58)[0].endswith("："), text_lines(CHINESE, 58)


def test_a_latin_word_inside_chinese_is_never_split():
    lines = text_lines("网络图：每个单元按其梯度 gradient 着色，每条边按 weight 绘制" * 2, 16)
    words = " ".join(lines)
    assert "gradient" in words and "weight" in words
    assert not any(line.endswith(("gradi", "wei")) for line in lines)
