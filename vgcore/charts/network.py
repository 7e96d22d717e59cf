"""The network picture: the net as columns of units shaded by their gradient, edges by
|w| or |∂C/∂w| (TensorFlow Playground's picture, Nielsen's numbers)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from vgcore.i18n import N_, clauses, listing, tr
from vgcore.probes import NET_INPUTS_DRAWN, NET_UNITS_DRAWN, drawn_units, input_groups
from vgcore.results import activation_label, layer_words, registry_order

from ._common import (FACET_COLUMNS, FACET_HEIGHT, FACET_WIDTH, _check_choice, _data,
                      _finite, _js, _legend, _log_legend_ticks, _marked,
                      _require, _title, _tooltip, _vega_text, _vega_words)
from .palette import DIVERGED_COLOR

# What an edge of the network picture can show (None: the structure only), as the page
# and the subtitle write it (words marked for the catalog: translated where drawn).
NET_EDGE_MODES: dict[str | None, str] = {"weight": "|w|", "weight_grad": "|∂C/∂w|",
                                         None: N_("structure only")}
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
                  slider: bool = True) -> alt.ConcatChart:
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
    the epoch shown (it diverged) keeps its panel, with a note.

    Each mark has its own narrow data (`_network_data`): units, edges and input nodes
    apart, only the columns the mark uses, and the words of the tooltips made in Vega."""
    # Each part is validated once, in the whole spec's to_dict(), not as it is made:
    # Altair's per-object validation was half the build.
    with alt.utils.schemapi.debug_mode(False):
        return _network_chart(units_df, edges_df, edge_by, input_size, columns, epoch,
                              slider)


def _network_chart(units_df: pd.DataFrame, edges_df: pd.DataFrame | None,
                   edge_by: str | None, input_size: int | None, columns: int,
                   epoch: int | None, slider: bool) -> alt.ConcatChart:
    by = _edge_mode_drawn(units_df, edges_df, edge_by)
    rows, lowest, widths, drawn = _drawn_unit_rows(units_df)
    epochs = sorted(int(e) for e in pd.unique(rows["epoch"]))
    first = epochs[0] if epoch is None else epoch
    _check_choice("epoch", first, epochs)
    layout = _layout(widths, drawn, _input_node_groups(input_size, edges_df, by),
                     rows.groupby("layer")["layer_name"].first().astype(str).to_dict(),
                     input_size)
    shown = None if slider else first
    edges = None if by is None else _lowest_seed_edges(edges_df, lowest, layout)
    sizes = None if by is None else _edge_sizes(edges, by)
    names = registry_order(rows["activation"])
    data = _network_data(rows, edges, layout, names, shown_epoch=shown)

    if slider:
        pick = alt.param(name="net_epoch", value=first, bind=alt.binding_range(
            min=epochs[0], max=epochs[-1], step=1, name=tr("epoch") + " "))
        now = "net_epoch"
        at_epoch = [f"datum.epoch == {now}"]
    else:
        now, at_epoch = str(first), []
    x, y = _network_axes(layout, noted=bool(data["notes"]))
    colour_domain = unit_colour_domain(rows["grad_rel"])
    # The values are attached once, at the top (`datasets`): Altair deep-copies a
    # chart's inline values on every method call, which made the build 3× slower.
    datasets: dict[str, list[dict]] = {}
    panels = []
    for i, name in enumerate(names):
        own = {kind: _Named(frame[name], kind if kind == "inputs" else f"{kind}-{name}",
                            datasets) for kind, frame in data.items() if name in frame}
        # what every record of this panel shares: said once, in Vega (tooltip fields)
        common = {"activation": json.dumps(name),
                  **({} if slider else {"epoch": str(first)})}
        layers = [*_edge_layers(at_epoch, by, sizes, layout, own, common),
                  *_unit_layers(at_epoch, now, colour_domain, layout, own, common)]
        panels.append(alt.LayerChart(
            # the layers' names under the lowest panel of each column, as a facet has them
            layer=layers, width=FACET_WIDTH, encoding=alt.SharedEncoding(
                x=x if i + columns >= len(names) else {**x, "axis": None}, y=y),
            height=FACET_HEIGHT + 60, title={"text": activation_label(name),
                                             "fontSize": 13, "fontWeight": "bold",
                                             "anchor": "middle"}))
    chart = alt.ConcatChart(
        concat=panels, columns=columns,
        resolve={"scale": {"color": "shared", "opacity": "shared", "strokeWidth": "shared"}},
        title=_network_title(layout, input_size, by, slider, first), datasets=datasets)
    return chart.add_params(pick) if slider else chart


class _Named:
    """A mark's frame and the name of its values in the chart's top-level `datasets`."""

    def __init__(self, frame: pd.DataFrame, name: str, datasets: dict[str, list[dict]]):
        self.frame, self.name = frame, f"net-{name}"
        if self.name not in datasets:
            datasets[self.name] = _data(frame).values

    @property
    def data(self) -> alt.Data:
        return alt.Data(name=self.name)


@dataclass(frozen=True)
class _Layout:
    """Where the picture puts each node: layer l at x = l (0: the input column), its
    nodes at the heights `columns_y[l]`, centred on 0 and one apart."""
    widths: dict[int, int]                  # layer -> its number of units
    drawn: dict[int, list[int]]             # layer -> the units drawn (all, or a sample)
    groups: list[range]                     # the inputs each input node stands for
    columns_y: dict[int, list[float]]       # layer -> its nodes' y, the input column first
    names: dict[int, str]                   # layer -> its name (res.units' layer_name)
    input_size: int | None                  # None: the input nodes are named by group

    @property
    def top(self) -> int:
        """The output layer."""
        return max(self.drawn)

    @property
    def counts(self) -> list[int]:
        """Nodes drawn per column, the input column first."""
        return [len(self.columns_y[l]) for l in range(self.top + 1)]

    @property
    def bottom(self) -> float:
        return min(min(c) for c in self.columns_y.values())


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
    rows = rows[_positions(drawn, rows["layer"], rows["unit"]) >= 0].copy()
    rows["grad_size"] = rows["bias_grad"].abs()
    # Per net: one global scale spent most of its colours on the gap between nets, and
    # sigmoid's hidden 1 and 4 (100× apart) came out nearly the same hue.
    largest = rows.groupby("activation")["grad_size"].transform("max")
    rows["grad_rel"] = (rows["grad_size"] / largest.where(largest > 0)).fillna(0.0)
    return rows, lowest, widths, drawn


def _positions(drawn: dict[int, list[int]], layer: pd.Series, unit: pd.Series
               ) -> np.ndarray:
    """Each (layer, unit)'s place among its layer's drawn nodes (0, 1 …), -1 if not drawn;
    layer 0 is the input column, whose nodes are numbered 1, 2 … in `drawn[0]`."""
    layer, unit = layer.to_numpy(dtype=np.int64), unit.to_numpy(dtype=np.int64)
    out = np.full(len(layer), -1, dtype=np.int64)
    for l, units in drawn.items():
        place = np.full(max(units, default=0) + 1, -1, dtype=np.int64)
        place[units] = np.arange(len(units))
        here = (layer == l) & (unit >= 0) & (unit < len(place))
        out[here] = place[unit[here]]
    return out


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


def _layout(widths: dict[int, int], drawn: dict[int, list[int]], groups: list[range],
            names: dict[int, str], input_size: int | None) -> _Layout:
    """Each drawn unit's and input node's place, column by column."""
    columns_y = {0: _centred(len(groups)), **{l: _centred(len(u)) for l, u in drawn.items()}}
    return _Layout(widths, drawn, groups, columns_y, names, input_size)


# -- the picture's data: one narrow frame per mark ----------------------------------------
def _network_data(rows: pd.DataFrame, edges: "_Edges | None", layout: _Layout,
                 names: list[str], *, shown_epoch: int | None
                 ) -> dict[str, dict[str, pd.DataFrame]]:
    """What each mark draws, per activation (`names`: every panel): "units" (layer, unit,
    grad_rel, bias_grad, act_mean), "edges" (one row per layer of edges, its weights and their
    gradients as text, see `_packed_edges`), "notes" (a net that diverged) and "inputs"
    (the input column, the same for every net). Only the epoch shown (`shown_epoch`;
    None: every epoch, with an `epoch` column, for the slider). Everything else a
    tooltip says (names, places, the activation) is made in Vega."""
    last = rows.groupby("activation")["epoch"].max()         # before the net diverged
    last_epoch = int(last.max())
    if shown_epoch is not None:
        rows = rows[rows["epoch"] == shown_epoch]
    keep = ["layer", "unit", "grad_rel", "bias_grad", "act_mean"] + (
        ["epoch"] if shown_epoch is None else [])
    unit_rows = rows[[c for c in keep if c in rows]].astype(
        {"layer": int, "unit": int, **({"epoch": int} if shown_epoch is None else {})})
    # 3 significant digits: what the tooltip shows (.3~e, .3~g)
    unit_rows = unit_rows.assign(**{c: _rounded(unit_rows[c]) for c in
                                    ("grad_rel", "bias_grad", "act_mean") if c in unit_rows})
    data: dict[str, dict[str, pd.DataFrame]] = {"units": {
        a: f.reset_index(drop=True)
        for a, f in unit_rows.groupby(rows["activation"].to_numpy(), sort=False)}}
    if edges is not None:
        data["edges"] = _packed_edges(edges, layout, shown_epoch)
    groups = layout.groups
    what = [tr("input {i}: data, no gradient", i=g.start + 1) if len(g) == 1 else
            tr("inputs {first}–{last}: data, no gradient", first=g.start + 1, last=g.stop)
            for g in groups] if layout.input_size else \
        [tr("inputs: data, no gradient")] * len(groups)
    inputs = pd.DataFrame({"x": 0.0, "y": layout.columns_y[0], "what": what})
    data["inputs"] = {a: inputs for a in names}
    # A net whose numbers stop early (it diverged): a note, shown past its last epoch.
    data["notes"] = {a: pd.DataFrame({
        "x": [layout.top / 2], "y": [layout.bottom - 1.2], "last_epoch": [int(last[a])],
        "note": [tr("no numbers after epoch {epoch}: it diverged", epoch=int(last[a]))]})
        for a in names if int(last[a]) < last_epoch}
    return data


def _rounded(values: pd.Series) -> list[float]:
    """3 significant digits, as the tooltip shows them: shorter to send."""
    return [float(f"{v:.3g}") for v in values.astype(float)]


@dataclass(frozen=True)
class _Edges:
    """res.edges of each activation's lowest seed between drawn nodes, as arrays: the
    activation (`names[code]`), epoch, layer, each end's place in its column, and the
    values (weight, weight_grad: those present)."""
    names: list[str]
    code: np.ndarray
    epoch: np.ndarray
    layer: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    values: dict[str, np.ndarray]


def _lowest_seed_edges(edges_df: pd.DataFrame, lowest: pd.Series, layout: _Layout
                       ) -> _Edges:
    """See `_Edges`. Vectorised, on the activation's codes: res.edges has ~90,000 rows
    and the picture keeps ~1/16 of them (one seed, one epoch)."""
    act = edges_df["activation"]
    if isinstance(act.dtype, pd.CategoricalDtype):
        names, code = [str(c) for c in act.cat.categories], act.cat.codes.to_numpy()
    else:
        code, uniques = pd.factorize(act.astype(str))
        names = [str(u) for u in uniques]
    want = np.array([lowest.get(n, np.nan) for n in names] + [np.nan], dtype=float)
    keep = edges_df["seed"].to_numpy(dtype=float) == want[code]     # code -1 -> NaN
    e = edges_df[keep]
    drawn = {0: list(range(1, len(layout.groups) + 1)), **layout.drawn}
    src = _positions(drawn, e["layer"] - 1, e["src"])
    dst = _positions(drawn, e["layer"], e["dst"])
    here = (src >= 0) & (dst >= 0)
    values = {c: pd.to_numeric(e[c], errors="coerce").to_numpy(dtype=float)[here]
              for c in ("weight", "weight_grad") if c in e}
    return _Edges(names, code[keep][here], e["epoch"].to_numpy(dtype=np.int64)[here],
                  e["layer"].to_numpy(dtype=np.int64)[here], src[here], dst[here], values)


def _edge_sizes(edges: _Edges, by: str) -> pd.Series:
    """|edge_by| of every finite edge drawn, over every kept epoch: the edges' log scale."""
    sizes = np.abs(edges.values[by])
    return pd.Series(sizes[np.isfinite(sizes)])


def _packed_edges(edges: _Edges, layout: _Layout, shown_epoch: int | None
                  ) -> dict[str, pd.DataFrame]:
    """Per activation, one row per (epoch and) layer of edges: `weight` and `weight_grad`
    as the text of its n_src × n_dst numbers (3 significant digits, source by source,
    "nan" where there is none), which Vega splits into one edge each (`_edge_layers`).
    A record per edge repeated its field names and places: several times the bytes."""
    counts = layout.counts
    at = np.ones(len(edges.code), dtype=bool) if shown_epoch is None else \
        edges.epoch == shown_epoch
    keys = np.unique(np.stack([edges.code[at], edges.epoch[at], edges.layer[at]]), axis=1)
    out: dict[str, list[dict[str, Any]]] = {}
    for code, epoch, layer in keys.T:
        part = at & (edges.code == code) & (edges.epoch == epoch) & (edges.layer == layer)
        n_dst = counts[layer]
        flat = edges.src[part] * n_dst + edges.dst[part]
        row: dict[str, Any] = {"layer": int(layer)}
        if shown_epoch is None:
            row["epoch"] = int(epoch)
        for c, v in edges.values.items():
            grid = np.full(counts[layer - 1] * n_dst, np.nan)
            grid[flat] = v[part]
            row[c] = " ".join(np.char.mod("%.3g", grid).tolist())
        out.setdefault(edges.names[code], []).append(row)
    return {a: pd.DataFrame(r) for a, r in out.items()}


# -- Vega expressions over the layout --------------------------------------------------------
def _layer_names(layout: "_Layout") -> list[str]:
    """Each layer's name in the reader's language, layer 1 … the output (index 0: none)."""
    return [""] + [layer_words(layout.names.get(l, f"hidden {l}"))
                   for l in range(1, layout.top + 1)]


def _node_name_expr(layout: _Layout, layer: str, place: str) -> str:
    """Vega expression: the name of node `place` of column `layer` ("hidden 2 unit 7",
    "inputs 1–8 (mean |·| of the group)"), as the edges' tooltips write it."""
    if layout.input_size:
        inputs = [tr("input {i}", i=g.start + 1) if len(g) == 1 else
                  tr("inputs {first}–{last} (mean |·| of the group)", first=g.start + 1,
                     last=g.stop)
                  for g in layout.groups]
    else:
        inputs = [tr("input group {g}", g=g) for g in range(1, len(layout.groups) + 1)]
    units = [[]] + [layout.drawn[l] for l in range(1, layout.top + 1)]
    unit = _vega_words(tr("{layer} unit {unit}", layer="{layer}", unit="{unit}"),
                       layer=f"{_js(_layer_names(layout))}[{layer}]",
                       unit=f"{_js(units)}[{layer}][{place}]")
    return f"{layer} == 0 ? {_js(inputs)}[{place}] : {unit}"


def _edge_ends(layout: _Layout) -> dict[str, str]:
    """The names of an edge's two ends (`datum.k`: its index in its layer)."""
    n = _js(layout.counts)
    return {"from": _node_name_expr(layout, "datum.layer - 1",
                                    f"floor(datum.k / {n}[datum.layer])"),
            "to": _node_name_expr(layout, "datum.layer", f"datum.k % {n}[datum.layer]")}


def _edge_place(layout: _Layout, k: str = "datum.k") -> dict[str, str]:
    """Calculations placing an edge of layer `datum.layer` given its index `k` in the
    source × destination order (inlined: each transform costs its validation)."""
    n = _js(layout.counts)
    return {"x": "datum.layer - 1", "x2": "datum.layer",
            "y": f"floor(({k}) / {n}[datum.layer]) - ({n}[datum.layer - 1] - 1) / 2",
            "y2": f"({k}) % {n}[datum.layer] - ({n}[datum.layer] - 1) / 2"}


def _mark(data: Any, mark: dict[str, Any], encoding: dict[str, Any],
          transform: list[dict[str, Any]]) -> alt.Chart:
    """A layer from plain Vega-Lite parts: Altair wraps and copies each channel and
    transform at every method call, which made the picture's build several times slower
    (the whole spec is still validated by to_dict)."""
    return alt.Chart(data=data, mark=mark, encoding=alt.FacetedEncoding(**encoding),
                     transform=transform)


def _calc(calcs: dict[str, str]) -> list[dict[str, str]]:
    """One calculation after another, in order (a later one may use an earlier one)."""
    return [{"calculate": expr, "as": name} for name, expr in calcs.items()]


def _dicts(channels: list[Any]) -> list[dict[str, Any]]:
    """Altair channels as plain dicts (validated with the whole spec)."""
    return [c.to_dict(validate=False) for c in channels]


def _network_axes(layout: _Layout, noted: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """x: the layers, named (input, hidden 1 …, output); y: no axis, one domain for
    every panel in whole units (`noted`: room for a diverged net's note under the
    lowest node)."""
    top = layout.top
    # (tr() outside the f-strings: the catalog's extractor does not look inside them)
    words = {"input": _vega_text(tr("input")), "output": _vega_text(tr("output")),
             "hidden": _vega_words(tr("hidden {n}", n="{n}"), n="datum.value")}
    x = alt.X("x:Q", title=None, axis=alt.Axis(
        values=list(range(top + 1)), labelExpr=(
            f"datum.value == 0 ? {words['input']} : datum.value == " + str(top) +
            f" ? {words['output']} : {words['hidden']}"), grid=False, domain=False,
        ticks=False),
        scale=alt.Scale(domain=[-0.4, top + 0.4], nice=False))
    high = max(max(c) for c in layout.columns_y.values())
    low = layout.bottom - (1.2 if noted else 0)
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[math.floor(low), math.ceil(high)]))
    return x.to_dict(validate=False), y.to_dict(validate=False)


GREY_RULE = {"type": "rule", "color": "#bbbbbb", "opacity": 0.25, "strokeWidth": 0.6}
ENDS = {"x2": {"field": "x2"}, "y2": {"field": "y2"}}


def _edge_layers(at_epoch: list[str], by: str | None, sizes: pd.Series | None,
                 layout: _Layout, own: dict[str, "_Named"], common: dict[str, str]
                 ) -> list[alt.Chart]:
    """Structure edges (faint grey) where the panel has no numbers at the epoch shown
    (or none are drawn), and, when drawn `by` a value, the edges at the epoch shown:
    opacity and width from their place t on one log scale over `sizes` (every panel and
    epoch); an edge of size 0 is drawn as structure."""
    counts = layout.counts
    offsets = np.cumsum([0] + [counts[l - 1] * counts[l] for l in range(1, layout.top + 1)])
    # every drawn edge, generated in Vega from its index: no bytes sent
    layer_of = " : ".join(f"datum.i < {int(o)} ? {l}" for l, o in
                          enumerate(offsets[1:], 1)) + f" : {layout.top}"
    structure = _mark(
        {"sequence": {"start": 0, "stop": int(offsets[-1]), "as": "i"}}, GREY_RULE,
        {**ENDS, "tooltip": {"value": tr("a connection (drawn for the structure: its "
                                         "weight is not shown)") if by is None else
                             tr("a connection (no value to show here)")}},
        _calc({"layer": layer_of, **_edge_place(
            layout, f"datum.i - {_js(offsets.tolist())}[datum.layer - 1]")}))
    edges = own.get("edges")
    if by is None or edges is None:
        return [structure]
    # with the slider, under every net's edges (a net may lack numbers at some epochs)
    parts = [structure] if at_epoch else []
    positive = sizes[sizes > 0] if sizes is not None else pd.Series(dtype=float)
    hi = math.log10(positive.max()) if not positive.empty else 0.0
    lo = math.log10(positive.quantile(NET_EDGE_LOW)) if not positive.empty else -1
    lo = min(max(lo, hi - NET_EDGE_DECADES), hi - 1)
    ticks = _log_legend_ticks(lo, hi)
    values = [c for c in ("weight", "weight_grad") if c in edges.frame]
    tips = _dicts(_tooltip("activation", "epoch", "from", "to", *values))
    # the layer's numbers, one edge each (see `_packed_edges`), named for the tooltip
    split = [*({"filter": t} for t in at_epoch),
             *_calc({**{c: f"split(datum.{c}, ' ')" for c in values},
                     "k": f"sequence(length(datum.{by}))"}),
             {"flatten": [*values, "k"]},
             *_calc({**{c: f"toNumber(datum.{c})" for c in values}, **common,
                     **_edge_place(layout), **_edge_ends(layout)}),
             {"filter": f"isFinite(datum.{by})"}]
    width = alt.StrokeWidth("edge_t:Q", scale=alt.Scale(
        domain=[0, 1], range=list(NET_EDGE_WIDTH)), legend=_legend(
            [tr("{size} per edge", size=_marked(NET_EDGE_MODES[by])), tr("(log scale)")],
            values=[(math.log10(v) - lo) / (hi - lo) for v in ticks],
            labelExpr=f"format(pow(10, {lo} + datum.value * {hi - lo}), '.0e')",
            symbolStrokeColor="#243b6b"))
    opacity = alt.Opacity("edge_t:Q", legend=None, scale=alt.Scale(
        type="pow", exponent=2, domain=[0, 1], range=[0, NET_EDGE_OPACITY]))
    # an edge of size 0 (out of a dead unit) has no place on a log scale: drawn as
    # structure (one layer with conditions: each layer's transforms cost validation)
    zero = f"datum.{by} == 0"
    grey = {k: {"condition": {"test": zero, "value": GREY_RULE[k]}} for k in
            ("color", "opacity", "strokeWidth")}
    weighted = _mark(edges.data, {"type": "rule"},
                     {**ENDS, "color": {**grey["color"], "value": "#243b6b"},
                      "opacity": {**grey["opacity"], **_dicts([opacity])[0]},
                      "strokeWidth": {**grey["strokeWidth"], **_dicts([width])[0]},
                      "tooltip": tips},
                     [*split, *_calc({"edge_t": f"clamp((log(abs(datum.{by})) / LN10"
                                                f" - {lo}) / {hi - lo}, 0, 1)"})])
    return [*parts, weighted]


def _unit_layers(at_epoch: list[str], now: str, domain: list[float], layout: _Layout,
                 own: dict[str, "_Named"], common: dict[str, str]
                 ) -> list[alt.Chart]:
    """The input nodes (grey), the units at the epoch shown coloured by |∂C/∂b| ÷ the
    largest in their net on one log scale over `domain`
    (`unit_colour_domain`: every layer, net and epoch), dead units, and the note of a net
    that diverged before the epoch shown (`now`: the epoch shown, a Vega expression)."""
    source = _mark(own["inputs"].data, {"type": "circle", "size": 110, "color": "#dddddd",
                                        "stroke": "#999999", "strokeWidth": 0.4},
                   {"tooltip": _dicts([alt.Tooltip("what:N", title=tr("input column"))])[0]},
                   [])
    layers = [source]
    units = own.get("units")
    if units is not None and not units.frame.empty:
        tips = _dicts(_tooltip("activation", "epoch", "layer_name", "unit", "bias_grad",
                               "act_mean", "shown"))
        names = _layer_names(layout)
        shown = [""] + [tr("{drawn} of {units}", drawn=len(layout.drawn[l]),
                           units=layout.widths[l]) for l in range(1, layout.top + 1)]
        drawn = [[]] + [layout.drawn[l] for l in range(1, layout.top + 1)]
        placed = [*({"filter": t} for t in at_epoch), *_calc({
            **common, "x": "datum.layer",
            "y": f"indexof({_js(drawn)}[datum.layer], datum.unit)"
                 f" - ({_js(layout.counts)}[datum.layer] - 1) / 2",
            "layer_name": f"{_js(names)}[datum.layer]",
            "shown": f"{_js(shown)}[datum.layer]"})]
        ticks = [10.0 ** k for k in range(round(math.log10(domain[0])), 1)]
        largest = _vega_text(tr("1 (largest)"))
        # clamp: the few units below the domain take its darkest colour
        colour = alt.Color("grad_rel:Q", scale=alt.Scale(
            type="log", scheme=NET_UNIT_SCHEME, domain=domain, clamp=True, nice=False),
            # the title's two lines: a line break in the message
            legend=_legend(tr("|∂C/∂b| per unit ÷ the\nlargest in its net (log)").split("\n"),
                           values=ticks, labelExpr=(
                               f"datum.value >= 1 ? {largest} : '1/' + "
                               "format(1 / datum.value, ',.0f')")))
        # A unit with no gradient at all (a dead ReLU) has no place on a log scale: a
        # hollow red ring, so it is not mistaken for a small gradient.
        dead = "datum.bias_grad == 0"
        node = _mark(units.data, {"type": "circle", "size": 110, "opacity": 1},
                     {"color": {"condition": {"test": dead, "value": "white"},
                                **colour.to_dict(validate=False)},
                      "stroke": {"condition": {"test": dead, "value": DIVERGED_COLOR},
                                 "value": "#333333"},
                      "strokeWidth": {"condition": {"test": dead, "value": 1.5},
                                      "value": 0.4},
                      "tooltip": tips}, placed)
        layers.append(node)
    notes = own.get("notes")
    if notes is not None:
        layers.append(_mark(notes.data, {"type": "text", "color": DIVERGED_COLOR,
                                         "fontSize": 11},
                            {"text": {"field": "note", "type": "nominal"},
                             "tooltip": _dicts(_tooltip("activation", "note"))},
                            [*_calc(common), {"filter": f"datum.last_epoch < {now}"}]))
    return layers


def _network_title(layout: _Layout, input_size: int | None, by: str | None, slider: bool,
                   first: int) -> alt.TitleParams:
    """What the shades mean, which epoch is shown, and which units stand for more."""
    widths, drawn, groups = layout.widths, layout.drawn, layout.groups
    wide = [tr("{units}-unit layers", units=widths[l]) for l in sorted(widths)
            if len(drawn[l]) < widths[l]]
    notes = [tr("{nodes} nodes stand for the {inputs} inputs", nodes=len(groups),
                inputs=input_size)] if input_size and len(groups) < input_size else []
    if wide:
        notes.append(tr("{layers} show {n} evenly spaced units",
                        layers=listing(list(dict.fromkeys(wide))),
                        n=NET_UNITS_DRAWN))
    if by is None:
        shades = tr("each net on its own log colour scale, relative to its largest unit "
                    "gradient: dark units barely learn, red rings get no gradient at all")
        title = tr("The network, each unit shaded by its gradient |∂C/∂b|")
    else:
        size = _marked(NET_EDGE_MODES[by])
        shades = tr("each net on its own log colour scale, relative to its largest unit "
                    "gradient: dark units barely learn, red rings get no gradient at all; "
                    "edges by {size}, faint when small", size=size)
        title = tr("The network, each unit shaded by its gradient |∂C/∂b|, each edge by "
                   "{size}", size=size)
    when = tr("drag the epoch slider") if slider else tr("epoch {epoch}", epoch=first)
    return _title(title, [shades, clauses([when, *notes])])


def unit_colour_domain(grad_rel: pd.Series) -> list[float]:
    """The units' log colour domain [10^-k, 1] in whole decades: down to the
    NET_UNIT_LOW quantile of the positive relative gradients (the decades present, not
    one stray unit), at least 1 and at most NET_UNIT_DECADES decades."""
    positive = grad_rel[grad_rel > 0]
    low = float(positive.quantile(NET_UNIT_LOW)) if not positive.empty else 0.1
    decades = min(max(math.ceil(-math.log10(low) - 1e-9), 1), NET_UNIT_DECADES)
    return [10.0 ** -decades, 1.0]
