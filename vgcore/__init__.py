"""Vanishing Gradient Lab core: train small nets and measure how gradients flow.

    from vgcore import ExperimentConfig, run
    res = run(ExperimentConfig(dataset="digits", activations=("sigmoid", "relu")))
    res.history, res.layers, res.summary, res.histograms

Pure library: never imports streamlit.
"""
__version__ = "0.1.0"

from .config import ExperimentConfig
from .train import run
# Each kind registers itself (vgcore.kinds) when its module loads.
from . import mlp, recurrent  # noqa: E402,F401  isort: skip


__all__ = ["ExperimentConfig", "run"]
