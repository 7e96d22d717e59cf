"""The oracle for the batched model: one member as a plain nn.Sequential of nn.Linear."""
from __future__ import annotations

import torch

from vgcore import activations as acts
from vgcore.model import BatchedMLP


class Activation(torch.nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.fn = acts.get(name).fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def sequential_of(model: BatchedMLP, m: int) -> tuple[torch.nn.Sequential, list[torch.nn.Linear]]:
    """Member m's weights copied into nn.Linear layers with its activation between them."""
    state = model.member_state(m)
    layers: list[torch.nn.Module] = []
    linears = []
    for i, (w, b) in enumerate(state):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        layers.append(lin)
        linears.append(lin)
        if i < len(state) - 1:
            layers.append(Activation(model.members[m].activation))
    return torch.nn.Sequential(*layers), linears
