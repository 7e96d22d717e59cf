"""The recurrent kind registered (vgcore.kinds): how the CLI and the app take it."""
from __future__ import annotations


import pandas as pd
import torch

from ..i18n import N_
from ..kinds import Kind, register
from ..results import (missing,
                       table_lines)

from .config import RecurrentConfig
from .results import RecurrentResult, cell_label, ratio_phrase
from .tasks import MAX_CELL_STEPS, MAX_SEQ_LEN
from .train import run_recurrent

Tensor = torch.Tensor


def summary_text(result: RecurrentResult) -> str:
    """A short table for a terminal: one row per cell (and seed)."""
    config = result.config
    s = result.summary
    table = pd.DataFrame({
        "cell": s["cell"].map(cell_label),
        **({"seed": s["seed"]} if config.n_seeds > 1 else {}),
        "test accuracy": ["n/a" if missing(a) else f"{a:.1%}"
                          for a in s["final_test_accuracy"]],
        "solved at": ["-" if missing(e) else f"epoch {int(e)}" for e in s["solved_at"]],
        "gradient at init": [ratio_phrase(float(r), config.seq_len)
                             for r in s["time_ratio"]],
        "diverged at": ["-" if missing(d) else f"epoch {int(d)}" for d in s["diverged_at"]],
    })
    head = (f"{config.task}, T = {config.seq_len}: {config.train_size} train / "
            f"{config.test_size} test sequences, hidden {config.hidden}, forget bias "
            f"{config.forget_bias:g}, {config.epochs} epochs, {result.elapsed_s:.1f}s")
    return "\n".join([head, *table_lines(table)])


RECURRENT = register(Kind(
    name="recurrent", command="recurrent", help="train recurrent cells through time",
    description="Train every recurrent cell (RNN, LSTM, GRU) of one experiment on a "
                "sequence task and print a summary (or --json, or --out files).",
    config=RecurrentConfig, result=RecurrentResult, train=run_recurrent,
    net="cell", net_label=cell_label,
    out_frames=("history", "time_grads", "summary"),
    downloads=(("history", N_("History (CSV)")),
               ("time_grads", N_("Per-step gradients (CSV)"))),
    summary_text=summary_text,
    caps={"MAX_SEQ_LEN": MAX_SEQ_LEN, "MAX_CELL_STEPS": MAX_CELL_STEPS}))
