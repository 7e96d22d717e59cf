"""Per-layer histograms of activations or gradients at one epoch (Glorot & Bengio 2010)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from vgcore.i18n import N_, tr
from vgcore.results import registry_order

from ._common import (_subtitle, _activation_label_expr, _check_choice, _data, _epoch_rows, _finite,
                      _hidden_only, _highlight, _layer_encoding, _legend_select, _require,
                      _title, _tooltip)

# Marked for the catalog (N_): translated where the chart draws them.
HISTOGRAM_SUBTITLES = {
    "activation": N_("Glorot & Bengio (2010), figs. 4 and 6: saturating units pile up at "
                     "the ends of their range"),
    "gradient": N_("Glorot & Bengio (2010), fig. 7: when gradients vanish, the layers "
                   "nearest the input have the narrowest histograms (peaked at 0)"),
}


def histogram_chart(hist_df: pd.DataFrame, epoch: int, quantity: str = "activation", *,
                    seed: int | None = None, include_output: bool = False,
                    width: int = 520, height: int = 120) -> alt.FacetChart:
    """Per-layer histograms at one epoch, one row per activation, layers overlaid in
    sequential colours (Glorot & Bengio 2010, figs 2–7). One seed (default: the smallest
    per activation), because seeds may have different bins. Each row has its own x range:
    a sigmoid lives in [0, 1], a ReLU in [0, ∞)."""
    _require(hist_df, ["activation", "seed", "epoch", "layer", "layer_name", "quantity",
                       "bin_start", "bin_end", "fraction"], "hist_df")
    _check_choice("quantity", quantity, sorted(pd.unique(hist_df["quantity"]).tolist()))
    rows = _epoch_rows(hist_df[hist_df["quantity"] == quantity], epoch)
    if not include_output:
        rows = _hidden_only(rows)
    n_seeds = rows["seed"].nunique()
    if seed is None:
        rows = rows[rows["seed"] == rows.groupby("activation")["seed"].transform("min")]
    else:
        rows = rows[rows["seed"] == seed]
    df = _finite(rows, ["bin_start", "bin_end", "fraction"])
    select = _legend_select("layer")
    x_title = (tr("activation value f(z)") if quantity == "activation"
               else tr("back-propagated gradient ∂C/∂z") if quantity == "gradient"
               else quantity)
    # A faint bar per bin (its range in the tooltip) and a step outline per layer: five
    # overlaid layers of filled bars turn to mud, outlines stay readable.
    tips = _tooltip("activation", "layer_name", "bin_start", "bin_end", "fraction")
    base = alt.Chart().encode(
        y=alt.Y("fraction:Q", title=tr("share of values"), axis=alt.Axis(format="%")),
        color=_layer_encoding(), tooltip=tips)
    bars = base.mark_rect().encode(
        x=alt.X("bin_start:Q", title=x_title), x2="bin_end:Q",
        opacity=_highlight(select, 0.07, 0.01))
    outline = base.mark_line(interpolate="step", strokeWidth=1.8).encode(
        x="mid:Q", opacity=_highlight(select)
    ).transform_calculate(mid="(datum.bin_start + datum.bin_end) / 2")
    # Outline first: Vega-Lite takes the legend symbol from it, not from the faint bars.
    chart = alt.layer(outline.add_params(select), bars).properties(width=width, height=height)
    faceted = chart.facet(
        row=alt.Row("activation:N", sort=registry_order(df["activation"]), title=None,
                    header=alt.Header(labelFontSize=13, labelFontWeight="bold",
                                      labelAngle=0, labelAlign="left",
                                      labelExpr=_activation_label_expr())),
        data=_data(df)).resolve_scale(x="independent", y="independent")
    if quantity == "activation":
        title = tr("Histograms of activations per layer at epoch {epoch}", epoch=epoch)
    elif quantity == "gradient":
        title = tr("Histograms of gradients per layer at epoch {epoch}", epoch=epoch)
    else:
        title = tr("Histograms of {quantity}s per layer at epoch {epoch}", quantity=quantity,
                   epoch=epoch)
    shown = ", ".join(str(s) for s in sorted(pd.unique(df["seed"])))
    # one net's histograms (seeds' bins differ): say which, when there were several
    which = tr("seed {seed} of {n} (bins differ from seed to seed)", seed=shown, n=n_seeds) \
        if n_seeds > 1 else None
    note = tr(HISTOGRAM_SUBTITLES[quantity]) if quantity in HISTOGRAM_SUBTITLES \
        else tr("each row has its own x and y scales")
    return faceted.properties(title=_title(title, _subtitle(which, note)))
