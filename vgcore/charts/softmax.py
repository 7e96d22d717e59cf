"""The output head: softmax probabilities from logits, and loss and gradient against the
probability given to the true class (MSE vs cross-entropy)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from vgcore.i18n import tr

from ._common import (_data, _finite, _highlight, _legend, _legend_select, _percent_y,
                      _marked, _require, _shown_as, _title, _tooltip, _y)
from .palette import HEAD_COLORS, _fixed_colors


def softmax_chart(softmax_df: pd.DataFrame, *, width: int | str = 420, height: int = 260
                  ) -> alt.LayerChart:
    """Probability per class (0..1) with its logit in the tooltip, value printed on top."""
    _require(softmax_df, ["class", "logit", "probability"], "softmax_df")
    df = _finite(softmax_df, ["logit", "probability"])
    df["class"] = df["class"].astype(str)
    base = alt.Chart(_data(df)).encode(
        x=alt.X("class:N", title=tr("class"), sort=df["class"].tolist(),
                axis=alt.Axis(labelAngle=0)),
        y=_percent_y("probability", tr("softmax probability")),
        tooltip=_tooltip("class", "logit", "probability"))
    bars = base.mark_bar(color="#0072B2")
    text = base.mark_text(dy=-6, baseline="bottom").encode(
        text=alt.Text("probability:Q", format=".0%"))
    return alt.layer(bars, text).properties(width=width, height=height, title=_title(
        tr("Softmax turns logits into probabilities"),
        tr("p_j = exp(z_j) / Σ_k exp(z_k): positive and summing to 1")))


def loss_vs_prob_chart(lvp_df: pd.DataFrame, *, log_gradient: bool = True,
                       width: int = 290, height: int = 260) -> alt.HConcatChart:
    """Loss and gradient magnitude against p, the probability given to the true class, one
    panel each, one colour per output head. With sigmoid + MSE the gradient vanishes as
    p → 0 (a confidently wrong unit learns slowest); with softmax + CE it does not."""
    _require(lvp_df, ["p", "head", "quantity", "value"], "lvp_df")
    df = _finite(lvp_df, ["p", "value"])
    df["head"] = df["head"].astype(str)
    # Gradients can be signed (dC/dz = p − 1); what matters is their size.
    is_grad = df["quantity"].astype(str).str.contains("grad")
    df.loc[is_grad, "value"] = df.loc[is_grad, "value"].abs()
    if log_gradient:
        df = df[~is_grad | (df["value"] > 0)]
    heads = list(dict.fromkeys(df["head"]))
    select = _legend_select("head")
    # the data and the colours keep the heads' English labels; the legend shows each in
    # the reader's language (vgcore.heads.HEAD_LABELS, where they are marked)
    color = alt.Color("head:N", scale=_fixed_colors(heads, HEAD_COLORS),
                      legend=_legend(tr("output head"),
                                     **_shown_as({h: _marked(h) for h in heads})), sort=heads)

    def panel(quantity: str) -> alt.Chart:
        grad = "grad" in quantity
        title = (tr("gradient size |∂C/∂z|") if grad else tr("loss C")) if quantity in (
            "gradient", "loss") else quantity
        chart = alt.Chart().mark_line(strokeWidth=2.5).encode(
            x=alt.X("p:Q", title=tr("predicted probability of the true class p"),
                    scale=alt.Scale(domain=[0, 1])),
            y=_y("value", title, log=grad and log_gradient,
                 values=df.loc[df["quantity"] == quantity, "value"]),
            color=color, opacity=_highlight(select),
            tooltip=_tooltip("head", "quantity", "p", "value"),
        ).transform_filter(alt.datum.quantity == quantity)
        # the panel's title: the quantity ('loss', 'gradient': vgcore.heads'
        # loss_vs_probability) in the reader's language
        name = tr("loss") if quantity == "loss" else tr("gradient") \
            if quantity == "gradient" else quantity
        return chart.properties(width=width, height=height, title=name)

    panels = [panel(q) for q in dict.fromkeys(df["quantity"].astype(str))]
    if panels:
        panels[0] = panels[0].add_params(select)
    return alt.hconcat(*panels, data=_data(df)).resolve_scale(
        x="shared", color="shared").properties(title=_title(
            tr("Loss and gradient against the probability of the right answer"),
            tr("a good cost has a big gradient when the net is badly wrong (p near 0)")))
