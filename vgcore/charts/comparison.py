"""Several runs on one chart (workshop uploads, presets against published curves)."""
from __future__ import annotations

from typing import Mapping

import altair as alt
import pandas as pd

from vgcore.i18n import N_, tr
from vgcore.results import activation_label, registry_order
from vgcore.text import text_width

from ._common import (_EPOCH_AXIS, _EPOCH_AXIS_SHORT, FACET_COLUMNS, FACET_HEIGHT,
                      FACET_WIDTH, HEIGHT, WIDTH, _activation_label_expr, _check_choice,
                      _data, _facet_by_activation, _legend, _legend_select, _percent_y,
                      _require, _title, _y, _band_frame, _median_band, _seeds_note,
                      _shown_as, _split_labels, _subtitle)
from .curves import _epoch_x, _metric_rows, _metric_y, _split_dash
from .palette import ACTIVATION_COLORS, HEAD_COLORS, named_colors, series_styles

_SPLIT_PANELS = {"train": N_("training set"), "test": N_("test set")}
# The legend's title: the column the series are named by, in words (others: its name).
_SERIES_TITLES = {"run": N_("run"), "net": N_("net"), "activation": N_("activation"),
                  "cell": N_("cell"), "init": N_("init"), "head": N_("head")}
# A legend entry's width: ~7 px a character (Vega's 10-11 px labels) plus its line symbol.
_LEGEND_CHAR_PX, _LEGEND_SYMBOL_PX = 7, 40
# A single view is fitted to its column, down to a phone's ~340 px: its legend's columns
# must fit that, whatever width the chart was planned at.
_NARROWEST_PX = 340


def _series_legend(title: str, names: list[str], plot_width: int | str,
                   **kwargs: object) -> alt.Legend:
    """Below the plot, in as many columns as fit its width: a room's 30 run names beside
    the plot would take more room than the curves, and a narrow screen has none."""
    room = plot_width if isinstance(plot_width, int) else WIDTH
    entry = _LEGEND_SYMBOL_PX + _LEGEND_CHAR_PX * max(text_width(n) for n in names)
    return _legend(title, orient="bottom", direction="vertical",
                   columns=max(1, min(len(names), room // entry)), symbolType="stroke",
                   symbolStrokeWidth=2, symbolSize=500, **kwargs)


def _panel_y(metric: str, log_y: bool, values: pd.Series) -> alt.Y:
    """A y axis for a 170 px panel: the long title (~250 px) would run into the next
    row's; the chart's title says which split and what the metric means."""
    if metric == "accuracy":
        return _percent_y("accuracy", tr("accuracy"))
    return _y("loss", tr("loss"), log=log_y, values=values)


def overlay_chart(history_df: pd.DataFrame, metric: str = "loss", split: str | None = "test",
                  series: str = "run", *, log_y: bool = True, width: int | str = WIDTH,
                  height: int = HEIGHT, names: Mapping[str, tuple[str, str]] | None = None
                  ) -> alt.Chart | alt.FacetChart:
    """Curves of several runs (e.g. uploaded by workshop participants) on one chart, one
    colour per `series` value (`names`: value -> (group, registry name) takes that name's
    colour from the palette, e.g. a cure's); more values than colours also differ
    in dash (`series_styles`: 30 runs, 30 looks). `split=None` draws both splits: dashed
    = test, or, when dashes tell the runs apart, one panel per split. Runs that hold
    several activations get one panel per activation, so a file's four nets are four
    panels of one look, not four lines nobody can tell apart. The legend sits below the
    plot and highlights the clicked series."""
    _check_choice("metric", metric, ["loss", "accuracy"])
    _require(history_df, [series, "epoch", metric] + (["split"] if split else []),
             "history_df")
    df = _metric_rows(history_df, metric, log_y)
    if split is not None:
        df = df[df["split"].astype(str) == split]
    df[series] = df[series].astype(str)
    order = (registry_order(df[series]) if series == "activation"
             else list(dict.fromkeys(df[series])))
    # Named series, activations and heads keep their colours from every other chart; other series take
    # the category colours in order, as in init_comparison_chart, so runs match on both.
    known = named_colors(names) if names else ACTIVATION_COLORS if series == "activation" \
        else HEAD_COLORS if set(order) & set(HEAD_COLORS) else {}
    styles = series_styles(order, known)
    dashed = len({dash for _, dash in styles}) > 1
    by_activation = (series != "activation" and "activation" in df
                     and df["activation"].nunique() > 1)
    by_split = split is None and "split" in df and dashed
    panels = by_activation or by_split
    plot_width = FACET_WIDTH * (len(_SPLIT_PANELS) if by_split else FACET_COLUMNS) \
        if panels else _NARROWEST_PX
    title = tr(_SERIES_TITLES[series]) if series in _SERIES_TITLES \
        else series.replace("_", " ")
    legend = _series_legend(title, order, plot_width, **(
        {"labelExpr": _activation_label_expr()} if series == "activation" else {}))
    groups = [series, *[c for c in ("activation", "split") if c in df and c != series]]
    # a run file holding several seeds is drawn as its median and range over them
    drawn, n = _band_frame(df, [*groups, "epoch"], metric, log=log_y and metric == "loss")
    select = _legend_select(series)
    shared: dict[str, object] = {"color": alt.Color(
        f"{series}:N", sort=order, legend=legend,
        scale=alt.Scale(domain=order, range=[c for c, _ in styles]))}
    if dashed:   # the same legend as the colour's: Vega-Lite draws one, in both styles
        shared["strokeDash"] = alt.StrokeDash(
            f"{series}:N", sort=order, legend=legend,
            scale=alt.Scale(domain=order, range=[list(dash) for _, dash in styles]))
    elif split is None and "split" in df:
        shared["strokeDash"] = _split_dash()
        shared["strokeDash"].legend = _legend(tr("split"), symbolType="stroke",
                                              orient="bottom", **_shown_as(_split_labels()))
    values = pd.concat([drawn[metric], drawn[f"{metric}_lo"], drawn[f"{metric}_hi"]])
    shared["x"] = _epoch_x(df["epoch"], _EPOCH_AXIS_SHORT if panels else _EPOCH_AXIS)
    chart = _median_band(
        shared, _panel_y(metric, log_y, values) if panels else
        _metric_y(metric, log_y, values), metric, n, select, groups, [*groups, "epoch"],
        line={"point": alt.OverlayMarkDef(size=16, filled=True)},
        data=None if panels else _data(drawn))
    title = _title(_overlay_title(metric, split), _subtitle(
        _seeds_note(n), _overlay_hint(by_activation, by_split)))
    chart = chart.properties(width=FACET_WIDTH, height=FACET_HEIGHT) if panels else \
        chart.properties(width=width, height=height)
    if by_split:
        return _facet_by_panel(chart, drawn, by_activation).properties(title=title)
    if by_activation:
        return _facet_by_activation(chart, drawn).properties(title=title)
    return chart.properties(title=title)


def _overlay_title(metric: str, split: str | None) -> str:
    """"Loss of every run on the test set" …, in the reader's language."""
    if metric == "accuracy":
        if not split:
            return tr("Accuracy of every run on the training and test sets")
        if split == "train":
            return tr("Accuracy of every run on the train set")
        if split == "test":
            return tr("Accuracy of every run on the test set")
        return tr("Accuracy of every run on the {split} set", split=split)
    if not split:
        return tr("Loss of every run on the training and test sets")
    if split == "train":
        return tr("Loss of every run on the train set")
    if split == "test":
        return tr("Loss of every run on the test set")
    return tr("Loss of every run on the {split} set", split=split)


def _overlay_hint(by_activation: bool, by_split: bool) -> str:
    """How to read the overlay: the legend selects a run; what the panels are."""
    if by_activation and by_split:
        return tr("click a legend entry to highlight one run; one panel per activation "
                  "and split")
    if by_activation:
        return tr("click a legend entry to highlight one run; one panel per activation")
    if by_split:
        return tr("click a legend entry to highlight one run; one panel per split")
    return tr("click a legend entry to highlight one run")


def _facet_by_panel(chart: alt.Chart, df: pd.DataFrame, by_activation: bool
                    ) -> alt.FacetChart:
    """One panel per split (and activation): training beside test, an activation a row."""
    acts = registry_order(df["activation"]) if by_activation else [""]
    name = {(a, s): tr("{activation} · {split}", activation=activation_label(a),
                        split=tr(label)) if a else tr(label)
            for a in acts for s, label in _SPLIT_PANELS.items()}
    rows = df["activation"].astype(str) if by_activation else [""] * len(df)
    df = df.assign(panel=[name[(a, s)] for a, s in zip(rows, df["split"].astype(str))])
    return chart.facet(
        facet=alt.Facet("panel:N", sort=list(name.values()), title=None,
                        header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=len(_SPLIT_PANELS), data=_data(df))
