"""app.blocks.chart: a single view is fitted to its column, panels keep their size and
scroll inside their own box (the real-browser suite checks both on every page); what it
draws for a stored result is kept and sent again without drawing, keyed by the result's
store key, the builder and every argument; a partial result is never kept."""
from __future__ import annotations

import dataclasses

import altair as alt
import pandas as pd
import pytest

from app import blocks
from vgcore import charts

DATA = pd.DataFrame({"x": [0, 1, 2, 0, 1, 2], "y": [1.0, 2.0, 3.0, 2.0, 1.0, 0.5],
                     "g": ["a"] * 3 + ["b"] * 3})
LINE = alt.Chart(DATA).mark_line().encode(x="x:Q", y="y:Q", color="g:N")


@pytest.mark.parametrize("chart, single", [
    (LINE, True),
    (LINE + LINE.mark_point(), True),                       # layers share one pair of axes
    (LINE.encode(column="g:N"), False),                     # a facet channel
    (LINE.facet(facet="g:N", columns=2), False),
    (LINE | LINE, False), (LINE & LINE, False),
    (alt.concat(LINE, LINE, columns=2), False),
])
def test_which_charts_are_a_single_view(chart, single):
    assert blocks.is_single_view(chart) is single


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[dict, object]] = []

    def vega_lite_chart(self, spec, width):
        self.calls.append((spec, width))


def test_a_single_view_is_fitted_to_its_column_and_panels_keep_their_size():
    where = _Recorder()
    blocks.chart(LINE, where=where)
    blocks.chart(LINE.facet(facet="g:N", columns=2), where=where)
    (single, single_width), (panels, panels_width) = where.calls
    assert single_width == blocks.SINGLE_VIEW_MAX_PX
    assert single["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert panels_width == "content"
    assert panels["autosize"] == {"type": "pad", "contains": "padding"}
    assert "overflow-x: auto" in blocks.PAGE_STYLE     # where the panels scroll


def test_every_vgcore_chart_kind_is_classified():
    """The network picture is panels (one per net), the gradient bars one view."""
    layers = pd.DataFrame({"activation": ["relu"] * 2, "seed": [0, 0], "epoch": [0, 0],
                           "layer": [1, 2], "layer_name": ["hidden 1", "hidden 2"],
                           "weight_grad_norm": [0.1, 0.2], "bias_grad_norm": [0.1, 0.2],
                           "act_mean": [0.1, 0.2], "act_std": [1.0, 1.0],
                           "saturation": [0.0, 0.0]})
    assert blocks.is_single_view(charts.grad_norm_bars(layers, epoch=0))


# ---------------------------------------------------------------------------------------
# What is drawn for a stored result is drawn once
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stored():
    """A finished run of a tiny config: what the store would hold."""
    from vgcore import ExperimentConfig
    from vgcore.runs import run_config
    return run_config(ExperimentConfig(dataset="xor", train_size=64, test_size=32,
                                       hidden=(6, 6), activations=("sigmoid", "relu"),
                                       epochs=2, batch_size=16))


@pytest.fixture
def fresh_cache(monkeypatch):
    cache = blocks.KeptCache()
    monkeypatch.setattr(blocks, "kept_cache", lambda: cache)
    return cache


class _Counting:
    """charts.grad_norm_bars, counting its calls."""
    calls = 0

    @staticmethod
    def bars(layers, epoch=0):
        _Counting.calls += 1
        return charts.grad_norm_bars(layers, epoch=epoch)


def test_a_stored_results_chart_is_drawn_once_for_every_visitor(stored, fresh_cache):
    where = _Recorder()
    before = _Counting.calls
    for _ in range(3):
        blocks.chart(_Counting.bars, stored.layers, epoch=0, of=stored, where=where)
    assert _Counting.calls - before == 1
    assert len(where.calls) == 3 and where.calls[0] == where.calls[1] == where.calls[2]
    blocks.chart(_Counting.bars, stored.layers, epoch=1, of=stored, where=where)
    assert _Counting.calls - before == 2, "another argument is another chart"
    assert len(fresh_cache) == 2


def test_the_key_names_the_result_the_builder_and_every_argument(stored):
    key = blocks.drawn_key(charts.grad_norm_bars, (stored.layers,), {"epoch": 0}, stored)
    assert key is not None
    other_seed = dataclasses.replace(stored, config=stored.config.replace(seed=1))
    assert key != blocks.drawn_key(charts.grad_norm_bars, (other_seed.layers,),
                                   {"epoch": 0}, other_seed)
    assert key != blocks.drawn_key(charts.grad_norm_bars, (stored.layers,), {"epoch": 1},
                                   stored)
    assert key != blocks.drawn_key(charts.grad_norm_lines, (stored.layers,), {"epoch": 0},
                                   stored)
    # another frame of the same result is another chart
    assert key != blocks.drawn_key(charts.grad_norm_bars, (stored.history,), {"epoch": 0},
                                   stored)
    assert key == blocks.drawn_key(charts.grad_norm_bars, (stored.layers,), {"epoch": 0},
                                   stored)


def test_a_partial_or_time_capped_result_or_a_derived_frame_is_never_kept(stored):
    partial = dataclasses.replace(stored, finished=False)
    capped = dataclasses.replace(stored, stopped_at=1)
    for result in (partial, capped):
        assert blocks.drawn_key(charts.grad_norm_bars, (result.layers,), {}, result) is None
        assert blocks.drawn_key(charts.grad_norm_bars, (result,), {}) is None
    # a frame that is not one of the result's own cannot be named by its key
    assert blocks.drawn_key(charts.grad_norm_bars, (stored.layers.copy(),), {}, stored) \
        is None
    # a lambda's or a nested function's closure is not part of its name
    assert blocks.drawn_key(lambda: charts.grad_norm_bars(stored.layers), (), {}) is None

    def bars_at(epoch):
        return charts.grad_norm_bars(stored.layers, epoch=epoch)
    assert blocks.drawn_key(bars_at, (0,), {}, stored) is None


def test_a_partial_results_chart_is_drawn_every_time(stored, fresh_cache):
    partial = dataclasses.replace(stored, finished=False)
    before = _Counting.calls
    for _ in range(2):
        blocks.chart(_Counting.bars, partial.layers, of=partial, where=_Recorder())
    assert _Counting.calls - before == 2 and len(fresh_cache) == 0


def test_a_method_builder_is_named_by_its_objects_key(stored):
    from vgcore.workshop.exercises import EXERCISES
    one, two = list(EXERCISES.values())[:2]
    assert blocks.drawn_key(one.chart, (stored,), {}) != \
        blocks.drawn_key(two.chart, (stored,), {})


def test_the_kept_spec_is_the_one_st_altair_chart_sends():
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    spec, width, size = blocks._vega_lite(LINE)
    fitted = LINE.properties(padding=blocks.CHART_PADDING,
                             autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    assert spec == _convert_altair_to_vega_lite_spec(fitted)
    assert width == blocks.SINGLE_VIEW_MAX_PX and size > 0


def test_a_legend_selection_stays_in_the_kept_spec():
    """A legend that picks a series out works in the browser from the spec's params."""
    pick = alt.selection_point(fields=["g"], bind="legend")
    spec, _, _ = blocks._vega_lite(LINE.add_params(pick).encode(
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.2))))
    assert [p["select"]["type"] for p in spec["params"]] == ["point"]
    assert spec["params"][0]["bind"] == "legend"


def test_the_tests_validate_every_chart_against_the_vega_lite_schema(monkeypatch):
    """Validation is skipped on a visitor's request and done in the tests (conftest):
    every page's AppTest validates the charts it draws."""
    assert blocks.VALIDATE_CHARTS
    bad = LINE.copy()
    bad.mark = "no-such-mark"                  # attribute assignment is not checked
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="no-such-mark"):
        blocks._vega_lite(bad)
    monkeypatch.setattr(blocks, "VALIDATE_CHARTS", False)
    blocks._vega_lite(bad)          # a visitor's request does not pay for the check


def test_the_kept_charts_are_bounded_in_entries_and_bytes():
    spec = {"mark": "point"}
    cache = blocks.KeptCache(entries=3, max_bytes=800)
    for i in range(5):
        cache.put(str(i), spec, 10)
    assert len(cache) == 3 and cache.get("0") is None and cache.get("4") is spec
    cache.put("big", spec, 90)
    cache.put("bigger", spec, 101)                     # over an eighth of the budget
    assert cache.get("big") is spec and cache.get("bigger") is None
    for i in range(10):
        cache.put(f"b{i}", spec, 100)
    assert cache.bytes <= 800 and len(cache) <= 3


def test_a_drawn_chart_takes_no_builder_arguments():
    with pytest.raises(TypeError):
        blocks.chart(LINE, DATA, where=_Recorder())


def test_inline_records_are_kept_as_the_arrow_bytes_streamlit_would_send():
    """vgcore's charts carry their data as inline records: kept as Arrow, the datasets a
    visitor is sent are byte for byte those st.altair_chart makes on every request."""
    from streamlit.elements.vega_charts import (_convert_altair_to_vega_lite_spec,
                                                _marshall_chart_data)
    from streamlit.proto.VegaLiteChart_pb2 import VegaLiteChart
    inline = alt.Chart(alt.InlineData(values=DATA.to_dict(orient="records"))).mark_line(
    ).encode(x="x:Q", y="y:Q", color="g:N")
    spec, _, size = blocks._vega_lite(inline)
    assert all(isinstance(d, bytes) for d in spec["datasets"].values()) and size > 0
    sent = []
    for s in (dict(spec), _convert_altair_to_vega_lite_spec(inline.properties(
            padding=blocks.CHART_PADDING,
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding")))):
        proto = VegaLiteChart()
        _marshall_chart_data(proto, s)
        sent.append([(d.name, d.data.data) for d in proto.datasets])
    assert sent[0] == sent[1] and sent[0]


_SAID_CALLS: list[int] = []


def _said(layers, epoch=0):
    """speed_sentences, counting its calls (a module function: a closure is never kept)."""
    from vgcore.results import speed_sentences
    _SAID_CALLS.append(epoch)
    return speed_sentences(layers, epoch=epoch)


def test_a_sentence_about_a_stored_result_is_made_once(stored, fresh_cache):
    from vgcore.results import speed_sentences
    said, calls = _said, _SAID_CALLS
    calls.clear()
    first = blocks.kept(said, stored.layers, epoch=0, of=stored)
    assert first == speed_sentences(stored.layers, epoch=0) and first
    assert blocks.kept(said, stored.layers, epoch=0, of=stored) is first
    assert calls == [0]
    partial = dataclasses.replace(stored, finished=False)
    blocks.kept(said, partial.layers, epoch=0, of=partial)
    blocks.kept(said, partial.layers, epoch=0, of=partial)
    assert calls == [0, 0, 0], "a partial result's words are made every time"


def test_what_is_kept_holds_words_so_each_language_keeps_its_own(stored, fresh_cache):
    """A chart and a sentence kept for an English reader are not shown to a Chinese one:
    the key holds the language, and each language's words are made once."""
    import json

    from vgcore.i18n import speaking
    from vgcore.results import speed_sentences
    where = _Recorder()
    blocks.chart(charts.grad_norm_bars, stored.layers, epoch=0, of=stored, where=where)
    with speaking("zh"):
        blocks.chart(charts.grad_norm_bars, stored.layers, epoch=0, of=stored, where=where)
        chinese = blocks.kept(_said, stored.layers, epoch=0, of=stored)
        assert chinese == speed_sentences(stored.layers, epoch=0)
    english = blocks.kept(_said, stored.layers, epoch=0, of=stored)
    assert len(fresh_cache) == 4
    assert english != chinese
    titles = [json.dumps(spec.get("title"), ensure_ascii=False) for spec, _ in where.calls]
    assert "Gradient" in titles[0] and "梯度" in titles[1] and "梯度" not in titles[0]


def test_a_tables_columns_fit_a_projector_in_either_language():
    """column_widths: each column as wide as its longest text needs (a CJK character
    twice a Latin letter), the widest narrowed first until the table fits TABLE_MAX_PX."""
    short = pd.DataFrame({"a": ["x"], "b": ["y" * 10]})
    widths = blocks.column_widths(short)
    assert widths["b"] > widths["a"] and sum(widths.values()) < blocks.TABLE_MAX_PX
    assert blocks.column_widths(pd.DataFrame({"列": ["梯度" * 5]}))["列"] == \
        blocks.column_widths(pd.DataFrame({"列": ["ab" * 10]}))["列"]
    wide = pd.DataFrame({"quantity": ["4 layers: hidden 1 bias-gradient norm"],
                         "ours": ["0.05168 (0.02952–0.07308)"], "ok": ["✓"],
                         "tolerance": ["within ×3 of published (0.0233 to 0.21) " * 3]})
    widths = blocks.column_widths(wide)
    assert sum(widths.values()) <= blocks.TABLE_MAX_PX
    assert widths["ok"] == blocks.column_widths(wide[["ok"]])["ok"], "a narrow one keeps its width"
    assert widths["tolerance"] == max(widths.values())
