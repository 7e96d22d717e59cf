"""The recurrent kind's result frames and every number derived from them, computed once."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import pandas as pd
import torch

from ..i18n import tr
from ..registry import label_in, order_in
from ..results import (count_sentence, diverged_rows, epoch_reaching, format_ratio,
                       json_records, median, net_outcome, spread_range)

from .config import RecurrentConfig
from .tasks import CELLS, SOLVED_ACCURACY

Tensor = torch.Tensor


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Net:
    """One net of a run: which cell and which seed."""
    cell: str
    seed: int


@dataclass
class RecurrentRecords:
    """What a run has measured so far (lists of dicts of plain floats)."""
    nets: tuple[Net, ...]
    history: list[dict] = field(default_factory=list)
    time_grads: list[dict] = field(default_factory=list)
    diverged_at: dict[int, int] = field(default_factory=dict)    # net index -> epoch
    stopped_at: int | None = None


HISTORY_COLUMNS = ["cell", "seed", "epoch", "split", "loss", "accuracy"]
TIME_GRAD_COLUMNS = ["cell", "seed", "epoch", "t", "grad_norm"]
SUMMARY_COLUMNS = ["cell", "seed", "final_train_loss", "final_test_loss",
                   "final_train_accuracy", "final_test_accuracy", "time_ratio", "solved_at",
                   "diverged_at", "last_epoch"]


@dataclass(frozen=True)
class RecurrentResult:
    """A finished (or partial) recurrent run. Only DataFrames of plain values."""
    config: RecurrentConfig
    history: pd.DataFrame
    time_grads: pd.DataFrame
    summary: pd.DataFrame
    elapsed_s: float
    finished: bool = True
    stopped_at: int | None = None   # last epoch trained when a time cap cut the run short

    def diverged(self) -> pd.DataFrame:
        return diverged_rows(self.summary)

    def to_json_dict(self) -> dict[str, Any]:
        """{"config", "summary", "history", "time_grads"}: what `--json` prints."""
        return {"config": self.config.to_dict(), "summary": json_records(self.summary),
                "history": json_records(self.history),
                "time_grads": json_records(self.time_grads)}


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def build_result(config: RecurrentConfig, records: RecurrentRecords, elapsed_s: float, *,
                 finished: bool) -> RecurrentResult:
    history = _frame(records.history, HISTORY_COLUMNS)
    time_grads = _frame(records.time_grads, TIME_GRAD_COLUMNS)
    diverged = {records.nets[i]: float(e) for i, e in records.diverged_at.items()}
    rows = [summary_row(net, _net_rows(history, net), _net_rows(time_grads, net),
                        diverged.get(net, math.nan)) for net in records.nets]
    return RecurrentResult(config, history, time_grads,
                           pd.DataFrame(rows, columns=SUMMARY_COLUMNS), float(elapsed_s),
                           finished, records.stopped_at)


def _net_rows(frame: pd.DataFrame, net: Net) -> pd.DataFrame:
    return frame[(frame["cell"] == net.cell) & (frame["seed"] == net.seed)]


# ---------------------------------------------------------------------------------------
# Analyses: every derived number, computed once
# ---------------------------------------------------------------------------------------
def time_ratio(time_grads: pd.DataFrame, epoch: int = 0) -> float:
    """‖∂L/∂h_1‖ ÷ ‖∂L/∂h_T‖ of one net's rows (mean over seeds if several) at `epoch`:
    how much of the gradient at the last step reaches the first. NaN when missing."""
    rows = time_grads[time_grads["epoch"] == epoch]
    if rows.empty:
        return math.nan
    norms = rows.groupby("t")["grad_norm"].mean().sort_index()
    first, last = float(norms.iloc[0]), float(norms.iloc[-1])
    if last == 0:
        return math.inf if first > 0 else math.nan
    return first / last


def relative_time_grads(time_grads: pd.DataFrame) -> pd.DataFrame:
    """`time_grads` with grad_rel = ‖∂L/∂h_t‖ ÷ the same net's ‖∂L/∂h_T‖ at the same epoch
    (T: its last step): the share of the gradient at the last step that reaches step t,
    1 at t = T, the net's `time_ratio` at t = 1. Raw norms after training mostly show the
    loss: a net that solved the task has a loss near 0 and tiny gradients at every step,
    which reads as "training made it vanish"; the share is what vanishes through time.
    NaN where the norm at T is 0 or not finite."""
    keys = ["cell", "seed", "epoch"]
    df = time_grads.reset_index(drop=True)
    at_last = df[df["t"] == df.groupby(keys)["t"].transform("max")]
    last = df[keys].merge(at_last[keys + ["grad_norm"]], on=keys, how="left")["grad_norm"]
    last = pd.to_numeric(last, errors="coerce")
    usable = (last > 0) & last.map(math.isfinite)
    norms = pd.to_numeric(df["grad_norm"], errors="coerce")
    return df.assign(grad_rel=(norms / last.where(usable)).astype(float))


def solved_at(history: pd.DataFrame, threshold: float = SOLVED_ACCURACY) -> float:
    """The first epoch at which one net's test accuracy reaches `threshold`; NaN if none."""
    return epoch_reaching(history, threshold)


def summary_row(net: Net, history: pd.DataFrame, time_grads: pd.DataFrame,
                diverged_at: float) -> dict[str, Any]:
    """One net's summary (see SUMMARY_COLUMNS)."""
    outcome = net_outcome(history)
    row = {"cell": net.cell, "seed": net.seed,
           **{k: outcome[k] for k in ("final_train_loss", "final_test_loss",
                                      "final_train_accuracy", "final_test_accuracy",
                                      "last_epoch")},
           "time_ratio": time_ratio(time_grads), "solved_at": solved_at(history),
           "diverged_at": diverged_at}
    return {k: row[k] for k in SUMMARY_COLUMNS}


def cell_label(name: object) -> str:
    """How the app writes a cell (the registry's label; other names unchanged)."""
    return label_in(CELLS, name)


def cell_order(names: Iterable[object]) -> list[str]:
    """Distinct cell names: registry order first, then any others."""
    return order_in(CELLS, names)


SOLVED_COLUMNS = ["cell", "solved", "seeds", "first_solved_at", "final_test_accuracy"]


def solved_counts(summary: pd.DataFrame) -> pd.DataFrame:
    """Per cell (registry order): how many of its seeds solved the task, out of how many,
    the earliest epoch one did (NaN if none) and the median final test accuracy over
    the seeds (`solved_sentences` says it in words)."""
    rows = []
    for name in cell_order(summary["cell"]):
        own = summary[summary["cell"].astype(str) == name]
        rows.append({"cell": name, "solved": int(own["solved_at"].notna().sum()),
                     "seeds": len(own), "first_solved_at": float(own["solved_at"].min()),
                     "final_test_accuracy": median(own["final_test_accuracy"])})
    return pd.DataFrame(rows, columns=SOLVED_COLUMNS)


def forget_gate_carry(forget_bias: float, seq_len: int) -> float:
    """σ(forget_bias)^(seq_len − 1): the share of the LSTM's first cell state left after
    the forget gates of the later steps at their initial bias (their inputs aside)."""
    return (1 / (1 + math.exp(-forget_bias))) ** (seq_len - 1)


def ratio_phrase(ratio: float, seq_len: int) -> str:
    """time_ratio in words: 'step 1 gets 7.7·10¹⁰× less gradient than step 50'."""
    if math.isnan(ratio):
        return tr("n/a")
    if math.isinf(ratio):
        return tr("step {step} gets no gradient at all (step 1 does)", step=seq_len)
    if ratio == 0:
        return tr("step 1 gets no gradient at all (step {step} does)", step=seq_len)
    factor = max(ratio, 1 / ratio)
    if format_ratio(factor) == "1.0×":
        return tr("step 1 gets about as much gradient as step {step}", step=seq_len)
    return _less_or_more(ratio < 1, format_ratio(factor), seq_len)


def _less_or_more(less: bool, factor: str, seq_len: int, middle: str = "") -> str:
    """'step 1 gets 4.0× less gradient than step 50' (or more), then `middle`."""
    if less:
        return tr("step 1 gets {factor} less gradient than step {step}{median}",
                  factor=factor, step=seq_len, median=middle)
    return tr("step 1 gets {factor} more gradient than step {step}{median}",
              factor=factor, step=seq_len, median=middle)


def solved_sentences(summary: pd.DataFrame, seq_len: int) -> list[str]:
    """One sentence per cell (registry order) on how many of its seeds solved the task
    (test accuracy ≥ 95%), e.g. "LSTM: on 2 of 3 seeds it solved T = 50 (test accuracy
    ≥ 95%), the first at epoch 4; on 1 it did not (final test accuracy 75%)": where the
    seeds disagree the sentence says so (one run is one draw)."""
    out = []
    for name in cell_order(summary["cell"]):
        own = summary[summary["cell"].astype(str) == name]
        solved = own[own["solved_at"].notna()]
        failed = own[own["solved_at"].isna()]
        groups = []
        if not solved.empty:
            groups.append((tr("it solved T = {seq_len} (test accuracy ≥ {threshold:.0%}), "
                              "the first at epoch {epoch}", seq_len=seq_len,
                              threshold=SOLVED_ACCURACY,
                              epoch=int(solved["solved_at"].min())),
                           [int(s) for s in solved["seed"]]))
        if not failed.empty:
            accuracy = _accuracy_text(failed["final_test_accuracy"])
            did_not = (tr("it did not (final test accuracy {accuracy})", accuracy=accuracy)
                       if groups else
                       tr("it did not solve T = {seq_len} (final test accuracy {accuracy})",
                          seq_len=seq_len, accuracy=accuracy))
            groups.append((did_not, [int(s) for s in failed["seed"]]))
        out.append(count_sentence(cell_label(name), groups, len(own)))
    return out


def _accuracy_text(values: pd.Series) -> str:
    """'50–53%, median 51%', or one number; 'none: it diverged' without a number."""
    text = spread_range(values, "{:.0%}")
    if text == "—":
        return tr("none: it diverged")
    return (tr("{range}, median {median:.0%}", range=text, median=median(values))
            if "–" in text else text)


RATIO_COLUMNS = ["cell", "seed", "ratio"]


def ratio_counts(time_grads: pd.DataFrame, epoch: int = 0) -> pd.DataFrame:
    """Each net's (cell and seed) `time_ratio` at `epoch`, ‖∂L/∂h_1‖ ÷ ‖∂L/∂h_T‖, in
    registry order: what `ratio_sentences` counts over the seeds."""
    rows = time_grads[time_grads["epoch"] == epoch]
    out = [{"cell": name, "seed": int(seed), "ratio": time_ratio(mine, epoch)}
           for name in cell_order(rows["cell"])
           for seed, mine in rows[rows["cell"].astype(str) == name].groupby("seed")]
    return pd.DataFrame(out, columns=RATIO_COLUMNS)


def ratio_sentences(time_grads: pd.DataFrame, epoch: int = 0) -> list[str]:
    """One sentence per cell, counted over its seeds (`ratio_counts`): 'LSTM: on 3 of 3
    seeds step 1 gets 2.1–3.4× less gradient than step 50 (median 2.7×)'; where the
    seeds disagree the sentence gives each side. Cells without rows at `epoch`
    (diverged) are left out."""
    rows = time_grads[time_grads["epoch"] == epoch]
    if rows.empty:
        return []
    seq_len = int(rows["t"].max())
    counts = ratio_counts(rows, epoch)
    out = []
    for name in cell_order(counts["cell"]):
        own = counts[counts["cell"] == name]
        groups: dict[str, list[tuple[int, float]]] = {}
        for seed, ratio in zip(own["seed"], own["ratio"]):
            verdict = ("n/a" if math.isnan(ratio) else "inf" if math.isinf(ratio) else
                       "zero" if ratio == 0 else
                       "same" if format_ratio(max(ratio, 1 / ratio)) == "1.0×" else
                       "less" if ratio < 1 else "more")
            groups.setdefault(verdict, []).append((int(seed), float(ratio)))
        claims = []
        for verdict, members in groups.items():
            ratios = [r for _, r in members]
            if verdict in ("less", "more"):
                factors = [max(r, 1 / r) for r in ratios]
                span = spread_range(factors, format_ratio)
                middle = (tr(" (median {median})", median=format_ratio(median(factors)))
                          if "–" in span else "")
                claim = _less_or_more(verdict == "less", span, seq_len, middle)
            elif verdict == "n/a":
                claim = tr("the gradient had no finite size")
            else:
                claim = ratio_phrase(ratios[0], seq_len)
            claims.append((claim, [s for s, _ in members]))
        out.append(count_sentence(cell_label(name), claims, len(own)))
    return out


SWEEP_COLUMNS = ["cell", "seq_len", "seed", "final_test_accuracy", "solved"]


def length_sweep(results: Mapping[int, RecurrentResult]) -> pd.DataFrame:
    """seq_len -> result of the same config at that length, as one frame: cell, seq_len,
    seed, final_test_accuracy, solved (1.0 / 0.0; a diverged net has NaN accuracy)."""
    rows = []
    for seq_len, result in sorted(results.items()):
        for r in result.summary.itertuples():
            rows.append({"cell": r.cell, "seq_len": int(seq_len), "seed": int(r.seed),
                         "final_test_accuracy": float(r.final_test_accuracy),
                         "solved": float(not math.isnan(r.solved_at))})
    return _frame(rows, SWEEP_COLUMNS)
