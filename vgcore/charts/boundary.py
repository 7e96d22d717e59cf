"""What a net learned on a 2-D toy set: P(class 1) over the plane with the data on top."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from vgcore.i18n import tr
from vgcore.results import registry_order

from ._common import (FACET_COLUMNS, FACET_WIDTH, _facet_by_activation, _finite,
                      _highlight, _legend, _legend_select, _require, _title, _tooltip)
from .palette import CATEGORY_COLORS, CLASS_COLORS, DIVERGED_COLOR


def decision_boundary_chart(grid_df: pd.DataFrame, points_df: pd.DataFrame, *,
                            seed: int | None = None, columns: int = FACET_COLUMNS,
                            size: int = FACET_WIDTH,
                            summary_df: pd.DataFrame | None = None) -> alt.FacetChart:
    """Per activation: P(class 1) over the plane (diverging blue–orange, 0..1) with the
    data on top; shape and fill say the class, hollow marks are test points. With the
    run's `summary_df`, a net that diverged keeps its panel: the data and a note saying
    so (otherwise its slot stayed empty with a stray axis)."""
    _require(grid_df, ["activation", "x1", "x2", "prob"], "grid_df")
    _require(points_df, ["x1", "x2", "label", "split"], "points_df")
    grid = _grid_cells(grid_df, seed)
    points = _finite(points_df, ["x1", "x2"])
    points["label"] = points["label"].astype(str)
    points["split"] = points["split"].astype(str)
    # Facets partition one data set, so the points are repeated for every activation
    # that has a boundary; a diverged net's panel holds only its note.
    names = registry_order(grid["activation"])
    notes = _no_boundary_notes(summary_df, grid_df, seed, names)
    points = pd.concat([points.assign(activation=name, kind="point") for name in names],
                       ignore_index=True) if names else points.assign(kind="point")
    df = pd.concat([grid, points, notes], ignore_index=True)
    labels = sorted(points["label"].unique().tolist())
    layered = alt.layer(*_boundary_layers(labels, size)).properties(width=size, height=size)
    return _facet_by_activation(layered, df, columns).properties(title=_title(
        tr("What each net learned: probability of class 1 over the plane"),
        tr("filled marks: training points; hollow: test points")))


def _grid_cells(grid_df: pd.DataFrame, seed: int | None) -> pd.DataFrame:
    """The finite grid points of one seed (default: the smallest) as cells: rectangles
    centred on the points (regular grid; step = median gap)."""
    grid = grid_df
    if "seed" in grid:
        grid = grid[grid["seed"] == (grid["seed"].min() if seed is None else seed)]
    grid = _finite(grid, ["x1", "x2", "prob"])
    grid["activation"] = grid["activation"].astype(str)
    for axis in ("x1", "x2"):
        ticks = np.unique(grid[axis].to_numpy())
        half = 0.5 * (float(np.median(np.diff(ticks))) if ticks.size > 1 else 1.0)
        grid[f"{axis}_lo"], grid[f"{axis}_hi"] = grid[axis] - half, grid[axis] + half
    grid["kind"] = "grid"
    return grid


def _no_boundary_notes(summary_df: pd.DataFrame | None, grid_df: pd.DataFrame,
                       seed: int | None, names: list[str]) -> pd.DataFrame:
    """A note for each net of the seed shown that diverged and so has no boundary (not
    among `names`, the activations that have one)."""
    if summary_df is None:
        return pd.DataFrame(columns=["activation", "note", "kind"])
    _require(summary_df, ["activation", "seed", "diverged_at"], "summary_df")
    shown = seed if seed is not None else (grid_df["seed"].min() if "seed" in grid_df
                                           and not grid_df.empty
                                           else summary_df["seed"].min())
    gone = summary_df[(summary_df["seed"] == shown) & summary_df["diverged_at"].notna()
                      & ~summary_df["activation"].astype(str).isin(names)]
    return pd.DataFrame({"activation": gone["activation"].astype(str),
                         "note": [tr("diverged at epoch {epoch}: no boundary", epoch=int(e))
                                  for e in gone["diverged_at"]], "kind": "note"})


def _boundary_layers(labels: list[str], size: int) -> list[alt.Chart]:
    """The probability heatmap, the data points (a legend entry per class selects it)
    and a diverged net's note in the middle of its panel."""
    select = _legend_select("label")
    x = alt.X("x1_lo:Q", title="x₁", scale=alt.Scale(zero=False, nice=False))
    y = alt.Y("x2_lo:Q", title="x₂", scale=alt.Scale(zero=False, nice=False))
    # A hairline stroke in each cell's own colour hides the seams between cells; a stroke
    # *encoding* would turn the colour bar into a symbol legend.
    heat = alt.Chart().mark_rect(strokeWidth=0.6,
                                 stroke=alt.ExprRef(expr="scale('color', datum.prob)")
                                 ).encode(
        x=x, x2="x1_hi:Q", y=y, y2="x2_hi:Q",
        color=alt.Color("prob:Q", scale=alt.Scale(scheme="blueorange", domain=[0, 1]),
                        legend=_legend(tr("P(class 1)"), format="%")),
        tooltip=_tooltip("activation", "x1", "x2", "prob"),
    ).transform_filter(alt.datum.kind == "grid")
    dots = alt.Chart().mark_point(filled=True, size=36, stroke="black", strokeWidth=0.8
                                  ).encode(
        x=alt.X("x1:Q", title="x₁"), y=alt.Y("x2:Q", title="x₂"),
        shape=alt.Shape("label:N", sort=labels, legend=_legend(tr("class"))),
        # Shape and fill share field and title, so they merge into one "class" legend.
        fill=alt.Fill("label:N", sort=labels, legend=_legend(tr("class")), scale=alt.Scale(
            domain=labels, range=list(CLASS_COLORS) + list(CATEGORY_COLORS[2:]))),
        # Vega-Lite draws no legend for fillOpacity here; the subtitle explains it instead.
        fillOpacity=alt.FillOpacity("split:N", sort=["train", "test"], scale=alt.Scale(
            domain=["train", "test"], range=[1.0, 0.0]), legend=None),
        opacity=_highlight(select, 1.0, 0.1),
        tooltip=_tooltip("label", "split", "x1", "x2"),
    ).transform_filter(alt.datum.kind == "point").add_params(select)
    note = alt.Chart().mark_text(color=DIVERGED_COLOR, fontWeight="bold", fontSize=13,
                                 ).encode(text="note:N", x=alt.value(size / 2),
                                          y=alt.value(size / 2),
                                          tooltip=_tooltip("activation", "note")
                                          ).transform_filter(alt.datum.kind == "note")
    return [heat, dots, note]
