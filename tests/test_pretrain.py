"""Greedy layer-wise pretraining (vgcore.pretrain): each layer's autoencoder learns, runs
are reproducible, nets stay independent, divergence is recorded, the time cap holds, and
the science: it gets a deep sigmoid net off chance where the plain net stays."""
from __future__ import annotations

import pandas as pd
import pytest
import torch

from vgcore import ExperimentConfig, run
from vgcore.model import BatchedMLP, Member
from vgcore.pretrain import pretrain
from vgcore.repeats import SeedGroups
from vgcore.results import PRETRAIN_COLUMNS, speed_ratio

SMALL = dict(dataset="digits", train_size=300, test_size=100, hidden=(16, 16, 16),
             activations=("sigmoid", "tanh", "relu", "linear"), epochs=1, batch_size=32)


def test_no_pretraining_gives_an_empty_frame_with_the_columns():
    res = run(ExperimentConfig(**SMALL))
    assert list(res.pretrain.columns) == PRETRAIN_COLUMNS and res.pretrain.empty


@pytest.mark.parametrize("norm,residual", [("none", False), ("batch", False),
                                           ("none", True), ("batch", True)])
def test_pretraining_lowers_every_layers_reconstruction_error(norm, residual):
    """For every net (activation × seed) and hidden layer: rows at epochs 0..E, and the
    error after the last pretraining epoch is below the error before it."""
    cfg = ExperimentConfig(**SMALL, pretrain_epochs=3, n_seeds=2, norm=norm,
                           residual=residual)
    rows = run(cfg).pretrain
    assert list(rows.columns) == PRETRAIN_COLUMNS
    assert len(rows) == 4 * 2 * 3 * 4        # activations × seeds × layers × epochs 0..3
    table = rows.pivot_table(index=["activation", "seed", "layer"], columns="epoch",
                             values="recon_error")
    assert (table[3] < table[0]).all(), table[~(table[3] < table[0])]


def test_same_config_gives_identical_frames():
    cfg = ExperimentConfig(**SMALL, pretrain_epochs=2, norm="batch", dropout=0.2)
    a, b = run(cfg), run(cfg)
    for frame in ("pretrain", "history", "layers", "histograms"):
        pd.testing.assert_frame_equal(getattr(a, frame), getattr(b, frame),
                                      check_exact=True)


def test_a_nets_pretraining_does_not_depend_on_the_nets_beside_it():
    """A net's pretraining rows (and what follows) are bit-identical alone and beside
    other activations: each decoder is drawn from its own net's generator and Adam is
    element-wise. (tests/test_cures.py checks every frame with more options on.)"""
    base = dict(SMALL, pretrain_epochs=2)
    base.pop("activations")
    alone = run(ExperimentConfig(activations=("tanh",), **base))
    crowd = run(ExperimentConfig(activations=("sigmoid", "tanh", "relu"), **base))
    for frame in ("pretrain", "history", "layers"):
        mine = getattr(crowd, frame)
        mine = mine[mine["activation"] == "tanh"].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, getattr(alone, frame), check_exact=True)


def test_epoch_zero_is_the_pretrained_net():
    """Pretraining happens before epoch 0's measurement: the pretrained net's epoch-0
    numbers differ from the untrained net's, and a run with 0 training epochs still
    pretrains."""
    plain = run(ExperimentConfig(**dict(SMALL, epochs=0)))
    pretrained = run(ExperimentConfig(**dict(SMALL, epochs=0), pretrain_epochs=1))
    assert len(pretrained.pretrain) > 0
    a = plain.layers[plain.layers.epoch == 0]["bias_grad_norm"].to_numpy()
    b = pretrained.layers[pretrained.layers.epoch == 0]["bias_grad_norm"].to_numpy()
    assert len(a) == len(b) and (a != b).all()


def test_progress_callback_and_time_cap_with_pretraining():
    """on_epoch is called after epoch 0 and each epoch as before; a time cap that has
    already passed stops pretraining before it starts and training after epoch 0."""
    seen = []
    cfg = ExperimentConfig(**dict(SMALL, epochs=2), pretrain_epochs=1)
    run(cfg, on_epoch=lambda p: seen.append(p.epoch))
    assert seen == [0, 1, 2]
    capped = run(cfg, max_seconds=0.0)
    assert capped.stopped_at == 0 and capped.pretrain.empty
    assert sorted(capped.history["epoch"].unique()) == [0]


def test_a_net_diverging_in_pretraining_is_recorded_not_raised():
    """A net whose features overflow stops pretraining (no rows from then on) and comes
    back not alive; the net beside it pretrains exactly as it would alone."""
    x = torch.rand(120, 6, generator=torch.Generator().manual_seed(0))
    members = (Member("sigmoid", 0), Member("relu", 1))

    def fresh(ms):
        return BatchedMLP((6, 8, 8, 2), ms)
    both = fresh(members)
    with torch.no_grad():
        both.weights[0][1].fill_(3e38)        # relu's first layer: inf features
    two = SeedGroups([0, 1], [0, 1])
    xs = torch.stack([x, x])                  # both seeds' training inputs: (S, N, in)
    rows, alive = pretrain(both, xs, two.rows(xs[:, :50]), 2, two,
                           torch.ones(2, dtype=torch.bool))
    assert alive.tolist() == [True, False]
    assert {r["activation"] for r in rows} == {"sigmoid"}
    alone_rows, _ = pretrain(fresh(members[:1]), x[None], x[:50], 2, SeedGroups([0], [0]),
                             torch.ones(1, dtype=torch.bool))
    assert rows == alone_rows


def test_pretraining_counts_towards_the_work_cap():
    cfg = dict(dataset="mnist", train_size=4000, test_size=1000, hidden=(200,) * 8,
               activations=("sigmoid", "tanh"), epochs=60)
    ExperimentConfig(**cfg)
    with pytest.raises(ValueError, match="^pretrain_epochs: .*allowed at most"):
        ExperimentConfig(**cfg, pretrain_epochs=20)


# Lesson 8's net: Nielsen's deep sigmoid net with his hyper-parameters, which stays at
# chance plain and leaves it after 3 pretraining epochs a layer.
NIELSEN_DEEP = dict(dataset="mnist", train_size=4000, test_size=1000,
                    activations=("sigmoid",), hidden=(30,) * 10, init="lecun", lr=0.1,
                    batch_size=10, epochs=5)


def test_pretraining_gets_the_deep_sigmoid_net_off_chance():
    plain = run(ExperimentConfig(**NIELSEN_DEEP))
    pretrained = run(ExperimentConfig(**NIELSEN_DEEP, pretrain_epochs=3))
    test = "split == 'test' and epoch > 0"
    assert plain.history.query(test)["accuracy"].max() < 0.2
    assert pretrained.history.query(test)["accuracy"].max() > 0.5
    assert speed_ratio(plain.layers) > 1e4
    assert speed_ratio(pretrained.layers) < 100     # measured after pretraining
