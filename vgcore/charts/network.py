"""The network picture: the net as columns of units shaded by their gradient, edges by
|w| or |∂C/∂w| (TensorFlow Playground's picture, Nielsen's numbers)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from vgcore.probes import NET_INPUTS_DRAWN, NET_UNITS_DRAWN, drawn_units, input_groups
from vgcore.results import registry_order

from ._common import (FACET_COLUMNS, FACET_HEIGHT, FACET_WIDTH, _check_choice, _data,
                      _facet_by_activation, _finite, _legend, _require, _title,
                      _tooltip)
from .palette import DIVERGED_COLOR

# What an edge of the network picture can show (None: the structure only), as the page
# and the subtitle write it.
NET_EDGE_MODES: dict[str | None, str] = {"weight": "|w|", "weight_grad": "|∂C/∂w|",
                                         None: "structure only"}
# 16 × 16 edges at equal weight are one dark blot: an edge's place t ∈ [0, 1] on the shared
# log scale sets its opacity (t², so only the top stands out) and width. t = 1: the largest
# edge; t = 0: the NET_EDGE_LOW quantile, 1 to NET_EDGE_DECADES decades below it.
NET_EDGE_LOW = 0.05
NET_EDGE_DECADES = 5
NET_EDGE_OPACITY = 0.55             # at t = 1; 0 at t = 0
NET_EDGE_WIDTH = (0.2, 1.8)         # px at t = 0 and 1
# Units: |∂C/∂b| ÷ the largest in the net, on a log scale from the NET_UNIT_LOW quantile
# (whole decades, at most NET_UNIT_DECADES) to 1. Inferno runs from near-black to pale
# yellow: a wider lightness range than viridis, so one decade is one visible step.
NET_UNIT_LOW = 0.02
NET_UNIT_DECADES = 6
NET_UNIT_SCHEME = "inferno"


def network_chart(units_df: pd.DataFrame, edges_df: pd.DataFrame | None = None, *,
                  edge_by: str | None = "weight", input_size: int | None = None,
                  columns: int = FACET_COLUMNS, epoch: int | None = None,
                  slider: bool = True) -> alt.FacetChart:
    """The net as columns of units, input on the left (TensorFlow Playground's picture):
    each hidden and output unit shaded by |∂C/∂b_j| on the probe batch relative to the
    largest in its own net (over every kept epoch), on one log colour scale whose legend
    every panel shares: a net's fade towards the input spans its colours whatever the
    other nets' sizes, so it shows at a glance; one panel per activation (its lowest
    seed). The tooltip keeps the absolute ∂C/∂b. Layers wider than
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
    by = _edge_mode_drawn(units_df, edges_df, edge_by)
    rows, lowest, widths, drawn = _drawn_unit_rows(units_df)
    epochs = sorted(int(e) for e in pd.unique(rows["epoch"]))
    first = epochs[0] if epoch is None else epoch
    _check_choice("epoch", first, epochs)
    layout = _layout(widths, drawn, _input_node_groups(input_size, edges_df, by))
    rows = _placed_units(rows, layout)
    edges = None if by is None else _net_edges(edges_df, lowest, by, layout.y_of,
                                               layout.groups, input_size)
    df = _network_frame(rows, edges, layout, input_size,
                        shown_epoch=None if slider else first, last_epoch=epochs[-1])

    x, y = _network_axes(layout.top)
    if slider:
        pick = alt.param(name="net_epoch", value=first, bind=alt.binding_range(
            min=epochs[0], max=epochs[-1], step=1, name="epoch "))
        now: Any = pick
    else:
        now = first
    at_epoch = alt.datum.epoch == now
    edge_sizes = edges["edge_size"] if edges is not None else pd.Series(dtype=float)
    panel = alt.layer(*_edge_layers(x, y, at_epoch, by, edge_sizes),
                      *_unit_layers(x, y, at_epoch, now, rows["grad_rel"]))
    if slider:
        panel = panel.add_params(pick)
    panel = panel.properties(width=FACET_WIDTH, height=FACET_HEIGHT + 60)
    chart = _facet_by_activation(panel, df, columns)
    chart.data = _sparse_data(df)
    return chart.properties(title=_network_title(layout, input_size, by, slider, first))


@dataclass(frozen=True)
class _Layout:
    """Where the picture puts each node: layer l at x = l (0: the input column), its
    nodes at the heights `columns_y[l]`, centred on 0 and one apart."""
    widths: dict[int, int]                  # layer -> its number of units
    drawn: dict[int, list[int]]             # layer -> the units drawn (all, or a sample)
    groups: list[range]                     # the inputs each input node stands for
    y_of: dict[tuple[int, int], float]      # (layer, unit) -> y; inputs: (0, node 1, 2 …)
    columns_y: dict[int, list[float]]       # layer -> its nodes' y, the input column first

    @property
    def top(self) -> int:
        """The output layer."""
        return max(self.drawn)


def _edge_mode_drawn(units_df: pd.DataFrame, edges_df: pd.DataFrame | None,
                     edge_by: str | None) -> str | None:
    """Check the frames and `edge_by`; the column the edges are drawn by (None: the
    structure only, also when there is no `edges_df`)."""
    _require(units_df, ["activation", "seed", "epoch", "layer", "layer_name", "unit",
                        "bias_grad"], "units_df")
    if edge_by not in NET_EDGE_MODES:
        raise ValueError(f"edge_by: {edge_by!r} is not one of "
                         f"{', '.join(map(repr, NET_EDGE_MODES))}")
    if edges_df is None or edge_by is None:
        return None
    _require(edges_df, ["activation", "seed", "epoch", "layer", "src", "dst", edge_by],
             "edges_df")
    return edge_by


def _drawn_unit_rows(units_df: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.Series, dict[int, int], dict[int, list[int]]]:
    """The finite rows of each activation's lowest seed (one net per panel) for the units
    drawn (`vgcore.probes.drawn_units`), with `grad_size` = |∂C/∂b|; the lowest seed per
    activation; each layer's width and drawn units."""
    units_df = units_df.assign(activation=units_df["activation"].astype(str))
    lowest = units_df.groupby("activation")["seed"].min()
    rows = units_df[units_df["seed"] == units_df["activation"].map(lowest)]
    rows = _finite(rows, ["epoch", "layer", "unit", "bias_grad"])
    widths = rows.groupby("layer")["unit"].max().to_dict()
    drawn = {layer: drawn_units(int(w)) for layer, w in widths.items()}
    rows = rows[[u in drawn[l] for l, u in zip(rows["layer"], rows["unit"])]].copy()
    rows["grad_size"] = rows["bias_grad"].abs()
    # Per net: one global scale spent most of its colours on the gap between nets, and
    # sigmoid's hidden 1 and 4 (100× apart) came out nearly the same hue.
    largest = rows.groupby("activation")["grad_size"].transform("max")
    rows["grad_rel"] = (rows["grad_size"] / largest.where(largest > 0)).fillna(0.0)
    return rows, lowest, widths, drawn


def _input_node_groups(input_size: int | None, edges_df: pd.DataFrame | None,
                       by: str | None) -> list[range]:
    """The inputs each node of the input column stands for (`vgcore.probes.input_groups`)."""
    if input_size:
        return input_groups(input_size)
    # unknown input size: as many nodes as res.edges' input groups, or the most
    n = int(edges_df.loc[edges_df["layer"] == 1, "src"].max()) if by is not None else 0
    return [range(i, i + 1) for i in range(n if n > 0 else NET_INPUTS_DRAWN)]


def _centred(count: int) -> list[float]:
    """`count` y positions centred on 0, one unit apart."""
    return [i - (count - 1) / 2 for i in range(count)]


def _layout(widths: dict[int, int], drawn: dict[int, list[int]], groups: list[range]
            ) -> _Layout:
    """Each drawn unit's and input node's place, column by column."""
    y_of = {(l, u): y for l, units in drawn.items()
            for u, y in zip(units, _centred(len(units)))}
    inputs = _centred(len(groups))
    y_of.update({(0, g): y for g, y in enumerate(inputs, 1)})
    columns_y = {0: inputs, **{l: _centred(len(u)) for l, u in drawn.items()}}
    return _Layout(widths, drawn, groups, y_of, columns_y)


def _placed_units(rows: pd.DataFrame, layout: _Layout) -> pd.DataFrame:
    """The unit rows with their place (x, y) and how many of their layer's units are drawn."""
    return rows.assign(
        x=rows["layer"].astype(float),
        y=[layout.y_of[(l, u)] for l, u in zip(rows["layer"], rows["unit"])],
        shown=[f"{len(layout.drawn[l])} of {layout.widths[l]}" for l in rows["layer"]])


def _network_frame(rows: pd.DataFrame, edges: pd.DataFrame | None, layout: _Layout,
                   input_size: int | None, *, shown_epoch: int | None, last_epoch: int
                   ) -> pd.DataFrame:
    """One frame for every mark of the picture, told apart by `kind`: weighted edges
    (res.edges), structure edges, units, input nodes and notes. `shown_epoch`: keep only
    that epoch's edges and units (None: every epoch, for the slider)."""
    names = registry_order(rows["activation"])
    last = rows.groupby("activation")["epoch"].max()         # before the net diverged
    # Structure: every drawn edge once per activation, faint grey, alone or under the
    # weighted edges wherever a net may lack numbers at the epoch shown.
    columns_y = layout.columns_y
    frame = pd.DataFrame([{"x": float(l), "y": y0, "x2": float(l + 1), "y2": y1}
                          for l in range(layout.top) for y0 in columns_y[l]
                          for y1 in columns_y[l + 1]])
    bare = names
    parts = []
    if edges is not None:
        lines = edges.drop(columns="edge_size")      # the chart takes |edge_by| itself
        if shown_epoch is not None:
            lines = lines[lines["epoch"] == shown_epoch]
            bare = [a for a in names if a not in set(lines["activation"])]
        parts.append(lines)
    parts += [frame.assign(activation=a, kind="edge") for a in bare]
    if shown_epoch is not None:
        rows = rows[rows["epoch"] == shown_epoch]
    parts.append(rows.assign(kind="unit"))
    groups = layout.groups
    what = [f"input {g.start + 1}" if len(g) == 1 else f"inputs {g.start + 1}–{g.stop}"
            for g in groups] if input_size else ["inputs"] * len(groups)
    parts += [pd.DataFrame({"x": 0.0, "y": columns_y[0], "activation": a, "kind": "input",
                            "what": [f"{w}: data, no gradient" for w in what]})
              for a in names]
    # A net whose numbers stop early (it diverged): a note, shown past its last epoch.
    bottom = min(min(c) for c in columns_y.values())
    parts += [pd.DataFrame({"x": layout.top / 2, "y": bottom - 1.2,
                            "activation": [a], "kind": "note", "last_epoch": int(last[a]),
                            "note": f"no numbers after epoch {int(last[a])}: it diverged"})
              for a in names if int(last[a]) < last_epoch]
    return pd.concat(parts, ignore_index=True)


def _network_axes(top: int) -> tuple[alt.X, alt.Y]:
    """x: the layers, named (input, hidden 1 …, output); y: no axis."""
    x = alt.X("x:Q", title=None, axis=alt.Axis(
        values=list(range(top + 1)), labelExpr=(
            "datum.value == 0 ? 'input' : datum.value == " + str(top) +
            " ? 'output' : 'hidden ' + datum.value"), grid=False, domain=False, ticks=False),
        scale=alt.Scale(domain=[-0.4, top + 0.4], nice=False))
    return x, alt.Y("y:Q", axis=None)


def _edge_layers(x: alt.X, y: alt.Y, at_epoch: Any, by: str | None, sizes: pd.Series
                 ) -> list[alt.Chart]:
    """Structure edges (faint grey) and, when drawn `by` a value, the edges at the epoch
    shown: opacity and width from their place t on one log scale over `sizes` (every
    panel and epoch); an edge of size 0 is drawn as structure."""
    edge = alt.Chart().mark_rule(color="#bbbbbb", opacity=0.25, strokeWidth=0.6).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        tooltip=alt.value("a connection (drawn for the structure: its weight is not shown)"
                          if by is None else "a connection (no value to show here)")
    ).transform_filter(alt.datum.kind == "edge")
    if by is None:
        return [edge]
    positive = sizes[sizes > 0]
    hi = math.log10(positive.max()) if not positive.empty else 0.0
    lo = math.log10(positive.quantile(NET_EDGE_LOW)) if not positive.empty else -1
    lo = min(max(lo, hi - NET_EDGE_DECADES), hi - 1)
    ticks = _log_legend_ticks(lo, hi)
    tips = _tooltip("activation", "epoch", "from", "to", "weight", "weight_grad")
    weighted = alt.Chart().mark_rule(color="#243b6b").encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        opacity=alt.Opacity("edge_t:Q", legend=None, scale=alt.Scale(
            type="pow", exponent=2, domain=[0, 1], range=[0, NET_EDGE_OPACITY])),
        strokeWidth=alt.StrokeWidth("edge_t:Q", scale=alt.Scale(
            domain=[0, 1], range=list(NET_EDGE_WIDTH)), legend=_legend(
                [f"{NET_EDGE_MODES[by]} per edge", "(log scale)"],
                values=[(math.log10(v) - lo) / (hi - lo) for v in ticks],
                labelExpr=f"format(pow(10, {lo} + datum.value * {hi - lo}), '.0e')",
                symbolStrokeColor="#243b6b")),
        tooltip=tips,
    ).transform_filter(alt.datum.kind == "weighted").transform_filter(at_epoch) \
        .transform_filter(f"datum.{by} != 0") \
        .transform_calculate(edge_t=f"clamp((log(abs(datum.{by})) / LN10 - {lo})"
                                    f" / {hi - lo}, 0, 1)")
    # an edge of size 0 (out of a dead unit) has no place on a log scale: structure
    zero = alt.Chart().mark_rule(color="#bbbbbb", opacity=0.25, strokeWidth=0.6).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=tips,
    ).transform_filter(alt.datum.kind == "weighted").transform_filter(at_epoch) \
        .transform_filter(f"datum.{by} == 0")
    return [edge, weighted, zero]


def _unit_layers(x: alt.X, y: alt.Y, at_epoch: Any, now: Any, grad_rel: pd.Series
                 ) -> list[alt.Chart]:
    """The input nodes (grey), the units at the epoch shown coloured by |∂C/∂b| ÷ the
    largest in their net on one log scale over `grad_rel` (every layer, net and epoch:
    `unit_colour_domain`), dead units, and the note of a net that diverged before the
    epoch shown."""
    tips = _tooltip("activation", "epoch", "layer_name", "unit", "bias_grad", "act_mean",
                    "shown")
    domain = unit_colour_domain(grad_rel)
    ticks = [10.0 ** k for k in range(round(math.log10(domain[0])), 1)]
    node = alt.Chart().mark_circle(size=110, stroke="#333333", strokeWidth=0.4,
                                   opacity=1).encode(
        x=x, y=y,
        # clamp: the few units below the domain take its darkest colour
        color=alt.Color("grad_rel:Q", scale=alt.Scale(
            type="log", scheme=NET_UNIT_SCHEME, domain=domain, clamp=True, nice=False),
            legend=_legend(["|∂C/∂b| per unit ÷ the", "largest in its net (log)"],
                           values=ticks, labelExpr=(
                               "datum.value >= 1 ? '1 (largest)' : '1/' + "
                               "format(1 / datum.value, ',.0f')"))),
        tooltip=tips,
    ).transform_filter(alt.datum.kind == "unit").transform_filter(at_epoch) \
        .transform_filter(alt.datum.grad_size > 0)
    # A unit with no gradient at all (a dead ReLU) has no place on a log scale: a hollow
    # red ring, so it is not mistaken for a small gradient.
    dead = alt.Chart().mark_circle(size=110, fill="white", stroke=DIVERGED_COLOR,
                                   strokeWidth=1.5, opacity=1).encode(
        x=x, y=y, tooltip=tips,
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
    return [source, node, dead, note]


def _network_title(layout: _Layout, input_size: int | None, by: str | None, slider: bool,
                   first: int) -> alt.TitleParams:
    """What the shades mean, which epoch is shown, and which units stand for more."""
    widths, drawn, groups = layout.widths, layout.drawn, layout.groups
    wide = [f"{widths[l]}-unit layers" for l in sorted(widths) if len(drawn[l]) < widths[l]]
    notes = [f"{len(groups)} nodes stand for the {input_size} inputs"] \
        if input_size and len(groups) < input_size else []
    if wide:
        notes.append(f"{', '.join(dict.fromkeys(wide))} show {NET_UNITS_DRAWN} evenly "
                     f"spaced units")
    shades = ("each net on its own log colour scale, relative to its largest unit "
              "gradient: dark units barely learn, red rings get no gradient at all")
    if by is not None:
        shades += f"; edges by {NET_EDGE_MODES[by]}, faint when small"
    when = "drag the epoch slider" if slider else f"epoch {first}"
    return _title("The network, each unit shaded by its gradient |∂C/∂b|" +
                  (f", each edge by {NET_EDGE_MODES[by]}" if by is not None else ""),
                  [shades, "; ".join([when, *notes])])


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


def unit_colour_domain(grad_rel: pd.Series) -> list[float]:
    """The units' log colour domain [10^-k, 1] in whole decades: down to the
    NET_UNIT_LOW quantile of the positive relative gradients (the decades present, not
    one stray unit), at least 1 and at most NET_UNIT_DECADES decades."""
    positive = grad_rel[grad_rel > 0]
    low = float(positive.quantile(NET_UNIT_LOW)) if not positive.empty else 0.1
    decades = min(max(math.ceil(-math.log10(low) - 1e-9), 1), NET_UNIT_DECADES)
    return [10.0 ** -decades, 1.0]
