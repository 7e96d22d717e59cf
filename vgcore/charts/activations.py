"""The Activations lesson: f(z) above its slope f'(z), and the chain-rule calculator's
product of per-layer factors against depth."""
from __future__ import annotations

import math
from typing import Sequence

import altair as alt
import pandas as pd

from vgcore.i18n import tr

from ._common import (HEIGHT, WIDTH, _activation_encoding, _data, _finite, _highlight,
                      _legend_select, _log_format, _log_ticks, _require, _title, _tooltip)


def activation_chart(curves_df: pd.DataFrame, *, width: int = WIDTH, height: int = 200,
                     show_sigmoid_max: bool = True) -> alt.VConcatChart:
    """f(z) above f'(z), sharing the z axis (`vgcore.activations.curves`' x is z); saturated
    stretches drawn as a thick pale band; a rule at 1/4, the largest slope of the sigmoid
    (so at least 4× shrink per layer while |w| ≤ 1)."""
    _require(curves_df, ["activation", "x", "quantity", "value", "saturated"], "curves_df")
    df = _finite(curves_df, ["x", "value"]).sort_values(["activation", "quantity", "x"])
    # The lesson calls the unit's input z (z = w·a + b): so do the tooltips.
    df = df.rename(columns={"x": "z"}).assign(
        quantity=df["quantity"].replace({"f(x)": "f(z)", "f'(x)": "f'(z)"}))
    df["saturated"] = df["saturated"].astype(bool)
    # Number each contiguous run of saturated/unsaturated points, so the band for the two
    # flat tails of a sigmoid is two pieces, not one line drawn across the middle.
    changed = df.groupby(["activation", "quantity"], sort=False)["saturated"].transform(
        lambda s: (s != s.shift()).cumsum())
    df["segment"] = changed.astype(int)

    select = _legend_select("activation")
    color = _activation_encoding(df)
    x = alt.X("z:Q", title=tr("pre-activation z = w·a + b (the unit's input)"))
    tips = _tooltip("activation", "z", "quantity", "value", "saturated")

    def panel(quantity: str, y_title: str, panel_title: str, with_params: bool,
              extra: Sequence[alt.Chart] = ()) -> alt.LayerChart:
        base = alt.Chart().encode(x=x, y=alt.Y("value:Q", title=y_title), color=color,
                                  tooltip=tips).transform_filter(
            alt.datum.quantity == quantity)
        line = base.mark_line(strokeWidth=2).encode(opacity=_highlight(select))
        band = base.mark_line(strokeWidth=9, strokeCap="round").encode(
            detail="segment:N", opacity=_highlight(select, 0.3, 0.04)
        ).transform_filter(alt.datum.saturated)
        # The line first: Vega-Lite draws the legend symbol from it, not the pale band.
        layers = [line.add_params(select) if with_params else line, band, *extra]
        return alt.layer(*layers).properties(width=width, height=height, title=panel_title)

    reference: list[alt.Chart] = []
    if show_sigmoid_max:
        ref = pd.DataFrame({"value": [0.25], "note": [tr("max σ' = 1/4")]})
        rule = alt.Chart(_data(ref)).mark_rule(strokeDash=[4, 3], color="#555555").encode(
            y="value:Q", tooltip=_tooltip("note", "value"))
        text = rule.mark_text(align="right", baseline="bottom", dy=-3, color="#555555"
                              ).encode(x=alt.value(width), text="note:N")
        reference = [rule, text]
    top = panel("f(z)", tr("output f(z)"), tr("the activation f(z)"), True)
    bottom = panel("f'(z)", tr("slope f'(z)"),
                   tr("its slope f'(z): the factor each layer multiplies the gradient by"),
                   False, reference)
    return alt.vconcat(top, bottom, data=_data(df)).resolve_scale(
        x="shared", color="shared").properties(title=_title(
            tr("Activation functions and their slopes"),
            tr("thick pale stretches: saturated, |f'| below 10% of its maximum")))


CHAIN_LABELS = 10          # most value labels on the chain-rule chart


def chain_rule_chart(chain_df: pd.DataFrame, *, width: int = WIDTH, height: int = HEIGHT
                     ) -> alt.LayerChart:
    """|product of per-layer factors| against depth on a log axis, each point labelled with
    its value (¼ · ¼ · ¼ = 0.0156), and a rule at 1 = "the gradient arrives unchanged"."""
    _require(chain_df, ["depth", "factor", "product"], "chain_df")
    df = _finite(chain_df, ["depth", "factor", "product"])
    # The gradient's size is what vanishes or explodes: plot |product| (an exact 0 has no
    # place on a log axis and is dropped).
    df["magnitude"] = df["product"].abs()
    df = _finite(df, ["magnitude"], positive=["magnitude"])
    # Label at most CHAIN_LABELS points (every k-th, and always the last): 30 labels
    # down one line overprint each other.
    step = max(1, math.ceil((len(df) - 1) / (CHAIN_LABELS - 1)))
    df["labelled"] = [(i % step == 0) or (i == len(df) - 1) for i in range(len(df))]
    # Whole decades, always holding 1 with room around it: a product that stays at 1 is a
    # flat line mid-axis, not a degenerate domain with overprinted ticks.
    values = df["magnitude"] if not df.empty else pd.Series([1.0])
    lo = math.floor(math.log10(min(float(values.min()), 1.0)))
    hi = math.ceil(math.log10(max(float(values.max()), 1.0)))
    if hi - lo < 2:
        lo, hi = lo - 1, hi + 1
    domain = [10.0 ** lo, 10.0 ** hi]
    tips = _tooltip("depth", "factor", "product")
    base = alt.Chart().encode(
        # Half a layer of padding each side keeps the first and last labels off the axes.
        x=alt.X("depth:Q", title=tr("layers the gradient has passed through"),
                axis=alt.Axis(tickMinStep=1, format="d"),
                scale=alt.Scale(domain=[0.5, float(df["depth"].max()) + 0.5]
                                if not df.empty else alt.Undefined, nice=False)),
        y=alt.Y("magnitude:Q",
                title=tr("size of the gradient factor |product| (log scale)"),
                scale=alt.Scale(type="log", domain=domain, nice=False),
                axis=alt.Axis(values=_log_ticks(pd.Series(domain)),
                              format=_log_format(pd.Series(domain)))),
        tooltip=tips)
    line = base.mark_line(color="#0072B2")
    points = base.mark_point(filled=True, size=60, color="#0072B2")
    labels = base.mark_text(align="left", dx=6, dy=-9, fontSize=12).encode(
        text=alt.Text("product:Q", format=".3~g")).transform_filter(alt.datum.labelled)
    one = alt.Chart(_data(pd.DataFrame({"magnitude": [1.0],
                                        "note": [tr("1 = unchanged")]})))
    rule = one.mark_rule(strokeDash=[4, 3], color="#777777").encode(
        y="magnitude:Q", tooltip=_tooltip("note"))
    # at the right end, below the line: clear of the first point's label
    rule_text = rule.mark_text(align="right", baseline="top", dy=4,
                               color="#777777").encode(x=alt.value(width), text="note:N")
    title = _title(tr("The chain rule multiplies one factor per layer"),
                   tr("below 1 the gradient shrinks geometrically, above 1 it blows up"))
    return alt.layer(line, points, labels, rule, rule_text, data=_data(df)).properties(
        width=width, height=height, title=title)
