"""A batch of MLPs trained as one model (a `torch.nn.Module`).

Initialisation schemes live in `vgcore.inits`.

Comparing activations fairly means the same data, the same minibatches and the same
random draws. Training them one after another wastes the CPU on Python overhead for tiny
matrices, so every net ("member") of a run lives in one stacked tensor per layer:

    weight[l]: (M, fan_in, fan_out)    bias[l]: (M, 1, fan_out)

and a layer is one `torch.baddbmm`. Members are ordered activation-major (all seeds of the
first activation, then the next...), so each activation applies to one contiguous block.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from . import activations as acts
from . import inits

Tensor = torch.Tensor


@dataclass(frozen=True)
class Member:
    """One net of the batch: which activation and which seed."""
    activation: str
    seed: int


def member_generator(seed: int, stream: str, device: str | torch.device = "cpu"
                     ) -> torch.Generator:
    """The generator of one net's random draws for one purpose ("init", "dropout", ...).

    Every net draws from its own generators, seeded by its own seed, so its numbers never
    depend on which other nets train beside it. "init" is seeded by the seed itself; any
    other stream by a SeedSequence of (seed, stream name), so a net's dropout masks are
    not its initial weights' uniform draws over again.
    """
    if stream == "init":
        return torch.Generator(device=device).manual_seed(seed)
    entropy = np.random.SeedSequence([seed, zlib.crc32(stream.encode())])
    return torch.Generator(device=device).manual_seed(int(entropy.generate_state(1)[0]))


class Forward(NamedTuple):
    """What `BatchedMLP.forward` returns: logits (M, B, out) and, with keep=True, the
    pre-activations z and activations h of every hidden layer (lists of (M, B, width))."""
    logits: Tensor
    zs: list[Tensor]
    hs: list[Tensor]


class BatchedMLP(nn.Module):
    """M independent MLPs with identical layer sizes, evaluated together.

    Parameters are registered (weights first, then biases: the order optimizers and
    gradient clipping see), so `.to(device)`, `.parameters()` and `state_dict()` work as
    for any module.
    """

    def __init__(self, sizes: tuple[int, ...], members: tuple[Member, ...], init: str = "auto",
                 bias_init: str = "zeros", dtype: torch.dtype = torch.float32,
                 device: str | torch.device = "cpu") -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("sizes: need at least input and output sizes")
        self.sizes = tuple(sizes)
        self.members = tuple(members)
        self.blocks = _contiguous_blocks(self.members)
        self._block_sizes = [b.stop - b.start for _, b in self.blocks]
        n_layers = len(sizes) - 1
        weights: list[list[Tensor]] = [[] for _ in range(n_layers)]
        biases: list[list[Tensor]] = [[] for _ in range(n_layers)]
        for member in self.members:
            # One generator per member, seeded by its seed alone, drawn in layer order:
            # nets with the same seed start from the same standard draws whatever
            # their activation, so differences come from the activation and its scaling.
            gen = member_generator(member.seed, "init")
            for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
                is_output = layer == n_layers - 1
                scheme = inits.resolve(init, member.activation, is_output)
                gain = 1.0 if is_output else acts.get(member.activation).he_gain
                weights[layer].append(inits.draw_weight(scheme, fan_in, fan_out, gain, gen,
                                                        dtype))
                biases[layer].append(inits.draw_bias(bias_init, fan_out, gen, dtype))
        # weight[l]: (M, fan_in, fan_out)    bias[l]: (M, 1, fan_out)
        self.weights = nn.ParameterList([nn.Parameter(torch.stack(w)) for w in weights])
        self.biases = nn.ParameterList([nn.Parameter(torch.stack(b)) for b in biases])
        self.to(device)
        # (weight, bias) per layer as a plain tuple: iterating a ParameterList costs ~1 µs
        # an item, a noticeable share of a forward pass through these tiny layers. Module
        # conversions (.to, load_state_dict) keep the Parameter objects, so it stays valid.
        self._layers = tuple(zip(self.weights, self.biases))

    @property
    def n_layers(self) -> int:
        """Hidden layers + output layer."""
        return len(self.weights)

    def activate(self, z: Tensor) -> Tensor:
        """Apply each member's activation to its block of z: (M, B, width)."""
        if len(self.blocks) == 1:
            return acts.get(self.blocks[0][0]).fn(z)
        # split() gives views whose backward writes straight into one gradient buffer;
        # indexing z[block] per block made autograd build and add full-size zero grads.
        parts = z.split(self._block_sizes, 0)
        return torch.cat([acts.get(name).fn(part) for (name, _), part in
                          zip(self.blocks, parts)], 0)

    def forward(self, x: Tensor, *, dropout: float = 0.0,
                generators: Sequence[torch.Generator] | None = None, keep: bool = False
                ) -> Forward:
        """x: (B, in) shared by all members, or (M, B, in). With dropout, `generators`
        holds one generator per member (`member_generator(seed, "dropout")`): each net's
        masks come from its own stream."""
        M = len(self.members)
        if dropout > 0 and (generators is None or len(generators) != M):
            raise ValueError(f"generators: dropout needs one generator per member ({M})")
        h = x.expand(M, *x.shape) if x.dim() == 2 else x
        zs: list[Tensor] = []
        hs: list[Tensor] = []
        last = len(self._layers) - 1
        for layer, (w, b) in enumerate(self._layers):
            z = torch.baddbmm(b, h, w)
            if layer == last:
                return Forward(z, zs, hs)
            h = self.activate(z)
            if keep:
                zs.append(z)
                hs.append(h)
            if dropout > 0:
                # inverted dropout: scale at train time so evaluation needs no change
                mask = torch.stack([torch.rand(h.shape[1:], generator=g, dtype=h.dtype,
                                               device=h.device) for g in generators]) >= dropout
                h = h * mask / (1 - dropout)
        raise AssertionError("unreachable")

    def member_state(self, m: int) -> list[tuple[Tensor, Tensor]]:
        """(weight (out, in), bias (out,)) per layer of member m, nn.Linear's layout."""
        return [(w[m].detach().T.clone(), b[m, 0].detach().clone())
                for w, b in zip(self.weights, self.biases)]


def _contiguous_blocks(members: tuple[Member, ...]) -> list[tuple[str, slice]]:
    blocks: list[tuple[str, slice]] = []
    start = 0
    for i in range(1, len(members) + 1):
        if i == len(members) or members[i].activation != members[start].activation:
            blocks.append((members[start].activation, slice(start, i)))
            start = i
    names = [name for name, _ in blocks]
    if len(names) != len(set(names)):
        raise ValueError("members: each activation's nets must be contiguous")
    return blocks
