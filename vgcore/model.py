"""A batch of MLPs trained as one model, and the initialisation schemes.

Comparing activations fairly means the same data, the same minibatches and the same
random draws. Training them one after another wastes the CPU on Python overhead for tiny
matrices, so every net ("member") of a run lives in one stacked tensor per layer:

    weight[l]: (M, fan_in, fan_out)    bias[l]: (M, 1, fan_out)

and a layer is one `torch.baddbmm`. Members are ordered activation-major (all seeds of the
first activation, then the next...), so each activation applies to one contiguous block.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from . import activations as acts

Tensor = torch.Tensor


@dataclass(frozen=True)
class Member:
    """One net of the batch: which activation and which seed."""
    activation: str
    seed: int


def weight_std_or_bound(scheme: str, fan_in: int, fan_out: int, gain: float
                        ) -> tuple[str, float]:
    """('normal', std) or ('uniform', bound) of a weight init scheme.

    - normal:  N(0, 1)                       (Nielsen ch. 3's "old" init)
    - lecun:   N(0, 1/fan_in)                (Nielsen ch. 5, LeCun 1998)
    - xavier:  U(±sqrt(6/(fan_in+fan_out)))  (Glorot & Bengio 2010, eq. 16, "normalized")
    - he:      N(0, gain²/fan_in), gain=√2 for ReLU   (He et al. 2015, eq. 10)
    - pytorch: U(±1/sqrt(fan_in))            (nn.Linear's kaiming_uniform(a=√5))
    """
    if scheme == "normal":
        return "normal", 1.0
    if scheme == "lecun":
        return "normal", 1.0 / math.sqrt(fan_in)
    if scheme == "xavier":
        return "uniform", math.sqrt(6.0 / (fan_in + fan_out))
    if scheme == "he":
        return "normal", gain / math.sqrt(fan_in)
    if scheme == "pytorch":
        return "uniform", 1.0 / math.sqrt(fan_in)
    raise ValueError(f"init: unknown value {scheme!r}; allowed: normal, lecun, xavier, he, "
                     "pytorch, auto")


def resolve_init(scheme: str, activation: str, is_output: bool) -> str:
    """'auto' -> Glorot for sigmoid/tanh/linear, He for the ReLU family. The output layer
    feeds softmax/sigmoid, not the hidden activation, so under 'auto' it takes Glorot."""
    if scheme != "auto":
        return scheme
    if is_output:
        return "xavier"
    return "xavier" if acts.get(activation).init_family == "glorot" else "he"


class BatchedMLP:
    """M independent MLPs with identical layer sizes, evaluated together."""

    def __init__(self, sizes: tuple[int, ...], members: tuple[Member, ...], init: str = "auto",
                 bias_init: str = "zeros", dtype: torch.dtype = torch.float32,
                 device: str | torch.device = "cpu") -> None:
        if len(sizes) < 2:
            raise ValueError("sizes: need at least input and output sizes")
        self.sizes = tuple(sizes)
        self.members = tuple(members)
        self.blocks = _contiguous_blocks(self.members)
        self._block_sizes = [b.stop - b.start for _, b in self.blocks]
        M = len(self.members)
        self.weights: list[Tensor] = [torch.empty(M, a, b, dtype=dtype) for a, b in
                                      zip(sizes[:-1], sizes[1:])]
        self.biases: list[Tensor] = [torch.zeros(M, 1, b, dtype=dtype) for b in sizes[1:]]
        for m, member in enumerate(self.members):
            # One generator per member, seeded by its seed alone, drawn in layer order:
            # nets with the same seed start from the same standard draws whatever
            # their activation, so differences come from the activation and its scaling.
            gen = torch.Generator().manual_seed(member.seed)
            for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
                is_output = layer == len(self.weights) - 1
                scheme = resolve_init(init, member.activation, is_output)
                gain = 1.0 if is_output else acts.get(member.activation).he_gain
                kind, scale = weight_std_or_bound(scheme, w.shape[1], w.shape[2], gain)
                if kind == "normal":
                    w[m] = torch.randn(w.shape[1:], generator=gen, dtype=dtype) * scale
                else:
                    w[m] = (torch.rand(w.shape[1:], generator=gen, dtype=dtype) * 2 - 1) * scale
                if bias_init == "normal":
                    b[m] = torch.randn(b.shape[1:], generator=gen, dtype=dtype)
        device = torch.device(device)
        self.weights = [w.to(device).requires_grad_() for w in self.weights]
        self.biases = [b.to(device).requires_grad_() for b in self.biases]

    @property
    def n_layers(self) -> int:
        """Hidden layers + output layer."""
        return len(self.weights)

    def parameters(self) -> list[Tensor]:
        return [*self.weights, *self.biases]

    def activate(self, z: Tensor) -> Tensor:
        """Apply each member's activation to its block of z: (M, B, width)."""
        if len(self.blocks) == 1:
            return acts.get(self.blocks[0][0]).fn(z)
        # split() gives views whose backward writes straight into one gradient buffer;
        # indexing z[block] per block made autograd build and add full-size zero grads.
        parts = z.split(self._block_sizes, 0)
        return torch.cat([acts.get(name).fn(part) for (name, _), part in
                          zip(self.blocks, parts)], 0)

    def forward(self, x: Tensor, *, dropout: float = 0.0, generator: torch.Generator | None
                = None, keep: bool = False) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """x: (B, in) shared by all members, or (M, B, in).

        Returns logits (M, B, out) and, with keep=True, the pre-activations z and
        activations h of every hidden layer (lists of (M, B, width)) for the probes.
        """
        M = len(self.members)
        h = x.expand(M, *x.shape) if x.dim() == 2 else x
        zs: list[Tensor] = []
        hs: list[Tensor] = []
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = torch.baddbmm(b, h, w)
            if layer == len(self.weights) - 1:
                return z, zs, hs
            h = self.activate(z)
            if keep:
                zs.append(z)
                hs.append(h)
            if dropout > 0:
                # inverted dropout: scale at train time so evaluation needs no change
                mask = torch.rand(h.shape, generator=generator, dtype=h.dtype,
                                  device=h.device) >= dropout
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
