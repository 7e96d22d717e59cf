"""The building blocks every chart is made of: sizes, each field's title and format
(`_FIELDS`), frame checks (`_require`, `_finite`), inline data, tooltips, legends that
highlight the clicked series, log axes that tick on decades, titles and facets.

Words: every title, axis title, legend title, tooltip title and note a chart draws is
a message (`vgcore.i18n`), looked up in the reader's language when the chart is built;
labels declared here at import time are marked with N_ and translated where they are
drawn. Field names, encodings and Vega expressions stay English, and colours are keyed by
registry names, so a net keeps its colour in every language.

Data are embedded as inline values (not a DataFrame reference) because Altair's default
data transformer refuses frames over 5,000 rows, and a 20-layer net over 200 epochs or a
50×50 decision grid for four activations is bigger than that. Our frames are at most a
few tens of thousands of small rows, well within what a browser draws.
"""
from __future__ import annotations

import json
import math
import string
from typing import Any, Sequence

import altair as alt
import numpy as np
import pandas as pd

from vgcore.activations import ACTIVATIONS
from vgcore.i18n import N_, tr, trn
from vgcore.results import IQR_FROM_SEEDS, layer_words, registry_order, seed_band

from .lines import text_lines
from .palette import LAYER_SCHEME, activation_color

# -- sizes (px) ----------------------------------------------------------------------
WIDTH = 600
HEIGHT = 320
FACET_WIDTH = 300
FACET_HEIGHT = 170
# 2 × 300 px plus axes and a legend fits a wide page's main column beside the sidebar
# (~900 px); four panels side by side do not fit a laptop screen.
FACET_COLUMNS = 2
FADED = 0.15               # opacity of series not selected in the legend

# -- field metadata: Vega-Lite type, short title for tooltips, number format ---------
_FIELDS: dict[str, tuple[str, str, str | None]] = {
    "activation": ("N", N_("activation"), None),
    "seed": ("N", N_("seed"), None),
    "epoch": ("Q", N_("epoch"), "d"),
    "split": ("N", N_("split"), None),
    "loss": ("Q", N_("loss"), ".4~g"),
    "accuracy": ("Q", N_("accuracy"), ".1%"),
    "layer": ("O", N_("layer"), None),
    "layer_name": ("N", N_("layer"), None),
    "weight_grad_norm": ("Q", "‖∂C/∂W‖", ".3~e"),
    "bias_grad_norm": ("Q", "‖∂C/∂b‖", ".3~e"),
    "act_mean": ("Q", N_("mean activation"), ".3~g"),
    "act_std": ("Q", N_("std of activation"), ".3~g"),
    "saturation": ("Q", N_("saturated"), ".1%"),
    "unit": ("O", N_("unit"), None),
    "bias_grad": ("Q", N_("∂C/∂b (signed)"), ".3~e"),
    "grad_size": ("Q", "|∂C/∂b|", ".3~e"),
    "shown": ("N", N_("drawn"), None),
    "weight": ("Q", "w", ".3~g"),
    "weight_grad": ("Q", "∂C/∂w", ".3~e"),
    "from": ("N", N_("from"), None),
    "to": ("N", N_("to"), None),
    "wfprime_mean": ("Q", N_("mean |w·f'(z)|"), ".3~g"),
    "quantity": ("N", N_("quantity"), None),
    "bin_start": ("Q", N_("bin from"), ".3~g"),
    "bin_end": ("Q", N_("bin to"), ".3~g"),
    "count": ("Q", N_("count"), "d"),
    "fraction": ("Q", N_("fraction"), ".2%"),
    "x": ("Q", "z", ".2f"),
    "value": ("Q", N_("value"), ".4~g"),
    "saturated": ("N", N_("saturated"), None),
    "depth": ("Q", N_("depth (layers)"), "d"),
    "factor": ("Q", N_("factor"), ".3~g"),
    "product": ("Q", N_("product"), ".3~g"),
    "class": ("N", N_("class"), None),
    "logit": ("Q", "logit", ".3f"),
    "probability": ("Q", N_("probability"), ".1%"),
    "p": ("Q", N_("p (true class)"), ".3f"),
    "head": ("N", N_("output head"), None),
    "x1": ("Q", "x₁", ".2f"),
    "x2": ("Q", "x₂", ".2f"),
    "prob": ("Q", N_("P(class 1)"), ".1%"),
    "label": ("N", N_("class"), None),
    "run": ("N", N_("run"), None),
    "init": ("N", N_("initialisation"), None),
    "n_seeds": ("Q", N_("seeds"), "d"),
    "diverged_at": ("Q", N_("diverged at epoch"), "d"),
    "train": ("Q", N_("train loss"), ".4~g"),
    "test": ("Q", N_("test loss"), ".4~g"),
    "gap": ("Q", N_("test − train"), ".4~g"),
    "note": ("N", N_("note"), None),
    "cell": ("N", N_("cell"), None),
    "t": ("Q", N_("time step t"), "d"),
    "grad_norm": ("Q", "‖∂L/∂h_t‖", ".3~e"),
    "grad_rel": ("Q", "÷ ‖∂L/∂h_T‖", ".3~e"),
    "seq_len": ("Q", N_("sequence length T"), "d"),
    "final_test_accuracy": ("Q", N_("final test accuracy"), ".1%"),
    "solved": ("Q", N_("seeds that solved it"), ".0%"),
    "over_seeds": ("N", N_("across seeds"), None),
    # columns a page names its series by; the title is the column's name, as before
    "net": ("N", N_("net"), None),
    "source": ("N", N_("source"), None),
    "recon_error": ("N", N_("recon_error"), None),
}
# The field titles above that are words (the others are formulas: ‖∂C/∂W‖, x₁ …) are
# marked with N_ and translated where a chart draws them (`_field_title`).
_VALUE_TITLES = {
    "bias_grad_norm": N_("bias-gradient norm ‖∂C/∂b‖"),
    "weight_grad_norm": N_("weight-gradient norm ‖∂C/∂W‖"),
    "act_mean": N_("mean activation"),
    "act_std": N_("standard deviation of the activations"),
}
_EPOCH_AXIS = N_("epoch (passes over the training set; 0 = untrained)")
_EPOCH_AXIS_SHORT = N_("epoch (0 = untrained)")  # facets are ~220 px wide
_HIDDEN_AXIS = N_("hidden layer (1 = nearest the input)")


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
    """Inline JSON values (see module docstring for why not the DataFrame itself); layer
    names in the reader's language (`_layer_labels`)."""
    clean = alt.utils.sanitize_pandas_dataframe(_layer_labels(df).reset_index(drop=True))
    # Per-record schema validation is slow on a boundary grid and these records are our
    # own sanitised frame's; to_dict() still validates the whole spec.
    with alt.utils.schemapi.debug_mode(False):
        return alt.InlineData(values=clean.to_dict(orient="records"))


def _marked(label: str) -> str:
    """A label marked for the catalog (N_) where it was declared (a registry's label, a
    `_FIELDS` title), in the reader's language; a label no catalog holds (a formula, a
    column's name, a run's name) comes back unchanged, braces and all."""
    return label if "{" in label or "}" in label else tr(label)


def _field_title(title: str) -> str:
    """A `_FIELDS` / `_VALUE_TITLES` title in the reader's language (formulas and column
    names that are no message come back unchanged)."""
    return _marked(title)


def _tooltip(*cols: str) -> list[alt.Tooltip]:
    """One tooltip list per mark, titles and formats from `_FIELDS`."""
    tips = []
    for col in cols:
        kind, title, fmt = _FIELDS.get(col, ("N", col, None))
        tips.append(alt.Tooltip(f"{col}:{kind}", title=_field_title(title),
                                **({"format": fmt} if fmt else {})))
    return tips


def _legend(title: str | list[str], **kwargs: Any) -> alt.Legend:
    """No truncation: "softmax + cross-entropy" must be readable in full."""
    return alt.Legend(title=title, labelLimit=0, titleLimit=0, **kwargs)


def _activation_label_expr() -> str:
    """Vega expression showing an activation's display name (ReLU, leaky ReLU) where a
    legend or facet header would print its registry key (relu, leaky_relu): the app's
    widgets use display names, so the charts must too. The data keeps the keys."""
    # tr: a label the registry marks for the catalog reads in the reader's language
    # (ReLU, sigmoid and the other names read the same in every language)
    return _label_expr({key: _marked(act.label) for key, act in ACTIVATIONS.items()})


def _label_expr(labels: dict[str, str]) -> str:
    """Vega expression: a registry key -> its label (other values unchanged)."""
    # Parenthesised: in facet headers Vega-Lite pastes a whole conditional expression in
    # place of each `datum.label`, which without brackets swallows the comparison.
    expr = "(datum.label)"
    for key, label in reversed(list(labels.items())):
        if label != key:
            expr = (f"(datum.label) === {json.dumps(key, ensure_ascii=False)} ? "
                    f"{json.dumps(label, ensure_ascii=False)} : {expr}")
    return expr


def _shown_as(labels: dict[str, str]) -> dict[str, str]:
    """Legend options showing each data value (a key the data keeps: 'train', 'test') as
    its words in the reader's language: a `labelExpr`, or nothing where every value reads
    as itself (in English)."""
    expr = _label_expr(labels)
    return {} if expr == "(datum.label)" else {"labelExpr": expr}


def _split_labels() -> dict[str, str]:
    """The splits as a legend writes them (the data keeps 'train' and 'test')."""
    return {"train": tr("train"), "test": tr("test")}


def _layer_labels(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its `layer_name` values (drawn in tooltips and on axes) in the reader's
    language: the same frame where they read as themselves (English)."""
    if "layer_name" not in df:
        return df
    names = {str(n): layer_words(str(n)) for n in pd.unique(df["layer_name"])}
    if all(k == v for k, v in names.items()):
        return df
    return df.assign(layer_name=df["layer_name"].astype(str).map(names))


def _activation_encoding(df: pd.DataFrame) -> alt.Color:
    names = registry_order(df["activation"]) if "activation" in df else []
    return alt.Color("activation:N", scale=activation_color(names), sort=names,
                     legend=_legend(tr("activation"), labelExpr=_activation_label_expr()))


def _layer_encoding(**legend: Any) -> alt.Color:
    return alt.Color("layer:O", scale=alt.Scale(scheme=LAYER_SCHEME),
                     legend=_legend(tr("layer"), **legend))


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
    ticks sit on decades of `values`. `title`: in the reader's language already."""
    if log:
        return alt.Y(f"{col}:Q", title=_axis_title(_log_title(title)),
                     scale=alt.Scale(type="log"),
                     axis=alt.Axis(values=_log_ticks(values), format=_log_format(values)),
                     **kwargs)
    return alt.Y(f"{col}:Q", title=_axis_title(title), **kwargs)


def _log_title(title: str) -> str:
    """An axis title of a log axis, saying so."""
    return tr("{title} (log scale)", title=title)


def _log_floor(values: pd.Series) -> float | Any:
    """A decade-ish below the smallest value: log bars grow from the bottom of the axis,
    so a bar equal to it (the vanishing layer!) would otherwise have no height."""
    if values.empty:
        return alt.Undefined
    return float(10 ** math.floor(math.log10(float(values.min())) - 0.3))


def _log_legend_ticks(lo: float, hi: float) -> list[float]:
    """Values for a legend spanning 10^lo..10^hi: whole decades, or 1-2-5 steps when
    fewer than three decades fit (one tick alone reads as no scale)."""
    steps = [m * 10.0 ** k for k in range(math.floor(lo), math.ceil(hi) + 1)
             for m in (1, 2, 5)]
    inside = [v for v in steps if lo - 1e-9 <= math.log10(v) <= hi + 1e-9]
    decades = [v for v in inside if f"{v:.0e}".startswith("1")]
    return decades if len(decades) >= 3 else inside


def _js(value: Any) -> str:
    """`value` as a Vega (JSON) literal, its non-ASCII words kept as they are."""
    return json.dumps(value, ensure_ascii=False)


def _vega_text(text: str) -> str:
    """`text` as a single-quoted Vega string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _vega_words(message: str, **parts: str) -> str:
    """Vega expression: `message` (a message in the reader's language, its {placeholders}
    filled by `parts`, Vega expressions) as a concatenation of its words and the parts:
    "hidden {n}" with n="datum.value" -> "'hidden ' + datum.value"."""
    pieces = []
    for literal, name, _, _ in string.Formatter().parse(message):
        if literal:
            pieces.append(_vega_text(literal))
        if name is not None:
            pieces.append(parts[name])
    return " + ".join(pieces)


def _percent_y(col: str, title: str) -> alt.Y:
    return alt.Y(f"{col}:Q", title=title, scale=alt.Scale(domain=[0, 1]),
                 axis=alt.Axis(format="%"))


# Title and subtitle lines are broken at these lengths: a phone's ~360 px column holds
# about 44 characters of a title's bold 13 px and 58 of a subtitle's 11 px, where Vega
# would cut one long line with "…". A CJK character is about twice as wide as a Latin
# one and counts as 2 (`vgcore.text.text_width`).
TITLE_CHARS = 44
SUBTITLE_CHARS = 58
# An axis title's bold 11 px: about 36 characters span a phone's ~230 px plot.
AXIS_CHARS = 36


def _text(lines: list[str]) -> str | list[str]:
    """One line as a string (as Vega-Lite writes a title), more as a list."""
    return lines[0] if len(lines) == 1 else lines


def _axis_title(text: str) -> str | list[str]:
    """An axis title in lines of at most AXIS_CHARS: a long one centred under (or beside)
    a phone's ~200 px plot would otherwise reach past the chart's edge, and Vega's fit
    would shrink the plot to a sliver trying to make room for it."""
    return _text(text_lines(text, AXIS_CHARS))


def _title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    """A chart's title, its lines (and each subtitle paragraph's) fitted to a phone."""
    paragraphs = [subtitle] if isinstance(subtitle, str) else subtitle or []
    lines = [line for p in paragraphs for line in text_lines(p, SUBTITLE_CHARS)]
    return alt.TitleParams(text=_text(text_lines(text, TITLE_CHARS)),
                           subtitle=_text(lines) if lines else alt.Undefined,
                           anchor="start")


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
    """The long title of a per-layer value (an axis), in the reader's language."""
    return _field_title(_VALUE_TITLES[value]) if value in _VALUE_TITLES \
        else value.replace("_", " ")


def _short_title(value: str) -> str:
    """Axis title that fits a 220 px facet, in the reader's language."""
    return _field_title(_FIELDS[value][1]) if value in _FIELDS else value.replace("_", " ")


# -- the spread across seeds: the median drawn as the line, the range as its band ---------
SEED_LINES_MAX = 5      # a thin line per seed up to this many; more turn into a smear
BAND_OPACITY = 0.18
SEED_OPACITY = 0.35
_IS_MEDIAN = alt.datum.curve == "median"    # `curve` tells a median row from a seed's


def _number(value: float, fmt: str | None) -> str:
    """A tooltip number in the style of the field's d3 format (percent, integer, or 3
    significant digits)."""
    if fmt and "%" in fmt:
        return f"{value:.1%}"
    return f"{value:.0f}" if fmt == "d" else f"{value:.3g}"


def _band_frame(df: pd.DataFrame, keys: list[str], value: str, *, log: bool = False
                ) -> tuple[pd.DataFrame, int]:
    """(rows to draw, most seeds behind one point): the median rows (`curve` 'median',
    with `{value}_lo`/`_hi`, `n_seeds` and the tooltip's `over_seeds` words), then each
    seed's own rows (`curve` 'seed') where a thin line per seed stays readable.
    `vgcore.results.seed_band` computes the numbers; this only lays them out."""
    band = seed_band(df, keys, value, log=log)
    n = int(band["n_seeds"].max()) if not band.empty else 0
    fmt = _FIELDS.get(value, ("Q", value, None))[2]
    band["over_seeds"] = [
        _median_words(int(k), n, _number(lo, fmt), _number(hi, fmt)) if k > 1
        else trn("{n} seed", "{n} seeds", 1) for k, lo, hi in
        zip(band["n_seeds"], band[f"{value}_lo"], band[f"{value}_hi"])]
    if n == 1 and "seed" in df:   # the middle of one seed is that seed's own row
        band = df.assign(**{f"{value}_lo": df[value], f"{value}_hi": df[value],
                            "n_seeds": 1,
                            "over_seeds": [tr("seed {seed}", seed=s) for s in df["seed"]]})
    parts = [band.assign(curve="median")]
    if 1 < n <= SEED_LINES_MAX and "seed" in df:
        parts.append(df.assign(curve="seed"))
    return pd.concat(parts, ignore_index=True), n


def _median_words(k: int, n: int, lo: str, hi: str) -> str:
    """A tooltip's words for a median over `k` seeds and their spread (the range, or the
    interquartile range where some point has IQR_FROM_SEEDS seeds: `spread_name(n)`)."""
    if n >= IQR_FROM_SEEDS:
        return tr("median of {k} seeds; interquartile range {lo}–{hi}", k=k, lo=lo, hi=hi)
    return tr("median of {k} seeds; range {lo}–{hi}", k=k, lo=lo, hi=hi)


def _seeds_note(n: int, middle: str = "line", spread: str = "band", *,
                each: bool = True) -> str | None:
    """The legend words of a chart drawn over `n` seeds (none for one seed: the line is
    that seed); `each`: the chart draws each seed's thin line (up to SEED_LINES_MAX).
    (`middle`, `spread`): ("line", "band") or ("bar", "whisker"), how the chart draws
    the median and the spread (`spread_name(n)`)."""
    if n < 2:
        return None
    iqr = n >= IQR_FROM_SEEDS
    if (middle, spread) == ("bar", "whisker"):
        note = (tr("bar: median; whisker: interquartile range over {n} seeds", n=n) if iqr
                else tr("bar: median; whisker: range over {n} seeds", n=n))
    elif (middle, spread) == ("line", "band"):
        note = (tr("line: median; band: interquartile range over {n} seeds", n=n) if iqr
                else tr("line: median; band: range over {n} seeds", n=n))
    else:
        raise ValueError(f"_seeds_note: no words for ({middle!r}, {spread!r})")
    if each and n <= SEED_LINES_MAX:
        note = tr("{note}; thin lines: seeds", note=note)
    return note


def _subtitle(*parts: str | None) -> list[str]:
    return [p for p in parts if p]


def _as_field(channel: alt.Y, field: str) -> alt.Y:
    """The same y (title, scale, axis) on another field: a band's edges share its axis."""
    return alt.Y(**{**channel.to_dict(), "field": field})


def _opaque_legends(encodings: dict[str, Any]) -> dict[str, Any]:
    """Copies whose legend symbols are fully opaque: Vega-Lite draws a legend's symbols
    in the first layer's opacity, the faint band's. Not a dash legend of its own (no
    colour behind it): Vega then draws its stroke symbols not at all."""
    out = {}
    colour = getattr(encodings.get("color"), "to_dict", lambda: {})().get("field")
    for name, channel in encodings.items():
        own_dash = name == "strokeDash" and channel.to_dict().get("field") != colour
        if not own_dash and isinstance(channel, alt.SchemaBase) and isinstance(
                channel._get("legend"), alt.Legend):
            channel = channel.copy(deep=True)
            channel["legend"]["symbolOpacity"] = 1
        out[name] = channel
    return out


def _median_band(shared: dict[str, Any], y: alt.Y, value: str, n: int,
                 select: alt.Parameter, groups: Sequence[str], tips: Sequence[str], *,
                 line: dict[str, Any] | None = None, on_line: dict[str, Any] | None = None,
                 data: alt.InlineData | None = None) -> alt.LayerChart:
    """A chart's curves over seeds, from `_band_frame` rows: the min–max band (2+ seeds),
    each seed as a thin line of its series' colour (2–SEED_LINES_MAX seeds) and the
    median on top. `shared`: the encodings every layer takes (x, colour, dash);
    `groups`: the columns that tell one curve from another (an area is not split by its
    dash); `line`: the median's mark options; `on_line`: encodings only the median line
    takes (e.g. point shapes)."""
    detail = [f"{g}:N" for g in groups]
    shared, on_line = _opaque_legends(shared), _opaque_legends(on_line or {})
    layers = []
    if n > 1:
        layers.append(alt.Chart().transform_filter(_IS_MEDIAN).mark_area().encode(
            y=_as_field(y, f"{value}_lo"), y2=f"{value}_hi:Q", detail=detail,
            opacity=_highlight(select, BAND_OPACITY, BAND_OPACITY / 6),
            tooltip=_tooltip(*tips, "over_seeds")))
    if 1 < n <= SEED_LINES_MAX:
        layers.append(alt.Chart().transform_filter(~_IS_MEDIAN).mark_line(
            strokeWidth=1).encode(detail=[*detail, "seed:N"],
                                  opacity=_highlight(select, SEED_OPACITY, SEED_OPACITY / 6),
                                  tooltip=_tooltip(*tips, "seed", value)))
    layers.append(alt.Chart().transform_filter(_IS_MEDIAN).mark_line(**(line or {})).encode(
        detail=detail, opacity=_highlight(select),
        tooltip=_tooltip(*tips, value, "over_seeds"), **on_line
    ).add_params(select))   # on the median: the legend's symbols take its opacity
    chart = alt.layer(*layers, **({"data": data} if data is not None else {}))
    return chart.encode(y=y, **shared)
