"""A run's repeats: repeat k of a run with seed s is, number for number, the run with seed
s + k alone.

Everything a seed decides is the seed's own: its data set, its data order and so every
batch, its probe batch, and (vgcore.model.member_generator) each net's initial weights
and dropout masks. The nets compared *within* one seed (activations, cures side by side)
share its data and batches. The MLP kind still trains every net of a run as one batched
model: a per-seed tensor is stacked (S, N, ...) and `SeedGroups.rows` hands each member
its own seed's rows, (M, B, ...); with one seed every member reads the same (B, ...).
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch

Tensor = torch.Tensor


def seeds_of(seed: int, n_seeds: int) -> tuple[int, ...]:
    """The seeds of a run's repeats: seed, seed + 1, ..., seed + n_seeds - 1."""
    return tuple(seed + k for k in range(n_seeds))


def order_generators(seeds: Sequence[int], device: torch.device | str = "cpu"
                     ) -> list[torch.Generator]:
    """One batch-order generator per seed, seeded by the seed itself (what a run with
    that seed alone draws its order from)."""
    return [torch.Generator(device=device).manual_seed(s) for s in seeds]


def seed_minibatches(n: int, batch_size: int, generators: Sequence[torch.Generator]
                     ) -> Iterator[Tensor]:
    """One epoch's minibatch indices of every seed, (S, B): row k is a fresh permutation
    of range(n) from generators[k], cut into batches of `batch_size` (the last may be
    short), exactly train.minibatches of that generator alone."""
    orders = [torch.randperm(n, generator=g, device=g.device) for g in generators]
    for start in range(0, n, batch_size):
        yield torch.stack([o[start:start + batch_size] for o in orders])


class SeedGroups:
    """Which seed each member of a batched model trains with: `index` (M,) long, the
    position of member m's seed in `seeds`."""

    def __init__(self, member_seeds: Sequence[int], seeds: Sequence[int],
                 device: torch.device | str = "cpu") -> None:
        self.seeds = tuple(seeds)
        positions = [self.seeds.index(s) for s in member_seeds]
        self.index = torch.tensor(positions, dtype=torch.long, device=device)
        # member m trains with seed m (one net per seed): a per-seed tensor already holds
        # the members' rows, in their order
        self._one_per_seed = positions == list(range(len(self.seeds)))
        # members cycling through the seeds (several nets per seed, each seed's in
        # order): how many cycles, which the model can read from the per-seed tensor
        # itself (BatchedMLP.forward's `tiles`); 1 when they do not cycle (`rows`)
        S = len(self.seeds)
        cycles = len(positions) // S
        self.tiles = cycles if S > 1 and positions == list(range(S)) * cycles else 1

    def rows(self, t: Tensor, idx: Tensor | None = None) -> Tensor:
        """Each member's rows of a per-seed tensor t (S, N, ...): idx (S, B) picks rows
        idx[k] of seed k (None: all N). Several seeds: (M, B, ...), member m's rows those
        of its seed; one seed: (B, ...), shared by every member without a copy (the
        batched model computes the same bits either way)."""
        if len(self.seeds) == 1:
            return t[0] if idx is None else t[0].index_select(0, idx[0])
        if idx is None:
            # the same rows as index_select's copy, without a copy of every seed's data
            # per member when there is one member per seed
            return t.contiguous() if self._one_per_seed else t.index_select(0, self.index)
        if not self._one_per_seed:
            idx = idx.index_select(0, self.index)
        # row idx[m, b] of member m's seed: one gather from the seeds' rows laid end to end
        S, N = t.shape[:2]
        flat = (idx + self.index[:, None] * N).flatten()
        return t.reshape(S * N, *t.shape[2:]).index_select(0, flat).view(
            *idx.shape, *t.shape[2:])


__all__ = ["seeds_of", "order_generators", "seed_minibatches", "SeedGroups"]
