"""Training the recurrent kind: every cell × seed of a config, one at a time, measured at
epoch 0 and after every epoch. Repeat k of a run with seed s is the run with seed s + k
alone (vgcore.repeats): its own data, batch order and weights; the cells of one seed
step on the same batches."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ..model import member_generator
from ..optimizers import OPTIMIZERS
from ..repeats import order_generators, seed_minibatches, seeds_of
from ..train import DEFAULT_THREADS, EVAL_CHUNK, Progress, Stop, hist_epochs, train_epochs

from .config import RecurrentConfig, eval_chunk
from .net import RecurrentNet, correct, sample_losses, time_grad_norms
from .results import Net, RecurrentRecords, RecurrentResult, build_result
from .tasks import PROBE_SEQUENCES, TASKS, Task

Tensor = torch.Tensor


# ---------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecurrentProgress(Progress):
    """Passed to `on_epoch` (like train.Progress); `records` are RecurrentRecords."""

    def partial(self) -> "RecurrentResult":   # type: ignore[override]
        return build_result(self.config, self.records, self.elapsed_s, finished=False)


def nets_of(config: RecurrentConfig) -> tuple[Net, ...]:
    return tuple(Net(c, config.seed + s) for c in config.cells for s in range(config.n_seeds))


def make_data(config: RecurrentConfig, seed: int | None = None
              ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(x_train, y_train, x_test, y_test), each split from its own stream of `seed` (the
    config's by default; a repeat's is seed + k), so the test set does not change with
    train_size."""
    task = TASKS[config.task]
    seed = config.seed if seed is None else seed
    x_train, y_train = task.make(config.train_size, config.seq_len,
                                 member_generator(seed, "train data"))
    x_test, y_test = task.make(config.test_size, config.seq_len,
                               member_generator(seed, "test data"))
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
    training = _Training(config, torch.device(device),
                         Stop(started, max_seconds, should_stop))
    records = training.records

    def report(epoch: int) -> None:
        if on_epoch:
            on_epoch(RecurrentProgress(epoch, config.epochs, time.perf_counter() - started,
                                       config, records))     # type: ignore[arg-type]

    records.stopped_at = train_epochs(config.epochs, training.measure, training.train_epoch,
                                      lambda: any(training.alive), report)
    return build_result(config, records, time.perf_counter() - started, finished=True)


class _Training:
    """One recurrent run in progress: each seed's data (`data[k]`: x_train, y_train, x_test,
    y_test, x_probe, y_probe) and batch order, one net and optimiser per cell × seed
    (`group[i]`: the position of net i's seed) and the records. `alive[i]`: net i has not
    diverged."""

    def __init__(self, config: RecurrentConfig, dev: torch.device, stop: Stop) -> None:
        self.config, self.stop = config, stop
        self.task = task = TASKS[config.task]
        seeds = seeds_of(config.seed, config.n_seeds)
        self.data = []
        for seed in seeds:
            x_train, y_train, x_test, y_test = (t.to(dev) for t in make_data(config, seed))
            n_probe = min(PROBE_SEQUENCES, len(x_train))
            self.data.append((x_train, y_train, x_test, y_test, x_train[:n_probe],
                              y_train[:n_probe]))
        self.keep_grads = hist_epochs(config.epochs)
        self.nets = nets_of(config)
        self.group = [seeds.index(n.seed) for n in self.nets]
        self.models = [RecurrentNet(n.cell, task.inputs, config.hidden, task.outputs,
                                    config.forget_bias, member_generator(n.seed, "init")
                                    ).to(dev) for n in self.nets]
        self.optimizers = [OPTIMIZERS[config.optimizer].build(list(m.parameters()),
                                                              config.lr, config.momentum, 0.0)
                           for m in self.models]
        self.alive = [True] * len(self.nets)
        self.records = RecurrentRecords(self.nets)
        # One batch order per seed, shared by its nets: the comparison is between cells,
        # not between data orders.
        self.order_gens = order_generators(seeds, dev)

    def train_epoch(self) -> None:
        """One epoch: each step, every net still alive in turn on its seed's batch."""
        config = self.config
        for idx in seed_minibatches(len(self.data[0][0]), config.batch_size,
                                    self.order_gens):                       # (S, B)
            batches = [(x_train[i], y_train[i]) for (x_train, y_train, *_), i
                       in zip(self.data, idx)]
            for i, (model, optimizer) in enumerate(zip(self.models, self.optimizers)):
                if self.alive[i]:
                    self.stop.check()
                    xb, yb = batches[self.group[i]]
                    self.alive[i] = _step(model, optimizer, self.task, xb, yb,
                                          config.grad_clip)

    def measure(self, epoch: int) -> None:
        """Record epoch `epoch` of every net still alive, all at once at the end: a stop
        (Stopped, between nets and evaluation chunks) leaves no net's rows of it."""
        measured = []
        check = self.stop.measuring()
        for i, (net, model) in enumerate(zip(self.nets, self.models)):
            if not self.alive[i]:
                continue
            check()
            chunk = eval_chunk(self.config, net.cell)
            x_train, y_train, x_test, y_test, x_probe, y_probe = self.data[self.group[i]]
            train = _evaluate(model, self.task, x_train, y_train, chunk, check)
            test = _evaluate(model, self.task, x_test, y_test, chunk, check)
            check()
            grads = time_grad_norms(model, self.task, x_probe, y_probe) \
                if epoch in self.keep_grads else []
            measured.append((i, net, train, test, grads))
        records = self.records
        for i, net, (train_loss, train_acc), (test_loss, test_acc), grads in measured:
            if not all(math.isfinite(v) for v in (train_loss, test_loss, *grads)):
                self.alive[i] = False
                records.diverged_at[i] = epoch
                continue
            tag = {"cell": net.cell, "seed": net.seed, "epoch": epoch}
            records.history.append({**tag, "split": "train", "loss": train_loss,
                                    "accuracy": train_acc})
            records.history.append({**tag, "split": "test", "loss": test_loss,
                                    "accuracy": test_acc})
            records.time_grads += [{**tag, "t": t, "grad_norm": g}
                                   for t, g in enumerate(grads, 1)]


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
