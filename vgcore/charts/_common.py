"""The building blocks every chart is made of: sizes, each field's title and format
(`_FIELDS`), frame checks (`_require`, `_finite`), inline data, tooltips, legends that
highlight the clicked series, log axes that tick on decades, titles and facets.

Data are embedded as inline values (not a DataFrame reference) because Altair's default
data transformer refuses frames over 5,000 rows, and a 20-layer net over 200 epochs or a
50×50 decision grid for four activations is bigger than that. Our frames are at most a
few tens of thousands of small rows, well within what a browser draws.
"""
from __future__ import annotations

import json
import math
import textwrap
from typing import Any, Sequence

import altair as alt
import numpy as np
import pandas as pd

from vgcore.activations import ACTIVATIONS
from vgcore.results import registry_order, seed_band, spread_name

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
    "n_seeds": ("Q", "seeds", "d"),
    "diverged_at": ("Q", "diverged at epoch", "d"),
    "train": ("Q", "train loss", ".4~g"),
    "test": ("Q", "test loss", ".4~g"),
    "gap": ("Q", "test − train", ".4~g"),
    "note": ("N", "note", None),
    "cell": ("N", "cell", None),
    "t": ("Q", "time step t", "d"),
    "grad_norm": ("Q", "‖∂L/∂h_t‖", ".3~e"),
    "grad_rel": ("Q", "÷ ‖∂L/∂h_T‖", ".3~e"),
    "seq_len": ("Q", "sequence length T", "d"),
    "final_test_accuracy": ("Q", "final test accuracy", ".1%"),
    "solved": ("Q", "seeds that solved it", ".0%"),
    "over_seeds": ("N", "across seeds", None),
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
    # Per-record schema validation is slow on a boundary grid and these records are our
    # own sanitised frame's; to_dict() still validates the whole spec.
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


def _legend(title: str | list[str], **kwargs: Any) -> alt.Legend:
    """No truncation: "softmax + cross-entropy" must be readable in full."""
    return alt.Legend(title=title, labelLimit=0, titleLimit=0, **kwargs)


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
        return alt.Y(f"{col}:Q", title=_axis_title(f"{title} (log scale)"),
                     scale=alt.Scale(type="log"),
                     axis=alt.Axis(values=_log_ticks(values), format=_log_format(values)),
                     **kwargs)
    return alt.Y(f"{col}:Q", title=_axis_title(title), **kwargs)


def _log_floor(values: pd.Series) -> float | Any:
    """A decade-ish below the smallest value: log bars grow from the bottom of the axis,
    so a bar equal to it (the vanishing layer!) would otherwise have no height."""
    if values.empty:
        return alt.Undefined
    return float(10 ** math.floor(math.log10(float(values.min())) - 0.3))


def _percent_y(col: str, title: str) -> alt.Y:
    return alt.Y(f"{col}:Q", title=title, scale=alt.Scale(domain=[0, 1]),
                 axis=alt.Axis(format="%"))


# Title and subtitle lines are broken at these lengths: a phone's ~360 px column holds
# about 44 characters of a title's bold 13 px and 58 of a subtitle's 11 px, where Vega
# would cut one long line with "…".
TITLE_CHARS = 44
SUBTITLE_CHARS = 58
# An axis title's bold 11 px: about 36 characters span a phone's ~230 px plot.
AXIS_CHARS = 36


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def _text(lines: list[str]) -> str | list[str]:
    """One line as a string (as Vega-Lite writes a title), more as a list."""
    return lines[0] if len(lines) == 1 else lines


def _axis_title(text: str) -> str | list[str]:
    """An axis title in lines of at most AXIS_CHARS: a long one centred under (or beside)
    a phone's ~200 px plot would otherwise reach past the chart's edge, and Vega's fit
    would shrink the plot to a sliver trying to make room for it."""
    return _text(_lines(text, AXIS_CHARS))


def _title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    """A chart's title, its lines (and each subtitle paragraph's) fitted to a phone."""
    paragraphs = [subtitle] if isinstance(subtitle, str) else subtitle or []
    lines = [line for p in paragraphs for line in _lines(p, SUBTITLE_CHARS)]
    return alt.TitleParams(text=_text(_lines(text, TITLE_CHARS)),
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
    return _VALUE_TITLES.get(value, value.replace("_", " "))


def _short_title(value: str) -> str:
    """Axis title that fits a 220 px facet."""
    return _FIELDS.get(value, ("Q", value.replace("_", " "), None))[1]


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
        f"median of {k} seeds; {spread_name(n)} {_number(lo, fmt)}–{_number(hi, fmt)}"
        if k > 1
        else "1 seed" for k, lo, hi in
        zip(band["n_seeds"], band[f"{value}_lo"], band[f"{value}_hi"])]
    if n == 1 and "seed" in df:   # the middle of one seed is that seed's own row
        band = df.assign(**{f"{value}_lo": df[value], f"{value}_hi": df[value],
                            "n_seeds": 1, "over_seeds": [f"seed {s}" for s in df["seed"]]})
    parts = [band.assign(curve="median")]
    if 1 < n <= SEED_LINES_MAX and "seed" in df:
        parts.append(df.assign(curve="seed"))
    return pd.concat(parts, ignore_index=True), n


def _seeds_note(n: int, middle: str = "line", spread: str = "band", *,
                each: bool = True) -> str | None:
    """The legend words of a chart drawn over `n` seeds (none for one seed: the line is
    that seed); `each`: the chart draws each seed's thin line (up to SEED_LINES_MAX)."""
    if n < 2:
        return None
    each = "; thin lines: seeds" if each and n <= SEED_LINES_MAX else ""
    return f"{middle}: median; {spread}: {spread_name(n)} over {n} seeds{each}"


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
