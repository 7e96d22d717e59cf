"""The recurrent kind's registries: its cells (torch's own) and its sequence tasks."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import torch
from torch import nn

from ..i18n import N_



Tensor = torch.Tensor


# The recurrent net's own caps (README, "Caps"); the others are the MLP's (config.py), a
# sequence counting seq_len times in one step's work.
MAX_SEQ_LEN = 200          # the lesson's longest sweep is 100 steps
# minibatches × time steps × epochs of all nets: a fused step's cost is overhead, whatever
# the width, so this bounds a run's time (about a minute on one core).
MAX_CELL_STEPS = 1_000_000
# Sequences in the fixed probe batch (the first of the training set): stepping cells by
# hand over the MLP's 1,000 costs more than an epoch's training.
PROBE_SEQUENCES = 256
# Steps' work (MAX_STEP_WORK, MAX_STEP_VALUES) one evaluation chunk may do: forward only,
# so 8 keeps EVAL_CHUNK for the lesson's nets and a stop waits for one short chunk.
EVAL_CHUNK_STEPS = 8
SOLVED_ACCURACY = 0.95     # a net "solves" the task at this test accuracy
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
    label: str                       # N_: shown with tr()
    note: str                        # N_: shown with tr()
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
    Task("remember_first", N_("Remember the first bit"),
         N_("a sequence of random ±1 bits; the answer is the first one, so every later "
            "step is noise the net must carry the first bit through"), 1, 2, 0.5,
         _remember_first),
    # chance: the best constant answer, 1, is within 0.04 of the sum (triangular on
    # [0, 2]) for 2·0.04·(1 − 0.02) ≈ 7.8% of sequences
    Task("adding", N_("Adding problem"),
         N_("two marked values among seq_len random ones (Hochreiter & Schmidhuber 1997); "
            "the answer is their sum, right when within 0.04"), 2, 1, 0.078, _adding),
]}


def _labels(registry: Mapping[str, Any]) -> Mapping[str, str]:
    return MappingProxyType({name: entry.label for name, entry in registry.items()})
