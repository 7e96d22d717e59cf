"""Altair chart builders: a tidy (long-format) DataFrame in, an Altair chart out.

Every builder works the same way, in Streamlit (`st.altair_chart`) or in Jupyter:

- it never mutates its input (it filters copies);
- it raises `ValueError` naming the missing columns (or saying the frame is empty);
- it drops NaN/inf rows (a diverged run) and, on log axes, values <= 0, so a chart never
  breaks;
- one colour per activation everywhere (`ACTIVATION_COLORS`, Okabe–Ito, colour-blind
  safe), tooltips on every mark, a legend that highlights the clicked series, a title,
  axis titles in words.

Data are embedded as inline values (not a DataFrame reference) because Altair's default
data transformer refuses frames over 5,000 rows, and a 20-layer net over 200 epochs or a
50×50 decision grid for four activations is bigger than that. Our frames are at most a
few tens of thousands of small rows, well within what a browser draws.

Frame contracts: see `vgcore.results` (history, layers, histograms, summary, boundary,
points), `vgcore.activations.curves` / `chain_product` and `vgcore.heads`.
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from vgcore.activations import ACTIVATIONS
from vgcore.probes import NET_INPUTS_DRAWN, NET_UNITS_DRAWN, drawn_units, input_groups
from vgcore.recurrent import CELLS, SOLVED_ACCURACY, cell_order
from vgcore.results import (activation_label, mean_over_seeds, net_outcome, registry_order,
                            speed_sentences)

# -- colours -------------------------------------------------------------------------
# Okabe & Ito (2008), the palette designed to stay distinct under the common colour-vision
# deficiencies. Saturating activations get warm colours, the ReLU family blues/green, so
# the "two camps" of the story read at a glance. Pure Okabe–Ito yellow (#F0E442) is nearly
# invisible on white, so SiLU gets a darkened yellow.
ACTIVATION_COLORS: dict[str, str] = {
    "sigmoid": "#D55E00",     # vermillion
    "tanh": "#CC79A7",        # reddish purple (orange sat too close to sigmoid's red)
    "relu": "#0072B2",        # blue
    "leaky_relu": "#56B4E9",  # sky blue
    "elu": "#009E73",         # bluish green
    "gelu": "#E69F00",        # orange
    "silu": "#A89400",        # darkened yellow (readable on white)
    "linear": "#000000",      # black: the no-non-linearity reference
}
# Names outside the registry (uploaded runs, future activations) and other categorical
# series: Okabe–Ito order first, then neutral tones, handed out in order of appearance.
CATEGORY_COLORS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00",
                                    "#56B4E9", "#A89400", "#000000", "#999999", "#8C564B")
HEAD_COLORS: dict[str, str] = {
    "softmax + cross-entropy": "#0072B2",
    "softmax_ce": "#0072B2",
    "sigmoid + MSE": "#D55E00",
    "sigmoid_mse": "#D55E00",
}
DIVERGED_COLOR = "#B00020"  # a deep red cross: clearly "something went wrong"
CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 / class 1, matching the blue–orange heatmap
# Layers are ordered (1 = nearest the input), so they get a sequential scheme. Viridis is
# colour-blind safe; its last 15% is pale yellow, unreadable on white, so it is cut.
LAYER_SCHEME = alt.SchemeParams(name="viridis", extent=[0.0, 0.85])

# -- sizes (px) ----------------------------------------------------------------------
WIDTH = 600
HEIGHT = 320
FACET_WIDTH = 300
FACET_HEIGHT = 170
# 2 × 300 px plus axes and a legend fits the main column of a wide Streamlit page beside
# the sidebar (~900 px); four panels side by side were cut off on a laptop screen.
FACET_COLUMNS = 2
FADED = 0.15               # opacity of series not selected in the legend

# -- field metadata: Vega-Lite type, short title for tooltips, number format ---------
_FIELDS: dict[str, tuple[str, str, str | None]] = {
    "activation": ("N", "activation", None),
    "seed": ("N", "seed", None),
    "epoch": ("Q", "epoch", "d"),
    "split": ("N", "split", None),
    "loss": ("Q", "loss", ".4~g"),
    "accuracy": ("Q", "accuracy", ".1%"),
    "layer": ("O", "layer", None),
    "layer_name": ("N", "layer", None),
    "weight_grad_norm": ("Q", "‖∂C/∂W‖", ".3~e"),
    "bias_grad_norm": ("Q", "‖∂C/∂b‖", ".3~e"),
    "act_mean": ("Q", "mean activation", ".3~g"),
    "act_std": ("Q", "std of activation", ".3~g"),
    "saturation": ("Q", "saturated", ".1%"),
    "unit": ("O", "unit", None),
    "bias_grad": ("Q", "∂C/∂b (signed)", ".3~e"),
    "grad_size": ("Q", "|∂C/∂b|", ".3~e"),
    "shown": ("N", "drawn", None),
    "weight": ("Q", "w", ".3~g"),
    "weight_grad": ("Q", "∂C/∂w", ".3~e"),
    "from": ("N", "from", None),
    "to": ("N", "to", None),
    "wfprime_mean": ("Q", "mean |w·f'(z)|", ".3~g"),
    "quantity": ("N", "quantity", None),
    "bin_start": ("Q", "bin from", ".3~g"),
    "bin_end": ("Q", "bin to", ".3~g"),
    "count": ("Q", "count", "d"),
    "fraction": ("Q", "fraction", ".2%"),
    "x": ("Q", "z", ".2f"),
    "value": ("Q", "value", ".4~g"),
    "saturated": ("N", "saturated", None),
    "depth": ("Q", "depth (layers)", "d"),
    "factor": ("Q", "factor", ".3~g"),
    "product": ("Q", "product", ".3~g"),
    "class": ("N", "class", None),
    "logit": ("Q", "logit", ".3f"),
    "probability": ("Q", "probability", ".1%"),
    "p": ("Q", "p (true class)", ".3f"),
    "head": ("N", "output head", None),
    "x1": ("Q", "x₁", ".2f"),
    "x2": ("Q", "x₂", ".2f"),
    "prob": ("Q", "P(class 1)", ".1%"),
    "label": ("N", "class", None),
    "run": ("N", "run", None),
    "init": ("N", "initialisation", None),
    "n_seeds": ("Q", "seeds averaged", "d"),
    "diverged_at": ("Q", "diverged at epoch", "d"),
    "train": ("Q", "train loss", ".4~g"),
    "test": ("Q", "test loss", ".4~g"),
    "gap": ("Q", "test − train", ".4~g"),
    "note": ("N", "note", None),
    "cell": ("N", "cell", None),
    "t": ("Q", "time step t", "d"),
    "grad_norm": ("Q", "‖∂L/∂h_t‖", ".3~e"),
    "seq_len": ("Q", "sequence length T", "d"),
    "final_test_accuracy": ("Q", "final test accuracy", ".1%"),
    "solved": ("Q", "seeds that solved it", ".0%"),
}
_VALUE_TITLES = {
    "bias_grad_norm": "bias-gradient norm ‖∂C/∂b‖",
    "weight_grad_norm": "weight-gradient norm ‖∂C/∂W‖",
    "act_mean": "mean activation",
    "act_std": "standard deviation of the activations",
}
_EPOCH_AXIS = "epoch (passes over the training set; 0 = untrained)"
_EPOCH_AXIS_SHORT = "epoch (0 = untrained)"  # facets are ~220 px wide
_HIDDEN_AXIS = "hidden layer (1 = nearest the input)"


# =====================================================================================
# Shared helpers
# =====================================================================================
def _require(df: pd.DataFrame, cols: Sequence[str], what: str = "frame") -> None:
    """Fail early with the missing column names, not deep inside Vega-Lite in a browser."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}; "
                         f"has: {', '.join(map(str, df.columns)) or 'none'}")
    if df.empty:
        raise ValueError(f"{what}: the frame is empty (no rows to draw)")


def _finite(df: pd.DataFrame, cols: Sequence[str], positive: Sequence[str] = ()
            ) -> pd.DataFrame:
    """Copy of the rows where every `cols` value is a finite number and every `positive`
    value is > 0 (log axes cannot place 0, negatives, NaN or inf; one bad row would
    otherwise blank or distort the whole chart)."""
    keep = pd.Series(True, index=df.index)
    for col in cols:
        values = pd.to_numeric(df[col], errors="coerce").astype(float)
        keep &= np.isfinite(values)
        if col in positive:
            keep &= values > 0
    return df.loc[keep].copy()


def _data(df: pd.DataFrame) -> alt.InlineData:
    """Inline JSON values (see module docstring for why not the DataFrame itself)."""
    clean = alt.utils.sanitize_pandas_dataframe(df.reset_index(drop=True))
    # Altair validates every record against the JSON schema (~0.35 ms a row: 10-20 s for
    # a decision-boundary grid). The records come from our own sanitised frame, so the
    # check is skipped; the whole spec is still validated by to_dict().
    with alt.utils.schemapi.debug_mode(False):
        return alt.InlineData(values=clean.to_dict(orient="records"))


def _tooltip(*cols: str) -> list[alt.Tooltip]:
    """One tooltip list per mark, titles and formats from `_FIELDS`."""
    tips = []
    for col in cols:
        kind, title, fmt = _FIELDS.get(col, ("N", col, None))
        tips.append(alt.Tooltip(f"{col}:{kind}", title=title,
                                **({"format": fmt} if fmt else {})))
    return tips


# Colour pairs of CATEGORY_COLORS too alike to tell apart side by side (Okabe & Ito's
# orange and vermillion, sky blue and blue): a spare colour is never a taken one's twin.
_TWINS = {"#E69F00": "#D55E00", "#D55E00": "#E69F00", "#56B4E9": "#0072B2",
          "#0072B2": "#56B4E9"}


def _fixed_colors(names: Sequence[str], known: dict[str, str]) -> alt.Scale:
    """A scale whose domain is only the names present (the legend lists nothing absent)
    but whose colours come from a fixed table, so a name's colour never depends on which
    other names are shown. Unknown names take CATEGORY_COLORS in order."""
    taken = set(known.values())
    taken |= {_TWINS[c] for c in taken if c in _TWINS}    # orange beside vermillion reads
    spare = iter([c for c in CATEGORY_COLORS if c not in taken] or CATEGORY_COLORS)
    colors = []
    for name in names:
        colors.append(known[name] if name in known else next(spare, "#999999"))
    return alt.Scale(domain=list(names), range=colors)


def _legend(title: str | list[str], **kwargs: Any) -> alt.Legend:
    """No truncation: "softmax + cross-entropy" must be readable in full."""
    return alt.Legend(title=title, labelLimit=0, titleLimit=0, **kwargs)


def activation_color(domain_names: Iterable[str]) -> alt.Scale:
    """Colour scale for the activations present; sigmoid is #D55E00 whether alone or not."""
    return _fixed_colors(registry_order(domain_names), ACTIVATION_COLORS)


def _activation_label_expr() -> str:
    """Vega expression showing an activation's display name (ReLU, leaky ReLU) where a
    legend or facet header would print its registry key (relu, leaky_relu): the app's
    widgets use display names, so the charts must too. The data keeps the keys."""
    return _label_expr({key: act.label for key, act in ACTIVATIONS.items()})


def _label_expr(labels: dict[str, str]) -> str:
    """Vega expression: a registry key -> its label (other values unchanged)."""
    # Parenthesised: in facet headers Vega-Lite pastes a whole conditional expression in
    # place of each `datum.label`, which without brackets swallows the comparison.
    expr = "(datum.label)"
    for key, label in reversed(list(labels.items())):
        if label != key:
            expr = f"(datum.label) === {json.dumps(key)} ? {json.dumps(label)} : {expr}"
    return expr


def _activation_encoding(df: pd.DataFrame) -> alt.Color:
    names = registry_order(df["activation"]) if "activation" in df else []
    return alt.Color("activation:N", scale=activation_color(names), sort=names,
                     legend=_legend("activation", labelExpr=_activation_label_expr()))


def _layer_encoding(**legend: Any) -> alt.Color:
    return alt.Color("layer:O", scale=alt.Scale(scheme=LAYER_SCHEME),
                     legend=_legend("layer", **legend))


def _legend_select(field: str) -> alt.Parameter:
    """Click a legend entry to highlight that series (shift-click for several)."""
    return alt.selection_point(fields=[field], bind="legend")


def _highlight(selection: alt.Parameter, on: float = 1.0, off: float = FADED
               ) -> dict[str, Any]:
    """Opacity condition: full for the selected series (or all, when none is), faded else."""
    return alt.when(selection).then(alt.value(on)).otherwise(alt.value(off))


def _log_ticks(values: pd.Series | None) -> list[float] | Any:
    """Tick values for a log axis: the powers of ten the data spans (1, 2, 5 steps when it
    spans under two decades). Vega's default log ticks (0.2, 0.03, 0.01, 0.002 ...) read
    as noise, and learners should count decades."""
    if values is None:
        return alt.Undefined
    v = pd.to_numeric(values, errors="coerce")
    v = v[np.isfinite(v) & (v > 0)]
    if v.empty:
        return alt.Undefined
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    hi = max(hi, lo + 1)
    steps = (1,) if hi - lo >= 2 else (1, 2, 5)
    return [float(f"{m}e{e}") for e in range(lo, hi + 1) for m in steps]


def _log_format(values: pd.Series | None) -> str:
    """Plain numbers (0.001, 100) while short; powers of ten (1e+7) once they get long."""
    ticks = _log_ticks(values)
    if isinstance(ticks, list) and (max(ticks) >= 1e5 or min(ticks) < 1e-4):
        return ".0e"
    return "~g"


def _y(col: str, title: str, log: bool = False, values: pd.Series | None = None,
       **kwargs: Any) -> alt.Y:
    """Quantitative y; on a log axis the title says so (readers misjudge log gaps) and the
    ticks sit on decades of `values`."""
    if log:
        return alt.Y(f"{col}:Q", title=f"{title} (log scale)", scale=alt.Scale(type="log"),
                     axis=alt.Axis(values=_log_ticks(values), format=_log_format(values)),
                     **kwargs)
    return alt.Y(f"{col}:Q", title=title, **kwargs)


def _log_floor(values: pd.Series) -> float | Any:
    """A decade-ish below the smallest value: log bars grow from the bottom of the axis,
    so a bar equal to it (the vanishing layer!) would otherwise have no height."""
    if values.empty:
        return alt.Undefined
    return float(10 ** math.floor(math.log10(float(values.min())) - 0.3))


def _percent_y(col: str, title: str) -> alt.Y:
    return alt.Y(f"{col}:Q", title=title, scale=alt.Scale(domain=[0, 1]),
                 axis=alt.Axis(format="%"))


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def _facet_by_activation(chart: alt.Chart | alt.LayerChart, df: pd.DataFrame,
                         columns: int = FACET_COLUMNS) -> alt.FacetChart:
    """Facet (layer first, data on top: Vega-Lite's rule) in registry order."""
    return chart.facet(
        facet=alt.Facet("activation:N", sort=registry_order(df["activation"]), title=None,
                        header=alt.Header(labelFontSize=13, labelFontWeight="bold",
                                          labelExpr=_activation_label_expr())),
        columns=columns, data=_data(df))


def _hidden_only(df: pd.DataFrame) -> pd.DataFrame:
    """The output layer's gradient is large by construction; Nielsen compares hidden ones."""
    return df[df["layer_name"].astype(str) != "output"]


def _check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}: {value!r} is not in the data; "
                         f"available: {', '.join(map(str, allowed)) or 'none'}")


def _epoch_rows(df: pd.DataFrame, epoch: int) -> pd.DataFrame:
    epochs = sorted(pd.unique(df["epoch"]).tolist())
    _check_choice("epoch", epoch, epochs)
    return df[df["epoch"] == epoch]


def _value_title(value: str) -> str:
    return _VALUE_TITLES.get(value, value.replace("_", " "))


def _short_title(value: str) -> str:
    """Axis title that fits a 220 px facet."""
    return _FIELDS.get(value, ("Q", value.replace("_", " "), None))[1]


# =====================================================================================
# 1. Activations page
# =====================================================================================
def activation_chart(curves_df: pd.DataFrame, *, width: int = WIDTH, height: int = 200,
                     show_sigmoid_max: bool = True) -> alt.VConcatChart:
    """f(z) above f'(z), sharing the z axis; saturated stretches drawn as a thick pale band;
    a rule at 1/4, the largest slope of the sigmoid (so at least 4× shrink per layer)."""
    _require(curves_df, ["activation", "x", "quantity", "value", "saturated"], "curves_df")
    df = _finite(curves_df, ["x", "value"]).sort_values(["activation", "quantity", "x"])
    df["saturated"] = df["saturated"].astype(bool)
    # Number each contiguous run of saturated/unsaturated points, so the band for the two
    # flat tails of a sigmoid is two pieces, not one line drawn across the middle.
    changed = df.groupby(["activation", "quantity"], sort=False)["saturated"].transform(
        lambda s: (s != s.shift()).cumsum())
    df["segment"] = changed.astype(int)

    select = _legend_select("activation")
    color = _activation_encoding(df)
    x = alt.X("x:Q", title="pre-activation z = w·a + b (the unit's input)")
    tips = _tooltip("activation", "x", "quantity", "value", "saturated")

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
        ref = pd.DataFrame({"value": [0.25], "note": ["max σ' = 1/4"]})
        rule = alt.Chart(_data(ref)).mark_rule(strokeDash=[4, 3], color="#555555").encode(
            y="value:Q", tooltip=_tooltip("note", "value"))
        text = rule.mark_text(align="right", baseline="bottom", dy=-3, color="#555555"
                              ).encode(x=alt.value(width), text="note:N")
        reference = [rule, text]
    top = panel("f(x)", "output f(z)", "the activation f(z)", True)
    bottom = panel("f'(x)", "slope f'(z)",
                   "its slope f'(z): the factor each layer multiplies the gradient by", False,
                   reference)
    return alt.vconcat(top, bottom, data=_data(df)).resolve_scale(
        x="shared", color="shared").properties(title=_title(
            "Activation functions and their slopes",
            "thick pale stretches: saturated, |f'| below 10% of its maximum"))


CHAIN_LABELS = 10          # most value labels on the chain-rule chart


def chain_rule_chart(chain_df: pd.DataFrame, *, width: int = WIDTH, height: int = HEIGHT
                     ) -> alt.LayerChart:
    """|product of per-layer factors| against depth on a log axis, each point labelled with
    its value (¼ · ⅓ · ¼ = 0.0208), and a rule at 1 = "the gradient arrives unchanged"."""
    _require(chain_df, ["depth", "factor", "product"], "chain_df")
    df = _finite(chain_df, ["depth", "factor", "product"])
    # A factor f'(z)·w can be negative; the size of the gradient is what vanishes or
    # explodes, so plot the magnitude (a product of exactly 0 cannot be placed on a log
    # axis and is dropped).
    df["magnitude"] = df["product"].abs()
    df = _finite(df, ["magnitude"], positive=["magnitude"])
    # Label at most CHAIN_LABELS points (every k-th, and always the last): 30 labels
    # down one line overprint each other.
    step = max(1, math.ceil((len(df) - 1) / (CHAIN_LABELS - 1)))
    df["labelled"] = [(i % step == 0) or (i == len(df) - 1) for i in range(len(df))]
    # The y domain spans whole decades and always holds 1 with room above and below, so a
    # product that stays at 1 draws as a flat line mid-axis (a degenerate domain put the
    # tick labels on top of each other).
    values = df["magnitude"] if not df.empty else pd.Series([1.0])
    lo = math.floor(math.log10(min(float(values.min()), 1.0)))
    hi = math.ceil(math.log10(max(float(values.max()), 1.0)))
    if hi - lo < 2:
        lo, hi = lo - 1, hi + 1
    domain = [10.0 ** lo, 10.0 ** hi]
    tips = _tooltip("depth", "factor", "product")
    base = alt.Chart().encode(
        # Half a layer of padding each side keeps the first and last labels off the axes.
        x=alt.X("depth:Q", title="layers the gradient has passed through",
                axis=alt.Axis(tickMinStep=1, format="d"),
                scale=alt.Scale(domain=[0.5, float(df["depth"].max()) + 0.5]
                                if not df.empty else alt.Undefined, nice=False)),
        y=alt.Y("magnitude:Q", title="size of the gradient factor |product| (log scale)",
                scale=alt.Scale(type="log", domain=domain, nice=False),
                axis=alt.Axis(values=_log_ticks(pd.Series(domain)),
                              format=_log_format(pd.Series(domain)))),
        tooltip=tips)
    line = base.mark_line(color="#0072B2")
    points = base.mark_point(filled=True, size=60, color="#0072B2")
    labels = base.mark_text(align="left", dx=6, dy=-9, fontSize=12).encode(
        text=alt.Text("product:Q", format=".3~g")).transform_filter(alt.datum.labelled)
    one = alt.Chart(_data(pd.DataFrame({"magnitude": [1.0], "note": ["1 = unchanged"]})))
    rule = one.mark_rule(strokeDash=[4, 3], color="#777777").encode(
        y="magnitude:Q", tooltip=_tooltip("note"))
    # at the right end, below the line: clear of the first point's label
    rule_text = rule.mark_text(align="right", baseline="top", dy=4,
                               color="#777777").encode(x=alt.value(width), text="note:N")
    title = _title("The chain rule multiplies one factor per layer",
                   "below 1 the gradient shrinks geometrically, above 1 it blows up")
    return alt.layer(line, points, labels, rule, rule_text, data=_data(df)).properties(
        width=width, height=height, title=title)


# =====================================================================================
# 2. Gradient flow
# =====================================================================================
def grad_norm_bars(layers_df: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm",
                   *, width: int = WIDTH, height: int = HEIGHT) -> alt.Chart:
    """Nielsen's "speed of learning" bars: one bar per hidden layer and activation at one
    epoch (mean over seeds), log y. Raises ValueError if `epoch` is not in the frame."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", value],
             "layers_df")
    rows = _hidden_only(_epoch_rows(layers_df, epoch))
    rows = _finite(rows, [value], positive=[value])
    df = mean_over_seeds(rows, ["activation", "layer", "layer_name"], [value], sort=False, count_seeds=True)
    names = registry_order(df["activation"])
    select = _legend_select("activation")
    when = "the untrained net" if epoch == 0 else f"epoch {epoch}"
    chart = alt.Chart(_data(df)).mark_bar().encode(
        x=alt.X("layer:O", title=_HIDDEN_AXIS, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("activation:N", sort=names),
        # No stacking: a stack starts at 0, which a log scale cannot place.
        y=alt.Y(f"{value}:Q", title=f"{_value_title(value)} (log scale)", stack=None,
                scale=alt.Scale(type="log", domainMin=_log_floor(df[value])),
                axis=alt.Axis(values=_log_ticks(df[value]), format=_log_format(df[value]))),
        color=_activation_encoding(df),
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "layer_name", value, "n_seeds"),
    ).add_params(select)
    return chart.properties(width=width, height=height, title=_title(
        f"Gradient size per hidden layer in {when}",
        "Nielsen's speed of learning: a taller bar means that layer's weights change faster"))


def speed_ratio_text(layers_df: pd.DataFrame, epoch: int = 0,
                     value: str = "bias_grad_norm") -> list[str]:
    """`vgcore.results.speed_sentences` for a layers frame, after the checks every chart
    makes (columns present, `epoch` in the data): one sentence per activation, e.g.
    "sigmoid: hidden layer 1 learns 120× slower than hidden layer 4"."""
    _require(layers_df, ["activation", "epoch", "layer", "layer_name", value], "layers_df")
    _epoch_rows(layers_df, epoch)
    return speed_sentences(layers_df, epoch, value)


def grad_norm_lines(layers_df: pd.DataFrame, value: str = "bias_grad_norm", *,
                    include_output: bool = False, columns: int = FACET_COLUMNS
                    ) -> alt.FacetChart:
    """Per-layer gradient norm over training, log y, one panel per activation; colour is
    the layer (the facet header already names the activation), one line per seed."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", value],
             "layers_df")
    rows = layers_df if include_output else _hidden_only(layers_df)
    df = _finite(rows, ["epoch", value], positive=[value])
    select = _legend_select("layer")
    chart = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=18, filled=True)).encode(
        x=alt.X("epoch:Q", title=_EPOCH_AXIS_SHORT, axis=alt.Axis(tickMinStep=1)),
        y=_y(value, _short_title(value), log=True, values=df[value]),
        color=_layer_encoding(),
        detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "seed", "epoch", "layer_name", value),
    ).add_params(select).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        "Gradient norm per layer during training",
        "lines far apart = layers learning at very different speeds"))


def grad_heatmap(layers_df: pd.DataFrame, value: str = "bias_grad_norm", *,
                 columns: int = FACET_COLUMNS) -> alt.FacetChart:
    """Layer × epoch heatmap of the gradient norm (mean over seeds), log colour scale, one
    panel per activation; output layer at the top, layer 1 at the bottom."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", value],
             "layers_df")
    rows = _finite(layers_df, ["epoch", "layer", value], positive=[value])
    df = mean_over_seeds(rows, ["activation", "epoch", "layer", "layer_name"], [value], sort=False, count_seeds=True)
    order = (df.drop_duplicates("layer_name").sort_values("layer", ascending=False)
             ["layer_name"].astype(str).tolist())
    chart = alt.Chart().mark_rect().encode(
        x=alt.X("epoch:O", title=_EPOCH_AXIS_SHORT, axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("layer_name:N", title="layer", sort=order),
        color=alt.Color(f"{value}:Q", scale=alt.Scale(type="log", scheme="viridis"),
                        legend=_legend([_short_title(value), "(log scale)"], format=".2~g")),
        tooltip=_tooltip("activation", "epoch", "layer_name", value, "n_seeds"),
    ).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        "Gradient norm by layer and epoch",
        "a dark bottom row: the first layers barely learn"))


# What an edge of the network picture can show (None: the structure only), as the page
# and the subtitle write it.
NET_EDGE_MODES: dict[str | None, str] = {"weight": "|w|", "weight_grad": "|∂C/∂w|",
                                         None: "structure only"}
# 16 × 16 edges cross between two columns: drawn at equal weight they are one dark blot.
# An edge's place t ∈ [0, 1] on the shared log scale sets its opacity, steeply (t²: only
# the edges near the top stand out), and its width. t = 1: the largest edge of every
# panel and epoch; t = 0: the 5% quantile (NET_EDGE_LOW), but at most NET_EDGE_DECADES
# decades below the largest and at least one: |w| spans about two decades, |∂C/∂w| of a
# vanishing net five or more.
NET_EDGE_LOW = 0.05
NET_EDGE_DECADES = 5
NET_EDGE_OPACITY = 0.55             # at t = 1; 0 at t = 0
NET_EDGE_WIDTH = (0.2, 1.8)         # px at t = 0 and 1


def network_chart(units_df: pd.DataFrame, edges_df: pd.DataFrame | None = None, *,
                  edge_by: str | None = "weight", input_size: int | None = None,
                  columns: int = FACET_COLUMNS, epoch: int | None = None,
                  slider: bool = True) -> alt.FacetChart:
    """The net as columns of units, input on the left (TensorFlow Playground's picture):
    each hidden and output unit shaded by |∂C/∂b_j| on the probe batch, one log colour
    scale shared by every layer and every activation, so the fade towards the input shows
    at a glance; one panel per activation (its lowest seed). Layers wider than
    NET_UNITS_DRAWN show an evenly spaced sample of their units, and the input column
    NET_INPUTS_DRAWN groups of `input_size` inputs (`vgcore.probes.drawn_units` and
    `input_groups`: the same units res.edges was recorded for); the subtitle says so.

    Edges: with `edges_df` (res.edges) each edge's opacity and width follow |w|
    (`edge_by="weight"`) or |∂C/∂w| (`"weight_grad"`) on one log scale shared by every
    panel and epoch: faint when small; the tooltip gives the signed numbers. Without
    `edges_df`, or with `edge_by=None`, edges are faint grey, for the structure only.

    `slider=True`: a slider in the chart picks the epoch (starting at `epoch`, default
    the first), and every kept epoch is embedded. `slider=False`: only `epoch` is
    embedded (a page that picks the epoch itself, e.g. to play the epochs, sends far less
    per redraw); colour, opacity and width scales still span every epoch, so a unit or an
    edge keeps its shade's meaning from one epoch to the next. A net with no numbers at
    the epoch shown (it diverged) keeps its panel, with a note."""
    _require(units_df, ["activation", "seed", "epoch", "layer", "layer_name", "unit",
                        "bias_grad"], "units_df")
    if edge_by not in NET_EDGE_MODES:
        raise ValueError(f"edge_by: {edge_by!r} is not one of "
                         f"{', '.join(map(repr, NET_EDGE_MODES))}")
    weighted = edges_df is not None and edge_by is not None
    if weighted:
        _require(edges_df, ["activation", "seed", "epoch", "layer", "src", "dst", edge_by],
                 "edges_df")
    units_df = units_df.assign(activation=units_df["activation"].astype(str))
    lowest = units_df.groupby("activation")["seed"].min()
    rows = units_df[units_df["seed"] == units_df["activation"].map(lowest)]
    rows = _finite(rows, ["epoch", "layer", "unit", "bias_grad"])
    widths = rows.groupby("layer")["unit"].max().to_dict()
    drawn = {layer: drawn_units(int(w)) for layer, w in widths.items()}
    rows = rows[[u in drawn[l] for l, u in zip(rows["layer"], rows["unit"])]].copy()
    rows["grad_size"] = rows["bias_grad"].abs()
    names = registry_order(rows["activation"])
    epochs = sorted(int(e) for e in pd.unique(rows["epoch"]))
    first = epochs[0] if epoch is None else epoch
    _check_choice("epoch", first, epochs)

    def place(count: int) -> list[float]:      # y positions centred on 0, one unit apart
        return [i - (count - 1) / 2 for i in range(count)]
    y_of = {(l, u): y for l, units in drawn.items() for u, y in zip(units, place(len(units)))}
    if input_size:
        groups = input_groups(input_size)
    else:      # unknown input size: as many nodes as res.edges' input groups, or the most
        n = int(edges_df.loc[edges_df["layer"] == 1, "src"].max()) if weighted else 0
        groups = [range(i, i + 1) for i in range(n if n > 0 else NET_INPUTS_DRAWN)]
    inputs = place(len(groups))
    y_of.update({(0, g): y for g, y in enumerate(inputs, 1)})
    rows["x"] = rows["layer"].astype(float)
    rows["y"] = [y_of[(l, u)] for l, u in zip(rows["layer"], rows["unit"])]
    rows["shown"] = [f"{len(drawn[l])} of {widths[l]}" for l in rows["layer"]]
    positive = rows.loc[rows["grad_size"] > 0, "grad_size"]     # every epoch: one scale
    last = rows.groupby("activation")["epoch"].max()         # before the net diverged

    # Structure: every drawn edge once per activation, faint grey: alone, or under the
    # weighted edges where a net may lack numbers (with the slider: any epoch may be
    # shown; without it, a net with none at `first`).
    columns_y = {0: inputs, **{l: place(len(u)) for l, u in drawn.items()}}
    frame = pd.DataFrame([{"x": float(l), "y": y0, "x2": float(l + 1), "y2": y1}
                          for l in range(max(drawn)) for y0 in columns_y[l]
                          for y1 in columns_y[l + 1]])
    bare = names
    edge_sizes = pd.Series(dtype=float)
    parts = []
    if weighted:
        lines = _net_edges(edges_df, lowest, edge_by, y_of, groups, input_size)
        edge_sizes = lines.loc[lines["edge_size"] > 0, "edge_size"]
        lines = lines.drop(columns="edge_size")      # the chart takes |edge_by| itself
        if not slider:
            lines = lines[lines["epoch"] == first]
            bare = [a for a in names if a not in set(lines["activation"])]
        parts.append(lines)
    parts += [frame.assign(activation=a, kind="edge") for a in bare]
    if not slider:
        rows = rows[rows["epoch"] == first]
    parts.append(rows.assign(kind="unit"))
    what = [f"input {g.start + 1}" if len(g) == 1 else f"inputs {g.start + 1}–{g.stop}"
            for g in groups] if input_size else ["inputs"] * len(groups)
    parts += [pd.DataFrame({"x": 0.0, "y": inputs, "activation": a, "kind": "input",
                            "what": [f"{w}: data, no gradient" for w in what]})
              for a in names]
    # A net whose numbers stop early (it diverged): a note, shown past its last epoch.
    bottom = min(min(c) for c in columns_y.values())
    parts += [pd.DataFrame({"x": max(drawn) / 2, "y": bottom - 1.2,
                            "activation": [a], "kind": "note", "last_epoch": int(last[a]),
                            "note": f"no numbers after epoch {int(last[a])}: it diverged"})
              for a in names if int(last[a]) < epochs[-1]]
    df = pd.concat(parts, ignore_index=True)

    top = max(drawn)
    x = alt.X("x:Q", title=None, axis=alt.Axis(
        values=list(range(top + 1)), labelExpr=(
            "datum.value == 0 ? 'input' : datum.value == " + str(top) +
            " ? 'output' : 'hidden ' + datum.value"), grid=False, domain=False, ticks=False),
        scale=alt.Scale(domain=[-0.4, top + 0.4], nice=False))
    y = alt.Y("y:Q", axis=None)
    if slider:
        pick = alt.param(name="net_epoch", value=first, bind=alt.binding_range(
            min=epochs[0], max=epochs[-1], step=1, name="epoch "))
        now: Any = pick
    else:
        now = first
    at_epoch = alt.datum.epoch == now
    edge = alt.Chart().mark_rule(color="#bbbbbb", opacity=0.25, strokeWidth=0.6).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        tooltip=alt.value("a connection (drawn for the structure: its weight is not shown)"
                          if not weighted else "a connection (no value to show here)")
    ).transform_filter(alt.datum.kind == "edge")
    layers = [edge]
    if weighted:
        hi = math.log10(edge_sizes.max()) if not edge_sizes.empty else 0.0
        lo = math.log10(edge_sizes.quantile(NET_EDGE_LOW)) if not edge_sizes.empty else -1
        lo = min(max(lo, hi - NET_EDGE_DECADES), hi - 1)
        ticks = _log_legend_ticks(lo, hi)
        layers.append(alt.Chart().mark_rule(color="#243b6b").encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q",
            opacity=alt.Opacity("edge_t:Q", legend=None, scale=alt.Scale(
                type="pow", exponent=2, domain=[0, 1], range=[0, NET_EDGE_OPACITY])),
            strokeWidth=alt.StrokeWidth("edge_t:Q", scale=alt.Scale(
                domain=[0, 1], range=list(NET_EDGE_WIDTH)), legend=_legend(
                    [f"{NET_EDGE_MODES[edge_by]} per edge", "(log scale)"],
                    values=[(math.log10(v) - lo) / (hi - lo) for v in ticks],
                    labelExpr=f"format(pow(10, {lo} + datum.value * {hi - lo}), '.0e')",
                    symbolStrokeColor="#243b6b")),
            tooltip=_tooltip("activation", "epoch", "from", "to", "weight", "weight_grad"),
        ).transform_filter(alt.datum.kind == "weighted").transform_filter(at_epoch)
            .transform_filter(f"datum.{edge_by} != 0")
            .transform_calculate(edge_t=f"clamp((log(abs(datum.{edge_by})) / LN10 - {lo})"
                                        f" / {hi - lo}, 0, 1)"))
        # an edge of size 0 (out of a dead unit) has no place on a log scale: structure
        layers.append(alt.Chart().mark_rule(color="#bbbbbb", opacity=0.25,
                                            strokeWidth=0.6).encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q",
            tooltip=_tooltip("activation", "epoch", "from", "to", "weight", "weight_grad"),
        ).transform_filter(alt.datum.kind == "weighted").transform_filter(at_epoch)
            .transform_filter(f"datum.{edge_by} == 0"))
    node = alt.Chart().mark_circle(size=110, stroke="#333333", strokeWidth=0.4,
                                   opacity=1).encode(
        x=x, y=y,
        color=alt.Color("grad_size:Q", scale=alt.Scale(
            type="log", scheme="viridis", domain=_log_domain(positive)),
            legend=_legend(["|∂C/∂b| per unit", "(log scale)"], format=".1~e")),
        tooltip=_tooltip("activation", "epoch", "layer_name", "unit", "bias_grad",
                         "act_mean", "shown"),
    ).transform_filter(alt.datum.kind == "unit").transform_filter(at_epoch) \
        .transform_filter(alt.datum.grad_size > 0)
    # A unit with no gradient at all (a dead ReLU) has no place on a log scale: a hollow
    # red ring, so it is not mistaken for a small gradient.
    dead = alt.Chart().mark_circle(size=110, fill="white", stroke=DIVERGED_COLOR,
                                   strokeWidth=1.5, opacity=1).encode(
        x=x, y=y, tooltip=_tooltip("activation", "epoch", "layer_name", "unit", "bias_grad",
                                   "act_mean", "shown"),
    ).transform_filter(alt.datum.kind == "unit").transform_filter(at_epoch) \
        .transform_filter(alt.datum.grad_size == 0)
    source = alt.Chart().mark_circle(size=110, color="#dddddd", stroke="#999999",
                                     strokeWidth=0.4).encode(
        x=x, y=y, tooltip=alt.Tooltip("what:N", title="input column"),
    ).transform_filter(alt.datum.kind == "input")
    note = alt.Chart().mark_text(color=DIVERGED_COLOR, fontSize=11).encode(
        x=x, y=y, text="note:N", tooltip=_tooltip("activation", "note"),
    ).transform_filter(alt.datum.kind == "note") \
        .transform_filter(alt.datum.last_epoch < now)
    panel = alt.layer(*layers, source, node, dead, note)
    if slider:
        panel = panel.add_params(pick)
    panel = panel.properties(width=FACET_WIDTH, height=FACET_HEIGHT + 60)
    wide = [f"{widths[l]}-unit layers" for l in sorted(widths) if len(drawn[l]) < widths[l]]
    notes = [f"{len(inputs)} nodes stand for the {input_size} inputs"] \
        if input_size and len(groups) < input_size else []
    if wide:
        notes.append(f"{', '.join(dict.fromkeys(wide))} show {NET_UNITS_DRAWN} evenly "
                     f"spaced units")
    shades = ("one colour scale for every layer and net: dark units barely learn, red "
              "rings get no gradient at all")
    if weighted:
        shades += f"; edges by {NET_EDGE_MODES[edge_by]}, faint when small"
    when = "drag the epoch slider" if slider else f"epoch {first}"
    chart = _facet_by_activation(panel, df, columns)
    chart.data = _sparse_data(df)
    return chart.properties(title=alt.TitleParams(
        "The network, each unit shaded by its gradient |∂C/∂b|" +
        (f", each edge by {NET_EDGE_MODES[edge_by]}" if weighted else ""),
        subtitle=[shades, "; ".join([when, *notes])], anchor="start"))


def _net_edges(edges_df: pd.DataFrame, lowest: pd.Series, edge_by: str,
               y_of: dict[tuple[int, int], float], groups: list[range],
               input_size: int | None) -> pd.DataFrame:
    """res.edges of each activation's lowest seed, placed between the drawn units (edges
    of units not drawn are left out), with `edge_size` = |edge_by| and words for the
    tooltip."""
    e = edges_df.assign(activation=edges_df["activation"].astype(str))
    e = e[e["seed"] == e["activation"].map(lowest)]
    e = _finite(e, ["epoch", "layer", "src", "dst", edge_by])
    layer, src, dst = (e[c].astype(int).tolist() for c in ("layer", "src", "dst"))
    here = [(l - 1, s) in y_of and (l, d) in y_of for l, s, d in zip(layer, src, dst)]
    e = e[here]
    layer, src, dst = (e[c].astype(int).tolist() for c in ("layer", "src", "dst"))
    top = max((l for l, _ in y_of), default=0)

    def unit_name(l: int, u: int) -> str:
        if l == 0:
            if not input_size:
                return f"input group {u}"
            g = groups[u - 1]
            return f"input {g.start + 1}" if len(g) == 1 else \
                f"inputs {g.start + 1}–{g.stop} (mean |·| of the group)"
        return f"{'output' if l == top else f'hidden {l}'} unit {u}"
    out = pd.DataFrame({
        "activation": e["activation"].to_numpy(), "epoch": e["epoch"].astype(int).to_numpy(),
        "x": [float(l - 1) for l in layer], "y": [y_of[(l - 1, s)] for l, s in zip(layer, src)],
        "x2": [float(l) for l in layer], "y2": [y_of[(l, d)] for l, d in zip(layer, dst)],
        "from": [unit_name(l - 1, s) for l, s in zip(layer, src)],
        "to": [unit_name(l, d) for l, d in zip(layer, dst)],
        # 4 significant digits (the tooltip shows 3): a page redraws these per epoch
        **{c: [float(f"{v:.4g}") for v in e[c].astype(float)] if c in e else np.nan
           for c in ("weight", "weight_grad")},
        "kind": "weighted"})
    out["edge_size"] = out[edge_by].abs()
    return out


def _log_legend_ticks(lo: float, hi: float) -> list[float]:
    """Values for a legend spanning 10^lo..10^hi: whole decades, or 1-2-5 steps when
    fewer than three decades fit (one tick alone reads as no scale)."""
    steps = [m * 10.0 ** k for k in range(math.floor(lo), math.ceil(hi) + 1)
             for m in (1, 2, 5)]
    inside = [v for v in steps if lo - 1e-9 <= math.log10(v) <= hi + 1e-9]
    decades = [v for v in inside if f"{v:.0e}".startswith("1")]
    return decades if len(decades) >= 3 else inside


def _sparse_data(df: pd.DataFrame) -> alt.InlineData:
    """Like `_data`, but a record leaves out the columns it has no value in: the picture
    stacks units, edges and input nodes in one frame, and writing every other kind's
    columns as null tripled the spec (Vega reads a missing field as undefined)."""
    full = _data(df)
    with alt.utils.schemapi.debug_mode(False):     # see `_data`
        return alt.InlineData(values=[{k: v for k, v in r.items() if v is not None}
                                      for r in full.values])


def _log_domain(values: pd.Series) -> list[float] | Any:
    """[min, max] of positive values for a log scale (Undefined when there are none)."""
    if values.empty:
        return alt.Undefined
    lo, hi = float(values.min()), float(values.max())
    return [lo, hi] if hi > lo else [lo / 2, lo * 2]


def init_comparison_chart(layers_df: pd.DataFrame, value: str = "bias_grad_norm",
                          series: str = "init", *, epoch: int = 0,
                          columns: int = FACET_COLUMNS, dash: str | None = None,
                          by: str = "initialisation", facet: bool = True,
                          colors: Mapping[str, str] | None = None
                          ) -> alt.FacetChart | alt.Chart:
    """Gradient norm against depth at one epoch (default: the untrained net), one line per
    initialisation scheme (`series` column), one panel per activation, log y. A flat line
    is a good init (He et al. 2015); a line falling towards layer 1 vanishes, one rising
    towards it explodes. `dash`: a second column drawn as the line's dash (solid first),
    e.g. ours vs published, so the same `series` keeps one colour. Any other `series`
    works too (`by` names it in the title); `facet=False` draws every line on one panel
    (its tooltip names the activation), for series that differ in activation too.
    `colors`: series value -> colour, for series that have fixed colours elsewhere."""
    _require(layers_df, ["activation", "epoch", "layer", "layer_name", value, series,
                         *([dash] if dash else [])], "layers_df")
    rows = _finite(_hidden_only(_epoch_rows(layers_df, epoch)), [value], positive=[value])
    keys = ["activation", series, *([dash] if dash else []), "layer", "layer_name"]
    df = mean_over_seeds(rows, keys, [value], sort=False, count_seeds=True)
    df[series] = df[series].astype(str)
    names = list(dict.fromkeys(df[series]))
    select = _legend_select(series)
    chart = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=30, filled=True)).encode(
        x=alt.X("layer:Q", title=_HIDDEN_AXIS, axis=alt.Axis(tickMinStep=1, format="d")),
        y=_y(value, _short_title(value), log=True, values=df[value]),
        color=alt.Color(f"{series}:N", scale=_fixed_colors(names, dict(colors or {})),
                        sort=names,
                        legend=_legend(_short_title(series))),
        opacity=_highlight(select),
        tooltip=_tooltip("activation", series, *([dash] if dash else []), "layer_name",
                         value, "n_seeds"),
    ).add_params(select).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    if dash:
        df[dash] = df[dash].astype(str)
        styles = list(dict.fromkeys(df[dash]))
        chart = chart.encode(strokeDash=alt.StrokeDash(
            f"{dash}:N", sort=styles, legend=_legend(_short_title(dash)),
            scale=alt.Scale(domain=styles, range=[[1, 0], [6, 4], [2, 2]][:len(styles)])))
    when = "the untrained net" if epoch == 0 else f"epoch {epoch}"
    title = _title(f"Gradient norm per layer in {when}, by {by}",
                   "flat: every layer learns at the same speed; low at layer 1: vanishing; "
                   "high at layer 1: exploding")
    if not facet:
        return chart.properties(data=_data(df), width=WIDTH, height=HEIGHT, title=title)
    return _facet_by_activation(chart, df, columns).properties(title=title)


# =====================================================================================
# 3. Inside the layers
# =====================================================================================
def saturation_chart(layers_df: pd.DataFrame, *, columns: int = FACET_COLUMNS
                     ) -> alt.FacetChart:
    """Share of saturated hidden units (flat part of f) per layer over training, one panel
    per activation. Output-layer rows (saturation NaN) are dropped."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", "saturation"],
             "layers_df")
    df = _finite(_hidden_only(layers_df), ["epoch", "saturation"])
    select = _legend_select("layer")
    chart = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=18, filled=True)).encode(
        x=alt.X("epoch:Q", title=_EPOCH_AXIS_SHORT, axis=alt.Axis(tickMinStep=1)),
        y=_percent_y("saturation", "saturated units"),
        color=_layer_encoding(),
        detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "seed", "epoch", "layer_name", "saturation"),
    ).add_params(select).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        "Saturated units per hidden layer during training",
        "saturated: |f'(z)| below 10% of its maximum, so almost no gradient passes"))


def activation_mean_chart(layers_df: pd.DataFrame, *, columns: int = FACET_COLUMNS
                          ) -> alt.FacetChart:
    """Mean activation per hidden layer over training, ± one std as a band (Glorot &
    Bengio 2010, fig. 2: with sigmoid the top hidden layer is driven towards 0)."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", "act_mean",
                         "act_std"], "layers_df")
    df = _finite(_hidden_only(layers_df), ["epoch", "act_mean", "act_std"])
    df["low"] = df["act_mean"] - df["act_std"]
    df["high"] = df["act_mean"] + df["act_std"]
    select = _legend_select("layer")
    x = alt.X("epoch:Q", title=_EPOCH_AXIS_SHORT, axis=alt.Axis(tickMinStep=1),
              scale=alt.Scale(nice=False))
    band = alt.Chart().mark_area(opacity=0.12).encode(
        x=x, y=alt.Y("low:Q", title="mean activation (band: ± 1 std)"), y2="high:Q",
        # opaque legend symbols: the bands' 12% opacity made the legend unreadable (a
        # legend=None here would drop the legend of the shared scale altogether)
        color=_layer_encoding(symbolOpacity=1), detail="seed:N")
    line = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=18, filled=True)).encode(
        x=x, y="act_mean:Q", color=_layer_encoding(symbolOpacity=1), detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "seed", "epoch", "layer_name", "act_mean", "act_std"),
    ).add_params(select)
    chart = alt.layer(band, line).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    # Each panel its own y scale: a sigmoid lives in [0, 1], an exploding ReLU net's mean
    # can reach hundreds, and on a shared axis the sigmoid's drift would be a flat line.
    return _facet_by_activation(chart, df, columns).resolve_scale(y="independent") \
        .properties(title=_title(
            "Mean activation per hidden layer during training",
            "a layer drifting to the flat end of its activation stops passing gradient; "
            "each panel has its own y scale"))


HISTOGRAM_SUBTITLES = {
    "activation": "Glorot & Bengio (2010), figs. 4 and 6: saturating units pile up at the ends "
                  "of their range",
    "gradient": "Glorot & Bengio (2010), fig. 7: when gradients vanish, the layers nearest "
                "the input have the narrowest histograms (peaked at 0)",
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
    if seed is None:
        rows = rows[rows["seed"] == rows.groupby("activation")["seed"].transform("min")]
    else:
        rows = rows[rows["seed"] == seed]
    df = _finite(rows, ["bin_start", "bin_end", "fraction"])
    select = _legend_select("layer")
    x_title = ("activation value f(z)" if quantity == "activation"
               else "back-propagated gradient ∂C/∂z" if quantity == "gradient" else quantity)
    # A faint bar per bin (its exact range in the tooltip) plus a step outline per layer:
    # with five or more layers overlaid, filled bars alone turn to mud; outlines stay
    # readable, as in Glorot & Bengio's figures.
    tips = _tooltip("activation", "layer_name", "bin_start", "bin_end", "fraction")
    base = alt.Chart().encode(
        y=alt.Y("fraction:Q", title="share of values", axis=alt.Axis(format="%")),
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
    noun = "activations" if quantity == "activation" else f"{quantity}s"
    return faceted.properties(title=_title(
        f"Histograms of {noun} per layer at epoch {epoch}", HISTOGRAM_SUBTITLES.get(
            quantity, "each row has its own x and y scales")))


# =====================================================================================
# 4–5. Loss curves and overfitting
# =====================================================================================
def _metric_y(metric: str, log_y: bool, values: pd.Series | None = None) -> alt.Y:
    if metric == "accuracy":
        return _percent_y("accuracy", "accuracy (% of samples classified correctly)")
    return _y("loss", "loss (average cost per sample)", log=log_y, values=values)


def _metric_rows(df: pd.DataFrame, metric: str, log_y: bool) -> pd.DataFrame:
    _check_choice("metric", metric, ["loss", "accuracy"])
    use_log = log_y and metric == "loss"
    return _finite(df, ["epoch", metric], positive=[metric] if use_log else [])


def _split_dash() -> alt.StrokeDash:
    return alt.StrokeDash("split:N", legend=_legend("split", symbolType="stroke"),
                          scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 3]]))


def _divergence_marks(history: pd.DataFrame, summary_df: pd.DataFrame, metric: str
                      ) -> alt.LayerChart | None:
    """A red cross where each diverged run stopped, at its last finite value: one cross
    and label per activation and epoch (its seeds counted, not overprinted), labels of
    the same epoch stacked."""
    _require(summary_df, ["activation", "seed", "diverged_at"], "summary_df")
    diverged = _finite(summary_df, ["diverged_at"])
    marks = []
    for row in diverged.itertuples(index=False):
        run = history[(history["activation"].astype(str) == str(row.activation))
                      & (history["seed"] == row.seed)].sort_values("epoch")
        at = int(row.diverged_at)
        # The training loss is what blew up; mark its last finite value before the end.
        train = run[run["split"].astype(str) == "train"]
        run = train if not train.empty else run
        before = run[run["epoch"] <= at]
        run = before if not before.empty else run
        if run.empty:
            continue
        marks.append({"activation": str(row.activation), "seed": str(row.seed),
                      "epoch": at, metric: float(run[metric].iloc[-1]), "diverged_at": at})
    if not marks:
        return None
    per_net = pd.DataFrame(marks)
    df = per_net.groupby(["activation", "epoch"], as_index=False, sort=False).agg(
        **{metric: (metric, "max"), "diverged_at": ("diverged_at", "first"),
           "seed": ("seed", ", ".join), "seeds": ("seed", "size")})
    several = df["activation"].nunique() > 1
    df["note"] = [(f"{activation_label(a)} " if several else "") + f"diverged at epoch {e}"
                  + (f" ({n} seeds)" if n > 1 else "")
                  for a, e, n in zip(df["activation"], df["epoch"], df["seeds"])]
    df["stack"] = df.groupby("epoch").cumcount()      # 0, 1, 2 … among the same epoch
    base = alt.Chart(_data(df)).encode(
        x="epoch:Q", y=f"{metric}:Q",
        tooltip=_tooltip("activation", "seed", "diverged_at"))
    cross = base.mark_point(shape="cross", filled=True, size=180, color=DIVERGED_COLOR)
    # Labels of one epoch would print over each other: each goes one line lower.
    texts = [base.transform_filter(alt.datum.stack == k).mark_text(
        align="left", dx=9, dy=-9 + 14 * k, color=DIVERGED_COLOR, fontWeight="bold"
    ).encode(text="note:N") for k in range(int(df["stack"].max()) + 1)]
    return alt.layer(cross, *texts)


def loss_chart(history_df: pd.DataFrame, metric: str = "loss", *, log_y: bool = True,
               summary_df: pd.DataFrame | None = None, width: int | str = WIDTH,
               height: int = HEIGHT) -> alt.LayerChart:
    """Train (solid) and test (dashed) curves for every activation on one chart. A diverged
    run just ends early; with `summary_df` its end is marked by a red cross."""
    _check_choice("metric", metric, ["loss", "accuracy"])
    _require(history_df, ["activation", "seed", "epoch", "split", metric], "history_df")
    df = _metric_rows(history_df, metric, log_y)
    select = _legend_select("activation")
    lines = alt.Chart(_data(df)).mark_line(
        point=alt.OverlayMarkDef(size=16, filled=True)).encode(
        x=alt.X("epoch:Q", title=_EPOCH_AXIS, axis=alt.Axis(tickMinStep=1)),
        y=_metric_y(metric, log_y, df[metric]),
        color=_activation_encoding(df),
        strokeDash=_split_dash(),
        detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "seed", "split", "epoch", metric),
    ).add_params(select)
    layers: list[alt.Chart | alt.LayerChart] = [lines]
    if summary_df is not None:
        marks = _divergence_marks(df, summary_df, metric)
        if marks is not None:
            layers.append(marks)
    what = "Loss" if metric == "loss" else "Accuracy"
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        f"{what} on the training (solid) and test (dashed) sets",
        "click a legend entry to highlight one activation"))


def overfitting_chart(history_df: pd.DataFrame, activation: str | None = None, *,
                      seed: int | None = None, log_y: bool = True,
                      width: int | str = WIDTH, height: int = HEIGHT) -> alt.LayerChart:
    """One net's train and test loss, the gap between them shaded, and a rule at the
    best-test epoch (argmin of the test loss): the early-stopping point."""
    _require(history_df, ["activation", "seed", "epoch", "split", "loss"], "history_df")
    names = list(dict.fromkeys(history_df["activation"].astype(str)))
    activation = names[0] if activation is None else str(activation)
    _check_choice("activation", activation, names)
    rows = history_df[history_df["activation"].astype(str) == activation]
    seed = rows["seed"].min() if seed is None else seed
    _check_choice("seed", seed, sorted(pd.unique(rows["seed"]).tolist()))
    df = _metric_rows(rows[rows["seed"] == seed], "loss", log_y)

    # Wide frame for the shaded gap: epochs where both splits have a finite loss.
    wide = (df.pivot_table(index="epoch", columns="split", values="loss").reset_index()
            .reindex(columns=["epoch", "train", "test"]).dropna())
    wide.columns.name = None
    wide["gap"] = wide["test"] - wide["train"]
    color = ACTIVATION_COLORS.get(activation, CATEGORY_COLORS[0])

    x = alt.X("epoch:Q", title=_EPOCH_AXIS, axis=alt.Axis(tickMinStep=1))
    select = _legend_select("split")
    area = alt.Chart(_data(wide)).mark_area(color=color, opacity=0.18).encode(
        x=x, y="train:Q", y2="test:Q", tooltip=_tooltip("epoch", "train", "test", "gap"))
    lines = alt.Chart(_data(df)).mark_line(
        color=color, point=alt.OverlayMarkDef(size=18, filled=True, color=color)).encode(
        x=x, y=_metric_y("loss", log_y, df["loss"]), strokeDash=_split_dash(),
        opacity=_highlight(select), tooltip=_tooltip("split", "epoch", "loss"),
    ).add_params(select)
    layers: list[alt.Chart] = [area, lines]
    test = df[df["split"] == "test"]
    subtitle = (f"{activation_label(activation)}, seed {seed}; "
                "shaded: the gap between test and training loss")
    if not test.empty:
        outcome = net_outcome(df)
        best_epoch = int(outcome["best_test_epoch"])
        marker = pd.DataFrame({"epoch": [best_epoch], "test": [outcome["best_test_loss"]],
                               "note": [f"best test epoch {best_epoch}"]})
        rule_base = alt.Chart(_data(marker)).encode(
            x="epoch:Q", tooltip=_tooltip("note", "epoch", "test"))
        layers += [rule_base.mark_rule(color="#333333", strokeDash=[4, 3]),
                   rule_base.mark_text(align="left", dx=4, baseline="top", color="#333333"
                                       ).encode(y=alt.value(4), text="note:N")]
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        "Overfitting: training loss keeps falling, test loss turns up", subtitle))


# =====================================================================================
# 8. How it was fixed
# =====================================================================================
def pretrain_chart(pretrain_df: pd.DataFrame, *, columns: int = FACET_COLUMNS
                   ) -> alt.FacetChart:
    """Greedy layer-wise pretraining (res.pretrain): each hidden layer's reconstruction
    error against its own pretraining epoch (0 = before it), one line per layer, one
    panel per activation (mean over seeds), log y. Every line should fall: each layer
    learns to encode the layer below before the whole net is fine-tuned."""
    _require(pretrain_df, ["activation", "seed", "layer", "epoch", "recon_error"],
             "pretrain_df")
    rows = _finite(pretrain_df, ["recon_error"], positive=["recon_error"])
    df = mean_over_seeds(rows, ["activation", "layer", "epoch"], ["recon_error"],
                         sort=False, count_seeds=True)
    chart = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=20, filled=True)).encode(
        x=alt.X("epoch:Q", title="pretraining epoch of that layer (0 = before)",
                axis=alt.Axis(tickMinStep=1, format="d")),
        y=_y("recon_error", "reconstruction error (MSE)", log=True,
             values=df["recon_error"]),
        color=_layer_encoding(),
        tooltip=_tooltip("activation", "layer", "epoch", "recon_error", "n_seeds"),
    ).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        "Layer-wise pretraining: each layer learns to reconstruct the layer below",
        "one autoencoder per hidden layer, trained in turn from the input up, before "
        "the whole net is fine-tuned"))


# =====================================================================================
# 6. Softmax & cross-entropy
# =====================================================================================
def softmax_chart(softmax_df: pd.DataFrame, *, width: int | str = 420, height: int = 260
                  ) -> alt.LayerChart:
    """Probability per class (0..1) with its logit in the tooltip, value printed on top."""
    _require(softmax_df, ["class", "logit", "probability"], "softmax_df")
    df = _finite(softmax_df, ["logit", "probability"])
    df["class"] = df["class"].astype(str)
    base = alt.Chart(_data(df)).encode(
        x=alt.X("class:N", title="class", sort=df["class"].tolist(),
                axis=alt.Axis(labelAngle=0)),
        y=_percent_y("probability", "softmax probability"),
        tooltip=_tooltip("class", "logit", "probability"))
    bars = base.mark_bar(color="#0072B2")
    text = base.mark_text(dy=-6, baseline="bottom").encode(
        text=alt.Text("probability:Q", format=".0%"))
    return alt.layer(bars, text).properties(width=width, height=height, title=_title(
        "Softmax turns logits into probabilities",
        "p_j = exp(z_j) / Σ_k exp(z_k): positive and summing to 1"))


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
    color = alt.Color("head:N", scale=_fixed_colors(heads, HEAD_COLORS),
                      legend=_legend("output head"), sort=heads)

    def panel(quantity: str) -> alt.Chart:
        grad = "grad" in quantity
        title = ("gradient size |∂C/∂z|" if grad else "loss C") if quantity in (
            "gradient", "loss") else quantity
        chart = alt.Chart().mark_line(strokeWidth=2.5).encode(
            x=alt.X("p:Q", title="predicted probability of the true class p",
                    scale=alt.Scale(domain=[0, 1])),
            y=_y("value", title, log=grad and log_gradient,
                 values=df.loc[df["quantity"] == quantity, "value"]),
            color=color, opacity=_highlight(select),
            tooltip=_tooltip("head", "quantity", "p", "value"),
        ).transform_filter(alt.datum.quantity == quantity)
        return chart.properties(width=width, height=height, title=quantity)

    panels = [panel(q) for q in dict.fromkeys(df["quantity"].astype(str))]
    if panels:
        panels[0] = panels[0].add_params(select)
    return alt.hconcat(*panels, data=_data(df)).resolve_scale(
        x="shared", color="shared").properties(title=_title(
            "Loss and gradient against the probability of the right answer",
            "a good cost has a big gradient when the net is badly wrong (p near 0)"))


# =====================================================================================
# 2-D toy sets
# =====================================================================================
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
    grid = grid_df
    if "seed" in grid:
        grid = grid[grid["seed"] == (grid["seed"].min() if seed is None else seed)]
    grid = _finite(grid, ["x1", "x2", "prob"])
    grid["activation"] = grid["activation"].astype(str)
    # Cells as rectangles centred on the grid points (regular grid; step = median gap).
    for axis in ("x1", "x2"):
        ticks = np.unique(grid[axis].to_numpy())
        half = 0.5 * (float(np.median(np.diff(ticks))) if ticks.size > 1 else 1.0)
        grid[f"{axis}_lo"], grid[f"{axis}_hi"] = grid[axis] - half, grid[axis] + half
    grid["kind"] = "grid"

    points = _finite(points_df, ["x1", "x2"])
    points["label"] = points["label"].astype(str)
    points["split"] = points["split"].astype(str)
    # Facets partition one data set, so the points are repeated for every activation
    # that has a boundary; a diverged net's panel holds only its note.
    names = registry_order(grid["activation"])
    notes = pd.DataFrame(columns=["activation", "note", "kind"])
    if summary_df is not None:
        _require(summary_df, ["activation", "seed", "diverged_at"], "summary_df")
        shown = seed if seed is not None else (grid_df["seed"].min() if "seed" in grid_df
                                               and not grid_df.empty
                                               else summary_df["seed"].min())
        gone = summary_df[(summary_df["seed"] == shown) & summary_df["diverged_at"].notna()
                          & ~summary_df["activation"].astype(str).isin(names)]
        notes = pd.DataFrame({"activation": gone["activation"].astype(str),
                              "note": [f"diverged at epoch {int(e)}: no boundary"
                                       for e in gone["diverged_at"]], "kind": "note"})
    points = pd.concat([points.assign(activation=name, kind="point") for name in names],
                       ignore_index=True) if names else points.assign(kind="point")
    df = pd.concat([grid, points, notes], ignore_index=True)

    labels = sorted(points["label"].unique().tolist())
    select = _legend_select("label")
    x = alt.X("x1_lo:Q", title="x₁", scale=alt.Scale(zero=False, nice=False))
    y = alt.Y("x2_lo:Q", title="x₂", scale=alt.Scale(zero=False, nice=False))
    # A hairline stroke in each cell's own colour (Vega-Lite names the scale after its
    # channel, "color") hides the anti-aliasing seams between adjacent cells; a stroke
    # *encoding* would turn the colour bar into a symbol legend.
    heat = alt.Chart().mark_rect(strokeWidth=0.6,
                                 stroke=alt.ExprRef(expr="scale('color', datum.prob)")
                                 ).encode(
        x=x, x2="x1_hi:Q", y=y, y2="x2_hi:Q",
        color=alt.Color("prob:Q", scale=alt.Scale(scheme="blueorange", domain=[0, 1]),
                        legend=_legend("P(class 1)", format="%")),
        tooltip=_tooltip("activation", "x1", "x2", "prob"),
    ).transform_filter(alt.datum.kind == "grid")
    dots = alt.Chart().mark_point(filled=True, size=36, stroke="black", strokeWidth=0.8
                                  ).encode(
        x=alt.X("x1:Q", title="x₁"), y=alt.Y("x2:Q", title="x₂"),
        shape=alt.Shape("label:N", sort=labels, legend=_legend("class")),
        # Shape and fill share field and title, so they merge into one "class" legend.
        fill=alt.Fill("label:N", sort=labels, legend=_legend("class"), scale=alt.Scale(
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
    layered = alt.layer(heat, dots, note).properties(width=size, height=size)
    return _facet_by_activation(layered, df, columns).properties(title=_title(
        "What each net learned: probability of class 1 over the plane",
        "filled marks: training points; hollow: test points"))


# =====================================================================================
# 9. Through time: recurrent cells (vgcore.recurrent frames)
# =====================================================================================
# One colour per cell on every recurrent chart: the vanilla RNN warm (its gradient
# vanishes, like the sigmoid's), the gated cells cool.
CELL_COLORS: dict[str, str] = {"rnn": "#D55E00", "lstm": "#0072B2", "gru": "#009E73"}
_TIME_AXIS = "time step t (1 = the first input; the loss is read after the last, T)"


def _cell_encoding(df: pd.DataFrame) -> alt.Color:
    names = cell_order(df["cell"]) if "cell" in df else []
    return alt.Color("cell:N", scale=_fixed_colors(names, CELL_COLORS), sort=names,
                     legend=_legend("cell", labelExpr=_label_expr(
                         {k: c.label for k, c in CELLS.items()})))


def _reference_rules(levels: Sequence[tuple[float, str]], field: str, width: int | str
                     ) -> alt.LayerChart:
    """Grey dashed rules at fixed accuracies (chance, solved), each labelled at the right
    end (the curves start at the left, where they would cover the label)."""
    df = pd.DataFrame([{field: v, "note": n} for v, n in levels])
    base = alt.Chart(_data(df)).encode(y=f"{field}:Q", tooltip=_tooltip("note", field))
    rule = base.mark_rule(color="#888888", strokeDash=[4, 3])
    at = alt.value(width) if isinstance(width, int) else alt.value(0)
    text = base.mark_text(align="right" if isinstance(width, int) else "left",
                          baseline="bottom", dx=-3 if isinstance(width, int) else 3, dy=-2,
                          color="#666666").encode(x=at, text="note:N")
    return alt.layer(rule, text)


def time_grad_chart(time_grads_df: pd.DataFrame, epochs: Sequence[int] = (0,), *,
                    width: int | str = WIDTH, height: int = HEIGHT) -> alt.Chart:
    """‖∂L/∂h_t‖ against the time step t (log y), one colour per cell, one line per seed:
    how much of the loss's gradient, taken at the last step T, reaches each earlier state.
    With several `epochs` the first is dashed (0: the untrained nets)."""
    _require(time_grads_df, ["cell", "seed", "epoch", "t", "grad_norm"], "time_grads_df")
    available = sorted(int(e) for e in pd.unique(time_grads_df["epoch"]))
    for epoch in epochs:
        _check_choice("epoch", epoch, available)
    rows = time_grads_df[time_grads_df["epoch"].isin(list(epochs))]
    df = _finite(rows, ["t", "grad_norm"], positive=["grad_norm"])
    whens = [("untrained (epoch 0)" if e == 0 else f"after epoch {e}") for e in epochs]
    df["when"] = df["epoch"].map(dict(zip(epochs, whens)))
    select = _legend_select("cell")
    encodings: dict[str, Any] = {}
    if len(epochs) > 1:
        encodings["strokeDash"] = alt.StrokeDash(
            "when:N", sort=whens, legend=_legend("when", symbolType="stroke"),
            scale=alt.Scale(domain=whens, range=[[6, 3]] + [[1, 0]] * (len(whens) - 1)))
    last = int(df["t"].max()) if not df.empty else 1
    chart = alt.Chart(_data(df)).mark_line().encode(
        x=alt.X("t:Q", title=_TIME_AXIS, scale=alt.Scale(domain=[1, last], nice=False),
                axis=alt.Axis(tickMinStep=1)),
        y=_y("grad_norm", "gradient reaching step t, ‖∂L/∂h_t‖", log=True,
             values=df["grad_norm"]),
        color=_cell_encoding(df),
        detail=["seed:N", "when:N"],
        opacity=_highlight(select),
        tooltip=_tooltip("cell", "seed", "epoch", "t", "grad_norm"),
        **encodings,
    ).add_params(select)
    return chart.properties(width=width, height=height, title=_title(
        "The gradient reaching each time step",
        "read it right to left: every step back through time multiplies the gradient by "
        "one more factor"))


def recurrent_accuracy_chart(history_df: pd.DataFrame, split: str = "test", *,
                             chance: float | None = None, width: int | str = WIDTH,
                             height: int = HEIGHT) -> alt.LayerChart:
    """Accuracy per epoch on one split, one colour per cell and one line per seed, with
    rules at `chance` (a net that learned nothing) and at the 'solved' accuracy."""
    _check_choice("split", split, ["train", "test"])
    _require(history_df, ["cell", "seed", "epoch", "split", "accuracy"], "history_df")
    df = _finite(history_df[history_df["split"].astype(str) == split],
                 ["epoch", "accuracy"])
    select = _legend_select("cell")
    lines = alt.Chart(_data(df)).mark_line(point=alt.OverlayMarkDef(size=16, filled=True)
                                           ).encode(
        x=alt.X("epoch:Q", title=_EPOCH_AXIS, axis=alt.Axis(tickMinStep=1)),
        y=_percent_y("accuracy", f"{split} accuracy (% of sequences answered right)"),
        color=_cell_encoding(df),
        detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("cell", "seed", "epoch", "accuracy"),
    ).add_params(select)
    levels = [(SOLVED_ACCURACY, f"solved ({SOLVED_ACCURACY:.0%})")]
    if chance is not None:
        levels.append((chance, f"chance ({chance:.0%})"))
    return alt.layer(lines, _reference_rules(levels, "accuracy", width)).properties(
        width=width, height=height, title=_title(
            f"Accuracy on the {split} set, per epoch",
            "one line per seed; click a legend entry to highlight one cell"))


def length_sweep_chart(sweep_df: pd.DataFrame, *, chance: float | None = None,
                       width: int | str = WIDTH, height: int = HEIGHT) -> alt.LayerChart:
    """Final test accuracy against the sequence length (log x, mean over seeds), one colour
    per cell: where each cell falls to chance. Frame: `vgcore.recurrent.length_sweep`."""
    _require(sweep_df, ["cell", "seq_len", "seed", "final_test_accuracy", "solved"],
             "sweep_df")
    rows = _finite(sweep_df, ["seq_len", "final_test_accuracy"])
    df = mean_over_seeds(rows, ["cell", "seq_len"], ["final_test_accuracy", "solved"],
                         sort=False, count_seeds=True)
    lengths = sorted(int(v) for v in pd.unique(df["seq_len"]))
    select = _legend_select("cell")
    lines = alt.Chart(_data(df)).mark_line(point=alt.OverlayMarkDef(size=50, filled=True)
                                           ).encode(
        x=alt.X("seq_len:Q", title="sequence length T (log scale)",
                scale=alt.Scale(type="log", nice=False, padding=14, domain=(
                    [lengths[0], lengths[-1]] if lengths else alt.Undefined)),
                axis=alt.Axis(values=lengths, format="d")),
        y=_percent_y("final_test_accuracy", "final test accuracy"),
        color=_cell_encoding(df),
        opacity=_highlight(select),
        tooltip=_tooltip("cell", "seq_len", "final_test_accuracy", "solved", "n_seeds"),
    ).add_params(select)
    levels = [(SOLVED_ACCURACY, f"solved ({SOLVED_ACCURACY:.0%})")]
    if chance is not None:
        levels.append((chance, f"chance ({chance:.0%})"))
    rules = _reference_rules(levels, "final_test_accuracy", width)
    return alt.layer(lines, rules).properties(width=width, height=height, title=_title(
        "Test accuracy against the sequence length",
        "after the same training at every length (mean over seeds): where does each cell "
        "fall to chance?"))


# =====================================================================================
# Workshop
# =====================================================================================
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
    # activations and output heads keep the colours they have on every other chart; any
    # other series takes the category colours in order, as init_comparison_chart does,
    # so the same runs get the same colours on both
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
        x=alt.X("epoch:Q", title=_EPOCH_AXIS, axis=alt.Axis(tickMinStep=1)),
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


__all__ = ["ACTIVATION_COLORS", "CATEGORY_COLORS", "HEAD_COLORS", "activation_color",
           "activation_chart", "chain_rule_chart", "grad_norm_bars", "speed_ratio_text",
           "grad_norm_lines", "grad_heatmap", "init_comparison_chart", "saturation_chart",
           "histogram_chart", "loss_chart", "overfitting_chart", "softmax_chart",
           "loss_vs_prob_chart", "decision_boundary_chart", "overlay_chart",
           "CELL_COLORS", "time_grad_chart", "recurrent_accuracy_chart",
           "length_sweep_chart", "pretrain_chart"]
