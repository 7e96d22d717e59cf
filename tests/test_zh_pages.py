"""Every page read in Chinese (?lang=zh, AppTest): its prose, controls, tables and charts'
words are Chinese. What may stay in Latin letters is what the issue keeps: names
(sigmoid, ReLU, LSTM, Glorot & Bengio), formulas, numbers, code and the English term in
brackets after its Chinese one. A run of three or more English words anywhere else is a
sentence the catalog missed."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from zh_words import english_runs

from app import runner
from app.catalog import PAGES
from tests.test_app import _ids, open_page

# Small runs: every sentence a result makes is still made (2 seeds: the counted ones).
LINK = {"lang": "zh", "epochs": "2", "n_seeds": "2"}
def _chart_words(spec: dict) -> list[str]:
    """A Vega-Lite spec's words a reader sees: titles, subtitles, axis and legend
    titles (not field names, expressions or data)."""
    found = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("title", "subtitle", "text") and key != "datasets":
                    found.extend(_strings(v))
                elif k not in ("datasets", "data", "field", "expr", "test", "calculate",
                               "filter", "as", "param", "name", "signal", "value"):
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
    walk(spec)
    return found


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k in ("text", "subtitle") for s in _strings(v)]
    return []


def page_words(at) -> list[str]:
    """Everything a reader of the page reads: markdown, captions, titles, notices,
    controls' labels, help and options, tables' headers and text cells, charts' words."""
    texts = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                 "error", "success", "exception", "metric"):
        texts += [str(e.value) for e in at.get(kind)]
    for kind in ("selectbox", "multiselect", "slider", "select_slider", "number_input",
                 "radio", "toggle", "checkbox", "button", "text_input", "segmented_control",
                 "expander", "tab"):
        for e in at.get(kind):
            texts.append(str(getattr(e, "label", "") or ""))
            texts.append(str(getattr(e, "help", "") or ""))
            texts += [str(o) for o in getattr(e, "options", []) or []]
    for e in at.get("arrow_data_frame") + at.get("dataframe") + at.get("table"):
        frame = e.value
        texts += [str(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object:
                texts += [str(v) for v in frame[col].head(40)]
    for e in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        texts += _chart_words(json.loads(e.proto.spec))
    return [t for t in texts if t.strip()]


@pytest.fixture(scope="module", autouse=True)
def _memory_store():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VGLAB_STORE", "memory")
        runner.forget_results()
        yield
        runner.forget_results()


@pytest.mark.parametrize("spec", PAGES, ids=_ids(PAGES))
def test_every_page_reads_in_chinese(spec):
    at = open_page(spec.path, **LINK)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == "zh"
    words = page_words(at)
    assert any(re.search(r"[\u4e00-\u9fff]", w) for w in words), Path(spec.path).stem
    left = sorted({run for w in words for run in english_runs(w)})
    assert not left, f"{Path(spec.path).stem}: English left: {left}"


def _colour_ranges(at) -> list[list[str]]:
    """Every colour scale's range, chart by chart, in order."""
    ranges = []

    def walk(node):
        if isinstance(node, dict):
            scale = node.get("scale") if node.get("field") or node.get("type") else None
            if isinstance(scale, dict) and isinstance(scale.get("range"), list) and \
                    all(isinstance(c, str) and c.startswith("#") for c in scale["range"]):
                ranges.append(scale["range"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for e in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        walk(json.loads(e.proto.spec))
    return ranges


@pytest.mark.parametrize("page", ["how_fixed", "exploding", "softmax", "through_time"])
def test_each_series_keeps_its_colour_in_both_languages(page):
    """A net's colour belongs to its registry name, not to the words of its label: the
    cures, init schemes, heads and cells are drawn in the same colours in either
    language (the runs are the ones the Chinese reading above trained)."""
    ranges = {lang: _colour_ranges(open_page(f"pages/{page}.py", **{**LINK, "lang": lang}))
              for lang in ("zh", "en")}
    assert ranges["zh"] and ranges["zh"] == ranges["en"]
