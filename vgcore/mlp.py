"""The MLP kind: one multilayer perceptron per activation (and seed), trained side by side
as members of one batched model on 2-D toy data or digits (`vgcore.config`,
`vgcore.train`, `vgcore.results`)."""
from __future__ import annotations

from typing import Any

import pandas as pd

from . import config as cfg_mod
from .config import ExperimentConfig
from .i18n import N_
from .kinds import Kind, register
from .results import (Result, activation_label, divergence_cause, missing,
                      speed_phrase, table_lines)
from .train import batches, run, run_many


def summary_text(result: Result) -> str:
    """A short table for a terminal: one row per activation (and seed)."""
    config = result.config
    s = result.summary
    table = pd.DataFrame({
        "activation": s["activation"],
        **({"seed": s["seed"]} if config.n_seeds > 1 else {}),
        "test accuracy": ["n/a" if missing(a) else f"{a:.1%}"
                          for a in s["final_test_accuracy"]],
        "speed at init": [speed_phrase(float(r), config.depth) for r in s["speed_ratio"]],
        "diverged at": ["-" if missing(d) else f"epoch {int(d)}" for d in s["diverged_at"]],
    })
    head = (f"{config.dataset}: {config.train_size} train / {config.test_size} test, "
            f"hidden {'-'.join(map(str, config.hidden))}, {config.epochs} epochs, "
            f"{result.elapsed_s:.1f}s")
    return "\n".join([head, *table_lines(table)])


def _caps(module: Any) -> dict[str, float]:
    return {name: getattr(module, name) for name in sorted(vars(module))
            if name.startswith("MAX_")}


MLP = register(Kind(
    name="mlp", command="run", help="train one experiment",
    description="Train every activation of one experiment and print a summary (or --json, "
                "or --out files).",
    config=ExperimentConfig, result=Result, train=run,
    net="activation", net_label=activation_label,
    out_frames=("history", "layers", "summary", "histograms"),
    downloads=(("history", N_("History (CSV)")), ("layers", N_("Per-layer stats (CSV)"))),
    summary_text=summary_text, caps=_caps(cfg_mod), divergence_cause=divergence_cause,
    batches=batches, train_many=run_many))

__all__ = ["MLP", "summary_text"]
