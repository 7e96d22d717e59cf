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

import dataclasses
import json
import math
import re
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
import pandas as pd

from . import data
from .activations import ACTIVATIONS
from .config import ExperimentConfig
from .i18n import N_, clauses, tr, trn
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


def diverged_phrase(diverged: pd.DataFrame, seeds: int) -> str:
    """How many of a net's `seeds` diverged and when, from its rows of `diverged_rows`:
    'diverged on 2 of 3 seeds (seeds 0, 2) at epoch 4' ('(seed 0) diverged at epoch 4'
    for a run of one seed); where other seeds trained, it says so."""
    epochs = sorted({int(e) for e in diverged["diverged_at"]})
    when = (tr("at epoch {epoch}", epoch=epochs[0]) if len(epochs) == 1 else
            tr("at epochs {epochs}", epochs=", ".join(map(str, epochs))))
    which = sorted(int(s) for s in diverged["seed"])
    named = _seeds_named(which)
    if seeds == 1:
        return tr("({seeds}) diverged {when}", seeds=named, when=when)
    text = tr("diverged {on_seeds} ({seeds}) {when}", on_seeds=on_seeds(len(which), seeds),
              seeds=named, when=when)
    if len(which) < seeds:
        text = trn("{text}; the other {n} seed trained: {disagree}",
                   "{text}; the other {n} seeds trained: {disagree}", seeds - len(which),
                   text=text, disagree=tr(DISAGREE))
    return text


def _seeds_named(seeds: list[int]) -> str:
    """'seed 0', 'seeds 0, 2': the seeds a claim is about, by name."""
    return trn("seed {seeds}", "seeds {seeds}", len(seeds),
               seeds=", ".join(map(str, seeds)))


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


_HIDDEN_NAME = re.compile(r"hidden (\d+)")


def layer_words(name: str) -> str:
    """A layer's name as `layer_name` writes it in the data ("hidden 2", "output"), in
    the reader's language; other names unchanged."""
    if name == "output":
        return tr("output")
    match = _HIDDEN_NAME.fullmatch(name)
    return tr("hidden {n}", n=int(match.group(1))) if match else name


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
        return tr("{first} learns about as fast as {last}", first=first, last=last)
    if ratio > 1:
        return tr("{first} learns {factor} slower than {last}", first=first,
                  factor=format_ratio(factor, trim=trim), last=last)
    return tr("{first} learns {factor} faster than {last}", first=first,
              factor=format_ratio(factor, trim=trim), last=last)


# ---------------------------------------------------------------------------------------
# Counts across seeds: a claim says on how many seeds it held, a number its middle and range
# ---------------------------------------------------------------------------------------
NO_VALUE = "—"      # a number a run does not have (every seed diverged), as text


def seeds_text(n: int) -> str:
    """'1 seed', '3 seeds': the one place the plural is made (the catalog's plural)."""
    return trn("{n} seed", "{n} seeds", n)


def on_seeds(held: int, total: int, seeds: Iterable[int] = ()) -> str:
    """How many seeds a claim held on: 'on 2 of 3 seeds'. One seed is one draw and says
    so: 'on 1 seed (seed 0)' when that seed is given."""
    seeds = [int(s) for s in seeds]
    if total == 1 and len(seeds) == 1:
        return tr("on 1 seed (seed {seed})", seed=seeds[0])
    return trn("on {held} of {n} seed", "on {held} of {n} seeds", total, held=held)


# Declared here, read in the reader's language where it is said: tr(DISAGREE).
DISAGREE = N_("the seeds disagree (one run is one draw)")


def median(values: Iterable[float]) -> float:
    """The middle of the finite values (NaN when there are none): the seeds' middle."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return statistics.median(finite) if finite else math.nan


# From this many seeds on a spread is the middle half (interquartile range), below it the
# whole range: a room of thirty has outliers a min–max band would let decide its width,
# while 3–5 seeds have no quartiles worth the name.
IQR_FROM_SEEDS = 10


def spread_name(n: int) -> str:
    """What a spread over `n` seeds is: 'interquartile range' from IQR_FROM_SEEDS on,
    'range' below."""
    return tr("interquartile range") if n >= IQR_FROM_SEEDS else tr("range")


def spread_bounds(values: Iterable[float]) -> tuple[float, float]:
    """(low, high) of the finite values' spread (`spread_name`): min and max, or the
    first and third quartiles from IQR_FROM_SEEDS values on; NaNs when none is finite."""
    finite = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
    if not finite:
        return math.nan, math.nan
    if len(finite) < IQR_FROM_SEEDS:
        return finite[0], finite[-1]
    q1, _, q3 = statistics.quantiles(finite, n=4, method="inclusive")
    return q1, q3


def _span(lo_text: str, hi_text: str, lo: float) -> str:
    """'81–86%' from '81%' and '86%' (a shared suffix once), 'epoch 5–8' from 'epoch 5'
    and 'epoch 8' (a shared prefix once); '−0.04–0.02' with a minus sign."""
    suffix = ""
    while lo_text and hi_text and not lo_text[-1].isdigit() and lo_text[-1] == hi_text[-1]:
        suffix, lo_text, hi_text = lo_text[-1] + suffix, lo_text[:-1], hi_text[:-1]
    prefix = ""
    while lo_text and hi_text and not lo_text[0].isdigit() and lo_text[0] == hi_text[0] \
            and lo_text[0] not in "-−+":
        prefix, lo_text, hi_text = prefix + lo_text[0], lo_text[1:], hi_text[1:]
    # a minus sign (−), not a hyphen, where a negative number meets the range's dash
    lo_text, hi_text = lo_text.replace("-", "−"), hi_text.replace("-", "−")
    return f"{prefix}{lo_text}–{hi_text}{suffix}"


def _writer(fmt: Any) -> Callable[[float], str]:
    return fmt.format if isinstance(fmt, str) else fmt


def spread_text(values: Iterable[float], fmt: Any = "{:.3g}") -> str:
    """Several seeds' numbers as one table cell: the middle (median) and the range,
    '84% (81–86%)'; from IQR_FROM_SEEDS seeds on the interquartile range, '84% (IQR
    82–85%)'; one number when they agree to the shown digits or there is one seed;
    NO_VALUE when no seed has a number. Seeds without a number (diverged) are counted
    beside it: '84% (81–86%; 2 of 3 seeds)'."""
    write = _writer(fmt)
    values = [float(v) for v in values if v is not None]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return NO_VALUE
    low, high = spread_bounds(finite)
    middle, lo, hi = write(median(finite)), write(low), write(high)
    span = _span(lo, hi, low)
    if len(finite) >= IQR_FROM_SEEDS:
        span = tr("IQR {span}", span=span)
    prefix = ""         # 'epoch 6 (5–8)': a word the middle already says, said once
    while len(prefix) < min(len(middle), len(span)) and middle[len(prefix)] == \
            span[len(prefix)] and not middle[len(prefix)].isdigit() \
            and middle[len(prefix)] not in "-−+":
        prefix += middle[len(prefix)]
    parts = [] if lo == hi else [span[len(prefix):]]
    if len(finite) < len(values):
        parts.append(trn("{held} of {n} seed", "{held} of {n} seeds", len(values),
                         held=len(finite)))
    if not parts:
        return middle
    return tr("{middle} ({details})", middle=middle, details=clauses(parts))


def spread_range(values: Iterable[float], fmt: Any = "{:.3g}") -> str:
    """The whole range alone, '81–86%' (or one number when the seeds agree to the shown
    digits): for sentences that give the middle separately and say what held on every
    seed, so never the interquartile range."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return NO_VALUE
    lo, hi = _writer(fmt)(min(finite)), _writer(fmt)(max(finite))
    return lo if lo == hi else _span(lo, hi, min(finite))


def counted(groups: list[tuple[str, list[int]]], total: int) -> str:
    """'on 3 of 3 seeds <claim>', or, where the seeds fall into several groups (each a
    claim and the seeds it held on; largest first), 'the seeds disagree (one run is one
    draw): on 2 of 3 seeds <claim>; on 1 <claim>'."""
    groups = sorted(groups, key=lambda g: -len(g[1]))
    if len(groups) == 1:
        claim, seeds = groups[0]
        return tr("{on_seeds} {claim}", on_seeds=on_seeds(len(seeds), total, seeds),
                  claim=claim)
    first, *rest = groups
    parts = [tr("{on_seeds} {claim}", on_seeds=on_seeds(len(first[1]), total),
                claim=first[0])] + \
        [tr("on {held} {claim}", held=len(seeds), claim=claim) for claim, seeds in rest]
    return tr("{disagree}: {claims}", disagree=tr(DISAGREE), claims=clauses(parts))


def count_sentence(name: str, groups: list[tuple[str, list[int]]], total: int) -> str:
    """'<name>: ' and `counted`: one net's claim, counted over its seeds."""
    return tr("{name}: {claim}", name=name, claim=counted(groups, total))


def seeds_of(result: Any) -> list[int]:
    """The seeds a result (of any kind) holds, ascending."""
    return sorted(int(s) for s in pd.unique(result.summary["seed"]))


def of_seed(result: Any, seed: int) -> Any:
    """The result of one seed alone: every frame with a `seed` column cut to that seed's
    rows (repeat k of seed s is the run with seed s + k, so this *is* that run's result,
    its config aside). Any kind: a result is a dataclass of frames."""
    cut = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    cut = {name: frame[frame["seed"] == seed] for name, frame in cut.items()
           if isinstance(frame, pd.DataFrame) and "seed" in frame.columns}
    return dataclasses.replace(result, **cut)


# What a compared summary column is, in words (other columns: their name, spaced).
_COMPARED: dict[str, str] = {"final_test_accuracy": N_("final test accuracy"),
                             "final_train_accuracy": N_("final training accuracy")}


def beat_sentences(summary: pd.DataFrame, net: str, label: Callable[[str], str],
                   value: str = "final_test_accuracy") -> list[str]:
    """Any kind's nets side by side over their seeds: the net with the highest median
    `value` against each other net, counting the seeds on which it scored higher (both
    finite): 'ReLU beat sigmoid on 30 of 30 seeds (final test accuracy)'. A room's
    pooled seeds, or one run's repeats."""
    rows = summary[[net, "seed", value]].dropna()
    if rows.empty:
        return []
    table = rows.pivot_table(index="seed", columns=net, values=value, aggfunc="first")
    order = sorted(table.columns, key=lambda n: -median(table[n]))
    best = order[0]
    what = tr(_COMPARED[value]) if value in _COMPARED else value.replace("_", " ")
    out = []
    for other in order[1:]:
        both = table[[best, other]].dropna()
        wins = int((both[best] > both[other]).sum())
        out.append(tr("{best} beat {other} {on_seeds} ({what})", best=label(best),
                      other=label(other), on_seeds=on_seeds(wins, len(both)), what=what))
    return out


# Two layers whose gradients differ by less than this factor learn "about as fast": the
# seeds of a level net (ReLU with He init, ~1.1-1.5×) then agree instead of splitting on
# the sign of noise; vanishing means ~100× (Nielsen), exploding far more.
LEVEL_WITHIN = 2.0


def _direction(ratio: float, amount: bool = False) -> str:
    """A ratio last ÷ first with its direction: '1.5× slower', '1.1× faster', '1.0×';
    `amount`: of gradient received, '1.5× less', '1.1× more'."""
    factor = max(ratio, 1 / ratio)
    if format_ratio(factor) == "1.0×":
        return "1.0×"
    factor_text = format_ratio(factor)
    if amount:
        return (tr("{factor} less", factor=factor_text) if ratio > 1 else
                tr("{factor} more", factor=factor_text))
    return (tr("{factor} slower", factor=factor_text) if ratio > 1 else
            tr("{factor} faster", factor=factor_text))


def _directions(ratios: Iterable[float], amount: bool = False) -> str:
    """The range of several ratios with their directions: '1.1× faster to 1.5× slower'."""
    ratios = [r for r in ratios if math.isfinite(r) and r > 0]
    lo, hi = _direction(min(ratios), amount), _direction(max(ratios), amount)
    return lo if lo == hi else tr("{low} to {high}", low=lo, high=hi)


SPEED_COLUMNS = ["activation", "seed", "first_layer", "last_layer", "ratio", "verdict"]


def speed_counts(layers: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm"
                 ) -> pd.DataFrame:
    """Each net's (activation and seed) speed ratio at `epoch`, last hidden layer ÷ the
    first, and its verdict: 'slower' (hidden layer 1 learns slower), 'faster', 'level'
    (within what 1.0× shows), 'first silent' / 'last silent' (that layer gets no
    gradient), 'silent' (none does), 'one layer', or 'no number' (no finite norm: the
    net diverged). `speed_sentences` counts the seeds of each verdict."""
    rows = layers[(layers["epoch"] == epoch) & (layers["layer_name"].astype(str) != "output")]
    out = []
    for name in registry_order(rows["activation"]):
        own = rows[rows["activation"].astype(str) == name]
        for seed in sorted(pd.unique(own["seed"])):
            mine = own[own["seed"] == seed]
            mine = mine[pd.to_numeric(mine[value], errors="coerce").map(math.isfinite)]
            norms = mine.groupby("layer")[value].mean().sort_index()
            ratio, verdict = math.nan, "no number"
            if len(norms) == 1:
                verdict = "one layer"
            elif len(norms) > 1:
                first, last = float(norms.iloc[0]), float(norms.iloc[-1])
                ratio = ratio_of(norms)
                verdict = ("silent" if first == 0 and last == 0 else
                           "first silent" if first == 0 else "last silent" if last == 0
                           else "level" if max(ratio, 1 / ratio) < LEVEL_WITHIN
                           else "slower" if ratio > 1 else "faster")
            out.append({"activation": name, "seed": int(seed),
                        "first_layer": int(norms.index[0]) if len(norms) else 0,
                        "last_layer": int(norms.index[-1]) if len(norms) else 0,
                        "ratio": ratio, "verdict": verdict})
    return pd.DataFrame(out, columns=SPEED_COLUMNS)


def speed_sentences(layers: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm",
                    label: Any = None) -> list[str]:
    """One sentence per activation (registry order, then order of appearance) comparing
    the first and last hidden layers, counted over its seeds (`speed_counts`), e.g.
    "sigmoid: on 3 of 3 seeds hidden layer 1 learns 90–150× slower than hidden layer 4
    (median 120×)"; where the seeds disagree the sentence says so and gives each side.
    Nets without a finite norm are left out (an activation with none has no sentence).
    `label(name)` writes the activation's name (default: its registry label). An `epoch`
    the frame does not hold is a ValueError, not an empty list."""
    if not (layers["epoch"] == epoch).any():
        epochs = ", ".join(map(str, sorted(pd.unique(layers["epoch"]))))
        if not epochs:
            raise ValueError(tr("epoch: {epoch!r} is not in the data; available: none",
                                epoch=epoch))
        raise ValueError(tr("epoch: {epoch!r} is not in the data; available: {epochs}",
                            epoch=epoch, epochs=epochs))
    label = label or activation_label
    counts = speed_counts(layers, epoch, value)
    sentences = []
    for name in registry_order(counts["activation"]):
        own = counts[(counts["activation"] == name) & (counts["verdict"] != "no number")]
        if own.empty:
            continue
        if (own["verdict"] == "one layer").all():
            sentences.append(tr("{name}: only one hidden layer, nothing to compare",
                                name=label(name)))
            continue
        first = tr("hidden layer {layer}", layer=int(own["first_layer"].min()))
        last = tr("hidden layer {layer}", layer=int(own["last_layer"].max()))
        groups = [(_speed_claim(verdict, rows["ratio"], first, last),
                   [int(s) for s in rows["seed"]])
                  for verdict, rows in own.groupby("verdict", sort=False)]
        sentences.append(count_sentence(label(name), groups, len(own)))
    return sentences


def _speed_claim(verdict: str, ratios: pd.Series, first: str, last: str) -> str:
    """What one group of seeds with the same verdict shows, with their range and median."""
    if verdict == "silent":
        return tr("no hidden layer gets any gradient")
    if verdict in ("first silent", "last silent"):
        return tr("{layer} gets no gradient at all, so it does not learn",
                  layer=first if verdict == "first silent" else last)
    if verdict == "level":
        return tr("{first} learns about as fast as {last} ({range})", first=first,
                  last=last, range=_directions(ratios))
    factors = [max(r, 1 / r) for r in ratios]
    text = spread_range(factors, format_ratio)
    middle = _median_note(format_ratio(median(factors))) if "–" in text else ""
    if verdict == "slower":
        return tr("{first} learns {factor} slower than {last}{median}", first=first,
                  factor=text, last=last, median=middle)
    return tr("{first} learns {factor} faster than {last}{median}", first=first,
              factor=text, last=last, median=middle)


def _median_note(middle: str) -> str:
    """' (median 120×)': the middle of a range just given, said after it."""
    return tr(" (median {median})", median=middle)


def speed_phrase(ratio: float, last_layer: int) -> str:
    """A summary's `speed_ratio` in words, for a net whose last hidden layer is
    `last_layer`: "layer 1 learns 120× slower than layer 4"."""
    if last_layer <= 1:
        return tr("one hidden layer: nothing to compare")
    if math.isnan(ratio):
        return tr("n/a")
    if math.isinf(ratio):
        return tr("layer 1 gets no gradient at all (layer {layer} does)", layer=last_layer)
    if ratio == 0:
        return tr("layer {layer} gets no gradient at all (layer 1 does)", layer=last_layer)
    return compare_speeds(ratio, tr("layer {layer}", layer=1),
                          tr("layer {layer}", layer=last_layer), trim=True)


def best_accuracy(summary: pd.DataFrame) -> tuple[str, float]:
    """The activation with the highest final test accuracy (median over its seeds) and
    that accuracy; ("", NaN) when no net finished."""
    means = summary.groupby("activation", sort=False)["final_test_accuracy"].agg(
        median).dropna()
    if means.empty:
        return "", math.nan
    return str(means.idxmax()), float(means.max())


# A top layer whose mean activation moved less than this "stayed": a mean of 0.5 ± 0.05
# is not the drift towards 0 of Glorot & Bengio's fig. 2 (0.5 → 0.33 and below).
STAYED_WITHIN = 0.05


def drift_sentences(layers: pd.DataFrame) -> list[str]:
    """One sentence per activation on how its top hidden layer's mean activation moved
    from the first to the last epoch, counted over the seeds (fell, rose or stayed, to
    the two decimals shown), with the range over the seeds and the median, then the
    layers below (each layer's median over the seeds; Glorot & Bengio 2010, fig. 2: the
    sigmoid's top hidden layer is driven towards 0), e.g. "sigmoid: on 3 of 3 seeds the
    top hidden layer's mean activation fell from 0.50 to 0.30–0.36 in 20 epochs (median
    0.33); the layers below from 0.50–0.51 to 0.50–0.53"."""
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
        top = int(own["layer"].max())
        starts, ends = {}, {}
        for seed, mine in own[own["layer"] == top].groupby("seed"):
            at = mine.set_index("epoch")["act_mean"]
            if first in at.index and last in at.index:
                starts[int(seed)], ends[int(seed)] = float(at[first]), float(at[last])
        if not starts:
            continue
        groups = []
        for verdict in ("fell", "rose", "stayed"):
            seeds = [s for s in starts if verdict == (
                "stayed" if abs(ends[s] - starts[s]) < STAYED_WITHIN else
                "fell" if ends[s] < starts[s] else "rose")]
            if not seeds:
                continue
            end = [ends[s] for s in seeds]
            middle = _median_note(num(median(end))) if "–" in spread_range(end, num) else ""
            values = dict(start=spread_range([starts[s] for s in seeds], num),
                          end=spread_range(end, num), median=middle)
            epochs = int(last - first)
            if verdict == "stayed":
                claim = trn("the top hidden layer's mean activation stayed near {end} in "
                            "{n} epoch{median}",
                            "the top hidden layer's mean activation stayed near {end} in "
                            "{n} epochs{median}", epochs, **values)
            elif verdict == "fell":
                claim = trn("the top hidden layer's mean activation fell from {start} to "
                            "{end} in {n} epoch{median}",
                            "the top hidden layer's mean activation fell from {start} to "
                            "{end} in {n} epochs{median}", epochs, **values)
            else:
                claim = trn("the top hidden layer's mean activation rose from {start} to "
                            "{end} in {n} epoch{median}",
                            "the top hidden layer's mean activation rose from {start} to "
                            "{end} in {n} epochs{median}", epochs, **values)
            groups.append((claim, seeds))
        text = count_sentence(activation_label(name), groups, len(starts))
        below = own[own["layer"] < top]
        if not below.empty:
            start = below[below["epoch"] == first].groupby("layer")["act_mean"].median()
            end = below[below["epoch"] == last].groupby("layer")["act_mean"].median()
            text = tr("{text}; the layers below from {start} to {end}", text=text,
                      start=span(start), end=span(end))
        sentences.append(text)
    return sentences


def layer_factors(layers: pd.DataFrame, epoch: int = 0, value: str = "bias_grad_norm",
                  by_seed: bool = False) -> pd.DataFrame:
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
    × the rms of w·f'(z).

    `by_seed`: one net per activation *and seed* (a `seed` column after `activation`):
    each seed's own factors, which `factor_sentences` and the page's table count and
    spread over the seeds."""
    rows = layers[layers["epoch"] == epoch]
    rows = rows[pd.to_numeric(rows[value], errors="coerce").map(math.isfinite)]
    if "wfprime_mean" not in rows:
        rows = rows.assign(wfprime_mean=math.nan)
    out = []
    nets = [(name, seed) for name in registry_order(rows["activation"])
            for seed in (sorted(pd.unique(rows.loc[rows["activation"].astype(str) == name,
                                                   "seed"])) if by_seed else [None])]
    for name, seed in nets:
        mine = rows[rows["activation"].astype(str) == name]
        if seed is not None:
            mine = mine[mine["seed"] == seed]
        own = mine.groupby("layer")
        norms = own[value].mean().sort_index()
        paths = own["wfprime_mean"].mean()
        product = path_product = 1.0
        for layer in reversed(norms.index[:-1]):      # from the top hidden layer down
            above, here = float(norms[layer + 1]), float(norms[layer])
            factor = here / above if above > 0 else math.nan
            product *= factor
            path_product *= float(paths[layer])
            out.append({"activation": name, "seed": seed, "layer": int(layer),
                        "layer_name": layer_name(int(layer), int(norms.index[-1])),
                        "factor": factor, "product": product,
                        "wfprime_mean": float(paths[layer]),
                        "wfprime_product": path_product})
    columns = ["activation", "seed", "layer", "layer_name", "factor", "product",
               "wfprime_mean", "wfprime_product"]
    return pd.DataFrame(out, columns=columns if by_seed else
                        [c for c in columns if c != "seed"])


def _share(total: float) -> str:
    """Layer 1's gradient as a share of the output layer's: '1/3,300' (a fraction:
    `_is_fraction`) or '90×'."""
    return (f"1/{format_ratio(1 / total).removesuffix('×')}" if _is_fraction(total)
            else format_ratio(total))


def _is_fraction(total: float) -> bool:
    """Whether `_share` writes `total` as a fraction ('1/3,300' of the gradient)."""
    return 0 < total < 1


def factor_sentences(layers: pd.DataFrame, epoch: int = 0) -> list[str]:
    """`layer_factors` in words, one sentence per activation: the chain of factors
    (each layer's median over the seeds) and what reaches hidden layer 1, counted over
    the seeds, e.g. "sigmoid: ×0.34 · ×0.21 · ×0.19 · ×0.24 on the way down, so on 3 of
    3 seeds hidden layer 1 gets between 1/400 and 1/250 of the output layer's gradient
    (median 1/312)" (or "gets 859× the output layer's gradient" when it explodes)."""
    factors = layer_factors(layers, epoch, by_seed=True)
    sentences = []
    for name in registry_order(factors["activation"]):
        own = factors[factors["activation"] == name]
        finite = own.groupby("seed")["factor"].apply(lambda f: f.map(math.isfinite).all())
        own = own[own["seed"].isin(finite[finite].index)]
        if own.empty:
            continue
        seeds = sorted(pd.unique(own["seed"]))
        middles = own.groupby("layer", sort=False)["factor"].apply(median)
        chain = " · ".join(f"×{f:.2g}" for f in middles)
        where = (trn(" (medians of {n} seed)", " (medians of {n} seeds)", len(seeds))
                 if len(seeds) > 1 else "")
        totals = own.groupby("seed")["product"].last()
        groups = []
        level = totals[(totals > 1 / LEVEL_WITHIN) & (totals < LEVEL_WITHIN)]
        if not level.empty:
            groups.append((tr("hidden layer 1 gets about as much as the output layer's "
                              "gradient ({range})", range=_directions(1 / level, amount=True)),
                           [int(s) for s in level.index]))
        totals = totals.drop(level.index)
        for shrinks in (True, False):
            part = totals[(totals < 1) == shrinks]
            if part.empty:
                continue
            low, high = float(part.min()), float(part.max())
            lo, hi = _share(low), _share(high)
            middle = _share(median(part))
            if lo == hi and _is_fraction(low):
                claim = tr("hidden layer 1 gets {share} of the output layer's gradient",
                           share=lo)
            elif lo == hi:
                claim = tr("hidden layer 1 gets {factor} the output layer's gradient",
                           factor=lo)
            elif shrinks:       # the highest is a fraction: above 0 and below 1
                claim = tr("hidden layer 1 gets between {low} and {high} of the output "
                           "layer's gradient (median {median})", low=lo, high=hi,
                           median=middle)
            else:
                claim = tr("hidden layer 1 gets {factor} the output layer's gradient "
                           "(median {median})", factor=spread_range(part, format_ratio),
                           median=middle)
            groups.append((claim, [int(s) for s in part.index]))
        sentences.append(tr("{name}: {chain} on the way down{where}, so {claim}",
                            name=activation_label(name), chain=chain, where=where,
                            claim=counted(groups, len(seeds))))
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


def seed_outcomes(history: pd.DataFrame, activation: str) -> pd.DataFrame:
    """`net_outcome` of each of the activation's seeds: one row per seed (a `seed`
    column first), for tiles that show the middle and the range over the seeds."""
    own = history[history["activation"].astype(str) == str(activation)]
    rows = [{"seed": int(seed), **net_outcome(own[own["seed"] == seed])}
            for seed in sorted(pd.unique(own["seed"]))]
    return pd.DataFrame(rows)


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
    which = ("" if len(rows) == 1 else
             trn(" (on {held} of the {n} seed that diverged)",
                 " (on {held} of the {n} seeds that diverged)", len(rows), held=len(seeds)))
    top = result.layers[(result.layers["activation"].astype(str) == str(activation))
                        & (result.layers["epoch"] == 0) & (result.layers["layer"] == depth)
                        & result.layers["seed"].isin(seeds)]["act_std"]
    signal = (tr(" and its top hidden layer's activations had a standard deviation of "
                 "{std}", std=format_ratio(float(top.min())).removesuffix('×'))
              if not top.empty and math.isfinite(float(top.min())) and top.min() >= 10
              else "")
    scheme = INIT_SCHEMES[resolve_init("auto", str(activation), False)].label
    growth_text = (tr("at least {factor}", factor=format_ratio(growth)) if len(seeds) > 1
                   else format_ratio(growth))
    return tr("It had exploded before the first step{which}: at initialisation (epoch 0) "
              "hidden layer 1's gradient was {growth} hidden layer {depth}'s{signal}. The "
              "initial weights are too large: a smaller learning rate or gradient clipping "
              "limits the steps, not the weights' scale. Use a scaled initialisation, "
              "{scheme} for {activation} (He et al. 2015; Glorot & Bengio 2010): it keeps "
              "every layer's gradient at one scale.", which=which, growth=growth_text,
              depth=depth, signal=signal, scheme=scheme,
              activation=activation_label(activation))


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
    """One sentence per activation some of whose seeds never left chance (`left_chance`),
    counted over its seeds, with those seeds' measured accuracy range, e.g. "Sigmoid
    never left chance on 3 of 3 seeds: its test accuracy stayed at 8–19% (chance is
    10%), so it has no best test epoch: its test loss only drifted." Where the other
    seeds did leave it, the sentence says so."""
    label = label or activation_label
    chance = chance_accuracy(n_classes)
    out = []
    for name in registry_order(history["activation"]):
        own = history[history["activation"].astype(str) == name]
        seeds = sorted(int(s) for s in pd.unique(own["seed"]))
        stuck = [s for s in seeds if not left_chance(own[own["seed"] == s], n_classes)]
        acc = own[(own["split"] == "test") & own["seed"].isin(stuck)]["accuracy"]
        if not stuck or acc.empty:
            continue
        lo, hi = f"{acc.min():.0%}", f"{acc.max():.0%}"
        span = lo if lo == hi else f"{lo.removesuffix('%')}–{hi}"
        so, rest = tr("it has no best test epoch: its test loss only drifted."), ""
        if len(stuck) < len(seeds):
            so = trn("seed {seeds} has no best test epoch: its test loss only drifted.",
                     "seeds {seeds} have no best test epoch: their test loss only drifted.",
                     len(stuck), seeds=", ".join(map(str, stuck)))
            rest = trn(" The other {n} seed left it: {disagree}.",
                       " The other {n} seeds left it: {disagree}.", len(seeds) - len(stuck),
                       disagree=tr(DISAGREE))
        out.append(tr("{name} never left chance {on_seeds}: its test accuracy stayed at "
                      "{span} (chance is {chance:.0%}), so {so}{rest}", name=label(name),
                      on_seeds=on_seeds(len(stuck), len(seeds), stuck), span=span,
                      chance=chance, so=so, rest=rest))
    return out


def nielsen_lambda(weight_decay: float, train_size: int) -> float:
    """Nielsen's L2 λ for a weight decay: his cost adds (λ/2n)·Σw², whose gradient adds
    (λ/n)·w; torch's weight_decay adds weight_decay·w to the gradient, so λ = wd × n."""
    return weight_decay * train_size


def weight_decay_sentence(weight_decay: float, train_size: int) -> str:
    """The weight-decay control in Nielsen's terms, for a run on `train_size` images."""
    def num(x: float) -> str:
        return f"{x:.6f}".rstrip("0").rstrip(".")
    now = (tr(" This run's {weight_decay} is his λ = {lam}.", weight_decay=num(weight_decay),
              lam=num(nielsen_lambda(weight_decay, train_size))) if weight_decay > 0 else "")
    return tr("Weight decay here is PyTorch's: each step adds weight decay × w to the "
              "gradient. Nielsen's L2 term (λ/2n)·Σw² adds (λ/n)·w, so his λ is the weight "
              "decay × n, the number of training images: on these {train_size:,} images "
              "his λ = 0.1 is weight decay {decay}.{now} (PyTorch also shrinks the biases; "
              "Nielsen does not.)", train_size=train_size,
              decay=num(0.1 / train_size), now=now)


__all__ = ["Records", "Result", "layer_words", "build_result", "summarize", "speed_ratio", "level_ratio",
           "hidden_norms", "ratio_of", "overfitting_onset", "net_outcome", "net_history",
           "layer_name", "mean_over_seeds", "seed_outcomes", "format_ratio", "compare_speeds",
           "speed_sentences", "speed_phrase", "activation_label", "registry_order",
           "drift_sentences", "best_accuracy", "layer_factors",
           "factor_sentences", "epoch_reaching", "diverged_rows", "json_records",
           "divergence_cause", "diverged_phrase", "EXPLODED_AT_INIT", "chance_accuracy",
           "left_chance",
           "best_test_epochs",
           "chance_sentences", "nielsen_lambda", "weight_decay_sentence",
           "NO_VALUE", "seeds_text", "on_seeds", "median", "spread_text", "spread_range",
           "counted", "count_sentence", "speed_counts", "beat_sentences", "DISAGREE",
           "IQR_FROM_SEEDS", "spread_name", "spread_bounds",
           "seeds_of", "of_seed"]


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
    Where some point has IQR_FROM_SEEDS seeds or more (a room's pool), every point's
    `_lo` / `_hi` are its first and third quartiles instead (`spread_name`).
    `log`: with an even count the middle two are averaged in log space (their geometric
    mean), so a log axis draws the same middle; min and max are the same in either, and
    the quartiles are taken in log space too."""
    rows = frame.dropna(subset=[value])
    values = rows[value].astype(float)
    seeds = rows["seed"].fillna(-1) if "seed" in rows else pd.Series(range(len(rows)),
                                                                      index=rows.index)
    work = rows[keys].assign(_mid=np.log(values) if log else values, _v=values, _seed=seeds)
    out = work.groupby(keys, sort=False, dropna=False, as_index=False).agg(
        _mid=("_mid", "median"), _lo=("_v", "min"), _hi=("_v", "max"),
        n_seeds=("_seed", "nunique"))
    if len(out) and out["n_seeds"].max() >= IQR_FROM_SEEDS:
        grouped = work.groupby(keys, sort=False, dropna=False)["_mid"]
        for edge, q in (("_lo", 0.25), ("_hi", 0.75)):
            quartile = grouped.quantile(q).to_numpy()
            out[edge] = np.exp(quartile) if log else quartile
    out[value] = np.exp(out["_mid"]) if log else out["_mid"]
    out[f"{value}_lo"], out[f"{value}_hi"] = out["_lo"], out["_hi"]
    return out[[*keys, value, f"{value}_lo", f"{value}_hi", "n_seeds"]]


__all__ += ["seed_band"]
