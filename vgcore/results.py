"""Records of a run -> tidy (long-format) DataFrames, and the analyses on them.

Frames (column contracts that charts, pages and the CLI rely on):
- history:    activation, seed, epoch, split ('train'/'test'), loss, accuracy
- layers:     activation, seed, epoch, layer, layer_name, weight_grad_norm, bias_grad_norm,
              act_mean, act_std, saturation, wfprime_mean (mean |w·f'(z)| over the weights
              leaving the layer and the probe batch; NaN for the output layer)
- histograms: activation, seed, epoch, layer, layer_name, quantity, bin_start, bin_end,
              count, fraction
- units:      activation, seed, epoch, layer, layer_name, unit, bias_grad (signed ∂C/∂b_j),
              act_mean — every hidden and output unit, at the histogram epochs
- edges:      activation, seed, epoch, layer, layer_name, src, dst, weight, weight_grad —
              the network picture's edges (between the units it draws: probes.drawn_units,
              input_groups), at the epochs of `units`; layer is the layer fed, src the
              unit below (layer 1: the input group), dst the unit fed; signed w and ∂C/∂w,
              but a group of several inputs holds their mean |w| and mean |∂C/∂w|.
              Rows ≤ nets × epochs × probes.edges_per_net (train.MAX_EDGE_ROWS caps it)
- summary:    activation, seed, final_train_loss, final_test_loss, final_train_accuracy,
              final_test_accuracy, best_test_epoch, best_test_loss, gap, diverged_at,
              speed_ratio, last_epoch
- pretrain:   activation, seed, layer, epoch, recon_error — greedy layer-wise
              pretraining (vgcore.pretrain): each hidden layer's autoencoder's mean squared
              reconstruction error of its input on the probe batch, before (epoch 0) and
              after each pretraining epoch of that layer; empty when pretrain_epochs = 0
- boundary:   activation, seed, x1, x2, prob          (2-D data sets only)
- points:     x1, x2, label, split                     (2-D data sets only)

Every number derived from results is computed here, once: the speed ratio (one net's, and
the seed-averaged one), the best-test epoch, the test-loss rise after it and the final
gap, the mean over seeds, and the ratio-to-words formatter. Charts, the CLI, presets,
exercises and uploads call these; none of them recomputes one.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

from . import data
from .activations import ACTIVATIONS
from .config import ExperimentConfig
from .inits import INIT_SCHEMES, resolve as resolve_init
from .registry import label_in, order_in

if TYPE_CHECKING:  # only for type hints
    from .data import Dataset
    from .model import Member

HISTORY_COLUMNS = ["activation", "seed", "epoch", "split", "loss", "accuracy"]
LAYER_COLUMNS = ["activation", "seed", "epoch", "layer", "layer_name", "weight_grad_norm",
                 "bias_grad_norm", "act_mean", "act_std", "saturation", "wfprime_mean"]
HIST_COLUMNS = ["activation", "seed", "epoch", "layer", "layer_name", "quantity",
                "bin_start", "bin_end", "count", "fraction"]
SUMMARY_COLUMNS = ["activation", "seed", "final_train_loss", "final_test_loss",
                   "final_train_accuracy", "final_test_accuracy", "best_test_epoch",
                   "best_test_loss", "gap", "diverged_at", "speed_ratio", "last_epoch"]
BOUNDARY_COLUMNS = ["activation", "seed", "x1", "x2", "prob"]
UNIT_COLUMNS = ["activation", "seed", "epoch", "layer", "layer_name", "unit", "bias_grad",
                "act_mean"]
EDGE_COLUMNS = ["activation", "seed", "epoch", "layer", "layer_name", "src", "dst", "weight",
                "weight_grad"]
POINT_COLUMNS = ["x1", "x2", "label", "split"]
PRETRAIN_COLUMNS = ["activation", "seed", "layer", "epoch", "recon_error"]


@dataclass
class Records:
    """What a run has measured so far (lists of dicts of plain floats); `build_result`
    turns them into a Result."""
    members: tuple["Member", ...]
    history: list[dict] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    histograms: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    boundary: list[dict] = field(default_factory=list)
    pretrain: list[dict] = field(default_factory=list)
    diverged_at: dict[int, int] = field(default_factory=dict)   # member -> epoch
    stopped_at: int | None = None     # set when max_seconds ended training early


@dataclass(frozen=True)
class Result:
    """A finished (or partial) run. Only DataFrames of plain values: safe to cache."""
    config: ExperimentConfig
    history: pd.DataFrame
    layers: pd.DataFrame
    summary: pd.DataFrame
    histograms: pd.DataFrame
    boundary: pd.DataFrame
    points: pd.DataFrame
    elapsed_s: float
    finished: bool = True
    stopped_at: int | None = None   # last epoch trained when a time cap cut the run short
    units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNIT_COLUMNS))
    edges: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EDGE_COLUMNS))
    pretrain: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=PRETRAIN_COLUMNS))

    def diverged(self) -> pd.DataFrame:
        return diverged_rows(self.summary)

    def to_json_dict(self) -> dict[str, Any]:
        """{"config", "summary", "history", "layers"}, and "pretrain" when the run was
        pretrained: what `--json` prints."""
        out = {"config": self.config.to_dict(), "summary": json_records(self.summary),
               "history": json_records(self.history), "layers": json_records(self.layers)}
        if self.config.pretrain_epochs > 0:
            out["pretrain"] = json_records(self.pretrain)
        return out


def diverged_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows of a run's summary whose net diverged (loss or gradients became NaN/Inf)."""
    return summary[summary["diverged_at"].notna()]


def json_records(frame: pd.DataFrame) -> list[dict]:
    """A frame as JSON-ready records (NaN is not JSON: it becomes null)."""
    return json.loads(frame.to_json(orient="records"))


def table_lines(table: pd.DataFrame) -> list[str]:
    """A small table's lines for a terminal, every column left-aligned (pandas
    right-aligns values; text columns read better left-aligned like their headers)."""
    table = table.copy()
    for column in table:
        text = table[column].astype(str)
        table[column] = text.str.ljust(max(len(column), text.str.len().max()))
    lines = table.to_string(index=False, justify="left").splitlines()
    return [line.rstrip() for line in lines]


def missing(value: Any) -> bool:
    """None or NaN: a number a run does not have (a net that never diverged)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def layer_name(layer: int, n_layers: int) -> str:
    return "output" if layer == n_layers else f"hidden {layer}"


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def _named_layers(rows: list[dict], columns: list[str], n_layers: int) -> pd.DataFrame:
    """Per-layer records with the layer's name ("hidden 2", "output") added."""
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    frame["layer_name"] = [layer_name(v, n_layers) for v in frame["layer"]]
    return frame[columns]


def _compact(edges: pd.DataFrame) -> pd.DataFrame:
    """res.edges in small dtypes: it is the longest frame (~68,000 rows for the Gradient
    flow page's default run) and every stored result carries it; float64 and str columns
    made a stored result 3.5× bigger (8.1 MB instead of 2.3), these dtypes 1.8×. Nothing
    is lost: the weights are float32 in the model, epochs ≤ 200 and units ≤ 512."""
    if edges.empty:
        return edges
    return edges.astype({"activation": "category", "layer_name": "category",
                         "epoch": "int16", "layer": "int16", "src": "int16", "dst": "int16",
                         "weight": "float32", "weight_grad": "float32"})


def build_result(config: ExperimentConfig, records: "Records", elapsed_s: float, *,
                 finished: bool, dataset: "Dataset | None" = None) -> Result:
    n_layers = config.depth + 1
    history = _frame(records.history, HISTORY_COLUMNS)
    layers = _named_layers(records.layers, LAYER_COLUMNS, n_layers)
    hists = _named_layers(records.histograms, HIST_COLUMNS, n_layers)
    units = _named_layers(records.units, UNIT_COLUMNS, n_layers)
    edges = _compact(_named_layers(records.edges, EDGE_COLUMNS, n_layers))
    diverged = {(records.members[m].activation, records.members[m].seed): epoch
                for m, epoch in records.diverged_at.items()}
    summary = summarize(history, layers, diverged, records.members)
    points = data.points_frame(dataset) if dataset is not None and dataset.is_2d else \
        pd.DataFrame(columns=POINT_COLUMNS)
    return Result(config, history, layers, summary, hists,
                  _frame(records.boundary, BOUNDARY_COLUMNS), points, float(elapsed_s),
                  finished, records.stopped_at, units, edges,
                  pretrain=_frame(records.pretrain, PRETRAIN_COLUMNS))


# ---------------------------------------------------------------------------------------
# Analyses: every derived number, computed once
# ---------------------------------------------------------------------------------------
def mean_over_seeds(frame: pd.DataFrame, keys: list[str], values: list[str], *,
                    sort: bool = True, count_seeds: bool = False) -> pd.DataFrame:
    """Average repeated seeds (geometric mean would hide zeros; runs are few, mean is
    fine). `count_seeds` adds `n_seeds`: how many seeds went into each number."""
    grouped = frame.groupby(keys, as_index=False, sort=sort)
    out = grouped[values].mean()
    if count_seeds:
        out["n_seeds"] = grouped["seed"].nunique()["seed"].to_numpy() \
            if "seed" in frame else 1
    return out


def hidden_norms(layers: pd.DataFrame, activation: str | None = None, epoch: int = 0,
                 value: str = "bias_grad_norm") -> pd.Series:
    """Mean over seeds of each hidden layer's `value` at `epoch`, indexed by layer
    (ascending). `activation=None`: the frame holds one activation already."""
    rows = layers[(layers["epoch"] == epoch) & (layers["layer_name"].astype(str) != "output")]
    if activation is not None:
        rows = rows[rows["activation"].astype(str) == activation]
    return rows.groupby("layer")[value].mean().sort_index()


def ratio_of(norms: pd.Series) -> float:
    """Last hidden layer's norm ÷ the first's. >1: the first layer learns slower
    (vanishing); <1: faster (exploding); inf: only the first gets nothing."""
    if len(norms) < 1:
        return float("nan")
    first, last = float(norms.iloc[0]), float(norms.iloc[-1])
    if first == 0:
        return float("inf") if last > 0 else float("nan")
    return last / first


def speed_ratio(layers: pd.DataFrame, epoch: int = 0) -> float:
    """The speed ratio of one net's rows at `epoch` (the summary's `speed_ratio`)."""
    return ratio_of(hidden_norms(layers, epoch=epoch))


def level_ratio(layers: pd.DataFrame, activation: str, epoch: int = 0) -> float:
    """The speed ratio of the seed-averaged net of one activation (NaN with one layer)."""
    norms = hidden_norms(layers, activation, epoch)
    return ratio_of(norms) if len(norms) > 1 else math.nan


def format_ratio(ratio: float, *, trim: bool = False) -> str:
    """120×, 1.3×, 12,000×, 3.4·10⁷× — as many digits as a reader can use. `trim` drops
    a trailing '.0' (4× rather than 4.0×), as the CLI's table writes it."""
    if ratio < 10:
        text = f"{ratio:.1f}"
        return (text.removesuffix(".0") if trim else text) + "×"
    if ratio < 1e6:
        return f"{ratio:,.0f}×"
    mantissa, exponent = f"{ratio:.1e}".split("e")
    superscript = str(int(exponent)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"{mantissa}·10{superscript}×"


def compare_speeds(ratio: float, first: str, last: str, *, trim: bool = False) -> str:
    """'<first> learns N× slower than <last>' (or faster, or about as fast) for a finite,
    positive speed ratio last ÷ first."""
    factor = max(ratio, 1 / ratio)
    if format_ratio(factor) == "1.0×":
        return f"{first} learns about as fast as {last}"
    direction = "slower" if ratio > 1 else "faster"
    return f"{first} learns {format_ratio(factor, trim=trim)} {direction} than {last}"


def speed_sentences(layers: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm",
                    label: Any = None) -> list[str]:
    """One sentence per activation (registry order, then order of appearance) comparing
    the first and last hidden layers (mean over seeds), e.g. "sigmoid: hidden layer 1
    learns 120× slower than hidden layer 4". Rows with NaN/inf values are left out.
    `label(name)` writes the activation's name (default: its registry label). An `epoch`
    the frame does not hold is a ValueError, not an empty list."""
    if not (layers["epoch"] == epoch).any():
        epochs = ", ".join(map(str, sorted(pd.unique(layers["epoch"]))))
        raise ValueError(f"epoch: {epoch!r} is not in the data; available: {epochs or 'none'}")
    label = label or activation_label
    rows = layers[(layers["epoch"] == epoch) & (layers["layer_name"].astype(str) != "output")]
    rows = rows[pd.to_numeric(rows[value], errors="coerce").map(math.isfinite)]
    return [_speed_sentence(label(name), hidden_norms(rows, name, epoch, value))
            for name in registry_order(rows["activation"])]


def _speed_sentence(name: str, norms: pd.Series) -> str:
    if len(norms) < 2:
        return f"{name}: only one hidden layer, nothing to compare"
    first, last = float(norms.iloc[0]), float(norms.iloc[-1])
    first_name = f"hidden layer {int(norms.index[0])}"
    last_name = f"hidden layer {int(norms.index[-1])}"
    if first == 0 and last == 0:
        return f"{name}: no hidden layer gets any gradient"
    if first == 0 or last == 0:
        silent = first_name if first == 0 else last_name
        return f"{name}: {silent} gets no gradient at all, so it does not learn"
    return f"{name}: {compare_speeds(last / first, first_name, last_name)}"


def speed_phrase(ratio: float, last_layer: int) -> str:
    """A summary's `speed_ratio` in words, for a net whose last hidden layer is
    `last_layer`: "layer 1 learns 120× slower than layer 4"."""
    if last_layer <= 1:
        return "one hidden layer: nothing to compare"
    if math.isnan(ratio):
        return "n/a"
    if math.isinf(ratio):
        return f"layer 1 gets no gradient at all (layer {last_layer} does)"
    if ratio == 0:
        return f"layer {last_layer} gets no gradient at all (layer 1 does)"
    return compare_speeds(ratio, "layer 1", f"layer {last_layer}", trim=True)


def best_accuracy(summary: pd.DataFrame) -> tuple[str, float]:
    """The activation with the highest final test accuracy (mean over seeds) and that
    accuracy; ("", NaN) when no net finished."""
    means = summary.groupby("activation", sort=False)["final_test_accuracy"].mean().dropna()
    if means.empty:
        return "", math.nan
    return str(means.idxmax()), float(means.max())


def drift_sentences(layers: pd.DataFrame) -> list[str]:
    """One sentence per activation on how the hidden layers' mean activation (mean over
    seeds) moved from the first to the last epoch, top layer first (Glorot & Bengio 2010,
    fig. 2: the sigmoid's top hidden layer is driven towards 0), e.g. "sigmoid: the top
    hidden layer's mean activation went from 0.50 to 0.33 in 20 epochs; the layers below
    from 0.50–0.51 to 0.50–0.53"."""
    def num(x: float) -> str:
        return f"{x:.2f}".replace("-0.00", "0.00")

    def span(values: pd.Series) -> str:
        lo, hi = num(values.min()), num(values.max())
        return lo if lo == hi else f"{lo}–{hi}"

    rows = layers[layers["layer_name"].astype(str) != "output"]
    rows = rows[pd.to_numeric(rows["act_mean"], errors="coerce").map(math.isfinite)]
    sentences = []
    for name in registry_order(rows["activation"]):
        own = rows[rows["activation"].astype(str) == name]
        first, last = own["epoch"].min(), own["epoch"].max()
        if first == last:
            continue
        start = hidden_norms(own, name, first, "act_mean")
        end = hidden_norms(own, name, last, "act_mean")
        top = start.index.max()
        text = (f"{activation_label(name)}: the top hidden layer's mean activation went "
                f"from {num(start[top])} to {num(end[top])} in {last - first} epochs")
        if len(start) > 1:
            text += (f"; the layers below from {span(start.drop(top))} to "
                     f"{span(end.drop(top))}")
        sentences.append(text)
    return sentences


def layer_factors(layers: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm"
                  ) -> pd.DataFrame:
    """The factor each hidden layer multiplies the gradient by on its way down, measured:
    ‖∂C/∂b‖ of layer l ÷ that of layer l+1 (mean over seeds; the output layer is the
    start), and the running product from the output down to layer l. Beside it, Nielsen's
    factor for one path, w·f'(z): the layer's `wfprime_mean` (mean |w·f'(z)| over the
    weights leaving it; mean over seeds; NaN when the frame has none) and its running
    product. Columns activation, layer, layer_name, factor, product, wfprime_mean,
    wfprime_product. Below 1: the gradient shrinks (vanishing); above 1: it grows
    (exploding) — the chain-rule calculator's factors, for the net just trained.

    The two differ: a unit's δ sums one w·f'(z)·δ term per unit above it, with mixed
    signs, and the factor compares the layers' norms, so it is about √(units in layer l)
    × the rms of w·f'(z)."""
    rows = layers[layers["epoch"] == epoch]
    rows = rows[pd.to_numeric(rows[value], errors="coerce").map(math.isfinite)]
    if "wfprime_mean" not in rows:
        rows = rows.assign(wfprime_mean=math.nan)
    out = []
    for name in registry_order(rows["activation"]):
        own = rows[rows["activation"].astype(str) == name].groupby("layer")
        norms = own[value].mean().sort_index()
        paths = own["wfprime_mean"].mean()
        product = path_product = 1.0
        for layer in reversed(norms.index[:-1]):      # from the top hidden layer down
            above, here = float(norms[layer + 1]), float(norms[layer])
            factor = here / above if above > 0 else math.nan
            product *= factor
            path_product *= float(paths[layer])
            out.append({"activation": name, "layer": int(layer),
                        "layer_name": layer_name(int(layer), int(norms.index[-1])),
                        "factor": factor, "product": product,
                        "wfprime_mean": float(paths[layer]),
                        "wfprime_product": path_product})
    return pd.DataFrame(out, columns=["activation", "layer", "layer_name", "factor",
                                      "product", "wfprime_mean", "wfprime_product"])


def factor_sentences(layers: pd.DataFrame, epoch: int = 0) -> list[str]:
    """`layer_factors` in words, one sentence per activation, e.g. "sigmoid: ×0.34 ·
    ×0.21 · ×0.19 · ×0.24 on the way down, so hidden layer 1 gets 1/312 of the output
    layer's gradient" (or "gets 859× the output layer's gradient" when it explodes)."""
    factors = layer_factors(layers, epoch)
    sentences = []
    for name in registry_order(factors["activation"]):
        own = factors[factors["activation"] == name]
        if own.empty or not own["factor"].map(math.isfinite).all():
            continue
        chain = " · ".join(f"×{f:.2g}" for f in own["factor"])
        total = float(own["product"].iloc[-1])
        share = (f"1/{format_ratio(1 / total).removesuffix('×')} of" if 0 < total < 1
                 else f"{format_ratio(total)}")
        sentences.append(f"{activation_label(name)}: {chain} on the way down, so hidden "
                         f"layer 1 gets {share} the output layer's gradient")
    return sentences


def activation_label(name: object) -> str:
    """How the app writes an activation (the registry's label; other names unchanged)."""
    return label_in(ACTIVATIONS, name)


def registry_order(names: Iterable[object]) -> list[str]:
    """Distinct activation names: registry order first, then any others."""
    return order_in(ACTIVATIONS, names)


def net_outcome(history: pd.DataFrame) -> dict[str, float]:
    """One net's history -> final losses and accuracies, the best-test epoch (argmin of
    the test loss: the early-stopping point) and loss, the test-loss rise after it, the
    final gap (test − training loss) and the last epoch. NaN where a split is missing."""
    nan = math.nan
    out = {"final_train_loss": nan, "final_test_loss": nan, "final_train_accuracy": nan,
           "final_test_accuracy": nan, "best_test_epoch": nan, "best_test_loss": nan,
           "rise": nan, "gap": nan, "last_epoch": nan}
    train = history[history["split"] == "train"].sort_values("epoch")
    test = history[history["split"] == "test"].sort_values("epoch")
    for split, rows in (("train", train), ("test", test)):
        if not rows.empty:
            out[f"final_{split}_loss"] = float(rows["loss"].iloc[-1])
            if "accuracy" in rows:      # a chart may pass a loss-only frame
                out[f"final_{split}_accuracy"] = float(rows["accuracy"].iloc[-1])
    if not train.empty:
        out["last_epoch"] = float(train["epoch"].iloc[-1])
    if not test.empty:
        best = test.loc[test["loss"].idxmin()]
        out["best_test_epoch"] = float(best["epoch"])
        out["best_test_loss"] = float(best["loss"])
        out["rise"] = out["final_test_loss"] - out["best_test_loss"]
        # Overfitting gap: how far the test loss sits above the training loss at the end
        out["gap"] = out["final_test_loss"] - out["final_train_loss"]
    return out


def net_history(history: pd.DataFrame, activation: str, seed: int | None = None
                ) -> pd.DataFrame:
    """One net's rows: the activation's given seed (default: its lowest seed)."""
    h = history[history["activation"] == activation]
    if seed is None:
        seed = h["seed"].min() if not h.empty else None
    return h[h["seed"] == seed]


def summarize(history: pd.DataFrame, layers: pd.DataFrame,
              diverged: dict[tuple[str, int], int], members) -> pd.DataFrame:
    """One row per activation and seed (see SUMMARY_COLUMNS)."""
    rows = []
    for member in members:
        key = (member.activation, member.seed)
        h = history[(history["activation"] == key[0]) & (history["seed"] == key[1])]
        lay = layers[(layers["activation"] == key[0]) & (layers["seed"] == key[1])]
        row = {"activation": key[0], "seed": key[1],
               "diverged_at": float(diverged[key]) if key in diverged else math.nan,
               "speed_ratio": speed_ratio(lay)}
        outcome = net_outcome(h)
        if math.isnan(outcome["final_train_loss"]) or math.isnan(outcome["final_test_loss"]):
            outcome = {k: math.nan for k in outcome}     # both splits or nothing
        row.update(outcome)
        rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def epoch_reaching(history: pd.DataFrame, accuracy: float) -> float:
    """The first epoch at which one net's test accuracy reaches `accuracy`; NaN if never
    (the recurrent lesson's "solved at", the cures lesson's "epochs to reach")."""
    test = history[(history["split"] == "test") & (history["accuracy"] >= accuracy)]
    return float(test["epoch"].min()) if not test.empty else math.nan


def overfitting_onset(history: pd.DataFrame, activation: str, seed: int | None = None
                      ) -> dict[str, float]:
    """Best-test epoch, how much the test loss rose after it, and the final train/test gap,
    for one net (default: the activation's lowest seed). NaN where the history is empty."""
    o = net_outcome(net_history(history, activation, seed))
    return {"best_epoch": o["best_test_epoch"], "rise": o["rise"], "gap": o["gap"]}


# ---------------------------------------------------------------------------------------
# Lesson words about a run: why a net diverged, whether it ever left chance, and what the
# weight-decay control is in Nielsen's terms
# ---------------------------------------------------------------------------------------
# At initialisation hidden layer 1's gradient ≥ this many times the top hidden layer's:
# the gradient had exploded before any step (N(0, 1) ReLU nets: ~10⁶×; He init: ~1×).
EXPLODED_AT_INIT = 100.0


def divergence_cause(result: Result, activation: str) -> str | None:
    """Why `activation`'s diverged nets diverged, from the untrained net's own
    measurements (epoch 0, before any step), with the advice that follows; None when they
    cannot tell (the untrained net was fine, or it has one hidden layer): then the step
    size is what to change. The MLP kind's `Kind.divergence_cause`."""
    rows = result.diverged()
    rows = rows[rows["activation"].astype(str) == str(activation)]
    ratios = pd.to_numeric(rows["speed_ratio"], errors="coerce")
    exploded = rows[(ratios > 0) & (ratios <= 1 / EXPLODED_AT_INIT)]
    if exploded.empty:
        return None
    depth = result.config.depth
    growth = 1 / float(exploded["speed_ratio"].max())      # the least exploded seed's
    seeds = sorted(int(s) for s in exploded["seed"])
    which = ("" if len(exploded) == len(rows) else
             f" (on seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))})")
    top = result.layers[(result.layers["activation"].astype(str) == str(activation))
                        & (result.layers["epoch"] == 0) & (result.layers["layer"] == depth)
                        & result.layers["seed"].isin(seeds)]["act_std"]
    signal = (f" and its top hidden layer's activations had a standard deviation of "
              f"{format_ratio(float(top.min())).removesuffix('×')}"
              if not top.empty and math.isfinite(float(top.min())) and top.min() >= 10
              else "")
    scheme = INIT_SCHEMES[resolve_init("auto", str(activation), False)].label
    return (f"It had exploded before the first step{which}: at initialisation (epoch 0) "
            f"hidden layer 1's gradient was {'at least ' if len(seeds) > 1 else ''}"
            f"{format_ratio(growth)} hidden layer {depth}'s{signal}. The initial weights "
            f"are too large: a smaller learning rate or gradient clipping limits the "
            f"steps, not the weights' scale. Use a scaled initialisation, {scheme} for "
            f"{activation_label(activation)} (He et al. 2015; Glorot & Bengio 2010): it "
            f"keeps every layer's gradient at one scale.")


def chance_accuracy(n_classes: int) -> float:
    """The test accuracy of guessing: 1 / classes."""
    return 1.0 / n_classes


def left_chance(history: pd.DataFrame, n_classes: int) -> bool:
    """Whether one net's test accuracy ever rose clearly above chance: by at least a
    quarter of the way from chance to 100% (10 classes: 32.5%). A net stuck on a plateau
    predicts one or two classes and scores 8–19% on the digits; its test loss only drifts,
    so its argmin is no 'best epoch'."""
    chance = chance_accuracy(n_classes)
    test = pd.to_numeric(history[history["split"] == "test"]["accuracy"], errors="coerce")
    return bool((test >= chance + (1 - chance) / 4).any())


def best_test_epochs(summary: pd.DataFrame, history: pd.DataFrame, n_classes: int
                     ) -> pd.Series:
    """The summary's best-test epochs, NaN for a net that never left chance: the argmin
    of a test loss that only drifted is noise, not an early-stopping point."""
    learned = [left_chance(net_history(history, a, s), n_classes)
               for a, s in zip(summary["activation"], summary["seed"])]
    return summary["best_test_epoch"].where(pd.Series(learned, index=summary.index))


def chance_sentences(history: pd.DataFrame, n_classes: int, label: Any = None
                     ) -> list[str]:
    """One sentence per activation none of whose seeds left chance (`left_chance`), with
    its measured accuracy range, e.g. "Sigmoid never left chance: its test accuracy stayed
    at 8–19% (chance is 10%) on all 3 seeds, so it has no best test epoch"."""
    label = label or activation_label
    chance = chance_accuracy(n_classes)
    out = []
    for name in registry_order(history["activation"]):
        own = history[history["activation"].astype(str) == name]
        seeds = sorted(pd.unique(own["seed"]))
        if any(left_chance(own[own["seed"] == s], n_classes) for s in seeds):
            continue
        acc = own[own["split"] == "test"]["accuracy"]
        if acc.empty:
            continue
        lo, hi = f"{acc.min():.0%}", f"{acc.max():.0%}"
        span = lo if lo == hi else f"{lo.removesuffix('%')}–{hi}"
        on = f" on all {len(seeds)} seeds" if len(seeds) > 1 else ""
        out.append(f"{label(name)} never left chance: its test accuracy stayed at {span} "
                   f"(chance is {chance:.0%}){on}, so it has no best test epoch: its test "
                   f"loss only drifted.")
    return out


def nielsen_lambda(weight_decay: float, train_size: int) -> float:
    """Nielsen's L2 λ for a weight decay: his cost adds (λ/2n)·Σw², whose gradient adds
    (λ/n)·w; torch's weight_decay adds weight_decay·w to the gradient, so λ = wd × n."""
    return weight_decay * train_size


def weight_decay_sentence(weight_decay: float, train_size: int) -> str:
    """The weight-decay control in Nielsen's terms, for a run on `train_size` images."""
    def num(x: float) -> str:
        return f"{x:.6f}".rstrip("0").rstrip(".")
    now = (f" This run's {num(weight_decay)} is his λ = "
           f"{num(nielsen_lambda(weight_decay, train_size))}." if weight_decay > 0 else "")
    return (f"Weight decay here is PyTorch's: each step adds weight decay × w to the "
            f"gradient. Nielsen's L2 term (λ/2n)·Σw² adds (λ/n)·w, so his λ is the weight "
            f"decay × n, the number of training images: on these {train_size:,} images "
            f"his λ = 0.1 is weight decay {num(0.1 / train_size)}.{now} (PyTorch also "
            f"shrinks the biases; Nielsen does not.)")


__all__ = ["Records", "Result", "build_result", "summarize", "speed_ratio", "level_ratio",
           "hidden_norms", "ratio_of", "overfitting_onset", "net_outcome", "net_history",
           "layer_name", "mean_over_seeds", "format_ratio", "compare_speeds",
           "speed_sentences", "speed_phrase", "activation_label", "registry_order",
           "drift_sentences", "best_accuracy", "layer_factors",
           "factor_sentences", "epoch_reaching", "diverged_rows", "json_records",
           "divergence_cause", "EXPLODED_AT_INIT", "chance_accuracy", "left_chance",
           "best_test_epochs",
           "chance_sentences", "nielsen_lambda", "weight_decay_sentence"]


# ---------------------------------------------------------------------------------------
# The spread across seeds: the middle and the range every chart draws
# ---------------------------------------------------------------------------------------
def seed_band(frame: pd.DataFrame, keys: list[str], value: str, *, log: bool = False
              ) -> pd.DataFrame:
    """One row per `keys` (in order of appearance): `value` = the median over seeds,
    `{value}_lo` / `{value}_hi` = the lowest and highest seed, `n_seeds` = how many
    seeds had a value there (NaN values are skipped; a frame without a `seed` column
    counts rows). The median, not the mean: one diverged or lucky seed of three moves a
    mean but not the middle. Min–max, not a confidence interval: with 3–5 seeds a range
    claims no more than the data show (a bootstrap at n = 3 has 10 distinct resamples).
    `log`: with an even count the middle two are averaged in log space (their geometric
    mean), so a log axis draws the same middle; min and max are the same in either."""
    rows = frame.dropna(subset=[value])
    values = rows[value].astype(float)
    seeds = rows["seed"].fillna(-1) if "seed" in rows else pd.Series(range(len(rows)),
                                                                      index=rows.index)
    work = rows[keys].assign(_mid=np.log(values) if log else values, _v=values, _seed=seeds)
    out = work.groupby(keys, sort=False, dropna=False, as_index=False).agg(
        _mid=("_mid", "median"), _lo=("_v", "min"), _hi=("_v", "max"),
        n_seeds=("_seed", "nunique"))
    out[value] = np.exp(out["_mid"]) if log else out["_mid"]
    out[f"{value}_lo"], out[f"{value}_hi"] = out["_lo"], out["_hi"]
    return out[[*keys, value, f"{value}_lo", f"{value}_hi", "n_seeds"]]


__all__ += ["seed_band"]
