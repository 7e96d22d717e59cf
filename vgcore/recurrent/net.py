"""The recurrent net: torch's fused RNN / LSTM / GRU, with its matching cell stepped by
hand on the probe batch, so that every h_t is a tensor whose gradient can be read."""
from __future__ import annotations

import math

import torch
from torch import nn


from .tasks import ADDING_TOLERANCE, CELLS, Task

Tensor = torch.Tensor


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
            # PyTorch's default U(±1/√hidden) (the readout's fan-in too), from this net's own
            # generator, so the nets beside it never change its numbers.
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
