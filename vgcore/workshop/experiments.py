"""Each lesson page's default experiment: its config, the controls it shows, and the other
runs it makes from the learner's config.

Pages read their defaults from here, so tests and a command-line warm-up can list every
experiment the app runs by default without starting Streamlit
(`vgcore.workshop.warmup.default_configs`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping

from vgcore.config import ExperimentConfig
from vgcore.heads import HEAD_LABELS
from vgcore.i18n import N_
from vgcore.inits import INIT_SCHEMES
from vgcore.recurrent import RecurrentConfig

from .cures import CURES, cure_runs

# Lesson 1's chain-rule calculator: its presets (label -> the factor w·f'(z) per layer;
# None: the learner's own) and default depth. Lesson 2 quotes the first preset, the
# calculator's default (`chain_example`). Nielsen ch. 5's factors: σ' ≤ ¼ with a weight of
# about 1, and his exploding case, a large weight at σ's steepest point. The labels are
# the control's option values (and the link's): English, marked for the catalog (N_) and
# shown with tr(label).
CHAIN_PRESETS: dict[str, float | None] = {
    N_("sigmoid at its steepest (¼ per layer)"): 0.25,
    N_("tanh at its steepest (1 per layer)"): 1.0,
    N_("large weights (w = 8, σ' = ¼ → 2)"): 2.0,
    N_("custom"): None}
CHAIN_DEPTH = 8


def chain_example(layers: int = 3) -> str:
    """The calculator's default factor over `layers` layers, as the page writes it:
    '¼ · ¼ · ¼'."""
    factor = next(iter(CHAIN_PRESETS.values()))
    assert factor is not None
    text = {0.25: "¼", 0.5: "½", 1.0: "1"}.get(factor, f"{factor:g}")
    return " · ".join([text] * layers)


# Nielsen ch. 3's [784, 30, 10] net on 1,000 training images: the overfitting preset and
# two exercises start from it.
NIELSEN_CH3_CONFIG = ExperimentConfig(
    dataset="mnist", train_size=1000, test_size=1000, activations=("sigmoid",),
    hidden=(30,), init="lecun", bias_init="normal", head="sigmoid_ce", lr=0.5,
    batch_size=10, epochs=30)

# The costs the softmax page trains side by side, and the schemes the exploding page
# compares at initialisation by default.
SOFTMAX_HEADS = ("softmax_ce", "sigmoid_mse")
COMPARED_INITS = ("normal", "lecun", "xavier", "he")


def unregularised(config: ExperimentConfig) -> ExperimentConfig:
    """The same run without weight decay or dropout: what a remedy is measured against."""
    return config.replace(weight_decay=0.0, dropout=0.0)


def head_runs(config: ExperimentConfig) -> dict[str, ExperimentConfig]:
    """The learner's config once per cost: head label -> config."""
    return {HEAD_LABELS[h]: config.replace(head=h) for h in SOFTMAX_HEADS}


def init_probes(config: ExperimentConfig, schemes: tuple[str, ...] = COMPARED_INITS
                ) -> dict[str, ExperimentConfig]:
    """The untrained net under each scheme: scheme label -> config (epochs 0)."""
    return {INIT_SCHEMES[s].label: config.replace(init=s, epochs=0) for s in schemes}


# ---------------------------------------------------------------------------------------
# Lesson 8, How it was fixed: the deep sigmoid net and each historical cure
# (vgcore.workshop.cures), with Nielsen's hyper-parameters.
# ---------------------------------------------------------------------------------------
HOW_FIXED_CONFIG = ExperimentConfig(
    dataset="mnist", train_size=4000, test_size=1000, activations=("sigmoid",),
    hidden=(30,) * 10, init="lecun", lr=0.1, batch_size=10, epochs=5)


def _cure_runs(config: ExperimentConfig) -> dict[str, ExperimentConfig]:
    """Every cure's run besides the plain net (the learner's own config)."""
    return {label: c for label, c in cure_runs(config, tuple(CURES)).items()
            if c != config}


@dataclass(frozen=True)
class PageExperiment:
    """A lesson page's experiment: the default config, the controls the sidebar shows
    (config fields, plus 'depth' and 'width' for the hidden layers), per-page narrowed
    widget ranges, and the extra runs the page derives from the learner's config."""
    config: Any                       # a config of any experiment kind
    controls: tuple[str, ...]
    limits: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType({}))
    extra_runs: Callable[[Any], dict[str, Any]] | None = field(
        default=None, compare=False, repr=False)

    def configs(self) -> list[Any]:
        """Every config the page runs with its defaults."""
        extra = self.extra_runs(self.config) if self.extra_runs else {}
        return [self.config, *extra.values()]


PAGE_EXPERIMENTS: dict[str, PageExperiment] = {
    "gradient_flow": PageExperiment(
        ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                         activations=("sigmoid", "tanh", "relu", "leaky_relu"),
                         hidden=(30, 30, 30, 30), init="auto", epochs=15, lr=0.1,
                         batch_size=32),
        ("dataset", "activations", "depth", "width", "init", "bias_init", "lr", "epochs",
         "batch_size", "train_size", "seed", "n_seeds")),
    # Glorot & Bengio's setting, shrunk: 4 hidden layers, their "standard" init
    # U(±1/√fan_in), which is PyTorch's default. At η = 0.1, batch 16 the sigmoid's top
    # layer only drifted to 0.33 in 20 epochs (0% saturated); η = 0.3, batch 8 saturates
    # it by epoch 27 of 30 on seeds 0-2 while tanh and ReLU still learn (~95%); a larger η
    # or width 256 saturates it sooner but kills most ReLU units (docs/workshop.md).
    "inside_layers": PageExperiment(
        ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                         activations=("sigmoid", "tanh", "relu"), hidden=(64, 64, 64, 64),
                         init="pytorch", epochs=30, lr=0.3, batch_size=8),
        ("dataset", "activations", "depth", "width", "init", "lr", "epochs", "batch_size",
         "train_size", "seed", "n_seeds")),
    # Nielsen's mini-batch of 10: 100 full batches an epoch, so the 3-layer sigmoid net
    # leaves its plateau (epoch ~12) within 30 epochs. At 32 the epoch's last batch held 8
    # samples, and its noisy step, measured right after, spiked ReLU's loss 0.19 → 1.31.
    "loss_curves": PageExperiment(
        ExperimentConfig(dataset="digits", train_size=1000, test_size=500,
                         activations=("sigmoid", "tanh", "relu", "leaky_relu"),
                         hidden=(30, 30, 30), epochs=30, lr=0.1, batch_size=10),
        ("dataset", "activations", "depth", "width", "init", "lr", "optimizer", "epochs",
         "batch_size", "train_size", "seed", "n_seeds")),
    # Nielsen ch. 3's net and data, which overfits within 60 epochs (docs/workshop.md)
    "overfitting": PageExperiment(
        NIELSEN_CH3_CONFIG.replace(epochs=60),
        ("dataset", "activations", "depth", "width", "train_size", "epochs", "lr",
         "batch_size", "weight_decay", "dropout", "seed", "n_seeds"),
        # overfitting needs more epochs than the lessons' usual 60 to show the test-loss
        # rise on larger training sets
        limits=MappingProxyType({"epochs": (0, 100)}),
        extra_runs=lambda config: {"no regularisation": unregularised(config)}),
    "softmax": PageExperiment(
        ExperimentConfig(dataset="digits", train_size=1000, test_size=500,
                         activations=("sigmoid",), hidden=(30,), epochs=15, lr=0.5,
                         batch_size=10),
        ("dataset", "activations", "depth", "width", "lr", "epochs", "batch_size",
         "train_size", "seed", "n_seeds"),
        extra_runs=head_runs),
    "exploding": PageExperiment(
        ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                         activations=("relu", "tanh"), hidden=(64,) * 10, init="normal",
                         epochs=10, lr=0.01, batch_size=32),
        ("activations", "depth", "width", "init", "bias_init", "lr", "grad_clip", "epochs",
         "optimizer", "seed", "n_seeds"),
        extra_runs=init_probes),
    "how_fixed": PageExperiment(
        HOW_FIXED_CONFIG,
        ("dataset", "depth", "width", "init", "lr", "epochs", "batch_size", "train_size",
         "seed", "n_seeds"),
        extra_runs=_cure_runs),
}


# ---------------------------------------------------------------------------------------
# Lesson 9, Through time: the recurrent kind (vgcore.recurrent), in the same table.
# ---------------------------------------------------------------------------------------
# The sweep over sequence lengths (and the learner's T). It stops at 50, where only the
# open-gate LSTM still solves the task: T = 100 costs as much as the shorter ones together.
SWEEP_LENGTHS = (5, 10, 20, 35, 50)


def length_runs(config: RecurrentConfig, lengths: tuple[int, ...] = SWEEP_LENGTHS
                ) -> dict[int, RecurrentConfig]:
    """The learner's config at each sequence length of the sweep: T -> config (the
    learner's own T is the learner's own run, so the sweep agrees with the page)."""
    return {t: config.replace(seq_len=t) for t in sorted({*lengths, config.seq_len})}


def closed_gate(config: RecurrentConfig) -> RecurrentConfig | None:
    """The learner's LSTM with its forget gate shut at the start (forget bias 0, about
    PyTorch's default): 'use an LSTM' without the open gate. None when the run has no
    LSTM or its gate is already at 0."""
    if "lstm" not in config.cells or config.forget_bias == 0:
        return None
    return config.replace(cells=("lstm",), forget_bias=0.0)


def _sweep_runs(config: RecurrentConfig) -> dict[str, RecurrentConfig]:
    """The sweep's runs besides the learner's own (the page's exercise runs its own start,
    vgcore.workshop.exercises.LSTM_REMEMBER_START)."""
    return {f"T = {t}": c for t, c in length_runs(config).items() if c != config}


# Only the open-gate LSTM solves it on every seed; a larger η let the RNN get lucky and
# hid the lesson (docs/workshop.md, "Through time").
THROUGH_TIME_CONFIG = RecurrentConfig(
    task="remember_first", seq_len=50, cells=("rnn", "lstm", "gru"), hidden=32,
    forget_bias=3.0, optimizer="adam", lr=0.003, batch_size=50, epochs=10, train_size=1000,
    test_size=500, grad_clip=1.0)

PAGE_EXPERIMENTS["through_time"] = PageExperiment(
    THROUGH_TIME_CONFIG,
    ("task", "seq_len", "cells", "hidden", "forget_bias", "optimizer", "lr", "epochs",
     "seed", "n_seeds"),
    extra_runs=_sweep_runs)

# Every lesson trains three seeds by default, as members of one batched model: one run is
# one draw, and a page's bands and counts show how far its draws agree (Repeats: 1–10).
PAGE_SEEDS = 3
PAGE_EXPERIMENTS.update({name: replace(exp, config=exp.config.replace(n_seeds=PAGE_SEEDS))
                         for name, exp in PAGE_EXPERIMENTS.items()})


__all__ = ["CHAIN_PRESETS", "PAGE_SEEDS", "CHAIN_DEPTH", "chain_example",
           "PageExperiment", "PAGE_EXPERIMENTS", "NIELSEN_CH3_CONFIG", "head_runs",
           "HOW_FIXED_CONFIG", "THROUGH_TIME_CONFIG", "SWEEP_LENGTHS", "length_runs",
           "closed_gate",
           "unregularised",
           "init_probes", "SOFTMAX_HEADS", "COMPARED_INITS"]
