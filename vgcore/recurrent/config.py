"""The recurrent kind's config: fields declared once, and the caps of a run."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..config import (MAX_PARAMS, MAX_STEP_VALUES, MAX_STEP_WORK, MAX_WIDTH, MAX_WORK,
                      DeclaredConfig, check_step, check_steps, reuse, spec)
from ..i18n import N_, tr
from ..train import (EVAL_CHUNK)

from .tasks import CELLS, EVAL_CHUNK_STEPS, MAX_CELL_STEPS, MAX_SEQ_LEN, PROBE_SEQUENCES, TASKS, Task, _labels

Tensor = torch.Tensor


# ---------------------------------------------------------------------------------------
# The config
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecurrentConfig(DeclaredConfig):
    """Everything that determines a recurrent run. Same config -> identical numbers.
    Fields that mean what an ExperimentConfig field means reuse its declaration. The
    defaults are the lesson's (docs/workshop.md, "Through time"): at η = 0.01 a vanilla
    RNN got lucky on most seeds, and forget bias 1 did not carry 50 steps."""

    # Labels, help and why lines are marked with N_ (vgcore.i18n): the app shows them with
    # tr(); the CLI prints them as declared, in English.
    task: str = spec("remember_first", "choice", N_("Task"), N_("the sequence task"),
                     N_("its one dependency spans the whole sequence"),
                     choices=_labels(TASKS))
    seq_len: int = spec(50, "int", N_("Sequence length T"), N_("time steps per sequence"),
                        N_("the gradient reaching step 1 is a product of one factor per "
                           "step"), lo=2, hi=MAX_SEQ_LEN)
    cells: tuple[str, ...] = spec(
        ("rnn", "lstm", "gru"), "choices", N_("Cells to compare"),
        N_("recurrent cells trained side by side"),
        N_("each on the same sequences, batches and seed"), choices=_labels(CELLS),
        max_len=len(CELLS))
    hidden: int = spec(32, "int", N_("Hidden units"), N_("units of the recurrent state h_t"),
                       N_("a wider state remembers more, but the gradient still passes "
                          "every step"), lo=1, hi=MAX_WIDTH)
    forget_bias: float = spec(
        3.0, "float", N_("LSTM forget-gate bias"), N_("the LSTM forget gate's bias at "
                                                      "initialisation (LSTM only)"),
        N_("0 ≈ PyTorch's default, the gate half shut: the cell forgets within a few "
           "steps; 3 opens it (σ(3) = 0.95) so the cell carries the gradient across ~50 "
           "steps (Gers et al. 2000; Jozefowicz et al. 2015 advise 1)"),
        lo=-10.0, hi=10.0)
    optimizer: str = reuse("optimizer", "adam")
    lr: float = reuse("lr", 0.003)
    momentum: float = reuse("momentum", 0.9)
    batch_size: int = reuse("batch_size", 50)
    epochs: int = reuse("epochs", 10)
    train_size: int = reuse("train_size", 1000, help=N_("training sequences"),
                            why=N_("more sequences, more gradient steps per epoch"))
    test_size: int = reuse("test_size", 500, help=N_("held-out test sequences"),
                           why=N_("test accuracy says whether the net remembers"))
    grad_clip: float = reuse("grad_clip", 1.0)
    seed: int = reuse("seed", 0, help=N_("random seed of data, weights and batches"))
    n_seeds: int = reuse("n_seeds", 1, why=N_("a vanilla RNN sometimes gets lucky: look at "
                                              "several seeds before concluding"))

    def check(self) -> None:
        _check_caps(self)


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
        raise ValueError(tr("hidden: the run would have {params:,} parameters; allowed at "
                            "most {cap:,} (use fewer hidden units, cells or seeds)",
                            params=params, cap=MAX_PARAMS))
    work = params * config.train_size * config.seq_len * max(config.epochs, 1)
    if work > MAX_WORK:
        allowed = max(int(MAX_WORK // (params * config.train_size * config.seq_len)), 0)
        raise ValueError(tr("epochs: parameters × train_size × seq_len × epochs = "
                            "{work:.2g} exceeds the cap {cap:.0e}; allowed at most "
                            "{allowed} epochs with this net, train_size and seq_len",
                            work=work, cap=MAX_WORK, allowed=allowed))
    steps = cell_steps(config)
    if steps > MAX_CELL_STEPS:
        per_epoch = steps // max(config.epochs, 1)
        raise ValueError(tr("epochs: nets × minibatches × seq_len × epochs = {steps:,} "
                            "exceeds the cap {cap:,}; allowed at most {allowed} epochs (or "
                            "use a larger batch_size, fewer sequences, cells or seeds)",
                            steps=steps, cap=MAX_CELL_STEPS,
                            allowed=MAX_CELL_STEPS // per_epoch))
    check_steps(config, len(config.cells) * config.n_seeds,
                tr("fewer sequences, cells or seeds"))
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
        raise ValueError(tr("hidden: parameters × seq_len × the probe's {probe} sequences "
                            "= {work:.2g} exceeds the cap {cap:.0e} of one step's work; "
                            "allowed at most {widest} hidden units with this seq_len and "
                            "cells (or use a shorter seq_len)", probe=probe,
                            work=per_seq * probe, cap=MAX_STEP_WORK, widest=widest))
    values = max(_values_per_sequence(config, c) for c in config.cells)
    check_step(min(config.batch_size, config.train_size), tr("seq_len × sequences"),
               per_seq, values, tr("this hidden, seq_len and cells"),
               tr("fewer hidden units or a shorter seq_len"))


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
