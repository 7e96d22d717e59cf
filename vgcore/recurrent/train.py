"""Training the recurrent kind: every cell × seed of a config, one at a time on the same
batches, measured at epoch 0 and after every epoch."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import torch

from ..model import member_generator
from ..optimizers import OPTIMIZERS
from ..train import (DEFAULT_THREADS, EVAL_CHUNK, Progress, Stop, Stopped, hist_epochs,
                     minibatches)

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
