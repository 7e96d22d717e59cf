"""Per-layer charts: the gradient each hidden layer gets (Nielsen's speed of learning, over
training, by initialisation), the share of saturated units, the mean activation, and the
reconstruction error of layer-wise pretraining."""
from __future__ import annotations

from typing import Mapping

import altair as alt
import pandas as pd

from vgcore.i18n import N_, tr
from vgcore.results import layer_words, registry_order

from ._common import (_EPOCH_AXIS_SHORT, _HIDDEN_AXIS, FACET_COLUMNS, FACET_HEIGHT,
                      FACET_WIDTH, HEIGHT, WIDTH, _activation_encoding, _data, _epoch_rows,
                      _facet_by_activation, _finite, _hidden_only, _highlight,
                      _layer_encoding, _legend, _legend_select, _log_floor, _log_format,
                      _log_ticks, _percent_y, _require, _short_title, _title, _tooltip,
                      _value_title, _y, _as_field, _band_frame, FADED, _median_band, _seeds_note,
                      _subtitle, _log_title, _marked)
from .palette import _fixed_colors, named_colors


# The words init_comparison_chart's `by` takes from the lab's pages (marked here; the
# catalog's "initialisation" is _FIELDS' own).
_BY_WORDS = (N_("cure"),)


def grad_norm_bars(layers_df: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm",
                   *, width: int = WIDTH, height: int = HEIGHT) -> alt.Chart:
    """Nielsen's "speed of learning" bars: one bar per hidden layer and activation at one
    epoch (median over seeds, the range a whisker), log y. Raises ValueError if `epoch`
    is not in the frame."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", value],
             "layers_df")
    rows = _hidden_only(_epoch_rows(layers_df, epoch))
    rows = _finite(rows, [value], positive=[value])
    df, n = _band_frame(rows, ["activation", "layer", "layer_name"], value, log=True)
    df = df[df["curve"] == "median"]      # a bar per layer; the seeds are its whisker
    names = registry_order(df["activation"])
    select = _legend_select("activation")
    spread = pd.concat([df[f"{value}_lo"], df[f"{value}_hi"]])
    y = alt.Y(f"{value}:Q", title=_log_title(_value_title(value)), stack=None,
              # No stacking: a stack starts at 0, which a log scale cannot place.
              scale=alt.Scale(type="log", domainMin=_log_floor(spread)),
              axis=alt.Axis(values=_log_ticks(spread), format=_log_format(spread)))
    tips = ("activation", "layer_name", value, "over_seeds")
    bars = alt.Chart().mark_bar().encode(color=_activation_encoding(df),
                                         opacity=_highlight(select), tooltip=_tooltip(*tips))
    layers = [bars.add_params(select)]
    if n > 1:   # the range over seeds as a whisker on each bar
        layers.append(alt.Chart().mark_rule(color="#333333", strokeWidth=1.5).encode(
            y=_as_field(y, f"{value}_lo"), y2=f"{value}_hi:Q",
            opacity=_highlight(select, 1, FADED), tooltip=_tooltip(*tips)))
    chart = alt.layer(*layers, data=_data(df)).encode(
        x=alt.X("layer:O", title=tr(_HIDDEN_AXIS), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("activation:N", sort=names), y=y)
    title = (tr("Gradient size per hidden layer in the untrained net") if epoch == 0
             else tr("Gradient size per hidden layer in epoch {epoch}", epoch=epoch))
    return chart.properties(width=width, height=height, title=_title(
        title, _subtitle(
            _seeds_note(n, "bar", "whisker", each=False),
            tr("Nielsen's speed of learning: a taller bar "
               "means that layer's weights change faster"))))


def grad_norm_lines(layers_df: pd.DataFrame, value: str = "bias_grad_norm", *,
                    include_output: bool = False, columns: int = FACET_COLUMNS
                    ) -> alt.FacetChart:
    """Per-layer gradient norm over training, log y, one panel per activation; colour is
    the layer (the facet header already names the activation), one line per seed."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", value],
             "layers_df")
    rows = layers_df if include_output else _hidden_only(layers_df)
    keys = ["activation", "layer", "layer_name", "epoch"]
    # only what the lines draw: each seed's row carried every column of res.layers
    # (2/3 of the spec on the Gradient flow page)
    df = _finite(rows, ["epoch", value], positive=[value])[[*keys, "seed", value]]
    # median in log space: the same middle the log axis shows
    drawn, n = _band_frame(df, keys, value, log=True)
    spread = pd.concat([drawn[value], drawn[f"{value}_lo"], drawn[f"{value}_hi"]])
    chart = _median_band(
        {"x": alt.X("epoch:Q", title=tr(_EPOCH_AXIS_SHORT), axis=alt.Axis(tickMinStep=1)),
         "color": _layer_encoding()},
        _y(value, _short_title(value), log=True, values=spread), value, n,
        _legend_select("layer"), ["layer"], ["activation", "epoch", "layer_name"],
        line={"point": alt.OverlayMarkDef(size=18, filled=True)},
    ).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, drawn, columns).properties(title=_title(
        tr("Gradient norm per layer during training"),
        _subtitle(_seeds_note(n), tr("lines far apart = layers learning at very different "
                                     "speeds"))))


def grad_heatmap(layers_df: pd.DataFrame, value: str = "bias_grad_norm", *,
                 columns: int = FACET_COLUMNS) -> alt.FacetChart:
    """Layer × epoch heatmap of the gradient norm (median over seeds), log colour scale, one
    panel per activation; output layer at the top, layer 1 at the bottom."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", value],
             "layers_df")
    rows = _finite(layers_df, ["epoch", "layer", value], positive=[value])
    df, n = _band_frame(rows, ["activation", "epoch", "layer", "layer_name"], value,
                        log=True)
    df = df[df["curve"] == "median"]
    # as the embedded data writes the layers (in the reader's language: `_data`)
    order = [layer_words(name) for name in
             df.drop_duplicates("layer_name").sort_values("layer", ascending=False)
             ["layer_name"].astype(str).tolist()]
    chart = alt.Chart().mark_rect().encode(
        x=alt.X("epoch:O", title=tr(_EPOCH_AXIS_SHORT), axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("layer_name:N", title=tr("layer"), sort=order),
        color=alt.Color(f"{value}:Q", scale=alt.Scale(type="log", scheme="viridis"),
                        legend=_legend([_short_title(value), tr("(log scale)")],
                                       format=".2~g")),
        tooltip=_tooltip("activation", "epoch", "layer_name", value, "over_seeds"),
    ).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        tr("Gradient norm by layer and epoch"), _subtitle(
            tr("colour: median over {n} seeds", n=n) if n > 1 else None,
            tr("a dark bottom row: the first layers barely learn"))))


def init_comparison_chart(layers_df: pd.DataFrame, value: str = "bias_grad_norm",
                          series: str = "init", *, epoch: int = 0,
                          columns: int = FACET_COLUMNS, dash: str | None = None,
                          by: str = "initialisation", facet: bool = True,
                          names: Mapping[str, tuple[str, str]] | None = None
                          ) -> alt.FacetChart | alt.Chart:
    """Gradient norm against depth at one epoch (default: the untrained net), one line per
    initialisation scheme (`series` column), one panel per activation, log y. A flat line
    is a good init (He et al. 2015); a line falling towards layer 1 vanishes, one rising
    towards it explodes. `dash`: a second column drawn as the line's dash (solid first),
    e.g. ours vs published, so the same `series` keeps one colour. Any other `series`
    works too (`by` names it in the title: a word marked for the catalog, N_, such as
    "initialisation" or "cure"); `facet=False` draws every line on one panel
    (its tooltip names the activation), for series that differ in activation too.
    `names`: series value -> (group, registry name), e.g. "He / Kaiming" -> ("init", "he"):
    each such line takes that name's colour from the palette; others take spare colours."""
    _require(layers_df, ["activation", "epoch", "layer", "layer_name", value, series,
                         *([dash] if dash else [])], "layers_df")
    rows = _finite(_hidden_only(_epoch_rows(layers_df, epoch)), [value], positive=[value])
    rows = rows.assign(**{c: rows[c].astype(str) for c in [series, *([dash] if dash else [])]})
    groups = ["activation", series, *([dash] if dash else [])]
    df, n = _band_frame(rows, [*groups, "layer", "layer_name"], value, log=True)
    order = list(dict.fromkeys(df[series]))
    shared = {"x": alt.X("layer:Q", title=tr(_HIDDEN_AXIS),
                         axis=alt.Axis(tickMinStep=1, format="d")),
              "color": alt.Color(f"{series}:N", sort=order,
                                 scale=_fixed_colors(order, named_colors(names or {})),
                                 legend=_legend(_short_title(series)))}
    if dash:
        styles = list(dict.fromkeys(df[dash]))
        shared["strokeDash"] = alt.StrokeDash(
            f"{dash}:N", sort=styles, legend=_legend(_short_title(dash)),
            scale=alt.Scale(domain=styles, range=[[1, 0], [6, 4], [2, 2]][:len(styles)]))
    spread = pd.concat([df[value], df[f"{value}_lo"], df[f"{value}_hi"]])
    chart = _median_band(shared, _y(value, _short_title(value), log=True, values=spread),
                         value, n, _legend_select(series), groups,
                         [*groups, "layer_name"],
                         line={"point": alt.OverlayMarkDef(size=30, filled=True)})
    by = _marked(by)
    title = _title(
        tr("Gradient norm per layer in the untrained net, by {by}", by=by) if epoch == 0
        else tr("Gradient norm per layer in epoch {epoch}, by {by}", epoch=epoch, by=by),
        _subtitle(_seeds_note(n), tr("flat: every layer learns at the same speed; low at "
                                     "layer 1: vanishing; high at layer 1: exploding")))
    if not facet:
        return chart.properties(data=_data(df), width=WIDTH, height=HEIGHT, title=title)
    return _facet_by_activation(
        chart.properties(width=FACET_WIDTH, height=FACET_HEIGHT), df, columns
    ).properties(title=title)


def saturation_chart(layers_df: pd.DataFrame, *, columns: int = FACET_COLUMNS
                     ) -> alt.FacetChart:
    """Share of saturated hidden units (flat part of f) per layer over training, one panel
    per activation. Output-layer rows (saturation NaN) are dropped."""
    _require(layers_df, ["activation", "seed", "epoch", "layer", "layer_name", "saturation"],
             "layers_df")
    df = _finite(_hidden_only(layers_df), ["epoch", "saturation"])
    select = _legend_select("layer")
    chart = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=18, filled=True)).encode(
        x=alt.X("epoch:Q", title=tr(_EPOCH_AXIS_SHORT), axis=alt.Axis(tickMinStep=1)),
        y=_percent_y("saturation", tr("saturated units")),
        color=_layer_encoding(),
        detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "seed", "epoch", "layer_name", "saturation"),
    ).add_params(select).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        tr("Saturated units per hidden layer during training"),
        tr("saturated: |f'(z)| below 10% of its maximum, so almost no gradient passes")))


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
    x = alt.X("epoch:Q", title=tr(_EPOCH_AXIS_SHORT), axis=alt.Axis(tickMinStep=1),
              scale=alt.Scale(nice=False))
    band = alt.Chart().mark_area(opacity=0.12).encode(
        x=x, y=alt.Y("low:Q", title=tr("mean activation (band: ± 1 std)")), y2="high:Q",
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
            tr("Mean activation per hidden layer during training"),
            tr("a layer drifting to the flat end of its activation stops passing gradient; "
               "each panel has its own y scale")))


def pretrain_chart(pretrain_df: pd.DataFrame, *, columns: int = FACET_COLUMNS
                   ) -> alt.FacetChart:
    """Greedy layer-wise pretraining (res.pretrain): each hidden layer's reconstruction
    error against its own pretraining epoch (0 = before it), one line per layer, one
    panel per activation (median over seeds, their range a band), log y. Every line
    should fall: each layer
    learns to encode the layer below before the whole net is fine-tuned."""
    _require(pretrain_df, ["activation", "seed", "layer", "epoch", "recon_error"],
             "pretrain_df")
    rows = _finite(pretrain_df, ["recon_error"], positive=["recon_error"])
    df, n = _band_frame(rows, ["activation", "layer", "epoch"], "recon_error", log=True)
    spread = pd.concat([df["recon_error"], df["recon_error_lo"], df["recon_error_hi"]])
    chart = _median_band(
        {"x": alt.X("epoch:Q", title=tr("pretraining epoch of that layer (0 = before)"),
                    axis=alt.Axis(tickMinStep=1, format="d")), "color": _layer_encoding()},
        _y("recon_error", tr("reconstruction error (MSE)"), log=True, values=spread),
        "recon_error", n, _legend_select("layer"), ["layer"], ["activation", "layer", "epoch"],
        line={"point": alt.OverlayMarkDef(size=20, filled=True)},
    ).properties(width=FACET_WIDTH, height=FACET_HEIGHT)
    return _facet_by_activation(chart, df, columns).properties(title=_title(
        tr("Layer-wise pretraining: each layer learns to reconstruct the layer below"),
        _subtitle(_seeds_note(n), tr("one autoencoder per hidden layer, trained in turn from "
                                     "the input up, before the whole net is fine-tuned"))))
