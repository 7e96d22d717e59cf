"""Several runs on one chart (workshop uploads, presets against published curves)."""
from __future__ import annotations

from typing import Mapping

import altair as alt
import pandas as pd

from vgcore.results import registry_order

from ._common import (FACET_HEIGHT, FACET_WIDTH, HEIGHT, WIDTH,
                      _activation_label_expr, _check_choice, _data, _facet_by_activation,
                      _highlight, _legend, _legend_select, _require, _title, _tooltip)
from .curves import _epoch_x, _metric_rows, _metric_y, _split_dash
from .palette import ACTIVATION_COLORS, HEAD_COLORS, _fixed_colors


def overlay_chart(history_df: pd.DataFrame, metric: str = "loss", split: str | None = "test",
                  series: str = "run", *, log_y: bool = True, width: int | str = WIDTH,
                  height: int = HEIGHT, colors: Mapping[str, str] | None = None
                  ) -> alt.Chart:
    """Curves of several runs (e.g. uploaded by workshop participants) on one chart, one
    colour per `series` value (`colors` fixes some). `split=None` draws both splits
    (dashed = test). Runs that
    hold several activations get one panel per activation, so a file's four nets are
    four panels of one colour, not four lines nobody can tell apart."""
    _check_choice("metric", metric, ["loss", "accuracy"])
    _require(history_df, [series, "epoch", metric] + (["split"] if split else []),
             "history_df")
    df = _metric_rows(history_df, metric, log_y)
    if split is not None:
        df = df[df["split"].astype(str) == split]
    df[series] = df[series].astype(str)
    names = (registry_order(df[series]) if series == "activation"
             else list(dict.fromkeys(df[series])))
    # Activations and heads keep their colours from every other chart; other series take
    # the category colours in order, as in init_comparison_chart, so runs match on both.
    known = dict(colors) if colors else ACTIVATION_COLORS if series == "activation" else \
        HEAD_COLORS if set(names) & set(HEAD_COLORS) else {}
    extra = [c for c in ("activation", "seed", "split") if c in df and c != series]
    select = _legend_select(series)
    encodings: dict[str, object] = {}
    if split is None and "split" in df:
        encodings["strokeDash"] = _split_dash()
    if extra:  # one line per (run, activation, seed), never zig-zagging between them
        encodings["detail"] = [f"{c}:N" for c in extra]
    facet = series != "activation" and "activation" in df and df["activation"].nunique() > 1
    chart = (alt.Chart() if facet else alt.Chart(_data(df))).mark_line(
        point=alt.OverlayMarkDef(size=16, filled=True)).encode(
        x=_epoch_x(df["epoch"]),
        y=_metric_y(metric, log_y, df[metric]),
        color=alt.Color(f"{series}:N", scale=_fixed_colors(names, known), sort=names,
                        legend=_legend(series.replace("_", " "), **(
                            {"labelExpr": _activation_label_expr()}
                            if series == "activation" else {}))),
        opacity=_highlight(select),
        tooltip=_tooltip(series, *extra, "epoch", metric),
        **encodings,
    ).add_params(select)
    where = f"{split} set" if split else "training and test sets"
    title = _title(f"{metric.capitalize()} of every run on the {where}",
                   "click a legend entry to highlight one run" +
                   ("; one panel per activation" if facet else ""))
    if facet:
        return _facet_by_activation(chart.properties(width=FACET_WIDTH, height=FACET_HEIGHT),
                                    df).properties(title=title)
    return chart.properties(width=width, height=height, title=title)
