"""Vanishing Gradient Lab core: train small nets and measure how gradients flow.

    from vgcore import ExperimentConfig, run
    res = run(ExperimentConfig(dataset="digits", activations=("sigmoid", "relu")))
    res.history, res.layers, res.summary, res.histograms

Pure library: never imports streamlit.
"""
from .config import ExperimentConfig


def run(config, on_epoch=None):  # noqa: D401 - thin lazy wrapper, real doc in train.run
    """Train `config`; see `vgcore.train.run`."""
    from .train import run as _run
    return _run(config, on_epoch=on_epoch)


__all__ = ["ExperimentConfig", "run"]
