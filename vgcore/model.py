"""A batch of MLPs trained as one model (a `torch.nn.Module`).

Initialisation schemes live in `vgcore.inits`.

Comparing activations fairly means the same data, the same minibatches and the same
random draws. Training them one after another wastes the CPU on Python overhead for tiny
matrices, so every net ("member") of a run lives in one stacked tensor per layer:

    weight[l]: (M, fan_in, fan_out)    bias[l]: (M, 1, fan_out)

and a layer is one `torch.baddbmm`. Members are ordered activation-major (all seeds of the
first activation, then the next...), so each activation applies to one contiguous block;
nets trained together from several configs (vgcore.train.run_many) may repeat an
activation in a later block.

Two of the historical cures change the forward pass (`norm`, `residual`; the third,
layer-wise pretraining, is `vgcore.pretrain`):

- batch norm (Ioffe & Szegedy 2015) normalises each hidden layer's pre-activation over
  the mini-batch, per net and unit, then scales by γ and shifts by β. The layer's bias
  *is* β (the paper's §3.2: a bias before the normalisation is cancelled by the mean
  subtraction and its role subsumed by β), so the parameters stay weights, biases (β,
  starting at 0 in the hidden layers whatever `bias_init` says, like nn.BatchNorm1d's),
  and then the scales γ (starting at 1). Running statistics (momentum 0.1, unbiased
  variance, like torch's) are used in eval mode.
- residual connections (He et al. 2015): every hidden layer after the first adds its
  input to its output, h_l = f(BN(z_l)) + h_{l-1} (the output layer is not residual).

Without them (`norm="none"`, `residual=False`) the forward pass is the plain one above.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import partial
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import activations as acts
from . import inits
from .i18n import N_

Tensor = torch.Tensor
# Normalisation of the hidden layers' pre-activations: name -> label (config's `norm`;
# N_: shown with tr()).
NORMS: dict[str, str] = {"none": N_("None"),
                         "batch": N_("Batch norm (Ioffe & Szegedy 2015)")}
NORM_MOMENTUM = 0.1     # running statistics: torch's nn.BatchNorm1d default
NORM_EPS = 1e-5         # added to the variance: torch's default


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


class MemberNorm(nn.Module):
    """Batch normalisation of one hidden layer for every member: z (M, B, width), each
    member and unit normalised over its own batch. Holds the scales γ (M, 1, width) and
    the running statistics (M, 1, width); the shift β is the layer's bias (passed in).

    Training-mode statistics come from `F.layer_norm` over the batch axis of z transposed
    to (M, width, B), exactly batch norm's normalisation per member and unit: unlike
    `F.batch_norm` over all M·width channels at once, it never lets the nets beside a
    member change its last bit. Eval mode is `F.batch_norm` one member at a time.
    """

    def __init__(self, n_members: int, width: int, dtype: torch.dtype) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(n_members, 1, width, dtype=dtype))
        self.register_buffer("running_mean", torch.zeros(n_members, 1, width, dtype=dtype))
        self.register_buffer("running_var", torch.ones(n_members, 1, width, dtype=dtype))

    def forward(self, z: Tensor, shift: Tensor, batch_stats: bool | None = None) -> Tensor:
        """γ·(z - mean)/√(var + eps) + β. batch_stats None: as nn.BatchNorm1d, batch
        statistics that also update the running ones in training mode, the running ones
        in eval mode; True: batch statistics, running ones left alone; False: the running
        ones (evaluation, whatever the mode)."""
        if batch_stats is False or (batch_stats is None and not self.training):
            return torch.stack([
                F.batch_norm(z[m], self.running_mean[m, 0], self.running_var[m, 0],
                             self.scale[m, 0], shift[m, 0], False, NORM_MOMENTUM, NORM_EPS)
                for m in range(z.shape[0])])
        B = z.shape[1]
        if batch_stats is None and B > 1:    # one sample has no variance: torch refuses
            with torch.no_grad():            # it; we train on it but learn no statistics
                var, mean = torch.var_mean(z, dim=1, keepdim=True)     # unbiased, as torch
                self.running_mean.lerp_(mean, NORM_MOMENTUM)
                self.running_var.lerp_(var, NORM_MOMENTUM)
        normed = F.layer_norm(z.transpose(1, 2), (B,), eps=NORM_EPS).transpose(1, 2)
        # contiguous: in layer_norm's memory order, β's and γ's gradient sums change their
        # last bit with the nets beside a member.
        return torch.addcmul(shift, normed, self.scale).contiguous()


class BatchedMLP(nn.Module):
    """M independent MLPs with identical layer sizes, evaluated together.

    Parameters are registered (weights first, then biases: the order optimizers and
    gradient clipping see; with batch norm the scales γ follow), so `.to(device)`,
    `.parameters()` and `state_dict()` work as for any module. Batch norm's running
    statistics are buffers; `train()` / `eval()` choose batch or running statistics, as
    for nn.BatchNorm1d.
    """

    def __init__(self, sizes: tuple[int, ...], members: tuple[Member, ...],
                 init: str | Sequence[str] = "auto", bias_init: str = "zeros", dtype: torch.dtype = torch.float32,
                 device: str | torch.device = "cpu", norm: str = "none",
                 residual: bool = False) -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("sizes: need at least input and output sizes")
        if norm not in NORMS:
            raise ValueError(f"norm: unknown value {norm!r}; allowed: {', '.join(NORMS)}")
        if residual and len(set(sizes[1:-1])) > 1:
            raise ValueError(f"residual: needs equal hidden widths, got {tuple(sizes[1:-1])}")
        self.sizes = tuple(sizes)
        self.members = tuple(members)
        self.blocks = _activation_blocks(self.members)
        # one scheme for every member, or each member's own (nets of several configs)
        schemes = [init] * len(self.members) if isinstance(init, str) else list(init)
        if len(schemes) != len(self.members):
            raise ValueError(f"init: one scheme per member ({len(self.members)}), got "
                             f"{len(schemes)}")
        self._block_sizes = [rows.stop - rows.start for _, rows in self.blocks]
        n_layers = len(sizes) - 1
        weights: list[list[Tensor]] = [[] for _ in range(n_layers)]
        biases: list[list[Tensor]] = [[] for _ in range(n_layers)]
        for member, member_init in zip(self.members, schemes):
            # One generator per member, seeded by its seed alone: nets with one seed start
            # from the same standard draws, so they differ only by activation and scaling.
            gen = member_generator(member.seed, "init")
            for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
                is_output = layer == n_layers - 1
                scheme = inits.resolve(member_init, member.activation, is_output)
                gain = 1.0 if is_output else acts.get(member.activation).he_gain
                weights[layer].append(inits.draw_weight(scheme, fan_in, fan_out, gain, gen,
                                                        dtype))
                biases[layer].append(inits.draw_bias(bias_init, fan_out, gen, dtype))
        # weight[l]: (M, fan_in, fan_out)    bias[l]: (M, 1, fan_out)
        if norm == "batch":     # the hidden biases are β: 0, as nn.BatchNorm1d starts
            for layer in range(n_layers - 1):
                biases[layer] = [torch.zeros_like(b) for b in biases[layer]]
        self.weights = nn.ParameterList([nn.Parameter(torch.stack(w)) for w in weights])
        self.biases = nn.ParameterList([nn.Parameter(torch.stack(b)) for b in biases])
        self.norm = norm
        self.residual = bool(residual)
        # one MemberNorm per hidden layer, or None: the plain forward pays nothing for it
        self.norms = nn.ModuleList([MemberNorm(len(self.members), width, dtype)
                                    for width in sizes[1:-1]]) if norm == "batch" else None
        self.to(device)
        # A plain tuple: iterating a ParameterList is a noticeable share of a tiny forward
        # pass. Module conversions keep the Parameter objects, so it stays valid.
        self._layers = tuple(zip(self.weights, self.biases))
        self._norms = tuple(self.norms) if self.norms is not None else None

    @property
    def n_layers(self) -> int:
        """Hidden layers + output layer."""
        return len(self.weights)

    def each_member(self, f: Callable[[str, Tensor], Tensor], z: Tensor,
                    whole: frozenset[str] = frozenset()) -> Tensor:
        """f(activation, part) for every block of members sharing an activation, f
        elementwise (its output shaped as its input), concatenated along the first axis.

        A member's numbers must be those it gets alone, yet torch's CPU kernels round a
        transcendental (sigmoid's exp, ...) differently in a tensor's vectorised body and
        in its scalar tail, and where a member's values fall in one tensor's tail depends
        on the nets beside it. So a block of several members is handed to f so that the
        kernel's loop meets each member's values as it does alone (`by_rows`).
        Activations in `whole` take the block as it is (their kernels round alike in both
        paths: see `_WHOLE_BLOCK`)."""
        if len(self.members) == 1:
            return f(self.members[0].activation, z)
        if len(self.blocks) == 1:
            name = self.blocks[0][0]
            return f(name, z) if name in whole else by_rows(partial(f, name), z)
        # split(), not a slice per block: a slice's backward is a zero-filled copy of all
        # of z, one per block, summed; split's is one cat
        parts = [f(name, part) if part.shape[0] == 1 or name in whole
                 else by_rows(partial(f, name), part)
                 for (name, _), part in zip(self.blocks, z.split(self._block_sizes, 0))]
        return torch.cat(parts, 0)

    def activate(self, z: Tensor) -> Tensor:
        """Apply each member's activation to its part of z: (M, B, width)."""
        return self.each_member(_apply_activation, z, _WHOLE_BLOCK)

    def pre_activation(self, h: Tensor, layer: int, batch_stats: bool | None = None
                       ) -> Tensor:
        """What hidden layer `layer` (0-based) feeds its activation, from its input h
        (M, B, fan_in): h·W + b, or with batch norm γ·BN(h·W) + β (β = the bias)."""
        w, b = self._layers[layer]
        if self._norms is None:
            return torch.baddbmm(b, h, w)
        return self._norms[layer](torch.bmm(h, w), b, batch_stats)

    def forward(self, x: Tensor, *, dropout: float = 0.0,
                generators: Sequence[torch.Generator] | None = None, keep: bool = False,
                batch_stats: bool | None = None, tiles: int = 1) -> Forward:
        """x: (B, in) shared by all members, or (M, B, in). With dropout, `generators`
        holds one generator per member (`member_generator(seed, "dropout")`): each net's
        masks come from its own stream. With batch norm, `batch_stats` None follows the
        module's mode (training: batch statistics, updating the running ones; eval: the
        running ones); True: batch statistics without touching the running ones (the
        probe); False: the running ones (evaluation). With keep=True, zs are what each
        activation is applied to (after the normalisation) and hs each hidden layer's
        output (after the residual add). `tiles` > 1: x is (S, B, in) and member m reads
        x[m % S] (members that cycle through S seeds, `SeedGroups.tiles`), without a
        copy of x per member."""
        M = len(self.members)
        if dropout > 0 and (generators is None or len(generators) != M):
            raise ValueError(f"generators: dropout needs one generator per member ({M})")
        if tiles > 1 and x.dim() != 3 or x.dim() == 3 and x.shape[0] * tiles != M:
            raise ValueError(f"x: {tuple(x.shape)} for {M} members in {tiles} tiles")
        h = x.expand(M, *x.shape) if x.dim() == 2 else x
        zs: list[Tensor] = []
        hs: list[Tensor] = []
        last = len(self._layers) - 1
        norms, residual = self._norms, self.residual
        for layer, (w, b) in enumerate(self._layers):
            if norms is None or layer == last:
                z = _tiled(torch.baddbmm, b, h, w, tiles) if layer == 0 else \
                    torch.baddbmm(b, h, w)
                if layer == last:
                    return Forward(z, zs, hs)
            else:
                product = _tiled(lambda _, h_, w_: torch.bmm(h_, w_), b, h, w, tiles) \
                    if layer == 0 else torch.bmm(h, w)
                z = norms[layer](product, b, batch_stats)
            h = self.activate(z) + h if residual and layer > 0 else self.activate(z)
            if keep:
                zs.append(z)
                hs.append(h)
            if dropout > 0:
                # inverted dropout: scale at train time so evaluation needs no change
                mask = torch.stack([torch.rand(h.shape[1:], generator=g, dtype=h.dtype,
                                               device=h.device) for g in generators]) >= dropout
                h = h * mask / (1 - dropout)
        raise AssertionError("unreachable")

    def features(self, x: Tensor, n_hidden: int) -> Tensor:
        """The output h of the first `n_hidden` hidden layers (x itself for 0), residual
        adds included, no dropout, batch norm on batch statistics without touching the
        running ones: what layer n_hidden + 1 sees (layer-wise pretraining's input)."""
        M = len(self.members)
        h = x.expand(M, *x.shape) if x.dim() == 2 else x
        for layer in range(n_hidden):
            a = self.activate(self.pre_activation(h, layer, batch_stats=True))
            h = a + h if self.residual and layer > 0 else a
        return h

    def member_state(self, m: int) -> list[tuple[Tensor, Tensor]]:
        """(weight (out, in), bias (out,)) per layer of member m, nn.Linear's layout.
        With batch norm the hidden layers' biases are the norms' shifts β."""
        return [(w[m].detach().T.clone(), b[m, 0].detach().clone())
                for w, b in zip(self.weights, self.biases)]

    def member_norm_state(self, m: int) -> list[dict[str, Tensor]]:
        """Member m's batch norm per hidden layer in nn.BatchNorm1d's state_dict layout
        (weight γ, bias β, running_mean, running_var); [] without batch norm."""
        if self._norms is None:
            return []
        return [{"weight": n.scale[m, 0].detach().clone(), "bias": b[m, 0].detach().clone(),
                 "running_mean": n.running_mean[m, 0].clone(),
                 "running_var": n.running_var[m, 0].clone()}
                for n, b in zip(self._norms, self.biases)]


# Activations applied to a block of members at once: exact (ReLU, leaky ReLU, linear),
# or whose torch CPU kernel rounds its vectorised body and scalar tail alike (tanh, GELU;
# GELU's kernel takes another path on a strided view, so `by_rows` would change its
# bits). tests/test_model.py checks every activation, forward and backward.
_WHOLE_BLOCK = frozenset({"relu", "leaky_relu", "linear", "tanh", "gelu"})
ROW_ALIGN = 64      # values: a multiple of a vectorised loop's stride for any dtype and ISA


def _tiled(product: Callable[[Tensor, Tensor, Tensor], Tensor], b: Tensor, x: Tensor,
           w: Tensor, tiles: int) -> Tensor:
    """product(b, x, w) of every member, x (S, B, in) read by each tile of S members in
    turn: one product per tile, concatenated (M, B, out); tiles 1: product(b, x, w)."""
    if tiles == 1:
        return product(b, x, w)
    S = x.shape[0]
    return torch.cat([product(b[k * S:(k + 1) * S], x, w[k * S:(k + 1) * S])
                      for k in range(tiles)])


def _apply_activation(name: str, z: Tensor) -> Tensor:
    return acts.get(name).fn(z)


def by_rows(f: Callable[..., Tensor], z: Tensor, *others: Tensor) -> Tensor:
    """Elementwise f on z (k, ...), k members of n values each (and on `others`, shaped
    as z, split alike: f(z, *others)), every member's values rounded as when alone. A
    kernel's vectorised loop steps through a tensor in strides of S (2 registers: 16 to
    64 values), the values past the last full stride taking the scalar path. When n is a
    multiple of ROW_ALIGN (a multiple of every S), each member starts on a stride of the
    block: f takes the block as it is. Otherwise it takes each member's first
    n - n % ROW_ALIGN values and its rest as two views with rows n apart, which torch's
    TensorIterator loops over row by row (rows of n values could be folded into one
    loop; these cannot), each row as when alone; short members (n < ROW_ALIGN) go one
    at a time. Only f's kernels applied to these views are row by row: a transcendental
    belongs on them, not on an intermediate result."""
    k, n = z.shape[0], math.prod(z.shape[1:])
    rest = n % ROW_ALIGN
    if rest == 0 or k == 1:
        return f(z, *others)
    if rest == n:
        # split(): views whose backward is one cat, not a full-size zero gradient per part
        return torch.cat([f(*parts) for parts in
                          zip(*(t.split(1, 0) for t in (z, *others)))], 0)
    body, tail = zip(*(t.reshape(k, n).split([n - rest, rest], 1) for t in (z, *others)))
    return torch.cat([f(*body), f(*tail)], 1).view(z.shape)


def _activation_blocks(members: tuple[Member, ...]) -> list[tuple[str, slice]]:
    """The runs of consecutive members sharing an activation: (activation, rows)."""
    blocks: list[tuple[str, slice]] = []
    start = 0
    for i in range(1, len(members) + 1):
        if i == len(members) or members[i].activation != members[start].activation:
            blocks.append((members[start].activation, slice(start, i)))
            start = i
    return blocks
