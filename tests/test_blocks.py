"""app.blocks.chart: a single view is fitted to its column, panels keep their size and
scroll inside their own box (the real-browser suite checks both on every page)."""
from __future__ import annotations

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

    def altair_chart(self, chart, width):
        self.calls.append((chart.to_dict(), width))


def test_a_single_view_is_fitted_to_its_column_and_panels_keep_their_size():
    where = _Recorder()
    blocks.chart(LINE, where)
    blocks.chart(LINE.facet(facet="g:N", columns=2), where)
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
