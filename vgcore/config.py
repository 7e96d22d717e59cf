"""The one frozen, validated description of an experiment, and its field declarations.

`ExperimentConfig` crosses every boundary (library, CLI, app, cache): it holds only
hashable plain values (tuples, not lists), validates itself on construction and raises
`ValueError` naming the field and the allowed range, so a bad value never reaches torch.

Each field is declared once, with `spec(...)`: its default, its allowed range or choices
(read from the registries), a label, one line of help and why it is there. Validation,
the CLI's flags and help, and the app's widgets all read `FIELDS`; a new field is one
declaration here (plus, if the app should show it, one line in the widget table).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from functools import cache
from types import MappingProxyType
from typing import Any, Mapping

from .activations import ACTIVATIONS
from .data import DATASETS
from .heads import HEAD_LABELS
from .i18n import N_, tr
from .inits import BIAS_INITS, INIT_SCHEMES
from .model import NORMS
from .optimizers import OPTIMIZERS
from .pretrain import PRETRAIN_BATCH

# Caps keep one run small enough for a shared 2-core server (a workshop box serving ~30
# people). They are documented in the README; raising them is a deliberate decision.
MAX_DEPTH = 20            # hidden layers; Nielsen's deepest net has 4, deep demos need ~10-20
MAX_WIDTH = 512           # units per hidden layer
MAX_TRAIN_SIZE = 60_000   # full MNIST training set
MAX_TEST_SIZE = 10_000
MAX_EPOCHS = 200
MAX_BATCH_SIZE = 10_000
MAX_SEEDS = 10           # Repeats: a band over 3–5 seeds, or ten to see its quartiles
# Pretraining epochs per hidden layer: the lesson needs 3; 20 a layer of a 20-layer net is
# already 400 autoencoder epochs.
MAX_PRETRAIN = 20
MAX_PARAMS = 2_000_000    # parameters of all nets in the run together
# parameters × training samples × epochs (all nets): ~6 FLOP each, a minute or two on two
# cores.
MAX_WORK = 3e11
# Optimizer steps of a run (⌈train_size / batch_size⌉ × epochs × nets, pretraining's too):
# a small net's step has a fixed cost that MAX_WORK cannot see.
MAX_STEPS = 200_000
# One step's work, done between two checks of a run's stop: parameters × samples (a
# recurrent net: × seq_len), a fraction of a second on one thread.
MAX_STEP_WORK = 1e9
# ... and unit values × samples (recurrent: gates × hidden × seq_len): memory-bound work
# the parameters miss.
MAX_STEP_VALUES = 4e6
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class FieldSpec:
    """Everything about one config field except its name and default.

    kind: "int" | "float" (a number in [lo, hi], ends open where lo_open / hi_open),
    "choice" (one of `choices`), "choices" (a non-empty tuple of distinct `choices`),
    "layers" (a tuple of ints in [lo, hi], between min_len and max_len of them), "text",
    "bool" (True or False, nothing else: not 0 or 1).
    """
    kind: str
    label: str                          # how the app names it
    help: str                           # one line: what it is
    why: str = ""                       # one line: why the lab has it
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: Mapping[str, str] = dataclasses.field(       # name -> label (a registry's)
        default_factory=lambda: MappingProxyType({}))
    min_len: int = 1                    # "layers" / "choices": how many values
    max_len: int | None = None

    def range_text(self) -> str:
        """'[1, 60000]', '(0.0, 1000.0]': the allowed range as error messages write it."""
        return (f"{'(' if self.lo_open else '['}{self.lo}, {self.hi}"
                f"{')' if self.hi_open else ']'}")


def spec(default: Any, kind: str, label: str, help: str, why: str = "", **limits: Any
         ) -> Any:
    """A dataclass field with its FieldSpec in metadata["spec"]."""
    return dataclasses.field(default=default, metadata={
        "spec": FieldSpec(kind, label, help, why, **limits)})


def reuse(name: str, default: Any, **changes: Any) -> Any:
    """A dataclass field declared like ExperimentConfig's `name` (its label, help, why and
    range), with its own default and any of the FieldSpec's parts changed: another
    config class (vgcore.recurrent) shares a field's meaning without copying it."""
    return dataclasses.field(default=default, metadata={
        "spec": dataclasses.replace(FIELDS[name], **changes)})


def _labels(registry: Mapping[str, Any]) -> Mapping[str, str]:
    return MappingProxyType({name: getattr(entry, "label", entry)
                             for name, entry in registry.items()})


class DeclaredConfig:
    """What every experiment kind's config is: a frozen dataclass whose fields are
    declared with `spec(...)`. It checks every field against its declaration when made,
    then the kind's own rules (`check`), and converts to and from JSON-ready dicts."""

    def __post_init__(self) -> None:
        check_fields(self, declared_fields(type(self)))
        self.check()

    def check(self) -> None:
        """Rules across fields (caps of a run): ValueError naming the field."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Build from a (JSON) dict; unknown keys are an error naming the key."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(_show(k) for k in set(data) - known)
        if unknown:
            raise ValueError(tr("unknown config field(s): {names}; allowed: {allowed}",
                                names=", ".join(unknown[:5]),
                                allowed=", ".join(sorted(known))))
        return cls(**data)

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ExperimentConfig(DeclaredConfig):
    """Everything that determines a run. Same config (and seed) -> identical numbers."""

    # Data. Small training sets make overfitting visible; 2-D toys allow boundary plots.
    # Labels, help and why lines are marked with N_ (vgcore.i18n): the app shows them with
    # tr(); the CLI prints them as declared, in English.
    dataset: str = spec("digits", "choice", N_("Data set"), N_("which data to train on"),
                        N_("2-D toys show decision boundaries; MNIST-like sets need no "
                           "download"), choices=_labels(DATASETS))
    train_size: int = spec(1000, "int", N_("Training samples"), N_("training samples"),
                           N_("small training sets overfit"), lo=1, hi=MAX_TRAIN_SIZE)
    test_size: int = spec(500, "int", N_("Test samples"), N_("held-out test samples"),
                          N_("the test loss shows overfitting"), lo=1, hi=MAX_TEST_SIZE)
    noise: float = spec(0.1, "float", N_("Noise (2-D sets)"),
                        N_("label/coordinate noise of the 2-D toy sets only"),
                        N_("noisy points make the boundary harder to fit"), lo=0.0, hi=1.0)
    data_dir: str = spec("", "text", N_("IDX folder"),
                         N_("folder of MNIST/Fashion-MNIST IDX files for dataset=idx"),
                         N_("to train on the full MNIST you already have on disk"))
    # Model. Several activations are trained side by side on the same data and batches.
    activations: tuple[str, ...] = spec(
        ("sigmoid", "tanh", "relu", "leaky_relu"), "choices", N_("Activations to compare"),
        N_("activations trained side by side"),
        N_("each is trained on the same data, batches and random seed"),
        choices=_labels(ACTIVATIONS), max_len=len(ACTIVATIONS))
    hidden: tuple[int, ...] = spec(
        (30, 30, 30), "layers", N_("Hidden layers"), N_("units in each hidden layer"),
        N_("depth is what makes gradients vanish or explode"), lo=1, hi=MAX_WIDTH,
        max_len=MAX_DEPTH)
    init: str = spec("auto", "choice", N_("Weight initialisation"),
                     N_("weight initialisation"),
                     N_("auto: Glorot for sigmoid/tanh/linear, He for the ReLU family"),
                     choices=_labels(INIT_SCHEMES))
    bias_init: str = spec("zeros", "choice", N_("Bias initialisation"),
                          N_("bias initialisation"),
                          N_("Nielsen ch. 5 uses N(0,1) biases: normal"),
                          choices=_labels(BIAS_INITS))
    head: str = spec("softmax_ce", "choice", N_("Output and cost"), N_("output layer and cost"),
                     N_("sigmoid_mse: Nielsen's quadratic cost on sigmoid outputs; "
                        "sigmoid_ce: his network2 default (per-output cross-entropy)"),
                     choices=_labels(HEAD_LABELS))
    # Optimisation.
    optimizer: str = spec("sgd", "choice", N_("Optimizer"), N_("optimizer"),
                          N_("momentum and Adam speed up the slow layers"),
                          choices=_labels(OPTIMIZERS))
    lr: float = spec(0.1, "float", N_("Learning rate η"), N_("learning rate η"),
                     N_("too large diverges, too small crawls"), lo=0.0, hi=1000.0,
                     lo_open=True)
    momentum: float = spec(0.9, "float", N_("Momentum"), N_("used by optimizer=momentum only"),
                           N_("momentum carries the step through flat regions"), lo=0.0,
                           hi=1.0, hi_open=True)
    batch_size: int = spec(32, "int", N_("Mini-batch size"), N_("samples per gradient step"),
                           N_("smaller batches take more, noisier steps"), lo=1,
                           hi=MAX_BATCH_SIZE)
    epochs: int = spec(10, "int", N_("Epochs"), N_("passes over the training set"),
                       N_("0 = probe the untrained net only"), lo=0, hi=MAX_EPOCHS)
    weight_decay: float = spec(0.0, "float", N_("L2 weight decay λ"), N_("L2 penalty λ"),
                               N_("a remedy for overfitting"), lo=0.0, hi=1.0)
    dropout: float = spec(0.0, "float", N_("Dropout"),
                          N_("on hidden activations while training"),
                          N_("a remedy for overfitting"), lo=0.0, hi=0.9)
    grad_clip: float = spec(0.0, "float", N_("Clip gradient norm (0 = off)"),
                            N_("max global gradient norm per net; 0 = off"),
                            N_("caps the step when gradients explode"), lo=0.0, hi=1e6)
    # The historical cures of a deep net (besides init, ReLU and clipping above).
    norm: str = spec("none", "choice", N_("Normalisation"),
                     N_("normalisation of each hidden layer's pre-activation"),
                     N_("batch norm keeps every layer's input in the activation's steep "
                        "part (Ioffe & Szegedy 2015)"), choices=_labels(NORMS))
    residual: bool = spec(False, "bool", N_("Residual connections"),
                          N_("each hidden layer after the first adds its input to its "
                             "output (needs equal hidden widths)"),
                          N_("the gradient reaches early layers through the identity path "
                             "(He et al. 2015)"))
    pretrain_epochs: int = spec(
        0, "int", N_("Layer-wise pretraining epochs"),
        N_("epochs of greedy layer-wise autoencoder pretraining per hidden layer before "
           "training; 0 = off. Epoch 0's measurements are taken after it"),
        N_("how deep nets were first trained (Hinton et al. 2006; Bengio et al. 2007)"),
        lo=0, hi=MAX_PRETRAIN)
    # Reproducibility and measurement.
    seed: int = spec(0, "int", N_("Seed"), N_("random seed of data, init and batches"),
                     N_("same config and seed -> identical numbers"), lo=0, hi=MAX_SEED)
    n_seeds: int = spec(1, "int", N_("Repeats (seeds)"),
                        N_("repeats with seeds seed, seed+1, ..."),
                        N_("shows the spread of results"), lo=1, hi=MAX_SEEDS)
    hist_bins: int = spec(30, "int", N_("Histogram bins"),
                          N_("bins of the activation / gradient histograms"),
                          N_("Glorot & Bengio's histograms"), lo=5, hi=100)

    def check(self) -> None:
        _validate(self)

    @property
    def depth(self) -> int:
        return len(self.hidden)


@cache
def declared_fields(cls: type) -> Mapping[str, FieldSpec]:
    """Every field's declaration of a config class built with `spec(...)`, in order."""
    return MappingProxyType({f.name: f.metadata["spec"] for f in fields(cls)})


# Every field's declaration, in declaration order: the one place validation, the CLI and
# the app's widgets read ranges, choices, labels and help from.
FIELDS: Mapping[str, FieldSpec] = declared_fields(ExperimentConfig)


def check_fields(cfg: Any, declared: Mapping[str, FieldSpec]) -> None:
    """Store the sequence fields of a config declared with `spec(...)` as tuples and
    check each field against its declaration."""
    _coerce_sequences(cfg, declared)
    for name, fs in declared.items():
        _check_field(name, getattr(cfg, name), fs)


def _coerce_sequences(cfg: Any, declared: Mapping[str, FieldSpec]) -> None:
    """Accept lists/tuples for the sequence fields but store tuples (hashable cache key)."""
    for name, fs in declared.items():
        if fs.kind not in ("choices", "layers"):
            continue
        value = getattr(cfg, name)
        if isinstance(value, str):
            value = tuple(v.strip() for v in value.split(",") if v.strip())
            if fs.kind == "layers":
                value = tuple(_parse_int(name, v) for v in value)
        elif isinstance(value, (list, tuple)):
            value = tuple(value)
        else:
            raise ValueError(tr("{name}: expected a sequence, got {type}", name=name,
                                type=type(value).__name__))
        object.__setattr__(cfg, name, value)


def _show(value: Any, limit: int = 40) -> str:
    """A bounded repr for error messages: user input can be 10,000 characters or an int
    whose repr Python refuses to build (over 4,300 digits)."""
    try:
        text = repr(value)
    except ValueError:
        return tr("<an integer of over 4300 digits>")
    return text if len(text) <= limit else text[:limit] + "…"


def _parse_int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(tr("{name}: {value} is not an integer", name=name,
                            value=_show(text))) from None


def _check_int(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(tr("{name}: expected an integer in [{lo}, {hi}], got {value}",
                            name=name, lo=lo, hi=hi, value=_show(value)))
    if not lo <= value <= hi:
        allowed = f"[{lo}, {hi}]"
        raise ValueError(tr("{name}: {value} is out of range; allowed {range}", name=name,
                            value=_show(value), range=allowed))


def _check_float(name: str, value: Any, fs: FieldSpec) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(tr("{name}: expected a number, got {value}", name=name,
                            value=_show(value)))
    try:
        finite = math.isfinite(value)
    except OverflowError:          # an int too large for a float, e.g. 10**400
        finite = False
    lo_ok = value > fs.lo if fs.lo_open else value >= fs.lo
    hi_ok = value < fs.hi if fs.hi_open else value <= fs.hi
    if not finite or not (lo_ok and hi_ok):
        raise ValueError(tr("{name}: {value} is out of range; allowed {range}", name=name,
                            value=_show(value), range=fs.range_text()))


def _check_choice(name: str, value: Any, choices: Mapping[str, str]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(tr("{name}: unknown value {value}; allowed: {allowed}", name=name,
                            value=_show(value), allowed=", ".join(choices)))


def _check_field(name: str, value: Any, fs: FieldSpec) -> None:
    """One field against its declaration."""
    if fs.kind == "int":
        _check_int(name, value, fs.lo, fs.hi)
    elif fs.kind == "float":
        _check_float(name, value, fs)
    elif fs.kind == "choice":
        _check_choice(name, value, fs.choices)
    elif fs.kind == "text":
        if not isinstance(value, str):
            raise ValueError(tr("{name}: expected a string", name=name))
    elif fs.kind == "bool":
        if not isinstance(value, bool):     # 0/1 and "true" are not booleans here
            raise ValueError(tr("{name}: expected True or False, got {value}", name=name,
                                value=_show(value)))
    elif fs.kind == "choices":
        if not value:
            raise ValueError(tr("{name}: empty; allowed: one or more of {allowed}",
                                name=name, allowed=", ".join(fs.choices)))
        for item in value:
            _check_choice(name, item, fs.choices)
        if len(set(value)) != len(value):
            raise ValueError(tr("{name}: duplicate names; allowed: each name once",
                                name=name))
    elif fs.kind == "layers":
        if not fs.min_len <= len(value) <= fs.max_len:
            raise ValueError(tr("{name}: depth {depth} is out of range; allowed {lo} to "
                                "{hi} hidden layers", name=name, depth=len(value),
                                lo=fs.min_len, hi=fs.max_len))
        for width in value:
            _check_int(name, width, fs.lo, fs.hi)
    else:   # a declaration error, caught by the test that walks every field
        raise AssertionError(f"{name}: unknown field kind {fs.kind!r}")


def _validate(cfg: ExperimentConfig) -> None:
    _check_data(cfg)
    if cfg.residual and len(set(cfg.hidden)) > 1:
        raise ValueError(tr("residual: needs equal hidden widths, got {hidden}; a layer "
                            "adds its input to its output", hidden=cfg.hidden))
    check_nets(cfg, len(cfg.activations) * cfg.n_seeds)


def check_nets(cfg: ExperimentConfig, n_nets: int) -> None:
    """The caps of a run of `n_nets` nets of `cfg`'s shape (its own nets, or those of
    several configs trained together: vgcore.train.run_many), else a ValueError naming
    the field to change."""
    params = n_nets * count_parameters(cfg)
    if params > MAX_PARAMS:
        raise ValueError(tr("hidden: the run would have {params:,} parameters over "
                            "{nets} nets; allowed at most {cap:,} (use fewer or narrower "
                            "layers, fewer activations or seeds)", params=params,
                            nets=n_nets, cap=MAX_PARAMS))
    work = params * cfg.train_size * max(cfg.epochs, 1)
    if work > MAX_WORK:
        allowed_epochs = max(int(MAX_WORK // (params * cfg.train_size)), 0)
        raise ValueError(tr("epochs: parameters × train_size × epochs = {work:.2g} "
                            "exceeds the cap {cap:.0e}; allowed at most {allowed} epochs "
                            "with this net and train_size (or use fewer samples or units)",
                            work=work, cap=MAX_WORK, allowed=allowed_epochs))
    # A pretraining epoch: each autoencoder (~2 epochs of its layer) on features the layers
    # below compute forward only (~1/3 epoch of theirs): at most 2 + depth/3 epochs' work.
    per_epoch = params * cfg.train_size * (2 + cfg.depth / 3)
    if work + per_epoch * cfg.pretrain_epochs > MAX_WORK:
        allowed = max(int((MAX_WORK - work) // per_epoch), 0)
        raise ValueError(tr("pretrain_epochs: training and pretraining together come to "
                            "{work:.2g} parameters × samples × epochs, over the cap "
                            "{cap:.0e}; allowed at most {allowed} pretraining epochs with "
                            "this net, train_size and epochs",
                            work=work + per_epoch * cfg.pretrain_epochs, cap=MAX_WORK,
                            allowed=allowed))
    steps = check_steps(cfg, n_nets, tr("fewer training samples, activations or seeds"))
    # Pretraining steps too: one per PRETRAIN_BATCH samples, layer and epoch (all nets).
    per_layer_epoch = math.ceil(cfg.train_size / PRETRAIN_BATCH) * cfg.depth * n_nets
    if steps + per_layer_epoch * cfg.pretrain_epochs > MAX_STEPS:
        allowed = max((MAX_STEPS - steps) // per_layer_epoch, 0)
        raise ValueError(tr("pretrain_epochs: steps = training's {steps:,} + "
                            "pretraining's ⌈train_size / {batch}⌉ × pretrain_epochs × "
                            "depth × nets = {pretraining:,} exceeds the cap {cap:,}; allowed "
                            "at most {allowed} pretraining epochs with this train_size, "
                            "depth, epochs and nets", steps=steps, batch=PRETRAIN_BATCH,
                            pretraining=per_layer_epoch * cfg.pretrain_epochs,
                            cap=MAX_STEPS, allowed=allowed))
    # One step trains every net on one batch.
    units = n_nets * (sum(cfg.hidden) + layer_sizes(cfg)[-1])
    check_step(min(cfg.batch_size, cfg.train_size), tr("samples"), params, units,
               tr("this net"), tr("fewer or narrower layers, fewer activations or seeds"))


def training_steps(train_size: int, batch_size: int, epochs: int, nets: int) -> int:
    """Optimizer steps of a run: ⌈train_size / batch_size⌉ × epochs × nets."""
    return math.ceil(train_size / batch_size) * epochs * nets


def check_step(batch: int, samples: str, params: int, values: int, shape: str,
               fewer: str) -> None:
    """One step within MAX_STEP_WORK and MAX_STEP_VALUES, else a ValueError naming
    batch_size. `batch`: samples in a step (never more than the training set holds);
    `params`, `values`: the parameters and unit values one sample costs (`samples` names
    a sample, `shape` what fixes them; `fewer`: what else lowers them: words the reader
    reads, so callers pass them translated)."""
    allowed = min(int(MAX_STEP_WORK // params), int(MAX_STEP_VALUES // values))
    words = dict(samples=samples, batch=batch, allowed=allowed, shape=shape, fewer=fewer)
    if params * batch > MAX_STEP_WORK:
        raise ValueError(tr("batch_size: parameters × {samples} of one step = {per_sample:,} "
                            "× {batch:,} = {product:.2g} exceeds the cap {cap:.0e}; allowed "
                            "batch_size at most {allowed:,} with {shape} (or use {fewer})",
                            per_sample=params, product=params * batch, cap=MAX_STEP_WORK,
                            **words))
    if values * batch > MAX_STEP_VALUES:
        raise ValueError(tr("batch_size: unit values × {samples} of one step = "
                            "{per_sample:,} × {batch:,} = {product:.2g} exceeds the cap "
                            "{cap:.0e}; allowed batch_size at most {allowed:,} with {shape} "
                            "(or use {fewer})", per_sample=values, product=values * batch,
                            cap=MAX_STEP_VALUES, **words))


def check_steps(cfg: Any, nets: int, fewer: str) -> int:
    """A config's training steps (it has train_size, batch_size and epochs) within
    MAX_STEPS, else a ValueError naming epochs; `fewer`: what else lowers them. Returns
    the steps (RecurrentConfig checks with this too)."""
    steps = training_steps(cfg.train_size, cfg.batch_size, cfg.epochs, nets)
    if steps > MAX_STEPS:
        raise ValueError(tr("epochs: steps = ⌈train_size / batch_size⌉ × epochs × nets = "
                            "{steps:,} exceeds the cap {cap:,}; allowed at most {allowed} "
                            "epochs (or use a larger batch_size, {fewer})", steps=steps,
                            cap=MAX_STEPS, allowed=MAX_STEPS // (steps // cfg.epochs),
                            fewer=fewer))
    return steps


def _check_data(cfg: ExperimentConfig) -> None:
    """What the chosen data set needs: its files, or at most its number of samples."""
    capacity = DATASETS[cfg.dataset].capacity
    if capacity is None and not cfg.data_dir:
        raise ValueError(tr("data_dir: dataset '{dataset}' needs the folder that holds "
                            "the IDX files", dataset=cfg.dataset))
    if capacity is not None and cfg.train_size + cfg.test_size > capacity:
        raise ValueError(tr("train_size: train_size + test_size = {total} exceeds the "
                            "{capacity} samples of dataset '{dataset}'; allowed train_size "
                            "in [1, {hi}] with this test_size",
                            total=cfg.train_size + cfg.test_size, capacity=capacity,
                            dataset=cfg.dataset, hi=max(capacity - cfg.test_size, 1)))


def layer_sizes(cfg: ExperimentConfig) -> tuple[int, ...]:
    """[input, hidden..., output], Nielsen's notation for a net."""
    ds = DATASETS[cfg.dataset]
    return (ds.input_dim, *cfg.hidden, ds.n_classes)


def count_parameters(cfg: ExperimentConfig) -> int:
    """Parameters of one net (weights and biases)."""
    sizes = layer_sizes(cfg)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


__all__ = ["DeclaredConfig", "ExperimentConfig", "FieldSpec", "FIELDS", "layer_sizes", "count_parameters",
           "spec", "reuse", "declared_fields", "check_fields", "check_steps",
           "check_step", "check_nets", "training_steps",
           "MAX_DEPTH", "MAX_WIDTH", "MAX_TRAIN_SIZE", "MAX_TEST_SIZE", "MAX_EPOCHS",
           "MAX_BATCH_SIZE", "MAX_SEEDS", "MAX_SEED", "MAX_PARAMS", "MAX_WORK",
           "MAX_PRETRAIN", "MAX_STEPS", "MAX_STEP_WORK", "MAX_STEP_VALUES"]
