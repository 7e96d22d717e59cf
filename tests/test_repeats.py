"""A repeat is a seed: repeat k of a run with seed s is, number for number, the run with
seed s + k alone (its data set, data order and batches, probe batch, initial weights,
dropout masks), for both kinds; the nets of one seed still share their data and batches."""
import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from vgcore import ExperimentConfig, run
from vgcore.recurrent import RecurrentConfig, run_recurrent
from vgcore.repeats import SeedGroups, seed_minibatches, seeds_of
from vgcore.model import BatchedMLP, Member
from vgcore.train import members_of, minibatches

from test_train import _reference_run

SEED, N_SEEDS = 5, 3


def _frames(result) -> dict[str, pd.DataFrame]:
    """Every frame of a result that has a `seed` column."""
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)
            if isinstance(getattr(result, f.name), pd.DataFrame)
            and "seed" in getattr(result, f.name).columns}


def _assert_repeats_are_seeds(run_fn, config, expected: set[str]) -> None:
    """Every frame's rows of seed s + k in the repeated run equal, bit for bit, the rows
    of the run with seed s + k alone (and `expected` frames have rows)."""
    together = _frames(run_fn(config.replace(seed=SEED, n_seeds=N_SEEDS)))
    for seed in seeds_of(SEED, N_SEEDS):
        alone = _frames(run_fn(config.replace(seed=seed, n_seeds=1)))
        assert set(alone) == set(together)
        for name, frame in alone.items():
            mine = together[name]
            mine = mine[mine["seed"] == seed].reset_index(drop=True)
            if name in expected:
                assert len(frame) > 0, name
            pd.testing.assert_frame_equal(mine, frame.reset_index(drop=True),
                                          check_exact=True, obj=f"{name}, seed {seed}")


def test_mlp_repeats_are_the_runs_with_those_seeds_alone():
    """A 2-D set (its own points per seed, so its own boundary grid), two activations,
    dropout: history, layers, histograms, units, edges, boundary, summary. Even widths:
    MKL's bmm on this CPU rounds an odd-width matrix (5, 7, 9, ...) differently with the
    batch count, for nets beside each other of one seed as much as for repeats."""
    cfg = ExperimentConfig(dataset="moons", train_size=90, test_size=40, hidden=(8, 8),
                           activations=("sigmoid", "relu"), epochs=2, batch_size=16,
                           dropout=0.3, noise=0.3)
    _assert_repeats_are_seeds(run, cfg, {"history", "layers", "histograms", "units",
                                         "edges", "boundary", "summary"})


def test_mlp_repeats_with_pretraining_and_digits_are_the_runs_alone():
    """Digits (each seed its own split of the pool), layer-wise pretraining (each seed
    its own pretraining order), dropout and Adam."""
    cfg = ExperimentConfig(dataset="digits", train_size=120, test_size=60, hidden=(8, 8),
                           activations=("tanh", "relu"), epochs=2, batch_size=20,
                           dropout=0.2, pretrain_epochs=1, optimizer="adam", lr=0.01)
    _assert_repeats_are_seeds(run, cfg, {"history", "layers", "pretrain", "summary"})


def test_recurrent_repeats_are_the_runs_with_those_seeds_alone():
    cfg = RecurrentConfig(seq_len=8, hidden=6, train_size=60, test_size=30, batch_size=20,
                          epochs=2, cells=("rnn", "lstm"))
    _assert_repeats_are_seeds(run_recurrent, cfg, {"history", "time_grads", "summary"})


def test_repeats_differ_in_data_not_only_in_weights():
    """Seed 5 and seed 6 of one run train on different data sets (the old repeats shared
    the config's data and batches)."""
    cfg = ExperimentConfig(dataset="moons", train_size=60, test_size=30, hidden=(4,),
                           activations=("relu",), epochs=1, batch_size=20, seed=SEED,
                           n_seeds=2)
    res = run(cfg)
    grids = [res.boundary[res.boundary["seed"] == s][["x1", "x2"]].to_numpy()
             for s in (SEED, SEED + 1)]
    assert not np.array_equal(*grids)
    assert res.points.equals(run(cfg.replace(n_seeds=1)).points)   # the first seed's data


def test_nets_of_one_seed_share_its_batches():
    """Each net of a repeated run against a plain nn.Sequential trained on its own seed's
    data in its own seed's batch order: two activations per seed, so a seed's nets see
    the same batches (the reference draws them once per seed)."""
    cfg = ExperimentConfig(dataset="digits", train_size=100, test_size=40, hidden=(8, 8),
                           activations=("sigmoid", "relu"), epochs=2, batch_size=20, lr=0.2,
                           seed=SEED, n_seeds=2)
    res = run(cfg)
    for member in members_of(cfg):
        alone = cfg.replace(seed=member.seed, n_seeds=1)
        index = [m.activation for m in members_of(alone)].index(member.activation)
        ref = _reference_run(alone, index)
        hist = res.history[(res.history.activation == member.activation)
                           & (res.history.seed == member.seed)
                           & (res.history.split == "train")].sort_values("epoch")
        np.testing.assert_allclose(hist.loss.values, [r[0] for r in ref], rtol=2e-4)


def test_seed_minibatches_are_each_seeds_own_order():
    gens = [torch.Generator().manual_seed(s) for s in (5, 6)]
    got = list(seed_minibatches(23, 5, gens))
    for k, s in enumerate((5, 6)):
        alone = list(minibatches(23, 5, torch.Generator().manual_seed(s)))
        assert [b[k].tolist() for b in got] == [b.tolist() for b in alone]


def test_seed_groups_hand_each_member_its_seeds_rows():
    t = torch.arange(2 * 4).view(2, 4)                  # seed k's rows: 4k .. 4k + 3
    groups = SeedGroups([5, 6, 5], [5, 6])
    idx = torch.tensor([[0, 3], [1, 2]])
    assert groups.rows(t, idx).tolist() == [[0, 3], [5, 6], [0, 3]]
    assert groups.rows(t).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 2, 3]]
    one = SeedGroups([5, 5], [5])
    assert one.rows(t[:1], idx[:1]).tolist() == [0, 3]       # shared, (B,)


def test_one_net_per_seed_gets_its_seeds_rows_in_the_members_order():
    """Members in the seeds' order (one activation): the same rows as any grouping, of a
    slice of the seeds' data too (a probe batch), with trailing axes (inputs)."""
    x = torch.arange(3 * 5 * 2).view(3, 5, 2)           # seed k, sample n, input i
    groups = SeedGroups([7, 8, 9], [7, 8, 9])
    idx = torch.tensor([[4, 0], [1, 1], [2, 3]])
    assert torch.equal(groups.rows(x, idx), torch.stack([x[k][idx[k]] for k in range(3)]))
    assert torch.equal(groups.rows(x[:, :2]), x[:, :2])
    assert groups.rows(x[:, :2]).is_contiguous()
    swapped = SeedGroups([8, 7, 9], [7, 8, 9])
    assert torch.equal(swapped.rows(x, idx), torch.stack([x[1][idx[1]], x[0][idx[0]],
                                                          x[2][idx[2]]]))


def test_members_cycling_through_the_seeds_read_them_in_place():
    """Nets of several configs (or activations) of one run cycle through its seeds: the
    model reads each seed's inputs in place (`tiles`), with the bits of the copy `rows`
    makes; members that do not cycle (or one seed) are read through `rows`."""
    assert SeedGroups([5, 6, 7] * 4, [5, 6, 7]).tiles == 4
    assert SeedGroups([5, 5, 6, 6], [5, 6]).tiles == 1
    assert SeedGroups([5, 6], [5, 6]).tiles == 1 and SeedGroups([5, 5], [5]).tiles == 1
    members = tuple(Member(a, s) for a in ("sigmoid", "relu") for s in (5, 6, 7))
    groups = SeedGroups([m.seed for m in members], [5, 6, 7])
    model = BatchedMLP((6, 8, 8, 3), members, init="xavier")
    x = torch.randn(3, 11, 6, generator=torch.Generator().manual_seed(1))
    copied = model(groups.rows(x), keep=True)
    in_place = model(x, keep=True, tiles=groups.tiles)
    for a, b in zip((copied.logits, *copied.zs), (in_place.logits, *in_place.zs)):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="x: \\(3, 11, 6\\) for 6 members in 3 tiles"):
        model(x, tiles=3)


@pytest.mark.parametrize("n_seeds", [1, 4])
def test_seeds_of(n_seeds):
    assert seeds_of(7, n_seeds) == tuple(range(7, 7 + n_seeds))
