"""Through time: a vanilla RNN, an LSTM and a GRU trained side by side on sequence tasks
whose one dependency spans the whole sequence.

In a recurrent net the deep direction is time: the gradient that reaches step 1 of a
sequence is a product of one factor per step (Hochreiter et al. 2001, "Gradient flow in
recurrent nets"). `run_recurrent` trains every cell × seed of a `RecurrentConfig` and
measures ‖∂L/∂h_t‖ at every step t on a fixed probe batch, through every path (for the
LSTM also through its cell state c_t), at epoch 0 and after every epoch.

Each net is torch's own: `nn.RNN` / `nn.LSTM` / `nn.GRU` train and evaluate it (one fused
loop per sequence, ~3× faster than stepping by hand), and the matching `nn.RNNCell` /
`LSTMCell` / `GRUCell`, holding the very same Parameter objects, is stepped by hand on the
probe batch so that every h_t is a tensor whose gradient can be read.

Frames (plain floats; the column contracts charts, pages and the CLI rely on):
- history:    cell, seed, epoch, split ('train'/'test'), loss, accuracy
- time_grads: cell, seed, epoch, t (1..seq_len), grad_norm
- summary:    cell, seed, final_train_loss, final_test_loss, final_train_accuracy,
              final_test_accuracy, time_ratio, solved_at, diverged_at, last_epoch

Same rules as the MLP engine: one frozen validated config, caps for a shared 2-core
server, a progress callback, the same config -> identical numbers, divergence recorded
(never raised). The analyses of these frames (time ratio, solved epoch, sentences, the
sweep over sequence lengths) are the functions at the end of this module.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

import pandas as pd
import torch
from torch import nn

from .config import (MAX_PARAMS, MAX_STEP_VALUES, MAX_STEP_WORK, MAX_WIDTH, MAX_WORK,
                     ExperimentConfig, FieldSpec, check_fields, check_step, check_steps,
                     declared_fields, reuse, spec)
from .model import member_generator
from .optimizers import OPTIMIZERS
from .registry import label_in, order_in
from .results import (diverged_rows, epoch_reaching, format_ratio, json_records,
                      net_outcome)
from .train import (DEFAULT_THREADS, EVAL_CHUNK, Progress, Stop, Stopped, hist_epochs,
                    minibatches)

Tensor = torch.Tensor

# Caps (see README, "Caps"). Parameters, parameters × samples × steps × epochs, optimizer
# steps (MAX_STEPS), one step's work (MAX_STEP_WORK, MAX_STEP_VALUES: a sequence counts
# seq_len times) and seeds share the MLP's caps (config.py); these two are the recurrent
# net's own.
MAX_SEQ_LEN = 200          # the lesson's longest sweep is 100 steps
# minibatches × time steps × epochs of all nets: a fused step costs ~30-100 µs here
# whatever the width (Python and dispatch overhead), so 10⁶ is about a minute on one core.
MAX_CELL_STEPS = 1_000_000
# Sequences in the fixed probe batch (the first of the training set). Stepping cells by
# hand over 1,000 sequences (the MLP's probe) cost more than the epoch's training; the
# mean of the per-sequence norms over 256 moved the time ratio by under 5% (T = 50).
PROBE_SEQUENCES = 256
# Steps' work (MAX_STEP_WORK, MAX_STEP_VALUES) one evaluation chunk may do: forward only,
# 8 keeps EVAL_CHUNK for the lesson's nets (32 units, T ≤ 50) and a wide net over 200
# steps at ~0.1-0.3 s a chunk (a stop waits for at most one).
EVAL_CHUNK_STEPS = 8
SOLVED_ACCURACY = 0.95     # a net "solves" the task at this test accuracy (the issue's)
ADDING_TOLERANCE = 0.04    # Hochreiter & Schmidhuber 1997: an adding answer is right
                           # when its absolute error is below 0.04


# ---------------------------------------------------------------------------------------
# Registries: cells and tasks
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A recurrent cell: torch's fused module (training) and its one-step twin (probe)."""
    name: str
    label: str                       # what the app shows and its URL holds
    note: str
    sequence: type[nn.RNNBase]       # nn.RNN / nn.LSTM / nn.GRU
    step: type[nn.RNNCellBase]       # nn.RNNCell / nn.LSTMCell / nn.GRUCell
    gates: int                       # weight blocks per layer (torch's layout)


CELLS: dict[str, Cell] = {c.name: c for c in [
    Cell("rnn", "RNN", "vanilla (Elman) net: h_t = tanh(W x_t + U h_{t-1} + b); each step "
                       "multiplies the gradient by U·tanh'", nn.RNN, nn.RNNCell, 1),
    Cell("lstm", "LSTM", "long short-term memory (Hochreiter & Schmidhuber 1997) with a "
                         "forget gate (Gers et al. 2000): c_t = f_t·c_{t-1} + i_t·g_t "
                         "carries the gradient while the forget gate f_t stays near 1",
         nn.LSTM, nn.LSTMCell, 4),
    Cell("gru", "GRU", "gated recurrent unit (Cho et al. 2014): h_t is a gated mix of "
                       "h_{t-1} and a new candidate", nn.GRU, nn.GRUCell, 3),
]}


@dataclass(frozen=True)
class Task:
    """A generated sequence task. `make(n, seq_len, generator)` -> x (n, seq_len, inputs)
    float32, y (n,): class labels (outputs = 2) or target values (outputs = 1)."""
    name: str
    label: str
    note: str
    inputs: int
    outputs: int
    chance: float                    # test accuracy of a net that learned nothing
    make: Callable[[int, int, torch.Generator], tuple[Tensor, Tensor]] = field(repr=False)


def _remember_first(n: int, seq_len: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """seq_len random bits fed as ±1, one per step; the label is the first bit."""
    bits = torch.randint(0, 2, (n, seq_len), generator=gen)
    return (bits * 2 - 1).float().unsqueeze(-1), bits[:, 0].clone()


def _adding(n: int, seq_len: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Hochreiter & Schmidhuber's adding problem: (value ~ U(0, 1), marker) per step, one
    marker in the first half and one in the second; the target is the two values' sum."""
    values = torch.rand(n, seq_len, generator=gen)
    half = seq_len // 2
    first = torch.randint(0, half, (n,), generator=gen)
    second = torch.randint(half, seq_len, (n,), generator=gen)
    rows = torch.arange(n)
    markers = torch.zeros(n, seq_len)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    return torch.stack([values, markers], -1), values[rows, first] + values[rows, second]


TASKS: dict[str, Task] = {t.name: t for t in [
    Task("remember_first", "Remember the first bit",
         "a sequence of random ±1 bits; the answer is the first one, so every later step "
         "is noise the net must carry the first bit through", 1, 2, 0.5, _remember_first),
    # chance: the best constant answer, 1, is within 0.04 of the sum (triangular on
    # [0, 2]) for 2·0.04·(1 − 0.02) ≈ 7.8% of sequences
    Task("adding", "Adding problem",
         "two marked values among seq_len random ones (Hochreiter & Schmidhuber 1997); "
         "the answer is their sum, right when within 0.04", 2, 1, 0.078, _adding),
]}


def _labels(registry: Mapping[str, Any]) -> Mapping[str, str]:
    return MappingProxyType({name: entry.label for name, entry in registry.items()})


# ---------------------------------------------------------------------------------------
# The config
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecurrentConfig:
    """Everything that determines a recurrent run. Same config -> identical numbers.
    Fields that mean what an ExperimentConfig field means reuse its declaration. The
    defaults are the lesson's (docs/workshop.md, "Through time"): at η = 0.01 a vanilla
    RNN got lucky on most seeds, and forget bias 1 did not carry 50 steps."""

    task: str = spec("remember_first", "choice", "Task", "the sequence task",
                     "its one dependency spans the whole sequence",
                     choices=_labels(TASKS))
    seq_len: int = spec(50, "int", "Sequence length T", "time steps per sequence",
                        "the gradient reaching step 1 is a product of one factor per step",
                        lo=2, hi=MAX_SEQ_LEN)
    cells: tuple[str, ...] = spec(
        ("rnn", "lstm", "gru"), "choices", "Cells to compare",
        "recurrent cells trained side by side",
        "each on the same sequences, batches and seed", choices=_labels(CELLS),
        max_len=len(CELLS))
    hidden: int = spec(32, "int", "Hidden units", "units of the recurrent state h_t",
                       "a wider state remembers more, but the gradient still passes "
                       "every step", lo=1, hi=MAX_WIDTH)
    forget_bias: float = spec(
        3.0, "float", "LSTM forget-gate bias", "the LSTM forget gate's bias at "
        "initialisation (LSTM only)",
        "0 ≈ PyTorch's default, the gate half shut: the cell forgets within a few "
        "steps; 3 opens it (σ(3) = 0.95) so the cell carries the gradient across ~50 steps "
        "(Gers et al. 2000; Jozefowicz et al. 2015 advise 1)", lo=-10.0, hi=10.0)
    optimizer: str = reuse("optimizer", "adam")
    lr: float = reuse("lr", 0.003)
    momentum: float = reuse("momentum", 0.9)
    batch_size: int = reuse("batch_size", 50)
    epochs: int = reuse("epochs", 10)
    train_size: int = reuse("train_size", 1000, help="training sequences",
                            why="more sequences, more gradient steps per epoch")
    test_size: int = reuse("test_size", 500, help="held-out test sequences",
                           why="test accuracy says whether the net remembers")
    grad_clip: float = reuse("grad_clip", 1.0)
    seed: int = reuse("seed", 0, help="random seed of data, weights and batches")
    n_seeds: int = reuse("n_seeds", 1, why="a vanilla RNN sometimes gets lucky: look at "
                                           "several seeds before concluding")

    def __post_init__(self) -> None:
        check_fields(self, RECURRENT_FIELDS)
        _check_caps(self)

    # The same conversions as ExperimentConfig's (they read only the dataclass fields).
    to_dict = ExperimentConfig.to_dict
    from_dict = classmethod(ExperimentConfig.from_dict.__func__)  # type: ignore[attr-defined]
    replace = ExperimentConfig.replace


# Every field's declaration, like config.FIELDS: validation, the CLI's `recurrent` flags
# and the app's recurrent widgets read it.
RECURRENT_FIELDS: Mapping[str, FieldSpec] = declared_fields(RecurrentConfig)


def count_parameters(config: RecurrentConfig, cell: str) -> int:
    """Parameters of one net: the recurrent layer (torch's two bias vectors) + readout."""
    return _parameters(TASKS[config.task], cell, config.hidden)


def _parameters(task: Task, cell: str, h: int) -> int:
    recurrent = CELLS[cell].gates * h * (task.inputs + h + 2)
    return recurrent + h * task.outputs + task.outputs


def cell_steps(config: RecurrentConfig) -> int:
    """Minibatches × time steps × epochs of all nets: what bounds a run's time here."""
    batches = math.ceil(config.train_size / config.batch_size)
    nets = len(config.cells) * config.n_seeds
    return nets * batches * config.seq_len * max(config.epochs, 1)


def _check_caps(config: RecurrentConfig) -> None:
    params = config.n_seeds * sum(count_parameters(config, c) for c in config.cells)
    if params > MAX_PARAMS:
        raise ValueError(f"hidden: the run would have {params:,} parameters; allowed at "
                         f"most {MAX_PARAMS:,} (use fewer hidden units, cells or seeds)")
    work = params * config.train_size * config.seq_len * max(config.epochs, 1)
    if work > MAX_WORK:
        allowed = max(int(MAX_WORK // (params * config.train_size * config.seq_len)), 0)
        raise ValueError(f"epochs: parameters × train_size × seq_len × epochs = "
                         f"{work:.2g} exceeds the cap {MAX_WORK:.0e}; allowed at most "
                         f"{allowed} epochs with this net, train_size and seq_len")
    steps = cell_steps(config)
    if steps > MAX_CELL_STEPS:
        per_epoch = steps // max(config.epochs, 1)
        raise ValueError(f"epochs: nets × minibatches × seq_len × epochs = {steps:,} "
                         f"exceeds the cap {MAX_CELL_STEPS:,}; allowed at most "
                         f"{MAX_CELL_STEPS // per_epoch} epochs (or use a larger batch_size, "
                         f"fewer sequences, cells or seeds)")
    check_steps(config, len(config.cells) * config.n_seeds,
                "fewer sequences, cells or seeds")
    _check_step_work(config)


def _check_step_work(config: RecurrentConfig) -> None:
    """One net's step (each net steps alone), and its probe's one backward pass
    (PROBE_SEQUENCES stepped by hand; per-step overhead, not unit values, is its cost at
    the lesson's sizes), within one step's work: what a run does between two checks of
    its stop."""
    per_seq = _per_sequence(config, config.hidden)
    probe = min(PROBE_SEQUENCES, config.train_size)
    if per_seq * probe > MAX_STEP_WORK:
        widest = max((h for h in range(1, config.hidden)
                      if _per_sequence(config, h) * probe <= MAX_STEP_WORK), default=0)
        raise ValueError(f"hidden: parameters × seq_len × the probe's {probe} sequences = "
                         f"{per_seq * probe:.2g} exceeds the cap {MAX_STEP_WORK:.0e} of "
                         f"one step's work; allowed at most {widest} hidden units with "
                         f"this seq_len and cells (or use a shorter seq_len)")
    values = max(_values_per_sequence(config, c) for c in config.cells)
    check_step(min(config.batch_size, config.train_size), "seq_len × sequences", per_seq,
               values, "this hidden, seq_len and cells", "fewer hidden units or a shorter "
               "seq_len")


def _per_sequence(config: RecurrentConfig, hidden: int) -> int:
    """parameters × seq_len of the run's biggest net with `hidden` units: one sequence's
    share of a step's work."""
    task = TASKS[config.task]
    return config.seq_len * max(_parameters(task, c, hidden) for c in config.cells)


def _values_per_sequence(config: RecurrentConfig, cell: str) -> int:
    """Unit values one sequence costs a step: gates × hidden × seq_len."""
    return CELLS[cell].gates * config.hidden * config.seq_len


def eval_chunk(config: RecurrentConfig, cell: str) -> int:
    """Sequences per forward pass when evaluating a split: EVAL_CHUNK, fewer for a big net
    and long sequences so that a chunk is within EVAL_CHUNK_STEPS steps' work. A net's
    own count: its numbers never depend on the nets beside it."""
    params = count_parameters(config, cell) * config.seq_len
    return max(1, min(EVAL_CHUNK,
                      int(EVAL_CHUNK_STEPS * MAX_STEP_WORK // params),
                      int(EVAL_CHUNK_STEPS * MAX_STEP_VALUES
                          // _values_per_sequence(config, cell))))


# ---------------------------------------------------------------------------------------
# The net
# ---------------------------------------------------------------------------------------
class RecurrentNet(nn.Module):
    """One recurrent layer and a linear readout of the last state h_T.

    `forward` runs torch's fused module; `unroll` steps the one-step cell, which holds the
    same Parameter objects, and returns every h_t as well (the probe's path).
    """

    def __init__(self, cell: str, inputs: int, hidden: int, outputs: int,
                 forget_bias: float, generator: torch.Generator) -> None:
        super().__init__()
        spec_ = CELLS[cell]
        self.kind = cell
        self.sequence = spec_.sequence(inputs, hidden, batch_first=True)
        self.step = spec_.step(inputs, hidden)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            setattr(self.step, name, getattr(self.sequence, f"{name}_l0"))
        self.readout = nn.Linear(hidden, outputs)
        with torch.no_grad():
            # PyTorch's own default, U(±1/√hidden) for every parameter (the readout's
            # fan-in is `hidden` too), drawn from this net's generator: its numbers never
            # depend on which other nets train beside it.
            bound = 1 / math.sqrt(hidden)
            for p in self.parameters():
                p.uniform_(-bound, bound, generator=generator)
            if cell == "lstm":
                # gates are stacked i, f, g, o; the forget gate's bias is the sum of its two
                # bias vectors, so one holds forget_bias and the other 0
                self.sequence.bias_ih_l0[hidden:2 * hidden] = forget_bias
                self.sequence.bias_hh_l0[hidden:2 * hidden] = 0.0

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, inputs) -> outputs (B, outputs) read from h_T."""
        states, _ = self.sequence(x)
        return self.readout(states[:, -1])

    def unroll(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """The same outputs, stepped by hand: (outputs (B, outputs), [h_1 … h_T] (B, H))."""
        h = x.new_zeros(x.shape[0], self.step.hidden_size)
        c = h
        states = []
        for t in range(x.shape[1]):
            if self.kind == "lstm":
                h, c = self.step(x[:, t], (h, c))
            else:
                h = self.step(x[:, t], h)
            states.append(h)
        return self.readout(h), states


def sample_losses(task: Task, out: Tensor, y: Tensor) -> Tensor:
    """Per-sequence loss: cross-entropy for a class, squared error for a value."""
    if task.outputs > 1:
        return nn.functional.cross_entropy(out, y, reduction="none")
    return (out[:, 0] - y) ** 2


def correct(task: Task, out: Tensor, y: Tensor) -> Tensor:
    """Per-sequence right/wrong (bool)."""
    if task.outputs > 1:
        return out.argmax(-1) == y
    return (out[:, 0] - y).abs() < ADDING_TOLERANCE


def time_grad_norms(net: RecurrentNet, task: Task, x: Tensor, y: Tensor) -> list[float]:
    """‖∂ℓ/∂h_t‖ per step t = 1..T, averaged over the sequences of x: the gradient of each
    sequence's loss reaching its state h_t through every path (sequences are independent,
    so one backward pass of the summed loss gives each sequence's own)."""
    out, states = net.unroll(x)
    grads = torch.autograd.grad(sample_losses(task, out, y).sum(), states)
    return torch.stack(grads).norm(dim=2).mean(1).tolist()          # (T, B, H) -> (T,)


# ---------------------------------------------------------------------------------------
# Training
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


@dataclass(frozen=True)
class RecurrentProgress(Progress):
    """Passed to `on_epoch` (like train.Progress); `records` are RecurrentRecords."""

    def partial(self) -> "RecurrentResult":   # type: ignore[override]
        return build_result(self.config, self.records, self.elapsed_s, finished=False)


def nets_of(config: RecurrentConfig) -> tuple[Net, ...]:
    return tuple(Net(c, config.seed + s) for c in config.cells for s in range(config.n_seeds))


def make_data(config: RecurrentConfig) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(x_train, y_train, x_test, y_test), each split from its own stream of the config's
    seed (so the test set does not change with train_size)."""
    task = TASKS[config.task]
    x_train, y_train = task.make(config.train_size, config.seq_len,
                                 member_generator(config.seed, "train data"))
    x_test, y_test = task.make(config.test_size, config.seq_len,
                               member_generator(config.seed, "test data"))
    return x_train, y_train, x_test, y_test


def run_recurrent(config: RecurrentConfig,
                  on_epoch: Callable[[RecurrentProgress], None] | None = None,
                  threads: int | None = DEFAULT_THREADS, max_seconds: float | None = None,
                  device: str = "cpu", should_stop: Callable[[], bool] | None = None
                  ) -> "RecurrentResult":
    """Train every cell × seed of `config`; return a RecurrentResult of DataFrames.

    `on_epoch(progress)` is called after epoch 0 (the untrained nets) and every epoch.
    `threads`, `max_seconds` and `should_stop` as for `vgcore.train.run`: a stop ends the
    run between two nets' steps, evaluation chunks or probes, with `stopped_at` the last
    epoch fully trained and measured.
    """
    if not isinstance(config, RecurrentConfig):
        raise ValueError("config: expected a RecurrentConfig")
    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    stop = Stop(started, max_seconds, should_stop)
    task = TASKS[config.task]
    dev = torch.device(device)
    x_train, y_train, x_test, y_test = (t.to(dev) for t in make_data(config))
    n_probe = min(PROBE_SEQUENCES, len(x_train))
    x_probe, y_probe = x_train[:n_probe], y_train[:n_probe]
    keep_grads = hist_epochs(config.epochs)

    nets = nets_of(config)
    models = [RecurrentNet(n.cell, task.inputs, config.hidden, task.outputs,
                           config.forget_bias, member_generator(n.seed, "init")).to(dev)
              for n in nets]
    optimizers = [OPTIMIZERS[config.optimizer].build(list(m.parameters()), config.lr,
                                                     config.momentum, 0.0)
                  for m in models]
    alive = [True] * len(nets)
    records = RecurrentRecords(nets)
    # One batch order for all nets, from the config's seed: the comparison is between
    # cells, not between data orders.
    order_gen = torch.Generator(device=dev).manual_seed(config.seed)

    def measure(epoch: int) -> None:
        """Record epoch `epoch` of every net still alive, all at once at the end: a stop
        (Stopped, between nets and evaluation chunks) leaves no net's rows of it."""
        measured = []
        check = stop.measuring()
        for i, (net, model) in enumerate(zip(nets, models)):
            if not alive[i]:
                continue
            check()
            chunk = eval_chunk(config, net.cell)
            train_loss, train_acc = _evaluate(model, task, x_train, y_train, chunk, check)
            test_loss, test_acc = _evaluate(model, task, x_test, y_test, chunk, check)
            check()
            grads = time_grad_norms(model, task, x_probe, y_probe) \
                if epoch in keep_grads else []
            measured.append((i, net, (train_loss, train_acc, test_loss, test_acc), grads))
        for i, net, (train_loss, train_acc, test_loss, test_acc), grads in measured:
            if not all(math.isfinite(v) for v in (train_loss, test_loss, *grads)):
                alive[i] = False
                records.diverged_at[i] = epoch
                continue
            tag = {"cell": net.cell, "seed": net.seed, "epoch": epoch}
            records.history.append({**tag, "split": "train", "loss": train_loss,
                                    "accuracy": train_acc})
            records.history.append({**tag, "split": "test", "loss": test_loss,
                                    "accuracy": test_acc})
            records.time_grads += [{**tag, "t": t, "grad_norm": g}
                                   for t, g in enumerate(grads, 1)]

    def report(epoch: int) -> None:
        if on_epoch:
            on_epoch(RecurrentProgress(epoch, config.epochs, time.perf_counter() - started,
                                       config, records))     # type: ignore[arg-type]

    n = len(x_train)
    epoch = 0
    try:
        measure(0)      # even after a stop, when it is quick (Stop.measuring)
        report(0)
        for epoch in range(1, config.epochs + 1):
            if not any(alive):
                break
            for idx in minibatches(n, config.batch_size, order_gen):
                xb, yb = x_train[idx], y_train[idx]
                for i, (model, optimizer) in enumerate(zip(models, optimizers)):
                    if alive[i]:
                        stop.check()
                        alive[i] = _step(model, optimizer, task, xb, yb, config.grad_clip)
            measure(epoch)
            report(epoch)
    except Stopped:
        records.stopped_at = epoch - 1
    return build_result(config, records, time.perf_counter() - started, finished=True)


def _step(model: RecurrentNet, optimizer: torch.optim.Optimizer, task: Task, x: Tensor,
          y: Tensor, max_norm: float) -> bool:
    """One gradient step; False (and no step) when the loss or gradient is NaN/Inf."""
    loss = sample_losses(task, model(x), y).mean()
    optimizer.zero_grad(set_to_none=False)
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm if max_norm > 0 else math.inf)
    if not (math.isfinite(loss.item()) and math.isfinite(norm.item())):
        return False
    optimizer.step()
    return True


@torch.no_grad()
def _evaluate(model: RecurrentNet, task: Task, x: Tensor, y: Tensor,
              chunk: int = EVAL_CHUNK, check: Callable[[], None] | None = None
              ) -> tuple[float, float]:
    """Mean loss and accuracy on a whole split, `chunk` sequences at a time; `check()`
    runs before each chunk (Stop.measuring's raises Stopped)."""
    loss_sum, right = 0.0, 0
    for start in range(0, len(x), chunk):
        if check is not None:
            check()
        out = model(x[start:start + chunk])
        yb = y[start:start + chunk]
        loss_sum += float(sample_losses(task, out, yb).double().sum())
        right += int(correct(task, out, yb).sum())
    return loss_sum / len(x), right / len(x)


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------
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
    the earliest epoch one did (NaN if none) and the mean final test accuracy."""
    rows = []
    for name in cell_order(summary["cell"]):
        own = summary[summary["cell"].astype(str) == name]
        rows.append({"cell": name, "solved": int(own["solved_at"].notna().sum()),
                     "seeds": len(own), "first_solved_at": float(own["solved_at"].min()),
                     "final_test_accuracy": float(own["final_test_accuracy"].mean())})
    return pd.DataFrame(rows, columns=SOLVED_COLUMNS)


def forget_gate_carry(forget_bias: float, seq_len: int) -> float:
    """σ(forget_bias)^(seq_len − 1): the share of the LSTM's first cell state left after
    the forget gates of the later steps at their initial bias (their inputs aside)."""
    return (1 / (1 + math.exp(-forget_bias))) ** (seq_len - 1)


def ratio_phrase(ratio: float, seq_len: int) -> str:
    """time_ratio in words: 'step 1 gets 7.7·10¹⁰× less gradient than step 50'."""
    if math.isnan(ratio):
        return "n/a"
    if math.isinf(ratio):
        return f"step {seq_len} gets no gradient at all (step 1 does)"
    if ratio == 0:
        return f"step 1 gets no gradient at all (step {seq_len} does)"
    factor = max(ratio, 1 / ratio)
    if format_ratio(factor) == "1.0×":
        return f"step 1 gets about as much gradient as step {seq_len}"
    return (f"step 1 gets {format_ratio(factor)} {'less' if ratio < 1 else 'more'} "
            f"gradient than step {seq_len}")


def ratio_sentences(time_grads: pd.DataFrame, epoch: int = 0) -> list[str]:
    """One sentence per cell (mean over seeds): 'LSTM: step 1 gets 2.7× less gradient
    than step 50'. Cells without rows at `epoch` (diverged) are left out."""
    rows = time_grads[time_grads["epoch"] == epoch]
    if rows.empty:
        return []
    seq_len = int(rows["t"].max())
    return [f"{cell_label(name)}: " + ratio_phrase(
                time_ratio(rows[rows["cell"].astype(str) == name], epoch), seq_len)
            for name in cell_order(rows["cell"])]


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


__all__ = ["RecurrentConfig", "RECURRENT_FIELDS", "RecurrentResult", "RecurrentProgress",
           "RecurrentNet", "CELLS", "TASKS", "Cell", "Task", "Net", "run_recurrent",
           "make_data", "nets_of", "count_parameters", "cell_steps", "eval_chunk",
           "time_grad_norms",
           "sample_losses", "correct", "time_ratio", "solved_at", "solved_counts",
           "ratio_phrase", "ratio_sentences", "cell_label", "cell_order", "length_sweep",
           "forget_gate_carry", "SOLVED_COLUMNS",
           "HISTORY_COLUMNS", "TIME_GRAD_COLUMNS", "SUMMARY_COLUMNS", "SWEEP_COLUMNS",
           "MAX_SEQ_LEN", "MAX_CELL_STEPS", "EVAL_CHUNK_STEPS", "SOLVED_ACCURACY",
           "ADDING_TOLERANCE", "PROBE_SEQUENCES"]
