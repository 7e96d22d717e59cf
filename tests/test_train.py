"""The training loop against oracles: a plain nn.Sequential per activation, determinism,
divergence handling, and the published vanishing-gradient behaviour."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from vgcore import ExperimentConfig, run
from vgcore import data
from vgcore.model import BatchedMLP
from vgcore.train import hist_epochs, members_of
from vgcore.config import layer_sizes

from reference import sequential_of


def _reference_run(cfg: ExperimentConfig, member_index: int):
    """Train one member as a plain nn.Sequential with torch.optim.SGD on the same batches.
    Returns per-epoch (train loss, bias-grad norms per layer on the probe batch)."""
    ds = data.load_for(cfg)
    x, y = torch.from_numpy(ds.x_train), torch.from_numpy(ds.y_train)
    batched = BatchedMLP(layer_sizes(cfg), members_of(cfg), cfg.init, cfg.bias_init)
    net, linears = sequential_of(batched, member_index)
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(cfg.seed)
    out = []

    def measure():
        net.zero_grad()
        probe_loss = loss_fn(net(x[:1000]), y[:1000])
        probe_loss.backward()
        norms = [lin.bias.grad.norm().item() for lin in linears]
        with torch.no_grad():
            train_loss = loss_fn(net(x), y).item()
        out.append((train_loss, norms))

    measure()
    for _ in range(cfg.epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()
        measure()
    return out


def test_batched_training_equals_one_plain_net_per_activation():
    cfg = ExperimentConfig(dataset="digits", train_size=200, test_size=50, hidden=(16, 16, 16),
                           activations=("sigmoid", "tanh", "relu", "leaky_relu"),
                           epochs=3, batch_size=20, lr=0.2)
    res = run(cfg)
    for m, member in enumerate(members_of(cfg)):
        ref = _reference_run(cfg, m)
        hist = res.history[(res.history.activation == member.activation)
                           & (res.history.split == "train")].sort_values("epoch")
        np.testing.assert_allclose(hist.loss.values, [r[0] for r in ref], rtol=2e-4)
        lay = res.layers[res.layers.activation == member.activation]
        for epoch, (_, norms) in enumerate(ref):
            got = lay[lay.epoch == epoch].sort_values("layer").bias_grad_norm.values
            np.testing.assert_allclose(got, norms, rtol=2e-3, atol=1e-7)


def test_same_config_gives_identical_frames(tiny_config):
    a, b = run(tiny_config), run(tiny_config)
    for name in ("history", "layers", "summary", "histograms", "boundary"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_different_seed_changes_numbers(tiny_config):
    a, b = run(tiny_config), run(tiny_config.replace(seed=1))
    assert not np.allclose(a.history.loss.values, b.history.loss.values)


def test_frames_have_the_contract_columns(tiny_config):
    res = run(tiny_config)
    assert list(res.history.columns) == ["activation", "seed", "epoch", "split", "loss",
                                         "accuracy"]
    assert {"weight_grad_norm", "bias_grad_norm", "act_mean", "act_std", "saturation",
            "layer", "layer_name"} <= set(res.layers.columns)
    assert {"final_train_loss", "final_test_loss", "final_train_accuracy",
            "final_test_accuracy", "best_test_epoch", "gap", "diverged_at",
            "speed_ratio"} <= set(res.summary.columns)
    # epoch 0 + 2 epochs, two splits, two activations
    assert len(res.history) == 3 * 2 * 2
    # hidden layers 1..2 and output 3, per epoch and activation
    assert sorted(res.layers.layer.unique()) == [1, 2, 3]
    assert set(res.layers[res.layers.layer == 3].layer_name) == {"output"}
    assert res.layers[res.layers.layer == 3].saturation.isna().all()
    assert len(res.summary) == 2
    # 2-D data: a decision-boundary grid and the points
    assert {"x1", "x2", "prob"} <= set(res.boundary.columns) and len(res.boundary) > 0
    assert res.boundary.prob.between(0, 1).all()
    assert len(res.points) == 64 + 32
    # every record holds plain Python/NumPy scalars, never tensors
    for frame in (res.history, res.layers, res.summary, res.histograms):
        assert not any(isinstance(v, torch.Tensor) for v in frame.to_numpy().ravel())


def test_epochs_zero_probes_the_untrained_net_only(tiny_config):
    res = run(tiny_config.replace(epochs=0))
    assert set(res.history.epoch) == {0}
    assert set(res.layers.epoch) == {0}
    assert res.summary.best_test_epoch.tolist() == [0.0, 0.0]


def test_on_epoch_reports_progress_and_partial_results(tiny_config):
    seen = []
    run(tiny_config, on_epoch=lambda p: seen.append((p.epoch, p.epochs,
                                                     len(p.partial().history))))
    assert [s[0] for s in seen] == [0, 1, 2]
    assert all(s[1] == 2 for s in seen)
    assert [s[2] for s in seen] == [4, 8, 12]


def test_histograms_are_binned_counts(tiny_config):
    res = run(tiny_config.replace(hist_bins=10))
    h = res.histograms
    assert set(h.quantity) == {"activation", "gradient"}
    one = h[(h.activation == "relu") & (h.epoch == 0) & (h.layer == 1)
            & (h.quantity == "activation")]
    assert len(one) == 10
    # every probe sample x unit lands in one bin: 64 samples x 6 units
    assert one["count"].sum() == 64 * 6
    assert one.fraction.sum() == pytest.approx(1.0)
    assert (one.bin_end > one.bin_start).all()


def test_histogram_epochs_are_bounded():
    assert hist_epochs(5) == set(range(6))
    many = hist_epochs(200)
    assert len(many) <= 21 and {0, 200} <= many


def test_deep_sigmoid_vanishes_while_relu_with_he_stays_balanced():
    """Nielsen ch. 5: in a deep sigmoid net the first hidden layer learns ~100x slower than
    the last; He et al. 2015: ReLU with He init keeps the layers' gradients level."""
    cfg = ExperimentConfig(dataset="digits", train_size=500, test_size=100,
                           hidden=(30, 30, 30, 30), activations=("sigmoid", "relu"),
                           init="auto", epochs=0, n_seeds=3)
    s = run(cfg).summary
    sig = s[s.activation == "sigmoid"].speed_ratio
    relu = s[s.activation == "relu"].speed_ratio
    assert (sig > 20).all(), sig.tolist()
    assert relu.between(1 / 3, 3).all(), relu.tolist()


def test_divergence_stops_only_that_activation():
    cfg = ExperimentConfig(dataset="digits", train_size=200, test_size=50, hidden=(32,) * 6,
                           activations=("sigmoid", "linear"), init="normal", lr=5.0,
                           epochs=4, batch_size=20)
    res = run(cfg)
    s = res.summary.set_index("activation")
    assert math.isnan(s.loc["sigmoid", "diverged_at"])
    diverged = s.loc["linear", "diverged_at"]
    assert 0 <= diverged <= 4
    lin_hist = res.history[res.history.activation == "linear"]
    assert lin_hist.epoch.max() < diverged if len(lin_hist) else True
    assert np.isfinite(res.history.loss).all()
    assert res.history[res.history.activation == "sigmoid"].epoch.max() == 4


def test_grad_clip_and_optimizers_and_regularisers_run(tiny_config):
    for changes in ({"optimizer": "momentum"}, {"optimizer": "adam", "lr": 0.01},
                    {"grad_clip": 0.1}, {"dropout": 0.3}, {"weight_decay": 0.01},
                    {"head": "sigmoid_mse"}, {"n_seeds": 2}):
        res = run(tiny_config.replace(**changes))
        assert np.isfinite(res.history.loss).all(), changes
        assert len(res.summary) == 2 * tiny_config.replace(**changes).n_seeds


def test_run_rejects_non_config():
    with pytest.raises(ValueError, match="config"):
        run({"dataset": "xor"})


def test_time_cap_stops_after_an_epoch_and_says_where(tiny_config):
    res = run(tiny_config.replace(epochs=5), max_seconds=0.0)
    assert res.stopped_at == 0
    assert set(res.history.epoch) == {0}
    assert run(tiny_config).stopped_at is None


def test_bit_identical_across_processes(tiny_config):
    """Two fresh interpreters give the same bytes as this process (torch's RNG, thread
    count and data generation are all pinned by the config)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    args = [sys.executable, "-m", "vgcore", "run", "--json", "--dataset", "xor",
            "--train-size", "64", "--test-size", "32", "--hidden", "6,6",
            "--activations", "sigmoid,relu", "--epochs", "2", "--batch-size", "16"]
    root = Path(__file__).resolve().parents[1]
    outs = [subprocess.run(args, cwd=root, capture_output=True, text=True, check=True,
                           timeout=120).stdout for _ in range(2)]
    assert outs[0] == outs[1]
    here = json.loads(json.dumps(run(tiny_config).to_json_dict()))
    assert json.loads(outs[0]) == here


def test_a_nets_numbers_do_not_depend_on_the_nets_beside_it():
    """Same data, same batches, same random draws: a net's history, per-layer statistics
    and histograms are bit-identical whether it trains alone or beside other activations
    and seeds, with every random option on (dropout, N(0, 1) biases, noisy data, clipping).
    Each net's dropout masks come from its own generator, so adding sigmoid cannot change
    ReLU's curves at dropout 0.5."""
    base = dict(dataset="moons", train_size=120, test_size=60, hidden=(12, 12), epochs=3,
                batch_size=16, dropout=0.5, bias_init="normal", noise=0.3, seed=3,
                optimizer="adam", lr=0.01, weight_decay=1e-3, grad_clip=1.0)
    alone = run(ExperimentConfig(activations=("relu",), **base))
    crowds = [run(ExperimentConfig(activations=("sigmoid", "relu", "tanh"), **base)),
              run(ExperimentConfig(activations=("relu", "leaky_relu"), n_seeds=3, **base))]
    for crowd in crowds:
        for frame in ("history", "layers", "histograms", "boundary"):
            mine = getattr(crowd, frame)
            mine = mine[(mine["activation"] == "relu") & (mine["seed"] == 3)]
            pd.testing.assert_frame_equal(mine.reset_index(drop=True),
                                          getattr(alone, frame).reset_index(drop=True),
                                          check_exact=True)


def test_dropout_masks_differ_between_nets_and_from_their_init_draws():
    """Two seeds get different masks; a net's masks are not its weights' draws again."""
    from vgcore.model import member_generator
    a = torch.rand(1000, generator=member_generator(0, "dropout"))
    b = torch.rand(1000, generator=member_generator(1, "dropout"))
    init = torch.rand(1000, generator=member_generator(0, "init"))
    assert not torch.equal(a, b) and not torch.equal(a, init)
    assert torch.equal(a, torch.rand(1000, generator=member_generator(0, "dropout")))


def test_unit_rows_are_bounded_by_keeping_fewer_epochs():
    """Per-unit numbers are kept at the histogram epochs, at fewer (always the first and
    the last) when a wide, deep, many-net run would pass MAX_UNIT_ROWS."""
    from vgcore.train import MAX_UNIT_ROWS, hist_epochs, unit_epochs
    small = ExperimentConfig(dataset="xor", hidden=(8, 8), epochs=40)
    assert unit_epochs(small) == hist_epochs(40)
    big = ExperimentConfig(dataset="xor", hidden=(60,) * 20, epochs=40, n_seeds=5,
                           train_size=100, test_size=50,
                           activations=("sigmoid", "tanh", "relu", "leaky_relu"))
    kept = unit_epochs(big)
    assert {0, 40} <= kept and len(kept) < len(hist_epochs(40))
    assert len(kept) * 20 * (60 * 20 + 2) <= MAX_UNIT_ROWS
