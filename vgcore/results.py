"""Records of a run -> tidy (long-format) DataFrames, and the analyses on them.

Frames (column contracts that charts, pages and the CLI rely on):
- history:    activation, seed, epoch, split ('train'/'test'), loss, accuracy
- layers:     activation, seed, epoch, layer, layer_name, weight_grad_norm, bias_grad_norm,
              act_mean, act_std, saturation
- histograms: activation, seed, epoch, layer, layer_name, quantity, bin_start, bin_end,
              count, fraction
- summary:    activation, seed, final_train_loss, final_test_loss, final_train_accuracy,
              final_test_accuracy, best_test_epoch, best_test_loss, gap, diverged_at,
              speed_ratio, last_epoch
- boundary:   activation, seed, x1, x2, prob          (2-D data sets only)
- points:     x1, x2, label, split                     (2-D data sets only)
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import data
from .config import ExperimentConfig

if TYPE_CHECKING:  # only for type hints; results must not import the training loop
    from .data import Dataset
    from .train import Records

HISTORY_COLUMNS = ["activation", "seed", "epoch", "split", "loss", "accuracy"]
LAYER_COLUMNS = ["activation", "seed", "epoch", "layer", "layer_name", "weight_grad_norm",
                 "bias_grad_norm", "act_mean", "act_std", "saturation"]
HIST_COLUMNS = ["activation", "seed", "epoch", "layer", "layer_name", "quantity",
                "bin_start", "bin_end", "count", "fraction"]
SUMMARY_COLUMNS = ["activation", "seed", "final_train_loss", "final_test_loss",
                   "final_train_accuracy", "final_test_accuracy", "best_test_epoch",
                   "best_test_loss", "gap", "diverged_at", "speed_ratio", "last_epoch"]
BOUNDARY_COLUMNS = ["activation", "seed", "x1", "x2", "prob"]
POINT_COLUMNS = ["x1", "x2", "label", "split"]


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

    def diverged(self) -> pd.DataFrame:
        """Rows of the summary whose run diverged (loss or gradients became NaN/Inf)."""
        return self.summary[self.summary["diverged_at"].notna()]

    def to_json_dict(self) -> dict[str, Any]:
        """{"config", "summary", "history", "layers"}: what `--json` prints."""
        def records(df: pd.DataFrame) -> list[dict]:
            # NaN is not JSON: write null
            return json.loads(df.to_json(orient="records"))
        return {"config": self.config.to_dict(), "summary": records(self.summary),
                "history": records(self.history), "layers": records(self.layers)}


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


def build_result(config: ExperimentConfig, records: "Records", elapsed_s: float, *,
                 finished: bool, dataset: "Dataset | None" = None) -> Result:
    n_layers = config.depth + 1
    history = _frame(records.history, HISTORY_COLUMNS)
    layers = _named_layers(records.layers, LAYER_COLUMNS, n_layers)
    hists = _named_layers(records.histograms, HIST_COLUMNS, n_layers)
    diverged = {(records.members[m].activation, records.members[m].seed): epoch
                for m, epoch in records.diverged_at.items()}
    summary = summarize(history, layers, diverged, records.members)
    points = data.points_frame(dataset) if dataset is not None and dataset.is_2d else \
        pd.DataFrame(columns=POINT_COLUMNS)
    return Result(config, history, layers, summary, hists,
                  _frame(records.boundary, BOUNDARY_COLUMNS), points, float(elapsed_s),
                  finished, records.stopped_at)


def speed_ratio(layers: pd.DataFrame, epoch: int = 0) -> float:
    """Last hidden layer's bias-gradient norm ÷ the first's, at `epoch` (one net's rows).
    >1: the first layer learns slower (vanishing); <1: faster (exploding)."""
    rows = layers[(layers["epoch"] == epoch) & (layers["layer_name"] != "output")]
    if rows.empty:
        return float("nan")
    rows = rows.sort_values("layer")
    first, last = rows["bias_grad_norm"].iloc[0], rows["bias_grad_norm"].iloc[-1]
    if first == 0:
        return float("inf") if last > 0 else float("nan")
    return float(last / first)


def summarize(history: pd.DataFrame, layers: pd.DataFrame,
              diverged: dict[tuple[str, int], int], members) -> pd.DataFrame:
    """One row per activation and seed (see SUMMARY_COLUMNS)."""
    rows = []
    for member in members:
        key = (member.activation, member.seed)
        h = history[(history["activation"] == key[0]) & (history["seed"] == key[1])]
        lay = layers[(layers["activation"] == key[0]) & (layers["seed"] == key[1])]
        train = h[h["split"] == "train"].sort_values("epoch")
        test = h[h["split"] == "test"].sort_values("epoch")
        nan = float("nan")
        row = {"activation": key[0], "seed": key[1],
               "final_train_loss": nan, "final_test_loss": nan,
               "final_train_accuracy": nan, "final_test_accuracy": nan,
               "best_test_epoch": nan, "best_test_loss": nan, "gap": nan,
               "diverged_at": float(diverged[key]) if key in diverged else nan,
               "speed_ratio": speed_ratio(lay), "last_epoch": nan}
        if not train.empty and not test.empty:
            best = test.loc[test["loss"].idxmin()]
            row.update(final_train_loss=float(train["loss"].iloc[-1]),
                       final_test_loss=float(test["loss"].iloc[-1]),
                       final_train_accuracy=float(train["accuracy"].iloc[-1]),
                       final_test_accuracy=float(test["accuracy"].iloc[-1]),
                       best_test_epoch=float(best["epoch"]),
                       best_test_loss=float(best["loss"]),
                       last_epoch=float(train["epoch"].iloc[-1]))
            # Overfitting gap: how far the test loss sits above the training loss at the end
            row["gap"] = row["final_test_loss"] - row["final_train_loss"]
        rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def overfitting_onset(history: pd.DataFrame, activation: str, seed: int | None = None
                      ) -> dict[str, float]:
    """Best-test epoch, how much the test loss rose after it, and the final train/test gap,
    for one net. NaN where the history is empty."""
    h = history[history["activation"] == activation]
    if seed is not None:
        h = h[h["seed"] == seed]
    else:
        h = h[h["seed"] == h["seed"].min()] if not h.empty else h
    test = h[h["split"] == "test"].sort_values("epoch")
    train = h[h["split"] == "train"].sort_values("epoch")
    if test.empty:
        return {"best_epoch": math.nan, "rise": math.nan, "gap": math.nan}
    best = test.loc[test["loss"].idxmin()]
    return {"best_epoch": float(best["epoch"]),
            "rise": float(test["loss"].iloc[-1] - best["loss"]),
            "gap": float(test["loss"].iloc[-1] - train["loss"].iloc[-1])}


def mean_over_seeds(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Average repeated seeds (geometric mean would hide zeros; runs are few, mean is fine)."""
    return frame.groupby(keys, as_index=False)[values].mean()


__all__ = ["Result", "build_result", "summarize", "speed_ratio", "overfitting_onset",
           "layer_name", "mean_over_seeds"]
